//! The console killed (SIGKILL) in the middle of a deploy — after Nomad accepted the job, before the console
//! recorded that it had — and started again: the deploy's outcome is settled from Nomad at start-up, its rollout
//! is followed to its end with nobody watching, and every audit intent has exactly one result. Runs the real `np` binary against the simulator and a test database.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use np_domain::Upstreams;
use np_domain::memberships::TenantRole;
use np_nomad::{Nomad, NomadConfig, QueryOptions};
use np_sim::{Fault, FaultRule};
use sqlx::PgPool;

/// Starts `np serve` on a free port; returns the child and its address once it answers `/healthz`.
async fn serve(database_url: &str, nomad: &str, data: &std::path::Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_np"))
        .arg("serve")
        .env_remove("NP_CONFIG_FILE")
        .env("DATABASE_URL", database_url)
        .env("NP_LISTEN", &addr)
        .env("NP_DATA_DIR", data)
        .env("NP_NOMAD_ADDR", nomad)
        .env("NP_AUDIT_RECONCILE_SECS", "0")
        .env("NP_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, format!("http://{addr}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("np serve did not come up on {addr}");
}

async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_console_killed_mid_deploy_settles_the_deploy_from_nomad_when_it_starts_again(
    pool: PgPool,
) {
    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let nomad = Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
    let services = common::services(
        pool.clone(),
        Upstreams {
            nomad: Some(nomad.clone()),
            ..Upstreams::default()
        },
    );
    common::tenant(&services, "acme").await;
    let token = common::token(&pool, "acme", TenantRole::Developer).await;
    let base = std::env::var("DATABASE_URL").unwrap();
    let database = pool.connect_options().get_database().unwrap().to_owned();
    let url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
    let data = std::env::temp_dir().join(format!("np-restart-{database}"));
    std::fs::create_dir_all(&data).unwrap();

    // Nomad applies the job at once but answers slowly: the console is killed while it waits.
    sim.fault(FaultRule {
        upstream: "nomad".into(),
        method: "PUT".into(),
        path_prefix: "/v1/jobs".into(),
        fault: Fault::Latency {
            millis: 5000,
            after: true,
        },
        remaining: Some(1),
    });
    let (mut console, addr) = serve(&url, &sim.nomad_url(), &data).await;
    let request = reqwest::Client::new()
        .post(format!("{addr}/api/v1/tenants/acme/apps"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"name":"web","image":"nginx:1.27"}"#)
        .send();
    let in_flight = tokio::spawn(request);
    let options = QueryOptions {
        namespace: Some("acme".into()),
        ..QueryOptions::default()
    };
    until("Nomad to have the job", || async {
        nomad.jobs().info("acme--web", &options).await.is_ok()
    })
    .await;
    console.kill().unwrap();
    console.wait().unwrap();
    assert!(
        in_flight.await.unwrap().is_err(),
        "the request died with the console"
    );
    let (state,): (String,) = sqlx::query_as("SELECT state FROM deploys WHERE app = 'web'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        state, "submitting",
        "killed before it could record Nomad's answer"
    );

    // Started again, it settles the deploy from Nomad.
    let (mut console, _) = serve(&url, &sim.nomad_url(), &data).await;
    until("the deploy to be settled", || async {
        sqlx::query_scalar::<_, String>("SELECT state FROM deploys WHERE app = 'web'")
            .fetch_one(&pool)
            .await
            .unwrap()
            == "submitted"
    })
    .await;
    // Nobody watches the rollout: the console that started again follows it to its end by itself, and records
    // the time Nomad reached it.
    until("the rollout's outcome to be recorded", || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT rollout FROM deploys WHERE app = 'web'")
            .fetch_one(&pool)
            .await
            .unwrap()
            .as_deref()
            == Some("successful")
    })
    .await;
    console.kill().unwrap();
    console.wait().unwrap();
    let nomad_time: Option<String> = sqlx::query_scalar(
        "SELECT details ->> 'nomad_time' FROM audit_events WHERE action = 'deploy.rollout'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (deployment, _) = nomad
        .jobs()
        .latest_deployment("acme--web", &options)
        .await
        .unwrap();
    let reached = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(
        deployment.unwrap().modify_time,
    ))
    .unwrap();
    let recorded = time::OffsetDateTime::parse(
        &nomad_time.expect("the outcome's time"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(recorded, reached, "the time Nomad reached the outcome");
    let pairs: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT action, count(*) FILTER (WHERE phase = 'intent'), count(*) FILTER (WHERE phase = 'result')
           FROM audit_events WHERE phase IN ('intent', 'result') GROUP BY action ORDER BY action",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (action, intents, results) in &pairs {
        assert_eq!(intents, results, "{action}: every intent has one result");
    }
    let (outcome, reconciled, version): (String, Option<bool>, Option<i64>) = sqlx::query_as(
        "SELECT outcome, (details ->> 'reconciled')::boolean, job_version FROM audit_events
          WHERE action = 'deploy.submit' AND phase = 'result'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (outcome.as_str(), reconciled, version),
        ("success", Some(true), Some(0))
    );
    let (versions, _) = nomad
        .jobs()
        .versions("acme--web", false, &options)
        .await
        .unwrap();
    assert_eq!(versions.versions.len(), 1, "deployed once");
    let _ = std::fs::remove_dir_all(&data);
}
