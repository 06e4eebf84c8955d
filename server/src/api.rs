//! The REST API under `/api/v1`, for pipelines (API tokens) and scripts (or a signed-in browser).
//!
//! [`ROUTES`] lists every route once: the router is built from it, the OpenAPI document describes it, and the
//! role-matrix test walks it. Each handler authorizes through the domain (`Caller::authorize`), so a caller
//! with no role in a tenant gets 404 for everything in it.

pub mod audit;
pub mod handlers;
pub mod openapi;
pub mod operate;

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

/// Who may call a route, for the documentation and the role-matrix test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any authenticated caller.
    Authenticated,
    /// A role in the tenant named in the path allowing this action.
    Tenant(np_domain::authz::Action),
    /// Platform admins only.
    PlatformAdmin,
    /// Auditors and admins, of the platform or of any tenant (each sees what their roles cover).
    Auditor,
}

/// One API route.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// HTTP method.
    pub method: &'static str,
    /// Path under `/api/v1`, with `{tenant}`-style parameters.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Whether only a person (not an API token) may call it.
    pub people_only: bool,
}

const fn route(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
) -> RouteDoc {
    RouteDoc {
        method,
        path,
        summary,
        access,
        people_only: false,
    }
}

const fn people(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
) -> RouteDoc {
    RouteDoc {
        method,
        path,
        summary,
        access,
        people_only: true,
    }
}

use np_domain::authz::Action as A;

/// Every route of the API.
pub const ROUTES: &[RouteDoc] = &[
    route("GET", "/openapi.json", "This document.", Access::Public),
    route(
        "GET",
        "/me",
        "The caller: name, platform role and tenant roles.",
        Access::Authenticated,
    ),
    route(
        "GET",
        "/tenants",
        "The tenants the caller may see.",
        Access::Authenticated,
    ),
    people(
        "POST",
        "/tenants",
        "Create a tenant and its Nomad namespace.",
        Access::PlatformAdmin,
    ),
    people(
        "GET",
        "/users",
        "Every user who has signed in, with their platform role and whether they are disabled.",
        Access::PlatformAdmin,
    ),
    people(
        "PUT",
        "/users/{user}",
        "Disable a user (their sessions end at once) or enable them again.",
        Access::PlatformAdmin,
    ),
    route(
        "GET",
        "/tenants/{tenant}",
        "A tenant and its settings.",
        Access::Tenant(A::View),
    ),
    people(
        "PUT",
        "/tenants/{tenant}",
        "Change a tenant's name and settings.",
        Access::Tenant(A::ManageSettings),
    ),
    people(
        "DELETE",
        "/tenants/{tenant}",
        "Delete a tenant that has no running apps.",
        Access::Tenant(A::DeleteTenant),
    ),
    people(
        "POST",
        "/tenants/{tenant}/provision",
        "Retry creating the tenant's Nomad namespace.",
        Access::PlatformAdmin,
    ),
    route(
        "GET",
        "/tenants/{tenant}/members",
        "Members and pending invites.",
        Access::Tenant(A::View),
    ),
    people(
        "POST",
        "/tenants/{tenant}/members",
        "Add a member by e-mail or subject.",
        Access::Tenant(A::ManageMembers),
    ),
    people(
        "DELETE",
        "/tenants/{tenant}/members/{user}",
        "Remove a member.",
        Access::Tenant(A::ManageMembers),
    ),
    people(
        "DELETE",
        "/tenants/{tenant}/invites/{invite}",
        "Withdraw an invite.",
        Access::Tenant(A::ManageMembers),
    ),
    people(
        "GET",
        "/tenants/{tenant}/tokens",
        "The tenant's API tokens (never their secrets).",
        Access::Tenant(A::ManageTokens),
    ),
    people(
        "POST",
        "/tenants/{tenant}/tokens",
        "Create an API token; its secret is in this answer only.",
        Access::Tenant(A::ManageTokens),
    ),
    people(
        "DELETE",
        "/tenants/{tenant}/tokens/{token}",
        "Revoke an API token.",
        Access::Tenant(A::ManageTokens),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps",
        "The tenant's apps.",
        Access::Tenant(A::View),
    ),
    route(
        "GET",
        "/tenants/{tenant}/watch/apps",
        "A page of the apps list (filter, next_token, per_page as for GET /tenants/{tenant}/apps) as \
         server-sent events (`apps`, JSON): now, and again whenever Nomad's jobs or Consul's checks and routes \
         change.",
        Access::Tenant(A::View),
    ),
    route(
        "POST",
        "/tenants/{tenant}/apps",
        "Deploy an np.yaml, OAM Application or app spec (the request body).",
        Access::Tenant(A::Deploy),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}",
        "An app's status and instances.",
        Access::Tenant(A::View),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/logs",
        "The end of an instance's stdout or stderr, as text.",
        Access::Tenant(A::ReadLogs),
    ),
    route(
        "POST",
        "/tenants/{tenant}/plan",
        "Plan a deploy of the body (as POST /tenants/{tenant}/apps takes it): Nomad's diff, what would be placed, \
         updated or stopped, and why anything cannot be placed. Nothing is deployed.",
        Access::Tenant(A::Deploy),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/watch",
        "The app's live state as server-sent events (`state`, JSON): deployment, instances, health, task events.",
        Access::Tenant(A::View),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/logs/tail",
        "Follow an instance's stdout or stderr as server-sent events (`log`: {text, skipped}; `end`).",
        Access::Tenant(A::ReadLogs),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/logs/search",
        "Search the app's log history in OpenObserve (text, instance, stream, since, until, limit).",
        Access::Tenant(A::ReadLogs),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/versions",
        "Every deploy of the app, newest first.",
        Access::Tenant(A::View),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/diff",
        "The spec fields that differ between two deploys (?from=&to=).",
        Access::Tenant(A::View),
    ),
    route(
        "POST",
        "/tenants/{tenant}/apps/{app}/rollback",
        "Deploy again the spec of an earlier deploy ({\"version\": deploy ID}).",
        Access::Tenant(A::Deploy),
    ),
    route(
        "POST",
        "/tenants/{tenant}/apps/{app}/restart",
        "Restart one instance ({\"instance\": ID}), or every running instance: rolling by default (the \
         update block's max_parallel at a time, each healthy again before the next; answers when it has \
         started), or {\"mode\": \"all_at_once\"}.",
        Access::Tenant(A::Operate),
    ),
    route(
        "POST",
        "/tenants/{tenant}/apps/{app}/start",
        "Start a stopped app again: its spec as Nomad last ran it is deployed again (source start).",
        Access::Tenant(A::Deploy),
    ),
    route(
        "POST",
        "/tenants/{tenant}/apps/{app}/promote",
        "Promote the canaries of the running deployment.",
        Access::Tenant(A::Operate),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/metrics",
        "CPU and memory per instance over the last ?minutes= (default 30).",
        Access::Tenant(A::View),
    ),
    route(
        "GET",
        "/tenants/{tenant}/apps/{app}/services",
        "The app's services and health checks in Consul, and the routes Traefik serves.",
        Access::Tenant(A::View),
    ),
    route(
        "POST",
        "/tenants/{tenant}/apps/{app}/scale",
        "Set the number of instances.",
        Access::Tenant(A::Operate),
    ),
    route(
        "POST",
        "/tenants/{tenant}/apps/{app}/stop",
        "Stop an app (and with purge, remove it).",
        Access::Tenant(A::Operate),
    ),
    route(
        "GET",
        "/tenants/{tenant}/audit",
        "The tenant's audit records, newest first: filters as for /audit.",
        Access::Tenant(A::ReadAudit),
    ),
    route(
        "GET",
        "/audit",
        "Audit records the caller may read, newest first. Filters: tenant, actor, action (or its first \
         word), target, outcome (success, failure, denied, unknown, pending), from, to, text; pages with \
         before (the previous page's next) and limit (at most 500).",
        Access::Auditor,
    ),
    route(
        "GET",
        "/audit/export",
        "The filtered records, oldest first, streamed as NDJSON (format=ndjson: every field and both hashes, \
         verifiable offline with np audit verify --export) or CSV (format=csv, RFC 4180, formula-safe).",
        Access::Auditor,
    ),
    route(
        "GET",
        "/audit/verify",
        "Walk the hash chain and the signed checkpoints: intact, or the first broken record.",
        Access::Auditor,
    ),
    route(
        "GET",
        "/audit/{seq}",
        "One record in full, with its intent or result and, for a deploy, the spec's changes since the \
         app's previous deploy.",
        Access::Auditor,
    ),
];

