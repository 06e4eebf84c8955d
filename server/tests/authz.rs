//! The role matrix: every API route and every server function, called by every kind of caller, against the
//! caller's own tenant and a foreign one. Nothing leaks: a caller with no role in a tenant gets 404 for
//! everything in it (the same answer as for a tenant that does not exist), a role too small gets 403, and
//! nobody unauthenticated gets anything but 401.

mod common;

use axum::http::StatusCode;
use common::roles::{Expect, check, expected};
use common::{Auth, call};
use np::api::{Access, ROUTES};
use np_domain::Upstreams;
use np_domain::memberships::TenantRole;
use np_nomad::{Nomad, NomadConfig};
use sqlx::PgPool;

const SPEC: &str = r#"{"name":"web","image":"nginx:1.27","ports":[{"name":"http","port":8080}],"routes":[{"host":"web.acme.apps.localhost"}]}"#;

fn body_for(method: &str, path: &str) -> Option<String> {
    Some(
        match (method, path) {
            ("POST", "/tenants") => r#"{"slug":"newco","display_name":"New Co"}"#,
            ("PUT", "/users/{user}") => r#"{"disabled":false}"#,
            ("PUT", "/tenants/{tenant}") => r#"{"display_name":"Acme"}"#,
            ("PUT", "/tenants/{tenant}/settings") => r#"{"host_suffix":"","node_pool":"default","budget_cpu":16000,"budget_memory":32768,"budget_instances":50,"allowed_volumes":[],"allowed_registries":[]}"#,
            ("POST", "/tenants/{tenant}/members") => r#"{"member":"someone@example.com","role":"developer"}"#,
            ("POST", "/tenants/{tenant}/tokens") => r#"{"name":"ci","role":"developer"}"#,
            ("POST", "/tenants/{tenant}/apps") => SPEC,
            ("POST", "/tenants/{tenant}/apps/{app}/scale") => r#"{"count":2}"#,
            ("POST", "/tenants/{tenant}/plan") => SPEC,
            ("POST", "/tenants/{tenant}/apps/{app}/rollback") => {
                r#"{"version":"00000000-0000-0000-0000-000000000000"}"#
            }
            ("POST", "/tenants/{tenant}/apps/{app}/stop") => r#"{"purge":false}"#,
            // A rolling restart records its result when its last batch is back, after the answer.
            ("POST", "/tenants/{tenant}/apps/{app}/restart") => r#"{"mode":"all_at_once"}"#,
            _ => return None,
        }
        .to_owned(),
    )
}

fn uri(path: &str, tenant: &str) -> String {
    let nil = "00000000-0000-0000-0000-000000000000";
    format!(
        "/api/v1{}",
        path.replace("{tenant}", tenant)
            .replace("/diff", "/diff?from=00000000-0000-0000-0000-000000000000&to=00000000-0000-0000-0000-000000000000")
            .replace("{app}", "web")
            .replace("{user}", nil)
            .replace("{invite}", nil)
            .replace("{token}", nil)
            .replace("{seq}", "1")
    )
}

