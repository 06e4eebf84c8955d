//! ACL policies and tokens.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// An ACL policy (`api.ACLPolicy`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclPolicy {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The rules, in HCL.
    pub rules: String,
    /// Attachment to a workload identity, kept as Nomad sends it.
    #[serde(rename = "JobACL")]
    pub job_acl: Option<serde_json::Value>,
    /// Raft index.
    pub create_index: Option<u64>,
    /// Raft index.
    pub modify_index: Option<u64>,
}

/// A policy in a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclPolicyListStub {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
}

/// An ACL token (`api.ACLToken`). The secret is only present when the token is created or read by a
/// management token.
#[skip_serializing_none]
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclToken {
    /// Public identifier.
    #[serde(rename = "AccessorID")]
    pub accessor_id: String,
    /// The secret (send it as `X-Nomad-Token`).
    #[serde(rename = "SecretID")]
    pub secret_id: String,
    /// Name.
    pub name: String,
    /// `client` or `management`.
    #[serde(rename = "Type")]
    pub token_type: String,
    /// Policies (client tokens).
    pub policies: Option<Vec<String>>,
    /// Replicated to all regions.
    pub global: bool,
    /// Time to live, as a Go duration string (`"24h"`), when creating.
    #[serde(rename = "ExpirationTTL")]
    pub expiration_ttl: Option<String>,
    /// RFC 3339 expiry.
    pub expiration_time: Option<String>,
    /// RFC 3339 creation time.
    pub create_time: Option<String>,
    /// Raft index.
    pub create_index: Option<u64>,
    /// Raft index.
    pub modify_index: Option<u64>,
}

impl std::fmt::Debug for AclToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AclToken")
            .field("accessor_id", &self.accessor_id)
            .field("secret_id", &"[redacted]")
            .field("name", &self.name)
            .field("token_type", &self.token_type)
            .field("policies", &self.policies)
            .finish_non_exhaustive()
    }
}
