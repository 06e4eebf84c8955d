//! The simulated cluster's state, the lock around it, and the notifications every change sends.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use np_nomad::types::{
    AclPolicy, AclToken, Allocation, Deployment, Evaluation, Event, EventBatch, Job, JobSubmission,
    Namespace, NamespaceCapabilities, NodePool, PortMapping, TaskGroup, UpdateStrategy, Variable,
};
use tokio::sync::{broadcast, watch};

use crate::behaviour::Behaviour;
use crate::config::SimConfig;
use crate::consul::ConsulState;
use crate::events::EventLog;
use crate::faults::Faults;
use crate::logs::Logs;
use crate::o2::O2Store;

/// Nanoseconds since the Unix epoch, now.
pub(crate) fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default()
}

/// RFC 3339 for a nanosecond timestamp.
pub(crate) fn rfc3339(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let sub = nanos.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{sub:09}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A job's identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct JobKey {
    pub namespace: String,
    pub id: String,
}

impl JobKey {
    pub fn new(namespace: &str, id: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            id: id.to_owned(),
        }
    }
}

/// A job and its history.
#[derive(Debug, Clone)]
pub(crate) struct JobRecord {
    /// Tracked versions, oldest first; the last is current. Nomad keeps six.
    pub versions: Vec<Job>,
    /// Submitted sources by version.
    pub submissions: BTreeMap<u64, JobSubmission>,
    /// Scaling events per group, newest first.
    pub scaling_events: BTreeMap<String, Vec<serde_json::Value>>,
    /// Allocations per group the last evaluation could not place (the summary's `Queued`).
    pub queued: BTreeMap<String, i64>,
}

impl JobRecord {
    pub fn current(&self) -> &Job {
        self.versions
            .last()
            .expect("a job record always has a version")
    }

    pub fn current_mut(&mut self) -> &mut Job {
        self.versions
            .last_mut()
            .expect("a job record always has a version")
    }

    pub fn version(&self, version: u64) -> Option<&Job> {
        self.versions.iter().find(|j| j.version == Some(version))
    }
}

/// Where an allocation's tasks are in their life.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    /// Placed, starting at the given time.
    Starting { at: i64 },
    /// Running since the given time.
    Running { since: i64 },
    /// A task exited and will restart at the given time.
    Restarting { at: i64 },
    /// Stopping; dead at the given time.
    Stopping { at: i64 },
    /// Finished (complete or failed).
    Dead,
}

/// An allocation and what the simulator knows about it beyond Nomad's view.
#[derive(Debug)]
pub(crate) struct AllocRecord {
    /// The job version it runs (lists show it; a full allocation carries the job itself).
    pub job_version: u64,
    /// Nomad's view (without the embedded job).
    pub alloc: Allocation,
    /// The group at the allocation's job version.
    pub group: TaskGroup,
    /// `service` or `batch`.
    pub job_type: String,
    /// The group's effective update strategy.
    pub update: UpdateStrategy,
    /// How its workload behaves.
    pub behaviour: Behaviour,
    /// Allocated ports.
    pub ports: Vec<PortMapping>,
    /// Index into the node list.
    pub node: usize,
    /// Reserved CPU and memory.
    pub cpu: i64,
    /// Reserved memory.
    pub memory: i64,
    /// Life phase.
    pub phase: Phase,
    /// Restarts within the restart policy's interval (times).
    pub restarts: Vec<i64>,
    /// When it must be healthy by (deployment health).
    pub healthy_deadline: Option<i64>,
    /// The HTTP server of its workload, if running.
    pub workload: Option<tokio::task::AbortHandle>,
    /// Time of the last request-log line written.
    pub last_log_line: i64,
}

impl AllocRecord {
    pub fn is_canary(&self) -> bool {
        self.alloc
            .deployment_status
            .as_ref()
            .is_some_and(|s| s.canary)
    }

    pub fn wants_to_run(&self) -> bool {
        self.alloc.desired_status == "run"
    }

    pub fn is_terminal(&self) -> bool {
        matches!(
            self.alloc.client_status.as_str(),
            "complete" | "failed" | "lost"
        )
    }
}

/// A simulated client node.
#[derive(Debug, Clone)]
pub(crate) struct SimNode {
    pub id: String,
    pub name: String,
    pub datacenter: String,
    pub pool: String,
    pub cpu: i64,
    pub memory: i64,
    pub create_index: u64,
    /// When it registered (nanoseconds).
    pub registered_at: i64,
}

/// The whole simulated cluster.
pub(crate) struct Cluster {
    pub config: SimConfig,
    pub index: u64,
    pub namespaces: BTreeMap<String, Namespace>,
    pub nodes: Vec<SimNode>,
    pub node_pools: BTreeMap<String, NodePool>,
    pub jobs: BTreeMap<JobKey, JobRecord>,
    pub evals: BTreeMap<String, Evaluation>,
    pub deployments: BTreeMap<String, Deployment>,
    pub allocs: BTreeMap<String, AllocRecord>,
    pub acl_policies: BTreeMap<String, AclPolicy>,
    pub acl_tokens: BTreeMap<String, AclToken>,
    pub variables: BTreeMap<(String, String), Variable>,
    pub consul: ConsulState,
    pub logs: Logs,
    pub o2: O2Store,
    pub events: EventLog,
    pub faults: Faults,
    /// Jobs whose allocations may not match their current version yet; the clock reconciles them.
    pub dirty: std::collections::BTreeSet<JobKey>,
    /// When each running deployment must next make progress (nanoseconds).
    pub progress_by: BTreeMap<String, i64>,
    pending_events: Vec<Event>,
    log_appended: bool,
}

