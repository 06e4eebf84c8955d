//! The streaming endpoints: task logs (`/v1/client/fs/logs/:alloc`, concatenated JSON frames or plain bytes)
//! and the event stream (`/v1/event/stream`, newline-delimited JSON), both with heartbeats.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use np_nomad::types::{Event, EventBatch, StreamFrame};
use tokio::sync::{broadcast, watch};

use super::acl::{authorize, require_management};
use super::stream_body;
use crate::scheduler::ApiError;
use crate::state::{Phase, Shared};

/// Nomad's frames carry at most 64 KiB.
const FRAME_DATA: usize = 64 * 1024;

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

struct LogCursor {
    shared: Arc<Shared>,
    alloc: String,
    task: String,
    log_type: String,
    offset: u64,
    follow: bool,
    plain: bool,
    changes: watch::Receiver<u64>,
    heartbeat: Duration,
    /// When the next heartbeat is due, unless data goes out first. Nomad's framer ticks at a fixed rate and
    /// sends a heartbeat on a tick with nothing else to send (`client/fs_endpoint.go`, `streamHeartbeatRate`
    /// 1 s): output of other allocations does not delay it.
    next_beat: tokio::time::Instant,
    done: bool,
}

impl LogCursor {
    /// New bytes since the cursor, and whether the task can write more.
    fn read_new(&mut self) -> (Vec<u8>, bool) {
        self.shared.read(|c| {
            let alive = c
                .allocs
                .get(&self.alloc)
                .is_some_and(|a| a.phase != Phase::Dead);
            let Some(file) = c.logs.file(&self.alloc, &self.task, &self.log_type) else {
                return (Vec::new(), alive);
            };
            let (start, bytes) = file.from(self.offset);
            let data = bytes.to_vec();
            self.offset = start + data.len() as u64;
            (data, alive)
        })
    }

    fn encode(&self, data: &[u8]) -> Bytes {
        if self.plain {
            return Bytes::copy_from_slice(data);
        }
        let file = format!("alloc/logs/{}.{}.0", self.task, self.log_type);
        let mut out = Vec::new();
        let mut end = self.offset - data.len() as u64;
        for chunk in data.chunks(FRAME_DATA) {
            end += chunk.len() as u64;
            out.extend(
                serde_json::to_vec(&StreamFrame::data(&file, end as i64, chunk))
                    .unwrap_or_default(),
            );
        }
        Bytes::from(out)
    }

    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        if self.done {
            return None;
        }
        loop {
            let (data, alive) = self.read_new();
            if !data.is_empty() {
                let chunk = self.encode(&data);
                self.next_beat = tokio::time::Instant::now() + self.heartbeat;
                return Some((Ok(chunk), self));
            }
            if !self.follow || !alive {
                return None;
            }
            tokio::select! {
                changed = self.changes.changed() => if changed.is_err() { self.done = true; },
                () = tokio::time::sleep_until(self.next_beat) => {
                    self.next_beat += self.heartbeat;
                    if !self.plain {
                        return Some((Ok(Bytes::from_static(b"{}")), self));
                    }
                }
            }
        }
    }
}

/// `GET /v1/client/fs/logs/:alloc_id`.
pub(crate) async fn logs(
    State(s): State<Arc<Shared>>,
    Path(alloc): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (namespace, tasks) = s
        .read(|c| {
            let a = c.allocs.get(&alloc)?;
            Some((
                a.alloc.namespace.clone(),
                a.alloc
                    .task_states
                    .clone()
                    .unwrap_or_default()
                    .into_keys()
                    .collect::<Vec<_>>(),
            ))
        })
        .ok_or_else(|| ApiError::not_found("Unknown allocation"))?;
    authorize(&s, &headers, &namespace, "read-logs")?;
    let task = param(&params, "task")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_request("must include task name"))?;
    if !tasks.iter().any(|t| t == task) {
        return Err(ApiError::bad_request(format!("unknown task name {task:?}")));
    }
    let log_type = match param(&params, "type") {
        Some(t @ ("stdout" | "stderr")) => t.to_owned(),
        _ => {
            return Err(ApiError::bad_request(
                "must include a valid log type: stdout or stderr",
            ));
        }
    };
    let follow = param(&params, "follow") == Some("true");
    let plain = param(&params, "plain") == Some("true");
    let offset: u64 = param(&params, "offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let origin = param(&params, "origin").unwrap_or("start");
    if !matches!(origin, "start" | "end") {
        return Err(ApiError::bad_request("origin must be start or end"));
    }
    let (base, end) = s.read(|c| {
        c.logs
            .file(&alloc, task, &log_type)
            .map_or((0, 0), |f| (f.base, f.end()))
    });
    let start = if origin == "end" {
        end.saturating_sub(offset).max(base)
    } else {
        offset.max(base)
    };
    let cursor = LogCursor {
        shared: Arc::clone(&s),
        alloc,
        task: task.to_owned(),
        log_type,
        offset: start,
        follow,
        plain,
        changes: s.logs_watch(),
        heartbeat: s.config.log_heartbeat,
        next_beat: tokio::time::Instant::now() + s.config.log_heartbeat,
        done: false,
    };
    let content_type = if plain {
        "text/plain; charset=utf-8"
    } else {
        "application/json"
    };
    let body = stream_body(futures::stream::unfold(cursor, LogCursor::next));
    Ok(([("content-type", content_type)], body).into_response())
}

