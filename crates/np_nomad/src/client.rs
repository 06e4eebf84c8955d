//! The Nomad client: one [`Nomad`] value per token, with a handle per resource, shaped like the Go `api`
//! package (`client.jobs().info(id, &query)`).

pub mod acl;
pub mod allocations;
pub mod deployments;
pub mod evaluations;
pub mod events;
pub mod jobs;
pub mod namespaces;
pub mod nodes;
mod options;
mod refusal;
pub mod status;
pub mod variables;

use std::time::Duration;

use np_http::{Auth, HeaderName, Method, Upstream, UpstreamConfig, Url};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use options::{QueryMeta, QueryOptions, WriteMeta, WriteOptions};
pub use refusal::refusal;

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

/// A Nomad API client. Cheap to clone; clones share connections and the connection cap.
#[derive(Debug, Clone)]
pub struct Nomad {
    pub(crate) http: Upstream,
    pub(crate) region: Option<String>,
}

/// How long a stream (logs, events) may stay open: they end when the reader drops them.
const STREAM_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

fn token_auth(token: Option<SecretString>) -> Auth {
    match token {
        Some(token) => Auth::Header(HeaderName::from_static("x-nomad-token"), token),
        None => Auth::None,
    }
}

impl Nomad {
    /// Builds a client.
    ///
    /// # Errors
    /// When the address cannot be used as a base URL.
    pub fn new(config: NomadConfig) -> Result<Self, Error> {
        let http = Upstream::new(
            "nomad",
            UpstreamConfig {
                base_url: config.address,
                auth: token_auth(config.token),
                timeout: config.timeout,
                max_connections: config.max_connections,
            },
        )?;
        Ok(Self {
            http,
            region: config.region,
        })
    }

    /// The same client acting with another token (a tenant's), sharing connections and the cap.
    pub fn with_token(&self, token: SecretString) -> Self {
        Self {
            http: self.http.with_auth(token_auth(Some(token))),
            region: self.region.clone(),
        }
    }

    /// Jobs.
    pub fn jobs(&self) -> jobs::Jobs<'_> {
        jobs::Jobs { client: self }
    }

    /// Allocations, their logs and stats.
    pub fn allocations(&self) -> allocations::Allocations<'_> {
        allocations::Allocations { client: self }
    }

    /// Deployments.
    pub fn deployments(&self) -> deployments::Deployments<'_> {
        deployments::Deployments { client: self }
    }

    /// Evaluations.
    pub fn evaluations(&self) -> evaluations::Evaluations<'_> {
        evaluations::Evaluations { client: self }
    }

    /// Nodes and node pools.
    pub fn nodes(&self) -> nodes::Nodes<'_> {
        nodes::Nodes { client: self }
    }

    /// Namespaces.
    pub fn namespaces(&self) -> namespaces::Namespaces<'_> {
        namespaces::Namespaces { client: self }
    }

    /// ACL policies and tokens.
    pub fn acl(&self) -> acl::Acl<'_> {
        acl::Acl { client: self }
    }

    /// Variables.
    pub fn variables(&self) -> variables::Variables<'_> {
        variables::Variables { client: self }
    }

    /// The event stream.
    pub fn events(&self) -> events::Events<'_> {
        events::Events { client: self }
    }

    /// The agent and cluster status endpoints.
    pub fn status(&self) -> status::Status<'_> {
        status::Status { client: self }
    }

    /// Requests currently in flight to Nomad.
    pub fn connections_in_use(&self) -> usize {
        self.http.connections_in_use()
    }

    /// A GET under `segments`, decoded, with the query's index metadata. A blocking query (index set) may
    /// take its whole wait plus Nomad's jitter, so its time limit is raised accordingly.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &QueryOptions,
    ) -> Result<(T, QueryMeta), Error> {
        let mut request = self
            .http
            .request(Method::GET, segments)
            .query(&query.params(self.region.as_deref()));
        if let Some(limit) = query.blocking_timeout() {
            request = request.timeout(limit);
        }
        let reply = self.http.json::<T>(request).await?;
        let meta = QueryMeta::from_headers(|name| reply.header(name));
        Ok((reply.value, meta))
    }

    /// A write (`PUT`, `POST` or `DELETE`) under `segments` with an optional JSON body and extra parameters.
    pub(crate) async fn write<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&B>,
        extra: &[(&str, String)],
        options: &WriteOptions,
    ) -> Result<(T, WriteMeta), Error> {
        let mut params = options.params(self.region.as_deref());
        params.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let mut request = self.http.request(method, segments).query(&params);
        if let Some(body) = body {
            request = request.json(body);
        }
        let reply = self.http.json::<T>(request).await?;
        let meta = WriteMeta::from_headers(|name| reply.header(name));
        Ok((reply.value, meta))
    }

    /// Opens a long-lived streamed GET (logs, events); it holds one connection permit while open.
    pub(crate) async fn stream(
        &self,
        segments: &[&str],
        params: &[(String, String)],
    ) -> Result<np_http::Response, Error> {
        let request = self
            .http
            .request(Method::GET, segments)
            .query(params)
            .timeout(STREAM_TIMEOUT);
        self.http.send(request).await
    }
}
