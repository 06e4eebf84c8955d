//! The clock: advances the cluster's state machines at a fixed tick.

use std::sync::Arc;

use crate::state::Shared;
use crate::{scheduler, workload};

/// Ticks until the simulator stops.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut interval = tokio::time::interval(shared.config.tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        let spawner_shared = Arc::clone(&shared);
        let spawn = move |spec| workload::spawn(Arc::clone(&spawner_shared), spec);
        shared.write(|cluster| scheduler::tick(cluster, &spawn));
    }
}
