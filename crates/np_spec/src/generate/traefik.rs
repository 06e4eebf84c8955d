//! Traefik routing tags. Every `traefik.*` tag is generated here, with router and service names derived from
//! the tenant and app; nothing a user writes becomes a tag.

use crate::names::DerivedNames;
use crate::spec::{AppSpec, Route};
use crate::tenant::Ingress;

/// The host canaries of `host` are reached on: `canary-` before the first label (`canary-web.acme.…`), so
/// a wildcard certificate for the tenant's suffix covers it. `None` when the label would be too long.
pub fn canary_host(host: &str) -> Option<String> {
    let (first, rest) = host.split_once('.')?;
    (first.len() + 7 <= 63).then(|| format!("canary-{first}.{rest}"))
}

fn rule(host: &str, path: Option<&str>) -> String {
    match path {
        Some(path) => format!("Host(`{host}`) && PathPrefix(`{path}`)"),
        None => format!("Host(`{host}`)"),
    }
}

fn router_tags(router: &str, rule: &str, service: &str, ingress: &Ingress) -> Vec<String> {
    let mut tags = vec![format!("traefik.http.routers.{router}.rule={rule}")];
    if !ingress.entrypoints.is_empty() {
        tags.push(format!(
            "traefik.http.routers.{router}.entrypoints={}",
            ingress.entrypoints.join(",")
        ));
    }
    if ingress.tls {
        tags.push(format!("traefik.http.routers.{router}.tls=true"));
        if let Some(resolver) = &ingress.cert_resolver {
            tags.push(format!(
                "traefik.http.routers.{router}.tls.certresolver={resolver}"
            ));
        }
    }
    tags.push(format!("traefik.http.routers.{router}.service={service}"));
    tags
}

/// The tags (and canary tags, when the app uses canaries) of the service for `port`.
pub(super) fn service_tags(
    spec: &AppSpec,
    names: &DerivedNames,
    service: &str,
    port: &str,
    ingress: &Ingress,
) -> (Vec<String>, Option<Vec<String>>) {
    let routes: Vec<(usize, &Route)> = spec
        .routes
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.port
                .as_deref()
                .or(spec.primary_port().map(|p| p.name.as_str()))
                == Some(port)
        })
        .collect();
    if routes.is_empty() {
        return (Vec::new(), None);
    }
    let mut tags = vec!["traefik.enable=true".to_owned()];
    for (i, route) in &routes {
        tags.extend(router_tags(
            &names.router(*i),
            &rule(&route.host, route.path.as_deref()),
            service,
            ingress,
        ));
    }
    if !spec.update.uses_canaries() {
        return (tags, None);
    }
    // Unpromoted canaries get their own routers and Traefik service, so production traffic never reaches them.
    // `_` cannot be part of a Consul service name, so this name is never another service's.
    let canary_service = format!("{service}_canary");
    let mut canary = vec![
        "traefik.enable=true".to_owned(),
        "traefik.consulcatalog.canary=true".to_owned(),
        format!("traefik.http.services.{canary_service}.loadbalancer.passhostheader=true"),
    ];
    for (i, route) in &routes {
        if let Some(host) = canary_host(&route.host) {
            canary.extend(router_tags(
                &names.canary_router(*i),
                &rule(&host, route.path.as_deref()),
                &canary_service,
                ingress,
            ));
        }
    }
    (tags, Some(canary))
}

/// Every host the app's routes claim, canary hosts included, sorted and without duplicates.
pub(super) fn hosts(spec: &AppSpec) -> Vec<String> {
    let mut hosts: Vec<String> = spec.routes.iter().map(|r| r.host.clone()).collect();
    if spec.update.uses_canaries() {
        hosts.extend(spec.routes.iter().filter_map(|r| canary_host(&r.host)));
    }
    hosts.sort();
    hosts.dedup();
    hosts
}
