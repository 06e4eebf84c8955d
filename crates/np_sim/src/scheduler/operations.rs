//! Operator actions: stop or purge a job, scale, revert, mark stable, promote, fail or pause a deployment,
//! stop or restart an allocation.

use std::collections::BTreeMap;

use np_nomad::types::{
    AllocStopResponse, DeploymentUpdateResponse, EvalResponse, JobDeregisterResponse,
    JobRevertRequest, JobStabilityResponse, TaskEvent,
};

use super::register::store_version;
use super::{ApiError, deployments, eval_response, evaluate, evaluate_for};
use crate::state::{Cluster, JobKey, now_nanos};

fn version_not_found(key: &JobKey, version: u64) -> ApiError {
    ApiError::new(
        500,
        format!(
            "job {:?} in namespace {:?} at version {version} not found",
            key.id, key.namespace
        ),
    )
}

/// Nomad's deployment endpoints answer an unknown id with an uncoded error (500), as they do a terminal
/// deployment (`nomad/deployment_endpoint.go`, `nomad/structs/errors.go`).
fn deployment_not_found() -> ApiError {
    ApiError::new(500, "deployment not found")
}

/// `DELETE /v1/job/:id`: stops the job (a new version with `Stop`), or with `purge` removes it entirely.
pub(crate) fn stop_job(
    cluster: &mut Cluster,
    key: &JobKey,
    purge: bool,
) -> Result<JobDeregisterResponse, ApiError> {
    // Nomad answers 200 with an empty reply for a job it does not have (`Deregister` in `nomad/job_endpoint.go`).
    let Some(record) = cluster.jobs.get(key) else {
        return Ok(JobDeregisterResponse {
            index: cluster.index,
            ..JobDeregisterResponse::default()
        });
    };
    if record.current().stop != Some(true) {
        let mut stopped = record.current().clone();
        stopped.stop = Some(true);
        store_version(cluster, key, stopped, None);
    } else {
        // Deregistering a stopped job is still a write of its own.
        cluster.bump();
    }
    let eval = evaluate(cluster, key, "job-deregister");
    let job_modify_index = cluster
        .jobs
        .get(key)
        .and_then(|r| r.current().job_modify_index)
        .unwrap_or_default();
    if purge {
        let ids: Vec<String> = cluster
            .allocs
            .values()
            .filter(|a| a.alloc.job_id == key.id && a.alloc.namespace == key.namespace)
            .map(|a| a.alloc.id.clone())
            .collect();
        for id in ids {
            if let Some(record) = cluster.allocs.remove(&id)
                && let Some(handle) = record.workload
            {
                handle.abort();
            }
            cluster.logs.remove_alloc(&id);
        }
        cluster
            .deployments
            .retain(|_, d| !(d.job_id == key.id && d.namespace == key.namespace));
        cluster.jobs.remove(key);
        cluster.dirty.remove(key);
        cluster.bump();
        cluster.emit(
            "Job",
            "JobDeregistered",
            &key.id,
            &key.namespace,
            vec![key.id.clone()],
            serde_json::json!({"Job": {"ID": key.id, "Namespace": key.namespace}}),
        );
    }
    Ok(JobDeregisterResponse {
        eval_id: eval.id,
        eval_create_index: eval.create_index,
        job_modify_index,
        index: job_modify_index,
        ..JobDeregisterResponse::default()
    })
}

/// `POST /v1/job/:id/revert`: re-registers an earlier version's specification as a new version.
pub(crate) fn revert(
    cluster: &mut Cluster,
    key: &JobKey,
    request: &JobRevertRequest,
) -> Result<EvalResponse, ApiError> {
    // Nomad's order and words, all uncoded (500): `Revert` in `nomad/job_endpoint.go`.
    let record = cluster
        .jobs
        .get(key)
        .ok_or_else(|| ApiError::new(500, format!("job {:?} not found", key.id)))?;
    let current = record.current().version.unwrap_or(0);
    if request.job_version == current {
        return Err(ApiError::new(500, "can't revert to current version"));
    }
    let target = record
        .version(request.job_version)
        .cloned()
        .ok_or_else(|| version_not_found(key, request.job_version))?;
    if let Some(prior) = request.enforce_prior_version
        && prior != current
    {
        return Err(ApiError::new(
            500,
            format!("Current job has version {current}; enforcing version {prior}"),
        ));
    }
    let mut spec = target;
    spec.stop = Some(false);
    store_version(cluster, key, spec, None);
    let eval = evaluate(cluster, key, "job-register");
    Ok(eval_response(cluster, key, eval))
}

