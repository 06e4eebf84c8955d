//! Faults during a deploy (security.md §3): Nomad refusing connections, slow, answering 429 or 500 before or
//! after applying; Postgres down or read-only; two people deploying one app at once; a double submit. Each test
//! asserts the expected behaviour and that nothing was lost: every audit intent has its result once the
//! reconciler has run, and Nomad holds exactly the versions the console says it does.

use std::time::Duration;

use np_domain::apps::{DeployInput, Deployed};
use np_domain::authz::Caller;
use np_domain::{DomainError, Services, audit};
use np_nomad::{Nomad, NomadConfig, QueryOptions};
use np_sim::{Fault, FaultRule, Simulator};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

mod common;

use common::open_intents;

/// Services over `pool` and a simulator, with Nomad requests limited to `timeout`, and the tenant `acme`.
async fn setup(pool: PgPool, timeout: Duration) -> (Services, Simulator, Caller) {
    let (services, sim) = common::services_with_nomad_timeout(pool, timeout).await;
    let admin = Caller::system("test");
    common::tenants(&services, &admin, &["acme"]).await;
    (services, sim, admin)
}

async fn deploy(
    services: &Services,
    caller: &Caller,
    app: &str,
    image: &str,
    key: Option<&str>,
    based_on: Option<Uuid>,
) -> Result<Deployed, DomainError> {
    np_domain::apps::deploy(
        services,
        caller,
        "acme",
        &DeployInput {
            idempotency_key: key.map(str::to_owned),
            based_on,
            ..common::input(&format!(r#"{{"name":"{app}","image":"{image}"}}"#))
        },
    )
    .await
    .map(|mut d| d.remove(0))
}

/// A fault on Nomad's register call (`PUT /v1/jobs`) for the next `times` requests.
fn on_register(fault: Fault, times: u32) -> FaultRule {
    FaultRule {
        upstream: "nomad".into(),
        method: "PUT".into(),
        path_prefix: "/v1/jobs".into(),
        fault,
        remaining: Some(times),
    }
}

/// How many versions of `app` Nomad holds (0 when it has never heard of it).
async fn versions(sim: &Simulator, app: &str) -> usize {
    let nomad = Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
    let options = QueryOptions {
        namespace: Some("acme".into()),
        ..QueryOptions::default()
    };
    match nomad
        .jobs()
        .versions(&format!("acme--{app}"), false, &options)
        .await
    {
        Ok((v, _)) => v.versions.len(),
        Err(e) if e.is_not_found() => 0,
        Err(e) => panic!("{e}"),
    }
}

/// `(state, error)` of each of `app`'s deploys, oldest first.
async fn deploy_states(db: &PgPool, app: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as("SELECT state, error FROM deploys WHERE app = $1 ORDER BY created_at")
        .bind(app)
        .fetch_all(db)
        .await
        .unwrap()
}

/// The outcomes of `app`'s deploy.submit results, in order.
async fn results(db: &PgPool, app: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT outcome FROM audit_events WHERE action = 'deploy.submit' AND phase = 'result' AND target = $1
          ORDER BY seq",
    )
    .bind(app)
    .fetch_all(db)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../../migrations")]
async fn an_unreachable_nomad_refuses_the_deploy_and_leaves_nothing_half_done(pool: PgPool) {
    let (services, sim, admin) = setup(pool, Duration::from_secs(5)).await;
    sim.fault(FaultRule {
        upstream: "nomad".into(),
        method: "*".into(),
        path_prefix: String::new(),
        fault: Fault::Refuse,
        remaining: None,
    });
    let err = deploy(&services, &admin, "web", "nginx:1.27", Some("k1"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Upstream { service: "nomad", message, .. } if message.contains("unreachable")),
        "{err}"
    );
    assert!(!err.is_upstream_refusal(), "an outage, not Nomad's refusal");
    assert!(deploy_states(&services.db, "web").await.is_empty());
    assert_eq!(open_intents(&services.db).await, 0);
    // Back up: the same submission goes through.
    sim.clear_faults();
    deploy(&services, &admin, "web", "nginx:1.27", Some("k1"), None)
        .await
        .unwrap();
    assert_eq!(versions(&sim, "web").await, 1);
    assert_eq!(results(&services.db, "web").await, ["success"]);
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_register_turned_away_with_429_is_retried_and_one_that_stays_refused_is_recorded_failed(
    pool: PgPool,
) {
    let (services, sim, admin) = setup(pool, Duration::from_secs(5)).await;
    let busy = || Fault::Status {
        status: 429,
        body: "Your IP is issuing too many concurrent connections, please rate limit your calls"
            .into(),
        after: false,
    };
    // Once: retried after a pause, and deployed.
    sim.fault(on_register(busy(), 1));
    deploy(&services, &admin, "web", "nginx:1.27", None, None)
        .await
        .unwrap();
    assert_eq!(versions(&sim, "web").await, 1);
    // Every time: the deploy fails — certainly not applied — and says so.
    sim.fault(on_register(busy(), 10));
    let err = deploy(&services, &admin, "api", "nginx:1.27", None, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("429"), "{err}");
    sim.clear_faults();
    assert_eq!(versions(&sim, "api").await, 0);
    let states = deploy_states(&services.db, "api").await;
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].0, "failed");
    assert_eq!(results(&services.db, "api").await, ["failure"]);
    assert_eq!(open_intents(&services.db).await, 0);
}

#[sqlx::test(migrations = "../../migrations")]
async fn unconfirmed_deploys_stay_unknown_until_settled_from_nomad(pool: PgPool) {
    let (services, sim, admin) = setup(pool, Duration::from_secs(1)).await;
    // web: Nomad applies it but answers after the console stopped waiting.
    sim.fault(on_register(
        Fault::Latency {
            millis: 2500,
            after: true,
        },
        1,
    ));
    let slow = deploy(&services, &admin, "web", "nginx:1.27", Some("web-1"), None).await;
    // api: Nomad answers 500 without applying it.
    sim.fault(on_register(
        Fault::Status {
            status: 500,
            body: "No cluster leader".into(),
            after: false,
        },
        1,
    ));
    let before = deploy(&services, &admin, "api", "nginx:1.27", None, None).await;
    // jobs: Nomad applies it, then answers 500 (a leader lost after the commit).
    sim.fault(on_register(
        Fault::Status {
            status: 500,
            body: "rpc error: leadership lost while committing log".into(),
            after: true,
        },
        1,
    ));
    let after = deploy(&services, &admin, "jobs", "nginx:1.27", None, None).await;
    for (app, result) in [("web", slow), ("api", before), ("jobs", after)] {
        let err = result.unwrap_err();
        assert!(err.to_string().contains("not confirmed"), "{app}: {err}");
        assert!(!err.is_upstream_refusal(), "{app}: an outage (503)");
        assert_eq!(deploy_states(&services.db, app).await[0].0, "unknown");
    }
    assert_eq!(
        open_intents(&services.db).await,
        3,
        "no result is guessed before Nomad is asked"
    );
    // Retrying the same submission does not send it again blindly.
    let again = deploy(&services, &admin, "web", "nginx:1.27", Some("web-1"), None)
        .await
        .unwrap_err();
    assert!(matches!(again, DomainError::Conflict(_)), "{again}");
    // Let the slow answer arrive (the job was applied at once).
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        audit::reconcile::reconcile(&services, Duration::ZERO)
            .await
            .unwrap(),
        3
    );
    assert_eq!(open_intents(&services.db).await, 0);
    for (app, state, outcome, in_nomad) in [
        ("web", "submitted", "success", 1),
        ("api", "failed", "failure", 0),
        ("jobs", "submitted", "success", 1),
    ] {
        assert_eq!(deploy_states(&services.db, app).await[0].0, state, "{app}");
        assert_eq!(results(&services.db, app).await, [outcome], "{app}");
        assert_eq!(versions(&sim, app).await, in_nomad, "{app}");
    }
    let version: Option<i64> =
        sqlx::query_scalar("SELECT job_version FROM deploys WHERE app = 'web'")
            .fetch_one(&services.db)
            .await
            .unwrap();
    assert_eq!(
        version,
        Some(0),
        "the settled deploy knows its Nomad version"
    );
}

