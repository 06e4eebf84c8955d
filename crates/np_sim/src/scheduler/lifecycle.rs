//! What the clock does to allocations: start, run, pass or fail health, crash and restart, finish, stop.

use std::collections::BTreeMap;

use np_nomad::types::{RestartPolicy, SECOND, TaskEvent, TaskState};

use super::{deployments, placement};
use crate::behaviour::Behaviour;
use crate::consul;
use crate::state::{Cluster, JobKey, Phase, now_nanos};
use crate::workload::{self, WorkloadSpec};

/// Starts a workload's HTTP server and returns the handle that stops it.
pub(crate) type Spawner<'a> = &'a dyn Fn(WorkloadSpec) -> tokio::task::AbortHandle;

/// Nomad keeps the last ten events of a task.
const MAX_EVENTS: usize = 10;

fn event(kind: &str, message: &str, now: i64) -> TaskEvent {
    TaskEvent {
        event_type: kind.into(),
        time: now,
        display_message: message.into(),
        ..TaskEvent::default()
    }
}

/// A task's exit (`TaskTerminated`: its display is "Exit Code: N", `nomad/structs/structs.go`).
pub(crate) fn terminated(code: i64, now: i64) -> TaskEvent {
    TaskEvent {
        exit_code: code,
        details: Some(BTreeMap::from([
            ("exit_code".to_owned(), code.to_string()),
            ("signal".to_owned(), "0".to_owned()),
            ("oom_killed".to_owned(), "false".to_owned()),
        ])),
        ..event("Terminated", &format!("Exit Code: {code}"), now)
    }
}

/// A restart within the restart policy after `delay` nanoseconds (`TaskRestarting`; Nomad's display leaves out
/// the reason "Restart within policy").
pub(crate) fn restarting(delay: i64, now: i64) -> TaskEvent {
    TaskEvent {
        restart_reason: "Restart within policy".into(),
        details: Some(BTreeMap::from([
            (
                "restart_reason".to_owned(),
                "Restart within policy".to_owned(),
            ),
            ("start_delay".to_owned(), delay.to_string()),
        ])),
        ..event(
            "Restarting",
            &format!("Task restarting in {}", go_duration(delay)),
            now,
        )
    }
}

fn push_events(state: &mut TaskState, events: Vec<TaskEvent>) {
    let list = state.events.get_or_insert_with(Vec::new);
    list.extend(events);
    if list.len() > MAX_EVENTS {
        let excess = list.len() - MAX_EVENTS;
        list.drain(..excess);
    }
}

/// Applies `f` to every task state of the allocation and announces the change.
fn update_tasks(
    cluster: &mut Cluster,
    id: &str,
    client_status: Option<&str>,
    f: impl Fn(&mut TaskState),
) {
    let index = cluster.bump();
    let Some(record) = cluster.allocs.get_mut(id) else {
        return;
    };
    for state in record
        .alloc
        .task_states
        .get_or_insert_with(Default::default)
        .values_mut()
    {
        f(state);
    }
    if let Some(status) = client_status {
        record.alloc.client_status = status.into();
    }
    record.alloc.modify_index = index;
    record.alloc.alloc_modify_index = index;
    record.alloc.modify_time = now_nanos();
    let key = JobKey::new(&record.alloc.namespace, &record.alloc.job_id);
    let payload = serde_json::json!({"Allocation": record.alloc});
    let filter = vec![key.id.clone(), record.alloc.deployment_id.clone()];
    cluster.emit(
        "Allocation",
        "AllocationUpdated",
        id,
        &key.namespace,
        filter,
        payload,
    );
    cluster.dirty.insert(key.clone());
    refresh_job_status(cluster, &key);
}

