//! Task groups and tasks (`api.TaskGroup`, `api.Task`) and the policies attached to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{
    Affinity, Constraint, Nanos, NetworkResource, Resources, Service, Spread, UpdateStrategy,
};

/// A set of tasks placed together on one node (`api.TaskGroup`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroup {
    /// Name, unique within the job.
    pub name: Option<String>,
    /// Number of allocations.
    pub count: Option<i64>,
    /// Placement constraints.
    pub constraints: Option<Vec<Constraint>>,
    /// Placement preferences.
    pub affinities: Option<Vec<Affinity>>,
    /// Spread placement.
    pub spreads: Option<Vec<Spread>>,
    /// The tasks.
    pub tasks: Option<Vec<Task>>,
    /// Volumes requested by the group, by name.
    pub volumes: Option<BTreeMap<String, VolumeRequest>>,
    /// What to do when a task fails, before rescheduling.
    pub restart_policy: Option<RestartPolicy>,
    /// Where and when to reschedule failed allocations.
    pub reschedule_policy: Option<ReschedulePolicy>,
    /// Scratch disk.
    pub ephemeral_disk: Option<EphemeralDisk>,
    /// Update strategy, overriding the job's.
    pub update: Option<UpdateStrategy>,
    /// Migration strategy, kept as Nomad sends it.
    pub migrate: Option<serde_json::Value>,
    /// Group network (ports, mode).
    pub networks: Option<Vec<NetworkResource>>,
    /// Free-form metadata.
    pub meta: Option<BTreeMap<String, String>>,
    /// Services registered for the group.
    pub services: Option<Vec<Service>>,
    /// Delay between deregistration and stopping tasks.
    pub shutdown_delay: Option<Nanos>,
    /// Scaling policy (bounds for `/scale`).
    pub scaling: Option<ScalingPolicy>,
    /// Behaviour on client disconnect, kept as Nomad sends it.
    pub disconnect: Option<serde_json::Value>,
    /// Consul cluster/namespace selection, kept as Nomad sends it.
    pub consul: Option<serde_json::Value>,
}

/// A process to run (`api.Task`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Task {
    /// Name, unique within the group.
    pub name: Option<String>,
    /// Task driver: `podman`, `docker`, `exec`…
    pub driver: Option<String>,
    /// User to run as.
    pub user: Option<String>,
    /// When the task runs relative to the main tasks.
    pub lifecycle: Option<TaskLifecycle>,
    /// Driver configuration (snake_case keys, driver-specific).
    pub config: Option<BTreeMap<String, serde_json::Value>>,
    /// Placement constraints.
    pub constraints: Option<Vec<Constraint>>,
    /// Placement preferences.
    pub affinities: Option<Vec<Affinity>>,
    /// Environment variables.
    pub env: Option<BTreeMap<String, String>>,
    /// Services registered for the task.
    pub services: Option<Vec<Service>>,
    /// CPU, memory and more.
    pub resources: Option<Resources>,
    /// Restart policy, overriding the group's.
    pub restart_policy: Option<RestartPolicy>,
    /// Free-form metadata.
    pub meta: Option<BTreeMap<String, String>>,
    /// Time between the kill signal and a forced kill.
    pub kill_timeout: Option<Nanos>,
    /// Log rotation.
    pub log_config: Option<LogConfig>,
    /// Files downloaded before the task starts, kept as Nomad sends them.
    pub artifacts: Option<Vec<serde_json::Value>>,
    /// Vault integration.
    pub vault: Option<Vault>,
    /// Rendered files (consul-template).
    pub templates: Option<Vec<Template>>,
    /// Dispatch payload placement, kept as Nomad sends it.
    pub dispatch_payload: Option<serde_json::Value>,
    /// Volume mounts into the task.
    pub volume_mounts: Option<Vec<VolumeMount>>,
    /// Whether this is the group's leader task.
    pub leader: Option<bool>,
    /// Delay between deregistration and the kill signal.
    pub shutdown_delay: Option<Nanos>,
    /// Signal sent to stop the task.
    pub kill_signal: Option<String>,
    /// Workload identity, kept as Nomad sends it.
    pub identity: Option<serde_json::Value>,
    /// Additional workload identities, kept as Nomad sends them.
    pub identities: Option<Vec<serde_json::Value>>,
    /// Consul settings, kept as Nomad sends them.
    pub consul: Option<serde_json::Value>,
}

/// When a task runs relative to the main tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskLifecycle {
    /// `prestart`, `poststart` or `poststop`.
    pub hook: String,
    /// Keep running alongside the main tasks.
    pub sidecar: bool,
}

