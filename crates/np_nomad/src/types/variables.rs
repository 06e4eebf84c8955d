//! Nomad Variables: encrypted key/value items at a path, with check-and-set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// A variable with its items (`api.Variable`).
#[skip_serializing_none]
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Variable {
    /// Namespace.
    pub namespace: String,
    /// Path (`^[a-zA-Z0-9-_~/]{1,128}$`).
    pub path: String,
    /// The items (decrypted).
    pub items: BTreeMap<String, String>,
    /// Raft index.
    pub create_index: Option<u64>,
    /// Raft index; pass it as `cas` to update only this version.
    pub modify_index: Option<u64>,
    /// Unix nanoseconds.
    pub create_time: Option<i64>,
    /// Unix nanoseconds.
    pub modify_time: Option<i64>,
}

impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variable")
            .field("namespace", &self.namespace)
            .field("path", &self.path)
            .field("keys", &self.items.keys().collect::<Vec<_>>())
            .field("modify_index", &self.modify_index)
            .finish_non_exhaustive()
    }
}

/// A variable without its items, as lists return it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VariableMetadata {
    /// Namespace.
    pub namespace: String,
    /// Path.
    pub path: String,
    /// Raft index.
    pub create_index: u64,
    /// Raft index.
    pub modify_index: u64,
    /// Unix nanoseconds.
    pub create_time: i64,
    /// Unix nanoseconds.
    pub modify_time: i64,
}

/// Whether a path is one Nomad accepts.
pub fn is_valid_path(path: &str) -> bool {
    (1..=128).contains(&path.len())
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~' | b'/'))
}
