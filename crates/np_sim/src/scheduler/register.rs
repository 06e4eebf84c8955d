//! `PUT /v1/jobs` and `POST /v1/job/:id/plan`.

use std::collections::BTreeMap;

use np_nomad::types::{
    DesiredUpdates, Job, JobPlanRequest, JobPlanResponse, JobRegisterRequest, JobRegisterResponse,
    PlanAnnotations,
};

use super::{ApiError, canonicalize, evaluate, feasibility};
use crate::diff::{group_destructive, job_diff, same_spec};
use crate::state::{Cluster, JobKey, JobRecord, now_nanos};
use crate::validate::{multierror, validate};

/// Nomad discards submitted sources larger than this (`job_max_source_size`), silently.
const MAX_SOURCE: usize = 1024 * 1024;

/// Nomad keeps this many versions of a job (`job_tracked_versions`).
pub(crate) const TRACKED_VERSIONS: usize = 6;

/// Canonicalizes, validates and admits a job the way Nomad's job endpoint does, without storing it.
fn admit(cluster: &Cluster, request_job: Option<&Job>, namespace: &str) -> Result<Job, ApiError> {
    let mut job = request_job
        .cloned()
        .ok_or_else(|| ApiError::bad_request("Job must be specified"))?;
    canonicalize(&mut job, namespace, &cluster.config.region);
    let errors = validate(&job);
    if !errors.is_empty() {
        return Err(ApiError::new(500, multierror(&errors)));
    }
    let id = job.id.clone().unwrap_or_default();
    // Admission refusals are uncoded errors, which Nomad's HTTP layer answers with 500 (`errCodeFromHandler`
    // in `command/agent/http.go`; the hooks in `nomad/job_endpoint_validators.go` and
    // `nomad/job_endpoint_hook_node_pool.go`).
    let Some(ns) = cluster.namespaces.get(namespace) else {
        return Err(ApiError::new(
            500,
            format!("job {id:?} is in nonexistent namespace {namespace:?}"),
        ));
    };
    let pool = job.node_pool.clone().unwrap_or_default();
    if !cluster.node_pools.contains_key(&pool) {
        return Err(ApiError::new(
            500,
            format!("job {id:?} is in nonexistent node pool {pool:?}"),
        ));
    }
    let allowed = ns
        .capabilities
        .as_ref()
        .and_then(|c| c.enabled_task_drivers.clone())
        .unwrap_or_default();
    let denied = ns
        .capabilities
        .as_ref()
        .and_then(|c| c.disabled_task_drivers.clone())
        .unwrap_or_default();
    let mut disallowed: Vec<String> = Vec::new();
    for task in job
        .task_groups
        .iter()
        .flatten()
        .flat_map(|g| g.tasks.iter().flatten())
    {
        let driver = task.driver.clone().unwrap_or_default();
        if (!allowed.is_empty() && !allowed.contains(&driver)) || denied.contains(&driver) {
            disallowed.push(driver);
        }
    }
    match disallowed.as_slice() {
        [] => {}
        [one] => {
            return Err(ApiError::new(
                500,
                format!("used task driver {one:?} is not allowed in namespace {namespace:?}"),
            ));
        }
        many => {
            // Go's %q of a []string: ["a" "b"].
            let list: Vec<String> = many.iter().map(|d| format!("{d:?}")).collect();
            return Err(ApiError::new(
                500,
                format!(
                    "used task drivers [{}] are not allowed in namespace {namespace:?}",
                    list.join(" ")
                ),
            ));
        }
    }
    Ok(job)
}

/// Nomad's warnings for a job that is valid but probably not what was meant.
fn warnings(job: &Job) -> String {
    let mut warnings = Vec::new();
    for group in job.task_groups.iter().flatten() {
        let count = group.count.unwrap_or(1);
        let max_parallel = group
            .update
            .as_ref()
            .and_then(|u| u.max_parallel)
            .unwrap_or(0);
        if count > 0 && max_parallel > count {
            warnings.push(format!(
                "Group {:?} has warnings: 1 error occurred:\n\t* Update max parallel count is greater than task group count ({max_parallel} > {count}). A destructive change would result in the simultaneous replacement of all allocations.",
                group.name.clone().unwrap_or_default()
            ));
        }
    }
    if warnings.is_empty() {
        String::new()
    } else {
        multierror(&warnings)
    }
}

