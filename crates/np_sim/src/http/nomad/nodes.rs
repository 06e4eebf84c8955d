//! Client nodes and node pools.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use np_nomad::types::{DriverInfo, NodeCpu, NodeDisk, NodeListStub, NodeMemory, NodeResources};
use serde_json::json as value;

use super::super::{block, json};
use super::Q;
use crate::scheduler::ApiError;
use crate::state::{Shared, SimNode, rfc3339};

type Answer = Result<Response, ApiError>;

/// The version every simulated node reports.
const NOMAD_VERSION: &str = "2.0.5";

/// The task drivers every simulated node fingerprints.
fn drivers() -> BTreeMap<String, DriverInfo> {
    BTreeMap::from([
        (
            "podman".to_owned(),
            DriverInfo {
                detected: true,
                healthy: true,
                health_description: "ready".into(),
                attributes: None,
            },
        ),
        (
            "docker".to_owned(),
            DriverInfo {
                detected: true,
                healthy: true,
                health_description: "Healthy".into(),
                attributes: None,
            },
        ),
    ])
}

fn resources(n: &SimNode) -> NodeResources {
    NodeResources {
        cpu: NodeCpu {
            cpu_shares: n.cpu,
            total_cpu_cores: n.cpu / 2000,
        },
        memory: NodeMemory {
            memory_mb: n.memory,
        },
        disk: NodeDisk { disk_mb: 100_000 },
    }
}

pub(crate) async fn nodes(State(s): State<Arc<Shared>>, Query(q): Query<Q>) -> Answer {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let list: Vec<NodeListStub> = s.read(|c| {
        c.nodes
            .iter()
            .filter(|n| q.prefix.as_deref().is_none_or(|p| n.id.starts_with(p)))
            .map(|n| NodeListStub {
                id: n.id.clone(),
                name: n.name.clone(),
                address: "127.0.0.1".into(),
                datacenter: n.datacenter.clone(),
                node_pool: n.pool.clone(),
                version: NOMAD_VERSION.into(),
                scheduling_eligibility: "eligible".into(),
                status: "ready".into(),
                drivers: Some(drivers()),
                node_resources: (q.resources == Some(true)).then(|| resources(n)),
                create_index: n.create_index,
                modify_index: n.create_index,
                ..NodeListStub::default()
            })
            .collect()
    });
    Ok(json("Nomad", index, &list))
}

/// `GET /v1/node/:id`: the full node (`api.Node`), found by its whole id; 404 "node not found" otherwise
/// (`nodeQuery` in `command/agent/node_endpoint.go`). The node's secret is never sent
/// (`Node.Sanitize` in `nomad/structs/structs.go`).
pub(crate) async fn node(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Answer {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let node = s
        .read(|c| c.nodes.iter().find(|n| n.id == id).cloned())
        .ok_or_else(|| ApiError::not_found("node not found"))?;
    let registered = node.create_index;
    let body = value!({
        "ID": node.id,
        "SecretID": "",
        "Datacenter": node.datacenter,
        "Name": node.name,
        "HTTPAddr": "127.0.0.1:4646",
        "TLSEnabled": false,
        "Attributes": {
            "kernel.name": "linux",
            "os.name": "debian",
            "cpu.arch": "amd64",
            "nomad.version": NOMAD_VERSION,
            "driver.podman": "1",
            "driver.docker": "1",
            "unique.hostname": node.name,
        },
        "NodeResources": {
            "Cpu": {
                "CpuShares": node.cpu,
                "TotalCpuCores": node.cpu / 2000,
                "ReservableCpuCores": (0..node.cpu / 2000).collect::<Vec<_>>(),
            },
            "Memory": {"MemoryMB": node.memory},
            "Disk": {"DiskMB": 100_000},
            "Networks": [],
            "Devices": null,
            "NodeNetworks": [],
            "MinDynamicPort": 20000,
            "MaxDynamicPort": 32000,
        },
        "ReservedResources": {
            "Cpu": {"CpuShares": 0},
            "Memory": {"MemoryMB": 0},
            "Disk": {"DiskMB": 0},
            "Networks": {"ReservedHostPorts": ""},
        },
        "Links": null,
        "Meta": {"connect.log_level": "info", "connect.sidecar_image": "envoyproxy/envoy:v${NOMAD_envoy_version}"},
        "NodeClass": "",
        "NodePool": node.pool,
        "CgroupParent": "",
        "Drain": false,
        "DrainStrategy": null,
        "SchedulingEligibility": "eligible",
        "Status": "ready",
        "StatusDescription": "",
        "StatusUpdatedAt": node.registered_at / 1_000_000_000,
        "Events": [{
            "Message": "Node registered",
            "Subsystem": "Cluster",
            "Details": null,
            "Timestamp": rfc3339(node.registered_at),
            "CreateIndex": registered,
        }],
        "Drivers": drivers(),
        "HostVolumes": null,
        "HostNetworks": null,
        "CSIControllerPlugins": null,
        "CSINodePlugins": null,
        "LastDrain": null,
        "CreateIndex": registered,
        "ModifyIndex": registered,
    });
    Ok(json("Nomad", index, &body))
}

pub(crate) async fn node_pools(State(s): State<Arc<Shared>>) -> Response {
    let pools: Vec<_> = s.read(|c| c.node_pools.values().cloned().collect());
    json("Nomad", s.read(|c| c.index), &pools)
}
