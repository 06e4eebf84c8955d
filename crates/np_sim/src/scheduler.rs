//! The scheduler and the watchers that drive the cluster: registration, evaluations, placement, deployments
//! (rolling, canaries, auto-promote, auto-revert), allocation lifecycles, and the operator actions.

mod deployments;
mod feasibility;
mod lifecycle;
mod operations;
mod placement;
mod register;
mod rollout;
mod scaling;

use np_nomad::types::{Evaluation, Job, TaskGroup, UpdateStrategy};

use crate::state::{Cluster, JobKey, now_nanos};

pub(crate) use lifecycle::tick;
pub(crate) use operations::{
    fail_deployment, pause_deployment, promote_deployment, restart_alloc, revert, set_stable,
    stop_alloc, stop_job,
};
pub(crate) use register::{plan, register};
pub(crate) use scaling::scale;

/// A refusal in Nomad's words: the HTTP status and the plain-text body Nomad would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub body: String,
}

impl ApiError {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
        }
    }

    pub fn bad_request(body: impl Into<String>) -> Self {
        Self::new(400, body)
    }

    pub fn not_found(body: impl Into<String>) -> Self {
        Self::new(404, body)
    }
}

/// Fills Nomad's defaults (`Job.Canonicalize`) into a submitted job.
pub(crate) fn canonicalize(job: &mut Job, namespace: &str, region: &str) {
    job.namespace = Some(namespace.to_owned());
    job.region = Some(region.to_owned());
    let id = job.id.clone().unwrap_or_default();
    job.name.get_or_insert(id);
    job.job_type.get_or_insert_with(|| "service".into());
    job.priority.get_or_insert(50);
    job.all_at_once.get_or_insert(false);
    if job.datacenters.as_ref().is_none_or(Vec::is_empty) {
        job.datacenters = Some(vec!["*".into()]);
    }
    job.node_pool.get_or_insert_with(|| "default".into());
    let service = job.job_type.as_deref() == Some("service");
    if service {
        let job_update = job
            .update
            .clone()
            .unwrap_or_default()
            .merged_over(&UpdateStrategy::nomad_default());
        job.update = Some(job_update.clone());
        for group in job.task_groups.iter_mut().flatten() {
            group.update = Some(
                group
                    .update
                    .clone()
                    .unwrap_or_default()
                    .merged_over(&job_update),
            );
        }
    }
    for group in job.task_groups.iter_mut().flatten() {
        group.count.get_or_insert(1);
        for task in group.tasks.iter_mut().flatten() {
            let resources = task.resources.get_or_insert_with(Default::default);
            resources.cpu.get_or_insert(100);
            resources.memory_mb.get_or_insert(300);
            task.kill_timeout.get_or_insert(5 * np_nomad::types::SECOND);
        }
    }
}

/// The effective update strategy of a group (canonicalized jobs carry it on the group).
pub(crate) fn group_update(job: &Job, group: &TaskGroup) -> UpdateStrategy {
    let job_update = job
        .update
        .clone()
        .unwrap_or_default()
        .merged_over(&UpdateStrategy::nomad_default());
    group
        .update
        .clone()
        .unwrap_or_default()
        .merged_over(&job_update)
}

/// Creates an evaluation for the job and runs it now.
pub(crate) fn evaluate(cluster: &mut Cluster, key: &JobKey, triggered_by: &str) -> Evaluation {
    evaluate_for(cluster, key, triggered_by, None)
}

/// An evaluation processed at once, as Nomad's worker does (`nomad/worker.go`, `setStatus` in
/// `scheduler/util.go`). It is created in the same Raft apply as the write that asked for it (a register, a
/// deregister, a deployment update, an allocation's transition: `nomad/job_endpoint.go` answers one index for
/// `JobModifyIndex` and `EvalCreateIndex`), so its create index is the current index; a caller whose request
/// wrote nothing else bumps the index first. It records the job's modify index at creation, the snapshot it was scheduled from,
/// the deployment it worked on (given for the deployment watcher's evaluations, otherwise the job's active
/// deployment) and how many allocations per group it could not place.
pub(crate) fn evaluate_for(
    cluster: &mut Cluster,
    key: &JobKey,
    triggered_by: &str,
    deployment_id: Option<&str>,
) -> Evaluation {
    let index = cluster.index;
    let job = cluster.jobs.get(key).map(|r| r.current().clone());
    let now = now_nanos();
    let mut eval = Evaluation {
        id: Cluster::uuid(),
        priority: job.as_ref().and_then(|j| j.priority).unwrap_or(50),
        eval_type: job
            .as_ref()
            .and_then(|j| j.job_type.clone())
            .unwrap_or_else(|| "service".into()),
        triggered_by: triggered_by.into(),
        namespace: key.namespace.clone(),
        job_id: key.id.clone(),
        deployment_id: deployment_id.unwrap_or_default().to_owned(),
        job_modify_index: job
            .as_ref()
            .and_then(|j| j.job_modify_index)
            .unwrap_or_default(),
        status: "pending".into(),
        create_index: index,
        modify_index: index,
        create_time: now,
        modify_time: now,
        ..Evaluation::default()
    };
    cluster.emit(
        "Evaluation",
        "EvaluationUpdated",
        &eval.id,
        &key.namespace,
        vec![key.id.clone()],
        serde_json::json!({"Evaluation": eval}),
    );
    cluster.evals.insert(eval.id.clone(), eval.clone());
    let snapshot = cluster.index;
    if !placement::reconcile(cluster, key, Some(&eval.id)) {
        cluster.dirty.insert(key.clone());
    }
    let worked_on = deployment_id
        .map(str::to_owned)
        .or_else(|| rollout::current_deployment(cluster, key).map(|d| d.id));
    let queued = cluster.jobs.get(key).map(|r| r.queued.clone());
    let index = cluster.bump();
    if let Some(stored) = cluster.evals.get_mut(&eval.id) {
        stored.status = "complete".into();
        stored.modify_index = index;
        stored.modify_time = now_nanos();
        stored.snapshot_index = snapshot;
        stored.deployment_id = worked_on.unwrap_or_default();
        stored.queued_allocations = queued;
        eval = stored.clone();
    }
    cluster.emit(
        "Evaluation",
        "EvaluationUpdated",
        &eval.id,
        &key.namespace,
        vec![key.id.clone()],
        serde_json::json!({"Evaluation": eval}),
    );
    eval
}

/// The answer to a write that created `eval`: the evaluation and the job's modify index after the write.
pub(crate) fn eval_response(
    cluster: &Cluster,
    key: &JobKey,
    eval: Evaluation,
) -> np_nomad::types::EvalResponse {
    let job_modify_index = cluster
        .jobs
        .get(key)
        .and_then(|r| r.current().job_modify_index)
        .unwrap_or_default();
    np_nomad::types::EvalResponse {
        eval_id: eval.id,
        eval_create_index: eval.create_index,
        job_modify_index,
        warnings: String::new(),
    }
}
