//! The bad-input catalogue (security.md §2) against the running console: each item is sent through the REST
//! API and through the deploy form's server function (which skip the browser's own checks). Each must be
//! refused with a clear, specific error (422 naming the field), change nothing — no deploy recorded, nothing
//! sent to Nomad — and leave a `deploy.rejected` record. The parsers' and generator's own tests
//! (crates/np_spec/tests/policy.rs) cover the same catalogue in all three formats.

mod common;

use axum::http::StatusCode;
use common::{Auth, call};
use np_domain::Upstreams;
use np_domain::memberships::TenantRole;
use np_nomad::QueryOptions;
use serde_json::{Value, json};
use sqlx::PgPool;

/// `(catalogue item, document, the field the error must name)`.
fn catalogue() -> Vec<(&'static str, String, &'static str)> {
    let app = |extra: &str| format!(r#"{{"name":"web","image":"nginx:1.27"{extra}}}"#);
    let mut cases = vec![
        (
            "A1 space in a name",
            r#"{"name":"my app","image":"nginx:1.27"}"#.into(),
            "name",
        ),
        (
            "A1 NUL in a name",
            r#"{"name":"a\u0000b","image":"nginx:1.27"}"#.into(),
            "name",
        ),
        (
            "A2 slash in a name",
            r#"{"name":"a/b","image":"nginx:1.27"}"#.into(),
            "name",
        ),
        (
            "A2 dot-dot name",
            r#"{"name":"..","image":"nginx:1.27"}"#.into(),
            "name",
        ),
        (
            "A3 upper case",
            r#"{"name":"UPPER","image":"nginx:1.27"}"#.into(),
            "name",
        ),
        (
            "A3 leading dash",
            r#"{"name":"-lead","image":"nginx:1.27"}"#.into(),
            "name",
        ),
        (
            "A3 Cyrillic homoglyph",
            "{\"name\":\"\u{0430}pp\",\"image\":\"nginx:1.27\"}".into(),
            "name",
        ),
        (
            "A3 64 characters",
            format!(r#"{{"name":"{}","image":"nginx:1.27"}}"#, "a".repeat(64)),
            "name",
        ),
        (
            "A4 Traefik key path",
            r#"{"name":"x.middlewares","image":"nginx:1.27"}"#.into(),
            "name",
        ),
        (
            "A5 a namespace of one's own",
            app(r#","namespace":"*""#),
            "namespace",
        ),
        (
            "C5 node attribute in env",
            app(r#","env":{"HOST":"${attr.unique.hostname}"}"#),
            "env.HOST",
        ),
        (
            "C5 node meta in env",
            app(r#","env":{"X":"${meta.secret_thing}"}"#),
            "env.X",
        ),
        (
            "D1 rule injection in a host",
            app(
                r#","ports":[{"name":"http","port":80}],"routes":[{"host":"a.acme.apps.localhost`) || Host(`victim.example.com","port":"http"}]"#,
            ),
            "routes[0].host",
        ),
        (
            "D2 wildcard host",
            app(
                r#","ports":[{"name":"http","port":80}],"routes":[{"host":"*.acme.apps.localhost","port":"http"}]"#,
            ),
            "routes[0].host",
        ),
        (
            "D1 another tenant's domain",
            app(
                r#","ports":[{"name":"http","port":80}],"routes":[{"host":"victim.example.com","port":"http"}]"#,
            ),
            "routes[0].host",
        ),
        (
            "D5 rule injection in a path",
            app(
                r#","ports":[{"name":"http","port":80}],"routes":[{"host":"web.acme.apps.localhost","path":"/api`) || PathPrefix(`/","port":"http"}]"#,
            ),
            "routes[0].path",
        ),
        (
            "E1 privileged",
            app(r#","container":{"privileged":true}"#),
            "container.privileged",
        ),
        (
            "E2 capabilities",
            app(r#","container":{"cap_add":["SYS_ADMIN"]}"#),
            "container.cap_add",
        ),
        (
            "E3 host path volume",
            app(r#","volumes":[{"volume":"/:/host","path":"/host"}]"#),
            "volumes[0].volume",
        ),
        (
            "E5 host network",
            app(r#","container":{"network_mode":"host"}"#),
            "container.network_mode",
        ),
        (
            "E8 image from the metadata address",
            r#"{"name":"web","image":"169.254.169.254/x:1"}"#.into(),
            "image",
        ),
        ("F1 system job", app(r#","kind":"system""#), "kind"),
        (
            "F4 too many instances",
            app(r#","replicas":{"count":50000}"#),
            "replicas.count",
        ),
        (
            "F4 too much memory",
            app(r#","resources":{"memory":"1024Gi"}"#),
            "resources.memory",
        ),
        (
            "F6 root user",
            app(r#","container":{"user":"root"}"#),
            "container.user",
        ),
        (
            "F8 artifact",
            app(r#","artifact":{"source":"http://169.254.169.254/latest/meta-data/"}"#),
            "artifact",
        ),
        (
            "F12 absolute check path",
            app(
                r#","ports":[{"name":"http","port":80}],"health":{"type":"http","path":"http://169.254.169.254/","port":"http"}"#,
            ),
            "health.path",
        ),
        ("H2 billion laughs", billion_laughs(), ""),
        (
            "H3 deep nesting",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            "",
        ),
        (
            "H4 YAML tag",
            "name: !!python/object:os.system web\nimage: nginx:1.27\n".into(),
            "",
        ),
        (
            "H4 duplicate keys",
            "name: web\nname: api\nimage: nginx:1.27\n".into(),
            "name",
        ),
        (
            "H4 several documents",
            "name: web\nimage: nginx:1.27\n---\nname: api\nimage: nginx:1.27\n".into(),
            "",
        ),
        (
            "H5 bidi override in a name",
            "{\"name\":\"web\u{202e}\",\"image\":\"nginx:1.27\"}".into(),
            "name",
        ),
    ];
    cases.retain(|(_, text, _)| !text.is_empty());
    cases
}

fn billion_laughs() -> String {
    let mut doc = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        doc.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    doc.push_str("name: web\nimage: nginx:1.27\n");
    doc
}

#[sqlx::test(migrations = "../migrations")]
async fn every_catalogued_bad_input_is_refused_by_field_and_changes_nothing(pool: PgPool) {
    // The whole catalogue, twice, is more than a tenant may submit in a minute (tests/limits.rs).
    let no_deploy_limit = np_domain::limits::LimitSettings {
        deploys_per_minute: 0,
        ..Default::default()
    };
    let (services, _sim, nomad) = common::services_with_nomad(pool.clone(), no_deploy_limit).await;
    common::tenant(&services, "acme").await;
    let router = common::router(services);
    let token = Auth::Bearer(common::token(&pool, "acme", TenantRole::Developer).await);
    let person =
        Auth::Cookie(common::person(&pool, "dev", None, &[("acme", TenantRole::Developer)]).await);
    let cases = catalogue();
    for (item, text, field) in &cases {
        // The API.
        let (status, _, body) = call(
            &router,
            "POST",
            "/api/v1/tenants/acme/apps",
            &token,
            Some(text.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{item}: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        let errors = answer["error"]["errors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            !errors.is_empty(),
            "{item}: the error names its field: {body}"
        );
        if !field.is_empty() {
            assert!(
                errors.iter().any(|e| e["field"] == *field),
                "{item}: expected an error at {field}: {body}"
            );
        }
        assert!(
            errors
                .iter()
                .all(|e| !e["message"].as_str().unwrap_or("").is_empty()),
            "{item}: every error says what is wrong"
        );
        // The deploy form's server function.
        let (status, _, body) = call(
            &router,
            "POST",
            "/api/deploy_app",
            &person,
            Some(json!({"text": text, "tenant": "acme"}).to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{item}: {body}");
        let outcome: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(outcome["deployed"], json!([]), "{item}: {body}");
        let form_errors = outcome["errors"].as_array().cloned().unwrap_or_default();
        assert!(!form_errors.is_empty(), "{item}: {body}");
        if !field.is_empty() {
            assert!(
                form_errors.iter().any(|e| e["field"] == *field),
                "{item}: expected an error at {field}: {body}"
            );
        }
    }
    // Nothing was recorded as deployed, and Nomad heard of nothing.
    let deploys: i64 = sqlx::query_scalar("SELECT count(*) FROM deploys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deploys, 0);
    let (jobs, _) = nomad
        .jobs()
        .list(&QueryOptions {
            namespace: Some("*".into()),
            ..QueryOptions::default()
        })
        .await
        .unwrap();
    assert!(jobs.is_empty(), "{jobs:?}");
    // Each refusal left a trace.
    let rejected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'deploy.rejected' AND outcome = 'failure'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rejected, 2 * i64::try_from(cases.len()).unwrap());
}

#[sqlx::test(migrations = "../migrations")]
async fn an_oversized_body_is_refused_before_it_is_read(pool: PgPool) {
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    let router = common::router(services);
    let token = Auth::Bearer(common::token(&pool, "acme", TenantRole::Developer).await);
    // H1: 10 MiB.
    let huge = format!(
        r#"{{"name":"web","image":"nginx:1.27","env":{{"X":"{}"}}}}"#,
        "x".repeat(10 << 20)
    );
    let (status, _, _) = call(
        &router,
        "POST",
        "/api/v1/tenants/acme/apps",
        &token,
        Some(huge),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // The deploy page's server functions: the same limit and a clear error, never a 500.
    let person =
        Auth::Cookie(common::person(&pool, "d", None, &[("acme", TenantRole::Developer)]).await);
    let document =
        serde_json::json!({"text": "x".repeat(20 << 20), "format": "spec", "tenant": "acme"});
    for endpoint in ["/api/check_app", "/api/plan_app", "/api/deploy_app"] {
        let mut body = document.clone();
        if endpoint == "/api/deploy_app" {
            body["idempotency_key"] = serde_json::Value::Null;
            body["based_on"] = serde_json::Value::Null;
        }
        let (status, _, text) =
            call(&router, "POST", endpoint, &person, Some(body.to_string())).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{endpoint}: {text}");
        assert!(text.contains("larger than the 1 MiB"), "{endpoint}: {text}");
    }
    let deploys: i64 = sqlx::query_scalar("SELECT count(*) FROM deploys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deploys, 0);
}
