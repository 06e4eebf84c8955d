//! The recent event batches, for streams that resume from an index.

use std::collections::VecDeque;
use std::sync::Arc;

use np_nomad::types::EventBatch;

/// A bounded buffer of published batches, oldest first.
pub(crate) struct EventLog {
    batches: VecDeque<Arc<EventBatch>>,
    capacity: usize,
}

impl EventLog {
    pub fn new(capacity: usize) -> Self {
        Self {
            batches: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub fn push(&mut self, batch: Arc<EventBatch>) {
        if self.batches.len() == self.capacity {
            self.batches.pop_front();
        }
        self.batches.push_back(batch);
    }

    /// Where a subscription from `index` starts (`StartAtClosest` in `nomad/stream/event_buffer.go`): at the
    /// batch of that index, or the first after it; an index older than the buffer starts at the oldest batch
    /// kept, one newer than every batch at the newest. Index 0 replays the whole buffer
    /// (`EventBroker.Subscribe` in `nomad/stream/event_broker.go`).
    pub fn from(&self, index: u64) -> Vec<Arc<EventBatch>> {
        let start = self
            .batches
            .iter()
            .position(|b| b.index >= index)
            .unwrap_or(self.batches.len().saturating_sub(1));
        self.batches.iter().skip(start).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_keeps_the_newest_batches() {
        let mut log = EventLog::new(2);
        for index in [5, 6, 7] {
            log.push(Arc::new(EventBatch {
                index,
                events: Vec::new(),
            }));
        }
        let indexes = |from: u64| -> Vec<u64> { log.from(from).iter().map(|b| b.index).collect() };
        assert_eq!(indexes(0), [6, 7], "0 replays what is kept");
        assert_eq!(indexes(5), [6, 7], "a lost index starts at the oldest kept");
        assert_eq!(indexes(6), [6, 7], "the index asked for is included");
        assert_eq!(indexes(7), [7]);
        assert_eq!(indexes(9), [7], "past the newest: the newest");
    }
}
