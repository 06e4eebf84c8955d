//! The event stream (`/v1/event/stream`): newline-delimited JSON batches with `{}` heartbeats.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{AllocationListStub, Deployment, Evaluation, Job};
use crate::types::decode::LineDecoder;

/// One line of the stream: a batch of events at a Raft index, or a heartbeat (`index == 0`, no events).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EventBatch {
    /// Raft index of the batch.
    pub index: u64,
    /// The events.
    pub events: Vec<Event>,
}

impl EventBatch {
    /// Whether this line is a heartbeat.
    pub fn is_heartbeat(&self) -> bool {
        self.index == 0 && self.events.is_empty()
    }
}

/// One event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Event {
    /// `Job`, `Allocation`, `Deployment`, `Evaluation`, `Node`, `Service`…
    pub topic: String,
    /// `JobRegistered`, `AllocationUpdated`, `DeploymentStatusUpdate`…
    #[serde(rename = "Type")]
    pub event_type: String,
    /// The object's key (job ID, allocation ID…).
    pub key: String,
    /// Namespace.
    pub namespace: String,
    /// Extra keys the event can be filtered on (e.g. the job ID of an allocation).
    pub filter_keys: Option<Vec<String>>,
    /// Raft index.
    pub index: u64,
    /// The object, under a key named after the topic.
    pub payload: serde_json::Value,
}

impl Event {
    fn payload_field<T: DeserializeOwned>(&self, field: &str) -> Option<T> {
        serde_json::from_value(self.payload.get(field)?.clone()).ok()
    }

    /// The job of a `Job` event.
    pub fn job(&self) -> Option<Job> {
        self.payload_field("Job")
    }

    /// The allocation of an `Allocation` event.
    pub fn allocation(&self) -> Option<AllocationListStub> {
        self.payload_field("Allocation")
    }

    /// The deployment of a `Deployment` event.
    pub fn deployment(&self) -> Option<Deployment> {
        self.payload_field("Deployment")
    }

    /// The evaluation of an `Evaluation` event.
    pub fn evaluation(&self) -> Option<Evaluation> {
        self.payload_field("Evaluation")
    }
}

/// Splits the stream's bytes into batches, whatever the chunk boundaries.
#[derive(Debug)]
pub struct EventDecoder {
    lines: LineDecoder,
}

impl Default for EventDecoder {
    fn default() -> Self {
        // Batches carry whole jobs; a few megabytes is ample.
        Self::new(16 * 1024 * 1024)
    }
}

impl EventDecoder {
    /// A decoder refusing lines longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            lines: LineDecoder::new(max_line),
        }
    }

    /// Feeds a chunk; returns the batches it completed.
    ///
    /// # Errors
    /// When a line is not a batch or exceeds the size limit.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<EventBatch>, super::decode::DecodeError> {
        self.lines
            .push(chunk)?
            .into_iter()
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .map(|line| {
                serde_json::from_slice(&line)
                    .map_err(|e| super::decode::DecodeError::Json(e.to_string()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = concat!(
        r#"{"Index":12,"Events":[{"Topic":"Deployment","Type":"DeploymentStatusUpdate","Key":"d1","Namespace":"acme","FilterKeys":["web"],"Index":12,"Payload":{"Deployment":{"ID":"d1","JobID":"web","Status":"successful"}}}]}"#,
        "\n{}\n",
        r#"{"Index":13,"Events":[{"Topic":"Job","Type":"JobRegistered","Key":"web","Namespace":"acme","Index":13,"Payload":{"Job":{"ID":"web","Version":3}}}]}"#,
        "\n",
    );

    #[test]
    fn batches_and_heartbeats_are_split_across_any_chunking() {
        for size in [1, 5, 64, STREAM.len()] {
            let mut decoder = EventDecoder::default();
            let batches: Vec<_> = STREAM
                .as_bytes()
                .chunks(size)
                .flat_map(|c| decoder.push(c).unwrap())
                .collect();
            assert_eq!(batches.len(), 3, "chunks of {size}");
            assert!(batches[1].is_heartbeat());
            assert_eq!(
                batches[0].events[0].deployment().unwrap().status,
                "successful"
            );
            assert_eq!(batches[2].events[0].job().unwrap().version, Some(3));
            assert!(batches[2].events[0].allocation().is_none());
        }
    }

    #[test]
    fn a_line_that_is_not_a_batch_is_an_error() {
        assert!(EventDecoder::default().push(b"[1,2]\n").is_err());
        assert!(EventDecoder::new(8).push(b"{\"Index\":1234567").is_err());
    }
}
