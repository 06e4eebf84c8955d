//! Restarting an app's instances (one, all at once, or rolling: a batch at a time, each healthy again before
//! the next, as the job's update block says) and promoting canaries.

use std::time::Duration;

use np_nomad::types::{AllocationListStub, Job};
use np_nomad::{Nomad, WriteOptions};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::nomad_error;
use crate::apps::{open_app, pick_instance, query, tenant_job};
use crate::audit;
use crate::authz::{Action, Caller};
use crate::tenants::Tenant;
use crate::{DomainError, Services};

/// Which instances a restart restarts, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartMode {
    /// One instance (allocation ID or its first 8 characters).
    One(String),
    /// Every running instance, `max_parallel` at a time (the job's update block), each batch healthy again
    /// before the next: no downtime for an app with more than one instance. Carries on in the background.
    Rolling,
    /// Every running instance at once: the app is down while they restart.
    AllAtOnce,
}

/// Polling interval while a rolling restart waits for a batch.
const POLL: Duration = Duration::from_millis(500);

/// Restarts `app`'s instances as `mode` says; answers how many it restarts. A rolling restart answers once
/// it has started and records its result when the last batch is healthy (or one failed to come back).
///
/// # Errors
/// `Conflict` when no instance runs; `NotFound` for an unknown app or instance; authorization and upstream
/// errors.
pub async fn restart(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    mode: RestartMode,
) -> Result<usize, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::Operate).await?;
    let (instance, how) = match &mode {
        RestartMode::One(id) => (Some(id.as_str()), "one"),
        RestartMode::Rolling => (None, "rolling"),
        RestartMode::AllAtOnce => (None, "all at once"),
    };
    let record = audit::Record::new("app.restart")
        .tenant(&tenant)
        .target("app", app)
        .details(json!({ "instance": instance, "mode": how }));
    let actor = audit::Actor::of(caller);
    if mode != RestartMode::Rolling {
        return audit::around(
            &services.db,
            &actor,
            record,
            async || {
                let targets = match instance {
                    Some(one) => vec![pick_instance(&nomad, &tenant, app, Some(one)).await?.0],
                    None => running_instances(&nomad, &tenant, &job_id, app).await?,
                };
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
        .await;
    }
    let job = tenant_job(&nomad, &tenant, &job_id).await?;
    let targets = running_instances(&nomad, &tenant, &job_id, app).await?;
    let pending = audit::begin(&services.db, &actor, record).await?;
    let count = targets.len();
    let services = services.clone();
    let app = app.to_owned();
    let consul = services.upstreams.consul.clone();
    tokio::spawn(async move {
        let result = rolling(&nomad, consul.as_ref(), &tenant, &job, &app, &targets).await;
        pending
            .settle(
                &services.db,
                &result,
                audit::NomadIds::default(),
                json!({ "restarted": result.as_ref().ok() }),
            )
            .await;
        if let Err(e) = result {
            tracing::warn!(job = job.id.as_deref().unwrap_or_default(), error = %e, "a rolling restart stopped");
        }
    });
    Ok(count)
}

/// The app's instances Nomad runs now, oldest first.
async fn running_instances(
    nomad: &Nomad,
    tenant: &Tenant,
    job_id: &str,
    app: &str,
) -> Result<Vec<String>, DomainError> {
    let (mut allocs, _) = nomad
        .jobs()
        .allocations(job_id, false, &query(tenant))
        .await
        .map_err(nomad_error)?;
    allocs.retain(|a: &AllocationListStub| {
        a.namespace == tenant.nomad_namespace
            && a.desired_status == "run"
            && a.client_status == "running"
    });
    if allocs.is_empty() {
        return Err(DomainError::Conflict(format!(
            "{app} has no running instance to restart"
        )));
    }
    allocs.sort_by_key(|a| a.create_index);
    Ok(allocs.into_iter().map(|a| a.id).collect())
}

/// Restarts `targets` `max_parallel` at a time, waiting after each batch until every instance of it runs
/// again, passes its Consul checks and has stayed so for `min_healthy_time` (within `healthy_deadline`).
async fn rolling(
    nomad: &Nomad,
    consul: Option<&np_consul::Consul>,
    tenant: &Tenant,
    job: &Job,
    app: &str,
    targets: &[String],
) -> Result<usize, DomainError> {
    let group = np_spec::from_job::main_group(job, app);
    let update = group
        .and_then(|g| g.update.clone())
        .or_else(|| job.update.clone())
        .unwrap_or_else(np_nomad::types::UpdateStrategy::nomad_default);
    let batch = usize::try_from(update.max_parallel.unwrap_or(1).max(1)).unwrap_or(1);
    let healthy_for = nanos(update.min_healthy_time.unwrap_or(0));
    let deadline =
        nanos(update.healthy_deadline.unwrap_or(300_000_000_000)).max(Duration::from_secs(5));
    let services: Vec<String> = group
        .into_iter()
        .flat_map(|g| {
            let task_services = g
                .tasks
                .iter()
                .flatten()
                .flat_map(|t| t.services.iter().flatten());
            g.services.iter().flatten().chain(task_services)
        })
        .filter_map(|s| s.name.clone())
        .collect();
    let options = WriteOptions::namespace(&tenant.nomad_namespace);
    for chunk in targets.chunks(batch) {
        let issued = time::OffsetDateTime::now_utc();
        for id in chunk {
            nomad
                .allocations()
                .restart(id, None, &options)
                .await
                .map_err(nomad_error)?;
        }
        for id in chunk {
            let ready = async {
                loop {
                    if back(nomad, consul, tenant, id, issued, &services).await? {
                        return Ok::<_, DomainError>(());
                    }
                    tokio::time::sleep(POLL).await;
                }
            };
            tokio::time::timeout(deadline, ready).await.map_err(|_| {
                DomainError::Conflict(format!(
                    "instance {} did not become healthy again after its restart; the rest were not restarted",
                    id.get(..8).unwrap_or(id)
                ))
            })??;
        }
        tokio::time::sleep(healthy_for).await;
    }
    Ok(targets.len())
}

fn nanos(n: i64) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(0))
}

