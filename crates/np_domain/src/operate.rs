//! Operating a deployed app: plan a change, watch it roll out, read its versions and roll back, restart and
//! promote, tail and search its logs, chart its usage, and see its services and routes.
//!
//! As in [`crate::apps`], every function authorizes the caller for the tenant first and reaches Nomad in the
//! tenant's namespace with the tenant's token; log searches carry the tenant's namespace as a filter the
//! caller cannot change.

use std::collections::BTreeMap;
use std::sync::Arc;

use np_nomad::WriteOptions;
use np_nomad::types::{AllocationMetric, FieldDiff, JobDiff, JobPlanRequest, ObjectDiff};
use np_openobserve::query::{LogQuery, LogStream};
use np_openobserve::types::{SearchQuery, SearchRequest};
use np_spec::AppSpec;
use np_spec::ops::{
    AppLive, AppPlan, CheckView, GroupPlan, LogLine, Metrics, PlanChange, RouteView, Series,
    ServiceInstanceView, ServiceView, ServicesView, SpecChange, VersionView,
};
use serde::Deserialize;
use tokio::sync::watch;
use uuid::Uuid;

use crate::apps::{
    DeployInput, Deployed, job_id, nomad_for, open_app, pick_instance, query, tenant_job,
};
use crate::audit;
use crate::authz::{Action, Caller};
use crate::live::TailSubscription;
use crate::tenants::Tenant;
use crate::{DomainError, Services};
use serde_json::json;

fn nomad_error(e: np_nomad::Error) -> DomainError {
    DomainError::upstream("nomad", e)
}

