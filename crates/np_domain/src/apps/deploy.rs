//! Deploying a document: authorize, parse and generate against the tenant, record the intent, register
//! with Nomad, record the outcome.

use np_nomad::{Nomad, WriteOptions};
use np_spec::parse::Format;
use np_spec::{FieldError, FieldErrors, TenantContext};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::history::{check_not_changed, earlier_deploy, usage};
use super::{Prepared, generate_all, nomad_for, parse, urls};
use crate::audit;
use crate::authz::{Action, Caller};
use crate::tenants::Tenant;
use crate::{DomainError, Services, route_hosts};

/// A deploy request from the API or the console.
#[derive(Debug, Clone)]
pub struct DeployInput {
    /// The document.
    pub text: String,
    /// Its format, when the caller says.
    pub format: Option<Format>,
    /// Only this app of a document with several.
    pub app: Option<String>,
    /// Where it came from, as recorded: `api`, `form`, `np-yaml`, `oam`, `spec`.
    pub source: &'static str,
    /// The caller's key for this submission: a second deploy of the same app with the same key returns the
    /// first one's outcome instead of deploying again (double clicks, retried requests).
    pub idempotency_key: Option<String>,
    /// The deploy the caller's edit started from (for a one-app document): when someone deployed the app
    /// since, the deploy is refused with what changed, never a silent overwrite.
    pub based_on: Option<Uuid>,
}

/// One app deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    /// The deploy record.
    pub deploy_id: Uuid,
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// The evaluation Nomad created.
    pub eval_id: String,
    /// Nomad's warnings, if any.
    pub warnings: Vec<String>,
    /// The URLs its routes serve.
    pub urls: Vec<String>,
}

/// Deploys every app of `input` (or the one it names) to `tenant`.
///
/// # Errors
/// `Rejected` with every field error; `Conflict` for a host another app routes; `NotFound`/`Forbidden` from
/// authorization; `TooMany` past the tenant's deploys per minute; `Upstream` when Nomad refuses or fails (the
/// deploy is then recorded as failed).
pub async fn deploy(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    input: &DeployInput,
) -> Result<Vec<Deployed>, DomainError> {
    // Every submission a member makes counts against the tenant's allowance, refused documents too (each
    // costs a parse and an audit record); strangers to the tenant cannot spend it.
    caller.check(tenant, Action::Deploy)?;
    if let Err(e) = services.limits.take_deploy(tenant) {
        tracing::warn!(tenant, actor = %caller.display_name, "deploy refused: the tenant's rate limit");
        return Err(e);
    }
    let Ready {
        tenant,
        nomad,
        context,
        prepared,
    } = match ready(services, caller, tenant, input).await {
        Err(DomainError::Rejected(errors)) => {
            record_rejection(services, caller, tenant, input, &errors).await;
            return Err(DomainError::Rejected(errors));
        }
        other => other?,
    };
    // Refuse a stale edit before any app of the document is deployed; each deploy checks again, under its
    // app's lock, when it is recorded.
    if let Some(based_on) = input.based_on {
        let mut conn = services.db.acquire().await?;
        for p in &prepared {
            check_not_changed(&mut conn, &tenant, p.spec.name.as_str(), based_on).await?;
        }
    }
    let mut deployed = Vec::new();
    for p in prepared {
        deployed.push(
            deploy_one(
                services,
                &nomad,
                caller,
                &tenant,
                &context,
                p,
                Submission {
                    source: input.source,
                    idempotency_key: input.idempotency_key.as_deref(),
                    based_on: input.based_on,
                },
            )
            .await?,
        );
    }
    Ok(deployed)
}

/// Records a refused document (`deploy.rejected`, with each field's error but not the document itself): bad
/// input changes nothing, and leaves a trace. Only callers allowed to deploy get this far.
async fn record_rejection(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    input: &DeployInput,
    errors: &FieldErrors,
) {
    let recorded: Result<i64, DomainError> = async {
        let tenant = crate::tenants::by_slug(&services.db, tenant).await?;
        let mut record = audit::Record::new("deploy.rejected")
            .tenant(&tenant)
            .details(json!({
                "source": input.source,
                "bytes": input.text.len(),
                "errors": errors.0.iter().take(50).collect::<Vec<_>>(),
            }));
        if let Some(app) = &input.app {
            record = record.target("app", app);
        }
        audit::event(
            &services.db,
            &audit::Actor::of(caller),
            &record,
            audit::Outcome::Failure,
        )
        .await
    }
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, "recording a refused deploy failed");
    }
}

/// A document ready to deploy (or plan) in a tenant: the tenant, its Nomad client and generation context, and
/// every app's generated job.
pub(crate) struct Ready {
    pub(crate) tenant: Tenant,
    pub(crate) nomad: Nomad,
    pub(crate) context: TenantContext,
    pub(crate) prepared: Vec<Prepared>,
}