/// Whether instance `id` runs again after a restart issued at `issued`: every task running and restarted
/// since, and its Consul checks passing.
async fn back(
    nomad: &Nomad,
    consul: Option<&np_consul::Consul>,
    tenant: &Tenant,
    id: &str,
    issued: time::OffsetDateTime,
    services: &[String],
) -> Result<bool, DomainError> {
    let (alloc, _) = nomad
        .allocations()
        .info(id, &query(tenant))
        .await
        .map_err(nomad_error)?;
    if alloc.client_status != "running" {
        if matches!(alloc.client_status.as_str(), "failed" | "lost" | "complete") {
            return Err(DomainError::Conflict(format!(
                "instance {} {} after its restart; the rest were not restarted",
                id.get(..8).unwrap_or(id),
                alloc.client_status
            )));
        }
        return Ok(false);
    }
    let restarted = alloc.task_states.iter().flatten().all(|(_, state)| {
        state.state == "running"
            && state
                .last_restart
                .as_deref()
                .and_then(|t| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .is_some_and(|t| t + Duration::from_secs(1) >= issued)
    });
    if !restarted {
        return Ok(false);
    }
    let Some(consul) = consul else {
        return Ok(true);
    };
    for name in services {
        let (entries, _) = consul
            .health()
            .service(name, false, &np_consul::QueryOptions::default())
            .await
            .map_err(|e| DomainError::upstream("consul", e))?;
        let passing = entries
            .iter()
            .filter(|e| e.service.id.contains(id))
            .all(|e| e.aggregated_status() == "passing");
        if !passing {
            return Ok(false);
        }
    }
    Ok(true)
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
