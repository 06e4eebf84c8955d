//! Shared upstream watches: however many people watch an app's progress or tail an instance's log, the
//! console holds one watch on Nomad for it, and fans the changes out.
//!
//! An app watch is a loop of Nomad blocking queries (the job's allocations and its latest deployment) that
//! publishes a fresh [`AppLive`] whenever either changes; a log tail is one followed log stream whose output is
//! kept (the last [`TAIL_BACKLOG`] bytes, for those who join later) and broadcast. Each ends once its last
//! viewer has gone.

mod lists;
mod tail;
mod view;

pub use tail::{TailSubscription, take_utf8};
pub use view::{app_live, rolled_back_to};

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use np_nomad::{Nomad, QueryOptions};
use np_spec::ops::{AppLive, AppsPage};
use tokio::sync::watch;

/// How long one blocking query waits for a change.
const BLOCK: Duration = Duration::from_secs(15);
/// How long to wait before reading again after Nomad failed.
const RETRY: Duration = Duration::from_secs(2);
/// The log kept for viewers who join a tail late.
pub const TAIL_BACKLOG: usize = 64 * 1024;

type AppKey = (String, String);
type TailKey = (String, String, &'static str);
/// A page of a namespace's apps: namespace, tenant prefix and name filter, page token, page size.
pub(crate) type ListKey = (String, String, Option<String>, u32);

/// The shared watches of one console.
#[derive(Debug, Default)]
pub struct Hub {
    apps: Mutex<HashMap<AppKey, Arc<watch::Sender<Arc<AppLive>>>>>,
    tails: Mutex<HashMap<TailKey, Arc<tail::Tail>>>,
    lists: Mutex<HashMap<ListKey, Arc<watch::Sender<Arc<AppsPage>>>>>,
    open: AtomicUsize,
}

/// Counts an open upstream watch while alive.
pub(crate) struct OpenGuard<'a>(&'a AtomicUsize);

impl<'a> OpenGuard<'a> {
    pub(crate) fn new(counter: &'a AtomicUsize) -> Self {
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
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