/// Local restart behaviour (`api.RestartPolicy`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    /// Restarts allowed within `interval`.
    pub attempts: Option<i64>,
    /// The window.
    pub interval: Option<Nanos>,
    /// Wait before restarting.
    pub delay: Option<Nanos>,
    /// `fail` or `delay` once attempts are used up.
    pub mode: Option<String>,
    /// Re-render templates on restart.
    pub render_templates: Option<bool>,
}

/// Rescheduling of failed allocations to other nodes (`api.ReschedulePolicy`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReschedulePolicy {
    /// Reschedules allowed within `interval`.
    pub attempts: Option<i64>,
    /// The window.
    pub interval: Option<Nanos>,
    /// Initial delay.
    pub delay: Option<Nanos>,
    /// `constant`, `exponential` or `fibonacci`.
    pub delay_function: Option<String>,
    /// Upper bound of the delay.
    pub max_delay: Option<Nanos>,
    /// Reschedule forever.
    pub unlimited: Option<bool>,
}

/// Scratch disk of a group.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EphemeralDisk {
    /// Keep the disk across updates on the same node.
    pub sticky: Option<bool>,
    /// Move the disk with the allocation.
    pub migrate: Option<bool>,
    /// Size.
    #[serde(rename = "SizeMB")]
    pub size_mb: Option<i64>,
}

/// Scaling bounds of a group (`api.ScalingPolicy`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ScalingPolicy {
    /// Lowest count.
    pub min: Option<i64>,
    /// Highest count.
    pub max: Option<i64>,
    /// Whether an autoscaler may act on it.
    pub enabled: Option<bool>,
    /// `horizontal` by default.
    #[serde(rename = "Type")]
    pub policy_type: Option<String>,
    /// Autoscaler policy, kept as Nomad sends it.
    pub policy: Option<BTreeMap<String, serde_json::Value>>,
}

/// Log rotation (`api.LogConfig`; the HCL block is `logs`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogConfig {
    /// Files kept.
    pub max_files: Option<i64>,
    /// Size of each.
    #[serde(rename = "MaxFileSizeMB")]
    pub max_file_size_mb: Option<i64>,
    /// Turn log collection off.
    pub disabled: Option<bool>,
}

/// A file rendered by consul-template (`api.Template`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Template {
    /// Template file inside the task directory.
    pub source_path: Option<String>,
    /// Where the rendered file goes.
    pub dest_path: Option<String>,
    /// The template itself (HCL `data`).
    pub embedded_tmpl: Option<String>,
    /// `restart`, `signal`, `noop` or `script`.
    pub change_mode: Option<String>,
    /// Signal for `signal`.
    pub change_signal: Option<String>,
    /// Random delay before the change action.
    pub splay: Option<Nanos>,
    /// File permissions, e.g. `0644`.
    pub perms: Option<String>,
    /// Left delimiter (default `{{`).
    pub left_delim: Option<String>,
    /// Right delimiter (default `}}`).
    pub right_delim: Option<String>,
    /// Load the rendered file as environment variables (HCL `env`).
    pub envvars: Option<bool>,
    /// Render once only.
    pub once: Option<bool>,
    /// Fail on missing map keys.
    pub err_missing_key: Option<bool>,
}

/// Vault integration of a task (`api.Vault`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Vault {
    /// The JWT auth role.
    pub role: Option<String>,
    /// Expose the token as `VAULT_TOKEN`.
    pub env: Option<bool>,
    /// Do not write the token to the secrets directory.
    pub disable_file: Option<bool>,
    /// What to do when the token changes.
    pub change_mode: Option<String>,
    /// Signal for `signal`.
    pub change_signal: Option<String>,
}

/// A volume a group asks for (`api.VolumeRequest`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VolumeRequest {
    /// The name used by mounts.
    pub name: Option<String>,
    /// `host` or `csi`.
    #[serde(rename = "Type")]
    pub volume_type: Option<String>,
    /// The host or CSI volume's name.
    pub source: Option<String>,
    /// Read-only.
    pub read_only: Option<bool>,
    /// CSI access mode.
    pub access_mode: Option<String>,
    /// CSI attachment mode.
    pub attachment_mode: Option<String>,
    /// One volume per allocation.
    pub per_alloc: Option<bool>,
}

/// A volume mounted into a task (`api.VolumeMount`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VolumeMount {
    /// The group volume's name.
    pub volume: Option<String>,
    /// Path inside the task.
    pub destination: Option<String>,
    /// Read-only.
    pub read_only: Option<bool>,
    /// Mount propagation.
    pub propagation_mode: Option<String>,
    /// SELinux label.
    #[serde(rename = "SELinuxLabel")]
    pub selinux_label: Option<String>,
}
