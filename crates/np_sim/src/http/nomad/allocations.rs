//! Allocations, deployments and evaluations.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use np_nomad::types::{
    AllocResourceUsage, AllocRestartRequest, Allocation, AllocationListStub, CpuStats, Deployment,
    DeploymentPauseRequest, DeploymentPromoteRequest, Evaluation, MemoryStats, ResourceUsage,
    TaskResourceUsage,
};

use super::super::acl::authorize;
use super::super::{block, json, paginate, with_next_token};
use super::{Q, body};
use crate::scheduler::{self, ApiError};
use crate::state::{AllocRecord, Shared, now_nanos};
use crate::workload::usage;

type Answer = Result<Response, ApiError>;

/// An allocation as lists show it.
pub(crate) fn stub(record: &AllocRecord) -> AllocationListStub {
    let a = &record.alloc;
    AllocationListStub {
        id: a.id.clone(),
        eval_id: a.eval_id.clone(),
        name: a.name.clone(),
        namespace: a.namespace.clone(),
        node_id: a.node_id.clone(),
        node_name: a.node_name.clone(),
        job_id: a.job_id.clone(),
        job_type: record.job_type.clone(),
        job_version: record.job_version,
        task_group: a.task_group.clone(),
        desired_status: a.desired_status.clone(),
        desired_description: a.desired_description.clone(),
        client_status: a.client_status.clone(),
        client_description: a.client_description.clone(),
        task_states: a.task_states.clone(),
        deployment_status: a.deployment_status.clone(),
        followup_eval_id: a.followup_eval_id.clone(),
        reschedule_tracker: None,
        create_index: a.create_index,
        modify_index: a.modify_index,
        create_time: a.create_time,
        modify_time: a.modify_time,
    }
}

/// The allocation's namespace, for the ACL check, or 404.
fn namespace_of(s: &Shared, id: &str) -> Result<String, ApiError> {
    s.read(|c| c.allocs.get(id).map(|a| a.alloc.namespace.clone()))
        .ok_or_else(|| ApiError::not_found("alloc not found"))
}

pub(crate) async fn list(
    State(s): State<Arc<Shared>>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let filter = q.filter()?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let stubs = s.read(|c| {
        c.allocs
            .values()
            .filter(|a| q.covers(&a.alloc.namespace))
            .filter(|a| {
                q.prefix
                    .as_deref()
                    .is_none_or(|p| a.alloc.id.starts_with(p))
            })
            .map(stub)
            .filter(|a| {
                filter
                    .as_ref()
                    .is_none_or(|f| serde_json::to_value(a).is_ok_and(|v| f.matches(&v)))
            })
            .collect::<Vec<_>>()
    });
    let (page, next) = paginate(stubs, |a| a.id.clone(), q.per_page, q.next_token.as_deref());
    Ok(with_next_token(json("Nomad", index, &page), next))
}

