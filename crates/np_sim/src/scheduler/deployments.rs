//! The deployment watcher: counts healthy and unhealthy allocations, promotes canaries automatically, ends
//! deployments in success or failure, and rolls back to the last stable version on failure with auto-revert.

use super::evaluate_for;
use super::register::store_version;
use crate::diff::same_spec;
use crate::state::{Cluster, JobKey, rfc3339};

fn announce(cluster: &mut Cluster, id: &str, event_type: &str) {
    let index = cluster.bump();
    let Some(d) = cluster.deployments.get_mut(id) else {
        return;
    };
    d.modify_index = index;
    d.modify_time = crate::state::now_nanos();
    let payload = serde_json::json!({"Deployment": d});
    let (ns, job) = (d.namespace.clone(), d.job_id.clone());
    cluster.emit(
        "Deployment",
        event_type,
        id,
        &ns,
        vec![job.clone()],
        payload,
    );
    cluster.dirty.insert(JobKey::new(&ns, &job));
}

/// Fails a deployment with `description`; with `revert`, registers the latest stable version again, unless
/// its specification is the current one's. Returns the version rolled back to. The caller evaluates the job
/// (Nomad's watcher commits the failure together with an evaluation), so the failed deployment's canaries stop.
///
/// Follows `nomad/deploymentwatcher/deployment_watcher.go` (`FailDeployment`, `latestStableJob`,
/// `handleRollbackValidity`: no rollback to an identical specification, which ends a revert cycle) and the
/// descriptions of `nomad/structs/deployment.go`.
pub(crate) fn fail(
    cluster: &mut Cluster,
    id: &str,
    description: &str,
    revert: bool,
) -> Option<u64> {
    let deployment = cluster.deployments.get(id)?.clone();
    let key = JobKey::new(&deployment.namespace, &deployment.job_id);
    let record = cluster.jobs.get(&key);
    // `latestStableJob`: the newest version marked stable, whichever it is.
    let stable = revert
        .then(|| {
            record.and_then(|r| {
                r.versions
                    .iter()
                    .rev()
                    .find(|v| v.stable == Some(true))
                    .cloned()
            })
        })
        .flatten();
    let current = record.map(|r| r.current().clone());
    let (target, description) = match (stable, revert) {
        (Some(job), _) if current.as_ref().is_some_and(|c| same_spec(c, &job)) => (
            None,
            format!(
                "{description} - not rolling back to stable job version {} as current job has same specification",
                job.version.unwrap_or(0)
            ),
        ),
        (Some(job), _) => {
            let text = format!(
                "{description} - rolling back to job version {}",
                job.version.unwrap_or(0)
            );
            (Some(job), text)
        }
        (None, true) => (
            None,
            format!("{description} - no stable job version to auto revert to"),
        ),
        (None, false) => (None, description.to_owned()),
    };
    if let Some(d) = cluster.deployments.get_mut(id) {
        d.status = "failed".into();
        d.status_description = description;
    }
    cluster.progress_by.remove(id);
    announce(cluster, id, "DeploymentStatusUpdate");
    let job = target?;
    let reverted_to = job.version;
    let mut spec = job;
    spec.stop = Some(false);
    store_version(cluster, &key, spec, None);
    reverted_to
}

/// Marks the job version of a successful deployment stable.
fn mark_stable(cluster: &mut Cluster, key: &JobKey, version: u64) {
    let index = cluster.bump();
    if let Some(record) = cluster.jobs.get_mut(key)
        && let Some(job) = record
            .versions
            .iter_mut()
            .find(|j| j.version == Some(version))
    {
        job.stable = Some(true);
        job.modify_index = Some(index);
        let payload = serde_json::json!({"Job": job});
        cluster.emit(
            "Job",
            "JobRegistered",
            &key.id,
            &key.namespace,
            vec![key.id.clone()],
            payload,
        );
    }
}

