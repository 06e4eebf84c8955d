//! The event stream (`/v1/event/stream`): every state change, as newline-delimited JSON.

use std::collections::VecDeque;

use super::QueryOptions;
use crate::types::{EventBatch, EventDecoder};
use crate::{Error, Nomad};

/// The event stream endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Events<'a> {
    pub(crate) client: &'a Nomad,
}

/// A topic and a filter key (`*` for all), e.g. `Deployment:web`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// `Job`, `Allocation`, `Deployment`, `Evaluation`, `Node`, `Service`…
    pub name: String,
    /// A key such as the job ID, or `*`.
    pub filter: String,
}

impl Topic {
    /// `name:filter`.
    pub fn new(name: &str, filter: &str) -> Self {
        Self {
            name: name.to_owned(),
            filter: filter.to_owned(),
        }
    }
}

/// An open event stream.
#[derive(Debug)]
pub struct EventStream {
    response: np_http::Response,
    decoder: EventDecoder,
    ready: VecDeque<EventBatch>,
}

impl EventStream {
    /// The next batch (heartbeats included), or `None` when Nomad closed the stream.
    ///
    /// # Errors
    /// When the connection breaks or a line is not a batch.
    pub async fn next_batch(&mut self) -> Result<Option<EventBatch>, Error> {
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Ok(Some(batch));
            }
            let Some(chunk) = self.response.chunk().await? else {
                return Ok(None);
            };
            let batches = self.decoder.push(&chunk).map_err(|e| Error::Decode {
                upstream: "nomad",
                message: e.to_string(),
            })?;
            self.ready.extend(batches);
        }
    }
}

impl Events<'_> {
    /// Opens the stream from `index` (0: now) for `topics` in `query.namespace`. Always name the topics and the
    /// namespace: without them Nomad streams everything, which needs a management token.
    ///
    /// # Errors
    /// Transport and status errors (403 without rights to a topic).
    pub async fn stream(
        &self,
        topics: &[Topic],
        index: u64,
        query: &QueryOptions,
    ) -> Result<EventStream, Error> {
        let mut params = query.params(self.client.region.as_deref());
        params.extend(
            topics
                .iter()
                .map(|t| ("topic".to_owned(), format!("{}:{}", t.name, t.filter))),
        );
        if index > 0 {
            params.push(("index".to_owned(), index.to_string()));
        }
        let response = self
            .client
            .stream(&["v1", "event", "stream"], &params)
            .await?;
        Ok(EventStream {
            response,
            decoder: EventDecoder::default(),
            ready: VecDeque::new(),
        })
    }
}
