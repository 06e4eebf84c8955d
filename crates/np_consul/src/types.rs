//! Consul's JSON types (PascalCase, unknown fields ignored).

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// A service instance in the catalog (`api.CatalogService`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CatalogService {
    /// Node ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Node name.
    pub node: String,
    /// Node address.
    pub address: String,
    /// Datacenter.
    pub datacenter: String,
    /// Instance ID (Nomad: `_nomad-task-<alloc>-<task>-<service>-<port>`).
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    /// Service name.
    pub service_name: String,
    /// Tags.
    pub service_tags: Option<Vec<String>>,
    /// Instance address (empty: the node's).
    pub service_address: String,
    /// Instance port.
    pub service_port: u16,
    /// Instance metadata.
    pub service_meta: Option<BTreeMap<String, String>>,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
}

/// A health entry: node, instance and checks (`api.ServiceEntry`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceEntry {
    /// The node.
    pub node: Node,
    /// The instance.
    pub service: AgentService,
    /// Node and instance checks.
    pub checks: Vec<HealthCheck>,
}

impl ServiceEntry {
    /// `critical`, `warning` or `passing`: the worst of the entry's checks.
    pub fn aggregated_status(&self) -> &str {
        let statuses: Vec<&str> = self.checks.iter().map(|c| c.status.as_str()).collect();
        if statuses.contains(&"critical") {
            "critical"
        } else if statuses.contains(&"warning") {
            "warning"
        } else {
            "passing"
        }
    }
}

/// A node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Node {
    /// ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Name.
    pub node: String,
    /// Address.
    pub address: String,
    /// Datacenter.
    pub datacenter: String,
}

/// A registered instance (`api.AgentService`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AgentService {
    /// Instance ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Service name.
    pub service: String,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Address.
    pub address: String,
    /// Port.
    pub port: u16,
    /// Metadata.
    pub meta: Option<BTreeMap<String, String>>,
}

/// A health check (`api.HealthCheck`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthCheck {
    /// Node.
    pub node: String,
    /// Check ID (`serfHealth` for the node check).
    #[serde(rename = "CheckID")]
    pub check_id: String,
    /// Name.
    pub name: String,
    /// `passing`, `warning` or `critical`.
    pub status: String,
    /// The last output, e.g. `HTTP GET /healthz: 200 OK`.
    pub output: String,
    /// Instance it belongs to (empty for node checks).
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    /// Service name.
    pub service_name: String,
    /// `http`, `tcp`…
    #[serde(rename = "Type")]
    pub check_type: String,
}

/// A KV entry (`api.KVPair`); the value is base64 on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KvPair {
    /// Key.
    pub key: String,
    /// Value, base64-encoded.
    pub value: Option<String>,
    /// Application flags.
    pub flags: u64,
    /// Raft index.
    pub create_index: u64,
    /// Raft index; pass it as `cas`.
    pub modify_index: u64,
}

impl KvPair {
    /// The decoded value (empty when absent or not base64).
    pub fn bytes(&self) -> Vec<u8> {
        self.value
            .as_deref()
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_entries_decode_and_aggregate() {
        let entry: ServiceEntry = serde_json::from_str(
            r#"{"Node":{"Node":"n1","Address":"10.0.0.1"},"Service":{"ID":"i1","Service":"web","Tags":["a"],"Port":25000},
               "Checks":[{"CheckID":"serfHealth","Status":"passing"},{"CheckID":"c1","Status":"critical","ServiceID":"i1","Output":"HTTP GET /: 500"}],"Extra":1}"#,
        )
        .unwrap();
        assert_eq!(entry.service.port, 25000);
        assert_eq!(entry.aggregated_status(), "critical");
    }

    #[test]
    fn kv_values_are_base64() {
        let pair: KvPair =
            serde_json::from_str(r#"{"Key":"a","Value":"aGVsbG8=","ModifyIndex":7}"#).unwrap();
        assert_eq!(pair.bytes(), b"hello");
    }
}
