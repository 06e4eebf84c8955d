//! `/v1/jobs`, `/v1/job/:id/...` and `/v1/validate/job`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use np_nomad::types::{
    Deployment, Evaluation, JobListStub, JobPlanRequest, JobRegisterRequest, JobRevertRequest,
    JobScaleStatus, JobStabilityRequest, JobSummary, JobValidateRequest, JobValidateResponse,
    JobVersionsResponse, ScalingRequest, ServiceRegistration, TaskGroupScaleStatus,
    TaskGroupSummary,
};

use super::super::acl::authorize;
use super::super::{block, json, with_next_token};
use super::{Q, body};
use crate::diff::job_diff;
use crate::scheduler::{self, ApiError};
use crate::state::{AllocRecord, Cluster, JobKey, Shared};
use crate::validate::{multierror, validate as validate_job};

type Answer = Result<Response, ApiError>;

fn not_found() -> ApiError {
    ApiError::not_found("job not found")
}

/// Allocation counts per group of one job.
pub(crate) fn summary_of(cluster: &Cluster, key: &JobKey, allocs: &[&AllocRecord]) -> JobSummary {
    let mut summary: BTreeMap<String, TaskGroupSummary> = BTreeMap::new();
    if let Some(record) = cluster.jobs.get(key) {
        for group in record.current().task_groups.iter().flatten() {
            let name = group.name.clone().unwrap_or_default();
            // Queued is what the last evaluation could not place (`nestedUpsertEval` in
            // `nomad/state/state_store.go` copies an evaluation's QueuedAllocations into the summary).
            let queued = record.queued.get(&name).copied().unwrap_or_default();
            summary.insert(
                name,
                TaskGroupSummary {
                    queued,
                    ..TaskGroupSummary::default()
                },
            );
        }
    }
    for alloc in allocs {
        let counts = summary.entry(alloc.alloc.task_group.clone()).or_default();
        match alloc.alloc.client_status.as_str() {
            "pending" => counts.starting += 1,
            "running" => counts.running += 1,
            "complete" => counts.complete += 1,
            "failed" => counts.failed += 1,
            "lost" => counts.lost += 1,
            _ => counts.unknown += 1,
        }
    }
    let index = cluster
        .jobs
        .get(key)
        .and_then(|r| r.current().modify_index)
        .unwrap_or_default();
    JobSummary {
        job_id: key.id.clone(),
        namespace: key.namespace.clone(),
        summary,
        children: Some(Default::default()),
        create_index: cluster
            .jobs
            .get(key)
            .and_then(|r| r.current().create_index)
            .unwrap_or_default(),
        modify_index: index,
    }
}

fn allocs_by_job(cluster: &Cluster) -> HashMap<JobKey, Vec<&AllocRecord>> {
    let mut map: HashMap<JobKey, Vec<&AllocRecord>> = HashMap::new();
    for alloc in cluster.allocs.values() {
        map.entry(JobKey::new(&alloc.alloc.namespace, &alloc.alloc.job_id))
            .or_default()
            .push(alloc);
    }
    map
}

