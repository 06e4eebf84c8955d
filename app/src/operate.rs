//! The app page's server side: overview, versions and rollback, scale, restart, promote, stop, logs,
//! metrics and services. Live progress and log tails come from the `/api/v1` event streams.

use leptos::prelude::*;
use np_spec::ops::{AppLive, LogLine, Metrics, ServicesView, SpecChange, VersionView};
use serde::{Deserialize, Serialize};

use crate::AppError;
#[cfg(feature = "ssr")]
use np_domain::authz::Action;

/// What the app page shows first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppOverview {
    /// The tenant.
    pub tenant: String,
    /// The app's state now.
    pub live: AppLive,
    /// Its URLs (from the last deploy's spec).
    pub urls: Vec<String>,
    /// The image last deployed.
    pub image: String,
    /// Scaling bounds from the spec.
    pub min: Option<u32>,
    /// Scaling bounds from the spec.
    pub max: Option<u32>,
    /// CPU (MHz) and memory (MiB) reserved per instance.
    pub resources: Option<(u32, u32)>,
    /// Whether the viewer may deploy (edit, roll back).
    pub can_deploy: bool,
    /// Whether the viewer may scale, restart, promote, stop.
    pub can_operate: bool,
    /// Whether the viewer may read logs.
    pub can_read_logs: bool,
}

#[cfg(feature = "ssr")]
fn tenant_of(
    asked: Option<&str>,
) -> Result<(np_domain::Services, np_domain::authz::Caller, String), AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(&caller, asked)?;
    Ok((services, caller, slug))
}

/// The app's state, its spec's essentials and what the viewer may do.
#[server(endpoint = "app_overview", input = server_fn::codec::Json)]
pub async fn get_app_overview(
    tenant: Option<String>,
    app: String,
) -> Result<AppOverview, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
    let np_domain::operate::Overview { live, spec, urls } =
        np_domain::operate::overview(&services, &caller, &slug, &app).await?;
    Ok(AppOverview {
        urls,
        image: spec.as_ref().map(|s| s.image.clone()).unwrap_or_default(),
        min: spec.as_ref().and_then(|s| s.replicas.min),
        max: spec.as_ref().and_then(|s| s.replicas.max),
        resources: spec.as_ref().map(|s| s.resources.effective()),
        can_deploy: caller.check(&slug, Action::Deploy).is_ok(),
        can_operate: caller.check(&slug, Action::Operate).is_ok(),
        can_read_logs: caller.check(&slug, Action::ReadLogs).is_ok(),
        tenant: slug,
        live,
    })
}

/// Every deploy of the app, newest first.
#[server(endpoint = "app_versions", input = server_fn::codec::Json)]
pub async fn app_versions(
    tenant: Option<String>,
    app: String,
) -> Result<Vec<VersionView>, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
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
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
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
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
    let version = uuid::Uuid::parse_str(&version).map_err(|_| AppError::Invalid {
        field: "version".into(),
        message: "not a deploy ID".into(),
    })?;
    let deployed =
        np_domain::operate::rollback(&services, &caller, &slug, &app, version, idempotency_key)
            .await?;
    Ok(deployed.eval_id)
}

/// An operation on a running app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Set the number of instances.
    Scale(i64),
    /// Restart one instance, or all.
    Restart(Option<String>),
    /// Promote the canaries.
    Promote,
    /// Stop; with `true`, purge.
    Stop(bool),
}

/// Scales, restarts, promotes or stops the app; answers what was done.
#[server(endpoint = "operate_app", input = server_fn::codec::Json)]
pub async fn operate_app(
    tenant: Option<String>,
    app: String,
    operation: Operation,
) -> Result<String, AppError> {
    use np_domain::{apps, operate};
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
    Ok(match operation {
        Operation::Scale(count) => {
            apps::scale(&services, &caller, &slug, &app, count).await?;
            format!("Scaling {app} to {count}.")
        }
        Operation::Restart(instance) => {
            let n = operate::restart(&services, &caller, &slug, &app, instance.as_deref()).await?;
            format!("Restarted {n} instance{}.", if n == 1 { "" } else { "s" })
        }
        Operation::Promote => {
            operate::promote(&services, &caller, &slug, &app).await?;
            "Canaries promoted; the rollout continues.".into()
        }
        Operation::Stop(purge) => {
            apps::stop(&services, &caller, &slug, &app, purge).await?;
            if purge {
                format!("{app} was stopped and purged.")
            } else {
                format!("{app} is stopping.")
            }
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

/// Searches the app's log history (the tenant filter is added by the server).
#[server(endpoint = "search_app_logs", input = server_fn::codec::Json)]
pub async fn search_app_logs(
    tenant: Option<String>,
    app: String,
    form: LogSearchForm,
) -> Result<Vec<LogLine>, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let search = np_domain::operate::LogSearch {
        text: Some(form.text),
        instance: Some(form.instance),
        stream: Some(form.stream),
        since: Some(now - form.minutes.clamp(1, 31 * 24 * 60) * 60),
        until: Some(now),
        limit: Some(1000),
    };
    Ok(np_domain::operate::search_logs(&services, &caller, &slug, &app, &search).await?)
}

/// CPU and memory per instance over the last `minutes`.
#[server(endpoint = "app_metrics", input = server_fn::codec::Json)]
pub async fn app_metrics(
    tenant: Option<String>,
    app: String,
    minutes: u32,
) -> Result<Metrics, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
    Ok(np_domain::operate::metrics(&services, &caller, &slug, &app, minutes).await?)
}

/// The app's services in Consul and its routes.
#[server(endpoint = "app_services", input = server_fn::codec::Json)]
pub async fn app_services(tenant: Option<String>, app: String) -> Result<ServicesView, AppError> {
    let (services, caller, slug) = tenant_of(tenant.as_deref())?;
    Ok(np_domain::operate::services_view(&services, &caller, &slug, &app).await?)
}
