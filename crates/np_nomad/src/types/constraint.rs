//! Placement rules: constraints, affinities and spreads.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// A hard placement rule (`api.Constraint`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Constraint {
    /// Left side, e.g. `${attr.kernel.name}`.
    #[serde(rename = "LTarget")]
    pub l_target: String,
    /// Right side.
    #[serde(rename = "RTarget")]
    pub r_target: String,
    /// `=`, `!=`, `regexp`, `version`, `distinct_hosts`…
    pub operand: String,
}

/// A soft placement preference (`api.Affinity`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Affinity {
    /// Left side.
    #[serde(rename = "LTarget")]
    pub l_target: String,
    /// Right side.
    #[serde(rename = "RTarget")]
    pub r_target: String,
    /// Operator.
    pub operand: String,
    /// -100 to 100.
    pub weight: Option<i64>,
}

/// Spreading allocations over an attribute's values (`api.Spread`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Spread {
    /// The attribute.
    pub attribute: String,
    /// 0 to 100.
    pub weight: Option<i64>,
    /// Target percentages, kept as Nomad sends them.
    pub spread_target: Option<Vec<serde_json::Value>>,
}
