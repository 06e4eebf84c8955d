//! A tenant's apps: deploy a description (np.yaml, OAM or app spec), read status and logs, scale and stop.
//!
//! Every function authorizes the caller for the tenant first, builds the job from the tenant's own settings
//! (never from the input), and talks to Nomad in the tenant's namespace with the tenant's token when it has
//! one. A deploy is recorded in Postgres before Nomad is called and completed after, whatever Nomad says.

mod control;
mod deploy;
mod history;
mod list;
mod logs;
mod status;

pub use control::{scale, start, stop};
pub(crate) use deploy::ready;
pub use deploy::{DeployInput, Deployed, deploy};
pub use history::{changed_fields, latest, usage};
pub use list::{AppRow, AppsPage, MAX_PAGE, page, watch as watch_page};
pub use logs::{LogsQuery, logs};
pub(crate) use logs::{log_type, pick_instance};
pub use status::{AppStatus, Instance, status};

use np_nomad::{Nomad, QueryOptions};
use np_spec::parse::Format;
use np_spec::{AppSpec, FieldError, FieldErrors, Generated, TenantContext};

use crate::authz::{Action, Caller};
use crate::tenants::Tenant;
use crate::{DomainError, Services};

/// One app of a document, ready to submit.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The app as described.
    pub spec: AppSpec,
    /// The job generated for the tenant.
    pub generated: Generated,
}

/// Parses `text` (in `format`, or told apart by its keys) and generates every app's job for `tenant`.
///
/// # Errors
/// Every parse, policy and validation error, each naming its field (prefixed with the app where a document
/// has several).
pub fn prepare(
    text: &str,
    format: Option<Format>,
    tenant: &TenantContext,
) -> Result<(Vec<Prepared>, Vec<FieldError>), FieldErrors> {
    generate_all(&parse(text, format)?, tenant)
}

/// Parses `text` in `format`, or told apart by its keys.
fn parse(text: &str, format: Option<Format>) -> Result<np_spec::parse::Document, FieldErrors> {
    match format {
        Some(format) => np_spec::parse::parse_as(format, text),
        None => np_spec::parse::parse(text),
    }
}

/// Generates every app of `doc` for `tenant`, with each error located in the document.
fn generate_all(
    doc: &np_spec::parse::Document,
    tenant: &TenantContext,
) -> Result<(Vec<Prepared>, Vec<FieldError>), FieldErrors> {
    let mut prepared = Vec::new();
    let mut errors = Vec::new();
    for app in &doc.apps {
        match np_spec::generate(&app.spec, tenant) {
            Ok(generated) => prepared.push(Prepared {
                spec: app.spec.clone(),
                generated,
            }),
            Err(e) => errors.extend(app.locate_errors(e).0),
        }
    }
    if errors.is_empty() {
        Ok((prepared, doc.notes.clone()))
    } else {
        Err(FieldErrors(errors))
    }
}

/// The Nomad client to use for `tenant`: the tenant's own token when one was made for it.
///
/// # Errors
/// `Upstream` when Nomad is not configured.
pub async fn nomad_for(services: &Services, tenant: &Tenant) -> Result<Nomad, DomainError> {
    let nomad = services.upstreams.nomad.as_ref().ok_or_else(|| {
        DomainError::unavailable("nomad", "no Nomad is configured for this console")
    })?;
    Ok(
        match crate::tenants::nomad_token(&services.db, tenant.id).await? {
            Some(secret) => nomad.with_token(secret.into()),
            None => nomad.clone(),
        },
    )
}

/// The URLs an app's routes serve.
pub fn urls(spec: &AppSpec, context: &TenantContext) -> Vec<String> {
    let scheme = if context.ingress.tls { "https" } else { "http" };
    spec.routes
        .iter()
        .map(|r| {
            let path = r.path.as_deref().unwrap_or("/");
            format!("{scheme}://{}{path}", r.host)
        })
        .collect()
}

pub(crate) fn job_id(tenant: &Tenant, app: &str) -> Result<String, DomainError> {
    let app = np_spec::names::AppName::parse(app).map_err(|e| DomainError::invalid("app", e))?;
    let slug = np_spec::names::TenantSlug::parse(&tenant.slug)
        .map_err(|e| DomainError::invalid("tenant", e))?;
    Ok(np_spec::names::DerivedNames::new(&slug, &app).job)
}

pub(crate) fn query(tenant: &Tenant) -> QueryOptions {
    QueryOptions {
        namespace: Some(tenant.nomad_namespace.clone()),
        ..QueryOptions::default()
    }
}

/// `app`'s tenant, that tenant's Nomad client and the app's job ID, after authorizing `action`.
pub(crate) async fn open_app(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    action: Action,
) -> Result<(Tenant, Nomad, String), DomainError> {
    let tenant = caller.authorize(&services.db, tenant, action).await?;
    let job_id = job_id(&tenant, app)?;
    let nomad = nomad_for(services, &tenant).await?;
    Ok((tenant, nomad, job_id))
}

/// The job `job_id` as Nomad has it; `NotFound` unless it is in the tenant's namespace.
pub(crate) async fn tenant_job(
    nomad: &Nomad,
    tenant: &Tenant,
    job_id: &str,
) -> Result<np_nomad::types::Job, DomainError> {
    let (job, _) = nomad
        .jobs()
        .info(job_id, &query(tenant))
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    if job.namespace.as_deref() != Some(tenant.nomad_namespace.as_str()) {
        return Err(DomainError::NotFound("app"));
    }
    Ok(job)
}

/// Instances running, pending (starting or queued) and failed, from a job summary.
pub(crate) fn counts(summary: &np_nomad::types::JobSummary) -> (i64, i64, i64) {
    summary.summary.values().fold((0, 0, 0), |a, g| {
        (a.0 + g.running, a.1 + g.starting + g.queued, a.2 + g.failed)
    })
}
