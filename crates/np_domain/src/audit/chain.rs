//! The hash chain: how a record's hash is computed (the same bytes the database's trigger hashes), the
//! verifier that walks the chain, and the signed checkpoints of its head.
//!
//! `row_hash = SHA-256(prev_hash ‖ canonical)`, where `canonical` is `np-audit-v1,` followed by every field as
//! `<byte length>:<text>,` (or `-,` for null) in a fixed order, with the time as integer microseconds since
//! the Unix epoch and `details` as Postgres prints the jsonb. The first record's `prev_hash` is 32 zero bytes.
//!
//! Checkpoints sign `(seq, head, time)` with an Ed25519 key the console holds and the database does not: a
//! rewrite of history, even with every hash recomputed, no longer matches a checkpoint, and a truncated tail
//! falls short of the latest one. Checkpoints are kept in the database and appended to a file outside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use futures::TryStreamExt;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::DomainError;
use np_spec::audit::VerifyReport;

/// One record as the chain sees it: every hashed field, and the hashes. Also the line format of the NDJSON
/// export, so an export can be verified offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ChainRow {
    /// Position in the chain.
    pub seq: i64,
    /// Unique id.
    pub event_id: Uuid,
    /// RFC 3339 (for people; the hash uses `occurred_at_us`).
    pub occurred_at: String,
    /// Microseconds since the Unix epoch.
    pub occurred_at_us: i64,
    /// `intent`, `result`, `event`.
    pub phase: String,
    /// Pairs intent and result.
    pub correlation_id: Uuid,
    /// Tenant id.
    pub tenant_id: Option<Uuid>,
    /// Tenant slug.
    pub tenant: Option<String>,
    /// `user`, `token`, `system`, `anonymous`.
    pub actor_kind: String,
    /// Issuer.
    pub actor_iss: Option<String>,
    /// Subject.
    pub actor_sub: Option<String>,
    /// Display name.
    pub actor_name: String,
    /// Client address.
    pub source_ip: Option<String>,
    /// Client software.
    pub user_agent: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Action.
    pub action: String,
    /// Target kind.
    pub target_type: Option<String>,
    /// Target.
    pub target: Option<String>,
    /// Outcome (null for intents).
    pub outcome: Option<String>,
    /// Nomad evaluation.
    pub eval_id: Option<String>,
    /// Nomad deployment.
    pub deployment_id: Option<String>,
    /// Job version.
    pub job_version: Option<i64>,
    /// Job modify index.
    pub job_modify_index: Option<i64>,
    /// Details, exactly as Postgres prints the jsonb (the hash covers these bytes).
    #[sqlx(try_from = "String")]
    pub details: Details,
    /// The previous record's hash (hex).
    pub prev_hash: String,
    /// This record's hash (hex).
    pub row_hash: String,
}

/// JSON kept byte for byte.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Details(pub Box<RawValue>);

impl PartialEq for Details {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}
impl Eq for Details {}

impl TryFrom<String> for Details {
    type Error = serde_json::Error;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        RawValue::from_string(text).map(Details)
    }
}

impl Details {
    /// The JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }
}

/// The columns of a [`ChainRow`], for `SELECT … FROM audit_events`.
pub const CHAIN_COLUMNS: &str = "seq, event_id,
    to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS occurred_at,
    (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_at_us,
    phase, correlation_id, tenant_id, tenant, actor_kind, actor_iss, actor_sub, actor_name, source_ip,
    user_agent, request_id, action, target_type, target, outcome, eval_id, deployment_id, job_version,
    job_modify_index, details::text AS details, encode(prev_hash, 'hex') AS prev_hash,
    encode(row_hash, 'hex') AS row_hash";

/// The hash of the record before the first.
pub const GENESIS: [u8; 32] = [0; 32];

fn field(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.extend_from_slice(b"-,"),
        Some(text) => {
            out.extend_from_slice(text.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(text.as_bytes());
            out.push(b',');
        }
    }
}

impl ChainRow {
    /// The bytes the hash covers (as `audit_canonical` in the database).
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = b"np-audit-v1,".to_vec();
        let s = |v: &Option<String>| v.clone();
        let n = |v: Option<i64>| v.map(|v| v.to_string());
        let u = |v: Option<Uuid>| v.map(|v| v.to_string());
        for value in [
            Some(self.seq.to_string()),
            Some(self.event_id.to_string()),
            Some(self.occurred_at_us.to_string()),
            Some(self.phase.clone()),
            Some(self.correlation_id.to_string()),
            u(self.tenant_id),
            s(&self.tenant),
            Some(self.actor_kind.clone()),
            s(&self.actor_iss),
            s(&self.actor_sub),
            Some(self.actor_name.clone()),
            s(&self.source_ip),
            s(&self.user_agent),
            s(&self.request_id),
            Some(self.action.clone()),
            s(&self.target_type),
            s(&self.target),
            s(&self.outcome),
            s(&self.eval_id),
            s(&self.deployment_id),
            n(self.job_version),
            n(self.job_modify_index),
            Some(self.details.text().to_owned()),
            Some(self.prev_hash.clone()),
        ] {
            field(&mut out, value.as_deref());
        }
        out
    }

    /// The hash this record should have, given its `prev_hash` (hex).
    pub fn expected_hash(&self) -> String {
        let prev = hex::decode(&self.prev_hash).unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(&prev);
        hasher.update(self.canonical());
        hex::encode(hasher.finalize())
    }
}

