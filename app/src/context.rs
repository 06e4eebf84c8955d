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

/// The entry point this request reached (a page or a server function), from the one authorization table.
fn entry() -> Option<&'static np_domain::entries::Entry> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    np_domain::entries::console_entry(parts.uri.path())
}

/// The caller the request's credential names, whatever it may use.
fn credential_caller() -> Option<np_domain::authz::Caller> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<np_domain::authz::Caller>().cloned())
}

/// The signed-in caller of this request, if any, as the entry point it reached accepts them: pages and server
/// functions are for people in a browser, so an API token is nobody here.
pub fn maybe_caller() -> Option<np_domain::authz::Caller> {
    let caller = credential_caller()?;
    let people_only = entry().is_none_or(|e| e.people_only);
    (caller.user_id().is_some() || !people_only).then_some(caller)
}

/// The signed-in caller of this request, after checking the authorization table: an entry point missing from
/// it refuses everyone (so a new server function cannot be forgotten), and one for people refuses API tokens.
///
/// # Errors
/// `Unauthenticated` when nobody is signed in; `Forbidden` for an API token, or an entry point not in the
/// table.
pub fn caller() -> Result<np_domain::authz::Caller, AppError> {
    let Some(entry) = entry() else {
        let path = leptos::prelude::use_context::<http::request::Parts>()
            .map(|p| p.uri.path().to_owned())
            .unwrap_or_default();
        tracing::error!(
            path,
            "an entry point missing from the authorization table was called"
        );
        return Err(crate::error::with_status(AppError::Forbidden));
    };
    match credential_caller() {
        None => Err(crate::error::with_status(AppError::Unauthenticated)),
        Some(caller) if caller.user_id().is_none() && entry.people_only => {
            Err(crate::error::with_status(AppError::Forbidden))
        }
        Some(caller) => Ok(caller),
    }
}

/// The cookie in which the browser remembers the tenant a person last chose (not a secret: only a preference;
/// every request is still authorized for the tenant it names).
pub const TENANT_COOKIE: &str = "np_tenant";

/// The tenant this request's browser remembers, if any.
fn remembered_tenant() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == TENANT_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The tenant a page acts in: the one asked for; else the one the browser remembers, when the caller may see
/// it; else the caller's first tenant; else, for platform roles, the first tenant there is.
///
/// # Errors
/// `NotFound` (404) for a name no tenant could have, or when the caller has no tenant to act in.
pub async fn pick_tenant(
    services: &Services,
    caller: &np_domain::authz::Caller,
    asked: Option<&str>,
) -> Result<String, AppError> {
    let not_found = |what: &str| crate::error::with_status(AppError::NotFound(what.to_owned()));
    if let Some(t) = asked.filter(|t| !t.is_empty()) {
        // A name no tenant can have is simply not found (a 404, never a 500).
        np_spec::names::TenantSlug::parse(t).map_err(|_| not_found("tenant"))?;
        return Ok(t.to_owned());
    }
    let may_see = |slug: &str| {
        caller.platform_role.is_some() || caller.grants.iter().any(|g| g.tenant == slug)
    };
    if let Some(t) =
        remembered_tenant().filter(|t| np_spec::names::TenantSlug::parse(t).is_ok() && may_see(t))
        && (caller.grants.iter().any(|g| g.tenant == t)
            || np_domain::tenants::by_slug(&services.db, &t).await.is_ok())
    {
        return Ok(t);
    }
    if let Some(g) = caller.grants.first() {
        return Ok(g.tenant.clone());
    }
    if caller.platform_role.is_some()
        && let Some(t) = np_domain::tenants::list(&services.db)
            .await?
            .into_iter()
            .next()
    {
        return Ok(t.slug);
    }
    Err(not_found("tenant (you are not a member of any yet)"))
}
