//! Every deploy's rollout, followed to its end by the console itself, whether or not anyone watches: the
//! outcome Nomad reached (successful, failed and perhaps reverted, cancelled) is recorded with the time Nomad
//! reached it, in `deploys` and in the audit log.
//!
//! The work list is in Postgres (submitted deploys without an outcome), so a console that restarts picks up
//! where it left off. With several replicas, one follows at a time: the one holding a session-level advisory
//! lock on its own connection; when that replica dies, its connection and lock go, and another takes over.

use std::collections::BTreeMap;
use std::time::Duration;

use np_nomad::types::Deployment;
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit;
use crate::authz::Caller;
use crate::deploys::{self, Following, Outcome};
use crate::tenants::Tenant;
use crate::{DomainError, Services};

/// The advisory lock whose holder follows rollouts (any constant the other locks do not use).
const LEADER_LOCK: i64 = 0x6e70_726f_6c6c;
/// How long a newer version may go without a deployment for an older deploy before the older is called
/// superseded (Nomad cancels an older deployment when a newer version is registered; a version replaced
/// before its deployment was created never gets one).
const SUPERSEDED_AFTER: Duration = Duration::from_secs(60);
/// How long a deploy may go without any deployment before the console stops looking.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3600);

/// Follows rollouts every `every`, on this replica while it holds the leader lock; never returns.
pub async fn follow(services: Services, every: Duration) {
    let every = every.max(Duration::from_millis(200));
    loop {
        let Some(mut leader) = lead(&services).await else {
            tokio::time::sleep(every * 5).await;
            continue;
        };
        tracing::debug!("this replica follows rollouts");
        loop {
            match tick(&services).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(recorded = n, "recorded rollout outcomes"),
                Err(e) => tracing::warn!(error = %e, "following rollouts failed"),
            }
            tokio::time::sleep(every).await;
            // The lock lives as long as its connection: when that is gone, so is the leadership.
            if sqlx::query_scalar!("SELECT 1 AS one")
                .fetch_one(&mut leader)
                .await
                .is_err()
            {
                tracing::warn!("lost the rollout follower's lock; trying to take it again");
                break;
            }
        }
    }
}

/// A connection holding the leader lock, if this replica could take it.
pub async fn lead(services: &Services) -> Option<PgConnection> {
    let mut conn = services.db.acquire().await.ok()?.detach();
    let held = sqlx::query_scalar!("SELECT pg_try_advisory_lock($1)", LEADER_LOCK)
        .fetch_one(&mut conn)
        .await
        .ok()
        .flatten()?;
    held.then_some(conn)
}

/// Looks once at every rollout still followed; answers how many outcomes it recorded.
///
/// # Errors
/// When the work list cannot be read. Nomad failing for one app leaves that app for the next round.
pub async fn tick(services: &Services) -> Result<usize, DomainError> {
    let pending = deploys::following(&services.db, 500).await?;
    let mut by_job: BTreeMap<(Uuid, String), Vec<Following>> = BTreeMap::new();
    for deploy in pending {
        by_job
            .entry((deploy.tenant_id, deploy.job_id.clone()))
            .or_default()
            .push(deploy);
    }
    let mut recorded = 0;
    for ((tenant_id, job_id), deploys) in by_job {
        match follow_job(services, tenant_id, &job_id, &deploys).await {
            Ok(n) => recorded += n,
            Err(e) => tracing::warn!(job = job_id, error = %e, "could not follow a rollout"),
        }
    }
    Ok(recorded)
}