fn method_router(doc: &RouteDoc) -> MethodRouter<AppState> {
    use handlers as h;
    match (doc.method, doc.path) {
        ("GET", "/openapi.json") => get(openapi::serve),
        ("GET", "/me") => get(h::me),
        ("GET", "/tenants") => get(h::list_tenants),
        ("GET", "/users") => get(h::list_users),
        ("PUT", "/users/{user}") => put(h::update_user),
        ("POST", "/tenants") => post(h::create_tenant),
        ("GET", "/tenants/{tenant}") => get(h::get_tenant),
        ("PUT", "/tenants/{tenant}") => put(h::update_tenant),
        ("DELETE", "/tenants/{tenant}") => delete(h::delete_tenant),
        ("POST", "/tenants/{tenant}/provision") => post(h::provision_tenant),
        ("GET", "/tenants/{tenant}/members") => get(h::list_members),
        ("POST", "/tenants/{tenant}/members") => post(h::add_member),
        ("DELETE", "/tenants/{tenant}/members/{user}") => delete(h::remove_member),
        ("DELETE", "/tenants/{tenant}/invites/{invite}") => delete(h::remove_invite),
        ("GET", "/tenants/{tenant}/tokens") => get(h::list_tokens),
        ("POST", "/tenants/{tenant}/tokens") => post(h::create_token),
        ("DELETE", "/tenants/{tenant}/tokens/{token}") => delete(h::revoke_token),
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
            let m = method_router(doc);
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
