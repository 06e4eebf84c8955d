//! Allocations: placed instances of a task group, their task states and events, and placement metrics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Job, NetworkResource};

/// An allocation (`api.Allocation`). The embedded job and identity tokens are deliberately not decoded:
/// nothing the console shows needs them, and raw allocations never reach a browser.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Allocation {
    /// Allocation ID (a UUID).
    #[serde(rename = "ID")]
    pub id: String,
    /// Namespace.
    pub namespace: String,
    /// The evaluation that placed it.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// `<job>.<group>[<index>]`.
    pub name: String,
    /// Node it runs on.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Node name.
    pub node_name: String,
    /// Job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The job at the version this allocation runs (only with reads of one allocation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
    /// Group.
    pub task_group: String,
    /// Resources given to it.
    pub allocated_resources: Option<AllocatedResources>,
    /// Placement metrics.
    pub metrics: Option<AllocationMetric>,
    /// `run`, `stop` or `evict`.
    pub desired_status: String,
    /// Why.
    pub desired_description: String,
    /// What the scheduler is asked to do with it next (`api.DesiredTransition`).
    pub desired_transition: DesiredTransition,
    /// `pending`, `running`, `complete`, `failed`, `lost` or `unknown`.
    pub client_status: String,
    /// Why.
    pub client_description: String,
    /// Per task.
    pub task_states: Option<BTreeMap<String, TaskState>>,
    /// Deployment it belongs to.
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    /// Health within the deployment.
    pub deployment_status: Option<AllocDeploymentStatus>,
    /// Allocation it replaced.
    pub previous_allocation: String,
    /// Allocation that replaced it.
    pub next_allocation: String,
    /// Reschedule history, kept as Nomad sends it.
    pub reschedule_tracker: Option<serde_json::Value>,
    /// Follow-up evaluation for delayed rescheduling.
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
    /// Raft index of the last client-side change.
    pub alloc_modify_index: u64,
    /// Unix nanoseconds.
    pub create_time: i64,
    /// Unix nanoseconds.
    pub modify_time: i64,
}

/// What the scheduler is asked to do with an allocation next (`api.DesiredTransition`); `None` is "no".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DesiredTransition {
    /// Move it to another node (an operator's stop, a drain).
    pub migrate: Option<bool>,
    /// Replace it even though it is not failed.
    pub reschedule: Option<bool>,
    /// Replace it now, ignoring the reschedule policy.
    pub force_reschedule: Option<bool>,
    /// Skip the shutdown delay when stopping it.
    pub no_shutdown_delay: Option<bool>,
}

/// An allocation in a list (`api.AllocationListStub`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocationListStub {
    /// Allocation ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Evaluation.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Node.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Node name.
    pub node_name: String,
    /// Job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Job type.
    pub job_type: String,
    /// Job version.
    pub job_version: u64,
    /// Group.
    pub task_group: String,
    /// Desired status.
    pub desired_status: String,
    /// Why.
    pub desired_description: String,
    /// Client status.
    pub client_status: String,
    /// Why.
    pub client_description: String,
    /// Per task.
    pub task_states: Option<BTreeMap<String, TaskState>>,
    /// Deployment health.
    pub deployment_status: Option<AllocDeploymentStatus>,
    /// Follow-up evaluation.
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    /// Reschedule history.
    pub reschedule_tracker: Option<serde_json::Value>,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
    /// Unix nanoseconds.
    pub create_time: i64,
    /// Unix nanoseconds.
    pub modify_time: i64,
}

/// A task's state in an allocation (`api.TaskState`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskState {
    /// `pending`, `running` or `dead`.
    pub state: String,
    /// Whether it failed.
    pub failed: bool,
    /// Restarts so far.
    pub restarts: u64,
    /// RFC 3339 (zero time when never).
    pub last_restart: Option<String>,
    /// RFC 3339.
    pub started_at: Option<String>,
    /// RFC 3339.
    pub finished_at: Option<String>,
    /// What happened, oldest first (Nomad keeps the last 10).
    pub events: Option<Vec<TaskEvent>>,
}

/// Something that happened to a task (`api.TaskEvent`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskEvent {
    /// `Received`, `Task Setup`, `Driver`, `Started`, `Terminated`, `Restarting`, `Killing`, `Killed`…
    #[serde(rename = "Type")]
    pub event_type: String,
    /// Unix nanoseconds.
    pub time: i64,
    /// The human-readable message Nomad builds for it.
    pub display_message: String,
    /// Details (exit code, signal, restart reason…).
    pub details: Option<BTreeMap<String, String>>,
    /// Whether it fails the task.
    pub fails_task: bool,
    /// Exit code, for `Terminated`.
    pub exit_code: i64,
    /// Signal, for `Terminated`.
    pub signal: i64,
    /// Driver message, for `Driver`.
    pub driver_message: String,
    /// Driver error.
    pub driver_error: String,
    /// Restart reason, for `Restarting`.
    pub restart_reason: String,
    /// Kill reason.
    pub kill_reason: String,
    /// Setup error.
    pub setup_error: String,
    /// Free-form message.
    pub message: String,
}