/// Registers a job: a new version when the specification changed, then an evaluation.
pub(crate) fn register(
    cluster: &mut Cluster,
    request: &JobRegisterRequest,
    namespace: &str,
) -> Result<JobRegisterResponse, ApiError> {
    let job = admit(cluster, request.job.as_ref(), namespace)?;
    let key = JobKey::new(namespace, job.id.as_deref().unwrap_or_default());
    let existing = cluster.jobs.get(&key);
    if request.enforce_index {
        let prefix = np_nomad_enforce_prefix();
        match existing {
            None if request.job_modify_index != 0 => {
                return Err(ApiError::new(
                    500,
                    format!("{prefix} {}: job does not exist", request.job_modify_index),
                ));
            }
            Some(_) if request.job_modify_index == 0 => {
                return Err(ApiError::new(
                    500,
                    format!("{prefix} 0: job already exists"),
                ));
            }
            Some(record) if record.current().job_modify_index != Some(request.job_modify_index) => {
                return Err(ApiError::new(
                    500,
                    format!(
                        "{prefix} {}: job exists with conflicting job modify index: {}",
                        request.job_modify_index,
                        record.current().job_modify_index.unwrap_or_default()
                    ),
                ));
            }
            _ => {}
        }
    }
    let unchanged =
        existing.is_some_and(|r| same_spec(r.current(), &job) && r.current().stop != Some(true));
    let warnings = warnings(&job);
    if unchanged {
        // An unchanged job is not written again; its evaluation is an apply of its own
        // (`EvalUpdateRequestType` in `Register`, `nomad/job_endpoint.go`).
        cluster.bump();
    } else {
        store_version(cluster, &key, job, request.submission.clone());
    }
    let eval = evaluate(cluster, &key, "job-register");
    let job_modify_index = cluster
        .jobs
        .get(&key)
        .and_then(|r| r.current().job_modify_index)
        .unwrap_or_default();
    Ok(JobRegisterResponse {
        eval_id: eval.id,
        eval_create_index: eval.create_index,
        job_modify_index,
        warnings,
    })
}

fn np_nomad_enforce_prefix() -> &'static str {
    "Enforcing job modify index"
}

/// Stores `job` as the job's next version and announces it.
pub(crate) fn store_version(
    cluster: &mut Cluster,
    key: &JobKey,
    mut job: Job,
    submission: Option<np_nomad::types::JobSubmission>,
) {
    let index = cluster.bump();
    let previous = cluster.jobs.get(key).map(|r| r.current().clone());
    let version = previous
        .as_ref()
        .and_then(|p| p.version)
        .map_or(0, |v| v + 1);
    job.version = Some(version);
    job.create_index = Some(
        previous
            .as_ref()
            .and_then(|p| p.create_index)
            .unwrap_or(index),
    );
    job.modify_index = Some(index);
    job.job_modify_index = Some(index);
    job.submit_time = Some(now_nanos());
    job.status = Some(
        if job.stop == Some(true) {
            "dead"
        } else {
            "pending"
        }
        .into(),
    );
    job.status_description = Some(String::new());
    job.stable = Some(false);
    job.stop.get_or_insert(false);
    job.parent_id.get_or_insert_with(String::new);
    let record = cluster
        .jobs
        .entry(key.clone())
        .or_insert_with(|| JobRecord {
            versions: Vec::new(),
            submissions: BTreeMap::new(),
            scaling_events: BTreeMap::new(),
            queued: BTreeMap::new(),
        });
    record.versions.push(job.clone());
    if record.versions.len() > TRACKED_VERSIONS {
        let dropped = record.versions.remove(0);
        if let Some(v) = dropped.version {
            record.submissions.remove(&v);
        }
    }
    if let Some(mut submission) = submission.filter(|s| s.source.len() <= MAX_SOURCE) {
        submission.job_id = Some(key.id.clone());
        submission.namespace = Some(key.namespace.clone());
        submission.version = Some(version);
        submission.job_index = Some(index);
        record.submissions.insert(version, submission);
    }
    cluster.emit(
        "Job",
        "JobRegistered",
        &key.id,
        &key.namespace,
        vec![key.id.clone()],
        serde_json::json!({"Job": job}),
    );
}

