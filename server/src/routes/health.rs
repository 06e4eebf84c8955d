//! `/healthz` (the process is alive) and `/readyz` (it can serve: database and upstreams reachable).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use np_domain::Services;
use np_domain::health::readiness;

/// Always 200 while the process serves HTTP.
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the database and every configured upstream answer, 503 otherwise; the body says which is down.
pub async fn readyz(State(services): State<Services>) -> impl IntoResponse {
    let report = readiness(&services.db, &services.upstreams).await;
    let status = if report.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}
