//! The apps list: a page of the tenant's jobs from Nomad, with health (Nomad's counts and Consul's checks),
//! instances, the last deploy the console recorded and the URLs Traefik routes (Consul's tags) — read once,
//! or watched live: one shared watch per page, however many people look at it.

use std::sync::Arc;
use std::time::Duration;

use np_nomad::types::JobListStub;
use np_nomad::{Nomad, QueryOptions};
use np_spec::names::DerivedNames;
pub use np_spec::ops::{AppRow, AppsPage};
use tokio::sync::watch;

use super::{counts, nomad_for, query};
use crate::authz::{Action, Caller};
use crate::live::ListKey;
use crate::tenants::Tenant;
use crate::{DomainError, Services};

/// Longest page of apps.
pub const MAX_PAGE: u32 = 100;
/// How long one blocking query of the list waits for a change.
const BLOCK: Duration = Duration::from_secs(15);
/// How long to wait before reading again after an upstream failed.
const RETRY: Duration = Duration::from_secs(2);

/// Which page of which tenant's apps.
#[derive(Debug, Clone)]
struct Page {
    tenant: Tenant,
    key: ListKey,
}

impl Page {
    /// Authorizes `caller` to view `tenant` and checks the filter.
    async fn open(
        services: &Services,
        caller: &Caller,
        tenant: &str,
        name_prefix: Option<&str>,
        next_token: Option<String>,
        per_page: u32,
    ) -> Result<Self, DomainError> {
        let tenant = caller.authorize(&services.db, tenant, Action::View).await?;
        let name_prefix = name_prefix.unwrap_or("").trim();
        if name_prefix.len() > 30
            || !name_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(DomainError::invalid(
                "filter",
                "app names have lower-case letters, digits and dashes",
            ));
        }
        let key = (
            tenant.nomad_namespace.clone(),
            format!("{}{name_prefix}", DerivedNames::job_prefix(&tenant.slug)),
            next_token.filter(|t| !t.is_empty()),
            per_page.clamp(1, MAX_PAGE),
        );
        Ok(Self { tenant, key })
    }

    fn query(&self) -> QueryOptions {
        QueryOptions {
            prefix: Some(self.key.1.clone()),
            per_page: Some(self.key.3),
            next_token: self.key.2.clone(),
            ..query(&self.tenant)
        }
    }
}

/// Where the page's upstream reads stand, for the next blocking queries.
#[derive(Debug, Default, Clone, Copy)]
struct Indexes {
    jobs: u64,
    critical: u64,
    catalog: u64,
}

/// A page of the tenant's apps, filtered by a name prefix, paged by Nomad (the list is never loaded whole).
/// When someone watches the same page, its current state is answered without asking the upstreams.
///
/// # Errors
/// Authorization and upstream errors; `Invalid` for a bad filter.
pub async fn page(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    name_prefix: Option<&str>,
    next_token: Option<String>,
    per_page: u32,
) -> Result<AppsPage, DomainError> {
    let page = Page::open(services, caller, tenant, name_prefix, next_token, per_page).await?;
    if let Some(now) = services.live.list_now(&page.key) {
        return Ok((*now).clone());
    }
    let nomad = nomad_for(services, &page.tenant).await?;
    read(services, &nomad, &page, &mut Indexes::default()).await
}

/// Subscribes to a page of the tenant's apps, pushed again whenever Nomad's jobs or Consul's checks and
/// routes change (one shared watch per page).
///
/// # Errors
/// As [`page`].
pub async fn watch(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    name_prefix: Option<&str>,
    next_token: Option<String>,
    per_page: u32,
) -> Result<watch::Receiver<Arc<AppsPage>>, DomainError> {
    let page = Page::open(services, caller, tenant, name_prefix, next_token, per_page).await?;
    let nomad = nomad_for(services, &page.tenant).await?;
    let mut indexes = Indexes::default();
    let first = read(services, &nomad, &page, &mut indexes).await?;
    let services = services.clone();
    let key = page.key.clone();
    Ok(services
        .live
        .clone()
        .watch_list(key, first, move |hub, sender| async move {
            loop {
                if hub.list_unwatched(&page.key, &sender) {
                    return;
                }
                let changed = wait(&services, &nomad, &page, &indexes).await;
                if hub.list_unwatched(&page.key, &sender) {
                    return;
                }
                if changed {
                    match read(&services, &nomad, &page, &mut indexes).await {
                        Ok(now) => {
                            sender.send_if_modified(|current| {
                                let modified = **current != now;
                                if modified {
                                    *current = Arc::new(now);
                                }
                                modified
                            });
                            continue;
                        }
                        Err(e) => tracing::warn!(error = %e, "reading the apps list failed"),
                    }
                }
                tokio::time::sleep(RETRY).await;
            }
        }))
}

