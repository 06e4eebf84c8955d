//! Signed checkpoints of the chain's head, and the console's keys that sign them.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A signed statement of the chain's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The audit chain (database) it signs; absent from checkpoints signed before chains had ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Uuid>,
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
    /// The signed message: the chain's id, the record, its hash and the time (without a chain id, the first
    /// version's message).
    pub fn message(chain: Option<Uuid>, seq: i64, head: &str, signed_at_us: i64) -> String {
        match chain {
            Some(chain) => {
                format!("np-audit-checkpoint-v2\n{chain}\n{seq}\n{head}\n{signed_at_us}\n")
            }
            None => format!("np-audit-checkpoint-v1\n{seq}\n{head}\n{signed_at_us}\n"),
        }
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
            Self::message(self.chain, self.seq, &self.head, self.signed_at_us).as_bytes(),
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

    /// Signs the head of `chain` at `seq` now.
    pub fn sign(&self, chain: Uuid, seq: i64, head: &str) -> Checkpoint {
        let signed_at_us =
            i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000)
                .unwrap_or(i64::MAX);
        let signature = self
            .signing
            .sign(Checkpoint::message(Some(chain), seq, head, signed_at_us).as_bytes());
        Checkpoint {
            chain: Some(chain),
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
