//! The REST API under `/api/v1`, for pipelines (API tokens) and scripts (or a signed-in browser).
//!
//! [`ROUTES`] (the API's rows of the authorization table) lists every route once: the router is built from it
//! (a route for people only refuses API tokens before its handler runs), the OpenAPI document describes it,
//! and the role-matrix test walks it. Each handler authorizes through the domain (`Caller::authorize`), so a
//! caller with no role in a tenant gets 404 for everything in it.

pub mod audit;
pub mod handlers;
pub mod openapi;
pub mod operate;
pub mod tenancy;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use np_domain::DomainError;
use np_domain::authz::Caller;
use serde_json::json;

use crate::state::AppState;

/// The largest request body the API reads (a deploy document is at most 1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024 + 4096;

pub use np_domain::entries::{Access, Entry as RouteDoc};

/// Every route of the API: the REST API's rows of the one authorization table ([`np_domain::entries`]).
pub const ROUTES: &[RouteDoc] = np_domain::entries::API;

fn method_router(doc: &RouteDoc) -> MethodRouter<AppState> {
    use handlers as h;
    use tenancy as t;
    match (doc.method, doc.path) {
        ("GET", "/openapi.json") => get(openapi::serve),
        ("GET", "/me") => get(t::me),
        ("GET", "/tenants") => get(t::list_tenants),
        ("GET", "/users") => get(t::list_users),
        ("PUT", "/users/{user}") => put(t::update_user),
        ("POST", "/tenants") => post(t::create_tenant),
        ("GET", "/tenants/{tenant}") => get(t::get_tenant),
        ("PUT", "/tenants/{tenant}") => put(t::update_tenant),
        ("PUT", "/tenants/{tenant}/settings") => put(t::set_tenant_settings),
        ("DELETE", "/tenants/{tenant}") => delete(t::delete_tenant),
        ("POST", "/tenants/{tenant}/provision") => post(t::provision_tenant),
        ("GET", "/tenants/{tenant}/members") => get(t::list_members),
        ("POST", "/tenants/{tenant}/members") => post(t::add_member),
        ("DELETE", "/tenants/{tenant}/members/{user}") => delete(t::remove_member),
        ("DELETE", "/tenants/{tenant}/invites/{invite}") => delete(t::remove_invite),
        ("GET", "/tenants/{tenant}/tokens") => get(t::list_tokens),
        ("POST", "/tenants/{tenant}/tokens") => post(t::create_token),
        ("DELETE", "/tenants/{tenant}/tokens/{token}") => delete(t::revoke_token),
        ("GET", "/tenants/{tenant}/apps") => get(h::list_apps),
        ("GET", "/tenants/{tenant}/watch/apps") => get(operate::watch_apps),
        ("POST", "/tenants/{tenant}/apps") => post(h::deploy),
        ("GET", "/tenants/{tenant}/apps/{app}") => get(h::app_status),
        ("GET", "/tenants/{tenant}/apps/{app}/logs") => get(h::app_logs),
        ("POST", "/tenants/{tenant}/plan") => post(operate::plan),
        ("GET", "/tenants/{tenant}/apps/{app}/watch") => get(operate::watch),
        ("GET", "/tenants/{tenant}/apps/{app}/logs/tail") => get(operate::tail),
        ("GET", "/tenants/{tenant}/apps/{app}/logs/search") => get(operate::search),
        ("GET", "/tenants/{tenant}/apps/{app}/versions") => get(operate::versions),
        ("GET", "/tenants/{tenant}/apps/{app}/diff") => get(operate::diff),
        ("POST", "/tenants/{tenant}/apps/{app}/rollback") => post(operate::rollback),
        ("POST", "/tenants/{tenant}/apps/{app}/restart") => post(operate::restart),
        ("POST", "/tenants/{tenant}/apps/{app}/start") => post(operate::start),
        ("POST", "/tenants/{tenant}/apps/{app}/promote") => post(operate::promote),
        ("GET", "/tenants/{tenant}/apps/{app}/metrics") => get(operate::metrics),
        ("GET", "/tenants/{tenant}/apps/{app}/services") => get(operate::services),
        ("POST", "/tenants/{tenant}/apps/{app}/scale") => post(h::scale),
        ("POST", "/tenants/{tenant}/apps/{app}/stop") => post(h::stop),
        ("GET", "/tenants/{tenant}/audit") => get(audit::tenant_list),
        ("GET", "/audit") => get(audit::list),
        ("GET", "/audit/export") => get(audit::export),
        ("GET", "/audit/verify") => get(audit::verify),
        ("GET", "/audit/{seq}") => get(audit::get),
        (method, path) => unreachable!("API route {method} {path} has no handler"),
    }
}

