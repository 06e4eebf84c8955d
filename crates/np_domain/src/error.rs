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
        match self {
            Self::Upstream { message, .. } => ![
                "unreachable",
                "in time",
                "try again",
                "not configured",
                "not confirmed",
                "none is configured",
            ]
            .iter()
            .any(|m| message.contains(m)),
            _ => false,
        }
    }

    /// Turns an upstream failure into what a user can act on: Nomad's own 4xx message (it names the
    /// problem), `NotFound` for a 404, and otherwise "unavailable" with the transport detail logged here.
    pub fn upstream(service: &'static str, error: np_http::Error) -> Self {
        match &error {
            np_http::Error::Status { status, .. } if status.as_u16() == 404 => {
                Self::NotFound("app")
            }
            np_http::Error::Status { status, body, .. }
                if status.is_client_error() && status.as_u16() != 429 =>
            {
                Self::Upstream {
                    service,
                    message: body.trim().chars().take(2000).collect(),
                }
            }
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
                Self::Upstream { service, message }
            }
        }
    }
}
