//! What the console says runs is what Nomad runs: after a revert, a scale made through Nomad's API and a
//! change made outside the console, the running deploy, the versions list and an edit all follow Nomad; and
//! every rollout is followed to its outcome (with Nomad's time) with nobody watching, by one replica.

use std::time::Duration;

use np_domain::authz::Caller;
use np_domain::{Services, operate, rollouts};
use np_nomad::types::{JobRegisterRequest, ScalingRequest};
use np_nomad::{QueryOptions, WriteOptions};
use sqlx::PgPool;

mod common;

use common::input;

const FAST: &str =
    r#""update":{"min_healthy_time":"1s","healthy_deadline":"4s","progress_deadline":"10s"}"#;

async fn setup(pool: PgPool) -> (Services, np_sim::Simulator, Caller) {
    let (services, sim) = common::services_with_simulator(pool).await;
    let admin = Caller::system("test");
    common::tenants(&services, &admin, &["acme"]).await;
    (services, sim, admin)
}

async fn deploy(services: &Services, caller: &Caller, image: &str) -> uuid::Uuid {
    let text =
        format!(r#"{{"name":"web","image":"{image}","replicas":{{"count":1,"max":5}},{FAST}}}"#);
    np_domain::apps::deploy(services, caller, "acme", &input(&text))
        .await
        .unwrap()[0]
        .deploy_id
}

/// Runs the rollout follower until `app`'s deploys all have an outcome (at most 30 s).
async fn follow_until_settled(services: &Services) {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            rollouts::tick(services).await.unwrap();
            let open: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM deploys WHERE state = 'submitted' AND rollout IS NULL",
            )
            .fetch_one(&services.db)
            .await
            .unwrap();
            if open == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("rollouts did not settle");
}

/// Waits until Nomad's job satisfies `done` (at most 30 s).
async fn until_job(services: &Services, done: impl Fn(&np_nomad::types::Job) -> bool) {
    let nomad = services.upstreams.nomad.as_ref().unwrap();
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let (job, _) = nomad
                .jobs()
                .info("acme--web", &QueryOptions::namespace("acme"))
                .await
                .unwrap();
            if done(&job) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("Nomad's job never got there");
}

#[sqlx::test(migrations = "../../migrations")]
async fn after_a_revert_the_console_names_the_deploy_nomad_runs(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    let good = deploy(&services, &admin, "nginx:1.27").await;
    follow_until_settled(&services).await;
    let bad = deploy(&services, &admin, "example/unhealthy:2").await;
    // Nomad fails the rollout and registers version 0's spec again as version 2.
    until_job(&services, |j| j.version == Some(2)).await;

    let running = operate::running_view(&services, &admin, "acme", "web")
        .await
        .unwrap();
    assert_eq!(running.job_version, 2);
    assert_eq!(running.deploy_id, Some(good.to_string()));
    assert_eq!(
        (running.how.as_str(), running.deploy_number),
        ("reverted", Some(1))
    );

    // An edit starts from what runs, not from the failed image.
    let edit = operate::edit_start(&services, &admin, "acme", "web")
        .await
        .unwrap();
    assert_eq!(edit.spec.image, "nginx:1.27");
    assert_eq!(edit.based_on, Some(bad), "a later deploy is still noticed");

    follow_until_settled(&services).await;
    let versions = operate::versions(&services, &admin, "acme", "web", 10)
        .await
        .unwrap();
    let (newest, first) = (&versions[0], &versions[1]);
    assert!(!newest.current && first.current, "{versions:?}");
    let note = newest.note.clone().unwrap_or_default();
    assert!(
        note.contains("Nomad reverted to job version 0 (deploy #1's spec)"),
        "{note}"
    );
    assert!(
        first
            .note
            .as_deref()
            .is_some_and(|n| n.contains("runs this spec again as job version 2")),
        "{first:?}"
    );
    assert_eq!((first.job_version, newest.job_version), (Some(0), Some(1)));
}

