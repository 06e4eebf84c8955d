//! The audit log's settings: its signing key, where checkpoints go outside the database, how often they are
//! signed, and the reconciler's and rollout follower's pace.

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, Source};

/// The audit log's settings.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// The checkpoint signing key's file.
    pub key_file: PathBuf,
    /// Where checkpoints are appended outside the database, when set (`NP_AUDIT_CHECKPOINT_FILE`); else each
    /// database's chain has its own file (see [`AuditSettings::checkpoint_file_for`]).
    pub checkpoint_file: Option<PathBuf>,
    /// `NP_DATA_DIR`, under which the default files are.
    pub data_dir: PathBuf,
    /// Checkpoint after this many records.
    pub checkpoint_every: i64,
    /// Or after this long.
    pub checkpoint_interval: Duration,
    /// Settle intents older than this.
    pub reconcile_after: Duration,
    /// How often the rollout follower asks Nomad about rollouts that have not ended.
    pub rollout_poll: Duration,
}

impl AuditSettings {
    /// The checkpoint file of the chain `chain`: `NP_AUDIT_CHECKPOINT_FILE` when set, else
    /// `audit-checkpoints/<chain>.ndjson` under `NP_DATA_DIR` — one file per database, so checkpoints of the
    /// test database never land beside the demo's.
    pub fn checkpoint_file_for(&self, chain: uuid::Uuid) -> PathBuf {
        self.checkpoint_file.clone().unwrap_or_else(|| {
            self.data_dir
                .join("audit-checkpoints")
                .join(format!("{chain}.ndjson"))
        })
    }
}

/// Reads the `NP_AUDIT_*` variables.
///
/// # Errors
/// Invalid numbers.
pub fn audit_settings(source: &Source) -> Result<AuditSettings, ConfigError> {
    let dir = PathBuf::from(source.value_or_default("NP_DATA_DIR").unwrap_or(".data"));
    let path = |name: &'static str, default: &str| -> PathBuf {
        source
            .get(name)
            .filter(|v| !v.is_empty())
            .map_or_else(|| dir.join(default), PathBuf::from)
    };
    let checkpoint_every: i64 =
        source.required("NP_AUDIT_CHECKPOINT_EVERY", "a number of records")?;
    if checkpoint_every < 1 {
        return Err(ConfigError::Invalid {
            name: "NP_AUDIT_CHECKPOINT_EVERY",
            message: "must be at least 1".into(),
        });
    }
    Ok(AuditSettings {
        key_file: path("NP_AUDIT_KEY_FILE", "audit-signing.key"),
        checkpoint_file: source
            .get("NP_AUDIT_CHECKPOINT_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        data_dir: dir.clone(),
        checkpoint_every,
        checkpoint_interval: source.seconds("NP_AUDIT_CHECKPOINT_SECS")?,
        reconcile_after: source.seconds("NP_AUDIT_RECONCILE_SECS")?,
        rollout_poll: source.seconds("NP_ROLLOUT_POLL_SECS")?,
    })
}
