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
