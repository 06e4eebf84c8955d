//! The platform status shown on the overview page: is each dependency reachable?

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// How one dependency is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DependencyState {
    /// Reachable and healthy.
    Ok,
    /// Not configured on this console.
    NotConfigured,
    /// Unreachable or unhealthy.
    Down,
}

/// One dependency of the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyStatus {
    /// `database`, `nomad`, `consul` or `openobserve`.
    pub name: String,
    /// Its state.
    pub state: DependencyState,
    /// A short reason when it is down.
    pub reason: Option<String>,
}

/// The status of every dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformStatus {
    /// Database first, then the upstreams.
    pub dependencies: Vec<DependencyStatus>,
}

/// Checks the database and upstreams now.
#[server(endpoint = "get_platform_status")]
pub async fn get_platform_status() -> Result<PlatformStatus, AppError> {
    use np_domain::health::{CheckState, readiness};

    let services = crate::context::services()?;
    let report = readiness(&services.db, &services.upstreams).await;
    let dependencies = report
        .checks
        .into_iter()
        .map(|check| {
            let (state, reason) = match check.state {
                CheckState::Ok => (DependencyState::Ok, None),
                CheckState::NotConfigured => (DependencyState::NotConfigured, None),
                CheckState::Down(reason) => (DependencyState::Down, Some(reason)),
            };
            DependencyStatus {
                name: check.name.to_owned(),
                state,
                reason,
            }
        })
        .collect();
    Ok(PlatformStatus { dependencies })
}
