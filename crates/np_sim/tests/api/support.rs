//! Starting a simulator and building jobs for the tests.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use np_nomad::types::{
    Job, JobRegisterRequest, NetworkResource, Port, Resources, SECOND, Service, ServiceCheck, Task,
    TaskGroup, UpdateStrategy,
};
use np_nomad::{Nomad, NomadConfig, QueryOptions, WriteOptions};
use np_sim::{SimConfig, Simulator};

/// A simulator on free ports, with Nomad's timings scaled down twenty times.
pub async fn sim() -> Simulator {
    Simulator::start(SimConfig::default())
        .await
        .expect("simulator starts")
}

/// A simulator with `config` changes.
pub async fn sim_with(change: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut config = SimConfig::default();
    change(&mut config);
    Simulator::start(config).await.expect("simulator starts")
}

/// A Nomad client for the simulator.
pub fn nomad(sim: &Simulator) -> Nomad {
    Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap()
}

/// Polls `check` until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A web service job: `count` instances of `image` with an HTTP port, a service and a health check.
pub fn web_job(id: &str, image: &str, count: i64) -> Job {
    Job {
        id: Some(id.into()),
        update: Some(UpdateStrategy {
            max_parallel: Some(1),
            min_healthy_time: Some(2 * SECOND),
            healthy_deadline: Some(20 * SECOND),
            progress_deadline: Some(60 * SECOND),
            auto_revert: Some(true),
            ..UpdateStrategy::default()
        }),
        task_groups: Some(vec![TaskGroup {
            name: Some("web".into()),
            count: Some(count),
            networks: Some(vec![NetworkResource {
                dynamic_ports: Some(vec![Port {
                    label: "http".into(),
                    to: Some(8080),
                    ..Port::default()
                }]),
                ..NetworkResource::default()
            }]),
            services: Some(vec![Service {
                name: Some(id.into()),
                port_label: Some("http".into()),
                tags: Some(vec![
                    "traefik.enable=true".into(),
                    format!("traefik.http.routers.{id}.rule=Host(`{id}.example.test`)"),
                ]),
                canary_tags: Some(vec!["traefik.enable=false".into()]),
                checks: Some(vec![ServiceCheck {
                    check_type: Some("http".into()),
                    path: Some("/healthz".into()),
                    interval: Some(10 * SECOND),
                    timeout: Some(2 * SECOND),
                    ..ServiceCheck::default()
                }]),
                ..Service::default()
            }]),
            tasks: Some(vec![Task {
                name: Some("web".into()),
                driver: Some("podman".into()),
                config: Some(BTreeMap::from([
                    ("image".into(), image.into()),
                    ("ports".into(), serde_json::json!(["http"])),
                ])),
                resources: Some(Resources {
                    cpu: Some(200),
                    memory_mb: Some(256),
                    ..Resources::default()
                }),
                ..Task::default()
            }]),
            ..TaskGroup::default()
        }]),
        ..Job::default()
    }
}

/// Registers `job` in `namespace`.
pub async fn register(
    client: &Nomad,
    namespace: &str,
    job: Job,
) -> np_nomad::types::JobRegisterResponse {
    let request = JobRegisterRequest {
        job: Some(job),
        ..JobRegisterRequest::default()
    };
    client
        .jobs()
        .register(&request, &WriteOptions::namespace(namespace))
        .await
        .expect("register")
        .0
}

/// Waits until the job's latest deployment reaches `status`, and returns it.
pub async fn deployment_reaches(
    client: &Nomad,
    namespace: &str,
    id: &str,
    version: u64,
    status: &str,
) -> np_nomad::types::Deployment {
    eventually(
        Duration::from_secs(30),
        &format!("{id} v{version} deployment {status}"),
        || async {
            let (deployments, _) = client
                .jobs()
                .deployments(id, &QueryOptions::namespace(namespace))
                .await
                .ok()?;
            deployments
                .into_iter()
                .find(|d| d.job_version == version && d.status == status)
        },
    )
    .await
}

/// The allocations of a job that are running, by job version.
pub async fn running(
    client: &Nomad,
    namespace: &str,
    id: &str,
) -> Vec<np_nomad::types::AllocationListStub> {
    let (allocs, _) = client
        .jobs()
        .allocations(id, false, &QueryOptions::namespace(namespace))
        .await
        .unwrap();
    allocs
        .into_iter()
        .filter(|a| a.client_status == "running" && a.desired_status == "run")
        .collect()
}

/// A request to the simulator's Nomad API as HashiCorp's Go client sends it (every field present): the status,
/// the `X-Nomad-Index` header and the body as text.
pub async fn raw(
    sim: &Simulator,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, Option<u64>, String) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", sim.nomad_url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status().as_u16();
    let index = response
        .headers()
        .get("X-Nomad-Index")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (status, index, response.text().await.unwrap_or_default())
}

/// `raw`, with the body parsed as JSON.
pub async fn raw_json(
    sim: &Simulator,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, Option<u64>, serde_json::Value) {
    let (status, index, text) = raw(sim, method, path, body).await;
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, index, value)
}
