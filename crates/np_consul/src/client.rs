//! The Consul client: one [`Consul`] value per token, with a handle per resource.

pub mod status;

use std::time::Duration;

use np_http::{Auth, HeaderName, Upstream, UpstreamConfig, Url};
use secrecy::SecretString;

use crate::Error;

/// Where Consul is and how to talk to it.
#[derive(Debug, Clone)]
pub struct ConsulConfig {
    /// The HTTP address of a Consul agent, e.g. `http://127.0.0.1:8500`.
    pub address: Url,
    /// The ACL token (`X-Consul-Token`), when ACLs are enabled.
    pub token: Option<SecretString>,
    /// Time limit for ordinary requests.
    pub timeout: Duration,
    /// Most requests in flight at once.
    pub max_connections: usize,
}

impl ConsulConfig {
    /// Settings for the agent at `address`, without a token.
    pub fn new(address: Url) -> Self {
        Self {
            address,
            token: None,
            timeout: Duration::from_secs(30),
            max_connections: 32,
        }
    }
}

/// A Consul API client.
#[derive(Debug, Clone)]
pub struct Consul {
    pub(crate) http: Upstream,
}

impl Consul {
    /// Builds a client.
    ///
    /// # Errors
    /// When the address cannot be used as a base URL.
    pub fn new(config: ConsulConfig) -> Result<Self, Error> {
        let auth = match config.token {
            Some(token) => Auth::Header(HeaderName::from_static("x-consul-token"), token),
            None => Auth::None,
        };
        let http = Upstream::new(
            "consul",
            UpstreamConfig {
                base_url: config.address,
                auth,
                timeout: config.timeout,
                max_connections: config.max_connections,
            },
        )?;
        Ok(Self { http })
    }

    /// The cluster status endpoints.
    pub fn status(&self) -> status::Status<'_> {
        status::Status { client: self }
    }
}
