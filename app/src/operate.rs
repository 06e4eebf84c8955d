//! The app page's server side: overview, versions and rollback, scale, restart, promote, stop, logs,
//! metrics and services. Live progress and log tails come from the `/api/v1` event streams.

use leptos::prelude::*;
use np_spec::ops::{AppLive, LogLine, Metrics, RunningView, ServicesView, SpecChange, VersionView};
use serde::{Deserialize, Serialize};

use crate::AppError;
#[cfg(feature = "ssr")]
use np_domain::authz::Action;

/// What the app page shows first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppOverview {
    /// The tenant.
    pub tenant: String,
    /// The app's state now, as Nomad has it (image, size, instances and URLs included).
    pub live: AppLive,
    /// Which recorded deploy the job Nomad runs comes from, and how it came to run it.
    pub running: RunningView,
    /// Whether the viewer may deploy (edit, roll back, start).
    pub can_deploy: bool,
    /// Whether the viewer may scale, restart, promote, stop.
    pub can_operate: bool,
    /// Whether the viewer may read logs.
    pub can_read_logs: bool,
}

#[cfg(feature = "ssr")]
async fn tenant_of(
    asked: Option<&str>,
) -> Result<(np_domain::Services, np_domain::authz::Caller, String), AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(&services, &caller, asked).await?;
    Ok((services, caller, slug))
}

/// The app's state, which deploy it runs and what the viewer may do.
#[server(endpoint = "app_overview", input = server_fn::codec::Json)]
pub async fn get_app_overview(
    tenant: Option<String>,
    app: String,
) -> Result<AppOverview, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    let np_domain::operate::Overview { live, running } =
        np_domain::operate::overview(&services, &caller, &slug, &app).await?;
    Ok(AppOverview {
        can_deploy: caller.check(&slug, Action::Deploy).is_ok(),
        can_operate: caller.check(&slug, Action::Operate).is_ok(),
        can_read_logs: caller.check(&slug, Action::ReadLogs).is_ok(),
        tenant: slug,
        live,
        running,
    })
}

/// Which recorded deploy the job Nomad runs now comes from (read again when Nomad's job version changes).
#[server(endpoint = "app_running", input = server_fn::codec::Json)]
pub async fn app_running(tenant: Option<String>, app: String) -> Result<RunningView, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    Ok(np_domain::operate::running_view(&services, &caller, &slug, &app).await?)
}

/// Every deploy of the app, newest first.
#[server(endpoint = "app_versions", input = server_fn::codec::Json)]
pub async fn app_versions(
    tenant: Option<String>,
    app: String,
) -> Result<Vec<VersionView>, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    Ok(np_domain::operate::versions(&services, &caller, &slug, &app, 200).await?)
}

/// The spec fields that differ between two deploys.
#[server(endpoint = "version_diff", input = server_fn::codec::Json)]
pub async fn version_diff(
    tenant: Option<String>,
    app: String,
    from: String,
    to: String,
) -> Result<Vec<SpecChange>, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    let id = |s: &str, field: &str| {
        uuid::Uuid::parse_str(s).map_err(|_| AppError::Invalid {
            field: field.into(),
            message: "not a deploy ID".into(),
        })
    };
    let (from, to) = (id(&from, "from")?, id(&to, "to")?);
    Ok(np_domain::operate::spec_diff(&services, &caller, &slug, &app, from, to).await?)
}

/// Deploys an earlier version's spec again.
#[server(endpoint = "rollback_app", input = server_fn::codec::Json)]
pub async fn rollback_app(
    tenant: Option<String>,
    app: String,
    version: String,
    idempotency_key: Option<String>,
) -> Result<String, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    let version = uuid::Uuid::parse_str(&version).map_err(|_| AppError::Invalid {
        field: "version".into(),
        message: "not a deploy ID".into(),
    })?;
    let deployed =
        np_domain::operate::rollback(&services, &caller, &slug, &app, version, idempotency_key)
            .await?;
    Ok(deployed.eval_id)
}

/// Which instances a restart restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Restart {
    /// One instance.
    One(String),
    /// Every instance, a batch at a time, each healthy again before the next.
    Rolling,
    /// Every instance at once (downtime).
    AllAtOnce,
}