pub(crate) async fn list(
    State(s): State<Arc<Shared>>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "list-jobs")?;
    let filter = q.filter()?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    // Like Nomad's paginator, only the page's jobs are turned into stubs (with their summaries): a list of
    // 10,000 jobs costs a sort of their keys, not 10,000 summaries.
    let (stubs, next) = s.read(|c| {
        let token = q.next_token.as_deref().filter(|t| !t.is_empty());
        let prefix = q.prefix.as_deref().unwrap_or("");
        let ns = q.ns();
        let mut matching: Vec<_> = if ns != "*" && filter.is_none() {
            // One namespace, no filter: walk the jobs in order from the prefix (or the token, if later) and
            // stop after the page, as Nomad's indexed iterator does.
            let from = token
                .and_then(|t| t.strip_prefix(&format!("{ns}.")))
                .filter(|t| *t > prefix)
                .unwrap_or(prefix);
            let take = q.per_page.filter(|n| *n > 0).map_or(usize::MAX, |n| n + 1);
            c.jobs
                .range(JobKey::new(&ns, from)..)
                .take_while(|(key, _)| key.namespace == ns && key.id.starts_with(prefix))
                .map(|(key, record)| (format!("{}.{}", key.namespace, key.id), key, record))
                .filter(|(k, _, _)| token.is_none_or(|t| k.as_str() >= t))
                .take(take)
                .collect()
        } else {
            let mut all: Vec<_> = c
                .jobs
                .iter()
                .filter(|(key, _)| q.covers(&key.namespace))
                .filter(|(key, _)| key.id.starts_with(prefix))
                .filter(|(_, record)| {
                    filter.as_ref().is_none_or(|f| {
                        serde_json::to_value(record.current()).is_ok_and(|v| f.matches(&v))
                    })
                })
                .map(|(key, record)| (format!("{}.{}", key.namespace, key.id), key, record))
                .collect();
            all.sort_by(|a, b| a.0.cmp(&b.0));
            if let Some(token) = token {
                all.retain(|(k, _, _)| k.as_str() >= token);
            }
            all
        };
        let mut next = None;
        if let Some(n) = q.per_page.filter(|n| *n > 0)
            && matching.len() > n
        {
            next = Some(matching[n].0.clone());
            matching.truncate(n);
        }
        let by_job = allocs_by_job(c);
        let stubs = matching
            .into_iter()
            .map(|(_, key, record)| {
                let job = record.current();
                JobListStub {
                    id: key.id.clone(),
                    parent_id: job.parent_id.clone().unwrap_or_default(),
                    name: job.name.clone().unwrap_or_default(),
                    namespace: key.namespace.clone(),
                    datacenters: job.datacenters.clone(),
                    job_type: job.job_type.clone().unwrap_or_default(),
                    priority: job.priority.unwrap_or(50),
                    periodic: job.periodic.is_some(),
                    parameterized_job: job.parameterized_job.is_some(),
                    stop: job.stop.unwrap_or(false),
                    status: job.status.clone().unwrap_or_default(),
                    status_description: job.status_description.clone().unwrap_or_default(),
                    job_summary: Some(summary_of(
                        c,
                        key,
                        by_job.get(key).map(Vec::as_slice).unwrap_or_default(),
                    )),
                    create_index: job.create_index.unwrap_or_default(),
                    modify_index: job.modify_index.unwrap_or_default(),
                    job_modify_index: job.job_modify_index.unwrap_or_default(),
                    submit_time: job.submit_time.unwrap_or_default(),
                    meta: if q.meta == Some(true) {
                        job.meta.clone()
                    } else {
                        None
                    },
                }
            })
            .collect::<Vec<_>>();
        (stubs, next)
    });
    Ok(with_next_token(json("Nomad", index, &stubs), next))
}

/// The namespace a registration or plan lands in: the query parameter, else the body's, else the job's, an
/// empty one counting as none (`namespaceForJob` in `command/agent/job_endpoint.go`).
fn job_namespace(q: &Q, body: Option<&String>, job: Option<&np_nomad::types::Job>) -> String {
    q.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| body.cloned().filter(|n| !n.is_empty()))
        .or_else(|| {
            job.and_then(|j| j.namespace.clone())
                .filter(|n| !n.is_empty())
        })
        .unwrap_or_else(|| "default".into())
}

fn registration_namespace(q: &Q, request: &JobRegisterRequest) -> String {
    job_namespace(q, request.namespace.as_ref(), request.job.as_ref())
}

fn do_register(s: &Shared, q: &Q, headers: &HeaderMap, request: JobRegisterRequest) -> Answer {
    let ns = registration_namespace(q, &request);
    authorize(s, headers, &ns, "submit-job")?;
    let answer = s.write(|c| scheduler::register(c, &request, &ns))?;
    let index = s.read(|c| c.index);
    Ok(json("Nomad", index, &answer))
}

pub(crate) async fn register(
    State(s): State<Arc<Shared>>,
    Query(q): Query<Q>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    do_register(&s, &q, &headers, body(&bytes)?)
}

pub(crate) async fn register_at(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let request: JobRegisterRequest = body(&bytes)?;
    if request.job.as_ref().and_then(|j| j.id.as_deref()) != Some(id.as_str()) {
        return Err(ApiError::bad_request("Job ID does not match name"));
    }
    do_register(&s, &q, &headers, request)
}

