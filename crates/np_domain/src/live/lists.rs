//! Shared pages of the apps list: however many people look at the same page of a tenant's apps, the console
//! holds one watch for it (Nomad's job list and Consul's checks and tags, as blocking queries) and pushes the
//! page again whenever either changes. The watch ends when its last viewer has gone.

use std::future::Future;
use std::sync::Arc;

use np_spec::ops::AppsPage;
use tokio::sync::watch;

use super::{Hub, ListKey, OpenGuard, lock};

impl Hub {
    /// The current page `key`, if someone watches it (so reading it costs no upstream request).
    pub(crate) fn list_now(&self, key: &ListKey) -> Option<Arc<AppsPage>> {
        lock(&self.lists).get(key).map(|s| s.borrow().clone())
    }

    /// Joins the shared watch of page `key`, or starts it from `first` with `follow`, which runs until it
    /// returns (it should return once [`Hub::list_unwatched`] says so).
    pub(crate) fn watch_list<F, Fut>(
        self: &Arc<Self>,
        key: ListKey,
        first: AppsPage,
        follow: F,
    ) -> watch::Receiver<Arc<AppsPage>>
    where
        F: FnOnce(Arc<Self>, Arc<watch::Sender<Arc<AppsPage>>>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut lists = lock(&self.lists);
        if let Some(sender) = lists.get(&key) {
            return sender.subscribe();
        }
        let (sender, receiver) = watch::channel(Arc::new(first));
        let sender = Arc::new(sender);
        lists.insert(key, Arc::clone(&sender));
        drop(lists);
        let run = follow(Arc::clone(self), sender);
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            let _open = OpenGuard::new(&hub.open);
            run.await;
        });
        receiver
    }

    /// Whether the last viewer of page `key` has gone (then its watch is forgotten and should end).
    pub(crate) fn list_unwatched(
        &self,
        key: &ListKey,
        sender: &watch::Sender<Arc<AppsPage>>,
    ) -> bool {
        let mut lists = lock(&self.lists);
        if sender.receiver_count() > 0 {
            return false;
        }
        lists.remove(key);
        true
    }
}