/// Authorizes a deploy of `input` to `tenant`, and parses and generates it as the deploy will: against the
/// tenant's settings, its other apps' usage and the platform's host names.
pub(crate) async fn ready(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    input: &DeployInput,
) -> Result<Ready, DomainError> {
    let tenant = caller
        .authorize(&services.db, tenant, Action::Deploy)
        .await?;
    if tenant.namespace_state != "ready" {
        return Err(DomainError::Conflict(format!(
            "tenant {} has no Nomad namespace yet ({}); a platform admin can retry creating it",
            tenant.slug, tenant.namespace_state
        )));
    }
    let nomad = nomad_for(services, &tenant).await?;
    let mut context = tenant.context(&services.platform)?;
    // The apps' names first, to count what the tenant's other apps reserve; then generate against that.
    let doc = parse(&input.text, input.format).map_err(DomainError::Rejected)?;
    let names: Vec<String> = doc.apps.iter().map(|a| a.spec.name.to_string()).collect();
    context.used = usage(services, &nomad, &tenant, &names).await?;
    let (mut prepared, _notes) = generate_all(&doc, &context).map_err(DomainError::Rejected)?;
    if let Some(only) = &input.app {
        prepared.retain(|p| p.spec.name.as_str() == only);
        if prepared.is_empty() {
            return Err(DomainError::invalid(
                "app",
                format!("the document has no app named {only:?}"),
            ));
        }
    }
    for p in &prepared {
        let taken = route_hosts::taken(
            &services.db,
            &tenant.slug,
            p.spec.name.as_str(),
            &p.generated.hosts,
        )
        .await?;
        if let Some(t) = taken.first() {
            return Err(DomainError::Rejected(FieldErrors(vec![FieldError::new(
                "routes",
                t.message(&tenant.slug),
            )])));
        }
    }
    Ok(Ready {
        tenant,
        nomad,
        context,
        prepared,
    })
}

/// How a deploy was asked for: where it came from, the caller's idempotency key, and the deploy the caller's
/// edit started from (to refuse it if someone deployed the app since).
#[derive(Clone, Copy)]
struct Submission<'a> {
    source: &'a str,
    idempotency_key: Option<&'a str>,
    based_on: Option<Uuid>,
}

/// Whether a failed register call may nonetheless have been applied: Nomad may commit a write and then time
/// out, fail (a leader lost after the commit) or break the connection. A refused connection, a 4xx, a 429
/// (refused before any work) and Nomad's uncoded refusals (a 500 naming an invalid job, an unknown namespace, an
/// index conflict: [`np_nomad::refusal`]) were certainly not applied.
fn ambiguous(error: &np_http::Error) -> bool {
    match error {
        np_http::Error::Timeout { .. }
        | np_http::Error::Transport { .. }
        | np_http::Error::Decode { .. } => true,
        np_http::Error::Status { status, .. } => {
            status.is_server_error() && np_nomad::refusal(error).is_none()
        }
        np_http::Error::Connect { .. } | np_http::Error::Request { .. } => false,
    }
}