impl Cluster {
    fn new(config: SimConfig) -> Self {
        let mut cluster = Self {
            index: 1,
            namespaces: BTreeMap::new(),
            nodes: Vec::new(),
            node_pools: BTreeMap::new(),
            jobs: BTreeMap::new(),
            evals: BTreeMap::new(),
            deployments: BTreeMap::new(),
            allocs: BTreeMap::new(),
            acl_policies: BTreeMap::new(),
            acl_tokens: BTreeMap::new(),
            variables: BTreeMap::new(),
            consul: ConsulState::default(),
            logs: Logs::default(),
            o2: O2Store::default(),
            events: EventLog::new(4096),
            faults: Faults::default(),
            dirty: std::collections::BTreeSet::new(),
            progress_by: BTreeMap::new(),
            pending_events: Vec::new(),
            log_appended: false,
            config,
        };
        cluster.namespaces.insert(
            "default".into(),
            Namespace {
                name: "default".into(),
                description: "Default shared namespace".into(),
                meta: None,
                capabilities: Some(NamespaceCapabilities::default()),
                create_index: Some(1),
                modify_index: Some(1),
            },
        );
        for pool in ["all", "default"] {
            cluster.node_pools.insert(
                pool.into(),
                NodePool {
                    name: pool.into(),
                    description: format!("Node pool {pool}"),
                    create_index: 1,
                    modify_index: 1,
                    ..NodePool::default()
                },
            );
        }
        for node in cluster.config.nodes.clone() {
            if !cluster.node_pools.contains_key(&node.pool) {
                cluster.node_pools.insert(
                    node.pool.clone(),
                    NodePool {
                        name: node.pool.clone(),
                        create_index: 1,
                        modify_index: 1,
                        ..NodePool::default()
                    },
                );
            }
            cluster.nodes.push(SimNode {
                id: uuid::Uuid::new_v4().to_string(),
                name: node.name,
                datacenter: node.datacenter,
                pool: node.pool,
                cpu: node.cpu_mhz,
                memory: node.memory_mb,
                create_index: 1,
                registered_at: now_nanos(),
            });
        }
        if let Some(secret) = cluster.config.acl_management_token.clone() {
            let token = AclToken {
                accessor_id: uuid::Uuid::new_v4().to_string(),
                secret_id: secret,
                name: "Bootstrap Token".into(),
                token_type: "management".into(),
                global: true,
                create_index: Some(1),
                modify_index: Some(1),
                ..AclToken::default()
            };
            cluster.acl_tokens.insert(token.accessor_id.clone(), token);
        }
        cluster
    }

    /// Advances the index for a change and returns it.
    pub fn bump(&mut self) -> u64 {
        self.index += 1;
        self.index
    }

    /// Queues an event for the change being made; it is published when the lock is released.
    pub fn emit(
        &mut self,
        topic: &str,
        event_type: &str,
        key: &str,
        namespace: &str,
        filter_keys: Vec<String>,
        payload: serde_json::Value,
    ) {
        self.pending_events.push(Event {
            topic: topic.into(),
            event_type: event_type.into(),
            key: key.into(),
            namespace: namespace.into(),
            filter_keys: Some(filter_keys),
            index: self.index,
            payload,
        });
    }

    /// Records that log output was appended, so followers wake up.
    pub fn note_log_append(&mut self) {
        self.log_appended = true;
    }

    /// A fresh UUID.
    pub fn uuid() -> String {
        uuid::Uuid::new_v4().to_string()
    }

    /// The next free dynamic port (Nomad's range is 20000–32000).
    pub fn take_port(&mut self) -> i64 {
        loop {
            let port = next_dynamic_port();
            let in_use = self
                .allocs
                .values()
                .any(|a| !a.is_terminal() && a.ports.iter().any(|p| p.value == port));
            if !in_use && std::net::TcpListener::bind(("127.0.0.1", port as u16)).is_ok() {
                return port;
            }
        }
    }
}

/// The next port of Nomad's dynamic range (20000–32000) to try. One counter for the whole process, so several
/// simulators in one process (parallel tests) never hand out the same port before their workloads bind it;
/// the starting point depends on the process id, so concurrent processes start apart.
fn next_dynamic_port() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static NEXT: AtomicI64 = AtomicI64::new(-1);
    const LOW: i64 = 20_000;
    const SPAN: i64 = 12_000;
    let _ = NEXT.compare_exchange(
        -1,
        i64::from(std::process::id()) * 7919 % SPAN,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    LOW + NEXT.fetch_add(1, Ordering::Relaxed).rem_euclid(SPAN)
}