pub(crate) async fn info(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    let ns = namespace_of(&s, &id)?;
    authorize(&s, &headers, &ns, "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let alloc: Allocation = s
        .read(|c| {
            let record = c.allocs.get(&id)?;
            let mut alloc = record.alloc.clone();
            alloc.job = c
                .jobs
                .get(&crate::state::JobKey::new(&alloc.namespace, &alloc.job_id))
                .and_then(|r| r.version(record.job_version).cloned());
            let resources = np_nomad::types::AllocatedResources {
                tasks: record
                    .group
                    .tasks
                    .iter()
                    .flatten()
                    .map(|t| {
                        let r = t.resources.clone().unwrap_or_default();
                        let task = np_nomad::types::AllocatedTaskResources {
                            cpu: np_nomad::types::AllocatedCpu {
                                cpu_shares: r.cpu.unwrap_or(100),
                            },
                            memory: np_nomad::types::AllocatedMemory {
                                memory_mb: r.memory_mb.unwrap_or(300),
                                memory_max_mb: r.memory_max_mb.unwrap_or(0),
                            },
                        };
                        (t.name.clone().unwrap_or_default(), task)
                    })
                    .collect(),
                shared: np_nomad::types::AllocatedSharedResources {
                    disk_mb: 300,
                    networks: None,
                    ports: Some(record.ports.clone()),
                },
            };
            alloc.allocated_resources = Some(resources);
            Some(alloc)
        })
        .ok_or_else(|| ApiError::not_found("alloc not found"))?;
    Ok(json("Nomad", index, &alloc))
}

pub(crate) async fn stop(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let ns = namespace_of(&s, &id)?;
    authorize(&s, &headers, &ns, "alloc-lifecycle")?;
    let answer = s.write(|c| scheduler::stop_alloc(c, &id))?;
    Ok(json("Nomad", answer.index, &answer))
}

pub(crate) async fn restart(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let ns = namespace_of(&s, &id)?;
    authorize(&s, &headers, &ns, "alloc-lifecycle")?;
    let request: AllocRestartRequest = if bytes.is_empty() {
        AllocRestartRequest::default()
    } else {
        body(&bytes)?
    };
    let task =
        (!request.all_tasks && !request.task_name.is_empty()).then_some(request.task_name.as_str());
    s.write(|c| scheduler::restart_alloc(c, &id, task))?;
    Ok(json("Nomad", s.read(|c| c.index), &serde_json::json!({})))
}

pub(crate) async fn stats(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let ns = namespace_of(&s, &id)?;
    authorize(&s, &headers, &ns, "read-job")?;
    let now = now_nanos();
    let answer = s
        .read(|c| {
            let record = c.allocs.get(&id)?;
            if record.alloc.client_status != "running" {
                return None;
            }
            let measure = |cpu: i64, mem: i64| {
                let (percent, ticks, rss) = usage(&id, cpu, mem, now);
                ResourceUsage {
                    memory_stats: MemoryStats {
                        rss,
                        usage: rss,
                        max_usage: rss,
                        measured: Some(vec!["RSS".into(), "Usage".into(), "Max Usage".into()]),
                        ..Default::default()
                    },
                    cpu_stats: CpuStats {
                        percent,
                        total_ticks: ticks,
                        user_mode: percent * 0.8,
                        system_mode: percent * 0.2,
                        measured: Some(vec!["Percent".into(), "Total Ticks".into()]),
                        ..Default::default()
                    },
                }
            };
            let tasks: BTreeMap<_, _> = record
                .group
                .tasks
                .iter()
                .flatten()
                .map(|t| {
                    let r = t.resources.clone().unwrap_or_default();
                    let usage = measure(r.cpu.unwrap_or(100), r.memory_mb.unwrap_or(300));
                    (
                        t.name.clone().unwrap_or_default(),
                        TaskResourceUsage {
                            resource_usage: usage,
                            timestamp: now,
                        },
                    )
                })
                .collect();
            Some(AllocResourceUsage {
                resource_usage: measure(record.cpu, record.memory),
                tasks,
                timestamp: now,
            })
        })
        .ok_or_else(|| ApiError::not_found("Unknown allocation or allocation not running"))?;
    Ok(json("Nomad", 0, &answer))
}

pub(crate) async fn deployments(
    State(s): State<Arc<Shared>>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let list: Vec<Deployment> = s.read(|c| {
        c.deployments
            .values()
            .filter(|d| {
                q.covers(&d.namespace) && q.prefix.as_deref().is_none_or(|p| d.id.starts_with(p))
            })
            .cloned()
            .collect()
    });
    let (page, next) = paginate(list, |d| d.id.clone(), q.per_page, q.next_token.as_deref());
    Ok(with_next_token(json("Nomad", index, &page), next))
}

fn deployment_namespace(s: &Shared, id: &str) -> Option<String> {
    s.read(|c| c.deployments.get(id).map(|d| d.namespace.clone()))
}

/// A deployment write names its deployment's namespace; an unknown id is Nomad's uncoded error, so 500
/// (`nomad/deployment_endpoint.go`), where a read answers 404 (`command/agent/deployment_endpoint.go`).
fn written_deployment_namespace(s: &Shared, id: &str) -> Result<String, ApiError> {
    deployment_namespace(s, id).ok_or_else(|| ApiError::new(500, "deployment not found"))
}

pub(crate) async fn deployment(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    let namespace =
        deployment_namespace(&s, &id).ok_or_else(|| ApiError::not_found("deployment not found"))?;
    authorize(&s, &headers, &namespace, "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let d = s
        .read(|c| c.deployments.get(&id).cloned())
        .ok_or_else(|| ApiError::not_found("deployment not found"))?;
    Ok(json("Nomad", index, &d))
}

pub(crate) async fn deployment_allocations(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    // An unknown deployment has no allocations (`Deployment.Allocations` in `nomad/deployment_endpoint.go`).
    let namespace = deployment_namespace(&s, &id).unwrap_or_else(|| q.ns());
    authorize(&s, &headers, &namespace, "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let list: Vec<AllocationListStub> = s.read(|c| {
        c.allocs
            .values()
            .filter(|a| a.alloc.deployment_id == id)
            .map(stub)
            .collect()
    });
    Ok(json("Nomad", index, &list))
}

pub(crate) async fn promote(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(
        &s,
        &headers,
        &written_deployment_namespace(&s, &id)?,
        "submit-job",
    )?;
    let request: DeploymentPromoteRequest = body(&bytes)?;
    let groups = if request.all {
        None
    } else {
        request.groups.clone()
    };
    let answer = s.write(|c| scheduler::promote_deployment(c, &id, groups.as_deref()))?;
    Ok(json("Nomad", answer.index, &answer))
}

pub(crate) async fn fail(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    authorize(
        &s,
        &headers,
        &written_deployment_namespace(&s, &id)?,
        "submit-job",
    )?;
    let answer = s.write(|c| scheduler::fail_deployment(c, &id))?;
    Ok(json("Nomad", answer.index, &answer))
}

pub(crate) async fn pause(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(
        &s,
        &headers,
        &written_deployment_namespace(&s, &id)?,
        "submit-job",
    )?;
    let request: DeploymentPauseRequest = body(&bytes)?;
    let answer = s.write(|c| scheduler::pause_deployment(c, &id, request.pause))?;
    Ok(json("Nomad", answer.index, &answer))
}

pub(crate) async fn evaluations(
    State(s): State<Arc<Shared>>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let list: Vec<Evaluation> = s.read(|c| {
        c.evals
            .values()
            .filter(|e| q.covers(&e.namespace))
            .filter(|e| q.job.as_deref().is_none_or(|j| e.job_id == j))
            .filter(|e| q.status.as_deref().is_none_or(|st| e.status == st))
            .filter(|e| q.prefix.as_deref().is_none_or(|p| e.id.starts_with(p)))
            .cloned()
            .collect()
    });
    let (page, next) = paginate(list, |e| e.id.clone(), q.per_page, q.next_token.as_deref());
    Ok(with_next_token(json("Nomad", index, &page), next))
}

pub(crate) async fn evaluation(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let eval = s
        .read(|c| c.evals.get(&id).cloned())
        .ok_or_else(|| ApiError::not_found("eval not found"))?;
    authorize(&s, &headers, &eval.namespace, "read-job")?;
    Ok(json("Nomad", eval.modify_index, &eval))
}

pub(crate) async fn evaluation_allocations(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let ns = s
        .read(|c| c.evals.get(&id).map(|e| e.namespace.clone()))
        .ok_or_else(|| ApiError::not_found("eval not found"))?;
    authorize(&s, &headers, &ns, "read-job")?;
    let list: Vec<AllocationListStub> = s.read(|c| {
        c.allocs
            .values()
            .filter(|a| a.alloc.eval_id == id)
            .map(stub)
            .collect()
    });
    Ok(json("Nomad", s.read(|c| c.index), &list))
}
