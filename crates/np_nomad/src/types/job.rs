//! Jobs: the specification (`api.Job`), its update strategy, and the requests and answers around it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{Affinity, Constraint, Evaluation, Nanos, ReschedulePolicy, Spread, TaskGroup};

/// A job specification, as `api.Job`. Every field is optional, as in Nomad's own client; Nomad fills the
/// defaults (`Canonicalize`) on registration.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Job {
    /// Region to run in.
    pub region: Option<String>,
    /// Namespace the job lives in.
    pub namespace: Option<String>,
    /// Unique ID within the namespace.
    #[serde(rename = "ID")]
    pub id: Option<String>,
    /// Display name (defaults to the ID).
    pub name: Option<String>,
    /// `service`, `batch`, `system` or `sysbatch`.
    #[serde(rename = "Type")]
    pub job_type: Option<String>,
    /// Scheduling priority, 1–100.
    pub priority: Option<i64>,
    /// Place all allocations at once or not at all.
    pub all_at_once: Option<bool>,
    /// Datacenters the job may run in (`*` for any).
    pub datacenters: Option<Vec<String>>,
    /// Node pool the job runs in.
    pub node_pool: Option<String>,
    /// Placement constraints.
    pub constraints: Option<Vec<Constraint>>,
    /// Placement preferences.
    pub affinities: Option<Vec<Affinity>>,
    /// The task groups.
    pub task_groups: Option<Vec<TaskGroup>>,
    /// Default update strategy for every group.
    pub update: Option<UpdateStrategy>,
    /// Spread placement across attribute values.
    pub spreads: Option<Vec<Spread>>,
    /// Periodic (cron) configuration, kept as Nomad sends it.
    pub periodic: Option<serde_json::Value>,
    /// Parameterized-job configuration, kept as Nomad sends it.
    pub parameterized_job: Option<serde_json::Value>,
    /// Default reschedule policy.
    pub reschedule: Option<ReschedulePolicy>,
    /// Migration strategy for node drains, kept as Nomad sends it.
    pub migrate: Option<serde_json::Value>,
    /// Free-form metadata.
    pub meta: Option<BTreeMap<String, String>>,
    /// Enterprise multi-region configuration, kept as Nomad sends it.
    pub multiregion: Option<serde_json::Value>,
    /// UI description and links, kept as Nomad sends it.
    #[serde(rename = "UI")]
    pub ui: Option<serde_json::Value>,

    /// Whether the job is stopped (server-set).
    pub stop: Option<bool>,
    /// Parent job for dispatched or periodic children (server-set).
    #[serde(rename = "ParentID")]
    pub parent_id: Option<String>,
    /// `pending`, `running` or `dead` (server-set).
    pub status: Option<String>,
    /// Why the job has its status (server-set).
    pub status_description: Option<String>,
    /// Whether this version reached a successful deployment (server-set).
    pub stable: Option<bool>,
    /// Version number, incremented on every changed registration (server-set).
    pub version: Option<u64>,
    /// Submission time, Unix nanoseconds (server-set).
    pub submit_time: Option<i64>,
    /// Raft index at creation (server-set).
    pub create_index: Option<u64>,
    /// Raft index of the last change, of any kind (server-set).
    pub modify_index: Option<u64>,
    /// Raft index of the last change to the specification (server-set); used with `EnforceIndex`.
    pub job_modify_index: Option<u64>,
    /// Tag on this version, if any (server-set).
    pub version_tag: Option<serde_json::Value>,
}

/// How a group's allocations are replaced when its specification changes (`api.UpdateStrategy`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateStrategy {
    /// Delay between migrations (legacy).
    pub stagger: Option<Nanos>,
    /// Allocations replaced at once.
    pub max_parallel: Option<i64>,
    /// `checks`, `task_states` or `manual`.
    pub health_check: Option<String>,
    /// Time an allocation must be healthy to count.
    pub min_healthy_time: Option<Nanos>,
    /// Time an allocation has to become healthy.
    pub healthy_deadline: Option<Nanos>,
    /// Time the deployment has to make progress.
    pub progress_deadline: Option<Nanos>,
    /// Canaries placed before the old allocations are replaced.
    pub canary: Option<i64>,
    /// Roll back to the last stable version when the deployment fails.
    pub auto_revert: Option<bool>,
    /// Promote canaries automatically once healthy.
    pub auto_promote: Option<bool>,
}