/// A second pool on the same database, whose new sessions see the database's current defaults.
async fn fresh_pool(pool: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_read_only_database_refuses_deploys_before_nomad_hears_of_them(pool: PgPool) {
    let (services, sim, admin) = setup(pool.clone(), Duration::from_secs(5)).await;
    let database = pool.connect_options().get_database().unwrap().to_owned();
    // A failover in progress: new sessions are read-only (SQLSTATE 25006 on writes).
    sqlx::query(&format!(
        "ALTER DATABASE \"{database}\" SET default_transaction_read_only = on"
    ))
    .execute(&pool)
    .await
    .unwrap();
    let read_only = Services {
        db: fresh_pool(&pool).await,
        ..services.clone()
    };
    // Reads still work…
    np_domain::tenants::by_slug(&read_only.db, "acme")
        .await
        .unwrap();
    // …but a deploy is refused as the database being unavailable, and Nomad never hears of it.
    let err = deploy(&read_only, &admin, "web", "nginx:1.27", None, None)
        .await
        .unwrap_err();
    match &err {
        DomainError::Database(sqlx::Error::Database(db)) => {
            assert_eq!(db.code().as_deref(), Some("25006"), "{db}");
        }
        other => panic!("expected a read-only database error, got {other:?}"),
    }
    assert_eq!(versions(&sim, "web").await, 0);
    sqlx::query(&format!(
        "ALTER DATABASE \"{database}\" RESET default_transaction_read_only"
    ))
    .execute(&pool)
    .await
    .unwrap();
    assert!(deploy_states(&pool, "web").await.is_empty());
    assert_eq!(open_intents(&pool).await, 0);
    // Once writable again, the deploy goes through.
    let writable = Services {
        db: fresh_pool(&pool).await,
        ..services
    };
    deploy(&writable, &admin, "web", "nginx:1.27", None, None)
        .await
        .unwrap();
    assert_eq!(versions(&sim, "web").await, 1);
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_database_that_is_down_refuses_deploys_before_nomad_hears_of_them(pool: PgPool) {
    let (services, sim, admin) = setup(pool.clone(), Duration::from_secs(5)).await;
    let down = Services {
        db: fresh_pool(&pool).await,
        ..services
    };
    down.db.close().await;
    let err = deploy(&down, &admin, "web", "nginx:1.27", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Database(_)), "{err:?}");
    assert_eq!(versions(&sim, "web").await, 0);
    assert!(deploy_states(&pool, "web").await.is_empty());
}

#[sqlx::test(migrations = "../../migrations")]
async fn of_two_edits_of_the_same_version_one_deploys_and_the_other_is_told_what_changed(
    pool: PgPool,
) {
    let (services, sim, admin) = setup(pool, Duration::from_secs(5)).await;
    let first = deploy(&services, &admin, "web", "nginx:1.27", None, None)
        .await
        .unwrap();
    for round in 0..3 {
        let base = sqlx::query_scalar::<_, Uuid>(
            "SELECT id FROM deploys WHERE app = 'web' AND state = 'submitted' ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_one(&services.db)
        .await
        .unwrap();
        if round == 0 {
            assert_eq!(base, first.deploy_id);
        }
        let (mine, theirs) = (
            format!("nginx:1.{}", 30 + 2 * round),
            format!("nginx:1.{}", 31 + 2 * round),
        );
        let (a, b) = tokio::join!(
            deploy(&services, &admin, "web", &mine, None, Some(base)),
            deploy(&services, &admin, "web", &theirs, None, Some(base)),
        );
        let (won, lost) = match (a, b) {
            (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
            (a, b) => panic!("expected one deploy and one conflict, got {a:?} and {b:?}"),
        };
        assert!(
            matches!(&lost, DomainError::Conflict(m) if m.contains("changed since you loaded it")),
            "{lost}"
        );
        assert_ne!(won.deploy_id, base);
    }
    assert_eq!(versions(&sim, "web").await, 4, "one version per round");
    assert_eq!(results(&services.db, "web").await.len(), 4);
    assert_eq!(open_intents(&services.db).await, 0);
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_double_submit_is_recorded_and_sent_once(pool: PgPool) {
    let (services, sim, admin) = setup(pool, Duration::from_secs(5)).await;
    for round in 0..5 {
        let key = format!("click-{round}");
        let image = format!("nginx:1.{}", 20 + round);
        let (a, b) = tokio::join!(
            deploy(&services, &admin, "web", &image, Some(&key), None),
            deploy(&services, &admin, "web", &image, Some(&key), None),
        );
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a.deploy_id, b.deploy_id),
            (Ok(_), Err(DomainError::Conflict(m))) | (Err(DomainError::Conflict(m)), Ok(_)) => {
                assert!(m.contains("already being submitted"), "{m}");
            }
            (a, b) => panic!("expected one deploy, got {a:?} and {b:?}"),
        }
    }
    assert_eq!(versions(&sim, "web").await, 5, "one version per submission");
    assert_eq!(deploy_states(&services.db, "web").await.len(), 5);
    let intents: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'deploy.submit' AND phase = 'intent'",
    )
    .fetch_one(&services.db)
    .await
    .unwrap();
    assert_eq!(intents, 5);
    assert_eq!(open_intents(&services.db).await, 0);
}

#[sqlx::test(migrations = "../../migrations")]
async fn nomads_uncoded_refusal_is_shown_as_a_refusal_and_recorded_failed(pool: PgPool) {
    let (services, sim, admin) = setup(pool, Duration::from_secs(5)).await;
    // The tenant's namespace disappears behind the console's back: Nomad refuses the job with an uncoded
    // error, which its HTTP layer answers with 500 (`errCodeFromHandler` in `command/agent/http.go`).
    let nomad = Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
    nomad
        .namespaces()
        .delete("acme", &np_nomad::WriteOptions::default())
        .await
        .unwrap();
    let err = deploy(&services, &admin, "web", "nginx:1.27", None, None)
        .await
        .unwrap_err();
    assert!(
        err.is_upstream_refusal(),
        "Nomad's refusal, not an outage: {err}"
    );
    assert_eq!(
        err.to_string(),
        "nomad: job \"acme--web\" is in nonexistent namespace \"acme\""
    );
    let states = deploy_states(&services.db, "web").await;
    assert_eq!(states.len(), 1);
    assert_eq!(
        states[0].0, "failed",
        "certainly not applied: not left unknown"
    );
    assert_eq!(results(&services.db, "web").await, ["failure"]);
    assert_eq!(open_intents(&services.db).await, 0);
}
