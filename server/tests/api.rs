//! A CI pipeline's view: a tenant admin makes an API token, and the pipeline deploys an np.yaml, reads status
//! and logs, scales and stops, through the REST API and through the `np` command-line client, against the
//! console served over TCP with the cluster simulator behind it.

mod common;

use std::process::Command;

use axum::http::StatusCode;
use common::{Auth, call};
use np_domain::memberships::TenantRole;
use np_domain::{Upstreams, tenants};
use np_nomad::{Nomad, NomadConfig, QueryOptions};
use serde_json::Value;
use sqlx::PgPool;

const NP_YAML: &str = "version: 1
services:
  - name: web
    source: nginx:1.27
    port: 8080
    domains: [web.acme.apps.localhost]
    replicas: {count: 2, min: 1, max: 4}
";

fn np(addr: &str, token: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_np"))
        .args(args)
        .env("NP_ADDR", addr)
        .env("NP_TOKEN", token)
        .env("NP_TENANT", "acme")
        .env_remove("NP_CONFIG_FILE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn a_pipeline_deploys_with_a_token_through_the_api_and_the_cli(pool: PgPool) {
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
    let router = common::router(services);
    let admin =
        Auth::Cookie(common::person(&pool, "erin", None, &[("acme", TenantRole::Admin)]).await);

    // The tenant admin makes a token; its secret is in this answer only.
    let (status, _, body) = call(
        &router,
        "POST",
        "/api/v1/tenants/acme/tokens",
        &admin,
        Some(r#"{"name":"github-actions","role":"developer","expires_in_days":30}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let made: Value = serde_json::from_str(&body).unwrap();
    let secret = made["secret"].as_str().unwrap().to_owned();
    let (_, _, listed) = call(&router, "GET", "/api/v1/tenants/acme/tokens", &admin, None).await;
    assert!(
        listed.contains("github-actions") && !listed.contains(&secret),
        "{listed}"
    );

    // Serve the console over TCP for the CLI.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let served = router.clone();
    tokio::spawn(async move { axum::serve(listener, served).await.unwrap() });

    let dir = std::env::temp_dir().join(format!("np-api-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("np.yaml");
    std::fs::write(&file, NP_YAML).unwrap();
    let file = file.to_str().unwrap().to_owned();

    let (addr2, secret2, file2) = (addr.clone(), secret.clone(), file.clone());
    let (code, out, err) =
        tokio::task::spawn_blocking(move || np(&addr2, &secret2, &["deploy", &file2]))
            .await
            .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("deployed web as job acme--web"), "{out}");
    assert!(out.contains("https://web.acme.apps.localhost/"), "{out}");

    // The job is in the tenant's namespace, recorded as deployed by the token.
    let (job, _) = nomad
        .jobs()
        .info(
            "acme--web",
            &QueryOptions {
                namespace: Some("acme".into()),
                ..QueryOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(job.namespace.as_deref(), Some("acme"));
    let (actor, state): (String, String) =
        sqlx::query_as("SELECT actor, state FROM deploys WHERE app = 'web'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (actor.as_str(), state.as_str()),
        ("token github-actions", "submitted")
    );

    // Status until both instances run and the deployment is done (Nomad refuses to scale during one).
    let bearer = Auth::Bearer(secret.clone());
    let mut last = Value::Null;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        let (status, _, body) = call(
            &router,
            "GET",
            "/api/v1/tenants/acme/apps/web",
            &bearer,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        last = serde_json::from_str(&body).unwrap();
        if last["running"] == 2 && last["deployment"] == "successful" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        (&last["running"], &last["deployment"]),
        (&Value::from(2), &Value::from("successful")),
        "{last}"
    );
    let run = |args: &'static [&'static str]| {
        let (a, s) = (addr.clone(), secret.clone());
        tokio::task::spawn_blocking(move || np(&a, &s, args))
    };
    let (code, out, err) = run(&["status", "web"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("web (job acme--web, version 0): running, 2/2 running, 0 pending, 0 failed, deployment successful"),
        "{out}"
    );

    let (code, out, err) = run(&["logs", "web"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(!out.is_empty(), "the simulated app writes to stdout");

    // Scaling respects the app's bounds, said in the console's words (not Nomad's raw refusal).
    let (code, _, err) = run(&["scale", "web", "9"]).await.unwrap();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("may run at most"), "{err}");
    assert!(err.contains("replicas.max"), "{err}");
    assert!(!err.contains("group count was greater"), "{err}");
    let (code, out, err) = run(&["scale", "web", "3"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("scaled web to 3"), "{out}");

    // A refused document names each field and changes nothing.
    std::fs::write(
        &file,
        NP_YAML.replace("web.acme.apps.localhost", "web.globex.apps.localhost"),
    )
    .unwrap();
    let (a, s, f) = (addr.clone(), secret.clone(), file.clone());
    let (code, _, err) = tokio::task::spawn_blocking(move || np(&a, &s, &["deploy", &f]))
        .await
        .unwrap();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("services[0].domains[0]"), "{err}");
    let deploys: i64 = sqlx::query_scalar("SELECT count(*) FROM deploys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deploys, 1);

    let (code, out, err) = run(&["stop", "web"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("stopped web"), "{out}");

    // A token reaches only its own tenant; a revoked token nothing.
    let (status, _, body) =
        call(&router, "GET", "/api/v1/tenants/globex/apps", &bearer, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let id = made["token"]["id"].as_str().unwrap();
    let (status, _, _) = call(
        &router,
        "DELETE",
        &format!("/api/v1/tenants/acme/tokens/{id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (code, _, err) = run(&["status", "web"]).await.unwrap();
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown, revoked, expired or suspended"),
        "{err}"
    );
    // A console that is not there: exit 1.
    let (code, _, err) =
        tokio::task::spawn_blocking(|| np("http://127.0.0.1:9", "np_x", &["status", "web"]))
            .await
            .unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot reach the console"), "{err}");
    let _ = tenants::list(&pool).await.unwrap();
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrations = "../migrations")]
async fn the_openapi_document_describes_every_route(pool: PgPool) {
    let router = common::router(common::services(pool, Upstreams::default()));
    let (status, _, body) = call(&router, "GET", "/api/v1/openapi.json", &Auth::None, None).await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for route in np::api::ROUTES {
        let op = &doc["paths"][route.path][route.method.to_lowercase()];
        assert_eq!(
            op["summary"], route.summary,
            "{} {}",
            route.method, route.path
        );
    }
    assert!(
        doc["paths"]["/tenants/{tenant}/apps"]["post"]["requestBody"]["content"]["application/yaml"].is_object()
    );
    // Unknown API paths answer JSON 404, not the HTML page.
    let (status, _, body) = call(&router, "GET", "/api/v1/nope", &Auth::None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("no such API route"), "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn disabling_a_user_ends_their_session_at_once(pool: PgPool) {
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    let router = common::router(services);
    let admin = Auth::Cookie(
        common::person(
            &pool,
            "root",
            Some(np_domain::authz::PlatformRole::Admin),
            &[],
        )
        .await,
    );
    let dev =
        Auth::Cookie(common::person(&pool, "dev", None, &[("acme", TenantRole::Developer)]).await);
    let (status, _, me) = call(&router, "GET", "/api/v1/me", &dev, None).await;
    assert_eq!(status, StatusCode::OK, "{me}");

    let (_, _, users) = call(&router, "GET", "/api/v1/users", &admin, None).await;
    let users: Value = serde_json::from_str(&users).unwrap_or_else(|e| panic!("{e}: {users}"));
    assert!(users.is_array(), "{users}");
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["display_name"] == "dev")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = call(
        &router,
        "PUT",
        &format!("/api/v1/users/{id}"),
        &admin,
        Some(r#"{"disabled":true}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _, _) = call(&router, "GET", "/api/v1/me", &dev, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Removing someone from a tenant takes effect at their next request, too.
    let other = Auth::Cookie(
        common::person(&pool, "other", None, &[("acme", TenantRole::Developer)]).await,
    );
    let (status, _, _) = call(&router, "GET", "/api/v1/tenants/acme", &other, None).await;
    assert_eq!(status, StatusCode::OK);
    let acme = tenants::by_slug(&pool, "acme").await.unwrap();
    let other_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE subject = 'other'")
        .fetch_one(&pool)
        .await
        .unwrap();
    np_domain::memberships::remove(&pool, acme.id, other_id)
        .await
        .unwrap();
    let (status, _, _) = call(&router, "GET", "/api/v1/tenants/acme", &other, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
