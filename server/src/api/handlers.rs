//! The API's shared helpers and its app handlers: thin adapters from HTTP to the domain services.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use np_domain::DomainError;
use np_domain::apps::{self, DeployInput, LogsQuery};
use np_domain::authz::Action;
use np_spec::parse::Format;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{ApiError, Authed};
use crate::state::AppState;

pub(super) type ApiResult = Result<Response, ApiError>;

pub(super) fn ok(value: impl serde::Serialize) -> ApiResult {
    Ok(Json(value).into_response())
}

pub(super) fn created(value: impl serde::Serialize) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// Reads a JSON body, turning a malformed one into a 422 naming the problem.
pub(super) fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError(DomainError::invalid(
            "body",
            format!("not the expected JSON: {e}"),
        ))
    })
}

/// `?filter=&next_token=&per_page=` of the apps list.
#[derive(Debug, Deserialize)]
pub struct AppsQuery {
    /// Only apps whose names start with this.
    pub filter: Option<String>,
    /// The page's token.
    pub next_token: Option<String>,
    /// Apps per page (default 50, at most 100).
    pub per_page: Option<u32>,
}

/// `GET /tenants/{tenant}/apps`.
pub async fn list_apps(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(tenant): Path<String>,
    Query(q): Query<AppsQuery>,
) -> ApiResult {
    ok(apps::page(
        &state.services,
        &caller,
        &tenant,
        q.filter.as_deref(),
        q.next_token,
        q.per_page.unwrap_or(50),
    )
    .await?)
}

/// `?format=&app=` of a deploy.
#[derive(Debug, Deserialize)]
pub struct DeployQuery {
    format: Option<String>,
    app: Option<String>,
    based_on: Option<Uuid>,
}

/// The deploy (or plan) a request describes: the body is the document, the query its format and app.
pub(super) fn document_input(
    q: DeployQuery,
    headers: &axum::http::HeaderMap,
    body: &Bytes,
) -> Result<DeployInput, ApiError> {
    let format = match q.format.as_deref() {
        None => None,
        Some("spec") => Some(Format::Spec),
        Some("np-yaml") => Some(Format::NpYaml),
        Some("oam") => Some(Format::Oam),
        Some(other) => {
            return Err(DomainError::invalid(
                "format",
                format!("{other:?} is not one of: spec, np-yaml, oam"),
            )
            .into());
        }
    };
    let text = std::str::from_utf8(body)
        .map_err(|_| DomainError::invalid("body", "the document must be UTF-8 text"))?;
    Ok(DeployInput {
        text: text.to_owned(),
        format,
        app: q.app,
        source: "api",
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        based_on: q.based_on,
    })
}

/// `POST /tenants/{tenant}/apps`: the body is the document.
pub async fn deploy(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(tenant): Path<String>,
    Query(q): Query<DeployQuery>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Deploy)?;
    let input = document_input(q, &headers, &body)?;
    let deployed = apps::deploy(&state.services, &caller, &tenant, &input).await?;
    created(json!({"deployed": deployed}))
}

/// `GET /tenants/{tenant}/apps/{app}`.
pub async fn app_status(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
) -> ApiResult {
    ok(apps::status(&state.services, &caller, &tenant, &app).await?)
}

/// `GET /tenants/{tenant}/apps/{app}/logs`.
pub async fn app_logs(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
    Query(q): Query<LogsQuery>,
) -> ApiResult {
    let text = apps::logs(&state.services, &caller, &tenant, &app, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, "sandbox"),
        ],
        text,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scale {
    count: i64,
}

/// `POST /tenants/{tenant}/apps/{app}/scale`.
pub async fn scale(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Operate)?;
    let input: Scale = json_body(&body)?;
    let eval = apps::scale(&state.services, &caller, &tenant, &app, input.count).await?;
    ok(json!({"eval_id": eval}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stop {
    #[serde(default)]
    purge: bool,
}

/// `POST /tenants/{tenant}/apps/{app}/stop`.
pub async fn stop(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Operate)?;
    let input: Stop = if body.is_empty() {
        Stop::default()
    } else {
        json_body(&body)?
    };
    let eval = apps::stop(&state.services, &caller, &tenant, &app, input.purge).await?;
    ok(json!({"eval_id": eval}))
}
