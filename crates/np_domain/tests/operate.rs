//! Operating apps against the cluster simulator and a real Postgres: shared watches and tails (many viewers,
//! one upstream watch), plan, versions, diff and rollback, restart and promote.

use std::time::Duration;

use np_domain::authz::Caller;
use np_domain::operate::RestartMode;
use np_domain::{DomainError, Services, operate};
use np_spec::ops::AppLive;
use sqlx::PgPool;

mod common;

use common::input;

async fn setup(pool: PgPool) -> (Services, np_sim::Simulator, Caller) {
    let (services, sim) = common::services_with_simulator(pool).await;
    let admin = Caller::system("test");
    common::tenants(&services, &admin, &["acme"]).await;
    (services, sim, admin)
}

const FAST: &str =
    r#""update":{"min_healthy_time":"1s","healthy_deadline":"4s","progress_deadline":"10s"}"#;

async fn deploy(services: &Services, caller: &Caller, text: &str) {
    np_domain::apps::deploy(services, caller, "acme", &input(text))
        .await
        .unwrap();
}

async fn plan_of(services: &Services, caller: &Caller, text: &str) -> Vec<np_spec::ops::AppPlan> {
    operate::plan(services, caller, "acme", &input(text))
        .await
        .unwrap()
}

/// Waits (at most 20 s) until the watched state satisfies `done`.
async fn until(
    receiver: &mut tokio::sync::watch::Receiver<std::sync::Arc<AppLive>>,
    mut done: impl FnMut(&AppLive) -> bool,
) -> AppLive {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            {
                let now = receiver.borrow_and_update();
                if done(&now) {
                    return (**now).clone();
                }
            }
            receiver.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out; last state: {:?}", receiver.borrow()))
}

