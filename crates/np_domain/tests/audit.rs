//! The audit log against a real Postgres and the cluster simulator: every action writes an intent and a
//! result; the application role can only read and append; tampering of every kind is detected; tenant
//! auditors see only their tenant; interrupted deploys are settled from Nomad.

use std::time::Duration;

use np_domain::audit::chain;
use np_domain::audit::{self, Actor, Outcome, Record};
use np_domain::authz::Caller;
use np_domain::memberships::TenantRole;
use np_domain::tenants::TenantSettings;
use np_domain::{DomainError, api_tokens, memberships, provisioning};
use np_nomad::{Nomad, NomadConfig};
use sqlx::PgPool;
use uuid::Uuid;

mod common;

use common::{input, open_intents};

/// `(phase, outcome)` of every record of `action`, in order.
async fn records(db: &PgPool, action: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as("SELECT phase, outcome FROM audit_events WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(db)
        .await
        .unwrap()
}

fn pair(outcome: &str) -> Vec<(String, Option<String>)> {
    vec![
        ("intent".into(), None),
        ("result".into(), Some(outcome.into())),
    ]
}

#[sqlx::test(migrations = "../../migrations")]
async fn every_action_writes_an_intent_and_a_result(pool: PgPool) {
    let (services, _sim, admin) = common::audited_tenants(pool).await;
    let db = services.db.clone();
    assert_eq!(records(&db, "tenant.create").await.len(), 4);

    np_domain::apps::deploy(
        &services,
        &admin,
        "acme",
        &input(r#"{"name":"web","image":"nginx:1.27"}"#),
    )
    .await
    .unwrap();
    assert_eq!(records(&db, "deploy.submit").await, pair("success"));
    let (eval, details): (Option<String>, serde_json::Value) = sqlx::query_as(
        "SELECT eval_id, details FROM audit_events WHERE action = 'deploy.submit' AND phase = 'intent'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(
        eval.is_none(),
        "the intent is written before Nomad is called"
    );
    assert_eq!(details["spec"]["image"], "nginx:1.27");
    assert_eq!(details["job"]["Job"]["ID"], "acme--web");
    let (eval, ip, ua, request): (Option<String>, String, String, String) = sqlx::query_as(
        "SELECT eval_id, source_ip, user_agent, request_id FROM audit_events
          WHERE action = 'deploy.submit' AND phase = 'result'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(eval.is_some_and(|e| !e.is_empty()));
    assert_eq!(
        (ip.as_str(), ua.as_str(), request.as_str()),
        ("198.51.100.7", "audit-test", "req-1")
    );

    // A refused deploy is recorded with its reason, and changes nothing.
    let bad = np_domain::apps::deploy(
        &services,
        &admin,
        "acme",
        &input(r#"{"name":"web","image":""}"#),
    )
    .await;
    assert!(matches!(bad, Err(DomainError::Rejected(_))), "{bad:?}");

    // Refused by the console, and by Nomad (the deployment is still running): both recorded as failures, with
    // Nomad's words.
    let refused = np_domain::apps::scale(&services, &admin, "acme", "web", 5000).await;
    assert!(matches!(refused, Err(DomainError::Invalid { .. })));
    let refused = np_domain::apps::scale(&services, &admin, "acme", "web", 1).await;
    assert!(
        matches!(refused, Err(DomainError::Upstream { .. })),
        "{refused:?}"
    );
    assert_eq!(
        records(&db, "app.scale").await,
        [pair("failure"), pair("failure")].concat()
    );
    let why: String = sqlx::query_scalar(
        "SELECT details ->> 'error' FROM audit_events WHERE action = 'app.scale' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(why.contains("active deployment"), "{why}");
    np_domain::apps::stop(&services, &admin, "acme", "web", false)
        .await
        .unwrap();
    assert_eq!(records(&db, "app.stop").await, pair("success"));

    let added = memberships::add_member(
        &services,
        &admin,
        "acme",
        "ann@example.com",
        TenantRole::Developer,
        "",
    )
    .await
    .unwrap();
    assert!(!added, "nobody with that address yet: invited");
    assert_eq!(records(&db, "member.add").await, pair("success"));
    let bad = memberships::add_member(
        &services,
        &admin,
        "acme",
        "not an address",
        TenantRole::Developer,
        "",
    )
    .await;
    assert!(bad.is_err());
    assert_eq!(records(&db, "member.add").await[2..], pair("failure")[..]);

    // Tokens: made by people; the secret never reaches the log, its HMAC does.
    let person = common::person(&db, "acme", TenantRole::Admin).await;
    let made = api_tokens::issue(&services, &person, "acme", "ci", TenantRole::Developer, 30)
        .await
        .unwrap();
    let log: String = sqlx::query_scalar("SELECT string_agg(details::text, ' ') FROM audit_events")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(!log.contains(&made.secret));
    assert!(log.contains(&services.audit.hmac(&made.secret)));
    api_tokens::revoke_token(&services, &person, "acme", &made.token.id.to_string())
        .await
        .unwrap();
    assert_eq!(records(&db, "token.create").await, pair("success"));
    assert_eq!(records(&db, "token.revoke").await, pair("success"));
    let (actor_iss, actor_sub, actor_name): (String, String, String) = sqlx::query_as(
        "SELECT actor_iss, actor_sub, actor_name FROM audit_events WHERE action = 'token.revoke' LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        (actor_iss.as_str(), actor_sub.as_str(), actor_name.as_str()),
        ("https://idp.example.test", "acme-admin", "Acme Admin")
    );

    provisioning::rename(&services, &admin, "globex", "Globex Corp")
        .await
        .unwrap();
    assert_eq!(records(&db, "tenant.rename").await, pair("success"));
    provisioning::set_settings(&services, &admin, "globex", &TenantSettings::default())
        .await
        .unwrap();
    assert_eq!(records(&db, "tenant.settings").await, pair("success"));
    provisioning::delete(&services, &admin, "globex")
        .await
        .unwrap();
    assert!(np_domain::tenants::by_slug(&db, "globex").await.is_err());
    assert_eq!(records(&db, "tenant.delete").await, pair("success"));

    // The completeness invariant, and a whole chain.
    assert_eq!(open_intents(&db).await, 0);
    let report = chain::verify(&db, Some(services.audit.public()), Vec::new())
        .await
        .unwrap();
    assert!(report.intact, "{report:?}");
    assert!(report.verified > 20);
}

#[sqlx::test(migrations = "../../migrations")]
async fn the_application_role_can_only_read_and_append(pool: PgPool) {
    let actor = Actor::of(&Caller::system("test"));
    audit::event(&pool, &actor, &Record::new("test.first"), Outcome::Success)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET ROLE np_app")
        .execute(&mut *conn)
        .await
        .unwrap();
    // Appending and reading work.
    audit::event(
        &mut *conn,
        &actor,
        &Record::new("test.second"),
        Outcome::Success,
    )
    .await
    .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 2);
    // Changing, deleting and truncating are refused by the grants…
    for statement in [
        "UPDATE audit_events SET actor_name = 'someone else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "DELETE FROM audit_checkpoints",
    ] {
        let err = sqlx::query(statement)
            .execute(&mut *conn)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{statement}: {err}"
        );
    }
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap();
    // …and, for the tables' owner too, by the triggers.
    for statement in [
        "UPDATE audit_events SET actor_name = 'someone else'",
        "DELETE FROM audit_events WHERE seq = 1",
        "TRUNCATE audit_events",
        "TRUNCATE audit_checkpoints",
    ] {
        let err = sqlx::query(statement)
            .execute(&mut *conn)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    // An insert that bypasses the console is still numbered, timed and chained by the database.
    sqlx::query(
        "INSERT INTO audit_events (seq, phase, correlation_id, actor_kind, actor_name, action, outcome,
                                   occurred_at, prev_hash, row_hash)
         VALUES (999, 'event', gen_random_uuid(), 'system', 'psql', 'test.by_hand', 'success',
                 '2001-01-01', '\\x00', '\\x00')",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let (seq, year): (i64, f64) = sqlx::query_as(
        "SELECT seq, extract(year FROM occurred_at)::float8 FROM audit_events WHERE action = 'test.by_hand'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(seq, 3);
    assert!(year >= 2025.0, "the database's clock, not the insert's");
    drop(conn);
    let report = chain::verify(&pool, None, Vec::new()).await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.verified, 3);
}

#[sqlx::test(migrations = "../../migrations")]
async fn interrupted_deploys_are_settled_from_nomad(pool: PgPool) {
    let (services, sim, admin) = common::audited_tenants(pool).await;
    let db = services.db.clone();
    // Two deploys interrupted after their intent: one Nomad had accepted, one it never heard of.
    let tenant = np_domain::tenants::by_slug(&db, "acme").await.unwrap();
    let mut ids = Vec::new();
    for (app, reached_nomad) in [("web", true), ("api", false)] {
        let spec = serde_json::json!({"name": app, "image": "nginx:1.27"});
        let doc = np_spec::parse::parse(&spec.to_string()).unwrap();
        let context = tenant.context(&services.platform).unwrap();
        let generated = np_spec::generate(&doc.apps[0].spec, &context).unwrap();
        let request = generated.register_request();
        let id = Uuid::new_v4();
        let mut tx = db.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO deploys (id, tenant_id, app, job_id, actor, source, spec, job)
             VALUES ($1, $2, $3, $4, 'test', 'api', $5, $6)",
        )
        .bind(id)
        .bind(tenant.id)
        .bind(app)
        .bind(format!("acme--{app}"))
        .bind(&spec)
        .bind(serde_json::to_value(&request).unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
        let record = Record::new("deploy.submit")
            .tenant(&tenant)
            .target("app", app)
            .details(serde_json::json!({"deploy_id": id}));
        let _ = audit::begin(&mut *tx, &Actor::of(&admin), record)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if reached_nomad {
            let nomad = Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
            nomad
                .jobs()
                .register(&request, &np_nomad::WriteOptions::namespace("acme"))
                .await
                .unwrap();
        }
        ids.push(id);
    }
    assert_eq!(open_intents(&db).await, 2);
    // Too recent to be settled: they might still be running.
    assert_eq!(
        audit::reconcile::reconcile(&services, Duration::from_secs(600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        audit::reconcile::reconcile(&services, Duration::ZERO)
            .await
            .unwrap(),
        2
    );
    assert_eq!(open_intents(&db).await, 0);
    let states: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT d.app, d.state, r.outcome FROM deploys d
           JOIN audit_events r ON r.details ->> 'deploy_id' = d.id::text AND r.phase = 'result'
          WHERE d.id = ANY($1) ORDER BY d.app",
    )
    .bind(&ids)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        states,
        [
            ("api".into(), "failed".into(), Some("failure".into())),
            ("web".into(), "submitted".into(), Some("success".into())),
        ]
    );
    // Settled once.
    assert_eq!(
        audit::reconcile::reconcile(&services, Duration::ZERO)
            .await
            .unwrap(),
        0
    );
}
