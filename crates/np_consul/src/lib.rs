//! Consul's HTTP API: the types the console reads and, behind the `client` feature, the client.

#[cfg(feature = "client")]
mod client;

#[cfg(feature = "client")]
pub use client::{Consul, ConsulConfig, status::Status};
#[cfg(feature = "client")]
pub use np_http::Error;