/// `POST /v1/job/:id/stable`.
pub(crate) fn set_stable(
    cluster: &mut Cluster,
    key: &JobKey,
    version: u64,
    stable: bool,
) -> Result<JobStabilityResponse, ApiError> {
    // An unknown job or version is one uncoded error (500): `Stable` in `nomad/job_endpoint.go`.
    if cluster
        .jobs
        .get(key)
        .and_then(|r| r.version(version))
        .is_none()
    {
        return Err(version_not_found(key, version));
    }
    let index = cluster.bump();
    let record = cluster.jobs.get_mut(key).expect("checked above");
    let job = record
        .versions
        .iter_mut()
        .find(|j| j.version == Some(version))
        .expect("checked above");
    job.stable = Some(stable);
    job.modify_index = Some(index);
    Ok(JobStabilityResponse {
        job_modify_index: record.current().job_modify_index.unwrap_or_default(),
    })
}

fn deployment_answer(
    cluster: &mut Cluster,
    id: &str,
    eval_for: &JobKey,
) -> DeploymentUpdateResponse {
    let eval = evaluate_for(cluster, eval_for, "deployment-watcher", Some(id));
    let modify = cluster
        .deployments
        .get(id)
        .map(|d| d.modify_index)
        .unwrap_or_default();
    DeploymentUpdateResponse {
        eval_id: eval.id,
        eval_create_index: eval.create_index,
        deployment_modify_index: modify,
        reverted_job_version: None,
        index: cluster.index,
    }
}

/// `POST /v1/deployment/promote/:id`.
pub(crate) fn promote_deployment(
    cluster: &mut Cluster,
    id: &str,
    groups: Option<&[String]>,
) -> Result<DeploymentUpdateResponse, ApiError> {
    let deployment = cluster
        .deployments
        .get(id)
        .cloned()
        .ok_or_else(deployment_not_found)?;
    if deployment.is_terminal() {
        return Err(ApiError::new(500, "can't promote terminal deployment"));
    }
    // Every chosen group is marked promoted; a group with canaries needs them all healthy, and each that
    // lacks some is one entry of a multierror (`UpdateDeploymentPromotion` in `nomad/state/state_store.go`).
    let targets: Vec<String> = deployment
        .task_groups
        .keys()
        .filter(|name| groups.is_none_or(|g| g.contains(name)))
        .cloned()
        .collect();
    let mut unhealthy = Vec::new();
    for name in &targets {
        let state = &deployment.task_groups[name];
        if state.desired_canaries == 0 {
            continue;
        }
        let healthy = cluster
            .allocs
            .values()
            .filter(|a| a.alloc.deployment_id == id && &a.alloc.task_group == name && a.is_canary())
            .filter(|a| a.wants_to_run() && !a.is_terminal())
            .filter(|a| a.alloc.deployment_status.as_ref().and_then(|s| s.healthy) == Some(true))
            .count() as i64;
        if healthy < state.desired_canaries {
            unhealthy.push(format!(
                "Task group {name:?} has {healthy}/{} healthy allocations",
                state.desired_canaries
            ));
        }
    }
    if !unhealthy.is_empty() {
        return Err(ApiError::new(500, crate::validate::multierror(&unhealthy)));
    }
    let index = cluster.bump();
    let key = JobKey::new(&deployment.namespace, &deployment.job_id);
    if let Some(d) = cluster.deployments.get_mut(id) {
        for name in &targets {
            if let Some(state) = d.task_groups.get_mut(name) {
                state.promoted = true;
            }
        }
        d.status_description = "Deployment is running".into();
        d.modify_index = index;
        let payload = serde_json::json!({"Deployment": d});
        cluster.emit(
            "Deployment",
            "DeploymentPromotion",
            id,
            &key.namespace,
            vec![key.id.clone()],
            payload,
        );
    }
    Ok(deployment_answer(cluster, id, &key))
}

/// `POST /v1/deployment/fail/:id`: fails it and rolls back when the job has auto-revert.
pub(crate) fn fail_deployment(
    cluster: &mut Cluster,
    id: &str,
) -> Result<DeploymentUpdateResponse, ApiError> {
    let deployment = cluster
        .deployments
        .get(id)
        .cloned()
        .ok_or_else(deployment_not_found)?;
    if deployment.is_terminal() {
        return Err(ApiError::new(500, "can't fail terminal deployment"));
    }
    let key = JobKey::new(&deployment.namespace, &deployment.job_id);
    let revert = deployment.task_groups.values().any(|s| s.auto_revert);
    let reverted = deployments::fail(cluster, id, "Deployment marked as failed", revert);
    let mut answer = deployment_answer(cluster, id, &key);
    answer.reverted_job_version = reverted;
    Ok(answer)
}

