//! Shared upstream watches: however many people watch an app's progress or tail an instance's log, the
//! console holds one watch on Nomad for it, and fans the changes out.
//!
//! An app watch is a loop of Nomad blocking queries (the job's allocations and its latest deployment) that
//! publishes a fresh [`AppLive`] whenever either changes; a log tail is one followed log stream whose output is
//! kept (the last [`TAIL_BACKLOG`] bytes, for those who join later) and broadcast. Each ends once its last
//! viewer has gone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use np_nomad::allocations::{LogOrigin, LogRequest, LogType};
use np_nomad::types::{AllocationListStub, Deployment, Job, JobSummary};

use np_nomad::{Nomad, QueryOptions};
use np_spec::ops::{AppLive, DeploymentView, GroupProgress, InstanceView, LogChunk, TaskEventView};
use tokio::sync::{broadcast, watch};

/// How long one blocking query waits for a change.
const BLOCK: Duration = Duration::from_secs(15);
/// How long to wait before reading again after Nomad failed.
const RETRY: Duration = Duration::from_secs(2);
/// The log kept for viewers who join a tail late.
pub const TAIL_BACKLOG: usize = 64 * 1024;
/// Task events kept per task.
const EVENTS_PER_TASK: usize = 8;

type AppKey = (String, String);
type TailKey = (String, String, &'static str);

/// The shared watches of one console.
#[derive(Debug, Default)]
pub struct Hub {
    apps: Mutex<HashMap<AppKey, Arc<watch::Sender<Arc<AppLive>>>>>,
    tails: Mutex<HashMap<TailKey, Arc<Tail>>>,
    open: AtomicUsize,
}

/// One followed log stream.
#[derive(Debug)]
struct Tail {
    state: Mutex<TailState>,
}

#[derive(Debug)]
struct TailState {
    backlog: String,
    sender: broadcast::Sender<Arc<LogChunk>>,
    ended: bool,
}

/// A viewer's subscription to a tail: what was said before they joined, then what follows.
#[derive(Debug)]
pub struct TailSubscription {
    /// The end of the log so far.
    pub backlog: String,
    /// New output.
    pub chunks: broadcast::Receiver<Arc<LogChunk>>,
}

/// Counts an open upstream watch while alive.
struct OpenGuard<'a>(&'a AtomicUsize);

