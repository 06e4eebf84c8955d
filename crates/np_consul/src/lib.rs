//! Consul's HTTP API: the types the console reads (catalog, health, KV) and, behind the `client` feature, the
//! client, shaped like Nomad's (handles per resource, blocking queries on `X-Consul-Index`).

pub mod types;

#[cfg(feature = "client")]
mod client;

#[cfg(feature = "client")]
pub use client::{Consul, ConsulConfig, QueryMeta, QueryOptions, catalog, health, kv, status};
#[cfg(feature = "client")]
pub use np_http::Error;
