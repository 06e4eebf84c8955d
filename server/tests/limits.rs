//! Fair use (security.md O1, O2): a tenant's deploys per minute, and the live streams one caller holds open.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Auth, call};
use np_domain::limits::LimitSettings;
use np_domain::memberships::TenantRole;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_tenant_past_its_deploys_per_minute_gets_429_with_retry_after(pool: PgPool) {
    let (services, _sim, _) = common::services_with_nomad(
        pool.clone(),
        LimitSettings {
            deploys_per_minute: 3,
            streams_per_user: 0,
        },
    )
    .await;
    common::tenant(&services, "acme").await;
    common::tenant(&services, "globex").await;
    let router = common::router(services);
    let acme = Auth::Bearer(common::token(&pool, "acme", TenantRole::Developer).await);
    let globex = Auth::Bearer(common::token(&pool, "globex", TenantRole::Developer).await);
    let person =
        Auth::Cookie(common::person(&pool, "dev", None, &[("acme", TenantRole::Developer)]).await);
    let good = r#"{"name":"web","image":"nginx:1.27"}"#;
    let bad = r#"{"name":"Web","image":"nginx:1.27"}"#;

    // Someone outside the tenant cannot spend its allowance.
    for _ in 0..5 {
        let (status, _, _) = call(
            &router,
            "POST",
            "/api/v1/tenants/acme/apps",
            &globex,
            Some(good.into()),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Three submissions a minute: a deploy, a refused document (it counts too), another deploy.
    for (doc, expected) in [
        (good, StatusCode::CREATED),
        (bad, StatusCode::UNPROCESSABLE_ENTITY),
        (good, StatusCode::CREATED),
    ] {
        let (status, _, body) = call(
            &router,
            "POST",
            "/api/v1/tenants/acme/apps",
            &acme,
            Some(doc.into()),
        )
        .await;
        assert_eq!(status, expected, "{body}");
    }
    let deploys = count(&pool, "SELECT count(*) FROM deploys").await;
    let records = count(&pool, "SELECT count(*) FROM audit_events").await;
    // The fourth is refused, says why and when to come back, and changes nothing.
    let (status, headers, body) = call(
        &router,
        "POST",
        "/api/v1/tenants/acme/apps",
        &acme,
        Some(good.into()),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "Retry-After {retry}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["error"]["code"], "rate_limited");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tenant acme has submitted 3 deploys in the last minute"),
        "{body}"
    );
    // The deploy form's server function is held to the same allowance.
    let (status, _, body) = call(
        &router,
        "POST",
        "/api/deploy_app",
        &person,
        Some(json!({"text": good, "tenant": "acme"}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("try again in"), "{body}");
    assert_eq!(count(&pool, "SELECT count(*) FROM deploys").await, deploys);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM audit_events").await,
        records
    );
    // Another tenant has its own allowance.
    let (status, _, body) = call(
        &router,
        "POST",
        "/api/v1/tenants/globex/apps",
        &globex,
        Some(good.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Opens the app's watch stream, keeping the response (and so the stream) until dropped.
async fn open_watch(
    router: &axum::Router,
    token: &str,
) -> (StatusCode, Option<axum::response::Response>) {
    let request = Request::builder()
        .uri("/api/v1/tenants/acme/apps/web/watch")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (status, status.is_success().then_some(response))
}

#[sqlx::test(migrations = "../migrations")]
async fn one_caller_holds_at_most_the_cap_of_live_streams(pool: PgPool) {
    let (services, _sim, _) = common::services_with_nomad(
        pool.clone(),
        LimitSettings {
            deploys_per_minute: 0,
            streams_per_user: 2,
        },
    )
    .await;
    let limits = services.limits.clone();
    common::tenant(&services, "acme").await;
    let router = common::router(services);
    let token = common::token(&pool, "acme", TenantRole::Developer).await;
    let other = common::token(&pool, "acme", TenantRole::Admin).await;
    let (status, _, body) = call(
        &router,
        "POST",
        "/api/v1/tenants/acme/apps",
        &Auth::Bearer(token.clone()),
        Some(r#"{"name":"web","image":"nginx:1.27"}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (s1, first) = open_watch(&router, &token).await;
    let (s2, second) = open_watch(&router, &token).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    // The third is refused, on the watch and on a log tail alike…
    let (s3, _) = open_watch(&router, &token).await;
    assert_eq!(s3, StatusCode::TOO_MANY_REQUESTS);
    let (status, headers, body) = call(
        &router,
        "GET",
        "/api/v1/tenants/acme/apps/web/logs/tail",
        &Auth::Bearer(token.clone()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(headers[header::RETRY_AFTER], "15");
    assert!(body.contains("2 live views"), "{body}");
    // …while another caller has their own.
    let (s, _other_stream) = open_watch(&router, &other).await;
    assert_eq!(s, StatusCode::OK);
    // Closing one gives it back.
    drop(first);
    let (s, _again) = open_watch(&router, &token).await;
    assert_eq!(s, StatusCode::OK);
    drop(second);
    drop(_again);
    drop(_other_stream);
    assert_eq!(limits.open_streams(), 0);

    // Over TCP, a browser that goes away (a closed tab) gives its streams back too.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/api/v1/tenants/acme/apps/web/watch",
        listener.local_addr().unwrap()
    );
    let served = router.clone();
    tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });
    let client = reqwest::Client::new();
    let mut streams = Vec::new();
    for _ in 0..2 {
        let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        streams.push(response);
    }
    let refused = client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    drop(streams);
    let mut given_back = false;
    for _ in 0..300 {
        if limits.open_streams() == 0 {
            given_back = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        given_back,
        "closed connections still hold {} streams",
        limits.open_streams()
    );
    let again = client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}
