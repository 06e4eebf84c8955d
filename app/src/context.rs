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

/// The tenant the request acts for, as a generation context.
///
/// Until sign-in decides it, every request acts for the `demo` tenant with the platform's defaults.
pub fn tenant_context(services: &Services) -> np_spec::tenant::TenantContext {
    let slug = np_spec::names::TenantSlug::parse("demo").unwrap_or_else(|_| unreachable!());
    services.platform.tenant_context(slug)
}
