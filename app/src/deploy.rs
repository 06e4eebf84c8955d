//! The deploy page's server side: the tenant context the browser generates previews with, and the check the
//! server runs on submit. The server never trusts what the browser generated: it parses the submitted text
//! again, validates it against its own idea of the tenant, and generates the job itself.

use leptos::prelude::*;
use np_spec::FieldError;
use np_spec::parse::Format;
use np_spec::spec::AppSpec;
use np_spec::tenant::TenantContext;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// What the deploy page needs to preview jobs in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployContext {
    /// The tenant apps are deployed into, with the platform's settings.
    pub tenant: TenantContext,
}

/// One job the server generated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedJob {
    /// The app's name.
    pub app: String,
    /// The Nomad job ID.
    pub job_id: String,
    /// The register body.
    pub json: String,
    /// The job as HCL.
    pub hcl: String,
    /// Host names its routes claim.
    pub hosts: Vec<String>,
}

/// The server's verdict on a submitted description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// The jobs, when everything is valid.
    pub jobs: Vec<CheckedJob>,
    /// Every problem, with the field it is on (in the submitted document's own terms).
    pub errors: Vec<FieldError>,
    /// Settings that were ignored.
    pub notes: Vec<FieldError>,
    /// The apps as read from the document (also when they are invalid), e.g. to continue in the form.
    pub specs: Vec<AppSpec>,
}

/// The generation context of `tenant` (the caller's first tenant when `None`), for a caller who may deploy
/// there.
#[server(endpoint = "deploy_context", input = server_fn::codec::Json)]
pub async fn get_deploy_context(tenant: Option<String>) -> Result<DeployContext, AppError> {
    let services = crate::context::services()?;
    let (_, tenant) = tenant_for_deploy(&services, tenant.as_deref()).await?;
    Ok(DeployContext { tenant })
}

#[cfg(feature = "ssr")]
async fn tenant_for_deploy(
    services: &np_domain::Services,
    asked: Option<&str>,
) -> Result<(np_domain::tenants::Tenant, TenantContext), AppError> {
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(services, &caller, asked).await?;
    let tenant = caller
        .authorize(&services.db, &slug, np_domain::authz::Action::Deploy)
        .await?;
    let context = tenant.context(&services.platform)?;
    Ok((tenant, context))
}

/// Parses, validates and generates `text` (an app spec as JSON or YAML, an np.yaml or an OAM Application) for
/// the tenant, as a deploy would.
#[server(endpoint = "check_app", input = server_fn::codec::Json)]
pub async fn check_app(
    text: String,
    format: Option<Format>,
    tenant: Option<String>,
) -> Result<CheckOutcome, AppError> {
    let services = crate::context::services()?;
    let (stored, mut tenant) = tenant_for_deploy(&services, tenant.as_deref()).await?;
    let (mut outcome, mut apps) = check_document(&text, format, &tenant);
    // The budget counts the tenant's other running apps, as the deploy will.
    if services.upstreams.nomad.is_some() && !apps.is_empty() {
        let names: Vec<String> = apps.iter().map(|a| a.spec.name.to_string()).collect();
        if stored.namespace_state == "ready" {
            let nomad = np_domain::apps::nomad_for(&services, &stored).await?;
            tenant.used = np_domain::apps::usage(&services, &nomad, &stored, &names).await?;
            if tenant.used != np_spec::tenant::Usage::default() {
                (outcome, apps) = check_document(&text, format, &tenant);
            }
        }
    }
    if outcome.errors.is_empty() {
        // Host names are unique across the platform: another app's hosts are refused here, and again (by the
        // database) when the deploy claims them.
        for (app, job) in apps.iter().zip(&outcome.jobs) {
            let taken = np_domain::route_hosts::taken(
                &services.db,
                tenant.slug.as_str(),
                app.spec.name.as_str(),
                &job.hosts,
            )
            .await?;
            for t in taken {
                let field = route_field(&app.spec, &t.host);
                outcome.errors.push(FieldError::new(
                    app.locate(&field),
                    t.message(tenant.slug.as_str()),
                ));
            }
        }
        if !outcome.errors.is_empty() {
            outcome.jobs.clear();
        }
    }
    Ok(outcome)
}

