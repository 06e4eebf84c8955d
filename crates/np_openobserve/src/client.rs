//! The OpenObserve client: HTTP Basic credentials and one organisation.

use std::time::Duration;

use np_http::{Auth, Method, Upstream, UpstreamConfig, Url};
use secrecy::SecretString;
use serde::Deserialize;

use crate::Error;

/// Where OpenObserve is and how to talk to it.
#[derive(Debug, Clone)]
pub struct OpenObserveConfig {
    /// The base URL, e.g. `http://127.0.0.1:5080`.
    pub address: Url,
    /// The organisation whose streams the console reads.
    pub org: String,
    /// The user (an e-mail address or service account).
    pub user: String,
    /// The password or service-account token.
    pub password: SecretString,
    /// Time limit for ordinary requests.
    pub timeout: Duration,
    /// Most requests in flight at once.
    pub max_connections: usize,
}

/// An OpenObserve API client.
#[derive(Debug, Clone)]
pub struct OpenObserve {
    pub(crate) http: Upstream,
    pub(crate) org: String,
}

#[derive(Deserialize)]
struct Health {
    status: String,
}

impl OpenObserve {
    /// Builds a client.
    ///
    /// # Errors
    /// When the address cannot be used as a base URL.
    pub fn new(config: OpenObserveConfig) -> Result<Self, Error> {
        let auth = Auth::Basic {
            user: config.user,
            password: config.password,
        };
        let http = Upstream::new(
            "openobserve",
            UpstreamConfig {
                base_url: config.address,
                auth,
                timeout: config.timeout,
                max_connections: config.max_connections,
            },
        )?;
        Ok(Self {
            http,
            org: config.org,
        })
    }

    /// The organisation this client searches.
    pub fn org(&self) -> &str {
        &self.org
    }

    /// Checks `/healthz`, which answers `{"status":"ok"}` when the server is up.
    ///
    /// # Errors
    /// When OpenObserve is unreachable, answers with an error, or reports another status.
    pub async fn health(&self) -> Result<(), Error> {
        let request = self.http.request(Method::GET, &["healthz"]);
        let reply = self.http.json::<Health>(request).await?;
        if reply.value.status == "ok" {
            Ok(())
        } else {
            Err(Error::Decode {
                upstream: "openobserve",
                message: format!("health status {:?}", reply.value.status),
            })
        }
    }
}
