//! The console's router end to end over HTTP: probes, pages, server functions, headers.
//! Each test gets a fresh, migrated Postgres database.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use np::state::AppState;
use np_domain::{Services, Upstreams};
use np_nomad::{Nomad, NomadConfig};
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

fn router(pool: PgPool, upstreams: Upstreams) -> Router {
    let options = LeptosOptions::builder()
        .output_name("np")
        .site_root("target/site")
        .build();
    np::router::build(AppState::new(
        options,
        Services {
            db: pool,
            upstreams,
            platform: np_domain::Platform::default(),
            live: np_domain::live::Hub::new(),
            limits: np_domain::limits::Limits::new(Default::default()),
            audit: std::sync::Arc::new(np_domain::audit::chain::Keys::ephemeral()),
        },
    ))
}

async fn get(
    router: &Router,
    uri: &str,
    cookie: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(router, request.body(Body::empty()).unwrap()).await
}

async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn closed_port_nomad() -> Nomad {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    drop(listener);
    Nomad::new(NomadConfig::new(address)).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn healthz_answers_while_the_process_runs(pool: PgPool) {
    let (status, _, body) = get(&router(pool, Upstreams::default()), "/healthz", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_is_ready_with_the_database_and_no_upstreams_configured(pool: PgPool) {
    let (status, _, body) = get(&router(pool, Upstreams::default()), "/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        report["checks"][0],
        serde_json::json!({"name": "database", "state": {"state": "ok"}})
    );
    assert_eq!(report["checks"][1]["state"]["state"], "not_configured");
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_names_the_unreachable_upstream(pool: PgPool) {
    let upstreams = Upstreams {
        nomad: Some(closed_port_nomad()),
        ..Upstreams::default()
    };
    let (status, _, body) = get(&router(pool, upstreams), "/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        report["checks"][1],
        serde_json::json!({"name": "nomad", "state": {"state": "down", "detail": "unreachable"}})
    );
    assert!(
        !body.contains("127.0.0.1"),
        "internal addresses stay in the log: {body}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_reports_a_closed_database(pool: PgPool) {
    let router = router(pool.clone(), Upstreams::default());
    pool.close().await;
    let (status, _, body) = get(&router, "/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body.contains(r#"{"name":"database","state":{"state":"down","detail":"unreachable"}}"#),
        "{body}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overview_page_is_rendered_on_the_server_with_its_data(pool: PgPool) {
    let (status, headers, body) = get(&router(pool, Upstreams::default()), "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.contains(r#"data-theme="system""#), "{body}");
    assert!(body.contains("<title>Overview · np</title>"), "{body}");
    assert!(body.contains("/pkg/np.js"), "hydration script missing");
    assert!(
        body.contains(r#"data-dependency="database""#) && body.contains("reachable"),
        "{body}"
    );
    assert!(body.contains("not configured"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_theme_cookie_is_rendered_by_the_server(pool: PgPool) {
    let router = router(pool, Upstreams::default());
    let (_, _, body) = get(&router, "/", Some("other=1; np_theme=dark")).await;
    assert!(body.contains(r#"data-theme="dark""#));
    let (_, _, body) = get(&router, "/", Some("np_theme=<script>")).await;
    assert!(
        body.contains(r#"data-theme="system""#),
        "unknown values fall back to the system theme"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_addresses_get_the_404_page(pool: PgPool) {
    let (status, _, body) = get(&router(pool, Upstreams::default()), "/no/such/page", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is nothing at this address"), "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_status_server_function_answers_json(pool: PgPool) {
    let request = Request::post("/api/get_platform_status")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&router(pool, Upstreams::default()), request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["dependencies"][0]["name"], "database");
    assert_eq!(status["dependencies"][0]["state"], "Ok");
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_a_request_id_and_security_headers(pool: PgPool) {
    let router = router(pool, Upstreams::default());
    for uri in ["/", "/healthz", "/missing"] {
        let (_, headers, _) = get(&router, uri, None).await;
        let id = headers["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36, "{uri}: {id}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{uri}");
    }
    let mut request = Request::get("/healthz").header("x-request-id", "from-the-proxy");
    request = request.header(header::ACCEPT, "*/*");
    let (_, headers, _) = send(&router, request.body(Body::empty()).unwrap()).await;
    let id = headers["x-request-id"].to_str().unwrap();
    assert_ne!(
        id, "from-the-proxy",
        "a client cannot choose the id the log relies on"
    );
    assert_eq!(id.len(), 36, "{id}");
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_is_ready_when_every_upstream_answers(pool: PgPool) {
    use np_consul::{Consul, ConsulConfig};
    use np_openobserve::{OpenObserve, OpenObserveConfig};

    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let upstreams = Upstreams {
        nomad: Some(Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap()),
        consul: Some(Consul::new(ConsulConfig::new(sim.consul_url().parse().unwrap())).unwrap()),
        openobserve: Some(
            OpenObserve::new(OpenObserveConfig {
                address: sim.openobserve_url().parse().unwrap(),
                org: "default".into(),
                user: "root@example.com".into(),
                password: secrecy::SecretString::from("np-sim-password".to_owned()),
                timeout: std::time::Duration::from_secs(5),
                max_connections: 2,
            })
            .unwrap(),
        ),
        nomad_acl: false,
    };
    let (status, _, body) = get(&router(pool, upstreams), "/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    for check in report["checks"].as_array().unwrap() {
        assert_eq!(check["state"]["state"], "ok", "{check}");
    }
}

mod common;

/// Posts JSON as a signed-in browser of this origin would (`cookie`).
async fn post_json_as(
    router: &Router,
    cookie: &str,
    uri: &str,
    body: serde_json::Value,
) -> (StatusCode, String) {
    let (status, _, body) = common::call(
        router,
        "POST",
        uri,
        &common::Auth::Cookie(cookie.to_owned()),
        Some(body.to_string()),
    )
    .await;
    (status, body)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_check_server_function_regenerates_and_revalidates(pool: PgPool) {
    let router = router(pool.clone(), Upstreams::default());
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "demo").await;
    let cookie = common::person(
        &pool,
        "dev",
        None,
        &[("demo", np_domain::memberships::TenantRole::Developer)],
    )
    .await;
    let post_json = |router, uri, body| post_json_as(router, &cookie, uri, body);
    // What a browser sends for a valid form.
    let spec = serde_json::json!({
        "name": "web", "image": "nginx:1.27",
        "ports": [{"name": "http", "port": 8080}],
        "routes": [{"host": "web.demo.apps.localhost"}]
    });
    let (status, body) = post_json(
        &router,
        "/api/check_app",
        serde_json::json!({"text": spec.to_string(), "format": "spec"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(outcome["errors"], serde_json::json!([]));
    assert_eq!(outcome["jobs"][0]["job_id"], "demo--web");
    let job: serde_json::Value =
        serde_json::from_str(outcome["jobs"][0]["json"].as_str().unwrap()).unwrap();
    assert_eq!(job["Job"]["Namespace"], "demo");

    // A hand-made request that skips the browser's checks is refused field by field, and the namespace it
    // asks for is not an option at all.
    let hostile = serde_json::json!({
        "name": "web", "image": "nginx:1.27", "namespace": "tenant-b",
    });
    let (status, body) = post_json(
        &router,
        "/api/check_app",
        serde_json::json!({"text": hostile.to_string(), "format": "spec"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let outcome: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(outcome["jobs"], serde_json::json!([]));
    assert_eq!(outcome["errors"][0]["field"], "namespace");

    let np_yaml = "services:\n  - name: web\n    source: nginx:1.27\n    port: 80\n    domains: [web.other.example.com]\n";
    let (_, body) = post_json(
        &router,
        "/api/check_app",
        serde_json::json!({"text": np_yaml, "format": null}),
    )
    .await;
    let outcome: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(outcome["errors"][0]["field"], "services[0].domains[0]");

    // A host another tenant's app routes is refused, without saying whose it is.
    let other = common::tenant(&services, "other").await;
    np_domain::route_hosts::claim(
        &pool,
        other.id,
        "site",
        &["web.demo.apps.localhost".to_owned()],
    )
    .await
    .unwrap();
    let (_, body) = post_json(
        &router,
        "/api/check_app",
        serde_json::json!({"text": spec.to_string(), "format": "spec"}),
    )
    .await;
    let outcome: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(outcome["jobs"], serde_json::json!([]));
    assert_eq!(outcome["errors"][0]["field"], "routes[0].host");
    assert_eq!(
        outcome["errors"][0]["message"],
        "web.demo.apps.localhost is already in use on the platform"
    );
}
