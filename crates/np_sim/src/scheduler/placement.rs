//! Reconciling a job's allocations with its current version: canaries, rolling replacement, in-place updates
//! and placement (`scheduler/reconciler/reconcile_cluster.go`, `scheduler/generic_sched.go`).

use std::collections::BTreeMap;

use np_nomad::types::{
    AllocDeploymentStatus, Allocation, AllocationMetric, Job, PortMapping, TaskEvent, TaskGroup,
    TaskState,
};

use super::feasibility::{group_resources, pick_node};
use super::group_update;
use super::rollout::{
    active_deployment, cancel_deployments, create_deployment, deployment_halted, record_failure,
    stop_unneeded_canaries, unblock,
};
use crate::behaviour::Behaviour;
use crate::diff::group_destructive;
use crate::state::{AllocRecord, Cluster, JobKey, Phase, now_nanos};

fn image_of(group: &TaskGroup) -> String {
    group
        .tasks
        .iter()
        .flatten()
        .find(|t| t.lifecycle.is_none())
        .or_else(|| group.tasks.as_ref().and_then(|t| t.first()))
        .and_then(|t| t.config.as_ref()?.get("image")?.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn received(now: i64) -> TaskState {
    TaskState {
        state: "pending".into(),
        events: Some(vec![TaskEvent {
            event_type: "Received".into(),
            time: now,
            display_message: "Task received by client".into(),
            ..TaskEvent::default()
        }]),
        ..TaskState::default()
    }
}

/// What a new allocation is for.
struct Placement<'a> {
    job: &'a Job,
    group: &'a TaskGroup,
    eval_id: &'a str,
    deployment_id: Option<&'a str>,
    canary: bool,
    previous: Option<String>,
}

fn place(cluster: &mut Cluster, p: &Placement<'_>) -> Result<String, Box<AllocationMetric>> {
    let (node, metric) = pick_node(cluster, p.job, p.group, &[])?;
    let (cpu, memory) = group_resources(p.group);
    let key = JobKey::new(
        p.job.namespace.as_deref().unwrap_or_default(),
        p.job.id.as_deref().unwrap_or_default(),
    );
    let group_name = p.group.name.clone().unwrap_or_default();
    let taken: Vec<i64> = cluster
        .allocs
        .values()
        .filter(|a| {
            a.alloc.job_id == key.id
                && a.alloc.namespace == key.namespace
                && a.alloc.task_group == group_name
        })
        .filter(|a| !a.is_terminal())
        .filter_map(|a| {
            a.alloc
                .name
                .rsplit_once('[')?
                .1
                .trim_end_matches(']')
                .parse()
                .ok()
        })
        .collect();
    let slot = (0..).find(|i| !taken.contains(i)).unwrap_or(0);
    let mut ports = Vec::new();
    for network in p.group.networks.iter().flatten() {
        for port in network.reserved_ports.iter().flatten() {
            ports.push(PortMapping {
                label: port.label.clone(),
                value: port.value,
                to: port.to.unwrap_or(port.value),
                host_ip: "127.0.0.1".into(),
            });
        }
        for port in network.dynamic_ports.iter().flatten() {
            let value = cluster.take_port();
            ports.push(PortMapping {
                label: port.label.clone(),
                value,
                to: port.to.unwrap_or(value),
                host_ip: "127.0.0.1".into(),
            });
        }
    }
    let index = cluster.bump();
    let now = now_nanos();
    let job_type = p.job.job_type.clone().unwrap_or_else(|| "service".into());
    let behaviour = Behaviour::for_image(&image_of(p.group), &job_type, &cluster.faults.images);
    let task_states = p
        .group
        .tasks
        .iter()
        .flatten()
        .map(|t| (t.name.clone().unwrap_or_default(), received(now)))
        .collect();
    let alloc = Allocation {
        id: Cluster::uuid(),
        namespace: key.namespace.clone(),
        eval_id: p.eval_id.to_owned(),
        name: format!("{}.{group_name}[{slot}]", key.id),
        node_id: cluster.nodes[node].id.clone(),
        node_name: cluster.nodes[node].name.clone(),
        job_id: key.id.clone(),
        job: None,
        task_group: group_name,
        desired_status: "run".into(),
        client_status: "pending".into(),
        task_states: Some(task_states),
        deployment_id: p.deployment_id.unwrap_or_default().to_owned(),
        deployment_status: p.deployment_id.map(|_| AllocDeploymentStatus {
            canary: p.canary,
            ..Default::default()
        }),
        previous_allocation: p.previous.clone().unwrap_or_default(),
        create_index: index,
        modify_index: index,
        alloc_modify_index: index,
        create_time: now,
        modify_time: now,
        metrics: Some(metric),
        ..Allocation::default()
    };
    if let Some(previous) = p
        .previous
        .as_ref()
        .and_then(|id| cluster.allocs.get_mut(id))
    {
        previous.alloc.next_allocation = alloc.id.clone();
    }
    let start = now + cluster.config.start_delay.as_nanos() as i64;
    let id = alloc.id.clone();
    cluster.emit(
        "Allocation",
        "PlanResult",
        &id,
        &key.namespace,
        vec![key.id.clone(), alloc.deployment_id.clone()],
        serde_json::json!({"Allocation": alloc}),
    );
    cluster.allocs.insert(
        id.clone(),
        AllocRecord {
            alloc,
            job_version: p.job.version.unwrap_or(0),
            group: p.group.clone(),
            job_type,
            update: group_update(p.job, p.group),
            behaviour,
            ports,
            node,
            cpu,
            memory,
            phase: Phase::Starting { at: start },
            restarts: Vec::new(),
            healthy_deadline: None,
            workload: None,
            last_log_line: 0,
        },
    );
    Ok(id)
}

/// Asks an allocation to stop (its tasks are killed on the next ticks).
/// The description of an allocation stopped to be moved (`StatusAllocMigrating` in `scheduler/structs/const.go`).
const MIGRATING: &str = "alloc is being migrated";

pub(crate) fn request_stop(cluster: &mut Cluster, alloc_id: &str, description: &str) {
    let index = cluster.bump();
    let now = now_nanos();
    let kill_after = cluster.config.start_delay.as_nanos() as i64 / 2;
    let Some(record) = cluster.allocs.get_mut(alloc_id) else {
        return;
    };
    if record.alloc.desired_status != "run" {
        return;
    }
    record.alloc.desired_status = "stop".into();
    record.alloc.desired_description = description.into();
    record.alloc.modify_index = index;
    record.alloc.modify_time = now;
    if !record.is_terminal() {
        record.phase = Phase::Stopping {
            at: now + kill_after,
        };
    }
    let (ns, job, dep) = (
        record.alloc.namespace.clone(),
        record.alloc.job_id.clone(),
        record.alloc.deployment_id.clone(),
    );
    // The scheduler stops allocations through its plan (`nomad/state/events.go`).
    let payload = serde_json::json!({"Allocation": record.alloc});
    cluster.emit(
        "Allocation",
        "PlanResult",
        alloc_id,
        &ns,
        vec![job, dep],
        payload,
    );
}

fn job_allocs(cluster: &Cluster, key: &JobKey) -> Vec<String> {
    cluster
        .allocs
        .values()
        .filter(|a| a.alloc.job_id == key.id && a.alloc.namespace == key.namespace)
        .map(|a| a.alloc.id.clone())
        .collect()
}

/// Brings the job's allocations toward its current version. Returns whether the job is settled (nothing
/// left to do until something changes). `eval_id` is the evaluation being processed, if any: only an
/// evaluation may start a deployment.
pub(crate) fn reconcile(cluster: &mut Cluster, key: &JobKey, eval_id: Option<&str>) -> bool {
    let Some(job) = cluster.jobs.get(key).map(|r| r.current().clone()) else {
        return true;
    };
    let alloc_ids = job_allocs(cluster, key);
    if job.stop == Some(true) {
        if let Some(record) = cluster.jobs.get_mut(key) {
            record.queued.clear();
        }
        cancel_deployments(cluster, key, "Cancelled because job is stopped");
        for id in &alloc_ids {
            request_stop(cluster, id, "alloc not needed due to job update");
        }
        return true;
    }
    let version = job.version.unwrap_or(0);
    stop_unneeded_canaries(cluster, key, version);
    for id in &alloc_ids {
        if cluster.allocs[id].alloc.desired_transition.migrate == Some(true) {
            request_stop(cluster, id, MIGRATING);
        }
    }
    let alloc_ids = job_allocs(cluster, key);
    let groups = job.task_groups.clone().unwrap_or_default();
    let live = |c: &Cluster, id: &String| {
        c.allocs
            .get(id)
            .is_some_and(|a| a.wants_to_run() && !a.is_terminal())
    };

    // Which groups have allocations of an older, destructively different version (they need replacing).
    let mut has_old = BTreeMap::new();
    let mut in_place = Vec::new();
    for id in &alloc_ids {
        if !live(cluster, id) {
            continue;
        }
        let (group_name, alloc_version) = {
            let a = &cluster.allocs[id];
            (a.alloc.task_group.clone(), a.job_version)
        };
        let Some(group) = groups
            .iter()
            .find(|g| g.name.as_deref() == Some(group_name.as_str()))
        else {
            request_stop(cluster, id, "alloc not needed as task group was removed");
            continue;
        };
        if alloc_version == version {
            continue;
        }
        if group_destructive(&cluster.allocs[id].group, group) {
            has_old.insert(group_name, true);
        } else {
            in_place.push((id.clone(), group.clone()));
        }
    }

    let service = job.job_type.as_deref() == Some("service");
    let mut deployment = active_deployment(cluster, key).filter(|d| d.job_version == version);
    let has_deployment_for_version = cluster
        .deployments
        .values()
        .any(|d| d.job_id == key.id && d.namespace == key.namespace && d.job_version == version);
    if deployment.is_none() && service && eval_id.is_some() && !has_deployment_for_version {
        let wants = groups
            .iter()
            .any(|g| group_update(&job, g).max_parallel.unwrap_or(0) > 0);
        if wants {
            deployment = Some(create_deployment(cluster, &job, key, &has_old));
        }
    }

    // Unchanged groups move to the new version in place; like Nomad, they join the new deployment and keep
    // the health they had.
    for (id, group) in in_place {
        let index = cluster.bump();
        let update = group_update(&job, &group);
        let record = cluster.allocs.get_mut(&id).expect("collected above");
        record.job_version = version;
        record.group = group;
        record.update = update;
        record.alloc.modify_index = index;
        if let Some(d) = &deployment {
            record.alloc.deployment_id = d.id.clone();
            let status = record
                .alloc
                .deployment_status
                .get_or_insert_with(Default::default);
            status.canary = false;
            status.modify_index = index;
            if status.healthy != Some(true) {
                // Health not yet proven is judged again within this deployment's deadline.
                status.healthy = None;
                record.healthy_deadline = None;
            }
        }
    }

    let eval_for_allocs = eval_id.map(str::to_owned).unwrap_or_else(|| {
        cluster
            .evals
            .values()
            .filter(|e| e.job_id == key.id && e.namespace == key.namespace)
            .max_by_key(|e| e.create_index)
            .map(|e| e.id.clone())
            .unwrap_or_default()
    });
    let halted = deployment_halted(cluster, key, version);
    let mut settled = deployment.is_none();
    let mut failed_any = false;
    // What could not be placed per group (Nomad's `QueuedAllocations`, the summary's `Queued`).
    let mut queued: BTreeMap<String, i64> = BTreeMap::new();
    for group in &groups {
        let name = group.name.clone().unwrap_or_default();
        queued.insert(name.clone(), 0);
        let count = group.count.unwrap_or(1).max(0) as usize;
        let ids = job_allocs(cluster, key);
        let in_group = |c: &Cluster, id: &String| c.allocs[id].alloc.task_group == name;
        let new: Vec<String> = ids
            .iter()
            .filter(|id| {
                in_group(cluster, id)
                    && live(cluster, id)
                    && cluster.allocs[*id].job_version == version
            })
            .cloned()
            .collect();
        let old: Vec<String> = ids
            .iter()
            .filter(|id| {
                in_group(cluster, id)
                    && live(cluster, id)
                    && cluster.allocs[*id].job_version != version
            })
            .cloned()
            .collect();
        let state = deployment
            .as_ref()
            .and_then(|d| d.task_groups.get(&name).cloned());
        let dep_id = deployment.as_ref().map(|d| d.id.clone());
        let placement = |canary: bool, previous: Option<String>| Placement {
            job: &job,
            group,
            eval_id: &eval_for_allocs,
            deployment_id: dep_id.as_deref(),
            canary,
            previous,
        };

        // Canaries first, while the deployment waits for promotion.
        if let Some(state) = state
            .as_ref()
            .filter(|s| s.desired_canaries > 0 && !s.promoted && !halted)
        {
            let mut placed = new.len() as i64;
            while placed < state.desired_canaries {
                match place(cluster, &placement(true, None)) {
                    Ok(_) => placed += 1,
                    Err(metric) => {
                        record_failure(cluster, key, eval_id, &name, metric);
                        queued.insert(name.clone(), state.desired_canaries - placed);
                        failed_any = true;
                        break;
                    }
                }
            }
            settled = false;
            continue;
        }

        // Failed allocations are replaced after a reschedule delay (Nomad's default starts at 30 s).
        let reschedule_delay = cluster.config.scaled_nanos(30 * np_nomad::types::SECOND);
        let now = now_nanos();
        let waiting_reschedule = ids.iter().any(|id| {
            let a = &cluster.allocs[id];
            a.alloc.task_group == name
                && a.alloc.client_status == "failed"
                && a.alloc.next_allocation.is_empty()
                && a.alloc.desired_status == "run"
                && now - a.alloc.modify_time < reschedule_delay
        });
        let mut missing = count.saturating_sub(new.len() + old.len());
        if waiting_reschedule && deployment.is_none() {
            missing = missing.saturating_sub(1);
            settled = false;
        }
        // A replacement names what it replaces: a migrated allocation first, then a failed one.
        let unreplaced = |c: &Cluster, id: &String| {
            let a = &c.allocs[id];
            a.alloc.task_group == name && a.alloc.next_allocation.is_empty()
        };
        let previous_failed: Vec<String> = ids
            .iter()
            .filter(|id| {
                let a = &cluster.allocs[*id];
                unreplaced(cluster, id)
                    && a.alloc.desired_status == "stop"
                    && a.alloc.desired_description == MIGRATING
            })
            .chain(ids.iter().filter(|id| {
                let a = &cluster.allocs[*id];
                unreplaced(cluster, id)
                    && a.alloc.client_status == "failed"
                    && a.alloc.desired_status == "run"
            }))
            .cloned()
            .collect();
        let mut placed_new = 0;
        for i in 0..missing {
            match place(cluster, &placement(false, previous_failed.get(i).cloned())) {
                Ok(_) => placed_new += 1,
                Err(metric) => {
                    record_failure(cluster, key, eval_id, &name, metric);
                    queued.insert(name.clone(), (missing - placed_new) as i64);
                    failed_any = true;
                    break;
                }
            }
        }

        // Rolling replacement of the old version, at most max_parallel in flight.
        let max_parallel = group_update(&job, group).max_parallel.unwrap_or(0);
        let rolling = deployment.is_some() && max_parallel > 0;
        let in_flight = new
            .iter()
            .filter(|id| {
                cluster.allocs[*id]
                    .alloc
                    .deployment_status
                    .as_ref()
                    .is_none_or(|s| s.healthy.is_none())
            })
            .count() as i64;
        let mut budget = if halted {
            0
        } else if rolling {
            (max_parallel - in_flight).max(0)
        } else {
            old.len() as i64
        };
        let mut current = new.len() + placed_new;
        let mut old_iter = old.iter();
        while budget > 0 && current < count {
            let Some(victim) = old_iter.next() else { break };
            request_stop(cluster, victim, "alloc is being updated due to job update");
            match place(cluster, &placement(false, Some(victim.clone()))) {
                Ok(_) => {
                    current += 1;
                    budget -= 1;
                }
                Err(metric) => {
                    record_failure(cluster, key, eval_id, &name, metric);
                    queued.insert(name.clone(), (count - current) as i64);
                    failed_any = true;
                    break;
                }
            }
        }
        if current >= count {
            for victim in old_iter {
                request_stop(cluster, victim, "alloc not needed due to job update");
            }
        }
        // Scale down: stop the newest beyond the count.
        let live_new: Vec<String> = job_allocs(cluster, key)
            .into_iter()
            .filter(|id| {
                in_group(cluster, id)
                    && live(cluster, id)
                    && cluster.allocs[id].job_version == version
            })
            .collect();
        if live_new.len() > count
            && deployment
                .as_ref()
                .and_then(|d| d.task_groups.get(&name))
                .is_none_or(|s| s.desired_canaries == 0 || s.promoted)
        {
            let mut by_age = live_new.clone();
            by_age.sort_by_key(|id| std::cmp::Reverse(cluster.allocs[id].alloc.create_index));
            for victim in by_age.iter().take(live_new.len() - count) {
                request_stop(cluster, victim, "alloc not needed due to job update");
            }
        }
        if !old.is_empty() || missing > placed_new {
            settled = false;
        }
    }
    if let Some(record) = cluster.jobs.get_mut(key) {
        record.queued = queued.clone();
    }
    if !failed_any {
        unblock(cluster, key, &queued);
    } else {
        settled = false;
    }
    settled
}
