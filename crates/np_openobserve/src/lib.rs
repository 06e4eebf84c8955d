//! OpenObserve's API: search requests and results, the log-query builder and, behind the `client` feature,
//! the client.
//!
//! OpenObserve's open-source edition has no per-stream access control, so the console builds every query
//! itself from typed parts ([`query::LogQuery`]): the tenant's namespace predicate is always there, and user
//! text only ever appears inside escaped string literals.

pub mod query;
pub mod types;

#[cfg(feature = "client")]
mod client;

#[cfg(feature = "client")]
pub use client::{OpenObserve, OpenObserveConfig};
#[cfg(feature = "client")]
pub use np_http::Error;
