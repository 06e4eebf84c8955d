//! The hash chain: how a record's hash is computed (the same bytes the database's trigger hashes), the
//! verifier that walks the chain, and the signed checkpoints of its head.
//!
//! `row_hash = SHA-256(prev_hash ‖ canonical)`, where `canonical` is `np-audit-v1,` followed by every field as
//! `<byte length>:<text>,` (or `-,` for null) in a fixed order, with the time as integer microseconds since
//! the Unix epoch and `details` as Postgres prints the jsonb. The first record's `prev_hash` is 32 zero bytes.
//!
//! Checkpoints sign `(chain, seq, head, time)` with an Ed25519 key the console holds and the database does not:
//! a rewrite of history, even with every hash recomputed, no longer matches a checkpoint, and a truncated tail
//! falls short of the latest one. Checkpoints are kept in the database and appended to a file outside it; the
//! chain's id (made with the database) keeps one database's checkpoints from being checked against another's.

mod keys;
mod store;
mod verify;

pub use ed25519_dalek::VerifyingKey;
pub use keys::{Checkpoint, Keys, key_id, parse_public_key};
pub use store::{chain_id, checkpoint, file_checkpoints, head, stored_checkpoints};
pub use verify::{Verifier, of_chain, verify};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use uuid::Uuid;

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