pub(crate) async fn validate(State(_s): State<Arc<Shared>>, bytes: Bytes) -> Answer {
    let request: JobValidateRequest = body(&bytes)?;
    let mut job = request
        .job
        .ok_or_else(|| ApiError::bad_request("Job must be specified"))?;
    let ns = job.namespace.clone().unwrap_or_else(|| "default".into());
    scheduler::canonicalize(&mut job, &ns, "global");
    let errors = validate_job(&job);
    let answer = JobValidateResponse {
        driver_config_validated: false,
        error: if errors.is_empty() {
            String::new()
        } else {
            multierror(&errors)
        },
        validation_errors: (!errors.is_empty()).then_some(errors),
        warnings: String::new(),
    };
    Ok(json("Nomad", 0, &answer))
}

fn with_job<T>(s: &Shared, key: &JobKey, f: impl FnOnce(&Cluster) -> T) -> Result<T, ApiError> {
    s.read(|c| {
        if c.jobs.contains_key(key) {
            Ok(f(c))
        } else {
            Err(not_found())
        }
    })
}

pub(crate) async fn info(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let key = JobKey::new(&q.ns(), &id);
    let job = with_job(&s, &key, |c| c.jobs[&key].current().clone())?;
    Ok(json("Nomad", index, &job))
}

pub(crate) async fn deregister(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "submit-job")?;
    let key = JobKey::new(&q.ns(), &id);
    let answer = s.write(|c| scheduler::stop_job(c, &key, q.purge == Some(true)))?;
    Ok(json("Nomad", answer.index, &answer))
}

pub(crate) async fn versions(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let key = JobKey::new(&q.ns(), &id);
    let answer = with_job(&s, &key, |c| {
        let mut versions = c.jobs[&key].versions.clone();
        versions.reverse();
        let diffs = (q.diffs == Some(true)).then(|| {
            versions
                .windows(2)
                .map(|pair| job_diff(Some(&pair[1]), &pair[0]))
                .collect()
        });
        JobVersionsResponse { versions, diffs }
    })?;
    Ok(json("Nomad", index, &answer))
}

pub(crate) async fn submission(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let key = JobKey::new(&q.ns(), &id);
    let version = q
        .version
        .ok_or_else(|| ApiError::bad_request("missing version"))?;
    let found = with_job(&s, &key, |c| {
        c.jobs[&key].submissions.get(&version).cloned()
    })?;
    let submission = found.ok_or_else(|| ApiError::not_found("job source not found"))?;
    Ok(json("Nomad", s.read(|c| c.index), &submission))
}

pub(crate) async fn plan(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let request: JobPlanRequest = body(&bytes)?;
    let ns = job_namespace(&q, request.namespace.as_ref(), request.job.as_ref());
    authorize(&s, &headers, &ns, "submit-job")?;
    let answer = s.read(|c| scheduler::plan(c, &id, &request, &ns))?;
    Ok(json("Nomad", s.read(|c| c.index), &answer))
}

pub(crate) async fn revert(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "submit-job")?;
    let request: JobRevertRequest = body(&bytes)?;
    let key = JobKey::new(&q.ns(), &id);
    let answer = s.write(|c| scheduler::revert(c, &key, &request))?;
    Ok(json("Nomad", s.read(|c| c.index), &answer))
}

pub(crate) async fn stable(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "submit-job")?;
    let request: JobStabilityRequest = body(&bytes)?;
    let key = JobKey::new(&q.ns(), &id);
    let answer =
        s.write(|c| scheduler::set_stable(c, &key, request.job_version, request.stable))?;
    Ok(json("Nomad", s.read(|c| c.index), &answer))
}