impl<'a> OpenGuard<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Hub {
    /// A new hub with nothing watched.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Upstream watches open now (app watches and log tails).
    pub fn open_watches(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Viewers of `job_id` in `namespace` now.
    pub fn viewers(&self, namespace: &str, job_id: &str) -> usize {
        lock(&self.apps)
            .get(&(namespace.to_owned(), job_id.to_owned()))
            .map_or(0, |s| s.receiver_count())
    }

    /// Watches the app `app` (job `job_id` in `namespace`), sharing the watch with every other viewer.
    ///
    /// # Errors
    /// Nomad's error when the job cannot be read at first (404 for an unknown job).
    pub async fn watch_app(
        self: &Arc<Self>,
        nomad: &Nomad,
        namespace: &str,
        job_id: &str,
        app: &str,
    ) -> Result<watch::Receiver<Arc<AppLive>>, np_nomad::Error> {
        let key = (namespace.to_owned(), job_id.to_owned());
        if let Some(sender) = lock(&self.apps).get(&key) {
            return Ok(sender.subscribe());
        }
        let mut indexes = Indexes::default();
        let first = read_app(nomad, namespace, job_id, app, &mut indexes).await?;
        let mut apps = lock(&self.apps);
        // Someone else may have started the watch meanwhile.
        if let Some(sender) = apps.get(&key) {
            return Ok(sender.subscribe());
        }
        let (sender, receiver) = watch::channel(Arc::new(first));
        let sender = Arc::new(sender);
        apps.insert(key.clone(), Arc::clone(&sender));
        drop(apps);
        let hub = Arc::clone(self);
        let nomad = nomad.clone();
        let app = app.to_owned();
        tokio::spawn(async move {
            let _open = OpenGuard::new(&hub.open);
            loop {
                if hub.last_viewer_gone(&key, &sender) {
                    return;
                }
                let changed = wait_for_change(&nomad, &key.0, &key.1, &mut indexes).await;
                if hub.last_viewer_gone(&key, &sender) {
                    return;
                }
                let next = match changed {
                    Ok(()) => read_app(&nomad, &key.0, &key.1, &app, &mut indexes).await,
                    Err(e) => Err(e),
                };
                match next {
                    Ok(state) => {
                        sender.send_if_modified(|current| {
                            if **current == state {
                                false
                            } else {
                                *current = Arc::new(state);
                                true
                            }
                        });
                    }
                    Err(e) => {
                        let message = crate::DomainError::upstream("nomad", e).to_string();
                        sender.send_if_modified(|current| {
                            if current.error.as_deref() == Some(message.as_str()) {
                                return false;
                            }
                            let mut stale = (**current).clone();
                            stale.error = Some(message.clone());
                            *current = Arc::new(stale);
                            true
                        });
                        tokio::time::sleep(RETRY).await;
                    }
                }
            }
        });
        Ok(receiver)
    }

    fn last_viewer_gone(&self, key: &AppKey, sender: &watch::Sender<Arc<AppLive>>) -> bool {
        let mut apps = lock(&self.apps);
        if sender.receiver_count() > 0 {
            return false;
        }
        apps.remove(key);
        true
    }

    /// Tails `task`'s `log_type` output of allocation `alloc_id`, sharing the upstream stream with every other
    /// viewer of the same output.
    pub fn tail(
        self: &Arc<Self>,
        nomad: &Nomad,
        namespace: &str,
        alloc_id: &str,
        task: &str,
        log_type: LogType,
    ) -> TailSubscription {
        let key = (alloc_id.to_owned(), task.to_owned(), log_type.as_str());
        let mut tails = lock(&self.tails);
        if let Some(tail) = tails.get(&key) {
            let state = lock(&tail.state);
            if !state.ended {
                return TailSubscription {
                    backlog: state.backlog.clone(),
                    chunks: state.sender.subscribe(),
                };
            }
        }
        let (sender, chunks) = broadcast::channel(256);
        let tail = Arc::new(Tail {
            state: Mutex::new(TailState {
                backlog: String::new(),
                sender,
                ended: false,
            }),
        });
        tails.insert(key.clone(), Arc::clone(&tail));
        drop(tails);
        let hub = Arc::clone(self);
        let nomad = nomad.clone();
        let namespace = namespace.to_owned();
        tokio::spawn(async move {
            let _open = OpenGuard::new(&hub.open);
            let outcome = follow(&nomad, &namespace, &key, log_type, &tail).await;
            let mut tails = lock(&hub.tails);
            let mut state = lock(&tail.state);
            state.ended = true;
            if let Err(message) = outcome {
                let _ = state.sender.send(Arc::new(LogChunk {
                    text: format!("\n[np: the log stream ended: {message}]\n"),
                    skipped: false,
                }));
            }
            if tails.get(&key).is_some_and(|t| Arc::ptr_eq(t, &tail)) {
                tails.remove(&key);
            }
        });
        TailSubscription {
            backlog: String::new(),
            chunks,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Follows one log until it ends or nobody listens. `Err` carries why it broke.
async fn follow(
    nomad: &Nomad,
    namespace: &str,
    key: &TailKey,
    log_type: LogType,
    tail: &Tail,
) -> Result<(), String> {
    let request = LogRequest {
        task: key.1.clone(),
        log_type,
        follow: true,
        origin: LogOrigin::End(16 * 1024),
    };
    let mut stream = nomad
        .allocations()
        .logs(&key.0, &request, &QueryOptions::namespace(namespace))
        .await
        .map_err(|e| crate::DomainError::upstream("nomad", e).to_string())?;
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let frame = match stream.next_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(()),
            Err(e) => return Err(crate::DomainError::upstream("nomad", e).to_string()),
        };
        let mut state = lock(&tail.state);
        if state.sender.receiver_count() == 0 {
            return Ok(());
        }
        let Ok(bytes) = frame.bytes() else { continue };
        if bytes.is_empty() {
            continue;
        }
        carry.extend_from_slice(&bytes);
        let text = take_utf8(&mut carry);
        if text.is_empty() {
            continue;
        }
        state.backlog.push_str(&text);
        trim_front(&mut state.backlog, TAIL_BACKLOG);
        let _ = state.sender.send(Arc::new(LogChunk {
            text,
            skipped: false,
        }));
    }
}

/// The complete UTF-8 text at the front of `bytes` (invalid sequences replaced), leaving an incomplete final
/// character for the next frame.
pub fn take_utf8(bytes: &mut Vec<u8>) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest: &[u8] = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.push_str(text);
                rest = &[];
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                match e.error_len() {
                    Some(bad) => {
                        out.push('\u{FFFD}');
                        rest = &after[bad..];
                    }
                    // An incomplete character at the end: it continues in the next frame.
                    None => {
                        rest = after;
                        break;
                    }
                }
            }
        }
    }
    *bytes = rest.to_vec();
    out
}

