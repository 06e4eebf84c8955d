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

/// The signed-in caller of this request, if any (the server's `identify` layer put it in the request).
pub fn maybe_caller() -> Option<np_domain::authz::Caller> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<np_domain::authz::Caller>().cloned())
}

/// The signed-in caller of this request.
///
/// # Errors
/// `Unauthenticated` when nobody is signed in.
pub fn caller() -> Result<np_domain::authz::Caller, AppError> {
    maybe_caller().ok_or_else(|| crate::error::with_status(AppError::Unauthenticated))
}

/// The tenant a page acts in: the one asked for, else the caller's first tenant.
///
/// # Errors
/// `NotFound` when the caller has no tenant (or no role in the one asked for).
pub fn pick_tenant(
    caller: &np_domain::authz::Caller,
    asked: Option<&str>,
) -> Result<String, AppError> {
    match asked.filter(|t| !t.is_empty()) {
        Some(t) => Ok(t.to_owned()),
        None => caller
            .grants
            .first()
            .map(|g| g.tenant.clone())
            .ok_or_else(|| AppError::NotFound("tenant (you are not a member of any yet)".into())),
    }
}
