//! The domain's one error type.
//!
//! Variants say what went wrong in terms a user can act on; internal causes (sqlx) are kept for the log and
//! never shown to a browser.

/// Everything a domain service can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The object does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state (a duplicate name, a stale version).
    #[error("{0}")]
    Conflict(String),
    /// A field of the request is invalid.
    #[error("{field}: {message}")]
    Invalid {
        /// The offending field, as the user knows it.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The request was refused for several reasons, each naming its field (a deploy's spec errors).
    #[error("{0}")]
    Rejected(np_spec::FieldErrors),
    /// The caller has not signed in (or their session or token is no longer valid).
    #[error("please sign in")]
    Unauthenticated,
    /// The caller may see the object but not do this to it; the message says what role it takes.
    #[error("{0}")]
    Forbidden(String),
    /// An upstream (Nomad, Consul, OpenObserve) failed; `service` names it, `message` says what the user can
    /// do about it. The transport detail is logged where it happened.
    #[error("{service}: {message}")]
    Upstream {
        /// Which upstream.
        service: &'static str,
        /// What happened, in the user's terms.
        message: String,
        /// Whether the upstream refused the request in its own words (and changed nothing), rather than
        /// failing to answer it (unreachable, slow, overloaded, not configured, unconfirmed).
        refused: bool,
    },
    /// The caller has done this too often (deploys per minute, open streams); `retry_after` is in seconds.
    #[error("{message}")]
    TooMany {
        /// What limit was reached and when to try again.
        message: String,
        /// When another attempt may succeed, in seconds.
        retry_after: u64,
    },
    /// The database failed; the cause is for the log only.
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl DomainError {
    /// An invalid-field error.
    pub fn invalid(field: impl Into<String>, message: impl ToString) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// Maps a unique-constraint violation to a conflict with `message`, and passes other errors through.
    pub fn on_unique(error: sqlx::Error, message: impl FnOnce(&str) -> String) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            return Self::Conflict(message(db.constraint().unwrap_or_default()));
        }
        Self::Database(error)
    }
}

impl From<sqlx::Error> for DomainError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

impl DomainError {
    /// Whether this is an upstream's refusal of the request (its own words, worth showing) rather than an
    /// outage (unreachable, slow, overloaded, not configured).
    pub fn is_upstream_refusal(&self) -> bool {
        matches!(self, Self::Upstream { refused: true, .. })
    }

    /// An upstream that could not serve the request: `message` says what the user can do about it.
    pub fn unavailable(service: &'static str, message: impl Into<String>) -> Self {
        Self::Upstream {
            service,
            message: message.into(),
            refused: false,
        }
    }

    /// Turns an upstream failure into what a user can act on: `NotFound` for a 404, the upstream's own words
    /// for a refusal (any other 4xx but 429, and Nomad's uncoded 500 refusals, see [`np_nomad::refusal`]), and
    /// otherwise "unavailable" with the transport detail logged here.
    pub fn upstream(service: &'static str, error: np_http::Error) -> Self {
        if let np_http::Error::Status { status, .. } = &error
            && status.as_u16() == 404
        {
            return Self::NotFound("app");
        }
        let refusal = match &error {
            _ if service == "nomad" => np_nomad::refusal(&error),
            np_http::Error::Status { status, body, .. }
                if status.is_client_error() && status.as_u16() != 429 =>
            {
                Some(body.trim().chars().take(2000).collect())
            }
            _ => None,
        };
        match refusal {
            Some(message) => Self::Upstream {
                service,
                message,
                refused: true,
            },
            _ => {
                tracing::warn!(
                    service,
                    error = &error as &dyn std::error::Error,
                    "upstream call failed"
                );
                let message = match &error {
                    np_http::Error::Status { status, .. } => {
                        format!("answered {}; try again shortly", status.as_u16())
                    }
                    np_http::Error::Timeout { .. } => {
                        "did not answer in time; try again shortly".into()
                    }
                    _ => "is unreachable; try again shortly".into(),
                };
                Self::unavailable(service, message)
            }
        }
    }
}