/// Drops the front of `text` so that it is at most `max` bytes, at a character boundary.
fn trim_front(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut cut = text.len() - max;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    text.drain(..cut);
}

/// The Raft indexes the watch has seen.
#[derive(Debug, Default, Clone, Copy)]
struct Indexes {
    allocations: u64,
    deployment: u64,
}

/// Waits until the job's allocations or its latest deployment change (or the wait ends).
async fn wait_for_change(
    nomad: &Nomad,
    namespace: &str,
    job_id: &str,
    indexes: &mut Indexes,
) -> Result<(), np_nomad::Error> {
    let jobs = nomad.jobs();
    let allocs = QueryOptions::namespace(namespace).blocking(indexes.allocations, BLOCK);
    let deployment = QueryOptions::namespace(namespace).blocking(indexes.deployment, BLOCK);
    tokio::select! {
        answer = jobs.allocations(job_id, false, &allocs) => answer.map(|_| ()),
        answer = jobs.latest_deployment(job_id, &deployment) => answer.map(|_| ()),
    }
}

/// Reads the app's state now.
async fn read_app(
    nomad: &Nomad,
    namespace: &str,
    job_id: &str,
    app: &str,
    indexes: &mut Indexes,
) -> Result<AppLive, np_nomad::Error> {
    let q = QueryOptions::namespace(namespace);
    let jobs = nomad.jobs();
    let (job, summary, allocs, deployments) = tokio::try_join!(
        jobs.info(job_id, &q),
        jobs.summary(job_id, &q),
        jobs.allocations(job_id, false, &q),
        jobs.deployments(job_id, &q),
    )?;
    indexes.allocations = allocs.1.last_index;
    indexes.deployment = deployments.1.last_index;
    let mut deployments = deployments.0;
    deployments.sort_by_key(|d| std::cmp::Reverse(d.create_index));
    let stable = if job.0.stable == Some(true) {
        job.0.version
    } else {
        // The newest stable version is in the version list.
        let (versions, _) = jobs.versions(job_id, false, &q).await?;
        versions
            .versions
            .iter()
            .find(|v| v.stable == Some(true))
            .and_then(|v| v.version)
    };
    Ok(app_live(
        app,
        job_id,
        &job.0,
        &summary.0,
        allocs.0,
        &deployments,
        stable,
    ))
}

/// The viewer's picture of an app from Nomad's answers (`deployments` newest first).
pub fn app_live(
    app: &str,
    job_id: &str,
    job: &Job,
    summary: &JobSummary,
    mut allocs: Vec<AllocationListStub>,
    deployments: &[Deployment],
    stable_version: Option<u64>,
) -> AppLive {
    let deployment = deployments.first();
    // A failed rollout that Nomad reverted: the revert is the newest deployment, the failure the one before.
    let reverted = match deployments {
        [first, ..] if first.status == "failed" => None,
        [_, before, ..] if before.status == "failed" => {
            rolled_back_to(&before.status_description).map(|to| (before.job_version, to))
        }
        _ => None,
    };
    let (running, pending, failed) = crate::apps::counts(summary);
    let stopped = job.stop == Some(true);
    allocs.sort_by_key(|a| {
        (
            std::cmp::Reverse(a.desired_status == "run"),
            std::cmp::Reverse(a.create_index),
        )
    });
    let promoting = deployment.is_some_and(|d| d.status == "running");
    AppLive {
        app: app.to_owned(),
        job_id: job_id.to_owned(),
        status: job.status.clone().unwrap_or_default(),
        stopped,
        version: job.version.unwrap_or(0),
        stable_version,
        desired: if stopped {
            0
        } else {
            job.task_groups
                .iter()
                .flatten()
                .map(|g| g.count.unwrap_or(0))
                .sum()
        },
        running,
        pending,
        failed,
        deployment: deployment.map(deployment_view),
        reverted,
        instances: allocs
            .into_iter()
            .take(50)
            .map(|a| instance_view(a, promoting))
            .collect(),
        error: None,
    }
}

