//! An app's versions: every deploy the console recorded, tied to what Nomad runs now and how each rollout
//! ended; the spec changes between two; and deploying an earlier one again (a rollback) or the running one
//! after a stop (a start).

use std::collections::BTreeMap;

use np_spec::AppSpec;
use np_spec::ops::{SpecChange, VersionView};
use uuid::Uuid;

use crate::apps::{DeployInput, Deployed, job_id, nomad_for, query};
use crate::authz::{Action, Caller};
use crate::deploys::{self, HistoryRow};
use crate::running::{How, Running};
use crate::{DomainError, Services};

/// Every deploy of `app` the console recorded, newest first (at most `limit`): which one Nomad runs now and
/// how it came to, how each rollout ended (recorded by the rollout follower; while it runs, Nomad's status
/// now), and what became of each since.
///
/// # Errors
/// Authorization and database errors (Nomad being unreachable only leaves what it knows out).
pub async fn versions(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    limit: i64,
) -> Result<Vec<VersionView>, DomainError> {
    let tenant = caller.authorize(&services.db, tenant, Action::View).await?;
    let rows = deploys::history(&services.db, tenant.id, app, limit.clamp(1, 1000)).await?;
    let job_id = job_id(&tenant, app)?;
    let nomad = nomad_for(services, &tenant).await.ok();
    let q = query(&tenant);
    let (running, deployments) = match &nomad {
        Some(nomad) => {
            let jobs = nomad.jobs();
            tokio::join!(
                crate::running::running(services, nomad, &tenant, &job_id, app),
                jobs.deployments(&job_id, &q),
            )
        }
        None => return Ok(rows.iter().map(|r| view(r, None, &[], &[])).collect()),
    };
    let running = running.ok();
    // Nomad's status of each deployment not yet recorded as ended, by the JobModifyIndex it rolls out.
    let live: Vec<(i64, String, String)> = deployments
        .map(|(list, _)| list)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.namespace == tenant.nomad_namespace)
        .filter_map(|d| {
            Some((
                i64::try_from(d.job_modify_index).ok()?,
                d.status,
                d.status_description,
            ))
        })
        .collect();
    let numbers: Vec<(i64, i64)> = rows
        .iter()
        .filter_map(|r| Some((r.job_modify_index?, r.number)))
        .collect();
    Ok(rows
        .iter()
        .map(|r| view(r, running.as_ref(), &live, &numbers))
        .collect())
}

/// One row of the versions list.
fn view(
    r: &HistoryRow,
    running: Option<&Running>,
    live: &[(i64, String, String)],
    numbers: &[(i64, i64)],
) -> VersionView {
    let current = running.is_some_and(|run| run.deploy_id() == Some(r.id));
    let nomad_now = r
        .job_modify_index
        .and_then(|i| live.iter().find(|(index, _, _)| *index == i));
    let rollout = match (&r.rollout, &r.rollout_description) {
        (Some(status), Some(description)) if status != "successful" => {
            Some(format!("{status}: {description}"))
        }
        (Some(status), _) => Some(status.clone()),
        (None, _) => nomad_now.map(|(_, status, description)| {
            if matches!(status.as_str(), "successful" | "running") {
                status.clone()
            } else {
                format!("{status}: {description}")
            }
        }),
    };
    let description = r
        .rollout_description
        .as_deref()
        .or(nomad_now.map(|(_, _, d)| d.as_str()))
        .unwrap_or_default();
    let reverted_to = crate::live::rolled_back_to(description);
    let mut notes = Vec::new();
    if let Some(to) = reverted_to {
        // Which deploy's spec Nomad went back to, when the console knows the version.
        let deploy = running
            .and_then(|run| run.versions.iter().find(|(v, _)| *v == to))
            .and_then(|(_, index)| {
                numbers
                    .iter()
                    .find(|(i, _)| u64::try_from(*i).ok() == Some(*index))
            })
            .map(|(_, n)| format!(" (deploy #{n}'s spec)"))
            .unwrap_or_default();
        notes.push(format!(
            "Failed; Nomad reverted to job version {to}{deploy}."
        ));
    }
    if let Some(run) = running.filter(|_| current) {
        notes.push(match run.how {
            How::Deployed => "Nomad runs this now.".to_owned(),
            How::Scaled => format!(
                "Nomad runs this now, scaled since (job version {}).",
                run.version()
            ),
            How::Reverted => format!(
                "Nomad runs this spec again as job version {}, after a later version was reverted.",
                run.version()
            ),
            How::ChangedOutside => format!(
                "Nomad runs a version changed outside the console since this deploy (job version {}: {}).",
                run.version(),
                run.changed_outside.join(", ")
            ),
            How::Unrecorded => String::new(),
        });
    }
    let job_version = r
        .job_version
        .and_then(|v| u64::try_from(v).ok())
        .or_else(|| {
            let index = u64::try_from(r.job_modify_index?).ok()?;
            running?
                .versions
                .iter()
                .find(|(_, i)| *i == index)
                .map(|(v, _)| *v)
        });
    VersionView {
        deploy_id: r.id.to_string(),
        number: r.number,
        at: r
            .created_at
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .unwrap_or_default(),
        rollout,
        actor: r.actor.clone(),
        source: r.source.clone(),
        state: r.state.clone(),
        error: r.error.clone(),
        image: r
            .spec
            .get("image")
            .and_then(|i| i.as_str())
            .unwrap_or_default()
            .to_owned(),
        job_version,
        current,
        note: (!notes.is_empty()).then(|| notes.join(" ")),
    }
}

async fn stored_spec(
    services: &Services,
    tenant_id: Uuid,
    app: &str,
    deploy: Uuid,
) -> Result<serde_json::Value, DomainError> {
    deploys::spec(&services.db, tenant_id, app, deploy)
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
    let before = stored_spec(services, tenant.id, app, from).await?;
    let after = stored_spec(services, tenant.id, app, to).await?;
    Ok(diff_values(&before, &after))
}

/// Every leaf that differs between two JSON documents, by dotted path (array items by index).
pub fn diff_values(before: &serde_json::Value, after: &serde_json::Value) -> Vec<SpecChange> {
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    np_spec::from_job::leaves("", before, &mut a);
    np_spec::from_job::leaves("", after, &mut b);
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
    let spec = stored_spec(services, tenant.id, app, version).await?;
    let spec: AppSpec = serde_json::from_value(spec).map_err(|e| {
        DomainError::Conflict(format!(
            "that version's spec no longer reads ({e}); deploy it from the form instead"
        ))
    })?;
    redeploy(
        services,
        caller,
        tenant_slug,
        &spec,
        "rollback",
        idempotency_key,
    )
    .await
}

/// Deploys `spec` of one app again as a new deploy from `source`.
pub(crate) async fn redeploy(
    services: &Services,
    caller: &Caller,
    tenant_slug: &str,
    spec: &AppSpec,
    source: &'static str,
    idempotency_key: Option<String>,
) -> Result<Deployed, DomainError> {
    let input = DeployInput {
        text: serde_json::to_string(spec).unwrap_or_default(),
        format: Some(np_spec::parse::Format::Spec),
        app: Some(spec.name.to_string()),
        source,
        idempotency_key,
        based_on: None,
    };
    crate::apps::deploy(services, caller, tenant_slug, &input)
        .await?
        .pop()
        .ok_or(DomainError::NotFound("app"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
