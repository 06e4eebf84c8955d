//! Allocations (`/v1/allocation(s)`) and the client endpoints reached through them: restart, stats and logs.

use np_http::Method;

use super::{QueryMeta, QueryOptions, WriteOptions};
use crate::types::decode::DecodeError;
use crate::types::{
    AllocResourceUsage, AllocRestartRequest, AllocStopResponse, Allocation, AllocationListStub,
    FrameDecoder, StreamFrame,
};
use crate::{Error, Nomad};

/// The allocation endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Allocations<'a> {
    pub(crate) client: &'a Nomad,
}

/// Which output of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogType {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl LogType {
    /// Nomad's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }
}

/// Where a log read starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOrigin {
    /// `offset` bytes from the start.
    Start(u64),
    /// `offset` bytes before the end.
    End(u64),
}

/// What to read of a task's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    /// The task.
    pub task: String,
    /// stdout or stderr.
    pub log_type: LogType,
    /// Keep the stream open for new output.
    pub follow: bool,
    /// Where to start.
    pub origin: LogOrigin,
}

/// An open log stream in Nomad's framed format.
#[derive(Debug)]
pub struct LogStream {
    response: np_http::Response,
    decoder: FrameDecoder,
    ready: std::collections::VecDeque<StreamFrame>,
}

impl LogStream {
    /// The next frame (heartbeats included), or `None` when Nomad closed the stream.
    ///
    /// # Errors
    /// When the connection breaks or the bytes are not frames.
    pub async fn next_frame(&mut self) -> Result<Option<StreamFrame>, Error> {
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Ok(Some(frame));
            }
            let Some(chunk) = self.response.chunk().await? else {
                return Ok(None);
            };
            let frames = self
                .decoder
                .push(&chunk)
                .map_err(|e: DecodeError| Error::Decode {
                    upstream: "nomad",
                    message: e.to_string(),
                })?;
            self.ready.extend(frames);
        }
    }
}

impl Allocations<'_> {
    /// Lists allocations (`task_states=false` makes answers much smaller).
    ///
    /// # Errors
    /// Transport and status errors.
    pub async fn list(
        &self,
        query: &QueryOptions,
    ) -> Result<(Vec<AllocationListStub>, QueryMeta), Error> {
        self.client.get(&["v1", "allocations"], query).await
    }

    /// Reads an allocation by its full ID.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn info(
        &self,
        id: &str,
        query: &QueryOptions,
    ) -> Result<(Allocation, QueryMeta), Error> {
        self.client.get(&["v1", "allocation", id], query).await
    }

    /// Stops an allocation; Nomad replaces it.
    ///
    /// # Errors
    /// `Status` 404 when it does not exist.
    pub async fn stop(&self, id: &str, options: &WriteOptions) -> Result<AllocStopResponse, Error> {
        let (answer, _) = self
            .client
            .write::<(), _>(
                Method::POST,
                &["v1", "allocation", id, "stop"],
                None,
                &[],
                options,
            )
            .await?;
        Ok(answer)
    }

    /// Restarts one task (`task`), or every task including sidecars (`None`), in place.
    ///
    /// # Errors
    /// `Status` 404 for an unknown allocation or task.
    pub async fn restart(
        &self,
        id: &str,
        task: Option<&str>,
        options: &WriteOptions,
    ) -> Result<(), Error> {
        let request = match task {
            Some(task) => AllocRestartRequest {
                task_name: task.to_owned(),
                all_tasks: false,
            },
            None => AllocRestartRequest {
                task_name: String::new(),
                all_tasks: true,
            },
        };
        let _: (serde_json::Value, _) = self
            .client
            .write(
                Method::POST,
                &["v1", "client", "allocation", id, "restart"],
                Some(&request),
                &[],
                options,
            )
            .await?;
        Ok(())
    }

    /// Current CPU and memory usage.
    ///
    /// # Errors
    /// `Status` 404 for an unknown or finished allocation.
    pub async fn stats(&self, id: &str, query: &QueryOptions) -> Result<AllocResourceUsage, Error> {
        let (usage, _) = self
            .client
            .get(&["v1", "client", "allocation", id, "stats"], query)
            .await?;
        Ok(usage)
    }

    /// Opens a task's log in the framed format. Resolve the allocation's namespace before calling this for a
    /// tenant: Nomad checks only the token, and a management token reads everything.
    ///
    /// # Errors
    /// `Status` 400 for an unknown task, 404 for an unknown allocation.
    pub async fn logs(
        &self,
        id: &str,
        request: &LogRequest,
        query: &QueryOptions,
    ) -> Result<LogStream, Error> {
        let (origin, offset) = match request.origin {
            LogOrigin::Start(offset) => ("start", offset),
            LogOrigin::End(offset) => ("end", offset),
        };
        let mut params = query.params(self.client.region.as_deref());
        params.extend([
            ("task".to_owned(), request.task.clone()),
            ("type".to_owned(), request.log_type.as_str().to_owned()),
            ("follow".to_owned(), request.follow.to_string()),
            ("origin".to_owned(), origin.to_owned()),
            ("offset".to_owned(), offset.to_string()),
            ("plain".to_owned(), "false".to_owned()),
        ]);
        let response = self
            .client
            .stream(&["v1", "client", "fs", "logs", id], &params)
            .await?;
        Ok(LogStream {
            response,
            decoder: FrameDecoder::default(),
            ready: Default::default(),
        })
    }
}