/// An operation on an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Set the number of instances.
    Scale(i64),
    /// Restart instances.
    Restart(Restart),
    /// Promote the canaries.
    Promote,
    /// Stop; with `true`, purge.
    Stop(bool),
    /// Start a stopped app again (its spec as Nomad last ran it).
    Start,
}

/// Scales, restarts, promotes, stops or starts the app; answers what was set in motion (the page then
/// follows Nomad until it is done).
#[server(endpoint = "operate_app", input = server_fn::codec::Json)]
pub async fn operate_app(
    tenant: Option<String>,
    app: String,
    operation: Operation,
) -> Result<String, AppError> {
    use np_domain::operate::RestartMode;
    use np_domain::{apps, operate};
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    Ok(match operation {
        Operation::Scale(count) => {
            apps::scale(&services, &caller, &slug, &app, count).await?;
            format!("Scaling {app} to {count}…")
        }
        Operation::Restart(which) => {
            let (mode, how) = match which {
                Restart::One(id) => (RestartMode::One(id), ""),
                Restart::Rolling => (RestartMode::Rolling, ", one batch at a time"),
                Restart::AllAtOnce => (RestartMode::AllAtOnce, ", all at once"),
            };
            let n = operate::restart(&services, &caller, &slug, &app, mode).await?;
            format!(
                "Restarting {n} instance{}{how}…",
                if n == 1 { "" } else { "s" }
            )
        }
        Operation::Promote => {
            operate::promote(&services, &caller, &slug, &app).await?;
            "Promoting the canaries…".into()
        }
        Operation::Stop(purge) => {
            apps::stop(&services, &caller, &slug, &app, purge).await?;
            if purge {
                format!("Purging {app}…")
            } else {
                format!("Stopping {app}…")
            }
        }
        Operation::Start => {
            let key = format!("start-{}", uuid::Uuid::new_v4());
            apps::start(&services, &caller, &slug, &app, Some(key)).await?;
            format!("Starting {app}…")
        }
    })
}

/// A log history search from the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSearchForm {
    /// Text to find.
    pub text: String,
    /// Instance, or empty for all.
    pub instance: String,
    /// `stdout`, `stderr` or empty.
    pub stream: String,
    /// How far back, in minutes.
    pub minutes: i64,
}

/// Lines the history search shows at most.
pub const SEARCH_LINES: usize = 1000;

/// What a history search found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogResults {
    /// The lines, newest first (at most [`SEARCH_LINES`]).
    pub lines: Vec<LogLine>,
    /// Whether more lines matched than are shown.
    pub cut: bool,
}

/// Searches the app's log history (the tenant filter is added by the server).
#[server(endpoint = "search_app_logs", input = server_fn::codec::Json)]
pub async fn search_app_logs(
    tenant: Option<String>,
    app: String,
    form: LogSearchForm,
) -> Result<LogResults, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let search = np_domain::operate::LogSearch {
        text: Some(form.text),
        instance: Some(form.instance),
        stream: Some(form.stream),
        since: Some(now - form.minutes.clamp(1, 31 * 24 * 60) * 60),
        until: Some(now),
        // One more than shown, to know whether there are more.
        limit: Some(SEARCH_LINES + 1),
    };
    let mut lines =
        np_domain::operate::search_logs(&services, &caller, &slug, &app, &search).await?;
    let cut = lines.len() > SEARCH_LINES;
    lines.truncate(SEARCH_LINES);
    Ok(LogResults { lines, cut })
}

/// CPU and memory per instance over the last `minutes`.
#[server(endpoint = "app_metrics", input = server_fn::codec::Json)]
pub async fn app_metrics(
    tenant: Option<String>,
    app: String,
    minutes: u32,
) -> Result<Metrics, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    Ok(np_domain::operate::metrics(&services, &caller, &slug, &app, minutes).await?)
}

/// The app's services in Consul and its routes.
#[server(endpoint = "app_services", input = server_fn::codec::Json)]
pub async fn app_services(tenant: Option<String>, app: String) -> Result<ServicesView, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref()).await?;
    Ok(np_domain::operate::services_view(&services, &caller, &slug, &app).await?)
}
