//! A job's deployments as the scheduler keeps them: the one for the current version, creating and cancelling
//! them, the canaries a halted one no longer needs, and the blocked evaluation a placement failure leaves
//! (`scheduler/reconciler/reconcile_cluster.go`, `scheduler/generic_sched.go`).

use std::collections::BTreeMap;

use np_nomad::types::{AllocationMetric, Deployment, DeploymentState, Evaluation, Job};

use super::group_update;
use super::placement::request_stop;
use crate::state::{Cluster, JobKey, now_nanos};

/// The job's active deployment for its current version, if any.
pub(crate) fn current_deployment(cluster: &Cluster, key: &JobKey) -> Option<Deployment> {
    let version = cluster.jobs.get(key)?.current().version.unwrap_or(0);
    active_deployment(cluster, key).filter(|d| d.job_version == version)
}

pub(super) fn active_deployment(cluster: &Cluster, key: &JobKey) -> Option<Deployment> {
    cluster
        .deployments
        .values()
        .filter(|d| d.job_id == key.id && d.namespace == key.namespace && !d.is_terminal())
        .max_by_key(|d| d.create_index)
        .cloned()
}

/// Ends every active deployment of the job with `description`.
pub(crate) fn cancel_deployments(cluster: &mut Cluster, key: &JobKey, description: &str) {
    let ids: Vec<String> = cluster
        .deployments
        .values()
        .filter(|d| d.job_id == key.id && d.namespace == key.namespace && !d.is_terminal())
        .map(|d| d.id.clone())
        .collect();
    for id in ids {
        let index = cluster.bump();
        if let Some(d) = cluster.deployments.get_mut(&id) {
            d.status = "cancelled".into();
            d.status_description = description.into();
            d.modify_index = index;
            d.modify_time = now_nanos();
            let payload = serde_json::json!({"Deployment": d});
            let (ns, job) = (d.namespace.clone(), d.job_id.clone());
            cluster.emit(
                "Deployment",
                "DeploymentStatusUpdate",
                &id,
                &ns,
                vec![job],
                payload,
            );
        }
    }
}

pub(super) fn create_deployment(
    cluster: &mut Cluster,
    job: &Job,
    key: &JobKey,
    has_old: &BTreeMap<String, bool>,
) -> Deployment {
    cancel_deployments(cluster, key, "Cancelled due to newer version of job");
    let index = cluster.bump();
    let now = now_nanos();
    let mut groups = BTreeMap::new();
    for group in job.task_groups.iter().flatten() {
        let name = group.name.clone().unwrap_or_default();
        let update = group_update(job, group);
        let progress = update.progress_deadline.unwrap_or(0);
        let canaries = if has_old.get(&name).copied().unwrap_or(false) {
            update.canary.unwrap_or(0).max(0)
        } else {
            0
        };
        groups.insert(
            name,
            DeploymentState {
                auto_revert: update.auto_revert.unwrap_or(false),
                auto_promote: update.auto_promote.unwrap_or(false),
                progress_deadline: progress,
                require_progress_by: (progress > 0)
                    .then(|| crate::state::rfc3339(now + cluster.config.scaled_nanos(progress))),
                desired_canaries: canaries,
                desired_total: group.count.unwrap_or(1),
                ..DeploymentState::default()
            },
        );
    }
    let deployment = Deployment {
        id: Cluster::uuid(),
        namespace: key.namespace.clone(),
        job_id: key.id.clone(),
        job_version: job.version.unwrap_or(0),
        job_modify_index: job.job_modify_index.unwrap_or(0),
        job_spec_modify_index: job.job_modify_index.unwrap_or(0),
        job_create_index: job.create_index.unwrap_or(0),
        task_groups: groups,
        status: "running".into(),
        status_description: if has_old.values().any(|v| *v)
            && job
                .task_groups
                .iter()
                .flatten()
                .any(|g| group_update(job, g).canary.unwrap_or(0) > 0)
        {
            "Deployment is running but requires manual promotion".into()
        } else {
            "Deployment is running".into()
        },
        create_index: index,
        modify_index: index,
        create_time: now,
        modify_time: now,
        ..Deployment::default()
    };
    // Created by the scheduler's plan, so its first event is the plan's (`ApplyPlanResultsRequestType` in
    // `nomad/state/events.go`).
    cluster.emit(
        "Deployment",
        "PlanResult",
        &deployment.id,
        &key.namespace,
        vec![key.id.clone()],
        serde_json::json!({"Deployment": deployment}),
    );
    cluster
        .deployments
        .insert(deployment.id.clone(), deployment.clone());
    deployment
}

