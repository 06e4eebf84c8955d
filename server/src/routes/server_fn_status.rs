//! One place that gives every server function's error the HTTP status it means (404, 403, 422, 409, …), however
//! the function built it: a function answers 500 for any `Err` unless told otherwise, and a console error is
//! never an internal one just because its status was not set.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use np_app::AppError;

/// Server function errors are small; anything larger is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Maps a server function's 500 carrying an [`AppError`] to that error's own status.
pub async fn map(request: Request, next: Next) -> Response {
    let server_fn =
        request.uri().path().starts_with("/api/") && !request.uri().path().starts_with("/api/v1/");
    let response = next.run(request).await;
    if !server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
