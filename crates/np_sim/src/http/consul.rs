//! The Consul HTTP API: catalog, health (what Traefik's Consul Catalog provider reads), KV, status.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json as j};

use super::{block, json};
use crate::consul::{KvEntry, Registration};
use crate::scheduler::ApiError;
use crate::state::{Cluster, Shared};

#[derive(Debug, Default, Deserialize)]
struct Q {
    index: Option<u64>,
    wait: Option<String>,
    tag: Option<String>,
    passing: Option<String>,
    filter: Option<String>,
    recurse: Option<String>,
    keys: Option<String>,
    raw: Option<String>,
    separator: Option<String>,
    cas: Option<u64>,
    flags: Option<u64>,
}

fn flag(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| v.is_empty() || v == "true" || v == "1")
}

fn node_json(c: &Cluster, name: &str) -> Value {
    let node = c.nodes.iter().find(|n| n.name == name);
    j!({
        "ID": node.map(|n| n.id.clone()).unwrap_or_default(),
        "Node": name,
        "Address": "127.0.0.1",
        "Datacenter": node.map(|n| n.datacenter.clone()).unwrap_or_default(),
        "TaggedAddresses": {"lan": "127.0.0.1", "wan": "127.0.0.1"},
        "Meta": {"consul-network-segment": ""},
        "CreateIndex": 1,
        "ModifyIndex": 1,
    })
}

fn service_json(r: &Registration) -> Value {
    j!({
        "ID": r.id,
        "Service": r.name,
        "Tags": r.tags,
        "Address": r.address,
        "Meta": r.meta,
        "Port": r.port,
        "Weights": {"Passing": 1, "Warning": 1},
        "EnableTagOverride": false,
        "Proxy": {"Mode": "", "MeshGateway": {}, "Expose": {}},
        "Connect": {},
        "CreateIndex": r.create_index,
        "ModifyIndex": r.modify_index,
    })
}

fn checks_json(r: &Registration) -> Vec<Value> {
    let mut checks = vec![j!({
        "Node": r.node, "CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "passing", "Notes": "",
        "Output": "Agent alive and reachable", "ServiceID": "", "ServiceName": "", "ServiceTags": [], "Type": "",
        "CreateIndex": 1, "ModifyIndex": 1,
    })];
    checks.extend(r.checks.iter().map(|c| {
        j!({
            "Node": r.node, "CheckID": c.id, "Name": c.name, "Status": c.status, "Notes": "", "Output": c.output,
            "ServiceID": r.id, "ServiceName": r.name, "ServiceTags": r.tags, "Type": c.check_type,
            "CreateIndex": r.create_index, "ModifyIndex": r.modify_index,
        })
    }));
    checks
}

fn worst(r: &Registration) -> &'static str {
    if r.checks.iter().any(|c| c.status == "critical") {
        "critical"
    } else if r.checks.iter().any(|c| c.status == "warning") {
        "warning"
    } else {
        "passing"
    }
}

fn filtered(entries: Vec<Value>, filter: Option<&str>) -> Result<Vec<Value>, ApiError> {
    let Some(filter) = filter.filter(|f| !f.trim().is_empty()) else {
        return Ok(entries);
    };
    let f = super::bexpr::parse(filter).map_err(|e| {
        ApiError::bad_request(format!(
            "Failed to create boolean expression evaluator: {e}"
        ))
    })?;
    Ok(entries.into_iter().filter(|e| f.matches(e)).collect())
}

async fn leader() -> Response {
    json("Consul", 1, &"127.0.0.1:8300")
}

async fn agent_self(State(s): State<Arc<Shared>>) -> Response {
    let (name, dc) = s.read(|c| {
        c.nodes
            .first()
            .map(|n| (n.name.clone(), n.datacenter.clone()))
            .unwrap_or_default()
    });
    json(
        "Consul",
        0,
        &j!({"Config": {"Datacenter": dc, "NodeName": name, "Server": true, "Version": "1.21.0"}, "Member": {"Name": name, "Addr": "127.0.0.1"}}),
    )
}

async fn datacenters(State(s): State<Arc<Shared>>) -> Response {
    let dcs: BTreeSet<String> = s.read(|c| c.nodes.iter().map(|n| n.datacenter.clone()).collect());
    json("Consul", 0, &dcs)
}

async fn catalog_services(State(s): State<Arc<Shared>>, Query(q): Query<Q>) -> Response {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let services: BTreeMap<String, BTreeSet<String>> = s.read(|c| {
        let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        map.insert("consul".into(), BTreeSet::new());
        for r in c.consul.services.values() {
            map.entry(r.name.clone())
                .or_default()
                .extend(r.tags.iter().cloned());
        }
        map
    });
    json("Consul", index, &services)
}

async fn catalog_service(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(q): Query<Q>,
) -> Result<Response, ApiError> {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let entries: Vec<Value> = s.read(|c| {
        c.consul
            .services
            .values()
            .filter(|r| r.name == name && q.tag.as_ref().is_none_or(|t| r.tags.contains(t)))
            .map(|r| {
                let node = node_json(c, &r.node);
                j!({
                    "ID": node["ID"], "Node": r.node, "Address": "127.0.0.1", "Datacenter": node["Datacenter"],
                    "TaggedAddresses": node["TaggedAddresses"], "NodeMeta": node["Meta"], "ServiceKind": "",
                    "ServiceID": r.id, "ServiceName": r.name, "ServiceTags": r.tags, "ServiceAddress": r.address,
                    "ServiceWeights": {"Passing": 1, "Warning": 1}, "ServiceMeta": r.meta, "ServicePort": r.port,
                    "ServiceEnableTagOverride": false, "ServiceProxy": {"Mode": "", "MeshGateway": {}, "Expose": {}},
                    "ServiceConnect": {}, "CreateIndex": r.create_index, "ModifyIndex": r.modify_index,
                })
            })
            .collect()
    });
    Ok(json(
        "Consul",
        index,
        &filtered(entries, q.filter.as_deref())?,
    ))
}

