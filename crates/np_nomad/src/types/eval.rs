//! Evaluations: the scheduler's unit of work (`api.Evaluation`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::AllocationMetric;

/// An evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Evaluation {
    /// Evaluation ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Priority.
    pub priority: i64,
    /// Job type.
    #[serde(rename = "Type")]
    pub eval_type: String,
    /// What triggered it: `job-register`, `job-deregister`, `deployment-watcher`, `alloc-failure`…
    pub triggered_by: String,
    /// Namespace.
    pub namespace: String,
    /// Job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Deployment, when triggered by one.
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    /// `blocked`, `pending`, `complete`, `failed` or `canceled`.
    pub status: String,
    /// Why.
    pub status_description: String,
    /// Wait before running (nanoseconds).
    pub wait: i64,
    /// Follow-up evaluation.
    #[serde(rename = "NextEval")]
    pub next_eval: String,
    /// Previous evaluation.
    #[serde(rename = "PreviousEval")]
    pub previous_eval: String,
    /// Evaluation created to place what could not be placed now.
    #[serde(rename = "BlockedEval")]
    pub blocked_eval: String,
    /// Groups that could not be placed, and why.
    #[serde(rename = "FailedTGAllocs")]
    pub failed_tg_allocs: Option<BTreeMap<String, AllocationMetric>>,
    /// Classes eligible for the blocked evaluation.
    pub class_eligibility: Option<BTreeMap<String, bool>>,
    /// Allocations queued per group.
    pub queued_allocations: Option<BTreeMap<String, i64>>,
    /// The job's `JobModifyIndex` when the evaluation was created.
    pub job_modify_index: u64,
    /// The Raft index of the state snapshot the scheduler worked from.
    pub snapshot_index: u64,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
    /// Unix nanoseconds.
    pub create_time: i64,
    /// Unix nanoseconds.
    pub modify_time: i64,
}

impl Evaluation {
    /// Whether the scheduler is done with it.
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "complete" | "failed" | "canceled")
    }
}
