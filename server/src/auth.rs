//! Sign-in, sessions and the caller of each request.
//!
//! - `/auth/login` starts an OIDC sign-in, `/auth/callback` finishes it, `POST /auth/logout` ends the session
//!   (and the provider's, where it offers RP-initiated logout).
//! - [`identify`] runs in front of everything: it resolves the caller from the session cookie or an
//!   `Authorization: Bearer` API token and puts the [`Caller`] in the request's extensions, where server
//!   functions and API handlers find it.
//! - [`guard_cross_site`] refuses state-changing requests that a browser sent from another site.

pub mod mapping;
pub mod oidc;
pub mod origin;
pub mod routes;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use np_domain::Services;
use np_domain::sessions::SessionLifetimes;
use url::Url;

use crate::state::AppState;
use mapping::RoleMapping;
use oidc::Oidc;

/// The session cookie. `__Host-` makes browsers insist on Secure, Path=/ and no Domain.
pub const SESSION_COOKIE: &str = "__Host-np_session";
/// The sign-in-in-progress cookie.
pub const LOGIN_COOKIE: &str = "__Host-np_login";

/// Everything sign-in needs, shared by all requests.
#[derive(Debug)]
pub struct Auth {
    /// The provider, when sign-in is configured.
    pub oidc: Option<Oidc>,
    /// The console's public URL (its origin is the only one allowed to change state from a browser).
    pub public_url: Url,
    /// Session lifetimes.
    pub lifetimes: SessionLifetimes,
    /// Group → role mapping.
    pub mapping: RoleMapping,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<origin::Cidr>,
}

impl Auth {
    /// The console's origin, as browsers send it in `Origin`.
    pub fn origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}

/// Shared handle.
pub type SharedAuth = Arc<Auth>;

/// The value of cookie `name` in `headers`, if present.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for `name` with the console's attributes (`max_age` 0 deletes it).
pub fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The bearer token of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// None.
    Anonymous,
    /// The session cookie (a browser: cross-site checks apply).
    Session,
    /// A bearer token (a pipeline).
    Token,
}

/// Resolves the caller; puts `Caller` (when known) and `Credential` in the request extensions. A bearer token
/// that is unknown, revoked or expired is refused with 401 at once, rather than treated as anonymous.
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let services: &Services = &state.services;
    let headers = request.headers().clone();
    let (caller, credential) = if let Some(token) = bearer(&headers) {
        match np_domain::api_tokens::caller(&services.db, token).await {
            Ok(Some(caller)) => (Some(caller), Credential::Token),
            Ok(None) => {
                return crate::api::error_response(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "the API token is unknown, revoked, expired or suspended (its creator is disabled or no longer an admin of the tenant)",
                );
            }
            Err(e) => return database_down(&e),
        }
    } else if let Some(cookie) = cookie(&headers, SESSION_COOKIE) {
        let resolved = async {
            let mut conn = services.db.acquire().await?;
            np_domain::sessions::caller(&mut conn, cookie, state.auth.lifetimes.idle).await
        }
        .await;
        match resolved {
            Ok(Some(caller)) => (Some(caller), Credential::Session),
            Ok(None) => (None, Credential::Anonymous),
            Err(e) => return database_down(&e),
        }
    } else {
        (None, Credential::Anonymous)
    };
    let origin = origin::of(&request, &state.auth.trusted_proxies);
    let caller = caller.map(|mut c| {
        c.origin = origin.clone();
        c
    });
    let denied = caller
        .clone()
        .map(|c| (c, request.method().clone(), request.uri().path().to_owned()));
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    request.extensions_mut().insert(origin);
    request.extensions_mut().insert(credential);
    let response = next.run(request).await;
    if response.status() == StatusCode::FORBIDDEN
        && let Some((caller, method, path)) = denied
    {
        record_denial(services, &caller, &method, &path).await;
    }
    response
}

/// Records a refused request of a signed-in caller in the audit log.
async fn record_denial(
    services: &Services,
    caller: &np_domain::authz::Caller,
    method: &Method,
    path: &str,
) {
    let tenant = path
        .strip_prefix("/api/v1/tenants/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|slug| caller.grants.iter().find(|g| g.tenant == slug));
    let mut record =
        np_domain::audit::Record::new("authz.denied").target("path", format!("{method} {path}"));
    if let Some(g) = tenant {
        record = record.tenant_named(g.tenant_id, &g.tenant);
    }
    let actor = np_domain::audit::Actor::of(caller);
    if let Err(e) = np_domain::audit::event(
        &services.db,
        &actor,
        &record,
        np_domain::audit::Outcome::Denied,
    )
    .await
    {
        tracing::error!(error = %e, "recording a refused request failed");
    }
}

fn database_down(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "resolving the caller failed");
    crate::api::error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the console's database is unavailable; try again shortly",
    )
}

/// Whether a request is safe (changes nothing), so needs no cross-site check.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses state-changing browser requests from other sites: `Sec-Fetch-Site` must be `same-origin` or `none`,
/// and `Origin`, when sent, must be the console's own. A request with neither header is let through only when
/// it carries no session cookie (a pipeline with a token, or an anonymous call that will be refused anyway).
pub async fn guard_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let own = state.auth.origin();
    let refused = match (fetch_site, origin) {
        (Some(site), _) if !matches!(site, "same-origin" | "none") => true,
        (_, Some(origin)) if origin != own => true,
        (None, None) => cookie(headers, SESSION_COOKIE).is_some() && bearer(headers).is_none(),
        _ => false,
    };
    if refused {
        tracing::warn!(
            method = %request.method(),
            path = request.uri().path(),
            origin,
            fetch_site,
            "refused a cross-site request"
        );
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "cross-site request refused",
        )
            .into_response();
    }
    next.run(request).await
}