async fn health_service(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(q): Query<Q>,
) -> Result<Response, ApiError> {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let passing = flag(&q.passing);
    let entries: Vec<Value> = s.read(|c| {
        c.consul
            .services
            .values()
            .filter(|r| r.name == name && q.tag.as_ref().is_none_or(|t| r.tags.contains(t)))
            .filter(|r| !passing || worst(r) == "passing")
            .map(|r| j!({"Node": node_json(c, &r.node), "Service": service_json(r), "Checks": checks_json(r)}))
            .collect()
    });
    Ok(json(
        "Consul",
        index,
        &filtered(entries, q.filter.as_deref())?,
    ))
}

async fn health_checks(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let checks: Vec<Value> = s.read(|c| {
        c.consul
            .services
            .values()
            .filter(|r| r.name == name)
            .flat_map(|r| checks_json(r).into_iter().skip(1))
            .collect()
    });
    json("Consul", index, &checks)
}

async fn health_state(
    State(s): State<Arc<Shared>>,
    Path(state): Path<String>,
    Query(q): Query<Q>,
) -> Result<Response, ApiError> {
    if !matches!(state.as_str(), "any" | "passing" | "warning" | "critical") {
        return Err(ApiError::bad_request(format!("Bad state: {state}")));
    }
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let checks: Vec<Value> = s.read(|c| {
        c.consul
            .services
            .values()
            .flat_map(checks_json)
            .filter(|check| state == "any" || check["Status"] == state.as_str())
            .collect()
    });
    Ok(json("Consul", index, &checks))
}

fn kv_json(key: &str, e: &KvEntry) -> Value {
    j!({
        "Key": key, "Value": base64::engine::general_purpose::STANDARD.encode(&e.value), "Flags": e.flags,
        "LockIndex": 0, "CreateIndex": e.create_index, "ModifyIndex": e.modify_index,
    })
}

async fn kv_get(
    State(s): State<Arc<Shared>>,
    Path(key): Path<String>,
    Query(q): Query<Q>,
) -> Result<Response, ApiError> {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    if flag(&q.keys) {
        let separator = q.separator.clone().unwrap_or_default();
        let keys: BTreeSet<String> = s.read(|c| {
            c.consul
                .kv
                .keys()
                .filter(|k| k.starts_with(&key))
                .map(|k| {
                    match (!separator.is_empty())
                        .then(|| k[key.len()..].find(&separator))
                        .flatten()
                    {
                        Some(i) => k[..key.len() + i + separator.len()].to_owned(),
                        None => k.clone(),
                    }
                })
                .collect()
        });
        if keys.is_empty() {
            return Err(ApiError::not_found(""));
        }
        return Ok(json("Consul", index, &keys));
    }
    let entries: Vec<(String, KvEntry)> = s.read(|c| {
        if flag(&q.recurse) {
            c.consul
                .kv
                .iter()
                .filter(|(k, _)| k.starts_with(&key))
                .map(|(k, e)| (k.clone(), e.clone()))
                .collect()
        } else {
            c.consul
                .kv
                .get(&key)
                .map(|e| vec![(key.clone(), e.clone())])
                .unwrap_or_default()
        }
    });
    if entries.is_empty() {
        return Err(ApiError::not_found(""));
    }
    if flag(&q.raw) {
        return Ok(entries[0].1.value.clone().into_response());
    }
    let list: Vec<Value> = entries.iter().map(|(k, e)| kv_json(k, e)).collect();
    Ok(json("Consul", index, &list))
}

async fn kv_put(
    State(s): State<Arc<Shared>>,
    Path(key): Path<String>,
    Query(q): Query<Q>,
    value: Bytes,
) -> Response {
    let written = s.write(|c| {
        let current = c.consul.kv.get(&key);
        if let Some(cas) = q.cas {
            let actual = current.map_or(0, |e| e.modify_index);
            if actual != cas {
                return false;
            }
        }
        let create = current.map(|e| e.create_index);
        let index = c.bump();
        let entry = KvEntry {
            value: value.to_vec(),
            flags: q.flags.unwrap_or(0),
            create_index: create.unwrap_or(index),
            modify_index: index,
        };
        c.consul.kv.insert(key.clone(), entry);
        true
    });
    json("Consul", s.read(|c| c.index), &written)
}

async fn kv_delete(
    State(s): State<Arc<Shared>>,
    Path(key): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let deleted = s.write(|c| {
        if let Some(cas) = q.cas
            && c.consul.kv.get(&key).map_or(0, |e| e.modify_index) != cas
        {
            return false;
        }
        if flag(&q.recurse) {
            c.consul.kv.retain(|k, _| !k.starts_with(&key));
        } else {
            c.consul.kv.remove(&key);
        }
        c.bump();
        true
    });
    json("Consul", s.read(|c| c.index), &deleted)
}

/// The router.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/status/leader", get(leader))
        .route("/v1/agent/self", get(agent_self))
        .route("/v1/catalog/datacenters", get(datacenters))
        .route("/v1/catalog/services", get(catalog_services))
        .route("/v1/catalog/service/{name}", get(catalog_service))
        .route("/v1/health/service/{name}", get(health_service))
        .route("/v1/health/checks/{name}", get(health_checks))
        .route("/v1/health/state/{state}", get(health_state))
        .route("/v1/kv/{*key}", get(kv_get).put(kv_put).delete(kv_delete))
        .with_state(shared)
}
