//! The Nomad HTTP API.

mod allocations;
mod cluster;
mod jobs;
mod nodes;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::scheduler::ApiError;
use crate::state::Shared;

/// The query parameters any Nomad endpoint may take.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Q {
    pub namespace: Option<String>,
    pub index: Option<u64>,
    pub wait: Option<String>,
    pub prefix: Option<String>,
    pub filter: Option<String>,
    pub per_page: Option<usize>,
    pub next_token: Option<String>,
    pub meta: Option<bool>,
    pub diffs: Option<bool>,
    pub version: Option<u64>,
    pub all: Option<bool>,
    pub purge: Option<bool>,
    pub job: Option<String>,
    pub status: Option<String>,
    pub resources: Option<bool>,
    pub cas: Option<u64>,
}

impl Q {
    /// The namespace the request addresses (`default` when unset).
    pub fn ns(&self) -> String {
        self.namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into())
    }

    /// Whether `namespace` is covered by the request (`*` covers all).
    pub fn covers(&self, namespace: &str) -> bool {
        let ns = self.ns();
        ns == "*" || ns == namespace
    }

    /// The parsed `filter`, if any.
    pub fn filter(&self) -> Result<Option<super::bexpr::Filter>, ApiError> {
        self.filter
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .map(super::bexpr::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("failed to parse filter: {e}")))
    }
}

/// Decodes a JSON body the way Nomad reports decoding failures.
pub(crate) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("failed to decode request body: {e}")))
}

/// The router.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/status/leader", get(cluster::leader))
        .route("/v1/status/peers", get(cluster::peers))
        .route("/v1/regions", get(cluster::regions))
        .route(
            "/v1/jobs",
            get(jobs::list).put(jobs::register).post(jobs::register),
        )
        .route("/v1/jobs/parse", post(super::parse::parse))
        .route("/v1/validate/job", post(jobs::validate).put(jobs::validate))
        .route(
            "/v1/job/{id}",
            get(jobs::info)
                .post(jobs::register_at)
                .put(jobs::register_at)
                .delete(jobs::deregister),
        )
        .route("/v1/job/{id}/versions", get(jobs::versions))
        .route("/v1/job/{id}/submission", get(jobs::submission))
        .route("/v1/job/{id}/plan", post(jobs::plan).put(jobs::plan))
        .route("/v1/job/{id}/revert", post(jobs::revert).put(jobs::revert))
        .route("/v1/job/{id}/stable", post(jobs::stable).put(jobs::stable))
        .route(
            "/v1/job/{id}/scale",
            get(jobs::scale_status).post(jobs::scale).put(jobs::scale),
        )
        .route("/v1/job/{id}/summary", get(jobs::summary))
        .route("/v1/job/{id}/allocations", get(jobs::allocations))
        .route("/v1/job/{id}/evaluations", get(jobs::evaluations))
        .route("/v1/job/{id}/deployments", get(jobs::deployments))
        .route("/v1/job/{id}/deployment", get(jobs::latest_deployment))
        .route("/v1/job/{id}/services", get(jobs::services))
        .route("/v1/allocations", get(allocations::list))
        .route("/v1/allocation/{id}", get(allocations::info))
        .route(
            "/v1/allocation/{id}/stop",
            post(allocations::stop).put(allocations::stop),
        )
        .route(
            "/v1/client/allocation/{id}/restart",
            post(allocations::restart).put(allocations::restart),
        )
        .route("/v1/client/allocation/{id}/stats", get(allocations::stats))
        .route("/v1/client/fs/logs/{id}", get(super::logs::logs))
        .route("/v1/deployments", get(allocations::deployments))
        .route("/v1/deployment/{id}", get(allocations::deployment))
        .route(
            "/v1/deployment/allocations/{id}",
            get(allocations::deployment_allocations),
        )
        .route(
            "/v1/deployment/promote/{id}",
            post(allocations::promote).put(allocations::promote),
        )
        .route(
            "/v1/deployment/fail/{id}",
            post(allocations::fail).put(allocations::fail),
        )
        .route(
            "/v1/deployment/pause/{id}",
            post(allocations::pause).put(allocations::pause),
        )
        .route("/v1/evaluations", get(allocations::evaluations))
        .route("/v1/evaluation/{id}", get(allocations::evaluation))
        .route(
            "/v1/evaluation/{id}/allocations",
            get(allocations::evaluation_allocations),
        )
        .route("/v1/nodes", get(nodes::nodes))
        .route("/v1/node/pools", get(nodes::node_pools))
        .route("/v1/node/{id}", get(nodes::node))
        .route("/v1/namespaces", get(cluster::namespaces))
        .route(
            "/v1/namespace",
            post(cluster::upsert_namespace_body).put(cluster::upsert_namespace_body),
        )
        .route(
            "/v1/namespace/{name}",
            get(cluster::namespace)
                .post(cluster::upsert_namespace)
                .put(cluster::upsert_namespace)
                .delete(cluster::delete_namespace),
        )
        .route("/v1/acl/policies", get(cluster::acl_policies))
        .route(
            "/v1/acl/policy/{name}",
            get(cluster::acl_policy)
                .post(cluster::upsert_acl_policy)
                .put(cluster::upsert_acl_policy)
                .delete(cluster::delete_acl_policy),
        )
        .route("/v1/acl/tokens", get(cluster::acl_tokens))
        .route(
            "/v1/acl/token",
            post(cluster::create_acl_token).put(cluster::create_acl_token),
        )
        .route("/v1/acl/token/self", get(cluster::acl_token_self))
        .route(
            "/v1/acl/token/{id}",
            get(cluster::acl_token).delete(cluster::delete_acl_token),
        )
        .route("/v1/vars", get(cluster::variables))
        .route(
            "/v1/var/{*path}",
            get(cluster::variable)
                .put(cluster::put_variable)
                .delete(cluster::delete_variable),
        )
        .route("/v1/event/stream", get(super::logs::events))
        .with_state(shared)
}