/// A signed statement of the chain's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Checkpoint {
    /// The last record covered.
    pub seq: i64,
    /// Its hash (hex).
    pub head: String,
    /// When it was signed, microseconds since the Unix epoch.
    pub signed_at_us: i64,
    /// Which key signed it.
    pub key_id: String,
    /// The Ed25519 signature (hex).
    pub signature: String,
}

impl Checkpoint {
    /// The signed message.
    pub fn message(seq: i64, head: &str, signed_at_us: i64) -> String {
        format!("np-audit-checkpoint-v1\n{seq}\n{head}\n{signed_at_us}\n")
    }

    /// Whether `key` signed this.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        let Ok(bytes) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&bytes) else {
            return false;
        };
        key.verify(
            Self::message(self.seq, &self.head, self.signed_at_us).as_bytes(),
            &signature,
        )
        .is_ok()
    }
}

/// The console's audit keys: the Ed25519 key that signs checkpoints, and the HMAC key for secret values.
pub struct Keys {
    signing: SigningKey,
    hmac: [u8; 32],
    /// Where checkpoints are appended outside the database, if anywhere.
    pub checkpoint_file: Option<PathBuf>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("key_id", &self.key_id())
            .field("checkpoint_file", &self.checkpoint_file)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Keys from a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let hmac = Sha256::new()
            .chain_update(b"np-audit-hmac-v1")
            .chain_update(seed)
            .finalize()
            .into();
        Self {
            signing: SigningKey::from_bytes(&seed),
            hmac,
            checkpoint_file: None,
        }
    }

    /// Fresh random keys (tests, and consoles that keep no files).
    pub fn ephemeral() -> Self {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
        Self::from_seed(seed)
    }

    /// The key in `path` (64 hex digits), created with mode 0600 when it does not exist yet.
    ///
    /// # Errors
    /// When the file cannot be read or written, or does not hold a key.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim())
                    .map_err(|_| format!("{}: not a hex-encoded key", path.display()))?;
                let seed: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| format!("{}: the key must be 32 bytes", path.display()))?;
                Ok(Self::from_seed(seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let keys = Self::ephemeral();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options
                    .open(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                writeln!(file, "{}", hex::encode(keys.signing.to_bytes()))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(keys)
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The public half, to verify checkpoints with.
    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The public key as hex (what `np audit public-key` prints).
    pub fn public_hex(&self) -> String {
        hex::encode(self.public().to_bytes())
    }

    /// A short id of the key.
    pub fn key_id(&self) -> String {
        key_id(&self.public())
    }

    /// The HMAC-SHA-256 of a secret value (hex): lets auditors match a known value without the log holding
    /// it.
    pub fn hmac(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Signs the chain's head at `seq` now.
    pub fn sign(&self, seq: i64, head: &str) -> Checkpoint {
        let signed_at_us =
            i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000)
                .unwrap_or(i64::MAX);
        let signature = self
            .signing
            .sign(Checkpoint::message(seq, head, signed_at_us).as_bytes());
        Checkpoint {
            seq,
            head: head.to_owned(),
            signed_at_us,
            key_id: self.key_id(),
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

/// A short id of a public key: the first 16 hex digits of its SHA-256.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.to_bytes()))[..16].to_owned()
}

/// Parses a public key given as 64 hex digits.
///
/// # Errors
/// When it is not one.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the public key must be 64 hex digits")?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an Ed25519 public key: {e}"))
}

/// The chain's head as the database holds it: `(seq, hash hex)`.
///
/// # Errors
/// On database failure.
pub async fn head(db: &PgPool) -> Result<(i64, String), DomainError> {
    Ok(sqlx::query_as(
        "SELECT seq, encode(row_hash, 'hex') FROM audit_events ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await?
    .unwrap_or((0, hex::encode(GENESIS))))
}

/// Signs the chain's head and stores the checkpoint (in the database, and appended to the keys' file) when
/// there are at least `every` records since the last one, or any record and the last one is older than
/// `max_age`. Returns the new checkpoint, if one was made.
///
/// # Errors
/// On database or file failure.
pub async fn checkpoint(
    db: &PgPool,
    keys: &Keys,
    every: i64,
    max_age: std::time::Duration,
) -> Result<Option<Checkpoint>, DomainError> {
    let (seq, head) = head(db).await?;
    let last: Option<(i64, i64)> = sqlx::query_as(
        "SELECT seq, (extract(epoch FROM now() - signed_at) * 1000000)::bigint
           FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    let due = match last {
        None => seq > 0,
        Some((last_seq, age_us)) => {
            seq > last_seq
                && (seq - last_seq >= every
                    || u128::try_from(age_us).unwrap_or(0) >= max_age.as_micros())
        }
    };
    if !due {
        return Ok(None);
    }
    let signed = keys.sign(seq, &head);
    store_checkpoint(db, keys, &signed).await?;
    Ok(Some(signed))
}

/// Stores a signed checkpoint in the database and appends it to the checkpoint file.
async fn store_checkpoint(
    db: &PgPool,
    keys: &Keys,
    signed: &Checkpoint,
) -> Result<(), DomainError> {
    if let Some(path) = &keys.checkpoint_file {
        let line = serde_json::to_string(signed).unwrap_or_default();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                DomainError::invalid("audit checkpoint file", format!("{}: {e}", path.display()))
            })?;
        writeln!(file, "{line}").map_err(|e| {
            DomainError::invalid("audit checkpoint file", format!("{}: {e}", path.display()))
        })?;
    }
    sqlx::query(
        "INSERT INTO audit_checkpoints (seq, head, signed_at, key_id, signature)
         VALUES ($1, decode($2, 'hex'), to_timestamp($3::double precision / 1000000), $4, decode($5, 'hex'))
         ON CONFLICT (seq) DO NOTHING",
    )
    .bind(signed.seq)
    .bind(&signed.head)
    .bind(signed.signed_at_us)
    .bind(&signed.key_id)
    .bind(&signed.signature)
    .execute(db)
    .await?;
    Ok(())
}

/// The checkpoints stored in the database.
///
/// # Errors
/// On database failure.
pub async fn stored_checkpoints(db: &PgPool) -> Result<Vec<Checkpoint>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT seq, encode(head, 'hex') AS head,
                (extract(epoch FROM signed_at) * 1000000)::bigint AS signed_at_us, key_id,
                encode(signature, 'hex') AS signature
           FROM audit_checkpoints ORDER BY seq",
    )
    .fetch_all(db)
    .await?)
}

