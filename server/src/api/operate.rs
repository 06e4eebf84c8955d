//! The API routes that operate a deployed app: plan, live progress and log tails (server-sent events),
//! versions, diff and rollback, restart, promote, log search, metrics and services.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use np_domain::authz::Action;
use np_domain::live::TailSubscription;
use np_domain::operate::{self, LogSearch, RestartMode};
use np_spec::ops::LogChunk;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::handlers::{ApiResult, DeployQuery, created, document_input, json_body, ok};
use crate::state::AppState;

/// An event stream that proxies never buffer.
fn event_stream(
    stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> Response {
    (
        [(header::HeaderName::from_static("x-accel-buffering"), "no")],
        Sse::new(stream).keep_alive(KeepAlive::default()),
    )
        .into_response()
}

/// `POST /tenants/{tenant}/plan`: what deploying the body would do, without deploying it.
pub async fn plan(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path(tenant): Path<String>,
    Query(q): Query<DeployQuery>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Deploy)?;
    let input = document_input(q, &headers, &body)?;
    ok(json!({"plans": operate::plan(&state.services, &caller, &tenant, &input).await?}))
}

/// `GET /tenants/{tenant}/apps/{app}/watch`: the app's live state, as `state` events (one now, then one per
/// change). Counts against the caller's open streams (`NP_STREAMS_PER_USER`) while open.
pub async fn watch(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
) -> ApiResult {
    let permit = state.services.limits.open_stream(&caller)?;
    let receiver = operate::watch(&state.services, &caller, &tenant, &app).await?;
    let stream = futures::stream::unfold(
        (receiver, true, permit),
        |(mut receiver, first, permit)| async move {
            if !first && receiver.changed().await.is_err() {
                return None;
            }
            let live = receiver.borrow_and_update().clone();
            let event = Event::default()
                .event("state")
                .json_data(&*live)
                .unwrap_or_else(|_| Event::default().comment("unencodable state"));
            Some((Ok(event), (receiver, false, permit)))
        },
    );
    Ok(event_stream(stream))
}

/// `GET /tenants/{tenant}/watch/apps`: a page of the apps list (`?filter=&next_token=&per_page=` as the list
/// takes them) as `apps` events: one now, then one whenever Nomad's jobs or Consul's checks and routes change
/// (one shared watch per page, however many viewers). Counts against the caller's open streams.
pub async fn watch_apps(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path(tenant): Path<String>,
    Query(q): Query<super::handlers::AppsQuery>,
) -> ApiResult {
    let permit = state.services.limits.open_stream(&caller)?;
    let receiver = np_domain::apps::watch_page(
        &state.services,
        &caller,
        &tenant,
        q.filter.as_deref(),
        q.next_token,
        q.per_page.unwrap_or(50),
    )
    .await?;
    let stream = futures::stream::unfold(
        (receiver, true, permit),
        |(mut receiver, first, permit)| async move {
            if !first && receiver.changed().await.is_err() {
                return None;
            }
            let page = receiver.borrow_and_update().clone();
            let event = Event::default()
                .event("apps")
                .json_data(&*page)
                .unwrap_or_else(|_| Event::default().comment("unencodable page"));
            Some((Ok(event), (receiver, false, permit)))
        },
    );
    Ok(event_stream(stream))
}

/// `?instance=&stream=` of a tail.
#[derive(Debug, Default, Deserialize)]
pub struct TailQuery {
    instance: Option<String>,
    stream: Option<String>,
}

/// `GET /tenants/{tenant}/apps/{app}/logs/tail`: an instance's output as `log` events (the recent past first),
/// then `end` when the instance's log closes. Counts against the caller's open streams while open.
pub async fn tail(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    Query(q): Query<TailQuery>,
) -> ApiResult {
    let permit = state.services.limits.open_stream(&caller)?;
    let TailSubscription { backlog, chunks } = operate::tail(
        &state.services,
        &caller,
        &tenant,
        &app,
        q.instance.as_deref(),
        q.stream.as_deref(),
    )
    .await?;
    let first = LogChunk {
        text: backlog,
        skipped: false,
    };
    let stream = futures::stream::unfold(
        (chunks, Some(first), false, permit),
        |(mut chunks, first, done, permit)| async move {
            if done {
                return None;
            }
            if let Some(first) = first {
                let event = Event::default().event("log").json_data(&first).ok()?;
                return Some((Ok(event), (chunks, None, false, permit)));
            }
            let (event, done) = match chunks.recv().await {
                Ok(chunk) => (
                    Event::default().event("log").json_data(&*chunk).ok()?,
                    false,
                ),
                Err(RecvError::Lagged(_)) => (
                    Event::default()
                        .event("log")
                        .json_data(LogChunk {
                            text: String::new(),
                            skipped: true,
                        })
                        .ok()?,
                    false,
                ),
                Err(RecvError::Closed) => (Event::default().event("end").data("closed"), true),
            };
            Some((Ok(event), (chunks, None, done, permit)))
        },
    );
    Ok(event_stream(stream))
}