/// One app the server deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedApp {
    /// The deploy record.
    pub deploy_id: String,
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// Nomad's evaluation.
    pub eval_id: String,
    /// Its URLs.
    pub urls: Vec<String>,
}

/// What a deploy did: the apps deployed, or why nothing was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployOutcome {
    /// The apps deployed.
    pub deployed: Vec<DeployedApp>,
    /// Every problem with the document, by field (nothing was deployed then).
    pub errors: Vec<FieldError>,
}

/// Deploys `text` to the tenant: the server parses, validates and generates it again, records the deploy, and
/// submits the job to Nomad.
#[server(endpoint = "deploy_app", input = server_fn::codec::Json)]
pub async fn deploy_app(
    text: String,
    format: Option<Format>,
    tenant: Option<String>,
    idempotency_key: Option<String>,
    based_on: Option<String>,
) -> Result<DeployOutcome, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(&services, &caller, tenant.as_deref()).await?;
    let source = match format {
        Some(Format::Spec) => "form",
        Some(Format::NpYaml) => "np-yaml",
        Some(Format::Oam) => "oam",
        None => "spec",
    };
    let input = np_domain::apps::DeployInput {
        text,
        format,
        app: None,
        source,
        idempotency_key,
        based_on: based_on.and_then(|b| uuid::Uuid::parse_str(&b).ok()),
    };
    match np_domain::apps::deploy(&services, &caller, &slug, &input).await {
        Ok(deployed) => Ok(DeployOutcome {
            deployed: deployed
                .into_iter()
                .map(|d| DeployedApp {
                    deploy_id: d.deploy_id.to_string(),
                    app: d.app,
                    job_id: d.job_id,
                    eval_id: d.eval_id,
                    urls: d.urls,
                })
                .collect(),
            errors: Vec::new(),
        }),
        Err(np_domain::DomainError::Rejected(errors)) => Ok(DeployOutcome {
            deployed: Vec::new(),
            errors: errors.0,
        }),
        Err(e) => Err(e.into()),
    }
}

/// What deploying `text` would do (Nomad's plan per app), without deploying it.
#[server(endpoint = "plan_app", input = server_fn::codec::Json)]
pub async fn plan_app(
    text: String,
    format: Option<Format>,
    tenant: Option<String>,
) -> Result<PlanOutcome, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(&services, &caller, tenant.as_deref()).await?;
    let input = np_domain::apps::DeployInput {
        text,
        format,
        app: None,
        source: "plan",
        idempotency_key: None,
        based_on: None,
    };
    match np_domain::operate::plan(&services, &caller, &slug, &input).await {
        Ok(plans) => Ok(PlanOutcome {
            plans,
            errors: Vec::new(),
        }),
        Err(np_domain::DomainError::Rejected(errors)) => Ok(PlanOutcome {
            plans: Vec::new(),
            errors: errors.0,
        }),
        Err(e) => Err(e.into()),
    }
}

/// A plan, or why the document cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOutcome {
    /// Per app.
    pub plans: Vec<np_spec::ops::AppPlan>,
    /// Every problem with the document, by field.
    pub errors: Vec<FieldError>,
}

/// An app as last deployed, to edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedApp {
    /// The newest deploy of the app (sent back with the deploy, to detect someone else's deploy since).
    pub deploy_id: Option<String>,
    /// The spec as Nomad runs it now.
    pub spec: AppSpec,
    /// Where that spec comes from, when it is not simply the newest deploy ("Job version 2 runs deploy #1's
    /// spec again: a later version was reverted.").
    pub note: Option<String>,
}

/// The spec Nomad runs for `app` (after a revert, a scale or a change outside the console: not the console's
/// last request), for the edit form.
#[server(endpoint = "load_app", input = server_fn::codec::Json)]
pub async fn load_app(tenant: Option<String>, app: String) -> Result<LoadedApp, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(&services, &caller, tenant.as_deref()).await?;
    let start = np_domain::operate::edit_start(&services, &caller, &slug, &app).await?;
    let newest = start.based_on.map(|id| id.to_string());
    Ok(LoadedApp {
        note: (newest != start.note.deploy_id || start.note.how != "deployed")
            .then_some(start.note.summary),
        deploy_id: newest,
        spec: start.spec,
    })
}