/// Reads checkpoints from a file of JSON lines (the console's checkpoint file).
///
/// # Errors
/// When the file cannot be read or a line is not a checkpoint.
pub fn file_checkpoints(path: &Path) -> Result<Vec<Checkpoint>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Walks a chain of records in seq order and checks each against its predecessor and the checkpoints.
#[derive(Debug)]
pub struct Verifier {
    checkpoints: std::collections::BTreeMap<i64, Checkpoint>,
    /// Whether the records start at seq 1 (a whole chain) rather than anywhere (an export's excerpt).
    whole: bool,
    report: VerifyReport,
    prev: Option<(i64, String)>,
}

impl Verifier {
    /// A verifier of a whole chain (starting at seq 1) against `checkpoints`, whose signatures are checked
    /// with `key` when one is given. A checkpoint with a bad signature is itself reported.
    pub fn new(key: Option<VerifyingKey>, checkpoints: Vec<Checkpoint>, whole: bool) -> Self {
        let mut report = VerifyReport {
            intact: true,
            ..VerifyReport::default()
        };
        let mut kept: std::collections::BTreeMap<i64, Checkpoint> =
            std::collections::BTreeMap::new();
        for c in checkpoints {
            if let Some(key) = &key
                && !c.signed_by(key)
            {
                if report.problem.is_none() {
                    report.intact = false;
                    report.first_broken = Some(c.seq);
                    report.problem = Some(format!(
                        "the checkpoint at record {} is not signed by the console's key",
                        c.seq
                    ));
                }
                continue;
            }
            if let Some(other) = kept.get(&c.seq)
                && c.head != other.head
            {
                report.intact = false;
                report.first_broken.get_or_insert(c.seq);
                report
                    .problem
                    .get_or_insert(format!("two checkpoints disagree about record {}", c.seq));
            }
            kept.insert(c.seq, c);
        }
        report.checkpoints = i64::try_from(kept.len()).unwrap_or(i64::MAX);
        Self {
            checkpoints: kept,
            whole,
            report,
            prev: None,
        }
    }

