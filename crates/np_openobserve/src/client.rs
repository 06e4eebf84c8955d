//! The OpenObserve client: HTTP Basic credentials and one organisation.

use std::time::Duration;

use np_http::{Auth, Method, Upstream, UpstreamConfig, Url};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Error;
use crate::types::{
    IngestResponse, PromResponse, SearchRequest, SearchResponse, Series, StreamInfo, StreamList,
};

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

    /// Runs a log search.
    ///
    /// # Errors
    /// Transport errors; `Status` 400 with OpenObserve's message for a query it refuses.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResponse, Error> {
        let http = self
            .http
            .request(Method::POST, &["api", &self.org, "_search"])
            .query(&[("type", "logs")])
            .json(request);
        Ok(self.http.json(http).await?.value)
    }

    /// The organisation's log streams.
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn streams(&self) -> Result<Vec<StreamInfo>, Error> {
        let request = self
            .http
            .request(Method::GET, &["api", &self.org, "streams"])
            .query(&[("type", "logs")]);
        Ok(self.http.json::<StreamList>(request).await?.value.list)
    }

    /// Evaluates a PromQL range query (`start`/`end` in Unix seconds, `step` in seconds).
    ///
    /// # Errors
    /// Transport errors; `Status` 400 for a query it refuses.
    pub async fn query_range(
        &self,
        promql: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<Vec<Series>, Error> {
        let params = [
            ("query", promql.to_owned()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("step", step.to_string()),
        ];
        let request = self
            .http
            .request(
                Method::GET,
                &["api", &self.org, "prometheus", "api", "v1", "query_range"],
            )
            .query(&params);
        let answer: PromResponse = self.http.json(request).await?.value;
        if answer.status != "success" {
            return Err(Error::Decode {
                upstream: "openobserve",
                message: format!("PromQL status {:?}", answer.status),
            });
        }
        Ok(answer.data.result)
    }

    /// Ingests JSON records into `stream` (for tests and the demo).
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn ingest(
        &self,
        stream: &str,
        records: &[Map<String, Value>],
    ) -> Result<IngestResponse, Error> {
        let request = self
            .http
            .request(Method::POST, &["api", &self.org, stream, "_json"])
            .json(records);
        Ok(self.http.json(request).await?.value)
    }
}
