//! Services and health checks (`api.Service`, `api.ServiceCheck`) and Nomad-native registrations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Nanos;

/// A service registered in Consul or Nomad (`api.Service`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Service {
    /// Name (RFC 1123 label, at most 63 characters).
    pub name: Option<String>,
    /// Tags (Traefik reads its routing from these).
    pub tags: Option<Vec<String>>,
    /// Tags while the allocation is an unpromoted canary.
    pub canary_tags: Option<Vec<String>>,
    /// Let Consul override tags.
    pub enable_tag_override: Option<bool>,
    /// The port label to advertise.
    pub port_label: Option<String>,
    /// `auto`, `host`, `driver` or `alloc`.
    pub address_mode: Option<String>,
    /// Explicit address.
    pub address: Option<String>,
    /// Health checks.
    pub checks: Option<Vec<ServiceCheck>>,
    /// Restart the task on failing checks.
    pub check_restart: Option<CheckRestart>,
    /// Consul Connect, kept as Nomad sends it.
    pub connect: Option<serde_json::Value>,
    /// Metadata.
    pub meta: Option<BTreeMap<String, String>>,
    /// Metadata while a canary.
    pub canary_meta: Option<BTreeMap<String, String>>,
    /// Task the service belongs to (group services).
    pub task_name: Option<String>,
    /// `require_healthy`, `ignore_warnings` or `ignore`.
    pub on_update: Option<String>,
    /// `consul` (default) or `nomad`.
    pub provider: Option<String>,
}

/// A health check (`api.ServiceCheck`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceCheck {
    /// Name.
    pub name: Option<String>,
    /// `http`, `tcp`, `grpc` or `script`.
    #[serde(rename = "Type")]
    pub check_type: Option<String>,
    /// Command for script checks.
    pub command: Option<String>,
    /// Arguments for script checks.
    pub args: Option<Vec<String>>,
    /// HTTP path (must be relative).
    pub path: Option<String>,
    /// `http` or `https`.
    pub protocol: Option<String>,
    /// Port label, if not the service's.
    pub port_label: Option<String>,
    /// Address mode.
    pub address_mode: Option<String>,
    /// Time between checks (required for http and tcp).
    pub interval: Option<Nanos>,
    /// Time limit of one check (required for http and tcp).
    pub timeout: Option<Nanos>,
    /// Status before the first check.
    pub initial_status: Option<String>,
    /// Skip TLS verification.
    #[serde(rename = "TLSSkipVerify")]
    pub tls_skip_verify: Option<bool>,
    /// HTTP method.
    pub method: Option<String>,
    /// HTTP headers.
    pub header: Option<BTreeMap<String, Vec<String>>>,
    /// HTTP body.
    pub body: Option<String>,
    /// Restart on failure.
    pub check_restart: Option<CheckRestart>,
    /// Passes needed before passing.
    pub success_before_passing: Option<i64>,
    /// Failures needed before critical.
    pub failures_before_critical: Option<i64>,
    /// Failures needed before warning.
    pub failures_before_warning: Option<i64>,
    /// `require_healthy`, `ignore_warnings` or `ignore`.
    pub on_update: Option<String>,
}

/// Restarting a task whose checks fail (`api.CheckRestart`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CheckRestart {
    /// Failures before a restart.
    pub limit: Option<i64>,
    /// Wait after start before counting.
    pub grace: Option<Nanos>,
    /// Treat warnings as passing.
    pub ignore_warnings: Option<bool>,
}

/// A Nomad-native service registration (`api.ServiceRegistration`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceRegistration {
    /// Registration ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Service name.
    pub service_name: String,
    /// Namespace.
    pub namespace: String,
    /// Node.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Datacenter.
    pub datacenter: String,
    /// Job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Allocation.
    #[serde(rename = "AllocID")]
    pub alloc_id: String,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Address.
    pub address: String,
    /// Port.
    pub port: i64,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
}
