//! Test helpers: a router over a test database, people with sessions, tenants and tokens.
#![allow(dead_code)]

pub mod roles;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use np::state::AppState;
use np_domain::authz::{Caller, PlatformRole};
use np_domain::memberships::TenantRole;
use np_domain::{Platform, Services, Upstreams};
use sqlx::PgPool;
use tower::ServiceExt;

pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub fn services(pool: PgPool, upstreams: Upstreams) -> Services {
    Services {
        db: pool,
        upstreams,
        platform: Platform::default(),
        live: np_domain::live::Hub::new(),
        limits: np_domain::limits::Limits::new(Default::default()),
        audit: std::sync::Arc::new(np_domain::audit::chain::Keys::ephemeral()),
    }
}

/// A simulator, its Nomad client, and services over `pool` with that Nomad and `limits`.
pub async fn services_with_nomad(
    pool: PgPool,
    limits: np_domain::limits::LimitSettings,
) -> (Services, np_sim::Simulator, np_nomad::Nomad) {
    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let nomad =
        np_nomad::Nomad::new(np_nomad::NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
    let mut services = services(
        pool,
        Upstreams {
            nomad: Some(nomad.clone()),
            ..Upstreams::default()
        },
    );
    services.limits = np_domain::limits::Limits::new(limits);
    (services, sim, nomad)
}

pub fn router(services: Services) -> Router {
    let options = LeptosOptions::builder()
        .output_name("np")
        .site_root("target/site")
        .build();
    np::router::build(AppState::new(options, services))
}

/// A signed-in person: their session cookie header value.
pub async fn person(
    pool: &PgPool,
    subject: &str,
    platform: Option<PlatformRole>,
    roles: &[(&str, TenantRole)],
) -> String {
    let user = np_domain::users::upsert(
        pool,
        &np_domain::users::Identity {
            issuer: "https://idp.test".into(),
            subject: subject.into(),
            email: Some(format!("{subject}@example.com")),
            display_name: Some(subject.into()),
        },
    )
    .await
    .unwrap();
    np_domain::users::set_platform_role(pool, user.id, platform)
        .await
        .unwrap();
    for (tenant, role) in roles {
        let t = np_domain::tenants::by_slug(pool, tenant).await.unwrap();
        np_domain::memberships::set_role(pool, t.id, user.id, *role)
            .await
            .unwrap();
    }
    let mut conn = pool.acquire().await.unwrap();
    let cookie = np_domain::sessions::create(
        &mut conn,
        user.id,
        np_domain::sessions::SessionLifetimes {
            idle: time::Duration::hours(1),
            absolute: time::Duration::hours(12),
        },
        None,
        None,
    )
    .await
    .unwrap();
    format!("__Host-np_session={cookie}")
}

/// An API token of `tenant` with `role`: its secret.
pub async fn token(pool: &PgPool, tenant: &str, role: TenantRole) -> String {
    let t = np_domain::tenants::by_slug(pool, tenant).await.unwrap();
    np_domain::api_tokens::create(pool, t.id, &format!("{tenant}-{role:?}"), role, 30, None)
        .await
        .unwrap()
        .secret
}

/// Creates a tenant (and its namespace when Nomad is configured) as the system operator.
pub async fn tenant(services: &Services, slug: &str) -> np_domain::tenants::Tenant {
    np_domain::provisioning::create(
        services,
        &Caller::system("test"),
        &np_domain::tenants::NewTenant {
            slug: np_spec::names::TenantSlug::parse(slug).unwrap(),
            display_name: slug.to_uppercase(),
            settings: np_domain::tenants::TenantSettings::default(),
        },
    )
    .await
    .unwrap()
}

/// POSTs `form` (URL-encoded fields, as a server function without a JSON codec takes them) to `uri`.
pub async fn call_form(
    router: &Router,
    uri: &str,
    auth: &Auth,
    form: &str,
) -> (StatusCode, HeaderMap, String) {
    let mut request = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::ORIGIN, ORIGIN)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    match auth {
        Auth::None => {}
        Auth::Cookie(c) => request = request.header(header::COOKIE, c),
        Auth::Bearer(t) => request = request.header(header::AUTHORIZATION, format!("Bearer {t}")),
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Cookie(String),
    Bearer(String),
}

pub async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    auth: &Auth,
    body: Option<String>,
) -> (StatusCode, HeaderMap, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::ORIGIN, ORIGIN)
        .header("sec-fetch-site", "same-origin");
    match auth {
        Auth::None => {}
        Auth::Cookie(c) => request = request.header(header::COOKIE, c),
        Auth::Bearer(t) => request = request.header(header::AUTHORIZATION, format!("Bearer {t}")),
    }
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, mut body) = response.into_parts();
    let streamed = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let bytes = if streamed {
        // An event stream does not end: its first event is the answer.
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
            .await
            .expect("the event stream sent nothing within 10 s");
        frame
            .and_then(|f| f.ok())
            .and_then(|f| f.into_data().ok())
            .unwrap_or_default()
    } else {
        body.collect().await.unwrap().to_bytes()
    };
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}