/// `POST /v1/deployment/pause/:id`.
pub(crate) fn pause_deployment(
    cluster: &mut Cluster,
    id: &str,
    pause: bool,
) -> Result<DeploymentUpdateResponse, ApiError> {
    let deployment = cluster
        .deployments
        .get(id)
        .cloned()
        .ok_or_else(deployment_not_found)?;
    if deployment.is_terminal() {
        let verb = if pause { "pause" } else { "resume" };
        return Err(ApiError::new(
            500,
            format!("can't {verb} terminal deployment"),
        ));
    }
    let index = cluster.bump();
    let key = JobKey::new(&deployment.namespace, &deployment.job_id);
    if let Some(d) = cluster.deployments.get_mut(id) {
        d.status = if pause { "paused" } else { "running" }.into();
        d.status_description = if pause {
            "Deployment is paused"
        } else {
            "Deployment is running"
        }
        .into();
        d.modify_index = index;
        let payload = serde_json::json!({"Deployment": d});
        cluster.emit(
            "Deployment",
            "DeploymentStatusUpdate",
            id,
            &key.namespace,
            vec![key.id.clone()],
            payload,
        );
    }
    Ok(deployment_answer(cluster, id, &key))
}

/// `POST /v1/allocation/:id/stop`: asks for its migration (`Alloc.Stop` in `nomad/alloc_endpoint.go` sets
/// `DesiredTransition.Migrate`); the evaluation stops it as "alloc is being migrated" and places a
/// replacement that names it as its previous allocation.
pub(crate) fn stop_alloc(cluster: &mut Cluster, id: &str) -> Result<AllocStopResponse, ApiError> {
    let record = cluster
        .allocs
        .get(id)
        .ok_or_else(|| ApiError::not_found("alloc not found"))?;
    let key = JobKey::new(&record.alloc.namespace, &record.alloc.job_id);
    let index = cluster.bump();
    if let Some(record) = cluster.allocs.get_mut(id) {
        record.alloc.desired_transition.migrate = Some(true);
        record.alloc.modify_index = index;
        let payload = serde_json::json!({"Allocation": record.alloc});
        let filter = vec![key.id.clone(), record.alloc.deployment_id.clone()];
        cluster.emit(
            "Allocation",
            "AllocationUpdateDesiredStatus",
            id,
            &key.namespace,
            filter,
            payload,
        );
    }
    let eval = evaluate(cluster, &key, "alloc-stop");
    Ok(AllocStopResponse {
        eval_id: eval.id,
        index: cluster.index,
    })
}

/// `POST /v1/client/allocation/:id/restart`: restarts one task or all, in place.
pub(crate) fn restart_alloc(
    cluster: &mut Cluster,
    id: &str,
    task: Option<&str>,
) -> Result<(), ApiError> {
    let record = cluster
        .allocs
        .get(id)
        .ok_or_else(|| ApiError::not_found("Unknown allocation"))?;
    if record.alloc.client_status != "running" {
        return Err(ApiError::bad_request("Task not running"));
    }
    if let Some(task) = task
        && !record
            .alloc
            .task_states
            .as_ref()
            .is_some_and(|s| s.contains_key(task))
    {
        return Err(ApiError::bad_request(format!(
            "Failed to restart task {task:?}: task not found"
        )));
    }
    let now = now_nanos();
    let delay = cluster.config.start_delay.as_nanos() as i64 / 2;
    let index = cluster.bump();
    let record = cluster.allocs.get_mut(id).expect("checked above");
    if let Some(handle) = record.workload.take() {
        handle.abort();
    }
    record.phase = crate::state::Phase::Restarting { at: now + delay };
    for (name, state) in record.alloc.task_states.iter_mut().flatten() {
        if task.is_none_or(|t| t == name) {
            state.restarts += 1;
            state.last_restart = Some(crate::state::rfc3339(now));
            // Nomad's client: the signal with the user's reason, the kill, then a restart without delay
            // (`client/client.go`, `taskrunner/lifecycle.go`, `restarts.go`).
            let reason = if task.is_some() {
                "User requested task to restart"
            } else {
                "User requested running tasks to restart"
            };
            let events = state.events.get_or_insert_with(Vec::new);
            events.push(TaskEvent {
                event_type: "Restart Signaled".into(),
                time: now,
                display_message: reason.into(),
                restart_reason: reason.into(),
                details: Some(BTreeMap::from([(
                    "restart_reason".to_owned(),
                    reason.to_owned(),
                )])),
                ..TaskEvent::default()
            });
            events.push(super::lifecycle::terminated(0, now));
            events.push(TaskEvent {
                display_message: "Task restarting in 0s".into(),
                restart_reason: String::new(),
                details: Some(BTreeMap::from([("start_delay".to_owned(), "0".to_owned())])),
                ..super::lifecycle::restarting(0, now)
            });
        }
    }
    record.alloc.modify_index = index;
    let key = JobKey::new(&record.alloc.namespace, &record.alloc.job_id);
    let payload = serde_json::json!({"Allocation": record.alloc});
    cluster.emit(
        "Allocation",
        "AllocationUpdated",
        id,
        &key.namespace,
        vec![key.id.clone()],
        payload,
    );
    Ok(())
}
