//! Namespaces (`api.Namespace`): one per tenant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// A namespace.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Namespace {
    /// Name (`^[a-zA-Z0-9-]{1,128}$`).
    pub name: String,
    /// Description.
    pub description: String,
    /// Metadata.
    pub meta: Option<BTreeMap<String, String>>,
    /// Which task drivers and network modes jobs may use.
    pub capabilities: Option<NamespaceCapabilities>,
    /// Raft index.
    pub create_index: Option<u64>,
    /// Raft index.
    pub modify_index: Option<u64>,
}

/// What jobs in a namespace may use (CE).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NamespaceCapabilities {
    /// Allowed drivers (empty: all).
    pub enabled_task_drivers: Option<Vec<String>>,
    /// Denied drivers.
    pub disabled_task_drivers: Option<Vec<String>>,
    /// Allowed network modes.
    pub enabled_network_modes: Option<Vec<String>>,
    /// Denied network modes.
    pub disabled_network_modes: Option<Vec<String>>,
}
