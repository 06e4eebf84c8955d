//! Deployments: the rollout of a job version (`api.Deployment`) and the requests that steer it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A deployment (`api.Deployment`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Deployment {
    /// Deployment ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Namespace.
    pub namespace: String,
    /// Job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The job version being rolled out.
    pub job_version: u64,
    /// Raft indexes of the job.
    pub job_modify_index: u64,
    /// Raft index of the job's specification.
    pub job_spec_modify_index: u64,
    /// Raft index of the job's creation.
    pub job_create_index: u64,
    /// Multi-region (Enterprise).
    pub is_multiregion: bool,
    /// Per group.
    pub task_groups: BTreeMap<String, DeploymentState>,
    /// `running`, `paused`, `failed`, `successful`, `cancelled`, `pending`, `blocked`, `unblocking`,
    /// `initializing`.
    pub status: String,
    /// Why, e.g. "Failed due to unhealthy allocations - rolling back to job version 3".
    pub status_description: String,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
    /// Unix nanoseconds.
    pub create_time: i64,
    /// Unix nanoseconds.
    pub modify_time: i64,
}

/// Deployment statuses, as Nomad spells them.
pub mod status {
    /// In progress.
    pub const RUNNING: &str = "running";
    /// Paused by an operator.
    pub const PAUSED: &str = "paused";
    /// Failed (and possibly rolled back).
    pub const FAILED: &str = "failed";
    /// Every allocation healthy.
    pub const SUCCESSFUL: &str = "successful";
    /// Replaced by a newer deployment or stopped.
    pub const CANCELLED: &str = "cancelled";
    /// Waiting to start.
    pub const PENDING: &str = "pending";
    /// Waiting on other regions (Enterprise).
    pub const BLOCKED: &str = "blocked";
}

impl Deployment {
    /// Whether the deployment will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.status.as_str(),
            status::FAILED | status::SUCCESSFUL | status::CANCELLED
        )
    }

    /// Whether canaries are placed and waiting for promotion.
    pub fn needs_promotion(&self) -> bool {
        self.status == status::RUNNING
            && self
                .task_groups
                .values()
                .any(|g| g.desired_canaries > 0 && !g.promoted)
    }
}

/// One group's progress in a deployment (`api.DeploymentState`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentState {
    /// Placed canaries.
    pub placed_canaries: Option<Vec<String>>,
    /// Roll back on failure.
    pub auto_revert: bool,
    /// Promote canaries automatically.
    pub auto_promote: bool,
    /// Nanoseconds.
    pub progress_deadline: i64,
    /// RFC 3339 time by which progress is needed.
    pub require_progress_by: Option<String>,
    /// Canaries promoted.
    pub promoted: bool,
    /// Canaries wanted.
    pub desired_canaries: i64,
    /// Allocations wanted.
    pub desired_total: i64,
    /// Allocations placed.
    pub placed_allocs: i64,
    /// Healthy allocations.
    pub healthy_allocs: i64,
    /// Unhealthy allocations.
    pub unhealthy_allocs: i64,
}

/// The body of `POST /v1/deployment/promote/:id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentPromoteRequest {
    /// The deployment.
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    /// Promote every group.
    pub all: bool,
    /// Or these groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

/// The body of `POST /v1/deployment/pause/:id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentPauseRequest {
    /// The deployment.
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    /// Pause or resume.
    pub pause: bool,
}

/// The body of `POST /v1/deployment/fail/:id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentFailRequest {
    /// The deployment.
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
}

/// The answer to promote, pause and fail (`api.DeploymentUpdateResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentUpdateResponse {
    /// The evaluation created.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Its Raft index.
    pub eval_create_index: u64,
    /// The deployment's Raft index.
    pub deployment_modify_index: u64,
    /// The job version rolled back to, when failing reverted the job.
    pub reverted_job_version: Option<u64>,
    /// Raft index.
    pub index: u64,
}
