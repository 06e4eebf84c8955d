//! Scaling a job's group and keeping its scaling events.

use np_nomad::types::{EvalResponse, ScalingRequest};

use super::register::store_version;
use super::{ApiError, eval_response, evaluate};
use crate::state::{Cluster, JobKey, now_nanos};

/// Nomad keeps this many scaling events per group (`structs.JobTrackedScalingEvents`).
const TRACKED_SCALING_EVENTS: usize = 20;

/// `POST /v1/job/:id/scale`: a new version with the group's count, within its scaling bounds; without a
/// count, only a scaling event. Either way the event is kept for the scale status. Follows `nomad/job_endpoint.go`
/// (`Scale`) and `JobScaleRequest.Validate` in `nomad/structs/structs.go`: a `JobModifyIndex` of 0 means "do
/// not check" (`api/scaling.go`), a mismatch is Nomad's enforce-index error (500).
pub(crate) fn scale(
    cluster: &mut Cluster,
    key: &JobKey,
    request: &ScalingRequest,
) -> Result<EvalResponse, ApiError> {
    let group_name = request.target.get("Group").cloned().unwrap_or_default();
    if group_name.is_empty() {
        return Err(ApiError::bad_request(
            "missing task group name for scaling action",
        ));
    }
    if let Some(count) = request.count {
        if count < 0 {
            return Err(ApiError::bad_request(
                "scaling action count can't be negative",
            ));
        }
        if request.error {
            return Err(ApiError::bad_request(
                "scaling action should not contain count if error is true",
            ));
        }
    }
    let record = cluster
        .jobs
        .get(key)
        .ok_or_else(|| ApiError::not_found(format!("job {:?} not found", key.id)))?;
    let mut job = record.current().clone();
    let Some(group) = job
        .task_groups
        .iter_mut()
        .flatten()
        .find(|g| g.name.as_deref() == Some(group_name.as_str()))
    else {
        return Err(ApiError::bad_request(format!(
            "task group {group_name:?} specified for scaling does not exist in job"
        )));
    };
    let previous = group.count.unwrap_or(1);
    let mut event = serde_json::json!({
        "Time": now_nanos(),
        "Count": request.count,
        "PreviousCount": previous,
        "Message": request.message,
        "Error": request.error,
        "Meta": request.meta,
        "EvalID": null,
        "CreateIndex": 0,
    });
    let Some(count) = request.count else {
        let job_modify_index = record.current().modify_index.unwrap_or_default();
        record_scaling_event(cluster, key, &group_name, event);
        return Ok(EvalResponse {
            eval_id: String::new(),
            eval_create_index: 0,
            job_modify_index,
            warnings: String::new(),
        });
    };
    if let Some(scaling) = &group.scaling {
        if scaling.min.is_some_and(|min| count < min) {
            return Err(ApiError::bad_request(format!(
                "group count was less than scaling policy minimum: {count} < {}",
                scaling.min.unwrap_or(0)
            )));
        }
        if scaling.max.is_some_and(|max| count > max) {
            return Err(ApiError::bad_request(format!(
                "group count was greater than scaling policy maximum: {count} > {}",
                scaling.max.unwrap_or(0)
            )));
        }
    }
    let active = cluster.deployments.values().any(|d| {
        d.job_id == key.id
            && d.namespace == key.namespace
            && !d.is_terminal()
            && d.job_create_index == record.current().create_index.unwrap_or_default()
    });
    if active {
        return Err(ApiError::bad_request(
            "job scaling blocked due to active deployment",
        ));
    }
    let current_index = record.current().job_modify_index.unwrap_or_default();
    if let Some(expected) = request.job_modify_index.filter(|i| *i > 0)
        && expected != current_index
    {
        return Err(ApiError::new(
            500,
            format!(
                "Enforcing job modify index {expected}: job exists with conflicting job modify index: {current_index}"
            ),
        ));
    }
    group.count = Some(count);
    store_version(cluster, key, job, None);
    let eval = evaluate(cluster, key, "job-scaling");
    event["EvalID"] = serde_json::json!(eval.id);
    record_scaling_event(cluster, key, &group_name, event);
    Ok(eval_response(cluster, key, eval))
}

/// Keeps a scaling event, newest first (`ScalingEventRegisterRequestType` in `nomad/state/state_store.go`).
fn record_scaling_event(
    cluster: &mut Cluster,
    key: &JobKey,
    group: &str,
    mut event: serde_json::Value,
) {
    let index = cluster.bump();
    event["CreateIndex"] = serde_json::json!(index);
    if let Some(record) = cluster.jobs.get_mut(key) {
        let events = record.scaling_events.entry(group.to_owned()).or_default();
        events.insert(0, event);
        events.truncate(TRACKED_SCALING_EVENTS);
    }
}