/// What deploying `input` would do: Nomad's diff against the running job, what the scheduler would place,
/// update and stop, and why anything could not be placed, in plain words. Nothing is deployed.
///
/// # Errors
/// As a deploy: `Rejected` with every field error, authorization and upstream errors.
pub async fn plan(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    input: &DeployInput,
) -> Result<Vec<AppPlan>, DomainError> {
    let ready = crate::apps::ready(services, caller, tenant, input).await?;
    let namespace = ready.context.namespace.clone();
    let mut plans = Vec::new();
    for p in ready.prepared {
        let job_id = p.generated.job.id.clone().unwrap_or_default();
        let request = JobPlanRequest {
            job: Some(p.generated.job.clone()),
            diff: true,
            policy_override: false,
            namespace: Some(namespace.clone()),
        };
        let (answer, _) = ready
            .nomad
            .jobs()
            .plan(&job_id, &request, &WriteOptions::namespace(&namespace))
            .await
            .map_err(nomad_error)?;
        let diff = answer.diff.unwrap_or_default();
        let change = match diff.diff_type.as_str() {
            "Added" => "new",
            "None" | "" => "unchanged",
            _ => "changed",
        };
        let groups = answer
            .annotations
            .and_then(|a| a.desired_tg_updates)
            .unwrap_or_default()
            .into_iter()
            .map(|(name, u)| GroupPlan {
                name,
                place: u.place,
                in_place: u.in_place_update,
                destructive: u.destructive_update,
                stop: u.stop,
                canary: u.canary,
                unchanged: u.ignore,
            })
            .collect();
        let failures = answer
            .failed_tg_allocs
            .unwrap_or_default()
            .iter()
            .map(|(group, metric)| placement_failure(group, &ready.context.node_pool, metric))
            .collect();
        plans.push(AppPlan {
            app: p.spec.name.to_string(),
            job_id,
            change: change.into(),
            changes: if change == "new" {
                Vec::new()
            } else {
                flatten_diff(&diff)
            },
            groups,
            failures,
            warnings: answer
                .warnings
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(plans)
}

/// Why a group could not be placed, as a person would say it.
pub fn placement_failure(group: &str, pool: &str, m: &AllocationMetric) -> String {
    let evaluated = m.nodes_evaluated;
    let mut reasons = Vec::new();
    if m.nodes_in_pool == 0 && evaluated == 0 {
        reasons.push(format!("there are no nodes in pool {pool}"));
    } else if evaluated == 0 {
        reasons.push(format!(
            "no node in pool {pool} is ready to run it ({} nodes in the pool)",
            m.nodes_in_pool
        ));
    }
    for (dimension, nodes) in m.dimension_exhausted.iter().flatten() {
        let what = match dimension.as_str() {
            "memory" => "memory".to_owned(),
            "cpu" => "CPU".to_owned(),
            other => other.to_owned(),
        };
        reasons.push(format!(
            "not enough {what} on any node in pool {pool} ({nodes} of {evaluated} node{} full)",
            if evaluated == 1 { "" } else { "s" }
        ));
    }
    for (constraint, nodes) in m.constraint_filtered.iter().flatten() {
        reasons.push(format!(
            "{nodes} node{} left out by the constraint {constraint}",
            if *nodes == 1 { " was" } else { "s were" }
        ));
    }
    for (class, nodes) in m.class_filtered.iter().flatten() {
        reasons.push(format!("{nodes} node(s) of class {class} left out"));
    }
    for quota in m.quota_exhausted.iter().flatten() {
        reasons.push(format!("the quota is used up ({quota})"));
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "no node in pool {pool} could take it ({evaluated} evaluated, {} filtered out, {} full)",
            m.nodes_filtered, m.nodes_exhausted
        ));
    }
    let extra = if m.coalesced_failures > 0 {
        format!(
            " ({} more instance{} could not be placed either)",
            m.coalesced_failures,
            if m.coalesced_failures == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    format!(
        "Group {group} cannot be placed: {}{extra}.",
        reasons.join("; ")
    )
}

/// Nomad's nested diff as a list of changed fields with their paths.
pub fn flatten_diff(diff: &JobDiff) -> Vec<PlanChange> {
    let mut out = Vec::new();
    fields(
        &mut out,
        "job",
        diff.fields.as_deref(),
        diff.objects.as_deref(),
    );
    for g in diff.task_groups.iter().flatten() {
        let at = format!("group {}", g.name);
        if matches!(g.diff_type.as_str(), "Added" | "Deleted") {
            out.push(whole(&at, &g.diff_type));
            continue;
        }
        fields(&mut out, &at, g.fields.as_deref(), g.objects.as_deref());
        for t in g.tasks.iter().flatten() {
            let at = format!("{at} › task {}", t.name);
            if matches!(t.diff_type.as_str(), "Added" | "Deleted") {
                out.push(whole(&at, &t.diff_type));
                continue;
            }
            let before = out.len();
            fields(&mut out, &at, t.fields.as_deref(), t.objects.as_deref());
            if let Some(note) = t.annotations.iter().flatten().next()
                && let Some(first) = out.get_mut(before)
            {
                first.note.get_or_insert_with(|| note.clone());
            }
        }
    }
    out
}

fn whole(at: &str, diff_type: &str) -> PlanChange {
    PlanChange {
        path: at.to_owned(),
        kind: kind(diff_type).into(),
        old: String::new(),
        new: String::new(),
        note: None,
    }
}

fn kind(diff_type: &str) -> &'static str {
    match diff_type {
        "Added" => "added",
        "Deleted" => "removed",
        _ => "changed",
    }
}

fn fields(
    out: &mut Vec<PlanChange>,
    at: &str,
    fields_: Option<&[FieldDiff]>,
    objects: Option<&[ObjectDiff]>,
) {
    for f in fields_.unwrap_or_default() {
        if f.diff_type == "None" || (f.old == f.new && f.diff_type != "Added") {
            continue;
        }
        out.push(PlanChange {
            path: format!("{at} › {}", f.name),
            kind: kind(&f.diff_type).into(),
            old: f.old.clone(),
            new: f.new.clone(),
            note: f.annotations.iter().flatten().next().cloned(),
        });
    }
    for o in objects.unwrap_or_default() {
        if o.diff_type == "None" {
            continue;
        }
        fields(
            out,
            &format!("{at} › {}", o.name),
            o.fields.as_deref(),
            o.objects.as_deref(),
        );
    }
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

/// What the app page opens with: the live state, the last deployed spec and its URLs.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The app as Nomad runs it now.
    pub live: AppLive,
    /// The spec of its last successful deploy through the console, if any.
    pub spec: Option<AppSpec>,
    /// The URLs that spec's routes serve.
    pub urls: Vec<String>,
}

/// The app page's first view of `app`: its live state (from the shared watch) and its last deployed spec.
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
    let spec = crate::apps::latest(services, &tenant, app)
        .await?
        .map(|(_, spec)| spec);
    let context = tenant.context(&services.platform)?;
    let urls = spec
        .as_ref()
        .map(|s| crate::apps::urls(s, &context))
        .unwrap_or_default();
    Ok(Overview { live, spec, urls })
}

/// Follows an instance's stdout or stderr (one shared Nomad stream per output, however many viewers).
///
/// # Errors
/// `Invalid` for a bad stream; `NotFound` for an unknown app or instance; authorization and upstream errors.
pub async fn tail(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    instance: Option<&str>,
    stream: Option<&str>,
) -> Result<TailSubscription, DomainError> {
    let log_type = crate::apps::log_type(stream)?;
    let (tenant, nomad, _) = open_app(services, caller, tenant, app, Action::ReadLogs).await?;
    let (alloc, task) = pick_instance(&nomad, &tenant, app, instance).await?;
    Ok(services
        .live
        .tail(&nomad, &tenant.nomad_namespace, &alloc, &task, log_type))
}

/// A stored deploy, numbered among the app's deploys.
#[derive(sqlx::FromRow)]
struct DeployRow {
    n: i64,
    id: Uuid,
    actor: String,
    created_at: time::OffsetDateTime,
    source: String,
    state: String,
    error: Option<String>,
    spec: serde_json::Value,
    job_modify_index: Option<i64>,
    rollout: Option<String>,
    rollout_description: Option<String>,
}

/// Every deploy of `app` the console recorded, newest first (at most `limit`), with how each rollout went:
/// rollouts Nomad finished since are recorded on the way (Nomad forgets old deployments; the console keeps
/// them).
///
/// # Errors
/// Authorization and database errors (Nomad being unreachable only leaves rollouts unknown).
pub async fn versions(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    limit: i64,
) -> Result<Vec<VersionView>, DomainError> {
    let tenant = caller.authorize(&services.db, tenant, Action::View).await?;
    let mut rows: Vec<DeployRow> = sqlx::query_as(
        "SELECT n, id, actor, created_at, source, state, error, spec, job_modify_index, rollout, rollout_description
           FROM (SELECT row_number() OVER (ORDER BY created_at, id) AS n, *
                   FROM deploys WHERE tenant_id = $1 AND app = $2) numbered
          ORDER BY n DESC LIMIT $3",
    )
    .bind(tenant.id)
    .bind(app)
    .bind(limit.clamp(1, 1000))
    .fetch_all(&services.db)
    .await?;
    let mut running: BTreeMap<i64, String> = BTreeMap::new();
    if rows
        .iter()
        .any(|r| r.rollout.is_none() && r.job_modify_index.is_some())
        && let Ok(nomad) = nomad_for(services, &tenant).await
        && let Ok((deployments, _)) = nomad
            .jobs()
            .deployments(&job_id(&tenant, app)?, &query(&tenant))
            .await
    {
        for d in deployments
            .iter()
            .filter(|d| d.namespace == tenant.nomad_namespace)
        {
            let Ok(index) = i64::try_from(d.job_modify_index) else {
                continue;
            };
            let Some(row) = rows
                .iter_mut()
                .find(|r| r.rollout.is_none() && r.job_modify_index == Some(index))
            else {
                continue;
            };
            if matches!(d.status.as_str(), "successful" | "failed" | "cancelled") {
                record_rollout(services, &tenant, app, row.id, d).await?;
                row.rollout = Some(d.status.clone());
                row.rollout_description = Some(d.status_description.clone());
            } else {
                running.insert(index, d.status.clone());
            }
        }
    }
    let current = rows.iter().find(|r| r.state == "submitted").map(|r| r.id);
    Ok(rows
        .into_iter()
        .map(|r| VersionView {
            deploy_id: r.id.to_string(),
            number: r.n,
            at: r
                .created_at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .unwrap_or_default(),
            rollout: match (&r.rollout, &r.rollout_description) {
                (Some(status), Some(description)) if status != "successful" => {
                    Some(format!("{status}: {description}"))
                }
                (Some(status), _) => Some(status.clone()),
                (None, _) => r.job_modify_index.and_then(|i| running.get(&i)).cloned(),
            },
            actor: r.actor,
            source: r.source,
            state: r.state,
            error: r.error,
            image: r
                .spec
                .get("image")
                .and_then(|i| i.as_str())
                .unwrap_or_default()
                .to_owned(),
            current: Some(r.id) == current,
        })
        .collect())
}

/// Records how a deploy's rollout ended, in `deploys` and, the first time, in the audit log.
async fn record_rollout(
    services: &Services,
    tenant: &Tenant,
    app: &str,
    deploy: Uuid,
    d: &np_nomad::types::Deployment,
) -> Result<(), DomainError> {
    let mut tx = services.db.begin().await?;
    let updated = sqlx::query(
        "UPDATE deploys SET rollout = $2, rollout_description = $3, job_version = $4
          WHERE id = $1 AND rollout IS NULL",
    )
    .bind(deploy)
    .bind(&d.status)
    .bind(&d.status_description)
    .bind(i64::try_from(d.job_version).ok())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 1 {
        let record = audit::Record::new("deploy.rollout")
            .tenant(tenant)
            .target("app", app)
            .details(json!({
                "deploy_id": deploy,
                "status": d.status,
                "description": d.status_description,
            }));
        let record = audit::Record {
            nomad: audit::NomadIds {
                deployment_id: Some(d.id.clone()),
                job_version: i64::try_from(d.job_version).ok(),
                job_modify_index: i64::try_from(d.job_modify_index).ok(),
                eval_id: None,
            },
            ..record
        };
        let outcome = if d.status == "successful" {
            audit::Outcome::Success
        } else {
            audit::Outcome::Failure
        };
        audit::event(
            &mut *tx,
            &audit::Actor::of(&Caller::system("Nomad deployment")),
            &record,
            outcome,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn stored_spec(
    services: &Services,
    tenant: &Tenant,
    app: &str,
    deploy: Uuid,
) -> Result<serde_json::Value, DomainError> {
    sqlx::query_scalar("SELECT spec FROM deploys WHERE id = $1 AND tenant_id = $2 AND app = $3")
        .bind(deploy)
        .bind(tenant.id)
        .bind(app)
        .fetch_optional(&services.db)
        .await?
        .ok_or(DomainError::NotFound("version"))
}

/// The fields that differ between two deploys of `app` (`from` the older, `to` the newer).
///
/// # Errors
/// `NotFound` for a deploy of another app or tenant; authorization and database errors.
pub async fn spec_diff(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    from: Uuid,
    to: Uuid,
) -> Result<Vec<SpecChange>, DomainError> {
    let tenant = caller.authorize(&services.db, tenant, Action::View).await?;
    let before = stored_spec(services, &tenant, app, from).await?;
    let after = stored_spec(services, &tenant, app, to).await?;
    Ok(diff_values(&before, &after))
}

/// Every leaf that differs between two JSON documents, by dotted path (array items by index).
pub fn diff_values(before: &serde_json::Value, after: &serde_json::Value) -> Vec<SpecChange> {
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    leaves("", before, &mut a);
    leaves("", after, &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| SpecChange {
            path: p.clone(),
            before: a.get(p).cloned(),
            after: b.get(p).cloned(),
        })
        .collect()
}

fn leaves(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                leaves(&join(k), v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&join(&i.to_string()), v, out);
            }
        }
        serde_json::Value::Null => {}
        serde_json::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// Deploys again the spec `app` had in deploy `version`, as a new deploy (source `rollback`), generated
/// against the tenant's settings of today.
///
/// # Errors
/// `NotFound` for a deploy of another app; as a deploy otherwise.
pub async fn rollback(
    services: &Services,
    caller: &Caller,
    tenant_slug: &str,
    app: &str,
    version: Uuid,
    idempotency_key: Option<String>,
) -> Result<Deployed, DomainError> {
    let tenant = caller
        .authorize(&services.db, tenant_slug, Action::Deploy)
        .await?;
    let spec = stored_spec(services, &tenant, app, version).await?;
    let spec: AppSpec = serde_json::from_value(spec).map_err(|e| {
        DomainError::Conflict(format!(
            "that version's spec no longer reads ({e}); deploy it from the form instead"
        ))
    })?;
    let text = serde_json::to_string(&spec).unwrap_or_default();
    let input = DeployInput {
        text,
        format: Some(np_spec::parse::Format::Spec),
        app: Some(app.to_owned()),
        source: "rollback",
        idempotency_key,
        based_on: None,
    };
    crate::apps::deploy(services, caller, tenant_slug, &input)
        .await?
        .pop()
        .ok_or(DomainError::NotFound("app"))
}

/// Restarts the tasks of one instance, or of every running instance, in place.
///
/// # Errors
/// `NotFound` for an unknown app or instance; authorization and upstream errors.
pub async fn restart(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    instance: Option<&str>,
) -> Result<usize, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Operate).await?;
    let instance = instance.filter(|i| !i.is_empty());
    let record = audit::Record::new("app.restart")
        .tenant(&tenant)
        .target("app", app)
        .details(json!({ "instance": instance }));
    audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || {
            let targets: Vec<String> = match instance {
                Some(one) => vec![pick_instance(&nomad, &tenant, app, Some(one)).await?.0],
                None => {
                    let (allocs, _) = nomad
                        .jobs()
                        .allocations(&job_id, false, &query(&tenant))
                        .await
                        .map_err(nomad_error)?;
                    allocs
                        .into_iter()
                        .filter(|a| {
                            a.namespace == tenant.nomad_namespace
                                && a.desired_status == "run"
                                && a.client_status == "running"
                        })
                        .map(|a| a.id)
                        .collect()
                }
            };
            if targets.is_empty() {
                return Err(DomainError::Conflict(format!(
                    "{app} has no running instance to restart"
                )));
            }
            let options = WriteOptions::namespace(&tenant.nomad_namespace);
            for id in &targets {
                nomad
                    .allocations()
                    .restart(id, None, &options)
                    .await
                    .map_err(nomad_error)?;
            }
            Ok(targets.len())
        },
        |_| audit::NomadIds::default(),
    )
    .await
}

