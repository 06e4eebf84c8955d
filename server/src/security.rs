//! Security headers, and the Content Security Policy with a fresh nonce per response.
//!
//! The policy allows the console's own scripts, the hydration script (by nonce) and its WebAssembly
//! (`'wasm-unsafe-eval'`), and nothing from elsewhere; forms may post only to the console and, for logout,
//! the sign-in provider.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The nonce of this response's inline scripts.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The policy for a response whose inline scripts carry `nonce`; `form_origin` is the provider's origin.
pub fn policy(nonce: &str, form_origin: Option<&str>) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'{}",
        form_origin.map(|o| format!(" {o}")).unwrap_or_default()
    )
}

/// Adds the nonce to the request (the page renderer reads it) and the headers to the response.
pub async fn headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = np_domain::secrets::random_secret();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let provider_origin = state.auth.oidc.as_ref().and_then(|o| {
        url::Url::parse(o.issuer())
            .ok()
            .map(|u| u.origin().ascii_serialization())
    });
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(value) = HeaderValue::from_str(&policy(&nonce, provider_origin.as_deref()))
    {
        h.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    h.entry("cross-origin-opener-policy")
        .or_insert(HeaderValue::from_static("same-origin"));
    h.entry("permissions-policy")
        .or_insert(HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=()",
        ));
    if state.auth.public_url.scheme() == "https" {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    response
}
