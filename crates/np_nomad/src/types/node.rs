//! Client nodes and node pools.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A node in a list (`api.NodeListStub`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeListStub {
    /// Node ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Datacenter.
    pub datacenter: String,
    /// Class.
    pub node_class: String,
    /// Pool.
    pub node_pool: String,
    /// Nomad version.
    pub version: String,
    /// Whether it is draining.
    pub drain: bool,
    /// `eligible` or `ineligible`.
    pub scheduling_eligibility: String,
    /// `initializing`, `ready`, `down` or `disconnected`.
    pub status: String,
    /// Why.
    pub status_description: String,
    /// Task drivers and their health.
    pub drivers: Option<BTreeMap<String, DriverInfo>>,
    /// Capacity (with `resources=true`).
    pub node_resources: Option<NodeResources>,
    /// Reserved capacity (with `resources=true`).
    pub reserved_resources: Option<NodeResources>,
    /// Attributes (with `os=true`).
    pub attributes: Option<BTreeMap<String, String>>,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
}

/// A task driver on a node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DriverInfo {
    /// Present.
    pub detected: bool,
    /// Working.
    pub healthy: bool,
    /// Why not.
    pub health_description: String,
    /// Driver attributes.
    pub attributes: Option<BTreeMap<String, String>>,
}

/// A node's capacity (`api.NodeResources`), the parts the console shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeResources {
    /// CPU.
    #[serde(rename = "Cpu")]
    pub cpu: NodeCpu,
    /// Memory.
    pub memory: NodeMemory,
    /// Disk.
    pub disk: NodeDisk,
}

/// CPU capacity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeCpu {
    /// MHz.
    pub cpu_shares: i64,
    /// Cores.
    pub total_cpu_cores: i64,
}

/// Memory capacity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeMemory {
    /// MB.
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
}

/// Disk capacity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeDisk {
    /// MB.
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
}

/// A node pool (`api.NodePool`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodePool {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Metadata.
    pub meta: Option<BTreeMap<String, String>>,
    /// Scheduler settings, kept as Nomad sends them.
    pub scheduler_configuration: Option<serde_json::Value>,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
}
