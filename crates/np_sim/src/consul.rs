//! The Consul side: the service catalog Nomad keeps in step with running allocations, and KV.

use std::collections::BTreeMap;

use crate::state::{AllocRecord, Cluster, Phase};

/// A service instance registered by Nomad for an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registration {
    pub id: String,
    pub name: String,
    pub tags: Vec<String>,
    pub address: String,
    pub port: i64,
    pub meta: BTreeMap<String, String>,
    pub node: String,
    pub node_id: String,
    pub datacenter: String,
    pub checks: Vec<CheckState>,
    pub alloc_id: String,
    pub create_index: u64,
    pub modify_index: u64,
}

/// One health check of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckState {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub output: String,
    pub check_type: String,
}

/// A KV entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KvEntry {
    pub value: Vec<u8>,
    pub flags: u64,
    pub create_index: u64,
    pub modify_index: u64,
}

/// Consul's state.
#[derive(Debug, Default)]
pub(crate) struct ConsulState {
    pub services: BTreeMap<String, Registration>,
    pub kv: BTreeMap<String, KvEntry>,
}

/// Whether an allocation's tags should be its canary tags: it is a canary of a deployment not yet promoted.
fn uses_canary_tags(cluster: &Cluster, alloc: &AllocRecord) -> bool {
    if !alloc.is_canary() {
        return false;
    }
    cluster
        .deployments
        .get(&alloc.alloc.deployment_id)
        .and_then(|d| d.task_groups.get(&alloc.alloc.task_group))
        .is_none_or(|g| !g.promoted)
}

/// The service instances `alloc` registers with `provider` (`consul` or `nomad`) while it runs.
pub(crate) fn registrations_of(
    cluster: &Cluster,
    alloc: &AllocRecord,
    provider: &str,
) -> Vec<Registration> {
    let Phase::Running { since } = alloc.phase else {
        return Vec::new();
    };
    if !alloc.wants_to_run() {
        return Vec::new();
    }
    let node = &cluster.nodes[alloc.node];
    let canary = uses_canary_tags(cluster, alloc);
    let group_services = alloc
        .group
        .services
        .iter()
        .flatten()
        .map(|s| (format!("group-{}", alloc.alloc.task_group), s));
    let task_services = alloc.group.tasks.iter().flatten().flat_map(|t| {
        t.services
            .iter()
            .flatten()
            .map(move |s| (t.name.clone().unwrap_or_default(), s))
    });
    // Checks start failing or passing a moment after the task starts, as a real first check would.
    let settled = crate::state::now_nanos() - since > 100_000_000;
    group_services
        .chain(task_services)
        .filter(|(_, s)| s.provider.as_deref().unwrap_or("consul") == provider)
        .map(|(owner, service)| {
            let name = service.name.clone().unwrap_or_default();
            let label = service.port_label.clone().unwrap_or_default();
            let port = alloc
                .ports
                .iter()
                .find(|p| p.label == label)
                .map_or(0, |p| p.value);
            let id = format!("_nomad-task-{}-{owner}-{name}-{label}", alloc.alloc.id);
            let tags = match (&service.canary_tags, canary) {
                (Some(canary_tags), true) => canary_tags.clone(),
                _ => service.tags.clone().unwrap_or_default(),
            };
            let checks = service
                .checks
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, check)| {
                    let passing = settled && alloc.behaviour.checks_pass();
                    let check_type = check.check_type.clone().unwrap_or_default();
                    CheckState {
                        id: format!("_nomad-check-{}-{i}", alloc.alloc.id),
                        name: check
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("service: \"{name}\" check")),
                        status: if passing { "passing" } else { "critical" },
                        output: if passing {
                            format!(
                                "HTTP GET {}: 200 OK",
                                check.path.clone().unwrap_or_else(|| "/".into())
                            )
                        } else if settled {
                            format!(
                                "HTTP GET {}: 500 Internal Server Error",
                                check.path.clone().unwrap_or_else(|| "/".into())
                            )
                        } else {
                            String::new()
                        },
                        check_type,
                    }
                })
                .collect();
            Registration {
                id,
                name,
                tags,
                address: "127.0.0.1".into(),
                port,
                meta: service.meta.clone().unwrap_or_default(),
                node: node.name.clone(),
                node_id: node.id.clone(),
                datacenter: node.datacenter.clone(),
                checks,
                alloc_id: alloc.alloc.id.clone(),
                create_index: 0,
                modify_index: 0,
            }
        })
        .collect()
}

/// Brings the catalog in line with the allocations; bumps the index only when something changed.
pub(crate) fn sync(cluster: &mut Cluster) {
    let mut desired: BTreeMap<String, Registration> = BTreeMap::new();
    for alloc in cluster.allocs.values() {
        for registration in registrations_of(cluster, alloc, "consul") {
            desired.insert(registration.id.clone(), registration);
        }
    }
    let same = |a: &Registration, b: &Registration| {
        a.name == b.name
            && a.tags == b.tags
            && a.port == b.port
            && a.checks == b.checks
            && a.meta == b.meta
    };
    let changed = desired.len() != cluster.consul.services.len()
        || desired.iter().any(|(id, r)| {
            cluster
                .consul
                .services
                .get(id)
                .is_none_or(|old| !same(old, r))
        });
    if !changed {
        return;
    }
    let index = cluster.bump();
    for (id, registration) in &mut desired {
        match cluster.consul.services.get(id) {
            Some(old) if same(old, registration) => {
                registration.create_index = old.create_index;
                registration.modify_index = old.modify_index;
            }
            Some(old) => {
                registration.create_index = old.create_index;
                registration.modify_index = index;
            }
            None => {
                registration.create_index = index;
                registration.modify_index = index;
            }
        }
    }
    cluster.consul.services = desired;
}