async fn deploy_one(
    services: &Services,
    nomad: &Nomad,
    caller: &Caller,
    tenant: &Tenant,
    context: &TenantContext,
    p: Prepared,
    submission: Submission<'_>,
) -> Result<Deployed, DomainError> {
    let Submission {
        source,
        idempotency_key,
        based_on,
    } = submission;
    let app = p.spec.name.to_string();
    let job_id = p.generated.job.id.clone().unwrap_or_default();
    if let Some(key) = idempotency_key {
        if key.is_empty() || key.len() > 200 || key.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "idempotency_key",
                "must be 1 to 200 printable characters",
            ));
        }
        if let Some(earlier) = earlier_deploy(services, tenant, &app, key, &p.spec, context).await?
        {
            return Ok(earlier);
        }
    }
    route_hosts::claim(&services.db, tenant.id, &app, &p.generated.hosts).await?;
    let spec_json = serde_json::to_value(&p.spec).unwrap_or_default();
    let request = p.generated.register_request();
    let job_json = serde_json::to_value(&request).unwrap_or_default();
    let deploy_id = Uuid::new_v4();
    let actor = audit::Actor::of(caller);
    let record = audit::Record::new(if source == "rollback" {
        "deploy.rollback"
    } else {
        "deploy.submit"
    })
    .tenant(tenant)
    .target("app", &app)
    .details(json!({
        "deploy_id": deploy_id,
        "source": source,
        "idempotency_key": idempotency_key,
        "spec": spec_json,
        "job": job_json,
    }));
    // The deploy and its intent are recorded together, before Nomad hears of it: no deploy goes unrecorded,
    // and none happens when it cannot be recorded.
    let recorded: Result<audit::Pending, DomainError> = async {
        let mut tx = services.db.begin().await?;
        // Deploys of one app are recorded one at a time, so that two edits of the same version cannot both
        // pass the "changed since you loaded it" check.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2, 11))")
            .bind(tenant.id)
            .bind(&app)
            .execute(&mut *tx)
            .await?;
        if let Some(based_on) = based_on {
            check_not_changed(&mut tx, tenant, &app, based_on).await?;
        }
        sqlx::query(
            "INSERT INTO deploys (id, tenant_id, app, job_id, actor, actor_user_id, actor_token_id, source, spec,
                                  job, idempotency_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(deploy_id)
        .bind(tenant.id)
        .bind(&app)
        .bind(&job_id)
        .bind(&caller.display_name)
        .bind(caller.user_id())
        .bind(caller.token_id())
        .bind(source)
        .bind(&spec_json)
        .bind(&job_json)
        .bind(idempotency_key)
        .execute(&mut *tx)
        .await?;
        let pending = audit::begin(&mut *tx, &actor, record).await?;
        tx.commit().await?;
        Ok(pending)
    }
    .await;
    let pending = match recorded {
        Ok(pending) => pending,
        // The same submission raced this one in: answer with it.
        Err(DomainError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            let key = idempotency_key.unwrap_or_default();
            return earlier_deploy(services, tenant, &app, key, &p.spec, context)
                .await?
                .ok_or_else(|| {
                    DomainError::Conflict("this deploy is already being submitted".into())
                });
        }
        Err(e) => return Err(e),
    };
    let answer = nomad
        .jobs()
        .register(&request, &WriteOptions::namespace(&context.namespace))
        .await;
    match answer {
        Ok((response, _)) => {
            let job_modify_index = i64::try_from(response.job_modify_index).ok();
            let finished: Result<(), DomainError> = async {
                let mut tx = services.db.begin().await?;
                sqlx::query(
                    "UPDATE deploys SET state = 'submitted', eval_id = $2, job_modify_index = $3, finished_at = now()
                      WHERE id = $1",
                )
                .bind(deploy_id)
                .bind(&response.eval_id)
                .bind(job_modify_index)
                .execute(&mut *tx)
                .await?;
                pending
                    .finish(
                        &mut *tx,
                        audit::Outcome::Success,
                        audit::NomadIds {
                            eval_id: Some(response.eval_id.clone()),
                            job_modify_index,
                            ..audit::NomadIds::default()
                        },
                        json!({"deploy_id": deploy_id, "warnings": response.warnings}),
                    )
                    .await?;
                tx.commit().await?;
                Ok(())
            }
            .await;
            if let Err(e) = finished {
                // Nomad has the job; the reconciler will find it there and record the result.
                tracing::error!(error = %e, deploy = %deploy_id, "recording a submitted deploy failed");
            }
            Ok(Deployed {
                deploy_id,
                app,
                job_id,
                eval_id: response.eval_id,
                warnings: response
                    .warnings
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_owned)
                    .collect(),
                urls: urls(&p.spec, context),
            })
        }
        Err(e) if ambiguous(&e) => {
            // Nomad may have applied it: the deploy stays `unknown`, its intent open, until the reconciler has
            // asked Nomad (never guessed, never re-sent blindly).
            tracing::warn!(error = &e as &dyn std::error::Error, deploy = %deploy_id, "Nomad did not confirm a deploy");
            let message = match &e {
                np_http::Error::Timeout { .. } => "did not answer in time".to_owned(),
                np_http::Error::Status { status, .. } => format!("answered {}", status.as_u16()),
                _ => "broke the connection".to_owned(),
            };
            let message = format!(
                "{message} and did not confirm the deploy: whether it was applied is not confirmed yet; the console \
                 checks with Nomad and records the outcome in the app's history — do not submit it again"
            );
            sqlx::query("UPDATE deploys SET state = 'unknown', error = $2 WHERE id = $1 AND state = 'submitting'")
                .bind(deploy_id)
                .bind(&message)
                .execute(&services.db)
                .await?;
            Err(DomainError::unavailable("nomad", message))
        }
        Err(e) => {
            let error = DomainError::upstream("nomad", e);
            let mut tx = services.db.begin().await?;
            sqlx::query("UPDATE deploys SET state = 'failed', error = $2, finished_at = now() WHERE id = $1")
                .bind(deploy_id)
                .bind(error.to_string())
                .execute(&mut *tx)
                .await?;
            pending
                .finish(
                    &mut *tx,
                    audit::Outcome::Failure,
                    audit::NomadIds::default(),
                    json!({"deploy_id": deploy_id, "error": error.to_string()}),
                )
                .await?;
            tx.commit().await?;
            Err(error)
        }
    }
}