pub(crate) async fn scale_status(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job-scaling")?;
    let key = JobKey::new(&q.ns(), &id);
    let answer = with_job(&s, &key, |c| {
        let job = c.jobs[&key].current();
        let allocs: Vec<&AllocRecord> = c
            .allocs
            .values()
            .filter(|a| a.alloc.job_id == key.id && a.alloc.namespace == key.namespace)
            .collect();
        let task_groups = job
            .task_groups
            .iter()
            .flatten()
            .map(|g| {
                let name = g.name.clone().unwrap_or_default();
                let mine: Vec<_> = allocs
                    .iter()
                    .filter(|a| a.alloc.task_group == name && a.wants_to_run())
                    .collect();
                let health = |h: bool| {
                    mine.iter()
                        .filter(|a| {
                            a.alloc.deployment_status.as_ref().and_then(|s| s.healthy) == Some(h)
                        })
                        .count() as i64
                };
                let status = TaskGroupScaleStatus {
                    desired: g.count.unwrap_or(1),
                    placed: mine.len() as i64,
                    running: mine
                        .iter()
                        .filter(|a| a.alloc.client_status == "running")
                        .count() as i64,
                    healthy: health(true),
                    unhealthy: health(false),
                    events: c.jobs[&key].scaling_events.get(&name).cloned(),
                };
                (name, status)
            })
            .collect();
        JobScaleStatus {
            job_id: key.id.clone(),
            namespace: key.namespace.clone(),
            job_create_index: job.create_index.unwrap_or_default(),
            job_modify_index: job.job_modify_index.unwrap_or_default(),
            job_stopped: job.stop.unwrap_or(false),
            task_groups,
        }
    })?;
    Ok(json("Nomad", s.read(|c| c.index), &answer))
}

pub(crate) async fn scale(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "scale-job")?;
    let request: ScalingRequest = body(&bytes)?;
    let key = JobKey::new(&q.ns(), &id);
    let answer = s.write(|c| scheduler::scale(c, &key, &request))?;
    Ok(json("Nomad", s.read(|c| c.index), &answer))
}

pub(crate) async fn summary(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let key = JobKey::new(&q.ns(), &id);
    let answer = with_job(&s, &key, |c| {
        let allocs: Vec<&AllocRecord> = c
            .allocs
            .values()
            .filter(|a| a.alloc.job_id == key.id && a.alloc.namespace == key.namespace)
            .collect();
        summary_of(c, &key, &allocs)
    })?;
    Ok(json("Nomad", index, &answer))
}

pub(crate) async fn allocations(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let ns = q.ns();
    let stubs = s.read(|c| {
        let current = c
            .jobs
            .get(&JobKey::new(&ns, &id))
            .and_then(|r| r.current().create_index);
        c.allocs
            .values()
            .filter(|a| a.alloc.job_id == id && a.alloc.namespace == ns)
            .filter(|a| {
                q.all == Some(true)
                    || current.is_some_and(|created| a.alloc.create_index >= created)
            })
            .map(super::allocations::stub)
            .collect::<Vec<_>>()
    });
    Ok(json("Nomad", index, &stubs))
}

pub(crate) async fn evaluations(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let ns = q.ns();
    let mut evals: Vec<Evaluation> = s.read(|c| {
        c.evals
            .values()
            .filter(|e| e.job_id == id && e.namespace == ns)
            .cloned()
            .collect()
    });
    evals.sort_by_key(|e| std::cmp::Reverse(e.create_index));
    Ok(json("Nomad", index, &evals))
}

fn job_deployments(c: &Cluster, ns: &str, id: &str) -> Vec<Deployment> {
    let mut deployments: Vec<Deployment> = c
        .deployments
        .values()
        .filter(|d| d.job_id == id && d.namespace == ns)
        .cloned()
        .collect();
    deployments.sort_by_key(|d| std::cmp::Reverse(d.create_index));
    deployments
}

pub(crate) async fn deployments(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let list = s.read(|c| job_deployments(c, &q.ns(), &id));
    Ok(json("Nomad", index, &list))
}

pub(crate) async fn latest_deployment(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let latest = s.read(|c| job_deployments(c, &q.ns(), &id).into_iter().next());
    Ok(json("Nomad", index, &latest))
}

pub(crate) async fn services(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let ns = q.ns();
    // Consul-provider services live in Consul's catalog; Nomad lists its own provider's registrations.
    let list: Vec<ServiceRegistration> = s.read(|c| {
        c.allocs
            .values()
            .filter(|a| a.alloc.job_id == id && a.alloc.namespace == ns)
            .flat_map(|a| crate::consul::registrations_of(c, a, "nomad"))
            .map(|r| ServiceRegistration {
                id: r.id,
                service_name: r.name,
                namespace: ns.clone(),
                node_id: r.node_id,
                datacenter: r.datacenter,
                job_id: id.clone(),
                alloc_id: r.alloc_id,
                tags: Some(r.tags),
                address: r.address,
                port: r.port,
                create_index: r.create_index,
                modify_index: r.modify_index,
            })
            .collect()
    });
    Ok(json("Nomad", index, &list))
}
