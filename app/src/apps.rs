//! The apps list's server side: one page of the tenant's apps at a time, filtered on the server. The page
//! then follows the list live through `/api/v1/tenants/{tenant}/watch/apps`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// A page of the list, and the tenant it is of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsList {
    /// The tenant shown.
    pub tenant: String,
    /// Whether the viewer may deploy there.
    pub can_deploy: bool,
    /// The page.
    pub page: np_spec::ops::AppsPage,
}

/// One page of `tenant`'s apps whose names start with `filter`.
#[server(endpoint = "apps_page", input = server_fn::codec::Json)]
pub async fn apps_page(
    tenant: Option<String>,
    filter: Option<String>,
    next_token: Option<String>,
) -> Result<AppsList, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(&services, &caller, tenant.as_deref()).await?;
    let page =
        np_domain::apps::page(&services, &caller, &slug, filter.as_deref(), next_token, 50).await?;
    Ok(AppsList {
        can_deploy: caller
            .check(&slug, np_domain::authz::Action::Deploy)
            .is_ok(),
        tenant: slug,
        page,
    })
}

/// "Dave Developer, 2026-12-03 14:05 UTC" (and "(failed)" when it did) of a row's last deploy.
pub fn last_deploy_text(last: &Option<(String, String, String)>) -> Option<String> {
    last.as_ref().map(|(who, when, state)| {
        let when = when.get(..16).unwrap_or(when).replace('T', " ");
        match state.as_str() {
            "failed" => format!("{who}, {when} UTC (failed)"),
            "unknown" => format!("{who}, {when} UTC (unconfirmed)"),
            _ => format!("{who}, {when} UTC"),
        }
    })
}
