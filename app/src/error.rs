//! The error type every server function returns, and the one place domain errors become user-facing ones.
//!
//! What reaches the browser says what the user can do about it. Internal causes (database, upstream transport)
//! are logged with the request id, and the user sees only that id.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// An error as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist (or the caller may not know that it does).
    #[error("{0} not found")]
    NotFound(String),
    /// The caller must sign in first.
    #[error("please sign in")]
    Unauthenticated,
    /// The caller may not do this.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// A field is invalid; the message says what is allowed.
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as named in the form or file.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The caller has done this too often; the message says when to try again.
    #[error("{0}")]
    TooMany(String),
    /// A dependency is unavailable; retrying later may work.
    #[error("{service} is unavailable right now; please try again (request {request_id})")]
    Unavailable {
        /// Which dependency.
        service: String,
        /// The request id to quote when asking for help.
        request_id: String,
    },
    /// Something failed inside the console; details are in its log under the request id.
    #[error("something went wrong on our side (request {request_id})")]
    Internal {
        /// The request id to quote when asking for help.
        request_id: String,
    },
    /// The call itself failed (network, encoding) before reaching the console's logic.
    #[error("the request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status that fits this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotFound(_) => 404,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::Invalid { .. } => 422,
            Self::Conflict(_) => 409,
            Self::TooMany(_) => 429,
            Self::Unavailable { .. } => 503,
            Self::Internal { .. } | Self::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use np_domain::DomainError;

    use super::AppError;

    /// The id of the request being served (set by the server's request-id layer), or `-` outside a request.
    pub fn request_id() -> String {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "-".to_owned())
    }

    /// Makes the response of the server function being served carry `error`'s status (401, 403, 404, 409,
    /// 422, 429, 503) rather than a blanket 500, and returns the error.
    pub fn with_status(error: AppError) -> AppError {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(status) = http::StatusCode::from_u16(error.status())
        {
            response.set_status(status);
        }
        error
    }

    impl From<DomainError> for AppError {
        fn from(error: DomainError) -> Self {
            with_status(match error {
                DomainError::NotFound(what) => Self::NotFound(what.to_owned()),
                DomainError::Conflict(message) => Self::Conflict(message),
                DomainError::Invalid { field, message } => Self::Invalid { field, message },
                DomainError::Rejected(errors) => {
                    let first = errors.0.into_iter().next();
                    Self::Invalid {
                        field: first.as_ref().map(|e| e.field.clone()).unwrap_or_default(),
                        message: first.map(|e| e.message).unwrap_or_default(),
                    }
                }
                DomainError::TooMany { message, .. } => Self::TooMany(message),
                DomainError::Unauthenticated => Self::Unauthenticated,
                DomainError::Forbidden(_) => Self::Forbidden,
                refusal @ DomainError::Upstream { .. } if refusal.is_upstream_refusal() => {
                    Self::Conflict(refusal.to_string())
                }
                DomainError::Upstream {
                    service, message, ..
                } => {
                    let request_id = request_id();
                    tracing::warn!(request_id, service, message, "upstream error");
                    Self::Unavailable {
                        service: service.into(),
                        request_id,
                    }
                }
                DomainError::Database(source) => {
                    let request_id = request_id();
                    tracing::error!(
                        request_id,
                        error = &source as &dyn std::error::Error,
                        "database error"
                    );
                    Self::Unavailable {
                        service: "the database".into(),
                        request_id,
                    }
                }
            })
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::{request_id, with_status};