/// An allocation's health within its deployment (`api.AllocDeploymentStatus`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocDeploymentStatus {
    /// `None` until decided.
    pub healthy: Option<bool>,
    /// RFC 3339 time of the decision.
    pub timestamp: Option<String>,
    /// Whether it is a canary.
    pub canary: bool,
    /// Raft index.
    pub modify_index: u64,
}

/// Resources given to an allocation (`api.AllocatedResources`); only the parts the console shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedResources {
    /// Per task.
    pub tasks: BTreeMap<String, AllocatedTaskResources>,
    /// Shared by the group (ports, networks, disk).
    pub shared: AllocatedSharedResources,
}

/// A task's allocated CPU and memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedTaskResources {
    /// CPU.
    #[serde(rename = "Cpu")]
    pub cpu: AllocatedCpu,
    /// Memory.
    pub memory: AllocatedMemory,
}

/// Allocated CPU.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedCpu {
    /// MHz.
    pub cpu_shares: i64,
}

/// Allocated memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedMemory {
    /// Reserved MB.
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
    /// Limit MB.
    #[serde(rename = "MemoryMaxMB")]
    pub memory_max_mb: i64,
}

/// Resources shared by the group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedSharedResources {
    /// Disk MB.
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
    /// Networks with their allocated ports.
    pub networks: Option<Vec<NetworkResource>>,
    /// Port mappings.
    pub ports: Option<Vec<PortMapping>>,
}

/// A port mapped for an allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortMapping {
    /// Label.
    pub label: String,
    /// Host port.
    pub value: i64,
    /// Container port.
    pub to: i64,
    /// Host IP.
    #[serde(rename = "HostIP")]
    pub host_ip: String,
}

/// Why placement went as it did (`api.AllocationMetric`); explains placement failures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocationMetric {
    /// Nodes looked at.
    pub nodes_evaluated: i64,
    /// Nodes filtered out.
    pub nodes_filtered: i64,
    /// Nodes in the job's pool.
    pub nodes_in_pool: i64,
    /// The job's node pool.
    pub node_pool: String,
    /// Ready nodes per datacenter.
    pub nodes_available: Option<BTreeMap<String, i64>>,
    /// Filtered by class.
    pub class_filtered: Option<BTreeMap<String, i64>>,
    /// Filtered by constraint, e.g. `${attr.kernel.name} = linux` → 3.
    pub constraint_filtered: Option<BTreeMap<String, i64>>,
    /// Nodes without enough resources.
    pub nodes_exhausted: i64,
    /// Exhausted per class.
    pub class_exhausted: Option<BTreeMap<String, i64>>,
    /// Exhausted per dimension, e.g. `memory` → 3.
    pub dimension_exhausted: Option<BTreeMap<String, i64>>,
    /// Quota exhausted (Enterprise).
    pub quota_exhausted: Option<Vec<String>>,
    /// Identical failures folded into this one.
    pub coalesced_failures: i64,
    /// Scheduling time in nanoseconds.
    pub allocation_time: i64,
    /// Scores per node, kept as Nomad sends them.
    pub scores: Option<BTreeMap<String, f64>>,
}

/// Resource usage of an allocation (`GET /v1/client/allocation/:id/stats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocResourceUsage {
    /// The allocation's total.
    pub resource_usage: ResourceUsage,
    /// Per task.
    pub tasks: BTreeMap<String, TaskResourceUsage>,
    /// Unix nanoseconds.
    pub timestamp: i64,
}

/// One task's usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskResourceUsage {
    /// Usage.
    pub resource_usage: ResourceUsage,
    /// Unix nanoseconds.
    pub timestamp: i64,
}

/// CPU and memory usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ResourceUsage {
    /// Memory.
    pub memory_stats: MemoryStats,
    /// CPU.
    pub cpu_stats: CpuStats,
}

/// Memory usage in bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MemoryStats {
    /// Resident set size.
    #[serde(rename = "RSS")]
    pub rss: u64,
    /// Page cache.
    pub cache: u64,
    /// Swap.
    pub swap: u64,
    /// Total usage.
    pub usage: u64,
    /// Peak usage.
    pub max_usage: u64,
    /// Which of the above the platform measures.
    pub measured: Option<Vec<String>>,
}

/// CPU usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CpuStats {
    /// Percent of one core.
    pub percent: f64,
    /// MHz consumed.
    pub total_ticks: f64,
    /// Throttled time, nanoseconds.
    pub throttled_time: u64,
    /// Throttled periods.
    pub throttled_periods: u64,
    /// System mode.
    pub system_mode: f64,
    /// User mode.
    pub user_mode: f64,
    /// Which of the above the platform measures.
    pub measured: Option<Vec<String>>,
}

/// The answer to stopping an allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocStopResponse {
    /// The evaluation created to replace it.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Raft index.
    pub index: u64,
}

/// The body of `POST /v1/client/allocation/:id/restart`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocRestartRequest {
    /// Restart one task (empty: see `all_tasks`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub task_name: String,
    /// Restart every task, sidecars included.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub all_tasks: bool,
}