/// Waits until Nomad's jobs or Consul's failing checks or services change (or the waits end); `false` when
/// an upstream failed.
async fn wait(services: &Services, nomad: &Nomad, page: &Page, indexes: &Indexes) -> bool {
    let jobs = nomad.jobs();
    let q = page.query().blocking(indexes.jobs, BLOCK);
    let nomad_changed = async { jobs.list(&q).await.is_ok() };
    let Some(consul) = &services.upstreams.consul else {
        return nomad_changed.await;
    };
    let (health, catalog) = (consul.health(), consul.catalog());
    let critical = np_consul::QueryOptions::blocking(indexes.critical, BLOCK);
    let routes = np_consul::QueryOptions::blocking(indexes.catalog, BLOCK);
    tokio::select! {
        ok = nomad_changed => ok,
        answer = health.state("critical", &critical) => answer.is_ok(),
        answer = catalog.services(&routes) => answer.is_ok(),
    }
}

/// Reads the page now: Nomad's jobs, the console's last deploys, Consul's failing checks and routes.
async fn read(
    services: &Services,
    nomad: &Nomad,
    page: &Page,
    indexes: &mut Indexes,
) -> Result<AppsPage, DomainError> {
    let tenant = &page.tenant;
    let (jobs, meta) = nomad
        .jobs()
        .list(&page.query())
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    indexes.jobs = meta.last_index;
    let (jobs, names): (Vec<JobListStub>, Vec<String>) = jobs
        .into_iter()
        .filter(|j| j.namespace == tenant.nomad_namespace)
        .filter_map(|j| {
            let app = DerivedNames::app_of(&tenant.slug, &j.id)?;
            Some((j, app.to_string()))
        })
        .unzip();
    let last = crate::deploys::last_of(&services.db, tenant.id, &names).await?;
    // Consul's failing checks and every service's tags, one request each for the page (an app's services are
    // named after its job; Traefik routes from those tags).
    let (mut critical, mut catalog) = (Vec::new(), Default::default());
    if let Some(consul) = services
        .upstreams
        .consul
        .as_ref()
        .filter(|_| !jobs.is_empty())
    {
        let q = np_consul::QueryOptions::default();
        let (health, routes) = (consul.health(), consul.catalog());
        let (checks, tags) = tokio::join!(health.state("critical", &q), routes.services(&q));
        match checks {
            Ok((checks, meta)) => {
                indexes.critical = meta.last_index;
                critical = checks.into_iter().map(|c| c.service_name).collect();
            }
            Err(e) => tracing::warn!(error = %e, "Consul's failing checks could not be read"),
        }
        match tags {
            Ok((tags, meta)) => {
                indexes.catalog = meta.last_index;
                catalog = tags;
            }
            Err(e) => tracing::warn!(error = %e, "Consul's services could not be read"),
        }
    }
    let apps = jobs
        .into_iter()
        .zip(names)
        .map(|(job, app)| {
            let (running, pending, failed) =
                job.job_summary.as_ref().map(counts).unwrap_or_default();
            let derived = DerivedNames {
                job: job.id.clone(),
            };
            let own = |service: &str| derived.owns_service(service);
            let health = if job.stop || job.status == "dead" {
                "stopped"
            } else if pending > 0 && running == 0 {
                "starting"
            } else if pending > 0 {
                "degraded"
            } else if running == 0 && failed > 0 {
                "failed"
            } else if critical.iter().any(|s| own(s)) {
                "failing checks"
            } else {
                "healthy"
            };
            let mut urls = Vec::new();
            for (_, tags) in catalog.iter().filter(|(service, _)| own(service)) {
                for url in np_spec::from_job::urls_of_tags(tags) {
                    if !urls.contains(&url) {
                        urls.push(url);
                    }
                }
            }
            let record = last.iter().find(|r| r.0 == app);
            AppRow {
                job_id: job.id.clone(),
                status: job.status.clone(),
                health: health.into(),
                running,
                desired: if job.stop { 0 } else { running + pending },
                failed,
                last_deploy: record.map(|r| {
                    (
                        r.1.clone(),
                        r.2.format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default(),
                        r.3.clone(),
                    )
                }),
                urls,
                app,
            }
        })
        .collect();
    Ok(AppsPage {
        apps,
        next_token: meta.next_token.filter(|t| !t.is_empty()),
    })
}
