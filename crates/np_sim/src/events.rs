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

    /// Batches after `index` still in the buffer. As in Nomad, an index that has left the buffer resumes at
    /// the oldest batch kept.
    pub fn since(&self, index: u64) -> Vec<Arc<EventBatch>> {
        self.batches
            .iter()
            .filter(|b| b.index > index)
            .cloned()
            .collect()
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
        let indexes: Vec<_> = log.since(0).iter().map(|b| b.index).collect();
        assert_eq!(indexes, [6, 7]);
        assert_eq!(log.since(6).len(), 1);
    }
}
