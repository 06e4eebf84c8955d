//! Server-side access to the domain services the server puts in each request's context.

use np_domain::Services;

use crate::AppError;
use crate::error::request_id;

/// The domain services for this request.
pub fn services() -> Result<Services, AppError> {
    leptos::prelude::use_context::<Services>().ok_or_else(|| {
        tracing::error!("domain services missing from the request context");
        AppError::Internal {
            request_id: request_id(),
        }
    })
}