/// What the audit log must hold about one request (found by its request id): every change that went through
/// has its intents and as many results; every refusal of a signed-in caller is recorded as denied.
async fn audited(
    pool: &PgPool,
    route: &str,
    who: &str,
    method: &str,
    status: StatusCode,
    headers: &axum::http::HeaderMap,
) {
    let id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every answer carries its request id");
    let (intents, results, denied): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE phase = 'intent'), count(*) FILTER (WHERE phase = 'result'),
                count(*) FILTER (WHERE action = 'authz.denied' AND outcome = 'denied')
           FROM audit_events WHERE request_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        intents, results,
        "{route} as {who}: every intent has its result"
    );
    // A plan is a POST that changes nothing.
    let changes = method != "GET" && !route.ends_with("/plan");
    if changes && status.is_success() {
        assert!(
            results > 0,
            "{route} as {who}: a change without an audit record"
        );
    }
    if status == StatusCode::FORBIDDEN {
        assert_eq!(
            denied, 1,
            "{route} as {who}: a refusal without an audit record"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_route_with_every_role_and_a_foreign_tenant(pool: PgPool) {
    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let upstreams = Upstreams {
        nomad: Some(Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap()),
        ..Upstreams::default()
    };
    let services = common::services(pool.clone(), upstreams);
    common::tenant(&services, "acme").await;
    common::tenant(&services, "globex").await;
    let router = common::router(services);

    let who = common::roles::everyone(&pool).await;

    // The app exists, so app routes reach Nomad for those allowed.
    let dev = &who[4].auth;
    let (status, _, body) = call(
        &router,
        "POST",
        "/api/v1/tenants/acme/apps",
        dev,
        Some(SPEC.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Destructive routes last, so they do not change what earlier routes see.
    let mut routes: Vec<_> = ROUTES.iter().collect();
    routes.sort_by_key(|r| (r.method == "DELETE" || r.path.ends_with("/stop")) as u8);
    let mut calls = 0;
    for route in routes {
        let body = body_for(route.method, route.path);
        for w in &who {
            let label = format!("{} {}", route.method, route.path);
            let expect = expected(w, route.access, route.people_only);
            let (status, headers, text) = call(
                &router,
                route.method,
                &uri(route.path, "acme"),
                &w.auth,
                body.clone(),
            )
            .await;
            check(&label, w.name, &expect, status, &text);
            audited(&pool, &label, w.name, route.method, status, &headers).await;
            calls += 1;
            // A tenant that does not exist answers exactly like a foreign one, for everyone but platform roles.
            if matches!(route.access, Access::Tenant(_))
                && w.platform.is_none()
                && !matches!(w.auth, Auth::None)
            {
                let (status, _, text) = call(
                    &router,
                    route.method,
                    &uri(route.path, "nosuch"),
                    &w.auth,
                    body.clone(),
                )
                .await;
                if !route.people_only || w.person {
                    check(
                        &format!("{label} (tenant nosuch)"),
                        w.name,
                        &Expect::TenantNotFound,
                        status,
                        &text,
                    );
                }
                calls += 1;
            }
        }
    }
    assert!(calls > ROUTES.len() * who.len());
}

#[sqlx::test(migrations = "../migrations")]
async fn server_functions_check_the_caller_too(pool: PgPool) {
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    common::tenant(&services, "globex").await;
    let router = common::router(services);
    let dev =
        Auth::Cookie(common::person(&pool, "d", None, &[("acme", TenantRole::Developer)]).await);
    let auditor =
        Auth::Cookie(common::person(&pool, "a", None, &[("acme", TenantRole::Auditor)]).await);
    let foreign =
        Auth::Cookie(common::person(&pool, "g", None, &[("globex", TenantRole::Admin)]).await);
    let check_body = |tenant: &str| {
        serde_json::json!({"text": SPEC, "format": "spec", "tenant": tenant}).to_string()
    };
    let cases = [
        (
            &Auth::None,
            "acme",
            "Unauthenticated",
            StatusCode::UNAUTHORIZED,
        ),
        (&auditor, "acme", "Forbidden", StatusCode::FORBIDDEN),
        (&foreign, "acme", "NotFound", StatusCode::NOT_FOUND),
        (&dev, "globex", "NotFound", StatusCode::NOT_FOUND),
    ];
    for (auth, tenant, error, status) in cases {
        for endpoint in ["/api/check_app", "/api/deploy_context"] {
            let body = if endpoint == "/api/check_app" {
                check_body(tenant)
            } else {
                serde_json::json!({"tenant": tenant}).to_string()
            };
            let (got, _, text) = call(&router, "POST", endpoint, auth, Some(body)).await;
            assert!(
                text.contains(error),
                "{endpoint} {tenant} expected {error}: {text}"
            );
            assert_eq!(got, status, "{endpoint} {tenant}: {text}");
        }
    }
    // The app page's server functions: developers' actions refused to auditors, everything hidden from others.
    let nil = "00000000-0000-0000-0000-000000000000";
    let app_fns = [
        (
            "/api/plan_app",
            serde_json::json!({"text": SPEC, "format": "spec"}),
            true,
        ),
        (
            "/api/operate_app",
            serde_json::json!({"app": "web", "operation": {"Scale": 2}}),
            true,
        ),
        (
            "/api/rollback_app",
            serde_json::json!({"app": "web", "version": nil}),
            true,
        ),
        (
            "/api/search_app_logs",
            serde_json::json!({"app": "web", "form": {"text": "x", "instance": "", "stream": "", "minutes": 60}}),
            true,
        ),
        (
            "/api/app_versions",
            serde_json::json!({"app": "web"}),
            false,
        ),
        (
            "/api/version_diff",
            serde_json::json!({"app": "web", "from": nil, "to": nil}),
            false,
        ),
    ];
    for (auth, tenant, error, status) in cases {
        for (endpoint, body, developers_only) in &app_fns {
            if !developers_only && error == "Forbidden" {
                continue;
            }
            let mut body = body.clone();
            body["tenant"] = serde_json::json!(tenant);
            let (got, _, text) =
                call(&router, "POST", endpoint, auth, Some(body.to_string())).await;
            assert!(
                text.contains(error),
                "{endpoint} {tenant} expected {error}: {text}"
            );
            assert_eq!(got, status, "{endpoint} {tenant}: {text}");
        }
    }
    let (got, _, text) = call(
        &router,
        "POST",
        "/api/app_versions",
        &auditor,
        Some(serde_json::json!({"tenant": "acme", "app": "web"}).to_string()),
    )
    .await;
    assert_eq!((got, text.as_str()), (StatusCode::OK, "[]"));
    let (status, _, text) = call(
        &router,
        "POST",
        "/api/check_app",
        &dev,
        Some(check_body("acme")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("acme--web"), "{text}");
    // Nobody signed in: no session, and nothing about anyone.
    let (_, _, text) = call(&router, "POST", "/api/session", &Auth::None, None).await;
    assert_eq!(text, "null");
    let (_, _, text) = call(&router, "POST", "/api/session", &foreign, None).await;
    assert!(text.contains("globex") && !text.contains("acme"), "{text}");
}