/// Promotes the canaries of `app`'s running deployment.
///
/// # Errors
/// `Conflict` when no deployment waits for promotion; authorization and upstream errors.
pub async fn promote(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
) -> Result<String, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Operate).await?;
    let record = audit::Record::new("app.promote")
        .tenant(&tenant)
        .target("app", app);
    let promoted = audit::around(
        &services.db,
        &audit::Actor::of(caller),
        record,
        async || {
            let (deployment, _) = nomad
                .jobs()
                .latest_deployment(&job_id, &query(&tenant))
                .await
                .map_err(nomad_error)?;
            let Some(deployment) = deployment.filter(|d| d.status == "running") else {
                return Err(DomainError::Conflict(format!(
                    "{app} has no deployment in progress to promote"
                )));
            };
            if deployment.namespace != tenant.nomad_namespace {
                return Err(DomainError::NotFound("app"));
            }
            let answer = nomad
                .deployments()
                .promote(
                    &deployment.id,
                    &[],
                    &WriteOptions::namespace(&tenant.nomad_namespace),
                )
                .await
                .map_err(nomad_error)?;
            Ok((answer.eval_id, deployment.id))
        },
        |(eval, deployment)| audit::NomadIds {
            deployment_id: Some(deployment.clone()),
            ..audit::NomadIds::of_eval(eval)
        },
    )
    .await?;
    Ok(promoted.0)
}

