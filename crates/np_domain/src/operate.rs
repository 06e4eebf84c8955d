//! Operating a deployed app: plan a change, watch it roll out, read its versions and roll back, restart and
//! promote, tail and search its logs, chart its usage, and see its services and routes.
//!
//! As in [`crate::apps`], every function authorizes the caller for the tenant first and reaches Nomad in the
//! tenant's namespace with the tenant's token; log searches carry the tenant's namespace as a filter the
//! caller cannot change.

mod actions;
mod logs;
mod metrics;
mod plan;
mod services;
mod versions;

pub use actions::{RestartMode, promote, restart};
pub use logs::{LogSearch, search_logs, tail};
pub use metrics::metrics;
pub use plan::{flatten_diff, placement_failure, plan};
pub use services::services_view;
pub(crate) use versions::redeploy;
pub use versions::{diff_values, rollback, spec_diff, versions};

use std::sync::Arc;

use np_spec::AppSpec;
use np_spec::ops::{AppLive, RunningView};
use tokio::sync::watch;
use uuid::Uuid;

use crate::apps::open_app;
use crate::authz::{Action, Caller};
use crate::tenants::Tenant;
use crate::{DomainError, Services};

fn nomad_error(e: np_nomad::Error) -> DomainError {
    DomainError::upstream("nomad", e)
}

/// Subscribes to the live state of `app` (one shared Nomad watch per app, however many viewers).
///
/// # Errors
/// `NotFound` for an unknown app; authorization and upstream errors.
pub async fn watch(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<watch::Receiver<Arc<AppLive>>, DomainError> {
    Ok(open_watch(services, caller, tenant, app).await?.1)
}

/// Authorizes viewing `app` and subscribes to its shared watch; answers the tenant too.
async fn open_watch(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<(Tenant, watch::Receiver<Arc<AppLive>>), DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::View).await?;
    let receiver = services
        .live
        .watch_app(&nomad, &tenant.nomad_namespace, &job_id, app)
        .await
        .map_err(nomad_error)?;
    Ok((tenant, receiver))
}

/// What the app page opens with: the live state, and which recorded deploy the job Nomad runs comes from.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The app as Nomad runs it now.
    pub live: AppLive,
    /// Which deploy that is, and how it came to run.
    pub running: RunningView,
}

/// The app page's first view of `app`: its live state (from the shared watch) and what it runs.
///
/// # Errors
/// `NotFound` for an unknown app; authorization and upstream errors.
pub async fn overview(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<Overview, DomainError> {
    let (tenant, receiver) = open_watch(services, caller, tenant, app).await?;
    let live = (**receiver.borrow()).clone();
    let running = running_view(services, caller, &tenant.slug, app).await?;
    Ok(Overview { live, running })
}

/// Which recorded deploy the job Nomad runs now comes from, and how it came to run it.
///
/// # Errors
/// `NotFound` for an unknown app; authorization and upstream errors.
pub async fn running_view(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<RunningView, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::View).await?;
    Ok(
        crate::running::running(services, &nomad, &tenant, &job_id, app)
            .await?
            .view(),
    )
}

/// Where an edit of `app` starts: the spec Nomad runs now (after a revert, a scale or a change outside the
/// console, not the console's last request), and the newest deploy, to notice a deploy made meanwhile.
#[derive(Debug, Clone)]
pub struct EditStart {
    /// The spec as Nomad runs it.
    pub spec: AppSpec,
    /// The newest deploy of the app the console recorded.
    pub based_on: Option<Uuid>,
    /// What the person should know about where the spec comes from.
    pub note: RunningView,
}

/// The spec an edit of `app` starts from.
///
/// # Errors
/// `NotFound` for an app with no deploy through the console; authorization and upstream errors.
pub async fn edit_start(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<EditStart, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Deploy).await?;
    let running = crate::running::running(services, &nomad, &tenant, &job_id, app).await?;
    let spec = running.spec.clone().ok_or_else(|| {
        DomainError::Conflict(format!(
            "{app} was never deployed through the console, so there is no spec to start an edit from; \
             deploy it from the form or a file instead"
        ))
    })?;
    let based_on = crate::deploys::newest(&services.db, tenant.id, app).await?;
    Ok(EditStart {
        spec,
        based_on,
        note: running.view(),
    })
}