/// One `Topic:filter` subscription.
struct Topic {
    name: String,
    filter: String,
}

impl Topic {
    fn matches(&self, event: &Event) -> bool {
        (self.name == "*" || self.name == event.topic)
            && (self.filter == "*"
                || self.filter == event.key
                || event
                    .filter_keys
                    .iter()
                    .flatten()
                    .any(|k| *k == self.filter))
    }
}

struct EventCursor {
    topics: Vec<Topic>,
    namespace: String,
    backlog: std::collections::VecDeque<Arc<EventBatch>>,
    live: broadcast::Receiver<Arc<EventBatch>>,
    last: u64,
    heartbeat: Duration,
    /// Nomad greets a subscriber with a heartbeat, then sends one on a fixed 30 s ticker whatever else is
    /// sent (`NewJsonStream` in `nomad/stream/ndjson.go`, started by `nomad/event_endpoint.go`).
    greeted: bool,
    next_beat: tokio::time::Instant,
}

impl EventCursor {
    fn select(&self, batch: &EventBatch) -> Option<EventBatch> {
        let events: Vec<Event> = batch
            .events
            .iter()
            .filter(|e| {
                self.namespace == "*" || e.namespace == self.namespace || e.namespace.is_empty()
            })
            .filter(|e| self.topics.iter().any(|t| t.matches(e)))
            .cloned()
            .collect();
        (!events.is_empty()).then_some(EventBatch {
            index: batch.index,
            events,
        })
    }

    fn line(batch: &EventBatch) -> Bytes {
        let mut bytes = serde_json::to_vec(batch).unwrap_or_default();
        bytes.push(b'\n');
        Bytes::from(bytes)
    }

    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        if !self.greeted {
            self.greeted = true;
            return Some((Ok(Bytes::from_static(b"{}\n")), self));
        }
        while let Some(batch) = self.backlog.pop_front() {
            self.last = batch.index;
            if let Some(selected) = self.select(&batch) {
                return Some((Ok(Self::line(&selected)), self));
            }
        }
        loop {
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(batch) if batch.index > self.last => {
                        self.last = batch.index;
                        if let Some(selected) = self.select(&batch) {
                            return Some((Ok(Self::line(&selected)), self));
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(self.next_beat) => {
                    self.next_beat += self.heartbeat;
                    return Some((Ok(Bytes::from_static(b"{}\n")), self));
                }
            }
        }
    }
}

/// `GET /v1/event/stream`.
pub(crate) async fn events(
    State(s): State<Arc<Shared>>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = param(&params, "namespace").unwrap_or("default").to_owned();
    let topics: Vec<Topic> = params
        .iter()
        .filter(|(k, _)| k == "topic")
        .map(|(_, v)| {
            let (name, filter) = v.split_once(':').unwrap_or((v.as_str(), "*"));
            Topic {
                name: name.to_owned(),
                filter: filter.to_owned(),
            }
        })
        .collect();
    if topics.is_empty() || namespace == "*" {
        // Every topic, or every namespace, needs a management token.
        require_management(&s, &headers)?;
    } else {
        authorize(&s, &headers, &namespace, "read-job")?;
    }
    let topics = if topics.is_empty() {
        vec![Topic {
            name: "*".into(),
            filter: "*".into(),
        }]
    } else {
        topics
    };
    let index: u64 = param(&params, "index")
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    // Subscribed and read under one lock, so no batch falls between the buffer and the live feed.
    let (live, backlog, last) = s.read(|c| {
        let live = s.subscribe_events();
        let backlog: std::collections::VecDeque<_> = c.events.from(index).into();
        let last = backlog.back().map_or(c.index, |b| b.index);
        (live, backlog, last)
    });
    let cursor = EventCursor {
        topics,
        namespace,
        backlog,
        live,
        last,
        heartbeat: s.config.event_heartbeat,
        greeted: false,
        next_beat: tokio::time::Instant::now() + s.config.event_heartbeat,
    };
    let body = stream_body(futures::stream::unfold(cursor, EventCursor::next));
    Ok(([("content-type", "application/json")], body).into_response())
}
