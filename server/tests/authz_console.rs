//! The role matrix over the console's own entry points: every server function in the authorization table,
//! called by every kind of caller — API tokens of every role included. Server functions are for people in a
//! browser: a token gets 403 from every one that needs a caller (a leaked CI token must not become admin
//! access to members, tokens or settings), and everyone else gets what their role allows.

mod common;

use axum::http::StatusCode;
use common::roles::{Expect, expected};
use common::{Auth, call, call_form};
use np_domain::Upstreams;
use np_domain::entries::{Access, SERVER_FNS};
use np_nomad::{Nomad, NomadConfig};
use sqlx::PgPool;

const SPEC: &str = r#"{"name":"web","image":"nginx:1.27"}"#;
const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// The request of server function `path` against tenant `acme`: a JSON body, or form fields.
fn request_for(path: &str) -> Option<(bool, String)> {
    let json = |v: serde_json::Value| Some((true, v.to_string()));
    let form = |f: &str| Some((false, f.to_owned()));
    let app = serde_json::json!({"tenant": "acme", "app": "web"});
    let with = |extra: serde_json::Value| {
        let mut v = app.clone();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        json(v)
    };
    match path.trim_start_matches("/api/") {
        "session"
        | "sign_in_available"
        | "get_platform_status"
        | "all_tenants"
        | "verify_audit" => form(""),
        "apps_page" => {
            json(serde_json::json!({"tenant": "acme", "filter": null, "next_token": null}))
        }
        "deploy_context" | "tenant_page" => json(serde_json::json!({"tenant": "acme"})),
        "check_app" | "plan_app" => {
            json(serde_json::json!({"text": SPEC, "format": "spec", "tenant": "acme"}))
        }
        "deploy_app" => json(serde_json::json!({
            "text": SPEC, "format": "spec", "tenant": "acme", "idempotency_key": null, "based_on": null
        })),
        "load_app" | "app_overview" | "app_running" | "app_versions" | "app_services" => json(app),
        "version_diff" => with(serde_json::json!({"from": NIL, "to": NIL})),
        "rollback_app" => with(serde_json::json!({"version": NIL, "idempotency_key": null})),
        "operate_app" => with(serde_json::json!({"operation": {"Scale": 1}})),
        "search_app_logs" => with(serde_json::json!({
            "form": {"text": "x", "instance": "", "stream": "", "minutes": 60}
        })),
        "app_metrics" => with(serde_json::json!({"minutes": 30})),
        "rename_tenant" => form("tenant=acme&display_name=Acme"),
        "save_platform_settings" => form(
            "tenant=acme&host_suffix=&node_pool=default&budget_cpu=16000\
             &budget_memory=32768&budget_instances=50&allowed_volumes=&allowed_registries=",
        ),
        "add_member" => form("tenant=acme&member=someone%40example.com&role=developer"),
        "remove_member" => form(&format!("tenant=acme&user_id={NIL}")),
        "remove_invite" => form(&format!("tenant=acme&invite_id={NIL}")),
        "create_token" => form("tenant=acme&name=ci&role=developer&days=30"),
        "revoke_token" => form(&format!("tenant=acme&token_id={NIL}")),
        "create_tenant" => form("slug=newco&display_name=New+Co"),
        "audit_page" => json(serde_json::json!({"filter": {}, "before": null})),
        "audit_record" => form("seq=1"),
        _ => None,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_server_function_with_every_caller_kind(pool: PgPool) {
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
    let developer = &who
        .iter()
        .find(|w| w.name == "acme developer")
        .unwrap()
        .auth;
    let (status, _, body) = call(
        &router,
        "POST",
        "/api/v1/tenants/acme/apps",
        developer,
        Some(SPEC.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mut tokens_refused = 0;
    for entry in SERVER_FNS {
        let (json, body) = request_for(entry.path).unwrap_or_else(|| {
            panic!(
                "{}: no request written for this server function",
                entry.path
            )
        });
        for w in &who {
            let (status, _, text) = if json {
                call(&router, "POST", entry.path, &w.auth, Some(body.clone())).await
            } else {
                call_form(&router, entry.path, &w.auth, &body).await
            };
            let label = format!("{} as {}", entry.path, w.name);
            assert!(
                status.as_u16() < 500 || status == StatusCode::SERVICE_UNAVAILABLE,
                "{label}: {status} {text}"
            );
            let token = matches!(w.auth, Auth::Bearer(_));
            if token && entry.access != Access::Public {
                // Whatever the token's role: not here.
                assert_eq!(status, StatusCode::FORBIDDEN, "{label}: {text}");
                tokens_refused += 1;
                continue;
            }
            let tenant_missing = status == StatusCode::NOT_FOUND && text.contains("tenant");
            match expected(w, entry.access, entry.people_only) {
                Expect::Allowed => assert!(
                    status != StatusCode::UNAUTHORIZED
                        && status != StatusCode::FORBIDDEN
                        && !tenant_missing,
                    "{label}: expected to be allowed, got {status} {text}"
                ),
                Expect::Status(s) => assert_eq!(status, s, "{label}: {text}"),
                Expect::TenantNotFound => assert!(
                    tenant_missing,
                    "{label}: expected 404 tenant not found, got {status} {text}"
                ),
            }
        }
    }
    assert!(tokens_refused > SERVER_FNS.len() * 2, "{tokens_refused}");
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_are_for_people_too(pool: PgPool) {
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    let router = common::router(services);
    let token =
        Auth::Bearer(common::token(&pool, "acme", np_domain::memberships::TenantRole::Admin).await);
    // The page renders, but whatever it would show of the tenant is refused to a token.
    let (status, _, text) = call(&router, "GET", "/tenant?tenant=acme", &token, None).await;
    assert!(
        status.is_success() || status == StatusCode::FORBIDDEN,
        "{status}"
    );
    assert!(
        !text.contains("data-testid=\"tenant-name\""),
        "a token saw the tenant page: {text}"
    );
}

#[test]
fn every_server_function_is_in_the_authorization_table() {
    // Registering the console's server functions happens when the router is built.
    let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    assert!(registered.len() > 20, "{registered:?}");
    for path in &registered {
        assert!(
            SERVER_FNS.iter().any(|e| e.path == *path),
            "{path} is not in the authorization table: it would refuse everyone"
        );
    }
    for entry in SERVER_FNS {
        assert!(
            registered.contains(&entry.path),
            "{} is in the table but no server function answers it",
            entry.path
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_client_cannot_choose_the_request_id_the_audit_log_records(pool: PgPool) {
    use tower::ServiceExt;
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    let router = common::router(services);
    let token = common::token(&pool, "acme", np_domain::memberships::TenantRole::Admin).await;
    let request = axum::http::Request::post("/api/v1/tenants/acme/members")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("x-request-id", "forged-id")
        .body(axum::body::Body::from(
            r#"{"member":"x@example.com","role":"admin"}"#,
        ))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let ids: Vec<Option<String>> =
        sqlx::query_scalar("SELECT request_id FROM audit_events WHERE action = 'authz.denied'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(ids.len(), 1, "the refusal is recorded");
    assert_ne!(ids[0].as_deref(), Some("forged-id"));
    assert_eq!(
        ids[0].as_deref(),
        response.headers()["x-request-id"].to_str().ok()
    );
}
