//! The simulator's own control API (`/_sim/...` on the Nomad port): fault rules, image behaviours, capacity.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::behaviour::Behaviour;
use crate::faults::{FaultRule, Faults};
use crate::state::Shared;

async fn get_faults(State(s): State<Arc<Shared>>) -> Response {
    axum::Json(s.read(|c| c.faults.clone())).into_response()
}

async fn add_fault(
    State(s): State<Arc<Shared>>,
    axum::Json(rule): axum::Json<FaultRule>,
) -> Response {
    s.write(|c| c.faults.rules.push(rule));
    s.sync_refusals();
    axum::Json(s.read(|c| c.faults.clone())).into_response()
}

async fn clear_faults(State(s): State<Arc<Shared>>) -> Response {
    s.write(|c| c.faults = Faults::default());
    s.sync_refusals();
    axum::Json(s.read(|c| c.faults.clone())).into_response()
}

#[derive(Deserialize)]
struct ImageRule {
    pattern: String,
    behaviour: Behaviour,
}

async fn set_image(
    State(s): State<Arc<Shared>>,
    axum::Json(rule): axum::Json<ImageRule>,
) -> Response {
    s.write(|c| c.faults.images.push((rule.pattern, rule.behaviour)));
    axum::Json(s.read(|c| c.faults.clone())).into_response()
}

#[derive(Deserialize)]
struct Capacity {
    exhaust_memory: bool,
}

async fn set_capacity(
    State(s): State<Arc<Shared>>,
    axum::Json(capacity): axum::Json<Capacity>,
) -> Response {
    s.write(|c| {
        c.faults.exhaust_memory = capacity.exhaust_memory;
        // Blocked placements are retried on the next tick.
        let keys: Vec<_> = c.jobs.keys().cloned().collect();
        c.dirty.extend(keys);
    });
    axum::Json(s.read(|c| c.faults.clone())).into_response()
}

/// The router.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/_sim/faults",
            get(get_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sim/images", post(set_image))
        .route("/_sim/capacity", post(set_capacity))
        .with_state(shared)
}