/// The API router, to be nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    let mut paths: Vec<&str> = Vec::new();
    for route in ROUTES {
        if !paths.contains(&route.path) {
            paths.push(route.path);
        }
    }
    for path in paths {
        let mut methods: Option<MethodRouter<AppState>> = None;
        for doc in ROUTES.iter().filter(|r| r.path == path) {
            let m = if doc.people_only {
                method_router(doc).route_layer(axum::middleware::from_fn(people_only))
            } else {
                method_router(doc)
            };
            methods = Some(match methods {
                None => m,
                Some(existing) => existing.merge(m),
            });
        }
        if let Some(methods) = methods {
            router = router.route(path, methods);
        }
    }
    router
        .fallback(|| async {
            error_response(StatusCode::NOT_FOUND, "not_found", "no such API route")
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// Refuses API tokens on a route the table keeps for people.
async fn people_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let token = request
        .extensions()
        .get::<Caller>()
        .is_some_and(|c| c.user_id().is_none());
    if token {
        return error_response(
            StatusCode::FORBIDDEN,
            "forbidden",
            "API tokens may not do this; sign in to the console",
        );
    }
    next.run(request).await
}

/// A JSON error body: `{"error": {"code", "message"}}`.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// A domain error as an API answer.
#[derive(Debug)]
pub struct ApiError(pub DomainError);

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = self.0.to_string();
        let refused = self.0.is_upstream_refusal();
        match self.0 {
            DomainError::NotFound(_) => error_response(StatusCode::NOT_FOUND, "not_found", &message),
            DomainError::Conflict(_) => error_response(StatusCode::CONFLICT, "conflict", &message),
            DomainError::Invalid { field, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": {"code": "invalid", "message": format!("{field}: {message}"),
                                      "errors": [{"field": field, "message": message}]}})),
            )
                .into_response(),
            DomainError::Rejected(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": {"code": "invalid",
                                      "message": format!("the document was refused: {} problem(s)", errors.0.len()),
                                      "errors": errors.0}})),
            )
                .into_response(),
            DomainError::Unauthenticated => {
                error_response(StatusCode::UNAUTHORIZED, "unauthenticated", &message)
            }
            DomainError::Forbidden(_) => error_response(StatusCode::FORBIDDEN, "forbidden", &message),
            DomainError::Upstream { service, .. } => {
                let status = if refused {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                };
                error_response(status, &format!("{service}_error"), &message)
            }
            DomainError::TooMany { retry_after, .. } => {
                let mut response =
                    error_response(StatusCode::TOO_MANY_REQUESTS, "rate_limited", &message);
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(retry_after),
                );
                response
            }
            DomainError::Database(e) => {
                tracing::error!(error = &e as &dyn std::error::Error, "database error");
                error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the console's database is unavailable; try again shortly",
                )
            }
        }
    }
}

/// The authenticated caller of an API request (401 when there is none).
#[derive(Debug, Clone)]
pub struct Authed(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .map(Self)
            .ok_or_else(|| {
                error_response(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "sign in, or send an API token as Authorization: Bearer <token>",
                )
            })
    }
}

/// The authenticated caller, who must be a person (API tokens may not manage members or tokens).
#[derive(Debug, Clone)]
pub struct Person(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Person {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Authed(caller) = Authed::from_request_parts(parts, state).await?;
        if caller.user_id().is_none() {
            return Err(error_response(
                StatusCode::FORBIDDEN,
                "forbidden",
                "API tokens may not do this; sign in to the console",
            ));
        }
        Ok(Self(caller))
    }
}
