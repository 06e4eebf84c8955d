//! The layer around every server function: bodies within the API's limit (413 with a clear error past it, as the
//! REST API answers), and each error with the HTTP status it means (404, 403, 422, 409, …) however the function
//! built it — a function answers 500 for any `Err` unless told otherwise, and a console error is never an
//! internal one just because its status was not set.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use np_app::AppError;

/// Server function errors are small; anything larger is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Refuses a server function body past the API's limit, and maps a server function's 500 carrying an
/// [`AppError`] to that error's own status.
pub async fn map(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") || path.starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::api::BODY_LIMIT).await else {
        return too_large();
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
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

/// 413, with the error the page shows next to the document.
fn too_large() -> Response {
    let error = AppError::Invalid {
        field: "text".into(),
        message: "the request is larger than the 1 MiB a document may be; nothing was read".into(),
    };
    let body = serde_json::to_vec(&error).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}
