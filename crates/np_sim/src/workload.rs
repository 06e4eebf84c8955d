//! Simulated workloads: a running allocation serves real HTTP on each of its ports (so Traefik can route to
//! it), writes stdout and stderr (also ingested into the OpenObserve stream `nomad_logs`), and uses CPU and
//! memory along a smooth, deterministic curve.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Map, Value};

use crate::behaviour::Behaviour;
use crate::state::{AllocRecord, Cluster, Shared, now_nanos};

/// The OpenObserve stream task output is ingested into.
pub(crate) const LOG_STREAM: &str = "nomad_logs";

/// What a workload needs to know about itself.
#[derive(Debug, Clone)]
pub(crate) struct WorkloadSpec {
    pub alloc_id: String,
    pub job: String,
    pub group: String,
    pub task: String,
    pub version: u64,
    pub image: String,
    pub behaviour: Behaviour,
    pub ports: Vec<(String, u16, i64)>,
    pub health_paths: Vec<String>,
}

impl WorkloadSpec {
    pub fn of(record: &AllocRecord) -> Self {
        let main = record
            .group
            .tasks
            .iter()
            .flatten()
            .find(|t| t.lifecycle.is_none())
            .or_else(|| record.group.tasks.as_ref()?.first());
        let services = record.group.services.iter().flatten().chain(
            record
                .group
                .tasks
                .iter()
                .flatten()
                .flat_map(|t| t.services.iter().flatten()),
        );
        Self {
            alloc_id: record.alloc.id.clone(),
            job: record.alloc.job_id.clone(),
            group: record.alloc.task_group.clone(),
            task: main.and_then(|t| t.name.clone()).unwrap_or_default(),
            version: record.job_version,
            image: main
                .and_then(|t| t.config.as_ref()?.get("image")?.as_str().map(str::to_owned))
                .unwrap_or_default(),
            behaviour: record.behaviour,
            ports: record
                .ports
                .iter()
                .map(|p| (p.label.clone(), p.value as u16, p.to))
                .collect(),
            health_paths: services
                .flat_map(|s| s.checks.iter().flatten())
                .filter_map(|c| c.path.clone())
                .collect(),
        }
    }
}

/// Appends a line to a task's output and ingests it into OpenObserve with the allocation's metadata.
pub(crate) fn write_line(
    cluster: &mut Cluster,
    alloc_id: &str,
    task: &str,
    stream: &str,
    line: &str,
) {
    let Some(record) = cluster.allocs.get(alloc_id) else {
        return;
    };
    let mut fields = Map::new();
    fields.insert("message".into(), Value::from(line));
    fields.insert("stream".into(), Value::from(stream));
    fields.insert(
        "nomad_namespace".into(),
        Value::from(record.alloc.namespace.clone()),
    );
    fields.insert(
        "nomad_job_name".into(),
        Value::from(record.alloc.job_id.clone()),
    );
    fields.insert(
        "nomad_group_name".into(),
        Value::from(record.alloc.task_group.clone()),
    );
    fields.insert("nomad_task_name".into(), Value::from(task));
    fields.insert("nomad_alloc_id".into(), Value::from(alloc_id));
    fields.insert(
        "nomad_node_name".into(),
        Value::from(record.alloc.node_name.clone()),
    );
    let now_us = now_nanos() / 1_000;
    cluster
        .logs
        .append(alloc_id, task, stream, format!("{line}\n").as_bytes());
    cluster.o2.ingest(LOG_STREAM, vec![fields], now_us);
    cluster.note_log_append();
}

/// The lines a task prints when it starts.
pub(crate) fn write_startup(cluster: &mut Cluster, alloc_id: &str, spec: &WorkloadSpec) {
    let task_names: Vec<String> = cluster
        .allocs
        .get(alloc_id)
        .map(|r| {
            r.group
                .tasks
                .iter()
                .flatten()
                .filter_map(|t| t.name.clone())
                .collect()
        })
        .unwrap_or_default();
    for task in &task_names {
        cluster.logs.open(alloc_id, task);
    }
    let short = &spec.alloc_id[..8.min(spec.alloc_id.len())];
    write_line(
        cluster,
        alloc_id,
        &spec.task,
        "stdout",
        &format!(
            "starting {} (allocation {short}, job version {})",
            spec.image, spec.version
        ),
    );
    for (label, _, to) in &spec.ports {
        write_line(
            cluster,
            alloc_id,
            &spec.task,
            "stdout",
            &format!("\u{1b}[32mINFO\u{1b}[0m listening on 0.0.0.0:{to} ({label})"),
        );
    }
    if spec.behaviour == Behaviour::Unhealthy {
        write_line(
            cluster,
            alloc_id,
            &spec.task,
            "stderr",
            "\u{1b}[31mERROR\u{1b}[0m cannot reach the database: connection refused",
        );
    }
}

