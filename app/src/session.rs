//! Who is signed in, as the pages see it: the header's user menu and tenant switcher, and the sign-in page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// Whether the console has a sign-in provider (provided by the server to every page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInConfigured(pub bool);

/// The sign-in provider's issuer (provided by the server), for adding members by subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(pub String);

/// A tenant the user may act in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantChoice {
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The user's role there (`admin`, `developer`, `auditor`; `platform admin` / `platform auditor` for
    /// tenants seen through a platform role).
    pub role: String,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Name shown.
    pub display_name: String,
    /// E-mail, if known.
    pub email: Option<String>,
    /// `admin`, `auditor` or none.
    pub platform_role: Option<String>,
    /// Tenants, by slug.
    pub tenants: Vec<TenantChoice>,
    /// The tenant pages act in when the address names none: the one the browser remembers, else the first.
    pub default_tenant: Option<String>,
}

/// The session of this request: `None` when nobody is signed in.
#[server(endpoint = "session")]
pub async fn get_session() -> Result<Option<SessionInfo>, AppError> {
    let Some(caller) = crate::context::maybe_caller() else {
        return Ok(None);
    };
    let mut tenants: Vec<TenantChoice> = caller
        .grants
        .iter()
        .map(|g| TenantChoice {
            slug: g.tenant.clone(),
            name: g.tenant_name.clone(),
            role: g.role.as_str().to_owned(),
        })
        .collect();
    if let Some(role) = caller.platform_role {
        let services = crate::context::services()?;
        for t in np_domain::tenants::list(&services.db).await? {
            if !tenants.iter().any(|c| c.slug == t.slug) {
                tenants.push(TenantChoice {
                    slug: t.slug,
                    name: t.display_name,
                    role: format!("platform {}", role.as_str()),
                });
            }
        }
        tenants.sort_by(|a, b| a.slug.cmp(&b.slug));
    }
    let services = crate::context::services()?;
    let default_tenant = crate::context::pick_tenant(&services, &caller, None)
        .await
        .ok();
    Ok(Some(SessionInfo {
        default_tenant,
        display_name: caller.display_name,
        email: caller.email,
        platform_role: caller.platform_role.map(|r| r.as_str().to_owned()),
        tenants,
    }))
}

/// Whether the console has a sign-in provider.
#[server(endpoint = "sign_in_available")]
pub async fn sign_in_available() -> Result<bool, AppError> {
    Ok(use_context::<SignInConfigured>().is_some_and(|c| c.0))
}

/// What a sign-in error code means for the user.
pub fn sign_in_error_message(code: &str) -> &'static str {
    match code {
        "not_configured" => {
            "Sign-in is not set up on this console. An operator must set NP_OIDC_ISSUER and NP_OIDC_CLIENT_ID."
        }
        "provider_unreachable" => {
            "The sign-in provider cannot be reached right now. Try again in a moment; if it persists, tell your platform team."
        }
        "provider_refused" => {
            "The sign-in provider did not let you in. Try again, or ask your platform team."
        }
        "no_attempt" => {
            "This sign-in expired or was already used (or your browser blocked the console's cookie). Start again."
        }
        "state_mismatch" => {
            "This sign-in answer does not belong to the sign-in your browser started. Start again."
        }
        "invalid_token" => {
            "The sign-in provider's answer could not be verified, so you were not signed in. Try again, or tell your platform team."
        }
        "disabled" => "Your account is disabled on this console.",
        "unavailable" => "The console could not record your sign-in. Try again in a moment.",
        _ => "Sign-in failed. Start again.",
    }
}
