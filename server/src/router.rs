//! The HTTP router: probes, sign-in, the API, the Leptos pages and server functions, static files, and the
//! layers around them (request id, tracing, compression, caller identification, cross-site guard, security
//! headers).

use axum::Router;
use axum::http::HeaderName;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::LeptosRoutes;
use np_app::shell;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::routes as auth_routes;
use crate::routes::health;
use crate::security::CspNonce;
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the console's router over `state`.
pub fn build(state: AppState) -> Router {
    let services = state.services.clone();
    let sign_in_configured = state.auth.oidc.is_some();
    let issuer = state
        .auth
        .oidc
        .as_ref()
        .map(|o| o.issuer().to_owned())
        .unwrap_or_default();
    let page_context = move || {
        provide_context(services.clone());
        provide_context(np_app::session::SignInConfigured(sign_in_configured));
        provide_context(np_app::session::Issuer(issuer.clone()));
        let nonce = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
        if let Some(CspNonce(nonce)) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce));
        }
    };
    let options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/pkg/{file}", get(crate::assets::serve))
        .route("/readyz", get(health::readyz))
        .route("/auth/login", get(auth_routes::login))
        .route("/auth/callback", get(auth_routes::callback))
        .route("/auth/logout", post(auth_routes::logout))
        .nest("/api/v1", crate::api::router())
        .leptos_routes_with_context(&state, state.routes.clone(), page_context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context, shell))
        .layer(axum::middleware::from_fn(crate::routes::server_fn_status::map))
        .layer(from_fn_with_state(state.clone(), crate::auth::guard_cross_site))
        .layer(from_fn_with_state(state.clone(), crate::auth::identify))
        .layer(CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), crate::security::headers))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = request.uri().path(), request_id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::from_fn(own_request_id))
        .with_state(state)
}

/// The request id the log and the audit trail rely on is always the console's own: a client's `x-request-id`
/// is moved aside to `x-client-request-id` (kept for correlation, never trusted), so ids in the audit log cannot
/// be forged.
async fn own_request_id(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let Some(theirs) = request.headers_mut().remove(&REQUEST_ID) {
        let kept: String = theirs
            .to_str()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(200)
            .collect();
        if let Ok(value) = axum::http::HeaderValue::from_str(&kept) {
            request
                .headers_mut()
                .insert(HeaderName::from_static("x-client-request-id"), value);
        }
    }
    next.run(request).await
}