#[sqlx::test(migrations = "../../migrations")]
async fn scales_and_changes_made_behind_the_consoles_back_are_what_it_shows(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    let first = deploy(&services, &admin, "nginx:1.27").await;
    // Nomad refuses to scale while a deployment runs.
    follow_until_settled(&services).await;
    let nomad = services.upstreams.nomad.as_ref().unwrap();
    let q = QueryOptions::namespace("acme");
    let w = WriteOptions::namespace("acme");

    // `nomad job scale` through Nomad's own API.
    nomad
        .jobs()
        .scale(
            "acme--web",
            &ScalingRequest {
                count: Some(3),
                target: [("Group".to_owned(), "web".to_owned())].into(),
                message: "by hand".into(),
                ..ScalingRequest::default()
            },
            &w,
        )
        .await
        .unwrap();
    let running = operate::running_view(&services, &admin, "acme", "web")
        .await
        .unwrap();
    assert_eq!(running.how, "scaled");
    assert_eq!(running.deploy_id, Some(first.to_string()));
    let edit = operate::edit_start(&services, &admin, "acme", "web")
        .await
        .unwrap();
    assert_eq!(edit.spec.replicas.count, 3);
    let mut live = operate::watch(&services, &admin, "acme", "web")
        .await
        .unwrap();
    let facts = live.borrow_and_update().facts.clone();
    assert_eq!(facts.count, 3);

    // `nomad job run` of an edited job: a new image that no deploy asked for.
    let (mut job, _) = nomad.jobs().info("acme--web", &q).await.unwrap();
    for group in job.task_groups.iter_mut().flatten() {
        for task in group.tasks.iter_mut().flatten() {
            task.config
                .get_or_insert_default()
                .insert("image".into(), "docker.io/library/nginx:1.29".into());
        }
    }
    nomad
        .jobs()
        .register(
            &JobRegisterRequest {
                job: Some(job),
                ..JobRegisterRequest::default()
            },
            &w,
        )
        .await
        .unwrap();
    let running = operate::running_view(&services, &admin, "acme", "web")
        .await
        .unwrap();
    assert_eq!(running.how, "changed outside");
    assert_eq!(running.changed_outside, ["image"]);
    assert!(
        running.summary.contains("since deploy #1"),
        "{}",
        running.summary
    );
    let edit = operate::edit_start(&services, &admin, "acme", "web")
        .await
        .unwrap();
    assert_eq!(edit.spec.image, "docker.io/library/nginx:1.29");
    assert_eq!(edit.spec.replicas.count, 3);
    tokio::time::timeout(Duration::from_secs(10), async {
        while live.borrow_and_update().facts.image != "docker.io/library/nginx:1.29" {
            live.changed().await.unwrap();
        }
    })
    .await
    .expect("the live view never showed Nomad's image");
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_rollout_nobody_watches_gets_its_outcome_with_nomads_time(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    let id = deploy(&services, &admin, "nginx:1.27").await;
    // Only one replica follows: a second one cannot take the lock while the first holds it.
    let leader = rollouts::lead(&services)
        .await
        .expect("the first replica leads");
    assert!(rollouts::lead(&services).await.is_none());
    follow_until_settled(&services).await;
    drop(leader);

    let (rollout, at, created): (
        Option<String>,
        Option<time::OffsetDateTime>,
        time::OffsetDateTime,
    ) = sqlx::query_as("SELECT rollout, rollout_at, created_at FROM deploys WHERE id = $1")
        .bind(id)
        .fetch_one(&services.db)
        .await
        .unwrap();
    assert_eq!(rollout.as_deref(), Some("successful"));
    let at = at.expect("the time Nomad reached the outcome");
    assert!(at > created, "{at} is not after {created}");
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'deploy.rollout' AND details->>'deploy_id' = $1",
    )
    .bind(id.to_string())
    .fetch_one(&services.db)
    .await
    .unwrap();
    let nomad_time = details["nomad_time"].as_str().unwrap();
    let recorded =
        time::OffsetDateTime::parse(nomad_time, &time::format_description::well_known::Rfc3339)
            .unwrap();
    // Postgres keeps microseconds.
    assert!(
        (recorded - at).abs() < time::Duration::milliseconds(1),
        "{recorded} vs {at}"
    );
    // Recorded once, however often the follower looks again.
    rollouts::tick(&services).await.unwrap();
    let records: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'deploy.rollout'")
            .fetch_one(&services.db)
            .await
            .unwrap();
    assert_eq!(records, 1);
}

#[sqlx::test(migrations = "../../migrations")]
async fn instances_nomad_cannot_place_are_shown_pending(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    // More memory per instance than any node has: Nomad queues both instances (the evaluation's
    // QueuedAllocations, which the job summary reports as Queued).
    let text = format!(
        r#"{{"name":"web","image":"nginx:1.27","replicas":{{"count":2,"max":3}},"resources":{{"cpu":200,"memory":9000}},{FAST}}}"#
    );
    np_domain::apps::deploy(&services, &admin, "acme", &input(&text))
        .await
        .unwrap();
    let status = np_domain::apps::status(&services, &admin, "acme", "web")
        .await
        .unwrap();
    assert_eq!(
        (status.desired, status.running, status.pending),
        (2, 0, 2),
        "{status:?}"
    );
}
