//! Fault injection: per-endpoint latency, error statuses, refused connections and placement failures, set
//! through the `/_sim/faults` control API.

use serde::{Deserialize, Serialize};

use crate::behaviour::Behaviour;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer after a delay (then normally).
    Latency {
        /// The delay in milliseconds.
        millis: u64,
        /// Act at once and delay only the answer (a write that commits, then answers late), rather than
        /// delay before acting. The action completes even when the client gives up waiting.
        #[serde(default)]
        after: bool,
    },
    /// Answer with this status and a plain-text body, without doing anything — or, with `after`, having done
    /// it (a server that commits a write and then fails, as Nomad may while losing its leader).
    Status {
        /// 500, 503, 429…
        status: u16,
        /// The body.
        body: String,
        /// Act first, then answer with the status.
        #[serde(default)]
        after: bool,
    },
    /// Stop listening altogether: connections are refused until the rule is removed.
    Refuse,
}

/// A fault applied to requests of one upstream whose method and path match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// `nomad`, `consul` or `openobserve`.
    pub upstream: String,
    /// HTTP method to match (`*` for any).
    #[serde(default = "any")]
    pub method: String,
    /// Path prefix to match (`/v1/jobs`), empty for every path.
    #[serde(default)]
    pub path_prefix: String,
    /// The fault.
    pub fault: Fault,
    /// How many requests it applies to before it lapses (`None`: until removed).
    #[serde(default)]
    pub remaining: Option<u32>,
}

fn any() -> String {
    "*".into()
}

/// The active rules and simulator-wide switches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Faults {
    /// Request faults, first match wins.
    pub rules: Vec<FaultRule>,
    /// Behaviour overrides by image substring (later rules win).
    pub images: Vec<(String, Behaviour)>,
    /// When set, no node has room: every placement fails for memory.
    #[serde(default)]
    pub exhaust_memory: bool,
}

impl Faults {
    /// The fault for a request, consuming one use of a counted rule.
    pub(crate) fn take(&mut self, upstream: &str, method: &str, path: &str) -> Option<Fault> {
        let position = self.rules.iter().position(|rule| {
            rule.upstream == upstream
                && (rule.method == "*" || rule.method.eq_ignore_ascii_case(method))
                && path.starts_with(&rule.path_prefix)
                && !matches!(rule.fault, Fault::Refuse)
        })?;
        let rule = &mut self.rules[position];
        let fault = rule.fault.clone();
        if let Some(remaining) = rule.remaining.as_mut() {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                self.rules.remove(position);
            }
        }
        Some(fault)
    }

    /// Whether connections to `upstream` must be refused now.
    pub(crate) fn refuses(&self, upstream: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.upstream == upstream && r.fault == Fault::Refuse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(prefix: &str, fault: Fault, remaining: Option<u32>) -> FaultRule {
        FaultRule {
            upstream: "nomad".into(),
            method: "*".into(),
            path_prefix: prefix.into(),
            fault,
            remaining,
        }
    }

    #[test]
    fn counted_rules_lapse_and_matching_is_by_upstream_method_and_prefix() {
        let mut faults = Faults::default();
        faults.rules.push(rule(
            "/v1/jobs",
            Fault::Status {
                status: 500,
                body: "boom".into(),
                after: false,
            },
            Some(2),
        ));
        assert!(faults.take("consul", "GET", "/v1/jobs").is_none());
        assert!(faults.take("nomad", "GET", "/v1/nodes").is_none());
        assert!(faults.take("nomad", "PUT", "/v1/jobs").is_some());
        assert!(faults.take("nomad", "GET", "/v1/jobs?x").is_some());
        assert!(
            faults.take("nomad", "GET", "/v1/jobs").is_none(),
            "lapsed after two uses"
        );
    }

    #[test]
    fn refusal_is_a_listener_switch_not_a_request_fault() {
        let mut faults = Faults::default();
        faults.rules.push(rule("", Fault::Refuse, None));
        assert!(faults.refuses("nomad"));
        assert!(!faults.refuses("consul"));
        assert!(faults.take("nomad", "GET", "/v1/jobs").is_none());
    }
}