impl UpdateStrategy {
    /// Nomad's defaults (`DefaultUpdateStrategy`): one at a time, checks, 10 s healthy, 5 min deadline,
    /// 10 min progress deadline, no canaries, no auto-revert.
    pub fn nomad_default() -> Self {
        Self {
            stagger: Some(30 * super::SECOND),
            max_parallel: Some(1),
            health_check: Some("checks".into()),
            min_healthy_time: Some(10 * super::SECOND),
            healthy_deadline: Some(5 * super::MINUTE),
            progress_deadline: Some(10 * super::MINUTE),
            canary: Some(0),
            auto_revert: Some(false),
            auto_promote: Some(false),
        }
    }

    /// Fills unset fields from `defaults`.
    pub fn merged_over(&self, defaults: &Self) -> Self {
        Self {
            stagger: self.stagger.or(defaults.stagger),
            max_parallel: self.max_parallel.or(defaults.max_parallel),
            health_check: self
                .health_check
                .clone()
                .or_else(|| defaults.health_check.clone()),
            min_healthy_time: self.min_healthy_time.or(defaults.min_healthy_time),
            healthy_deadline: self.healthy_deadline.or(defaults.healthy_deadline),
            progress_deadline: self.progress_deadline.or(defaults.progress_deadline),
            canary: self.canary.or(defaults.canary),
            auto_revert: self.auto_revert.or(defaults.auto_revert),
            auto_promote: self.auto_promote.or(defaults.auto_promote),
        }
    }
}

/// The original source of a job, kept by Nomad for reference (`api.JobSubmission`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobSubmission {
    /// The source text.
    pub source: String,
    /// `hcl2` or `json`.
    pub format: String,
    /// HCL2 `-var` flags.
    pub variable_flags: Option<BTreeMap<String, String>>,
    /// HCL2 variable file content.
    pub variables: Option<String>,
    /// The job it belongs to (on reads).
    #[serde(rename = "JobID")]
    pub job_id: Option<String>,
    /// Its namespace (on reads).
    pub namespace: Option<String>,
    /// Its job version (on reads).
    pub version: Option<u64>,
    /// Raft index (on reads).
    pub job_index: Option<u64>,
}

/// The body of `PUT /v1/jobs` (`api.JobRegisterRequest`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobRegisterRequest {
    /// The job.
    pub job: Option<Job>,
    /// Its original source, for reference.
    pub submission: Option<JobSubmission>,
    /// Register only if the job's `JobModifyIndex` equals `job_modify_index` (0: only if new).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enforce_index: bool,
    /// The index to check with `enforce_index`.
    #[serde(skip_serializing_if = "is_zero")]
    pub job_modify_index: u64,
    /// Keep current group counts instead of the job's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preserve_counts: bool,
    /// Sentinel override (Enterprise; harmless in CE).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub policy_override: bool,
    /// Priority of the evaluation this registration creates.
    pub eval_priority: Option<i64>,
    /// Namespace (the query parameter wins over it).
    pub namespace: Option<String>,
    /// Region.
    pub region: Option<String>,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// The answer to a registration (`api.JobRegisterResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobRegisterResponse {
    /// The evaluation created.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Its Raft index.
    pub eval_create_index: u64,
    /// The job's new `JobModifyIndex`.
    pub job_modify_index: u64,
    /// Deprecation and other warnings, one per line.
    pub warnings: String,
}

/// The answer to a stop or purge (`structs.JobDeregisterResponse`): no warnings, and an empty evaluation id
/// when Nomad did not have the job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobDeregisterResponse {
    /// The evaluation created.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Its Raft index.
    pub eval_create_index: u64,
    /// The job's `JobModifyIndex` after the write.
    pub job_modify_index: u64,
    /// The evaluation for the job's volumes, if any.
    #[serde(rename = "VolumeEvalID")]
    pub volume_eval_id: String,
    /// Its Raft index.
    pub volume_eval_index: u64,
    /// The Raft index of the write.
    pub index: u64,
}

/// The answer to other writes that create an evaluation, such as a revert or a scale
/// (`structs.JobRegisterResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EvalResponse {
    /// The evaluation created.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Its Raft index.
    pub eval_create_index: u64,
    /// The job's `JobModifyIndex` after the write.
    pub job_modify_index: u64,
    /// Warnings, if any.
    pub warnings: String,
}