/// `GET /tenants/{tenant}/apps/{app}/logs/search`.
pub async fn search(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    Query(q): Query<LogSearch>,
) -> ApiResult {
    ok(json!({"lines": operate::search_logs(&state.services, &caller, &tenant, &app, &q).await?}))
}

/// `?limit=` of the versions.
#[derive(Debug, Default, Deserialize)]
pub struct VersionsQuery {
    limit: Option<i64>,
}

/// `GET /tenants/{tenant}/apps/{app}/versions`.
pub async fn versions(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    Query(q): Query<VersionsQuery>,
) -> ApiResult {
    let versions = operate::versions(
        &state.services,
        &caller,
        &tenant,
        &app,
        q.limit.unwrap_or(100),
    )
    .await?;
    ok(json!({ "versions": versions }))
}

/// `?from=&to=` of a diff.
#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    from: Uuid,
    to: Uuid,
}

/// `GET /tenants/{tenant}/apps/{app}/diff`.
pub async fn diff(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    query: Result<Query<DiffQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) = query.map_err(|e| {
        np_domain::DomainError::invalid("from", format!("from and to must be deploy IDs: {e}"))
    })?;
    let changes = operate::spec_diff(&state.services, &caller, &tenant, &app, q.from, q.to).await?;
    ok(json!({ "changes": changes }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rollback {
    version: Uuid,
}

/// `POST /tenants/{tenant}/apps/{app}/rollback`.
pub async fn rollback(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Deploy)?;
    let input: Rollback = json_body(&body)?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let deployed =
        operate::rollback(&state.services, &caller, &tenant, &app, input.version, key).await?;
    created(json!({ "deployed": deployed }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Restart {
    #[serde(default)]
    instance: Option<String>,
    /// `rolling` (the default: one batch at a time, each healthy again before the next) or `all_at_once`.
    #[serde(default)]
    mode: Option<String>,
}

/// `POST /tenants/{tenant}/apps/{app}/restart`.
pub async fn restart(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Operate)?;
    let input: Restart = if body.is_empty() {
        Restart::default()
    } else {
        json_body(&body)?
    };
    let mode = match (
        input.instance.filter(|i| !i.is_empty()),
        input.mode.as_deref(),
    ) {
        (Some(one), None) => RestartMode::One(one),
        (None, None | Some("rolling")) => RestartMode::Rolling,
        (None, Some("all_at_once")) => RestartMode::AllAtOnce,
        (Some(_), Some(_)) => {
            return Err(np_domain::DomainError::invalid(
                "mode",
                "give an instance or a mode, not both",
            )
            .into());
        }
        (None, Some(other)) => {
            return Err(np_domain::DomainError::invalid(
                "mode",
                format!("{other:?} is not rolling or all_at_once"),
            )
            .into());
        }
    };
    let rolling = mode == RestartMode::Rolling;
    let restarted = operate::restart(&state.services, &caller, &tenant, &app, mode).await?;
    ok(json!({ "restarted": restarted, "rolling": rolling }))
}

/// `POST /tenants/{tenant}/apps/{app}/start`: deploy a stopped app's spec again.
pub async fn start(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> ApiResult {
    caller.check(&tenant, Action::Deploy)?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let deployed = np_domain::apps::start(&state.services, &caller, &tenant, &app, key).await?;
    created(json!({ "deployed": deployed }))
}

/// `POST /tenants/{tenant}/apps/{app}/promote`.
pub async fn promote(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
) -> ApiResult {
    caller.check(&tenant, Action::Operate)?;
    let eval = operate::promote(&state.services, &caller, &tenant, &app).await?;
    ok(json!({ "eval_id": eval }))
}

/// `?minutes=` of the metrics.
#[derive(Debug, Default, Deserialize)]
pub struct MetricsQuery {
    minutes: Option<u32>,
}

/// `GET /tenants/{tenant}/apps/{app}/metrics`.
pub async fn metrics(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
    Query(q): Query<MetricsQuery>,
) -> ApiResult {
    ok(operate::metrics(
        &state.services,
        &caller,
        &tenant,
        &app,
        q.minutes.unwrap_or(30),
    )
    .await?)
}

/// `GET /tenants/{tenant}/apps/{app}/services`.
pub async fn services(
    State(state): State<AppState>,
    super::Authed(caller): super::Authed,
    Path((tenant, app)): Path<(String, String)>,
) -> ApiResult {
    ok(operate::services_view(&state.services, &caller, &tenant, &app).await?)
}