/// A periodic line from a running task: its health-check traffic.
pub(crate) fn write_periodic(cluster: &mut Cluster, alloc_id: &str, now: i64) {
    let interval = cluster.config.log_line_interval.as_nanos() as i64;
    let Some(record) = cluster.allocs.get(alloc_id) else {
        return;
    };
    if now - record.last_log_line < interval {
        return;
    }
    let spec = WorkloadSpec::of(record);
    let path = spec
        .health_paths
        .first()
        .cloned()
        .unwrap_or_else(|| "/".into());
    if let Some(record) = cluster.allocs.get_mut(alloc_id) {
        record.last_log_line = now;
    }
    if spec.behaviour.checks_pass() {
        write_line(
            cluster,
            alloc_id,
            &spec.task,
            "stdout",
            &format!("\u{1b}[32mINFO\u{1b}[0m GET {path} 200 0.4ms"),
        );
    } else {
        write_line(
            cluster,
            alloc_id,
            &spec.task,
            "stderr",
            &format!("\u{1b}[31mERROR\u{1b}[0m GET {path} 500: dependency unavailable"),
        );
    }
}

/// CPU percent (of one core), CPU MHz consumed and resident memory in bytes at time `t` (nanoseconds), on a
/// curve that is the same for the stats endpoint and the metrics history.
pub(crate) fn usage(alloc_id: &str, cpu_mhz: i64, memory_mb: i64, t: i64) -> (f64, f64, u64) {
    let seed = alloc_id
        .bytes()
        .fold(7_u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let phase = (seed % 1000) as f64 / 1000.0 * std::f64::consts::TAU;
    let minutes = t as f64 / 60e9;
    let wave = 0.5 + 0.5 * (minutes * std::f64::consts::TAU / 5.0 + phase).sin();
    let utilisation = 0.08 + 0.4 * wave;
    let ticks = cpu_mhz as f64 * utilisation;
    let percent = ticks / 2_000.0 * 100.0;
    let rss = (memory_mb as f64 * (0.35 + 0.2 * wave) * 1024.0 * 1024.0) as u64;
    (percent, ticks, rss)
}

#[derive(Clone)]
struct WorkloadState {
    shared: Arc<Shared>,
    spec: WorkloadSpec,
}

async fn answer(State(state): State<WorkloadState>, request: Request) -> impl IntoResponse {
    let path = request.uri().path().to_owned();
    let is_health = state.spec.health_paths.iter().any(|p| p == &path);
    let status = if is_health && !state.spec.behaviour.checks_pass() {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    let host = request
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let line = format!(
        "{} {path} {} host={host}",
        request.method(),
        status.as_u16()
    );
    let (alloc, task) = (state.spec.alloc_id.clone(), state.spec.task.clone());
    state.shared.write(|c| {
        write_line(
            c,
            &alloc,
            &task,
            if status.is_success() {
                "stdout"
            } else {
                "stderr"
            },
            &line,
        )
    });
    let body = if is_health {
        if status.is_success() {
            "ok\n".to_owned()
        } else {
            "unhealthy: dependency unavailable\n".to_owned()
        }
    } else {
        format!(
            "Hello from {} (group {}, version {}, allocation {}), served by the np cluster simulator.\n",
            state.spec.job, state.spec.group, state.spec.version, state.spec.alloc_id
        )
    };
    (status, body)
}

/// Starts the workload's HTTP servers (one per port) and returns the handle that stops them.
pub(crate) fn spawn(shared: Arc<Shared>, spec: WorkloadSpec) -> tokio::task::AbortHandle {
    let mut listeners = Vec::new();
    for (_, port, _) in &spec.ports {
        match std::net::TcpListener::bind(("127.0.0.1", *port))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
        {
            Ok(listener) => listeners.push(listener),
            Err(e) => tracing::warn!(port, error = %e, "workload port unavailable"),
        }
    }
    let state = WorkloadState { shared, spec };
    let task = tokio::spawn(async move {
        let servers = listeners
            .into_iter()
            .filter_map(|l| tokio::net::TcpListener::from_std(l).ok())
            .map(|listener| {
                let app = Router::new().fallback(answer).with_state(state.clone());
                async move {
                    let _ = axum::serve(listener, app).await;
                }
            });
        futures::future::join_all(servers).await;
    });
    task.abort_handle()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_deterministic_and_within_reservations() {
        let a = usage("alloc-1", 500, 256, 1_000_000_000_000);
        assert_eq!(a, usage("alloc-1", 500, 256, 1_000_000_000_000));
        assert!(a.1 > 0.0 && a.1 <= 500.0);
        assert!(a.2 > 0 && a.2 <= 256 * 1024 * 1024);
        assert_ne!(
            usage("alloc-1", 500, 256, 0).1,
            usage("alloc-2", 500, 256, 0).1
        );
    }
}