/// Records the outcomes Nomad has reached for `deploys` of one job.
async fn follow_job(
    services: &Services,
    tenant_id: Uuid,
    job_id: &str,
    deploys: &[Following],
) -> Result<usize, DomainError> {
    let tenant = crate::tenants::by_id(&services.db, tenant_id).await?;
    let nomad = crate::apps::nomad_for(services, &tenant).await?;
    let q = crate::apps::query(&tenant);
    let jobs = nomad.jobs();
    let (deployments, current_index) =
        match tokio::try_join!(jobs.deployments(job_id, &q), jobs.info(job_id, &q)) {
            Ok(((deployments, _), (job, _))) => (deployments, job.job_modify_index.unwrap_or(0)),
            Err(e) if e.is_not_found() => {
                let mut n = 0;
                for d in deploys {
                    let outcome = Outcome {
                        status: "cancelled",
                        description: "the job is no longer in Nomad (purged)",
                        job_version: None,
                        at: None,
                    };
                    n += usize::from(record(services, &tenant, d, &outcome, None).await?);
                }
                return Ok(n);
            }
            Err(e) => return Err(DomainError::upstream("nomad", e)),
        };
    let now = OffsetDateTime::now_utc();
    let mut n = 0;
    for d in deploys {
        let age = now - d.created_at;
        let deployment = deployments
            .iter()
            .filter(|dep| {
                dep.namespace == tenant.nomad_namespace
                    && i64::try_from(dep.job_modify_index).ok() == Some(d.job_modify_index)
            })
            .max_by_key(|dep| dep.create_index);
        let recorded = match deployment {
            Some(dep) if matches!(dep.status.as_str(), "successful" | "failed" | "cancelled") => {
                let outcome = Outcome {
                    status: &dep.status,
                    description: &dep.status_description,
                    job_version: i64::try_from(dep.job_version).ok(),
                    at: nomad_time(dep.modify_time),
                };
                record(services, &tenant, d, &outcome, Some(dep)).await?
            }
            Some(_) => false,
            None if i64::try_from(current_index).ok() > Some(d.job_modify_index)
                && age > SUPERSEDED_AFTER =>
            {
                let outcome = Outcome {
                    status: "superseded",
                    description: "a newer version was registered before this one had a deployment",
                    job_version: None,
                    at: None,
                };
                record(services, &tenant, d, &outcome, None).await?
            }
            None if age > GIVE_UP_AFTER => {
                let outcome = Outcome {
                    status: "none",
                    description: "Nomad created no deployment for this version",
                    job_version: None,
                    at: None,
                };
                record(services, &tenant, d, &outcome, None).await?
            }
            None => false,
        };
        n += usize::from(recorded);
    }
    Ok(n)
}

/// Nomad's nanosecond timestamp as a time (none for 0).
fn nomad_time(nanos: i64) -> Option<OffsetDateTime> {
    (nanos > 0)
        .then(|| OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).ok())
        .flatten()
}

/// Records one outcome in `deploys` and, the first time, as a `deploy.rollout` audit event carrying the time
/// Nomad reached it.
async fn record(
    services: &Services,
    tenant: &Tenant,
    deploy: &Following,
    outcome: &Outcome<'_>,
    deployment: Option<&Deployment>,
) -> Result<bool, DomainError> {
    let mut tx = services.db.begin().await?;
    let first = deploys::record_rollout(&mut *tx, deploy.id, outcome).await?;
    if first {
        let nomad_time = outcome.at.and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        });
        let mut record = audit::Record::new("deploy.rollout")
            .tenant(tenant)
            .target("app", &deploy.app)
            .details(json!({
                "deploy_id": deploy.id,
                "status": outcome.status,
                "description": outcome.description,
                "nomad_time": nomad_time,
            }));
        record.nomad = audit::NomadIds {
            deployment_id: deployment.map(|d| d.id.clone()),
            job_version: outcome.job_version,
            job_modify_index: Some(deploy.job_modify_index),
            eval_id: None,
        };
        let result = if outcome.status == "successful" {
            audit::Outcome::Success
        } else {
            audit::Outcome::Failure
        };
        audit::event(
            &mut *tx,
            &audit::Actor::of(&Caller::system("Nomad deployment")),
            &record,
            result,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(first)
}