/// Plans a registration: the diff against the current version, what would happen to each group, and
/// whether the new allocations would fit.
pub(crate) fn plan(
    cluster: &Cluster,
    id: &str,
    request: &JobPlanRequest,
    namespace: &str,
) -> Result<JobPlanResponse, ApiError> {
    let job = admit(cluster, request.job.as_ref(), namespace)?;
    if job.id.as_deref() != Some(id) {
        return Err(ApiError::bad_request("Job ID does not match"));
    }
    let key = JobKey::new(namespace, id);
    let current = cluster.jobs.get(&key).map(|r| r.current().clone());
    let mut diff = job_diff(current.as_ref(), &job);
    let unchanged = current.as_ref().is_some_and(|c| same_spec(c, &job));
    let current_version = current.as_ref().and_then(|c| c.version).unwrap_or(0);
    let mut desired = BTreeMap::new();
    let mut failed = BTreeMap::new();
    for group in job.task_groups.iter().flatten() {
        let name = group.name.clone().unwrap_or_default();
        let live: Vec<_> = cluster
            .allocs
            .values()
            .filter(|a| {
                a.alloc.job_id == id && a.alloc.namespace == namespace && a.alloc.task_group == name
            })
            .filter(|a| a.wants_to_run() && !a.is_terminal())
            .collect();
        let running = live.len() as u64;
        let count = group.count.unwrap_or(1).max(0) as u64;
        // Each kept allocation is left alone only when nothing changed; otherwise it is replaced or, when
        // no task changed destructively, updated in place (`computeUpdates` in the reconciler,
        // `tasksUpdated` in `scheduler/util.go`).
        let (mut ignore, mut in_place, mut destructive) = (0u64, 0u64, 0u64);
        for alloc in live.iter().take(count as usize) {
            if unchanged && alloc.job_version == current_version {
                ignore += 1;
            } else if group_destructive(&alloc.group, group) {
                destructive += 1;
            } else {
                in_place += 1;
            }
        }
        let canary = group
            .update
            .as_ref()
            .and_then(|u| u.canary)
            .unwrap_or(0)
            .max(0) as u64;
        let mut updates = DesiredUpdates {
            place: count.saturating_sub(running),
            stop: running.saturating_sub(count),
            in_place_update: in_place,
            ..DesiredUpdates::default()
        };
        if destructive > 0 && canary > 0 {
            updates.canary = canary;
            updates.ignore = ignore + destructive;
        } else {
            updates.destructive_update = destructive;
            updates.ignore = ignore;
        }
        let new_allocs = (updates.place + updates.canary + updates.destructive_update) as usize;
        if let Some(metric) = feasibility::dry_run(cluster, &job, group, new_allocs) {
            failed.insert(name.clone(), metric);
        }
        if let Some(diffs) = diff.task_groups.as_mut()
            && let Some(group_diff) = diffs.iter_mut().find(|d| d.name == name)
        {
            let mut map = BTreeMap::new();
            for (label, value) in [
                ("create", updates.place),
                ("destroy", updates.stop),
                ("create/destroy update", updates.destructive_update),
                ("in-place update", updates.in_place_update),
                ("canary", updates.canary),
                ("ignore", updates.ignore),
            ] {
                if value > 0 {
                    map.insert(label.to_owned(), value);
                }
            }
            group_diff.updates = Some(map);
        }
        desired.insert(name, updates);
    }
    if !request.diff {
        diff = np_nomad::types::JobDiff::default();
    }
    // What cannot be placed waits in a blocked evaluation, which the plan reports as created
    // (`Plan` in `nomad/job_endpoint.go` returns the planner's `CreatedEvals`).
    let created_evals = (!failed.is_empty()).then(|| {
        vec![np_nomad::types::Evaluation {
            id: Cluster::uuid(),
            priority: job.priority.unwrap_or(50),
            eval_type: job.job_type.clone().unwrap_or_else(|| "service".into()),
            triggered_by: "queued-allocs".into(),
            namespace: namespace.to_owned(),
            job_id: id.to_owned(),
            status: "blocked".into(),
            status_description: "created to place remaining allocations".into(),
            previous_eval: Cluster::uuid(),
            job_modify_index: current
                .as_ref()
                .and_then(|j| j.job_modify_index)
                .unwrap_or(0),
            ..np_nomad::types::Evaluation::default()
        }]
    });
    Ok(JobPlanResponse {
        job_modify_index: current.and_then(|j| j.job_modify_index).unwrap_or(0),
        created_evals,
        diff: request.diff.then_some(diff),
        annotations: Some(PlanAnnotations {
            desired_tg_updates: Some(desired),
            preempted_allocs: None,
        }),
        failed_tg_allocs: (!failed.is_empty()).then_some(failed),
        next_periodic_launch: Some("0001-01-01T00:00:00Z".into()),
        warnings: warnings(&job),
    })
}
