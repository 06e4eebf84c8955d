//! A tenant's apps: deploy a description (np.yaml, OAM or app spec), read status and logs, scale and stop.
//!
//! Every function authorizes the caller for the tenant first, builds the job from the tenant's own settings
//! (never from the input), and talks to Nomad in the tenant's namespace with the tenant's token when it has
//! one. A deploy is recorded in Postgres before Nomad is called and completed after, whatever Nomad says.

use std::time::Duration;

use np_nomad::allocations::{LogOrigin, LogRequest, LogType};
use np_nomad::{Nomad, types::ScalingRequest};
use np_nomad::{QueryOptions, WriteOptions};
use np_spec::parse::Format;
use np_spec::{AppSpec, FieldError, FieldErrors, Generated, TenantContext};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit;
use crate::authz::{Action, Caller};
use crate::tenants::Tenant;
use crate::{DomainError, Services, route_hosts};
use serde_json::json;

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

/// The Nomad client to use for `tenant`: the tenant's own token when one was made for it.
///
/// # Errors
/// `Upstream` when Nomad is not configured.
pub async fn nomad_for(services: &Services, tenant: &Tenant) -> Result<Nomad, DomainError> {
    let nomad = services
        .upstreams
        .nomad
        .as_ref()
        .ok_or(DomainError::Upstream {
            service: "nomad",
            message: "no Nomad is configured for this console".into(),
        })?;
    Ok(
        match crate::tenants::nomad_token(&services.db, tenant.id).await? {
            Some(secret) => nomad.with_token(secret.into()),
            None => nomad.clone(),
        },
    )
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
/// (refused before any work) and an index conflict were certainly not applied.
fn ambiguous(error: &np_http::Error) -> bool {
    match error {
        np_http::Error::Timeout { .. }
        | np_http::Error::Transport { .. }
        | np_http::Error::Decode { .. } => true,
        np_http::Error::Status { status, body, .. } => {
            status.is_server_error() && !body.contains("job modify index")
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
            Err(DomainError::Upstream {
                service: "nomad",
                message,
            })
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

/// What the tenant's running apps other than `except` reserve at their maximum scale: each app Nomad runs
/// (not stopped) counted from its latest submitted spec.
///
/// # Errors
/// Upstream and database errors.
pub async fn usage(
    services: &Services,
    nomad: &Nomad,
    tenant: &Tenant,
    except: &[String],
) -> Result<np_spec::tenant::Usage, DomainError> {
    let prefix = format!("{}-", tenant.slug);
    let q = QueryOptions {
        prefix: Some(prefix.clone()),
        ..query(tenant)
    };
    let (jobs, _) = nomad
        .jobs()
        .list(&q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let running: Vec<String> = jobs
        .iter()
        .filter(|j| j.namespace == tenant.nomad_namespace && j.status != "dead" && !j.stop)
        .filter_map(|j| j.id.strip_prefix(&prefix).map(str::to_owned))
        .filter(|app| !except.contains(app))
        .collect();
    let specs: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT DISTINCT ON (app) app, spec FROM deploys
          WHERE tenant_id = $1 AND state = 'submitted' AND app = ANY($2)
          ORDER BY app, created_at DESC",
    )
    .bind(tenant.id)
    .bind(&running)
    .fetch_all(&services.db)
    .await?;
    let mut used = np_spec::tenant::Usage::default();
    for (app, spec) in specs {
        match serde_json::from_value::<AppSpec>(spec) {
            Ok(spec) => {
                let (cpu, memory, instances) = np_spec::validate::reservation(&spec);
                used.cpu += cpu;
                used.memory += memory;
                used.instances += instances;
            }
            Err(e) => tracing::warn!(app, error = %e, "a stored spec no longer reads; not counted"),
        }
    }
    Ok(used)
}

/// The latest successful deploy of `app`: its id and spec.
///
/// # Errors
/// On database failure.
pub async fn latest(
    services: &Services,
    tenant: &Tenant,
    app: &str,
) -> Result<Option<(Uuid, AppSpec)>, DomainError> {
    let row: Option<(Uuid, serde_json::Value)> = sqlx::query_as(
        "SELECT id, spec FROM deploys WHERE tenant_id = $1 AND app = $2 AND state = 'submitted'
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind(tenant.id)
    .bind(app)
    .fetch_optional(&services.db)
    .await?;
    Ok(row.and_then(|(id, spec)| Some((id, serde_json::from_value(spec).ok()?))))
}

/// Refuses when `app` was deployed since the deploy `based_on` the caller's edit started from, saying who
/// deployed it and which fields changed.
async fn check_not_changed(
    db: &mut sqlx::PgConnection,
    tenant: &Tenant,
    app: &str,
    based_on: Uuid,
) -> Result<(), DomainError> {
    // Deploys in flight or unconfirmed count too: one of them may be the newer version.
    let latest: Option<(Uuid, String, time::OffsetDateTime, serde_json::Value)> = sqlx::query_as(
        "SELECT id, actor, created_at, spec FROM deploys
          WHERE tenant_id = $1 AND app = $2 AND state IN ('submitted', 'submitting', 'unknown')
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind(tenant.id)
    .bind(app)
    .fetch_optional(&mut *db)
    .await?;
    let Some((id, actor, at, spec)) = latest else {
        return Ok(());
    };
    if id == based_on {
        return Ok(());
    }
    let base: Option<serde_json::Value> = sqlx::query_scalar(
        "SELECT spec FROM deploys WHERE id = $1 AND tenant_id = $2 AND app = $3",
    )
    .bind(based_on)
    .bind(tenant.id)
    .bind(app)
    .fetch_optional(&mut *db)
    .await?;
    let changed = base
        .map(|base| changed_fields(&base, &spec))
        .unwrap_or_default();
    let when = at
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    Err(DomainError::Conflict(format!(
        "{app} changed since you loaded it: {actor} deployed it at {when}{}. Reload it, then apply your changes again.",
        if changed.is_empty() {
            String::new()
        } else {
            format!(" (changed: {})", changed.join(", "))
        }
    )))
}

/// The spec fields (dotted paths, two levels deep) that differ between two stored specs.
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    fn walk(
        prefix: &str,
        a: &serde_json::Value,
        b: &serde_json::Value,
        depth: usize,
        out: &mut Vec<String>,
    ) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) if depth < 2 => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    let null = serde_json::Value::Null;
                    walk(
                        &path,
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        depth + 1,
                        out,
                    );
                }
            }
            _ if a != b => out.push(prefix.to_owned()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", before, after, 0, &mut out);
    out
}

/// The deploy of `app` made earlier with idempotency `key`, as its outcome: the deploy itself once it
/// reached Nomad; `Conflict` while it is still being submitted; its error if it failed.
async fn earlier_deploy(
    services: &Services,
    tenant: &Tenant,
    app: &str,
    key: &str,
    spec: &AppSpec,
    context: &TenantContext,
) -> Result<Option<Deployed>, DomainError> {
    /// Deploy, job, state, evaluation, error.
    type Earlier = (Uuid, String, String, Option<String>, Option<String>);
    let row: Option<Earlier> = sqlx::query_as(
        "SELECT id, job_id, state, eval_id, error FROM deploys
          WHERE tenant_id = $1 AND app = $2 AND idempotency_key = $3",
    )
    .bind(tenant.id)
    .bind(app)
    .bind(key)
    .fetch_optional(&services.db)
    .await?;
    let Some((deploy_id, job_id, state, eval_id, error)) = row else {
        return Ok(None);
    };
    match state.as_str() {
        "submitted" => Ok(Some(Deployed {
            deploy_id,
            app: app.to_owned(),
            job_id,
            eval_id: eval_id.unwrap_or_default(),
            warnings: Vec::new(),
            urls: urls(spec, context),
        })),
        "failed" => Err(DomainError::Conflict(format!(
            "this submission was already tried and failed: {}",
            error.unwrap_or_default()
        ))),
        "unknown" => Err(DomainError::Conflict(
            "this submission was sent, but Nomad did not confirm it; the console is checking whether it was \
             applied — see the app's history"
                .into(),
        )),
        _ => Err(DomainError::Conflict(
            "this deploy is already being submitted".into(),
        )),
    }
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

/// An app's state as Nomad reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `pending`, `running` or `dead`.
    pub status: String,
    /// The job's version.
    pub version: u64,
    /// Instances wanted.
    pub desired: i64,
    /// Instances running.
    pub running: i64,
    /// Instances starting or queued.
    pub pending: i64,
    /// Instances failed.
    pub failed: i64,
    /// The latest deployment's status (`running`, `successful`, `failed`, …), if any.
    pub deployment: Option<String>,
    /// The instances.
    pub instances: Vec<Instance>,
}

/// One allocation of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Allocation ID.
    pub id: String,
    /// Node name.
    pub node: String,
    /// `pending`, `running`, `complete`, `failed`, `lost`.
    pub status: String,
    /// The job version it runs.
    pub version: u64,
    /// Whether Nomad wants it running.
    pub desired: String,
}

pub(crate) fn job_id(tenant: &Tenant, app: &str) -> Result<String, DomainError> {
    np_spec::names::AppName::parse(app).map_err(|e| DomainError::invalid("app", e))?;
    Ok(format!("{}-{app}", tenant.slug))
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

/// The status of `app` in `tenant`.
///
/// # Errors
/// `NotFound` for an unknown app; authorization and upstream errors.
pub async fn status(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<AppStatus, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::View).await?;
    let q = query(&tenant);
    let job = tenant_job(&nomad, &tenant, &job_id).await?;
    let (summary, _) = nomad
        .jobs()
        .summary(&job_id, &q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let (allocs, _) = nomad
        .jobs()
        .allocations(&job_id, false, &q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let (deployment, _) = nomad
        .jobs()
        .latest_deployment(&job_id, &q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let desired = job
        .task_groups
        .iter()
        .flatten()
        .map(|g| g.count.unwrap_or(0))
        .sum();
    let totals = counts(&summary);
    Ok(AppStatus {
        app: app.to_owned(),
        job_id,
        status: job.status.unwrap_or_default(),
        version: job.version.unwrap_or(0),
        desired,
        running: totals.0,
        pending: totals.1,
        failed: totals.2,
        deployment: deployment.map(|d| d.status),
        instances: allocs
            .into_iter()
            .map(|a| Instance {
                id: a.id,
                node: a.node_name,
                status: a.client_status,
                version: a.job_version,
                desired: a.desired_status,
            })
            .collect(),
    })
}

/// One app in the apps page: Nomad's counts and the console's last deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRow {
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// `pending`, `running` or `dead` (a stopped app is `dead`).
    pub status: String,
    /// `healthy`, `starting`, `degraded`, `failed`, `stopped` (from Nomad's counts) or `failing checks` (Consul).
    pub health: String,
    /// Instances running.
    pub running: i64,
    /// Instances wanted (running, starting or waiting for placement).
    pub desired: i64,
    /// Instances failed.
    pub failed: i64,
    /// Who deployed last, when (RFC 3339), and the outcome, from the console's records.
    pub last_deploy: Option<(String, String, String)>,
    /// The URLs of its routes (from the last deploy's spec).
    pub urls: Vec<String>,
}

/// A page of apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsPage {
    /// The apps, by name.
    pub apps: Vec<AppRow>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
}

/// Longest page of apps.
pub const MAX_PAGE: u32 = 100;

/// App, actor, time, state, spec of an app's latest deploy.
type LastDeploy = (
    String,
    String,
    time::OffsetDateTime,
    String,
    serde_json::Value,
);

/// A page of the tenant's apps, filtered by a name prefix, paged by Nomad (the list is never loaded whole).
///
/// # Errors
/// Authorization and upstream errors; `Invalid` for a bad filter.
pub async fn page(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    name_prefix: Option<&str>,
    next_token: Option<String>,
    per_page: u32,
) -> Result<AppsPage, DomainError> {
    let tenant = caller.authorize(&services.db, tenant, Action::View).await?;
    let name_prefix = name_prefix.unwrap_or("").trim();
    if name_prefix.len() > 30
        || !name_prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(DomainError::invalid(
            "filter",
            "app names have lower-case letters, digits and dashes",
        ));
    }
    let nomad = nomad_for(services, &tenant).await?;
    let prefix = format!("{}-", tenant.slug);
    let q = QueryOptions {
        prefix: Some(format!("{prefix}{name_prefix}")),
        per_page: Some(per_page.clamp(1, MAX_PAGE)),
        next_token: next_token.filter(|t| !t.is_empty()),
        ..query(&tenant)
    };
    let (jobs, meta) = nomad
        .jobs()
        .list(&q)
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let jobs: Vec<_> = jobs
        .into_iter()
        .filter(|j| j.namespace == tenant.nomad_namespace && j.id.starts_with(&prefix))
        .collect();
    let names: Vec<String> = jobs
        .iter()
        .map(|j| j.id[prefix.len()..].to_owned())
        .collect();
    let last: Vec<LastDeploy> = sqlx::query_as(
        "SELECT DISTINCT ON (app) app, actor, created_at, state, spec FROM deploys
          WHERE tenant_id = $1 AND app = ANY($2) ORDER BY app, created_at DESC",
    )
    .bind(tenant.id)
    .bind(&names)
    .fetch_all(&services.db)
    .await?;
    let context = tenant.context(&services.platform)?;
    // Consul's failing checks, in one request for the page (an app's services are named after its job).
    let critical: Vec<String> = match &services.upstreams.consul {
        Some(consul) if !jobs.is_empty() => consul
            .health()
            .state("critical", &np_consul::QueryOptions::default())
            .await
            .map(|(checks, _)| checks.into_iter().map(|c| c.service_name).collect())
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "Consul's failing checks could not be read");
                Vec::new()
            }),
        _ => Vec::new(),
    };
    let job_ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    let apps = jobs
        .into_iter()
        .zip(names)
        .map(|(job, app)| {
            let (running, pending, failed) =
                job.job_summary.as_ref().map(counts).unwrap_or_default();
            let health = if job.stop || job.status == "dead" {
                "stopped"
            } else if pending > 0 && running == 0 {
                "starting"
            } else if pending > 0 {
                "degraded"
            } else if running == 0 && failed > 0 {
                "failed"
            } else if critical
                .iter()
                .any(|service| service_of(service, &job.id, &job_ids))
            {
                "failing checks"
            } else {
                "healthy"
            };
            let record = last.iter().find(|r| r.0 == app);
            let urls = record
                .and_then(|r| serde_json::from_value::<AppSpec>(r.4.clone()).ok())
                .map(|spec| urls(&spec, &context))
                .unwrap_or_default();
            AppRow {
                job_id: job.id.clone(),
                status: job.status.clone(),
                health: health.into(),
                running,
                desired: if job.stop { 0 } else { running + pending },
                failed,
                last_deploy: record.map(|r| {
                    (
                        r.1.clone(),
                        r.2.format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default(),
                        r.3.clone(),
                    )
                }),
                urls,
                app,
            }
        })
        .collect();
    Ok(AppsPage {
        apps,
        next_token: meta.next_token.filter(|t| !t.is_empty()),
    })
}

