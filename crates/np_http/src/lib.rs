//! The HTTP core under the upstream clients.
//!
//! Every upstream (Nomad, Consul, OpenObserve) is one [`Upstream`]: a base URL, how to authenticate, a request
//! timeout and a cap on concurrent connections. Paths are built from segments, each percent-encoded, so a job ID
//! such as `../acl` cannot escape its place in the URL. Failed requests keep the upstream's status and body.

mod blocking;
mod error;
mod upstream;

pub use blocking::Blocking;
pub use error::Error;
pub use upstream::{ATTEMPTS, Auth, Reply, Response, Upstream, UpstreamConfig};

pub use reqwest::header::HeaderName;
pub use reqwest::{Method, StatusCode};
pub use url::Url;
