//! An app's services as Consul sees them, and the routes Traefik builds from their tags.

use std::collections::BTreeMap;

use np_spec::from_job::url_of_rule;
use np_spec::ops::{CheckView, RouteView, ServiceInstanceView, ServiceView, ServicesView};

use crate::apps::{open_app, tenant_job};
use crate::authz::{Action, Caller};
use crate::{DomainError, Services};

/// `app`'s services as Consul sees them (instances, tags, checks) and the routes Traefik builds from them.
///
/// # Errors
/// Authorization and upstream errors; `Upstream` when Consul is not configured.
pub async fn services_view(
    services: &Services,
    caller: &Caller,
    tenant_slug: &str,
    app: &str,
) -> Result<ServicesView, DomainError> {
    let (tenant, nomad, job_id) =
        open_app(services, caller, tenant_slug, app, Action::View).await?;
    let consul = services.upstreams.consul.as_ref().ok_or_else(|| {
        DomainError::unavailable("consul", "no Consul is configured for this console")
    })?;
    let job = tenant_job(&nomad, &tenant, &job_id).await?;
    let mut names: Vec<String> = Vec::new();
    for group in job.task_groups.iter().flatten() {
        let task_services = group
            .tasks
            .iter()
            .flatten()
            .flat_map(|t| t.services.iter().flatten());
        for service in group.services.iter().flatten().chain(task_services) {
            if let Some(name) = &service.name
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
    }
    // Consul's names are global: only instances Nomad registered for this job's allocations are the app's
    // (Nomad names each registration `_nomad-task-<alloc ID>-…`), whatever else shares the name.
    let (allocs, _) = nomad
        .jobs()
        .allocations(&job_id, true, &crate::apps::query(&tenant))
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let ours = |service_id: &str| allocs.iter().any(|a| service_id.contains(a.id.as_str()));
    let mut view = ServicesView::default();
    let mut rules: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for name in names {
        let (entries, _) = consul
            .health()
            .service(&name, false, &np_consul::QueryOptions::default())
            .await
            .map_err(|e| DomainError::upstream("consul", e))?;
        let mut instances = Vec::new();
        for entry in entries.into_iter().filter(|e| ours(&e.service.id)) {
            let tags = entry.service.tags.clone().unwrap_or_default();
            let canary = tags.iter().any(|t| t == "canary");
            for tag in &tags {
                if let Some((router, rule)) = tag
                    .strip_prefix("traefik.http.routers.")
                    .and_then(|t| t.split_once(".rule="))
                {
                    rules
                        .entry(router.to_owned())
                        .or_insert_with(|| (rule.to_owned(), canary));
                }
            }
            instances.push(ServiceInstanceView {
                id: entry.service.id.clone(),
                node: entry.node.node.clone(),
                address: format!(
                    "{}:{}",
                    if entry.service.address.is_empty() {
                        &entry.node.address
                    } else {
                        &entry.service.address
                    },
                    entry.service.port
                ),
                status: entry.aggregated_status().to_owned(),
                checks: entry
                    .checks
                    .iter()
                    .filter(|c| c.service_id == entry.service.id || c.service_id.is_empty())
                    .map(|c| CheckView {
                        name: c.name.clone(),
                        status: c.status.clone(),
                        output: c.output.chars().take(500).collect(),
                    })
                    .collect(),
                tags,
            });
        }
        view.services.push(ServiceView { name, instances });
    }
    let context = tenant.context(&services.platform)?;
    let scheme = if context.ingress.tls { "https" } else { "http" };
    view.routes = rules
        .into_values()
        .map(|(rule, canary)| RouteView {
            url: url_of_rule(scheme, &rule).unwrap_or_default(),
            rule,
            canary,
        })
        .collect();
    Ok(view)
}
