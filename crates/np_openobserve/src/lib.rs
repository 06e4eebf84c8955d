//! OpenObserve's API: search requests and results and, behind the `client` feature, the client.

#[cfg(feature = "client")]
mod client;

#[cfg(feature = "client")]
pub use client::{OpenObserve, OpenObserveConfig};
#[cfg(feature = "client")]
pub use np_http::Error;