/// A job in a list (`api.JobListStub`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobListStub {
    /// Job ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Parent job, for children.
    #[serde(rename = "ParentID")]
    pub parent_id: String,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Datacenters.
    pub datacenters: Option<Vec<String>>,
    /// Type.
    #[serde(rename = "Type")]
    pub job_type: String,
    /// Priority.
    pub priority: i64,
    /// Whether it is periodic.
    pub periodic: bool,
    /// Whether it is parameterized.
    pub parameterized_job: bool,
    /// Whether it is stopped.
    pub stop: bool,
    /// `pending`, `running` or `dead`.
    pub status: String,
    /// Why.
    pub status_description: String,
    /// Allocation counts per group.
    pub job_summary: Option<JobSummary>,
    /// Raft indexes.
    pub create_index: u64,
    /// Raft indexes.
    pub modify_index: u64,
    /// Raft index of the last specification change.
    pub job_modify_index: u64,
    /// Unix nanoseconds.
    pub submit_time: i64,
    /// Metadata (with `meta=true`).
    pub meta: Option<BTreeMap<String, String>>,
}

/// Allocation counts per group (`api.JobSummary`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobSummary {
    /// Job ID.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Namespace.
    pub namespace: String,
    /// Per group.
    pub summary: BTreeMap<String, TaskGroupSummary>,
    /// Children of periodic/parameterized jobs.
    pub children: Option<JobChildrenSummary>,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
}

/// One group's allocation counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroupSummary {
    /// Waiting for placement.
    pub queued: i64,
    /// Finished successfully.
    pub complete: i64,
    /// Failed.
    pub failed: i64,
    /// Running.
    pub running: i64,
    /// Starting.
    pub starting: i64,
    /// On a lost node.
    pub lost: i64,
    /// On a disconnected node.
    pub unknown: i64,
}

/// Counts of child jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobChildrenSummary {
    /// Pending.
    pub pending: i64,
    /// Running.
    pub running: i64,
    /// Dead.
    pub dead: i64,
}

/// The versions of a job, newest first, with diffs (`api.JobVersionsResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobVersionsResponse {
    /// The versions.
    pub versions: Vec<Job>,
    /// Each version's diff against the one before it (with `diffs=true`).
    pub diffs: Option<Vec<JobDiff>>,
}

/// The body of `POST /v1/job/:id/plan`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobPlanRequest {
    /// The job to plan.
    pub job: Option<Job>,
    /// Whether to compute the diff.
    pub diff: bool,
    /// Sentinel override.
    pub policy_override: bool,
    /// Namespace.
    pub namespace: Option<String>,
}

/// What a registration would do (`api.JobPlanResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobPlanResponse {
    /// The index to pass as `JobModifyIndex` with `EnforceIndex` to register exactly this plan.
    pub job_modify_index: u64,
    /// Evaluations the plan created (blocked evals).
    pub created_evals: Option<Vec<Evaluation>>,
    /// What changes.
    pub diff: Option<JobDiff>,
    /// What the scheduler would do per group.
    pub annotations: Option<PlanAnnotations>,
    /// Groups that could not be placed, and why.
    #[serde(rename = "FailedTGAllocs")]
    pub failed_tg_allocs: Option<BTreeMap<String, super::AllocationMetric>>,
    /// Next launch of a periodic job.
    pub next_periodic_launch: Option<String>,
    /// Warnings.
    pub warnings: String,
}

/// A job's diff (`api.JobDiff`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobDiff {
    /// `Added`, `Deleted`, `Edited` or `None`.
    #[serde(rename = "Type")]
    pub diff_type: String,
    /// Job ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Changed fields.
    pub fields: Option<Vec<FieldDiff>>,
    /// Changed nested objects.
    pub objects: Option<Vec<ObjectDiff>>,
    /// Changed groups.
    pub task_groups: Option<Vec<TaskGroupDiff>>,
}

/// A group's diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroupDiff {
    /// `Added`, `Deleted`, `Edited` or `None`.
    #[serde(rename = "Type")]
    pub diff_type: String,
    /// Group name.
    pub name: String,
    /// Changed fields.
    pub fields: Option<Vec<FieldDiff>>,
    /// Changed nested objects.
    pub objects: Option<Vec<ObjectDiff>>,
    /// Changed tasks.
    pub tasks: Option<Vec<TaskDiff>>,
    /// What the scheduler will do: `create`, `destroy`, `in-place update`, `create/destroy update`, `canary`,
    /// `ignore`, `migrate` → count.
    pub updates: Option<BTreeMap<String, u64>>,
}

/// A task's diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskDiff {
    /// `Added`, `Deleted`, `Edited` or `None`.
    #[serde(rename = "Type")]
    pub diff_type: String,
    /// Task name.
    pub name: String,
    /// Changed fields.
    pub fields: Option<Vec<FieldDiff>>,
    /// Changed nested objects.
    pub objects: Option<Vec<ObjectDiff>>,
    /// E.g. `forces create/destroy update`.
    pub annotations: Option<Vec<String>>,
}