/// A history search through an app's logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LogSearch {
    /// Text the line must contain (case-insensitive).
    pub text: Option<String>,
    /// Only this instance (allocation ID).
    pub instance: Option<String>,
    /// Only `stdout` or `stderr`.
    pub stream: Option<String>,
    /// From, Unix seconds (default: an hour ago).
    pub since: Option<i64>,
    /// Until, Unix seconds (default: now).
    pub until: Option<i64>,
    /// Most lines (default 200, at most 5,000).
    pub limit: Option<usize>,
}

/// Searches `app`'s logs in OpenObserve, newest first. The tenant's namespace and the app's job are always
/// part of the query.
///
/// # Errors
/// `Invalid` for a bad range or stream; `Upstream` when OpenObserve is not configured or fails.
pub async fn search_logs(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    search: &LogSearch,
) -> Result<Vec<LogLine>, DomainError> {
    let tenant = caller
        .authorize(&services.db, tenant, Action::ReadLogs)
        .await?;
    let job_id = job_id(&tenant, app)?;
    let o2 = services
        .upstreams
        .openobserve
        .as_ref()
        .ok_or(DomainError::Upstream {
            service: "openobserve",
            message: "log history needs OpenObserve, and none is configured for this console"
                .into(),
        })?;
    let log_stream = match search.stream.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(stream) => Some(match crate::apps::log_type(Some(stream))? {
            np_nomad::allocations::LogType::Stdout => LogStream::Stdout,
            np_nomad::allocations::LogType::Stderr => LogStream::Stderr,
        }),
    };
    let text = search
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.len() > 500) {
        return Err(DomainError::invalid("text", "at most 500 characters"));
    }
    let instance = search
        .instance
        .as_deref()
        .filter(|i| !i.is_empty())
        .map(|i| {
            if i.len() <= 36 && i.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                Ok(i.to_owned())
            } else {
                Err(DomainError::invalid("instance", "not an allocation ID"))
            }
        })
        .transpose()?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let until = search.until.unwrap_or(now);
    let since = search.since.unwrap_or(until - 3600);
    if since >= until || until - since > 31 * 24 * 3600 {
        return Err(DomainError::invalid(
            "since",
            "the range must start before it ends and span at most 31 days",
        ));
    }
    let query = LogQuery {
        stream: services.platform.log_stream.clone(),
        namespace: tenant.nomad_namespace.clone(),
        job: Some(job_id),
        alloc: instance,
        task: None,
        log_stream,
        text: text.map(str::to_owned),
    };
    let sql = query
        .to_sql()
        .map_err(|e| DomainError::invalid("query", e.to_string()))?;
    let request = SearchRequest {
        query: SearchQuery {
            sql,
            start_time: since * 1_000_000,
            end_time: until * 1_000_000 + 1,
            from: 0,
            size: search.limit.unwrap_or(200).clamp(1, 5000),
        },
        search_type: "ui".into(),
        timeout: 0,
    };
    let answer = o2
        .search(&request)
        .await
        .map_err(|e| DomainError::upstream("openobserve", e))?;
    let text_of = |hit: &serde_json::Map<String, serde_json::Value>, key: &str| {
        hit.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    Ok(answer
        .hits
        .iter()
        .map(|hit| LogLine {
            time_us: hit
                .get("_timestamp")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or_default(),
            instance: text_of(hit, "nomad_alloc_id"),
            stream: text_of(hit, "stream"),
            message: text_of(hit, "message"),
        })
        .collect())
}

