//! Load test: the console (the release `np` binary, its own process) in front of the cluster simulator, under
//! 50 and 200 concurrent users who each request a page, read it whole and ask again at once (a closed loop,
//! no think time — harsher than people are). Pages: the apps list, an app's page, the audit log. Run with
//! 100 jobs in the tenant's namespace, then 10,000. Also: the console's memory idle and under load, and how
//! many connections to Nomad 200 people watching one app's rollout and 200 tailing its log cause.
//!
//! `scripts/bench load` (or `cargo bench -p np --bench load` with `DATABASE_URL` naming a Postgres server).
//! Settings: `NP_LOAD_SECONDS` per run (default 15), `NP_LOAD_JOBS` (default `100,10000`), `NP_LOAD_USERS`
//! (default `50,200`). Prints a table; nothing is asserted about timings.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use np_domain::memberships::TenantRole;
use np_domain::{Platform, Services, Upstreams};
use np_nomad::{Nomad, NomadConfig, WriteOptions};
use sqlx::{Connection, PgPool};

const DATABASE: &str = "np_bench_load";

fn list(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// A fresh database for the run.
async fn database() -> (PgPool, String) {
    let server = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a Postgres server (scripts/bench starts one)");
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {DATABASE}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{base}/{DATABASE}");
    let pool = PgPool::connect(&url).await.unwrap();
    sqlx::migrate!("../migrations").run(&pool).await.unwrap();
    (pool, url)
}

/// Resident and peak memory of a process, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Console {
    child: Child,
    base: String,
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn console(url: &str, sim: &np_sim::Simulator) -> Console {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = std::env::temp_dir().join(format!("np-load-{}", std::process::id()));
    std::fs::create_dir_all(&data).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_np"))
        .arg("serve")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_remove("NP_CONFIG_FILE")
        .env("DATABASE_URL", url)
        .env("NP_LISTEN", format!("127.0.0.1:{port}"))
        .env("NP_DATA_DIR", &data)
        .env("NP_NOMAD_ADDR", sim.nomad_url())
        .env("NP_CONSUL_ADDR", sim.consul_url())
        .env("NP_LOG", "error")
        // One token stands for the 200 people who watch an app at once; people each have their own cap.
        .env("NP_STREAMS_PER_USER", "0")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..400 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Console { child, base };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("the console did not start");
}

/// Registers jobs `from..to` in the tenant's namespace (no instances: the list's size is what counts).
async fn seed_jobs(nomad: &Nomad, template: &np_nomad::types::Job, from: usize, to: usize) {
    futures::future::join_all((0..8).map(|worker| {
        let (nomad, template) = (nomad.clone(), template.clone());
        async move {
            for i in (from..to).filter(|i| i % 8 == worker) {
                let mut job = template.clone();
                let id = format!("acme--load-{i:05}");
                job.id = Some(id.clone());
                job.name = Some(id);
                for group in job.task_groups.iter_mut().flatten() {
                    group.count = Some(0);
                    group.scaling = None;
                }
                let request = np_nomad::types::JobRegisterRequest {
                    job: Some(job),
                    ..Default::default()
                };
                nomad
                    .jobs()
                    .register(&request, &WriteOptions::namespace("acme"))
                    .await
                    .unwrap();
            }
        }
    }))
    .await;
}

#[derive(Default)]
struct Stats {
    latencies: Vec<Duration>,
    errors: usize,
}

/// `users` loops of GET `path` for `seconds`.
async fn run(base: &str, token: &str, path: &str, users: usize, seconds: u64) -> (Stats, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(users)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..users)
        .map(|_| {
            let (client, url, token) = (client.clone(), format!("{base}{path}"), token.to_owned());
            tokio::spawn(async move {
                let mut stats = Stats::default();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let ok = match client.get(&url).bearer_auth(&token).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    stats.latencies.push(t.elapsed());
                    if !ok {
                        stats.errors += 1;
                    }
                }
                stats
            })
        })
        .collect();
    let mut all = Stats::default();
    for t in tasks {
        let s = t.await.unwrap();
        all.latencies.extend(s.latencies);
        all.errors += s.errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies.sort();
    (all, elapsed)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// Opens `viewers` streams of `path`, keeps them open `hold`, and reports the most Nomad connections seen.
async fn watchers(
    base: &str,
    token: &str,
    path: &str,
    viewers: usize,
    sim: &np_sim::Simulator,
) -> (usize, usize, usize) {
    let before = sim.nomad_connections();
    let client = reqwest::Client::new();
    let mut streams = Vec::new();
    let mut failed = 0;
    for _ in 0..viewers {
        match client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => streams.push(r),
            _ => failed += 1,
        }
    }
    let mut peak = 0;
    for _ in 0..30 {
        peak = peak.max(sim.nomad_connections());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(streams);
    (before, peak, failed)
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("load: bench");
        return;
    }
    let seconds: u64 = std::env::var("NP_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let job_counts = list("NP_LOAD_JOBS", "100,10000");
    let user_counts = list("NP_LOAD_USERS", "50,200");
    let (pool, url) = database().await;
    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let nomad = Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
    let services = Services {
        db: pool.clone(),
        upstreams: Upstreams {
            nomad: Some(nomad.clone()),
            ..Upstreams::default()
        },
        platform: Platform::default(),
        live: np_domain::live::Hub::new(),
        limits: np_domain::limits::Limits::new(Default::default()),
        audit: Arc::new(np_domain::audit::chain::Keys::ephemeral()),
    };
    let admin = np_domain::authz::Caller::system("load test");
    let tenant = np_domain::provisioning::create(
        &services,
        &admin,
        &np_domain::tenants::NewTenant {
            slug: np_spec::names::TenantSlug::parse("acme").unwrap(),
            display_name: "Acme".into(),
            settings: np_domain::tenants::TenantSettings::default(),
        },
    )
    .await
    .unwrap();
    // The app people look at: deployed through the console, two instances.
    let deployed = np_domain::apps::deploy(
        &services,
        &admin,
        "acme",
        &np_domain::apps::DeployInput {
            text: r#"{"name":"web","image":"nginx:1.27","ports":[{"name":"http","port":8080}],"replicas":{"count":2}}"#.into(),
            format: None,
            app: None,
            source: "api",
            idempotency_key: None,
            based_on: None,
        },
    )
    .await
    .unwrap();
    let token = np_domain::api_tokens::create(&pool, tenant.id, "load", TenantRole::Admin, 1, None)
        .await
        .unwrap()
        .secret;
    // An audit log of 100,000 records for the audit page.
    sqlx::query(include_str!("load-audit.sql"))
        .bind(tenant.id)
        .execute(&pool)
        .await
        .unwrap();
    let (template, _) = nomad
        .jobs()
        .info(
            &deployed[0].job_id,
            &np_nomad::QueryOptions {
                namespace: Some("acme".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let console = console(&url, &sim).await;
    let pid = console.child.id();
    let pages = ["/apps", "/apps/web", "/audit"];
    for page in pages {
        let (stats, _) = run(&console.base, &token, page, 1, 1).await;
        assert_eq!(stats.errors, 0, "{page} answers before the load starts");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle, _) = memory(pid);
    println!(
        "machine: {} CPUs; {seconds} s per run",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!("console memory idle (after one request per page): {idle:.1} MiB RSS");
    println!();
    println!(
        "| jobs | users | page | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | RSS MiB |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut seeded = 1;
    for jobs in job_counts {
        if jobs > seeded {
            let t = Instant::now();
            seed_jobs(&nomad, &template, seeded, jobs).await;
            eprintln!(
                "seeded {} jobs in {:.1} s",
                jobs - seeded,
                t.elapsed().as_secs_f64()
            );
            seeded = jobs;
        }
        for &users in &user_counts {
            for page in pages {
                let (stats, elapsed) = run(&console.base, &token, page, users, seconds).await;
                let (rss, _) = memory(pid);
                let n = stats.latencies.len();
                println!(
                    "| {jobs} | {users} | {page} | {n} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {rss:.1} |",
                    stats.errors,
                    n as f64 / elapsed,
                    ms(pct(&stats.latencies, 0.50)),
                    ms(pct(&stats.latencies, 0.95)),
                    ms(pct(&stats.latencies, 0.99)),
                    ms(*stats.latencies.last().unwrap_or(&Duration::ZERO)),
                );
            }
        }
    }
    let (_, peak) = memory(pid);
    println!();
    println!("console memory peak under load: {peak:.1} MiB");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (after, _) = memory(pid);
    println!("console memory after the load: {after:.1} MiB RSS");
    println!();
    let instance = services_instance(&nomad).await;
    for (what, path) in [
        (
            "watch the app's rollout",
            "/api/v1/tenants/acme/apps/web/watch".to_owned(),
        ),
        (
            "tail an instance's log",
            format!("/api/v1/tenants/acme/apps/web/logs/tail?instance={instance}"),
        ),
    ] {
        let (before, peak, failed) = watchers(&console.base, &token, &path, 200, &sim).await;
        println!(
            "200 people {what}: Nomad connections {before} before, at most {peak} while they watch; {failed} refused"
        );
    }
}

/// The id of one of the app's instances.
async fn services_instance(nomad: &Nomad) -> String {
    let (allocs, _) = nomad
        .jobs()
        .allocations(
            "acme--web",
            false,
            &np_nomad::QueryOptions {
                namespace: Some("acme".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    allocs.first().map(|a| a.id.clone()).unwrap_or_default()
}
