//! The console's domain: repositories over Postgres and the services built on them.
//!
//! Repositories are free functions taking a sqlx executor, so a service can run several of them in one
//! transaction. Every fallible function returns [`DomainError`]; the server maps it to what users see.

pub mod api_tokens;
pub mod apps;
pub mod audit;
pub mod authz;
pub mod db;
pub mod deploys;
pub mod entries;
pub mod error;
pub mod health;
pub mod limits;
pub mod live;
pub mod memberships;
pub mod naming;
pub mod operate;
pub mod platform;
pub mod provisioning;
pub mod rollouts;
pub mod route_hosts;
pub mod running;
pub mod secrets;
pub mod sessions;
pub mod tenants;
pub mod users;

use sqlx::PgPool;

/// What every domain service needs: the database and the upstream clients. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Services {
    /// The Postgres pool.
    pub db: PgPool,
    /// The upstream clients, with the platform's credentials.
    pub upstreams: Upstreams,
    /// Platform-wide settings.
    pub platform: Platform,
    /// The shared upstream watches (app progress, log tails).
    pub live: std::sync::Arc<live::Hub>,
    /// Deploys per tenant and minute, streams per person.
    pub limits: std::sync::Arc<limits::Limits>,
    /// The audit log's keys (checkpoint signing, HMACs of secret values).
    pub audit: std::sync::Arc<audit::chain::Keys>,
}

pub use error::DomainError;
pub use health::Upstreams;
pub use platform::Platform;
