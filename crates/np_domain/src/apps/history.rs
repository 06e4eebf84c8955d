//! What the console recorded of an app's deploys, as later deploys need it: the tenant's usage, the latest
//! spec, whether an edit is stale, and the outcome of an earlier submission with the same key.

use np_nomad::{Nomad, QueryOptions};
use np_spec::names::DerivedNames;
use np_spec::{AppSpec, TenantContext};
use uuid::Uuid;

use super::{Deployed, query, urls};
use crate::tenants::Tenant;
use crate::{DomainError, Services};

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
    let prefix = DerivedNames::job_prefix(&tenant.slug);
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
        .filter_map(|j| DerivedNames::app_of(&tenant.slug, &j.id).map(|a| a.to_string()))
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
pub(super) async fn check_not_changed(
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
pub(super) async fn earlier_deploy(
    services: &Services,
    tenant: &Tenant,
    app: &str,
    key: &str,
    spec: &AppSpec,
    context: &TenantContext,
) -> Result<Option<Deployed>, DomainError> {
    let Some(earlier) =
        crate::deploys::by_idempotency_key(&services.db, tenant.id, app, key).await?
    else {
        return Ok(None);
    };
    // A key names one request: the same key with another document is a mistake, never a silent no-op.
    if serde_json::from_value::<AppSpec>(earlier.spec)
        .ok()
        .as_ref()
        != Some(spec)
    {
        return Err(DomainError::invalid(
            "idempotency_key",
            "this key was used for a different request; send a new key for a new deploy",
        ));
    }
    let crate::deploys::Keyed {
        id: deploy_id,
        job_id,
        state,
        eval_id,
        error,
        ..
    } = earlier;
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
