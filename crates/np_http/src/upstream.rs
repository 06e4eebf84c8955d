//! One upstream HTTP API: base URL, authentication, timeout and connection cap.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, RequestBuilder};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::Error;

/// How requests to an upstream authenticate.
#[derive(Clone, Default)]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// A token in a header, such as `X-Nomad-Token`.
    Header(HeaderName, SecretString),
    /// HTTP Basic (OpenObserve).
    Basic {
        /// The user (an e-mail address for OpenObserve).
        user: String,
        /// The password or service-account token.
        password: SecretString,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Header(name, _) => write!(f, "Header({name}: [redacted])"),
            Self::Basic { user, .. } => write!(f, "Basic({user}:[redacted])"),
        }
    }
}

/// Settings for one upstream.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// Where the API lives, e.g. `http://127.0.0.1:4646`; a path prefix is kept.
    pub base_url: Url,
    /// Credentials sent with every request.
    pub auth: Auth,
    /// Default time limit for a whole request (blocking queries set their own).
    pub timeout: Duration,
    /// Most requests in flight at once, long-lived streams included.
    pub max_connections: usize,
}

impl UpstreamConfig {
    /// Settings for `base_url` with no credentials, a 30 s timeout and at most 32 connections.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            auth: Auth::None,
            timeout: Duration::from_secs(30),
            max_connections: 32,
        }
    }
}

/// A client for one upstream API. Cheap to clone; clones share the connection pool and the cap.
#[derive(Debug, Clone)]
pub struct Upstream {
    name: &'static str,
    base: Url,
    auth: Auth,
    http: reqwest::Client,
    permits: Arc<Semaphore>,
    max_connections: usize,
}

/// A successful response. It holds one of the upstream's connection permits until dropped, so long-lived
/// streams count against the cap.
#[derive(Debug)]
pub struct Response {
    upstream: &'static str,
    inner: reqwest::Response,
    _permit: OwnedSemaphorePermit,
}