/// CPU and memory of `app`'s instances over the last `minutes`: from OpenObserve's Nomad metrics when it is
/// configured, otherwise each running instance's current usage from Nomad.
///
/// # Errors
/// Authorization and upstream errors.
pub async fn metrics(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    minutes: u32,
) -> Result<Metrics, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::View).await?;
    let minutes = f64::from(minutes.clamp(5, 24 * 60));
    if let Some(o2) = &services.upstreams.openobserve {
        let end = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
        let start = end - minutes * 60.0;
        let step = (minutes * 60.0 / 120.0).max(5.0);
        let labels = [
            ("namespace", tenant.nomad_namespace.as_str()),
            ("job", job_id.as_str()),
        ];
        let read = |metric: &'static str, scale: f64| {
            let promql = np_openobserve::query::prom_selector(metric, &labels);
            async move {
                let series = o2
                    .query_range(&promql, start, end, step)
                    .await
                    .map_err(|e| DomainError::upstream("openobserve", e))?;
                let mut by_alloc: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
                for s in series {
                    let alloc = s
                        .metric
                        .get("alloc_id")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    let points = by_alloc.entry(alloc).or_default();
                    for (t, v) in s.points() {
                        match points.iter_mut().find(|(pt, _)| *pt == t) {
                            Some(p) => p.1 += v / scale,
                            None => points.push((t, v / scale)),
                        }
                    }
                }
                Ok::<_, DomainError>(
                    by_alloc
                        .into_iter()
                        .map(|(instance, mut points)| {
                            points.sort_by(|a, b| a.0.total_cmp(&b.0));
                            Series { instance, points }
                        })
                        .collect::<Vec<_>>(),
                )
            }
        };
        let (cpu, memory) = tokio::try_join!(
            read("nomad_client_allocs_cpu_total_percent", 1.0),
            read("nomad_client_allocs_memory_usage", 1024.0 * 1024.0),
        )?;
        return Ok(Metrics {
            source: "openobserve".into(),
            cpu,
            memory,
        });
    }
    let (allocs, _) = nomad
        .jobs()
        .allocations(&job_id, false, &query(&tenant))
        .await
        .map_err(nomad_error)?;
    let mut metrics = Metrics {
        source: "nomad".into(),
        ..Metrics::default()
    };
    for a in allocs
        .iter()
        .filter(|a| a.client_status == "running" && a.namespace == tenant.nomad_namespace)
    {
        let Ok(stats) = nomad.allocations().stats(&a.id, &query(&tenant)).await else {
            continue;
        };
        let t = stats.timestamp as f64 / 1e9;
        let usage = &stats.resource_usage;
        metrics.cpu.push(Series {
            instance: a.id.clone(),
            points: vec![(t, usage.cpu_stats.percent)],
        });
        metrics.memory.push(Series {
            instance: a.id.clone(),
            points: vec![(t, usage.memory_stats.rss as f64 / (1024.0 * 1024.0))],
        });
    }
    Ok(metrics)
}

