//! What deploying a document would do: Nomad's plan in the app's terms.

use serde::{Deserialize, Serialize};

/// What deploying a document would do, per app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPlan {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `new`, `changed` or `unchanged`.
    pub change: String,
    /// The fields that change (Nomad's diff, flattened).
    pub changes: Vec<PlanChange>,
    /// What the scheduler would do per group.
    pub groups: Vec<GroupPlan>,
    /// Why instances could not be placed, in plain words (empty when everything fits).
    pub failures: Vec<String>,
    /// Nomad's warnings.
    pub warnings: Vec<String>,
}

/// One changed field of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChange {
    /// What it is in the app's own terms (`image`, `env.COLOR`, `routes for canaries`), when it has one.
    pub label: Option<String>,
    /// Where in Nomad's job: `group web › task web › Config › image`.
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub kind: String,
    /// Before.
    pub old: String,
    /// After.
    pub new: String,
    /// What the change forces (`forces create/destroy update`).
    pub note: Option<String>,
}

/// A group's scheduling in a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPlan {
    /// The group.
    pub name: String,
    /// New instances.
    pub place: u64,
    /// Updated in place (no restart).
    pub in_place: u64,
    /// Replaced (stop and start).
    pub destructive: u64,
    /// Stopped.
    pub stop: u64,
    /// Canaries placed first.
    pub canary: u64,
    /// Left alone.
    pub unchanged: u64,
}

impl GroupPlan {
    /// The counts in words: `2 to place, 1 canary`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.place, "to place"),
            (self.canary, "canary"),
            (self.in_place, "updated in place"),
            (self.destructive, "replaced"),
            (self.stop, "stopped"),
            (self.unchanged, "unchanged"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "nothing to do".into()
        } else {
            parts.join(", ")
        }
    }
}