fn deployment_view(d: &Deployment) -> DeploymentView {
    let groups: Vec<GroupProgress> = d
        .task_groups
        .iter()
        .map(|(name, g)| GroupProgress {
            name: name.clone(),
            desired: g.desired_total,
            desired_canaries: g.desired_canaries,
            canaries: g.placed_canaries.as_ref().map_or(0, |c| c.len() as i64),
            promoted: g.promoted,
            placed: g.placed_allocs,
            healthy: g.healthy_allocs,
            unhealthy: g.unhealthy_allocs,
            auto_revert: g.auto_revert,
        })
        .collect();
    // Nomad's own condition: every group with canaries has them all placed and healthy, and none promotes
    // itself.
    let canary_groups: Vec<&GroupProgress> = groups
        .iter()
        .filter(|g| g.desired_canaries > 0 && !g.promoted)
        .collect();
    let needs_promotion = d.status == "running"
        && !canary_groups.is_empty()
        && canary_groups.iter().all(|g| {
            g.canaries >= g.desired_canaries
                && g.healthy >= g.desired_canaries
                && d.task_groups.get(&g.name).is_some_and(|s| !s.auto_promote)
        });
    DeploymentView {
        id: d.id.clone(),
        version: d.job_version,
        status: d.status.clone(),
        description: d.status_description.clone(),
        needs_promotion,
        rolled_back_to: rolled_back_to(&d.status_description),
        groups,
    }
}

/// The version in Nomad's "… - rolling back to job version N".
pub fn rolled_back_to(description: &str) -> Option<u64> {
    let (_, rest) = description.split_once("rolling back to job version ")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
}

fn instance_view(a: AllocationListStub, promoting: bool) -> InstanceView {
    let mut events = Vec::new();
    let mut restarts = 0;
    for (task, state) in a.task_states.iter().flatten() {
        restarts += state.restarts;
        let all = state.events.as_deref().unwrap_or_default();
        for e in &all[all.len().saturating_sub(EVENTS_PER_TASK)..] {
            let message = [&e.display_message, &e.message, &e.driver_error]
                .into_iter()
                .find(|m| !m.is_empty())
                .cloned()
                .unwrap_or_default();
            events.push(TaskEventView {
                task: task.clone(),
                time_ms: e.time / 1_000_000,
                kind: e.event_type.clone(),
                message,
            });
        }
    }
    events.sort_by_key(|e| e.time_ms);
    let status = a.deployment_status.as_ref();
    InstanceView {
        healthy: status.and_then(|s| s.healthy),
        canary: promoting && status.is_some_and(|s| s.canary),
        id: a.id,
        name: a.name,
        node: a.node_name,
        version: a.job_version,
        client_status: a.client_status,
        desired_status: a.desired_status,
        restarts,
        created_ms: a.create_time / 1_000_000,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_split_across_frames_is_joined() {
        let text = "héllo ✓";
        let bytes = text.as_bytes();
        let mut carry = bytes[..bytes.len() - 1].to_vec();
        let first = take_utf8(&mut carry);
        assert_eq!(first, "héllo ");
        assert_eq!(carry.len(), 2);
        carry.push(bytes[bytes.len() - 1]);
        assert_eq!(take_utf8(&mut carry), "✓");
        assert!(carry.is_empty());
    }

    #[test]
    fn invalid_bytes_are_replaced_not_lost() {
        let mut carry = vec![b'a', 0xFF, b'b'];
        assert_eq!(take_utf8(&mut carry), "a\u{FFFD}b");
        assert!(carry.is_empty());
    }

    #[test]
    fn backlog_keeps_the_end_at_a_boundary() {
        let mut text = "ééééé".to_owned();
        trim_front(&mut text, 5);
        assert_eq!(text, "éé");
    }

    #[test]
    fn rollback_version_is_read_from_the_description() {
        assert_eq!(
            rolled_back_to("Failed due to unhealthy allocations - rolling back to job version 3"),
            Some(3)
        );
        assert_eq!(rolled_back_to("Deployment completed successfully"), None);
    }
}
