//! The apps list's server side: one page of the tenant's apps at a time, filtered on the server.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// One app, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppItem {
    /// Name.
    pub app: String,
    /// Nomad job.
    pub job_id: String,
    /// healthy, starting, degraded, failed, stopped.
    pub health: String,
    /// Running instances.
    pub running: i64,
    /// Wanted instances.
    pub desired: i64,
    /// Who deployed last and when, if the console did.
    pub last_deploy: Option<String>,
    /// URLs.
    pub urls: Vec<String>,
}

/// A page of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsList {
    /// The tenant shown.
    pub tenant: String,
    /// The apps.
    pub apps: Vec<AppItem>,
    /// The next page's token.
    pub next_token: Option<String>,
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
    let slug = crate::context::pick_tenant(&caller, tenant.as_deref())?;
    let page =
        np_domain::apps::page(&services, &caller, &slug, filter.as_deref(), next_token, 50).await?;
    Ok(AppsList {
        tenant: slug,
        apps: page
            .apps
            .into_iter()
            .map(|a| AppItem {
                last_deploy: a.last_deploy.map(|(who, when, state)| {
                    let when = when.get(..16).unwrap_or(&when).replace('T', " ");
                    if state == "failed" {
                        format!("{who}, {when} UTC (failed)")
                    } else {
                        format!("{who}, {when} UTC")
                    }
                }),
                app: a.app,
                job_id: a.job_id,
                health: a.health,
                running: a.running,
                desired: a.desired,
                urls: a.urls,
            })
            .collect(),
        next_token: page.next_token,
    })
}