/// The cluster behind its lock, and the channels that announce its changes.
pub(crate) struct Shared {
    cluster: Mutex<Cluster>,
    index_tx: watch::Sender<u64>,
    logs_tx: watch::Sender<u64>,
    events_tx: broadcast::Sender<Arc<EventBatch>>,
    nomad_connections: AtomicUsize,
    refusing: [AtomicBool; 3],
    pub config: SimConfig,
}

const UPSTREAMS: [&str; 3] = ["nomad", "consul", "openobserve"];

impl Shared {
    pub fn new(config: SimConfig) -> Self {
        let (index_tx, _) = watch::channel(1);
        let (logs_tx, _) = watch::channel(0);
        let (events_tx, _) = broadcast::channel(1024);
        Self {
            cluster: Mutex::new(Cluster::new(config.clone())),
            index_tx,
            logs_tx,
            events_tx,
            nomad_connections: AtomicUsize::new(0),
            refusing: Default::default(),
            config,
        }
    }

    /// Reads the cluster.
    pub fn read<T>(&self, f: impl FnOnce(&Cluster) -> T) -> T {
        f(&self.lock())
    }

    /// Changes the cluster, then announces the new index, queued events and log output.
    pub fn write<T>(&self, f: impl FnOnce(&mut Cluster) -> T) -> T {
        let mut cluster = self.lock();
        let before = cluster.index;
        let result = f(&mut cluster);
        let events = std::mem::take(&mut cluster.pending_events);
        let logs = std::mem::take(&mut cluster.log_appended);
        let index = cluster.index;
        // Each index is one Raft apply, and Nomad publishes one batch per apply, all its events sharing the
        // batch's index (`eventsFromChanges` in `nomad/state/events.go`).
        for batch in batches_by_index(events) {
            let batch = Arc::new(batch);
            cluster.events.push(Arc::clone(&batch));
            let _ = self.events_tx.send(batch);
        }
        drop(cluster);
        if index != before {
            self.index_tx.send_replace(index);
        }
        if logs {
            self.logs_tx.send_modify(|n| *n += 1);
        }
        result
    }

    fn lock(&self) -> MutexGuard<'_, Cluster> {
        // A panic while holding the lock leaves the state as it was written so far; keep serving.
        self.cluster
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notified whenever the index moves.
    pub fn index_watch(&self) -> watch::Receiver<u64> {
        self.index_tx.subscribe()
    }

    /// Notified whenever log output is appended.
    pub fn logs_watch(&self) -> watch::Receiver<u64> {
        self.logs_tx.subscribe()
    }

    /// Every event batch published from now on.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Arc<EventBatch>> {
        self.events_tx.subscribe()
    }

    /// Counts an open Nomad connection; the guard uncounts it.
    pub fn nomad_connection(self: &Arc<Self>) -> Option<ConnectionGuard> {
        let now = self.nomad_connections.fetch_add(1, Ordering::SeqCst) + 1;
        let guard = ConnectionGuard(Arc::clone(self));
        (now <= self.config.max_conns_per_client).then_some(guard)
    }

    /// Whether `upstream` refuses connections now (read without the lock, by the listeners).
    pub fn refusing(&self, upstream: &str) -> bool {
        UPSTREAMS
            .iter()
            .position(|u| *u == upstream)
            .is_some_and(|i| self.refusing[i].load(Ordering::SeqCst))
    }

    /// Re-reads the refusal switches from the fault rules (after the rules changed).
    pub fn sync_refusals(&self) {
        let flags: Vec<bool> =
            self.read(|c| UPSTREAMS.iter().map(|u| c.faults.refuses(u)).collect());
        for (flag, value) in self.refusing.iter().zip(flags) {
            flag.store(value, Ordering::SeqCst);
        }
    }

    /// Open Nomad connections.
    pub fn nomad_connections(&self) -> usize {
        self.nomad_connections.load(Ordering::SeqCst)
    }

    /// Stops every workload's HTTP server.
    pub fn stop_workloads(&self) {
        let mut cluster = self.lock();
        for alloc in cluster.allocs.values_mut() {
            if let Some(handle) = alloc.workload.take() {
                handle.abort();
            }
        }
    }
}

/// Holds one counted Nomad connection.
pub(crate) struct ConnectionGuard(Arc<Shared>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.nomad_connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Events in emission order, grouped into one batch per index.
fn batches_by_index(events: Vec<Event>) -> Vec<EventBatch> {
    let mut batches: Vec<EventBatch> = Vec::new();
    for event in events {
        match batches.last_mut() {
            Some(batch) if batch.index == event.index => batch.events.push(event),
            _ => batches.push(EventBatch {
                index: event.index,
                events: vec![event],
            }),
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339(1_495_747_379_525_667_800),
            "2017-05-25T21:22:59.525667800Z"
        );
        assert_eq!(
            rfc3339(1_709_164_800_000_000_000),
            "2024-02-29T00:00:00.000000000Z"
        );
    }
}