/// Advances every running deployment.
pub(crate) fn watch(cluster: &mut Cluster, now: i64) {
    let running: Vec<String> = cluster
        .deployments
        .values()
        .filter(|d| d.status == "running")
        .map(|d| d.id.clone())
        .collect();
    for id in running {
        let Some(deployment) = cluster.deployments.get(&id).cloned() else {
            continue;
        };
        let key = JobKey::new(&deployment.namespace, &deployment.job_id);
        let Some(job) = cluster
            .jobs
            .get(&key)
            .and_then(|r| r.version(deployment.job_version).cloned())
        else {
            continue;
        };

        // Count placements and health per group.
        let mut changed = false;
        let mut progressed = false;
        let mut updated = deployment.clone();
        for (group, state) in &mut updated.task_groups {
            let allocs: Vec<_> = cluster
                .allocs
                .values()
                .filter(|a| a.alloc.deployment_id == id && &a.alloc.task_group == group)
                .collect();
            let placed = allocs.len() as i64;
            let healthy = allocs
                .iter()
                .filter(|a| {
                    a.alloc.deployment_status.as_ref().and_then(|s| s.healthy) == Some(true)
                })
                .count() as i64;
            let unhealthy = allocs
                .iter()
                .filter(|a| {
                    a.alloc.deployment_status.as_ref().and_then(|s| s.healthy) == Some(false)
                })
                .count() as i64;
            let canaries: Vec<String> = allocs
                .iter()
                .filter(|a| a.is_canary())
                .map(|a| a.alloc.id.clone())
                .collect();
            if healthy > state.healthy_allocs {
                progressed = true;
            }
            if (placed, healthy, unhealthy)
                != (
                    state.placed_allocs,
                    state.healthy_allocs,
                    state.unhealthy_allocs,
                )
                || state.placed_canaries.clone().unwrap_or_default() != canaries
            {
                changed = true;
                state.placed_allocs = placed;
                state.healthy_allocs = healthy;
                state.unhealthy_allocs = unhealthy;
                state.placed_canaries = (!canaries.is_empty()).then_some(canaries);
            }
        }
        let deadline = cluster.progress_by.get(&id).copied();
        if progressed || deadline.is_none() {
            let progress = updated
                .task_groups
                .values()
                .map(|s| s.progress_deadline)
                .max()
                .unwrap_or(0);
            if progress > 0 {
                let by = now + cluster.config.scaled_nanos(progress);
                cluster.progress_by.insert(id.clone(), by);
                for state in updated.task_groups.values_mut() {
                    state.require_progress_by = Some(rfc3339(by));
                }
                changed = true;
            }
        }
        if changed {
            cluster.deployments.insert(id.clone(), updated.clone());
            announce(cluster, &id, "DeploymentAllocHealth");
        }

        let auto_revert = updated.task_groups.values().any(|s| s.auto_revert);
        if updated.task_groups.values().any(|s| s.unhealthy_allocs > 0) {
            fail(
                cluster,
                &id,
                "Failed due to unhealthy allocations",
                auto_revert,
            );
            evaluate_for(cluster, &key, "deployment-watcher", Some(&id));
            continue;
        }
        if cluster.progress_by.get(&id).is_some_and(|by| now > *by) {
            fail(cluster, &id, "Failed due to progress deadline", auto_revert);
            evaluate_for(cluster, &key, "deployment-watcher", Some(&id));
            continue;
        }

        // Automatic promotion once every group's canaries are healthy.
        let canary_groups: Vec<_> = updated
            .task_groups
            .iter()
            .filter(|(_, s)| s.desired_canaries > 0 && !s.promoted)
            .collect();
        if !canary_groups.is_empty()
            && canary_groups
                .iter()
                .all(|(_, s)| s.auto_promote && s.healthy_allocs >= s.desired_canaries)
        {
            if let Some(d) = cluster.deployments.get_mut(&id) {
                for state in d.task_groups.values_mut() {
                    state.promoted = true;
                }
                d.status_description = "Deployment is running".into();
            }
            announce(cluster, &id, "DeploymentPromotion");
            continue;
        }

        // Success: every group has its full count healthy on this version and no older allocation left.
        let done = job.task_groups.iter().flatten().all(|group| {
            let name = group.name.clone().unwrap_or_default();
            let Some(state) = updated.task_groups.get(&name) else {
                return true;
            };
            let old_left = cluster.allocs.values().any(|a| {
                a.alloc.job_id == key.id
                    && a.alloc.namespace == key.namespace
                    && a.alloc.task_group == name
                    && a.job_version != deployment.job_version
                    && !a.is_terminal()
            });
            let count = group.count.unwrap_or(1);
            (state.desired_canaries == 0 || state.promoted)
                && !old_left
                && state.healthy_allocs >= count
        });
        if done {
            if let Some(d) = cluster.deployments.get_mut(&id) {
                d.status = "successful".into();
                d.status_description = "Deployment completed successfully".into();
            }
            cluster.progress_by.remove(&id);
            announce(cluster, &id, "DeploymentStatusUpdate");
            mark_stable(cluster, &key, deployment.job_version);
        }
    }
}
