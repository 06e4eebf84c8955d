//! The Nomad client: one [`Nomad`] value per token, with a handle per resource.

pub mod status;

use std::time::Duration;

use np_http::{Auth, HeaderName, Upstream, UpstreamConfig, Url};
use secrecy::SecretString;

use crate::Error;

/// Where Nomad is and how to talk to it.
#[derive(Debug, Clone)]
pub struct NomadConfig {
    /// The HTTP address of a Nomad agent, e.g. `http://127.0.0.1:4646`.
    pub address: Url,
    /// The ACL token (`X-Nomad-Token`), when ACLs are enabled.
    pub token: Option<SecretString>,
    /// The region to address, when not the agent's own.
    pub region: Option<String>,
    /// Time limit for ordinary requests.
    pub timeout: Duration,
    /// Most requests in flight at once (Nomad answers 429 past 100 per client IP by default).
    pub max_connections: usize,
}

impl NomadConfig {
    /// Settings for the agent at `address`, without a token.
    pub fn new(address: Url) -> Self {
        Self {
            address,
            token: None,
            region: None,
            timeout: Duration::from_secs(30),
            max_connections: 64,
        }
    }
}

/// A Nomad API client.
#[derive(Debug, Clone)]
pub struct Nomad {
    pub(crate) http: Upstream,
    pub(crate) region: Option<String>,
}

impl Nomad {
    /// Builds a client.
    ///
    /// # Errors
    /// When the address cannot be used as a base URL.
    pub fn new(config: NomadConfig) -> Result<Self, Error> {
        let auth = match config.token {
            Some(token) => Auth::Header(HeaderName::from_static("x-nomad-token"), token),
            None => Auth::None,
        };
        let http = Upstream::new(
            "nomad",
            UpstreamConfig {
                base_url: config.address,
                auth,
                timeout: config.timeout,
                max_connections: config.max_connections,
            },
        )?;
        Ok(Self {
            http,
            region: config.region,
        })
    }

    /// The agent and cluster status endpoints.
    pub fn status(&self) -> status::Status<'_> {
        status::Status { client: self }
    }

    /// Requests currently in flight to Nomad.
    pub fn connections_in_use(&self) -> usize {
        self.http.connections_in_use()
    }
}
