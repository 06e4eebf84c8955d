//! Resources and networks (`api.Resources`, `api.NetworkResource`, `api.Port`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// What a task needs (`api.Resources`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Resources {
    /// CPU in MHz.
    #[serde(rename = "CPU")]
    pub cpu: Option<i64>,
    /// Whole cores reserved.
    pub cores: Option<i64>,
    /// Memory reserved.
    #[serde(rename = "MemoryMB")]
    pub memory_mb: Option<i64>,
    /// Memory limit when oversubscription is enabled.
    #[serde(rename = "MemoryMaxMB")]
    pub memory_max_mb: Option<i64>,
    /// Disk (deprecated; use the group's ephemeral disk).
    #[serde(rename = "DiskMB")]
    pub disk_mb: Option<i64>,
    /// Task-level networks (deprecated; use the group's).
    pub networks: Option<Vec<NetworkResource>>,
    /// Devices, kept as Nomad sends them.
    pub devices: Option<Vec<serde_json::Value>>,
    /// Size of the secrets directory.
    #[serde(rename = "SecretsMB")]
    pub secrets_mb: Option<i64>,
}

/// A network of a group or allocation (`api.NetworkResource`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkResource {
    /// `host`, `bridge`, `cni/<name>` or `none`.
    pub mode: Option<String>,
    /// Host device (allocated).
    pub device: Option<String>,
    /// CIDR (allocated).
    #[serde(rename = "CIDR")]
    pub cidr: Option<String>,
    /// IP address (allocated).
    #[serde(rename = "IP")]
    pub ip: Option<String>,
    /// Hostname inside the network namespace.
    pub hostname: Option<String>,
    /// Bandwidth (deprecated).
    #[serde(rename = "MBits")]
    pub mbits: Option<i64>,
    /// DNS settings, kept as Nomad sends them.
    #[serde(rename = "DNS")]
    pub dns: Option<serde_json::Value>,
    /// Static ports.
    pub reserved_ports: Option<Vec<Port>>,
    /// Dynamic ports.
    pub dynamic_ports: Option<Vec<Port>>,
}

/// A port (`api.Port`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Port {
    /// The label tasks and services refer to.
    pub label: String,
    /// The host port (static, or allocated for dynamic ports).
    pub value: i64,
    /// The port inside the container.
    pub to: Option<i64>,
    /// Host network name.
    pub host_network: Option<String>,
    /// Skip collision checks.
    pub ignore_collision: Option<bool>,
}