/// `app`'s services as Consul sees them (instances, tags, checks) and the routes Traefik builds from them.
///
/// # Errors
/// Authorization and upstream errors; `Upstream` when Consul is not configured.
pub async fn services_view(
    services: &Services,
    caller: &Caller,
    tenant_slug: &str,
    app: &str,
) -> Result<ServicesView, DomainError> {
    let (tenant, nomad, job_id) =
        open_app(services, caller, tenant_slug, app, Action::View).await?;
    let consul = services
        .upstreams
        .consul
        .as_ref()
        .ok_or(DomainError::Upstream {
            service: "consul",
            message: "no Consul is configured for this console".into(),
        })?;
    let job = tenant_job(&nomad, &tenant, &job_id).await?;
    let mut names: Vec<String> = Vec::new();
    for group in job.task_groups.iter().flatten() {
        let task_services = group
            .tasks
            .iter()
            .flatten()
            .flat_map(|t| t.services.iter().flatten());
        for service in group.services.iter().flatten().chain(task_services) {
            if let Some(name) = &service.name
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
    }
    let mut view = ServicesView::default();
    let mut rules: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for name in names {
        let (entries, _) = consul
            .health()
            .service(&name, false, &np_consul::QueryOptions::default())
            .await
            .map_err(|e| DomainError::upstream("consul", e))?;
        let mut instances = Vec::new();
        for entry in entries {
            let tags = entry.service.tags.clone().unwrap_or_default();
            let canary = tags.iter().any(|t| t == "canary");
            for tag in &tags {
                if let Some((router, rule)) = tag
                    .strip_prefix("traefik.http.routers.")
                    .and_then(|t| t.split_once(".rule="))
                {
                    rules
                        .entry(router.to_owned())
                        .or_insert_with(|| (rule.to_owned(), canary));
                }
            }
            instances.push(ServiceInstanceView {
                id: entry.service.id.clone(),
                node: entry.node.node.clone(),
                address: format!(
                    "{}:{}",
                    if entry.service.address.is_empty() {
                        &entry.node.address
                    } else {
                        &entry.service.address
                    },
                    entry.service.port
                ),
                status: entry.aggregated_status().to_owned(),
                checks: entry
                    .checks
                    .iter()
                    .filter(|c| c.service_id == entry.service.id || c.service_id.is_empty())
                    .map(|c| CheckView {
                        name: c.name.clone(),
                        status: c.status.clone(),
                        output: c.output.chars().take(500).collect(),
                    })
                    .collect(),
                tags,
            });
        }
        view.services.push(ServiceView { name, instances });
    }
    let context = tenant.context(&services.platform)?;
    let scheme = if context.ingress.tls { "https" } else { "http" };
    view.routes = rules
        .into_values()
        .map(|(rule, canary)| RouteView {
            url: url_of_rule(scheme, &rule).unwrap_or_default(),
            rule,
            canary,
        })
        .collect();
    Ok(view)
}

/// The URL a Traefik rule `Host(`a`) && PathPrefix(`/p`)` serves.
fn url_of_rule(scheme: &str, rule: &str) -> Option<String> {
    let arg = |name: &str| {
        let start = rule.find(&format!("{name}(`"))? + name.len() + 2;
        let end = rule[start..].find('`')? + start;
        Some(rule[start..end].to_owned())
    };
    let host = arg("Host")?;
    let path = arg("PathPrefix").unwrap_or_else(|| "/".into());
    Some(format!("{scheme}://{host}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn memory_exhaustion_is_said_plainly() {
        let m = AllocationMetric {
            nodes_evaluated: 3,
            nodes_in_pool: 3,
            nodes_exhausted: 3,
            dimension_exhausted: Some([("memory".to_owned(), 3)].into()),
            coalesced_failures: 1,
            ..AllocationMetric::default()
        };
        assert_eq!(
            placement_failure("web", "default", &m),
            "Group web cannot be placed: not enough memory on any node in pool default (3 of 3 nodes full) \
             (1 more instance could not be placed either)."
        );
        let empty = AllocationMetric::default();
        assert!(placement_failure("web", "gpu", &empty).contains("there are no nodes in pool gpu"));
    }

    #[test]
    fn diffs_are_flattened_with_their_paths() {
        let diff: JobDiff = serde_json::from_value(json!({
            "Type": "Edited", "ID": "acme-web",
            "Fields": [{"Type": "None", "Name": "Priority", "Old": "50", "New": "50"}],
            "TaskGroups": [{
                "Type": "Edited", "Name": "web",
                "Fields": [{"Type": "Edited", "Name": "Count", "Old": "1", "New": "3"}],
                "Tasks": [{
                    "Type": "Edited", "Name": "web",
                    "Annotations": ["forces create/destroy update"],
                    "Objects": [{"Type": "Edited", "Name": "Config", "Fields": [
                        {"Type": "Edited", "Name": "image", "Old": "nginx:1.26", "New": "nginx:1.27"}]}]
                }]
            }]
        }))
        .unwrap();
        let changes = flatten_diff(&diff);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].path, "group web › Count");
        assert_eq!(
            (changes[0].old.as_str(), changes[0].new.as_str()),
            ("1", "3")
        );
        assert_eq!(changes[1].path, "group web › task web › Config › image");
        assert_eq!(
            changes[1].note.as_deref(),
            Some("forces create/destroy update")
        );
    }

    #[test]
    fn spec_diffs_name_each_leaf() {
        let a = json!({"image": "web:1", "env": {"A": "1", "B": "2"}, "routes": [{"host": "a"}]});
        let b =
            json!({"image": "web:2", "env": {"A": "1"}, "routes": [{"host": "a"}, {"host": "b"}]});
        let d = diff_values(&a, &b);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["env.B", "image", "routes.1.host"]);
        assert_eq!(d[0].after, None);
        assert_eq!(d[2].before, None);
    }

    #[test]
    fn route_urls_come_from_traefik_rules() {
        assert_eq!(
            url_of_rule(
                "https",
                "Host(`web.acme.example.com`) && PathPrefix(`/api`)"
            )
            .as_deref(),
            Some("https://web.acme.example.com/api")
        );
        assert_eq!(
            url_of_rule("http", "Host(`web.acme.example.com`)").as_deref(),
            Some("http://web.acme.example.com/")
        );
    }
}