    fn broken(&mut self, seq: i64, problem: String) {
        if self.report.first_broken.is_none() {
            self.report.intact = false;
            self.report.first_broken = Some(seq);
            self.report.problem = Some(problem);
        }
    }

    /// Checks the next record.
    pub fn push(&mut self, row: &ChainRow) {
        let expected_seq = match &self.prev {
            Some((seq, _)) => Some(seq + 1),
            None if self.whole => Some(1),
            None => None,
        };
        let linked = match (&self.prev, expected_seq) {
            (Some((_, hash)), Some(seq)) if row.seq == seq => Some(hash.clone()),
            (None, Some(1)) if row.seq == 1 => Some(hex::encode(GENESIS)),
            _ => None,
        };
        if let Some(seq) = expected_seq
            && row.seq != seq
            && self.whole
        {
            if row.seq > seq {
                self.broken(
                    seq,
                    format!("record {seq} is missing (the next one is {})", row.seq),
                );
            } else {
                self.broken(row.seq, format!("record {} is out of order", row.seq));
            }
        }
        if let Some(prev) = linked
            && row.prev_hash != prev
        {
            self.broken(
                row.seq,
                format!("record {} does not follow the record before it", row.seq),
            );
        }
        if row.expected_hash() != row.row_hash {
            self.broken(
                row.seq,
                format!("record {} was changed after it was written", row.seq),
            );
        }
        if let Some(c) = self.checkpoints.get(&row.seq) {
            if c.head == row.row_hash {
                self.report.last_checkpoint = Some(row.seq);
            } else {
                let from = self.report.last_checkpoint.map_or(1, |s| s + 1);
                self.broken(
                    from,
                    format!(
                        "the chain up to record {} does not match its signed checkpoint: history between \
                         records {from} and {} was rewritten",
                        row.seq, row.seq
                    ),
                );
            }
        }
        self.report.verified += 1;
        self.report.head_seq = row.seq;
        self.prev = Some((row.seq, row.row_hash.clone()));
    }

    /// The report, once every record was pushed.
    pub fn finish(mut self) -> VerifyReport {
        let last = self.prev.as_ref().map_or(0, |(s, _)| *s);
        if self.whole
            && let Some((&seq, _)) = self.checkpoints.range(last + 1..).next()
        {
            self.broken(
                last + 1,
                format!(
                    "records after {last} are missing: a signed checkpoint covers record {seq}"
                ),
            );
        }
        self.report
    }
}

/// Verifies the whole chain in the database, against its stored checkpoints and `extra` ones (from outside
/// the database), checking their signatures with `key`.
///
/// # Errors
/// On database failure.
pub async fn verify(
    db: &PgPool,
    key: Option<VerifyingKey>,
    extra: Vec<Checkpoint>,
) -> Result<VerifyReport, DomainError> {
    let mut checkpoints = stored_checkpoints(db).await?;
    checkpoints.extend(extra);
    let mut verifier = Verifier::new(key, checkpoints, true);
    let sql = format!("SELECT {CHAIN_COLUMNS} FROM audit_events ORDER BY seq");
    let mut rows = sqlx::query_as::<_, ChainRow>(&sql).fetch(db);
    while let Some(row) = rows.try_next().await? {
        verifier.push(&row);
    }
    Ok(verifier.finish())
}