/// The idempotency key of submitting `text` from this page load: the same text submitted twice from one page
/// (a double click, a retry after a lost answer) is deployed once.
pub fn submission_key(text: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    #[cfg(feature = "hydrate")]
    let page = web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| format!("{:x}", (p.time_origin() * 1000.0) as u64))
        .unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    let page = String::new();
    format!("page-{page}-{:016x}", hasher.finish())
}

/// The route field a host (or its canary host) comes from.
#[cfg(feature = "ssr")]
fn route_field(spec: &AppSpec, host: &str) -> String {
    spec.routes
        .iter()
        .position(|r| {
            r.host == host || np_spec::generate::canary_host(&r.host).as_deref() == Some(host)
        })
        .map_or_else(|| "routes".to_owned(), |i| format!("routes[{i}].host"))
}

/// The check itself, without the database: parse, validate, generate.
#[cfg(feature = "ssr")]
pub fn check(text: &str, format: Option<Format>, tenant: &TenantContext) -> CheckOutcome {
    check_document(text, format, tenant).0
}

#[cfg(feature = "ssr")]
fn check_document(
    text: &str,
    format: Option<Format>,
    tenant: &TenantContext,
) -> (CheckOutcome, Vec<np_spec::parse::ParsedApp>) {
    let parsed = match format {
        Some(format) => np_spec::parse::parse_as(format, text),
        None => np_spec::parse::parse(text),
    };
    let doc = match parsed {
        Ok(doc) => doc,
        Err(errors) => {
            return (
                CheckOutcome {
                    jobs: Vec::new(),
                    errors: errors.0,
                    notes: Vec::new(),
                    specs: Vec::new(),
                },
                Vec::new(),
            );
        }
    };
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    for app in &doc.apps {
        match np_spec::generate(&app.spec, tenant) {
            Ok(generated) => jobs.push(CheckedJob {
                app: app.spec.name.to_string(),
                job_id: generated.job.id.clone().unwrap_or_default(),
                json: generated.json(),
                hcl: generated.hcl.clone(),
                hosts: generated.hosts.clone(),
            }),
            Err(e) => errors.extend(app.locate_errors(e).0),
        }
    }
    if !errors.is_empty() {
        jobs.clear();
    }
    let specs = doc.apps.iter().map(|a| a.spec.clone()).collect();
    (
        CheckOutcome {
            jobs,
            errors,
            notes: doc.notes,
            specs,
        },
        doc.apps,
    )
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use np_spec::names::TenantSlug;

    use super::*;

    fn tenant() -> TenantContext {
        TenantContext::with_defaults(TenantSlug::parse("demo").unwrap(), "apps.localhost")
    }

    #[test]
    fn a_valid_spec_gives_its_job() {
        let text = r#"{"name":"web","image":"nginx:1.27","ports":[{"name":"http","port":8080}],
                       "routes":[{"host":"web.demo.apps.localhost"}]}"#;
        let outcome = check(text, Some(Format::Spec), &tenant());
        assert_eq!(outcome.errors, []);
        assert_eq!(outcome.jobs[0].job_id, "demo--web");
        assert!(outcome.jobs[0].hcl.starts_with("job \"demo--web\""));
    }

    #[test]
    fn the_server_revalidates_whatever_the_browser_sent() {
        // A browser that skipped validation, or a hand-made request.
        let text = r#"{"name":"web","image":"nginx:1.27","ports":[{"name":"http","port":8080}],
                       "routes":[{"host":"victim.example.com"}],"env":{"X":"${attr.unique.hostname}"}}"#;
        let outcome = check(text, Some(Format::Spec), &tenant());
        assert!(outcome.jobs.is_empty());
        let fields: Vec<&str> = outcome.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["env.X", "routes[0].host"]);
        let outcome = check(
            r#"{"name":"Web!","image":"x"}"#,
            Some(Format::Spec),
            &tenant(),
        );
        assert_eq!(outcome.errors[0].field, "name");
    }
}
