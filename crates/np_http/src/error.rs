//! What an upstream call can fail with.

use reqwest::StatusCode;

/// A failed upstream call. Each variant names the upstream so a log line says which one failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The upstream answered with an error status; its body is kept (Nomad's error bodies are plain text).
    #[error("{upstream} answered {status}: {body}")]
    Status {
        /// Which upstream.
        upstream: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The response body, truncated to a few kilobytes.
        body: String,
    },
    /// No connection could be made (refused, unresolvable, TLS failure).
    #[error("{upstream} is unreachable: {source}")]
    Connect {
        /// Which upstream.
        upstream: &'static str,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The upstream did not answer in time.
    #[error("{upstream} did not answer in time")]
    Timeout {
        /// Which upstream.
        upstream: &'static str,
    },
    /// The connection broke while sending or receiving.
    #[error("{upstream} connection failed: {source}")]
    Transport {
        /// Which upstream.
        upstream: &'static str,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The upstream answered, but not with what we expected.
    #[error("{upstream} sent an unexpected response: {message}")]
    Decode {
        /// Which upstream.
        upstream: &'static str,
        /// What did not fit.
        message: String,
    },
    /// The request could not be built (a bad base URL or path).
    #[error("{upstream}: invalid request: {message}")]
    Request {
        /// Which upstream.
        upstream: &'static str,
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// The upstream's HTTP status, when it answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether retrying later may succeed: the upstream was unreachable, slow, overloaded or failing.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            Self::Connect { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Decode { .. } | Self::Request { .. } => false,
        }
    }

    /// Whether the upstream said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    pub(crate) fn from_reqwest(upstream: &'static str, source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Self::Timeout { upstream }
        } else if source.is_connect() {
            Self::Connect { upstream, source }
        } else if source.is_decode() {
            Self::Decode {
                upstream,
                message: source.to_string(),
            }
        } else {
            Self::Transport { upstream, source }
        }
    }
}
