//! The Consul client: one [`Consul`] value per token, with a handle per resource.

pub mod catalog;
pub mod health;
pub mod kv;
pub mod status;

use std::time::Duration;

use np_http::{Auth, Blocking, HeaderName, Method, Upstream, UpstreamConfig, Url};
use secrecy::SecretString;
use serde::de::DeserializeOwned;

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

/// Options of a read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// Blocking position.
    pub blocking: Blocking,
    /// Datacenter, if not the agent's.
    pub datacenter: Option<String>,
    /// bexpr filter.
    pub filter: Option<String>,
}

impl QueryOptions {
    /// Blocks until Consul's index passes `index`, for at most `wait`.
    pub fn blocking(index: u64, wait: Duration) -> Self {
        Self {
            blocking: Blocking {
                index,
                wait: Some(wait),
            },
            ..Self::default()
        }
    }

    fn params(&self) -> Vec<(String, String)> {
        let mut params = self.blocking.params();
        if let Some(dc) = &self.datacenter {
            params.push(("dc".into(), dc.clone()));
        }
        if let Some(filter) = &self.filter {
            params.push(("filter".into(), filter.clone()));
        }
        params
    }
}

/// What Consul says about a read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryMeta {
    /// `X-Consul-Index`: pass it to the next blocking query.
    pub last_index: u64,
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

    /// The service catalog.
    pub fn catalog(&self) -> catalog::Catalog<'_> {
        catalog::Catalog { client: self }
    }

    /// Health of service instances.
    pub fn health(&self) -> health::Health<'_> {
        health::Health { client: self }
    }

    /// The key/value store.
    pub fn kv(&self) -> kv::Kv<'_> {
        kv::Kv { client: self }
    }

    /// The cluster status endpoints.
    pub fn status(&self) -> status::Status<'_> {
        status::Status { client: self }
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &QueryOptions,
        extra: &[(&str, &str)],
    ) -> Result<(T, QueryMeta), Error> {
        let mut params = query.params();
        params.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let mut request = self.http.request(Method::GET, segments).query(&params);
        if let Some(limit) = query.blocking.timeout() {
            request = request.timeout(limit);
        }
        let reply = self.http.json::<T>(request).await?;
        let last_index = reply
            .header("x-consul-index")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok((reply.value, QueryMeta { last_index }))
    }
}