/// Sets the job's status from its allocations: running, pending, or dead.
pub(crate) fn refresh_job_status(cluster: &mut Cluster, key: &JobKey) {
    let allocs: Vec<(&str, &str)> = cluster
        .allocs
        .values()
        .filter(|a| a.alloc.job_id == key.id && a.alloc.namespace == key.namespace)
        .map(|a| {
            (
                a.alloc.client_status.as_str(),
                a.alloc.desired_status.as_str(),
            )
        })
        .collect();
    let Some(record) = cluster.jobs.get(key) else {
        return;
    };
    let stopped = record.current().stop == Some(true);
    let any_live = allocs
        .iter()
        .any(|(client, _)| matches!(*client, "running" | "pending"));
    let status = if allocs.iter().any(|(client, _)| *client == "running") {
        "running"
    } else if !any_live
        && (stopped
            || (!allocs.is_empty() && record.current().job_type.as_deref() != Some("service")))
    {
        "dead"
    } else {
        "pending"
    };
    if record.current().status.as_deref() != Some(status) {
        let index = cluster.bump();
        let record = cluster.jobs.get_mut(key).expect("checked above");
        let job = record.current_mut();
        job.status = Some(status.into());
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

fn start(cluster: &mut Cluster, id: &str, now: i64, restart: bool, spawn: Spawner<'_>) {
    let (image, spec) = {
        let record = &cluster.allocs[id];
        let image = record
            .group
            .tasks
            .iter()
            .flatten()
            .find_map(|t| t.config.as_ref()?.get("image")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        (image, WorkloadSpec::of(record))
    };
    let healthy_deadline = {
        let record = &cluster.allocs[id];
        now + cluster
            .config
            .scaled_nanos(record.update.healthy_deadline.unwrap_or(5 * 60 * SECOND))
    };
    let handle = (!spec.ports.is_empty()).then(|| spawn(spec.clone()));
    if let Some(record) = cluster.allocs.get_mut(id) {
        record.phase = Phase::Running { since: now };
        if record.healthy_deadline.is_none() {
            record.healthy_deadline = Some(healthy_deadline);
        }
        record.workload = handle;
        record.last_log_line = now;
    }
    let started_at = crate::state::rfc3339(now);
    let events = if restart {
        vec![event("Started", "Task started by client", now)]
    } else {
        vec![
            event("Task Setup", "Building Task Directory", now),
            event("Driver", &format!("Downloading image {image}"), now),
            event("Started", "Task started by client", now),
        ]
    };
    update_tasks(cluster, id, Some("running"), |state| {
        state.state = "running".into();
        state.failed = false;
        state.started_at = Some(started_at.clone());
        push_events(state, events.clone());
    });
    workload::write_startup(cluster, id, &spec);
}

fn exit(cluster: &mut Cluster, id: &str, now: i64, code: i64) {
    let (policy, service, task_names) = {
        let record = &cluster.allocs[id];
        if let Some(handle) = &record.workload {
            handle.abort();
        }
        let service = record.job_type == "service";
        let defaults = if service {
            RestartPolicy {
                attempts: Some(2),
                interval: Some(30 * 60 * SECOND),
                delay: Some(15 * SECOND),
                mode: Some("fail".into()),
                render_templates: None,
            }
        } else {
            RestartPolicy {
                attempts: Some(3),
                interval: Some(24 * 3600 * SECOND),
                delay: Some(15 * SECOND),
                mode: Some("fail".into()),
                render_templates: None,
            }
        };
        let policy = record.group.restart_policy.clone().unwrap_or(defaults);
        let names: Vec<String> = record
            .group
            .tasks
            .iter()
            .flatten()
            .filter_map(|t| t.name.clone())
            .collect();
        (policy, service, names)
    };
    if let Some(record) = cluster.allocs.get_mut(id) {
        record.workload = None;
    }
    let terminated = terminated(code, now);
    if code == 0 && !service {
        let finished = crate::state::rfc3339(now);
        update_tasks(cluster, id, Some("complete"), |state| {
            state.state = "dead".into();
            state.finished_at = Some(finished.clone());
            push_events(state, vec![terminated.clone()]);
        });
        if let Some(record) = cluster.allocs.get_mut(id) {
            record.phase = Phase::Dead;
        }
        return;
    }
    for task in &task_names {
        workload::write_line(
            cluster,
            id,
            task,
            "stderr",
            &format!("fatal: unhandled error, exiting with code {code}"),
        );
    }
    let interval = cluster
        .config
        .scaled_nanos(policy.interval.unwrap_or(30 * 60 * SECOND));
    let attempts = policy.attempts.unwrap_or(2);
    let recent = {
        let record = cluster.allocs.get_mut(id).expect("exists");
        record.restarts.retain(|t| now - *t < interval);
        record.restarts.len() as i64
    };
    if recent < attempts {
        let delay = cluster
            .config
            .scaled_nanos(policy.delay.unwrap_or(15 * SECOND));
        let restarting = restarting(delay, now);
        update_tasks(cluster, id, None, |state| {
            state.state = "pending".into();
            state.restarts += 1;
            state.last_restart = Some(crate::state::rfc3339(now));
            push_events(state, vec![terminated.clone(), restarting.clone()]);
        });
        if let Some(record) = cluster.allocs.get_mut(id) {
            record.restarts.push(now);
            record.phase = Phase::Restarting { at: now + delay };
        }
    } else {
        let message = format!(
            "Exceeded allowed attempts {attempts} in interval {} and mode is \"{}\"",
            go_duration(policy.interval.unwrap_or(0)),
            policy.mode.clone().unwrap_or_else(|| "fail".into())
        );
        let not_restarting = TaskEvent {
            fails_task: true,
            ..event("Not Restarting", &message, now)
        };
        let finished = crate::state::rfc3339(now);
        update_tasks(cluster, id, Some("failed"), |state| {
            state.state = "dead".into();
            state.failed = true;
            state.finished_at = Some(finished.clone());
            push_events(state, vec![terminated.clone(), not_restarting.clone()]);
        });
        if let Some(record) = cluster.allocs.get_mut(id) {
            record.phase = Phase::Dead;
            record.alloc.client_description = "Failed tasks".into();
            if let Some(status) = record
                .alloc
                .deployment_status
                .as_mut()
                .filter(|s| s.healthy.is_none())
            {
                status.healthy = Some(false);
                status.timestamp = Some(crate::state::rfc3339(now));
            }
        }
    }
}

/// Formats nanoseconds as Go's `time.Duration.String` does: `30m0s`, `1.5s`, `750ms`.
fn go_duration(nanos: i64) -> String {
    /// `whole.fraction` with the fraction's trailing zeros dropped.
    fn decimal(value: i64, unit: i64) -> String {
        let digits = unit.ilog10() as usize;
        let fraction = format!("{:0digits$}", value % unit);
        let fraction = fraction.trim_end_matches('0');
        if fraction.is_empty() {
            format!("{}", value / unit)
        } else {
            format!("{}.{fraction}", value / unit)
        }
    }
    match nanos {
        0 => "0s".into(),
        n if n < 0 => format!("-{}", go_duration(-n)),
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => format!("{}µs", decimal(n, 1_000)),
        n if n < SECOND => format!("{}ms", decimal(n, 1_000_000)),
        n => {
            let (h, m) = (n / (3600 * SECOND), (n / (60 * SECOND)) % 60);
            let s = decimal(n % (60 * SECOND), SECOND);
            if h > 0 {
                format!("{h}h{m}m{s}s")
            } else if m > 0 {
                format!("{m}m{s}s")
            } else {
                format!("{s}s")
            }
        }
    }
}

fn stop(cluster: &mut Cluster, id: &str, now: i64) {
    if let Some(record) = cluster.allocs.get_mut(id) {
        if let Some(handle) = record.workload.take() {
            handle.abort();
        }
        record.phase = Phase::Dead;
    }
    let finished = crate::state::rfc3339(now);
    let events = vec![
        event(
            "Killing",
            "Sent interrupt. Waiting 5s before force killing",
            now,
        ),
        event("Killed", "Task successfully killed", now),
    ];
    update_tasks(cluster, id, Some("complete"), |state| {
        if state.state != "dead" {
            state.state = "dead".into();
            state.finished_at = Some(finished.clone());
            push_events(state, events.clone());
        }
    });
}

fn check_health(cluster: &mut Cluster, id: &str, now: i64) {
    let Some(record) = cluster.allocs.get(id) else {
        return;
    };
    let Phase::Running { since } = record.phase else {
        return;
    };
    let Some(status) = record.alloc.deployment_status.as_ref() else {
        return;
    };
    if status.healthy.is_some() || record.alloc.deployment_id.is_empty() {
        return;
    }
    let running = cluster
        .deployments
        .get(&record.alloc.deployment_id)
        .is_some_and(|d| d.status == "running");
    if !running {
        return;
    }
    let min_healthy = cluster
        .config
        .scaled_nanos(record.update.min_healthy_time.unwrap_or(10 * SECOND));
    let verdict = if record.behaviour.checks_pass() && now - since >= min_healthy {
        Some(true)
    } else if record.healthy_deadline.is_some_and(|d| now >= d) {
        Some(false)
    } else {
        None
    };
    if let Some(healthy) = verdict {
        let index = cluster.bump();
        let record = cluster.allocs.get_mut(id).expect("exists");
        if let Some(status) = record.alloc.deployment_status.as_mut() {
            status.healthy = Some(healthy);
            status.timestamp = Some(crate::state::rfc3339(now));
            status.modify_index = index;
        }
        record.alloc.modify_index = index;
        let key = JobKey::new(&record.alloc.namespace, &record.alloc.job_id);
        let payload = serde_json::json!({"Allocation": record.alloc});
        let filter = vec![key.id.clone(), record.alloc.deployment_id.clone()];
        cluster.emit(
            "Allocation",
            "AllocationUpdated",
            id,
            &key.namespace,
            filter,
            payload,
        );
        cluster.dirty.insert(key);
    }
}

fn step(cluster: &mut Cluster, id: &str, now: i64, spawn: Spawner<'_>) {
    let Some(record) = cluster.allocs.get(id) else {
        return;
    };
    match record.phase.clone() {
        Phase::Starting { at } if now >= at => {
            if record.wants_to_run() {
                start(cluster, id, now, false, spawn);
            } else {
                stop(cluster, id, now);
            }
        }
        Phase::Running { since } => {
            let crash_after = cluster.config.start_delay.as_nanos() as i64 + 500_000_000;
            match record.behaviour {
                Behaviour::Crash if now - since >= crash_after => exit(cluster, id, now, 1),
                Behaviour::Complete if now - since >= crash_after => exit(cluster, id, now, 0),
                _ => {
                    check_health(cluster, id, now);
                    workload::write_periodic(cluster, id, now);
                }
            }
        }
        Phase::Restarting { at } if now >= at => start(cluster, id, now, true, spawn),
        Phase::Stopping { at } if now >= at => stop(cluster, id, now),
        _ => {}
    }
}

/// Terminal allocations kept per job before the oldest are forgotten (Nomad garbage-collects them).
const KEEP_TERMINAL: usize = 20;

fn collect_garbage(cluster: &mut Cluster) {
    if cluster.allocs.len() < 10_000 {
        return;
    }
    let mut by_job: BTreeMap<JobKey, Vec<(u64, String)>> = Default::default();
    for a in cluster.allocs.values().filter(|a| a.phase == Phase::Dead) {
        by_job
            .entry(JobKey::new(&a.alloc.namespace, &a.alloc.job_id))
            .or_default()
            .push((a.alloc.create_index, a.alloc.id.clone()));
    }
    for (_, mut dead) in by_job {
        if dead.len() > KEEP_TERMINAL {
            dead.sort();
            for (_, id) in dead.iter().take(dead.len() - KEEP_TERMINAL) {
                cluster.allocs.remove(id);
                cluster.logs.remove_alloc(id);
            }
        }
    }
}

/// One clock step: advance allocations, watch deployments, reconcile jobs that need it, sync Consul.
pub(crate) fn tick(cluster: &mut Cluster, spawn: Spawner<'_>) {
    let now = now_nanos();
    let live: Vec<String> = cluster
        .allocs
        .iter()
        .filter(|(_, a)| a.phase != Phase::Dead)
        .map(|(id, _)| id.clone())
        .collect();
    for id in live {
        step(cluster, &id, now, spawn);
    }
    deployments::watch(cluster, now);
    let dirty: Vec<JobKey> = cluster.dirty.iter().cloned().collect();
    for key in dirty {
        if placement::reconcile(cluster, &key, None) {
            cluster.dirty.remove(&key);
        }
        refresh_job_status(cluster, &key);
    }
    consul::sync(cluster);
    collect_garbage(cluster);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(30 * 60 * SECOND), "30m0s");
        assert_eq!(go_duration(24 * 3600 * SECOND), "24h0m0s");
        assert_eq!(go_duration(15 * SECOND), "15s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(90 * SECOND + 250_000_000), "1m30.25s");
        assert_eq!(go_duration(750_000_000), "750ms");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(0), "0s");
    }
}