/// One field's change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FieldDiff {
    /// `Added`, `Deleted`, `Edited` or `None`.
    #[serde(rename = "Type")]
    pub diff_type: String,
    /// Field name.
    pub name: String,
    /// Old value, as text.
    pub old: String,
    /// New value, as text.
    pub new: String,
    /// E.g. `forces in-place update`.
    pub annotations: Option<Vec<String>>,
}

/// A nested object's change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ObjectDiff {
    /// `Added`, `Deleted`, `Edited` or `None`.
    #[serde(rename = "Type")]
    pub diff_type: String,
    /// Object name.
    pub name: String,
    /// Changed fields.
    pub fields: Option<Vec<FieldDiff>>,
    /// Changed nested objects.
    pub objects: Option<Vec<ObjectDiff>>,
}

/// What the scheduler would do (`api.PlanAnnotations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PlanAnnotations {
    /// Per group.
    #[serde(rename = "DesiredTGUpdates")]
    pub desired_tg_updates: Option<BTreeMap<String, DesiredUpdates>>,
    /// Allocations of other jobs that would be preempted, kept as Nomad sends them.
    pub preempted_allocs: Option<Vec<serde_json::Value>>,
}

/// Counts of what happens to a group's allocations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DesiredUpdates {
    /// Unchanged.
    pub ignore: u64,
    /// New.
    pub place: u64,
    /// Moved off draining nodes.
    pub migrate: u64,
    /// Stopped.
    pub stop: u64,
    /// Updated without restart.
    pub in_place_update: u64,
    /// Replaced.
    pub destructive_update: u64,
    /// Canaries.
    pub canary: u64,
    /// Preemptions.
    pub preemptions: u64,
}

/// The body of `POST /v1/job/:id/scale` (`api.ScalingRequest`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ScalingRequest {
    /// The new count (`None` records an event without scaling).
    pub count: Option<i64>,
    /// `{"Group": "<name>"}`.
    pub target: BTreeMap<String, String>,
    /// Why.
    pub message: String,
    /// Whether this records an error.
    pub error: bool,
    /// Free-form metadata.
    pub meta: Option<BTreeMap<String, serde_json::Value>>,
    /// Sentinel override.
    pub policy_override: bool,
    /// Only scale if the job's `JobModifyIndex` matches.
    pub job_modify_index: Option<u64>,
    /// Namespace.
    pub namespace: Option<String>,
}

/// The scale status of a job (`api.JobScaleStatusResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobScaleStatus {
    /// Job ID.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Namespace.
    pub namespace: String,
    /// Raft index.
    pub job_create_index: u64,
    /// Raft index.
    pub job_modify_index: u64,
    /// Whether the job is stopped.
    pub job_stopped: bool,
    /// Per group.
    pub task_groups: BTreeMap<String, TaskGroupScaleStatus>,
}

/// One group's scale status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroupScaleStatus {
    /// Desired count.
    pub desired: i64,
    /// Placed.
    pub placed: i64,
    /// Running.
    pub running: i64,
    /// Healthy.
    pub healthy: i64,
    /// Unhealthy.
    pub unhealthy: i64,
    /// Recent scaling events, kept as Nomad sends them.
    pub events: Option<Vec<serde_json::Value>>,
}

/// The body of `POST /v1/job/:id/revert` (`api.JobRevertRequest`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobRevertRequest {
    /// The job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The version to revert to.
    pub job_version: u64,
    /// Revert only if the job is currently at this version.
    pub enforce_prior_version: Option<u64>,
    /// Namespace.
    pub namespace: Option<String>,
}

/// The body of `POST /v1/job/:id/stable`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStabilityRequest {
    /// The job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The version.
    pub job_version: u64,
    /// Stable or not.
    pub stable: bool,
    /// Namespace.
    pub namespace: Option<String>,
}

/// The answer to a stability change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStabilityResponse {
    /// The job's `JobModifyIndex`.
    pub job_modify_index: u64,
}

/// The body of `POST /v1/validate/job`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobValidateRequest {
    /// The job.
    pub job: Option<Job>,
}

/// The answer of `POST /v1/validate/job` (`api.JobValidateResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobValidateResponse {
    /// Whether the agent validated driver configuration.
    pub driver_config_validated: bool,
    /// The errors, if any.
    pub validation_errors: Option<Vec<String>>,
    /// The errors as one string.
    pub error: String,
    /// Warnings.
    pub warnings: String,
}

/// The body of `POST /v1/jobs/parse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobsParseRequest {
    /// HCL2 source.
    #[serde(rename = "JobHCL")]
    pub job_hcl: String,
    /// Apply Nomad's defaults to the result.
    pub canonicalize: bool,
    /// Variable file content.
    pub variables: Option<String>,
}
