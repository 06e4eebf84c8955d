//! Nomad's HTTP API: the types the console exchanges with it and, behind the `client` feature, the client.
//!
//! The types follow Nomad's Go `api` package (PascalCase fields, durations in nanoseconds, unknown fields
//! tolerated) and compile to WebAssembly; the client needs a network and only builds with `client`.

pub mod types;

#[cfg(feature = "client")]
mod client;

#[cfg(feature = "client")]
pub use client::{
    Nomad, NomadConfig, QueryMeta, QueryOptions, WriteMeta, WriteOptions, acl, allocations,
    deployments, evaluations, events, jobs, namespaces, nodes, refusal, status, variables,
};
#[cfg(feature = "client")]
pub use np_http::Error;