/// Whether the Consul service `service` belongs to job `job` (named `<job>` or `<job>-<port>`), and not to
/// another job of `jobs` with a longer name that also matches.
fn service_of(service: &str, job: &str, jobs: &[String]) -> bool {
    let matches = |j: &str| {
        service == j
            || service
                .strip_prefix(j)
                .is_some_and(|rest| rest.starts_with('-'))
    };
    matches(job)
        && !jobs
            .iter()
            .any(|other| other.len() > job.len() && matches(other))
}

/// What to read of an app's logs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct LogsQuery {
    /// The instance (allocation ID or its first 8 characters); the newest running one when absent.
    pub instance: Option<String>,
    /// `stdout` (default) or `stderr`.
    pub stream: Option<String>,
    /// How many bytes from the end (default 64 KiB, at most 1 MiB).
    pub bytes: Option<u64>,
}

/// The end of one instance's log, as text.
///
/// # Errors
/// `Invalid` for a bad stream; `NotFound` for an unknown app or instance; authorization and upstream errors.
pub async fn logs(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    q: &LogsQuery,
) -> Result<String, DomainError> {
    let tenant = caller
        .authorize(&services.db, tenant, Action::ReadLogs)
        .await?;
    let log_type = log_type(q.stream.as_deref())?;
    let bytes = q.bytes.unwrap_or(64 * 1024).min(1024 * 1024);
    let nomad = nomad_for(services, &tenant).await?;
    let (alloc_id, task) = pick_instance(&nomad, &tenant, app, q.instance.as_deref()).await?;
    let request = LogRequest {
        task,
        log_type,
        follow: false,
        origin: LogOrigin::End(bytes),
    };
    let mut stream = nomad
        .allocations()
        .logs(&alloc_id, &request, &query(&tenant))
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, stream.next_frame()).await;
        match frame {
            Ok(Ok(Some(frame))) => {
                if let Ok(data) = frame.bytes() {
                    out.extend_from_slice(&data);
                }
                if out.len() as u64 > bytes {
                    let cut = out.len() - usize::try_from(bytes).unwrap_or(usize::MAX);
                    out.drain(..cut);
                }
            }
            Ok(Ok(None)) | Err(_) => break,
            Ok(Err(e)) => return Err(DomainError::upstream("nomad", e)),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `stdout` (the default) or `stderr`.
pub(crate) fn log_type(stream: Option<&str>) -> Result<LogType, DomainError> {
    match stream.filter(|s| !s.is_empty()) {
        None | Some("stdout") => Ok(LogType::Stdout),
        Some("stderr") => Ok(LogType::Stderr),
        Some(other) => Err(DomainError::invalid(
            "stream",
            format!("{other:?} is not stdout or stderr"),
        )),
    }
}

/// The instance of `app` a viewer means (an allocation ID or its first 8 characters; the newest running one
/// when none is named) and the app's task in it.
///
/// # Errors
/// `NotFound` for an unknown instance; upstream errors.
pub(crate) async fn pick_instance(
    nomad: &Nomad,
    tenant: &Tenant,
    app: &str,
    instance: Option<&str>,
) -> Result<(String, String), DomainError> {
    let job_id = job_id(tenant, app)?;
    let (mut allocs, _) = nomad
        .jobs()
        .allocations(&job_id, false, &query(tenant))
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    allocs.retain(|a| a.namespace == tenant.nomad_namespace);
    allocs.sort_by_key(|a| std::cmp::Reverse((a.client_status == "running", a.modify_index)));
    let alloc = match instance.filter(|i| !i.is_empty()) {
        Some(id) => allocs
            .iter()
            .find(|a| a.id == id || (id.len() >= 8 && a.id.starts_with(id)))
            .ok_or(DomainError::NotFound("instance"))?,
        None => allocs.first().ok_or(DomainError::NotFound("instance"))?,
    };
    let task = alloc
        .task_states
        .as_ref()
        .and_then(|t| {
            t.keys()
                .find(|k| k.as_str() == app)
                .or_else(|| t.keys().next())
        })
        .cloned()
        .unwrap_or_else(|| app.to_owned());
    Ok((alloc.id.clone(), task))
}

/// Sets the number of instances of `app`.
///
/// # Errors
/// `Invalid` for a negative count; Nomad's message when outside the app's min/max; authorization and
/// upstream errors.
pub async fn scale(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    count: i64,
) -> Result<String, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Operate).await?;
    let record = audit::Record::new("app.scale")
        .tenant(&tenant)
        .target("app", app)
        .details(json!({ "count": count }));
    audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || {
            if !(0..=1000).contains(&count) {
                return Err(DomainError::invalid("count", "must be between 0 and 1000"));
            }
            let job = tenant_job(&nomad, &tenant, &job_id).await?;
            let group = job
                .task_groups
                .iter()
                .flatten()
                .find_map(|g| g.name.clone())
                .ok_or(DomainError::NotFound("app"))?;
            let request = ScalingRequest {
                count: Some(count),
                target: [("Group".to_owned(), group)].into(),
                message: format!("scaled by {} through np", caller.display_name),
                namespace: Some(tenant.nomad_namespace.clone()),
                ..ScalingRequest::default()
            };
            let (answer, _) = nomad
                .jobs()
                .scale(
                    &job_id,
                    &request,
                    &WriteOptions::namespace(&tenant.nomad_namespace),
                )
                .await
                .map_err(|e| DomainError::upstream("nomad", e))?;
            Ok(answer.eval_id)
        },
        audit::NomadIds::of_eval,
    )
    .await
}

/// Stops `app`; with `purge`, removes it from Nomad and frees its host names.
///
/// # Errors
/// Authorization and upstream errors; `NotFound` for an unknown app.
pub async fn stop(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    purge: bool,
) -> Result<String, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Operate).await?;
    let record = audit::Record::new(if purge { "app.purge" } else { "app.stop" })
        .tenant(&tenant)
        .target("app", app);
    audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || {
            tenant_job(&nomad, &tenant, &job_id).await?;
            let (answer, _) = nomad
                .jobs()
                .deregister(
                    &job_id,
                    purge,
                    &WriteOptions::namespace(&tenant.nomad_namespace),
                )
                .await
                .map_err(|e| DomainError::upstream("nomad", e))?;
            if purge {
                route_hosts::release(&services.db, tenant.id, app).await?;
            }
            Ok(answer.eval_id)
        },
        audit::NomadIds::of_eval,
    )
    .await
}