#[sqlx::test(migrations = "../../migrations")]
async fn many_viewers_share_one_watch_that_follows_the_rollout(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    deploy(
        &services,
        &admin,
        &format!(r#"{{"name":"web","image":"nginx:1.27",{FAST}}}"#),
    )
    .await;
    let mut viewers = Vec::new();
    for _ in 0..50 {
        viewers.push(
            operate::watch(&services, &admin, "acme", "web")
                .await
                .unwrap(),
        );
    }
    assert_eq!(services.live.open_watches(), 1);
    assert_eq!(services.live.viewers("acme", "acme--web"), 50);
    let done = until(&mut viewers[0], |l| {
        l.deployment
            .as_ref()
            .is_some_and(|d| d.status == "successful")
    })
    .await;
    assert_eq!(done.running, 1);
    assert!(done.instances[0].events.iter().any(|e| e.kind == "Started"));
    // Every viewer sees the same state.
    assert!(
        viewers
            .iter()
            .all(|v| v.borrow().deployment == done.deployment)
    );

    // A failing version: Nomad reverts it, and the watch says so.
    deploy(
        &services,
        &admin,
        &format!(r#"{{"name":"web","image":"example/unhealthy:2",{FAST}}}"#),
    )
    .await;
    let reverted = until(&mut viewers[1], |l| l.reverted.is_some()).await;
    assert_eq!(reverted.reverted, Some((1, 0)));
    // Each deploy's rollout outcome is recorded with it by the follower, so it outlives Nomad's memory of
    // deployments.
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            np_domain::rollouts::tick(&services).await.unwrap();
            let open: i64 =
                sqlx::query_scalar("SELECT count(*) FROM deploys WHERE rollout IS NULL")
                    .fetch_one(&services.db)
                    .await
                    .unwrap();
            if open == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the rollouts were not recorded");
    let versions = operate::versions(&services, &admin, "acme", "web", 10)
        .await
        .unwrap();
    assert_eq!(versions[1].rollout.as_deref(), Some("successful"));
    let failed = versions[0].rollout.clone().unwrap_or_default();
    assert!(
        failed.starts_with("failed: ") && failed.contains("rolling back to job version 0"),
        "{failed}"
    );
    let stored: Vec<Option<String>> =
        sqlx::query_scalar("SELECT rollout FROM deploys WHERE app = 'web' ORDER BY created_at")
            .fetch_all(&services.db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        [Some("successful".to_owned()), Some("failed".to_owned())]
    );

    // Once every viewer has gone, the upstream watch ends.
    drop(viewers);
    tokio::time::timeout(Duration::from_secs(30), async {
        while services.live.open_watches() > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the watch outlived its viewers");

    // An unknown app is not found; a foreign tenant's caller cannot watch.
    let err = operate::watch(&services, &admin, "acme", "nosuch")
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err}");
}

#[sqlx::test(migrations = "../../migrations")]
async fn log_tails_are_shared_and_late_viewers_get_the_recent_past(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    deploy(
        &services,
        &admin,
        &format!(r#"{{"name":"web","image":"nginx:1.27","ports":[{{"name":"http","port":8080}}],{FAST}}}"#),
    )
    .await;
    let mut live = operate::watch(&services, &admin, "acme", "web")
        .await
        .unwrap();
    until(&mut live, |l| l.running == 1).await;
    let mut first = operate::tail(&services, &admin, "acme", "web", None, None)
        .await
        .unwrap();
    let chunk = tokio::time::timeout(Duration::from_secs(10), first.chunks.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(chunk.text.contains("nginx:1.27 (allocation"), "{chunk:?}");
    let second = operate::tail(&services, &admin, "acme", "web", None, Some("stdout"))
        .await
        .unwrap();
    assert!(second.backlog.contains("nginx:1.27 (allocation"));
    // One app watch and one log stream upstream, for two log viewers.
    assert_eq!(services.live.open_watches(), 2);
    let err = operate::tail(&services, &admin, "acme", "web", None, Some("both"))
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid { .. }), "{err}");
}

#[sqlx::test(migrations = "../../migrations")]
async fn plans_say_what_changes_and_what_cannot_be_placed(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    let plan = plan_of(
        &services,
        &admin,
        r#"{"name":"web","image":"nginx:1.27","replicas":{"count":2}}"#,
    )
    .await;
    assert_eq!(plan[0].change, "new");
    assert_eq!(plan[0].groups[0].place, 2);
    // Nothing was deployed by planning.
    let versions = operate::versions(&services, &admin, "acme", "web", 10)
        .await
        .unwrap();
    assert!(versions.is_empty());

    deploy(
        &services,
        &admin,
        r#"{"name":"web","image":"nginx:1.27","replicas":{"count":2}}"#,
    )
    .await;
    let plan = plan_of(
        &services,
        &admin,
        r#"{"name":"web","image":"nginx:1.28","replicas":{"count":2}}"#,
    )
    .await;
    assert_eq!(plan[0].change, "changed");
    assert!(
        plan[0].changes.iter().any(|c| c.path.contains("image")
            && c.old.ends_with("nginx:1.27")
            && c.new.ends_with("nginx:1.28")),
        "{:?}",
        plan[0].changes
    );
    assert_eq!(plan[0].groups[0].destructive, 2);

    let plan = plan_of(
        &services,
        &admin,
        r#"{"name":"big","image":"nginx:1.27","resources":{"memory":12000}}"#,
    )
    .await;
    assert_eq!(plan[0].failures.len(), 1, "{:?}", plan[0].failures);
    assert!(
        plan[0].failures[0].contains("not enough memory on any node in pool default"),
        "{}",
        plan[0].failures[0]
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn versions_diff_and_rollback_redeploy_a_stored_spec(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    deploy(
        &services,
        &admin,
        r#"{"name":"web","image":"nginx:1.26","env":{"A":"1"}}"#,
    )
    .await;
    deploy(
        &services,
        &admin,
        r#"{"name":"web","image":"nginx:1.27","env":{"A":"2"}}"#,
    )
    .await;
    let versions = operate::versions(&services, &admin, "acme", "web", 10)
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!((versions[0].number, versions[0].current), (2, true));
    assert_eq!(versions[1].image, "nginx:1.26");
    let first: uuid::Uuid = versions[1].deploy_id.parse().unwrap();
    let second: uuid::Uuid = versions[0].deploy_id.parse().unwrap();
    let diff = operate::spec_diff(&services, &admin, "acme", "web", first, second)
        .await
        .unwrap();
    let paths: Vec<&str> = diff.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["env.A", "image"]);

    let rolled = operate::rollback(&services, &admin, "acme", "web", first, None)
        .await
        .unwrap();
    let versions = operate::versions(&services, &admin, "acme", "web", 10)
        .await
        .unwrap();
    assert_eq!(versions[0].deploy_id, rolled.deploy_id.to_string());
    assert_eq!(
        (versions[0].source.as_str(), versions[0].image.as_str()),
        ("rollback", "nginx:1.26")
    );
    let nomad = services.upstreams.nomad.as_ref().unwrap();
    let (job, _) = nomad
        .jobs()
        .info("acme--web", &np_nomad::QueryOptions::namespace("acme"))
        .await
        .unwrap();
    assert_eq!(job.version, Some(2));

    // A deploy of another app is not a version of this one.
    deploy(&services, &admin, r#"{"name":"api","image":"nginx:1.27"}"#).await;
    let other: uuid::Uuid = operate::versions(&services, &admin, "acme", "api", 1)
        .await
        .unwrap()[0]
        .deploy_id
        .parse()
        .unwrap();
    let err = operate::rollback(&services, &admin, "acme", "web", other, None)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound("version")), "{err}");
}

#[sqlx::test(migrations = "../../migrations")]
async fn canaries_are_promoted_and_instances_restarted(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    let spec = |image: &str| {
        format!(
            r#"{{"name":"web","image":"{image}","replicas":{{"count":2}},"update":{{"canaries":1,"min_healthy_time":"1s","healthy_deadline":"4s","progress_deadline":"10s"}}}}"#
        )
    };
    deploy(&services, &admin, &spec("nginx:1.27")).await;
    let mut live = operate::watch(&services, &admin, "acme", "web")
        .await
        .unwrap();
    until(&mut live, |l| {
        l.deployment
            .as_ref()
            .is_some_and(|d| d.status == "successful")
    })
    .await;
    let err = operate::promote(&services, &admin, "acme", "web")
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err}");

    deploy(&services, &admin, &spec("nginx:1.28")).await;
    let waiting = until(&mut live, |l| {
        l.deployment.as_ref().is_some_and(|d| d.needs_promotion)
    })
    .await;
    assert_eq!(waiting.instances.iter().filter(|i| i.canary).count(), 1);
    operate::promote(&services, &admin, "acme", "web")
        .await
        .unwrap();
    let done = until(&mut live, |l| {
        l.deployment
            .as_ref()
            .is_some_and(|d| d.version == 1 && d.status == "successful")
    })
    .await;
    assert_eq!(done.running, 2);

    let restarted = operate::restart(&services, &admin, "acme", "web", RestartMode::AllAtOnce)
        .await
        .unwrap();
    assert_eq!(restarted, 2);
    let one = done.instances[0].id[..8].to_owned();
    assert_eq!(
        operate::restart(&services, &admin, "acme", "web", RestartMode::One(one))
            .await
            .unwrap(),
        1
    );
    let before = until(&mut live, |l| {
        l.instances
            .iter()
            .filter(|i| i.is_live())
            .all(|i| i.restarts >= 1)
    })
    .await;
    let restarts = |l: &AppLive| -> Vec<u64> {
        let mut r: Vec<(String, u64)> = l
            .instances
            .iter()
            .filter(|i| i.is_live())
            .map(|i| (i.id.clone(), i.restarts))
            .collect();
        r.sort();
        r.into_iter().map(|(_, n)| n).collect()
    };
    let start = restarts(&before);

    // A rolling restart: one instance at a time (max_parallel 1), the next only once the first runs again;
    // it carries on after the call answers, and its result is recorded when the last one is back.
    assert_eq!(
        operate::restart(&services, &admin, "acme", "web", RestartMode::Rolling)
            .await
            .unwrap(),
        2
    );
    let mut seen_one_at_a_time = false;
    let done = until(&mut live, |l| {
        let now = restarts(l);
        if now.len() == start.len() && now.iter().zip(&start).filter(|(a, b)| a > b).count() == 1 {
            seen_one_at_a_time = true;
        }
        now.len() == start.len() && now.iter().zip(&start).all(|(a, b)| a > b)
    })
    .await;
    assert_eq!(done.running, 2);
    assert!(seen_one_at_a_time, "both instances restarted at once");
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let outcome: Option<String> = sqlx::query_scalar(
                "SELECT outcome FROM audit_events WHERE action = 'app.restart' AND phase = 'result'
                   AND details->>'restarted' = '2' ORDER BY seq DESC LIMIT 1",
            )
            .fetch_optional(&services.db)
            .await
            .unwrap();
            if outcome.as_deref() == Some("success") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the rolling restart's result was not recorded");
}

#[sqlx::test(migrations = "../../migrations")]
async fn the_apps_list_and_services_view_read_consuls_checks(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    let spec = |name: &str, image: &str| {
        format!(
            r#"{{"name":"{name}","image":"{image}","ports":[{{"name":"http","port":8080}}],"health":{{"type":"http","path":"/healthz","interval":"1s","timeout":"1s"}},"routes":[{{"host":"{name}.acme.apps.localhost"}}]}}"#
        )
    };
    deploy(&services, &admin, &spec("web", "nginx:1.27")).await;
    // A longer name that starts like the other: its checks must not be taken for web's.
    deploy(&services, &admin, &spec("web-api", "example/unhealthy:1")).await;
    let mut live = operate::watch(&services, &admin, "acme", "web-api")
        .await
        .unwrap();
    until(&mut live, |l| l.running == 1).await;
    let mut health = std::collections::BTreeMap::new();
    for _ in 0..100 {
        let page = np_domain::apps::page(&services, &admin, "acme", None, None, 50)
            .await
            .unwrap();
        health = page.apps.into_iter().map(|a| (a.app, a.health)).collect();
        if health.get("web-api").map(String::as_str) == Some("failing checks")
            && health.get("web").map(String::as_str) == Some("healthy")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(health["web-api"], "failing checks", "{health:?}");
    assert_eq!(health["web"], "healthy", "{health:?}");

    let view = operate::services_view(&services, &admin, "acme", "web-api")
        .await
        .unwrap();
    let instance = &view.services[0].instances[0];
    assert_eq!(instance.status, "critical");
    assert!(!instance.checks.is_empty());
    assert_eq!(view.routes[0].url, "https://web-api.acme.apps.localhost/");
}