impl Upstream {
    /// Builds a client for the upstream called `name` (used in errors and logs).
    ///
    /// # Errors
    /// `Request` when the base URL cannot carry paths or the HTTP client cannot be built.
    pub fn new(name: &'static str, config: UpstreamConfig) -> Result<Self, Error> {
        let mut base = config.base_url;
        if base.cannot_be_a_base() {
            return Err(Error::Request {
                upstream: name,
                message: format!("{base} cannot be a base URL"),
            });
        }
        // Segments are appended to the base path, so drop a trailing empty segment once here.
        if base.path().ends_with('/') && base.path() != "/" {
            let trimmed = base.path().trim_end_matches('/').to_owned();
            base.set_path(&trimmed);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(config.max_connections)
            .build()
            .map_err(|e| Error::Request {
                upstream: name,
                message: e.to_string(),
            })?;
        let max_connections = config.max_connections.max(1);
        Ok(Self {
            name,
            base,
            auth: config.auth,
            http,
            permits: Arc::new(Semaphore::new(max_connections)),
            max_connections,
        })
    }

    /// The same upstream with other credentials; the connection pool and the connection cap are shared.
    pub fn with_auth(&self, auth: Auth) -> Self {
        Self {
            auth,
            ..self.clone()
        }
    }

    /// The upstream's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// How many requests are in flight right now.
    pub fn connections_in_use(&self) -> usize {
        self.max_connections - self.permits.available_permits()
    }

    /// The URL for `segments` under the base URL; each segment is percent-encoded as one path segment.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// A request for `segments`, with the upstream's credentials attached.
    pub fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        let builder = self.http.request(method, self.url(segments));
        match &self.auth {
            Auth::None => builder,
            Auth::Header(name, token) => match HeaderValue::from_str(token.expose_secret()) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    builder.header(name, value)
                }
                Err(_) => builder,
            },
            Auth::Basic { user, password } => {
                builder.basic_auth(user, Some(password.expose_secret()))
            }
        }
    }

    /// Sends `request`, waiting for a connection permit first, and turns an error status into [`Error::Status`].
    ///
    /// Retries, at most [`ATTEMPTS`] times in all with a growing, jittered pause: any request the upstream
    /// turned away with 429 (refused before any work: Nomad's connection limit), and reads (`GET`, `HEAD`)
    /// that could not connect or met a 5xx. Writes are never re-sent after reaching the upstream — their
    /// outcome is the caller's to settle — and timeouts are not retried (that would double the wait).
    ///
    /// # Errors
    /// Connection, timeout and status errors.
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, Error> {
        let request = request.build().map_err(|e| Error::Request {
            upstream: self.name,
            message: e.to_string(),
        })?;
        let read = matches!(*request.method(), Method::GET | Method::HEAD);
        let mut attempt = 1;
        let mut request = request;
        loop {
            let again = (attempt < ATTEMPTS).then(|| request.try_clone()).flatten();
            let (error, retry_after) = match self.send_once(request).await {
                Ok(response) => return Ok(response),
                Err(failed) => failed,
            };
            request = match again {
                Some(next) if retryable(&error, read) => next,
                _ => return Err(error),
            };
            let pause = retry_after
                .unwrap_or_else(|| backoff(attempt))
                .min(MAX_PAUSE);
            tracing::debug!(
                upstream = self.name,
                attempt,
                ?pause,
                "retrying an upstream request"
            );
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    /// One try: the response, or the error with the pause the upstream asked for (`Retry-After`, seconds).
    async fn send_once(
        &self,
        request: reqwest::Request,
    ) -> Result<Response, (Error, Option<Duration>)> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| {
                let error = Error::Request {
                    upstream: self.name,
                    message: "client closed".into(),
                };
                (error, None)
            })?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| (Error::from_reqwest(self.name, e), None))?;
        let status = response.status();
        if status.is_client_error() || status.is_server_error() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response.text().await.unwrap_or_default();
            let error = Error::Status {
                upstream: self.name,
                status,
                body: truncate(body, 4096),
            };
            return Err((error, retry_after));
        }
        Ok(Response {
            upstream: self.name,
            inner: response,
            _permit: permit,
        })
    }

    /// Sends `request` and decodes the JSON body, keeping the response headers (for index headers).
    ///
    /// # Errors
    /// As [`Upstream::send`], plus `Decode` when the body is not the expected JSON.
    pub async fn json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<Reply<T>, Error> {
        let response = self.send(request).await?;
        let headers = response.inner.headers().clone();
        let body = response.bytes().await?;
        let value = serde_json::from_slice(&body).map_err(|e| Error::Decode {
            upstream: self.name,
            message: format!("{e} in {}", excerpt(&body)),
        })?;
        Ok(Reply { value, headers })
    }
}

/// How many times a request is tried in all.
pub const ATTEMPTS: u32 = 3;
/// The longest pause between two tries (a larger `Retry-After` is cut to it).
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Whether a failed try may be repeated: see [`Upstream::send`].
fn retryable(error: &Error, read: bool) -> bool {
    match error {
        Error::Status { status, .. } if status.as_u16() == 429 => true,
        Error::Status { status, .. } => read && status.is_server_error(),
        Error::Connect { .. } => read,
        Error::Timeout { .. }
        | Error::Transport { .. }
        | Error::Decode { .. }
        | Error::Request { .. } => false,
    }
}

/// The pause before try `attempt + 1`: 100 ms, then 300 ms…, plus up to half as much again at random, so
/// that many clients retrying at once spread out.
fn backoff(attempt: u32) -> Duration {
    let base = 100u64 * 3u64.pow(attempt.saturating_sub(1));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    Duration::from_millis(base + nanos % (base / 2 + 1))
}

/// A decoded JSON answer and the headers it came with.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    /// The decoded body.
    pub value: T,
    /// The response headers.
    pub headers: HeaderMap,
}

impl<T> Reply<T> {
    /// A header as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

impl Response {
    /// The response status.
    pub fn status(&self) -> reqwest::StatusCode {
        self.inner.status()
    }

    /// A response header as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name)?.to_str().ok()
    }

    /// Reads the whole body.
    ///
    /// # Errors
    /// When the connection breaks.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let upstream = self.upstream;
        self.inner
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest(upstream, e))
    }

    /// The next chunk of a streamed body, or `None` at its end.
    ///
    /// # Errors
    /// When the connection breaks.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        self.inner
            .chunk()
            .await
            .map_err(|e| Error::from_reqwest(self.upstream, e))
    }
}

fn excerpt(body: &[u8]) -> String {
    truncate(String::from_utf8_lossy(body).into_owned(), 200)
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}
