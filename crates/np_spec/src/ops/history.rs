//! An app's recorded deploys and the changes between two.

use serde::{Deserialize, Serialize};

/// One deploy of an app, as the console recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    /// The deploy record.
    pub deploy_id: String,
    /// Its number among the app's deploys (1 is the first).
    pub number: i64,
    /// When (`YYYY-MM-DD HH:MM:SS UTC`).
    pub at: String,
    /// Who.
    pub actor: String,
    /// `form`, `np-yaml`, `oam`, `spec`, `api`, `rollback`.
    pub source: String,
    /// `pending`, `submitted` or `failed`.
    pub state: String,
    /// Why it failed.
    pub error: Option<String>,
    /// How its rollout went, as Nomad reported it (`running`, `successful`, `failed: …`), when known.
    pub rollout: Option<String>,
    /// The image deployed.
    pub image: String,
    /// The Nomad job version this deploy created, when known.
    pub job_version: Option<u64>,
    /// Whether the job Nomad runs now is this deploy's spec (possibly scaled, or re-applied by a revert).
    pub current: bool,
    /// What became of it since, in words ("failed; Nomad reverted to deploy #1", "Nomad runs it again as
    /// job version 4 after reverting").
    pub note: Option<String>,
}

/// One field that differs between two specs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecChange {
    /// The field (`env.LOG_LEVEL`, `replicas.count`).
    pub path: String,
    /// In the older spec (absent when added).
    pub before: Option<String>,
    /// In the newer spec (absent when removed).
    pub after: Option<String>,
}