pub(super) fn record_failure(
    cluster: &mut Cluster,
    key: &JobKey,
    eval_id: Option<&str>,
    group: &str,
    metric: Box<AllocationMetric>,
) {
    let index = cluster.bump();
    let now = now_nanos();
    if let Some(eval) = eval_id.and_then(|id| cluster.evals.get_mut(id)) {
        eval.failed_tg_allocs
            .get_or_insert_with(BTreeMap::new)
            .insert(group.to_owned(), *metric);
        if eval.blocked_eval.is_empty() {
            let blocked = Evaluation {
                id: Cluster::uuid(),
                priority: eval.priority,
                eval_type: eval.eval_type.clone(),
                triggered_by: "queued-allocs".into(),
                namespace: key.namespace.clone(),
                job_id: key.id.clone(),
                status: "blocked".into(),
                status_description: "created to place remaining allocations".into(),
                previous_eval: eval.id.clone(),
                create_index: index,
                modify_index: index,
                create_time: now,
                modify_time: now,
                ..Evaluation::default()
            };
            eval.blocked_eval = blocked.id.clone();
            cluster.emit(
                "Evaluation",
                "EvaluationUpdated",
                &blocked.id,
                &key.namespace,
                vec![key.id.clone()],
                serde_json::json!({"Evaluation": blocked}),
            );
            cluster.evals.insert(blocked.id.clone(), blocked);
        }
    }
}

/// Completes the job's blocked evaluations once everything is placed.
pub(super) fn unblock(cluster: &mut Cluster, key: &JobKey, queued: &BTreeMap<String, i64>) {
    let blocked: Vec<String> = cluster
        .evals
        .values()
        .filter(|e| e.job_id == key.id && e.namespace == key.namespace && e.status == "blocked")
        .map(|e| e.id.clone())
        .collect();
    for id in blocked {
        let index = cluster.bump();
        if let Some(e) = cluster.evals.get_mut(&id) {
            e.status = "complete".into();
            e.status_description = "evaluation unblocked".into();
            e.queued_allocations = Some(queued.clone());
            e.modify_index = index;
            let payload = serde_json::json!({"Evaluation": e});
            cluster.emit(
                "Evaluation",
                "EvaluationUpdated",
                &id,
                &key.namespace,
                vec![key.id.clone()],
                payload,
            );
        }
    }
}

/// Stops the unpromoted canaries of a failed deployment or of one for another job version: they are not
/// needed, and counting them would ask the next deployment for canaries it never places. Follows
/// `scheduler/reconciler/reconcile_cluster.go` (`cancelUnneededCanaries`).
pub(super) fn stop_unneeded_canaries(cluster: &mut Cluster, key: &JobKey, version: u64) {
    let unneeded: Vec<String> = cluster
        .deployments
        .values()
        .filter(|d| d.job_id == key.id && d.namespace == key.namespace)
        .filter(|d| d.status == "failed" || d.job_version != version)
        .flat_map(|d| {
            d.task_groups
                .values()
                .filter(|s| !s.promoted)
                .flat_map(|s| s.placed_canaries.clone().unwrap_or_default())
        })
        .collect();
    for id in unneeded {
        request_stop(cluster, &id, "alloc not needed due to job update");
    }
}

/// Whether the job's newest deployment for `version` failed or is paused: Nomad then places no further
/// destructive updates (`deploymentPlaceReady` in `scheduler/reconciler/reconcile_cluster.go`).
pub(super) fn deployment_halted(cluster: &Cluster, key: &JobKey, version: u64) -> bool {
    cluster
        .deployments
        .values()
        .filter(|d| d.job_id == key.id && d.namespace == key.namespace && d.job_version == version)
        .max_by_key(|d| d.create_index)
        .is_some_and(|d| d.status == "failed" || d.status == "paused")
}
