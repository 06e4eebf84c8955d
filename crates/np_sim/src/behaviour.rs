//! How a simulated workload behaves, decided by its image.
//!
//! Images behave like a healthy web server unless their name says otherwise (`…crash…` exits with code 1
//! shortly after starting, `…unhealthy…` runs but fails its health checks) or a fault rule says otherwise
//! (`POST /_sim/images`). Batch jobs' tasks finish successfully after a short run.

use serde::{Deserialize, Serialize};

/// A workload's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Starts, serves HTTP, passes its checks.
    Healthy,
    /// Starts, then exits with code 1 after about a second.
    Crash,
    /// Starts and serves HTTP, but its health checks fail (HTTP 500 on the check path).
    Unhealthy,
    /// Runs briefly and exits with code 0 (batch work).
    Complete,
}

impl Behaviour {
    /// The behaviour of `image` in a job of `job_type`, unless a rule overrides it.
    pub(crate) fn for_image(image: &str, job_type: &str, rules: &[(String, Behaviour)]) -> Self {
        if let Some((_, behaviour)) = rules
            .iter()
            .rev()
            .find(|(pattern, _)| image.contains(pattern.as_str()))
        {
            return *behaviour;
        }
        if image.contains("crash") {
            Self::Crash
        } else if image.contains("unhealthy") {
            Self::Unhealthy
        } else if job_type == "batch" || job_type == "sysbatch" {
            Self::Complete
        } else {
            Self::Healthy
        }
    }

    /// Whether its health checks pass while it runs.
    pub(crate) fn checks_pass(self) -> bool {
        matches!(self, Self::Healthy | Self::Complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_rules_decide() {
        assert_eq!(
            Behaviour::for_image("docker.io/library/nginx:1.27", "service", &[]),
            Behaviour::Healthy
        );
        assert_eq!(
            Behaviour::for_image("example/crash-loop:1", "service", &[]),
            Behaviour::Crash
        );
        assert_eq!(
            Behaviour::for_image("example/unhealthy:2", "service", &[]),
            Behaviour::Unhealthy
        );
        assert_eq!(
            Behaviour::for_image("alpine:3", "batch", &[]),
            Behaviour::Complete
        );
        let rules = vec![("nginx:1.28".to_string(), Behaviour::Crash)];
        assert_eq!(
            Behaviour::for_image("nginx:1.28", "service", &rules),
            Behaviour::Crash
        );
        assert_eq!(
            Behaviour::for_image("nginx:1.27", "service", &rules),
            Behaviour::Healthy
        );
    }
}
