//! Readiness: can the console reach its database and each configured upstream?

use std::time::Duration;

use np_consul::Consul;
use np_nomad::Nomad;
use np_openobserve::OpenObserve;
use serde::Serialize;
use sqlx::PgPool;

/// The upstream clients the console was configured with (platform credentials).
#[derive(Debug, Clone, Default)]
pub struct Upstreams {
    /// Nomad, if configured.
    pub nomad: Option<Nomad>,
    /// Consul, if configured.
    pub consul: Option<Consul>,
    /// OpenObserve, if configured.
    pub openobserve: Option<OpenObserve>,
    /// Whether Nomad enforces ACLs (the console was given a token): each tenant then gets its own
    /// least-privilege policy and token.
    pub nomad_acl: bool,
}

/// The state of one dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum CheckState {
    /// Reachable and healthy.
    Ok,
    /// Not configured, so not checked.
    NotConfigured,
    /// Unreachable or unhealthy, with a short reason (no internal error text).
    Down(String),
}

/// One dependency's readiness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `database`, `nomad`, `consul` or `openobserve`.
    pub name: &'static str,
    /// What was found.
    pub state: CheckState,
}

/// The readiness of every dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// One entry per dependency, database first.
    pub checks: Vec<Check>,
}

impl Readiness {
    /// Ready when nothing configured is down.
    pub fn is_ready(&self) -> bool {
        self.checks
            .iter()
            .all(|c| !matches!(c.state, CheckState::Down(_)))
    }
}

/// How long one check may take before it counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// Checks the database and every configured upstream, concurrently, each within a few seconds.
pub async fn readiness(pool: &PgPool, upstreams: &Upstreams) -> Readiness {
    let database = check("database", async {
        crate::db::ping(pool).await.map_err(|e| {
            tracing::warn!(
                error = &e as &dyn std::error::Error,
                "readiness: database check failed"
            );
            "unreachable".to_string()
        })
    });
    let nomad = optional("nomad", upstreams.nomad.as_ref(), |n| async move {
        leader_state(n.status().leader().await)
    });
    let consul = optional("consul", upstreams.consul.as_ref(), |c| async move {
        leader_state(c.status().leader().await)
    });
    let openobserve = optional(
        "openobserve",
        upstreams.openobserve.as_ref(),
        |o| async move { o.health().await.map_err(|e| describe(&e)) },
    );
    let (database, nomad, consul, openobserve) =
        futures::join!(database, nomad, consul, openobserve);
    Readiness {
        checks: vec![database, nomad, consul, openobserve],
    }
}

fn leader_state(answer: Result<Option<String>, np_http::Error>) -> Result<(), String> {
    match answer {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("no cluster leader".to_string()),
        Err(e) => Err(describe(&e)),
    }
}

/// A short, safe-to-show reason for an upstream failure; the full error goes to the log.
fn describe(error: &np_http::Error) -> String {
    tracing::warn!(
        error = error as &dyn std::error::Error,
        "readiness: upstream check failed"
    );
    match error {
        np_http::Error::Status { status, .. } => format!("answered {}", status.as_u16()),
        np_http::Error::Connect { .. } => "unreachable".into(),
        np_http::Error::Timeout { .. } => "timed out".into(),
        np_http::Error::Transport { .. } => "connection failed".into(),
        np_http::Error::Decode { .. } => "unexpected response".into(),
        np_http::Error::Request { .. } => "misconfigured address".into(),
    }
}

async fn optional<'a, C, F, Fut>(name: &'static str, client: Option<&'a C>, probe: F) -> Check
where
    F: FnOnce(&'a C) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    match client {
        Some(client) => check(name, probe(client)).await,
        None => Check {
            name,
            state: CheckState::NotConfigured,
        },
    }
}

async fn check(name: &'static str, probe: impl Future<Output = Result<(), String>>) -> Check {
    let state = match tokio::time::timeout(CHECK_TIMEOUT, probe).await {
        Ok(Ok(())) => CheckState::Ok,
        Ok(Err(reason)) => CheckState::Down(reason),
        Err(_) => CheckState::Down("timed out".into()),
    };
    Check { name, state }
}
