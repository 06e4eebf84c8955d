//! Shared log tails: one followed Nomad log stream per instance and output, its recent past kept for those
//! who join late, its new output broadcast to every viewer.

use std::sync::{Arc, Mutex};

use np_nomad::allocations::{LogOrigin, LogRequest, LogType};
use np_nomad::{Nomad, QueryOptions};
use np_spec::ops::LogChunk;
use tokio::sync::broadcast;

use super::{Hub, OpenGuard, TAIL_BACKLOG, TailKey, lock};

/// One followed log stream.
#[derive(Debug)]
pub(crate) struct Tail {
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

impl Hub {
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
}
