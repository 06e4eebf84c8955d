//! Task logs (`/v1/client/fs/logs`): concatenated JSON frames with no separators, and `{}` heartbeats.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::decode::DecodeError;

/// One frame of a log stream (`api.StreamFrame`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StreamFrame {
    /// Byte offset in the file after this frame.
    pub offset: i64,
    /// The bytes, base64-encoded.
    pub data: String,
    /// The file, e.g. `alloc/logs/web.stdout.0`.
    pub file: String,
    /// `file deleted` or `file truncated`.
    pub file_event: String,
}

impl StreamFrame {
    /// A frame carrying `bytes` of `file` ending at `offset`.
    pub fn data(file: &str, offset: i64, bytes: &[u8]) -> Self {
        Self {
            offset,
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
            file: file.to_owned(),
            file_event: String::new(),
        }
    }

    /// Whether this is a heartbeat (every field empty).
    pub fn is_heartbeat(&self) -> bool {
        self.offset == 0
            && self.data.is_empty()
            && self.file.is_empty()
            && self.file_event.is_empty()
    }

    /// The decoded bytes.
    ///
    /// # Errors
    /// When `data` is not base64.
    pub fn bytes(&self) -> Result<Vec<u8>, DecodeError> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.data)
            .map_err(|e| DecodeError::Json(format!("frame data is not base64: {e}")))
    }
}

/// Splits a log stream into frames, whatever the chunk boundaries: a frame may arrive in several chunks, and
/// one chunk may hold several frames.
#[derive(Debug)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
    max_pending: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        // Nomad's frames are at most 64 KiB of data, about 88 KiB once base64-encoded.
        Self::new(1024 * 1024)
    }
}

impl FrameDecoder {
    /// A decoder refusing an unfinished frame longer than `max_pending` bytes.
    pub fn new(max_pending: usize) -> Self {
        Self {
            buffer: Vec::new(),
            max_pending,
        }
    }

    /// Feeds a chunk; returns the frames it completed, heartbeats included.
    ///
    /// # Errors
    /// When the bytes are not frames, or an unfinished frame exceeds the limit.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<StreamFrame>, DecodeError> {
        self.buffer.extend_from_slice(chunk);
        let mut frames = Vec::new();
        let mut consumed = 0;
        let mut stream =
            serde_json::Deserializer::from_slice(&self.buffer).into_iter::<StreamFrame>();
        loop {
            match stream.next() {
                Some(Ok(frame)) => {
                    consumed = stream.byte_offset();
                    frames.push(frame);
                }
                Some(Err(e)) if e.is_eof() => break,
                Some(Err(e)) => return Err(DecodeError::Json(e.to_string())),
                None => {
                    consumed = self.buffer.len();
                    break;
                }
            }
        }
        self.buffer.drain(..consumed);
        if self.buffer.len() > self.max_pending {
            return Err(DecodeError::TooLong(self.max_pending));
        }
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> Vec<u8> {
        let mut bytes = Vec::new();
        for frame in [
            StreamFrame::data("alloc/logs/web.stdout.0", 6, b"hello\n"),
            StreamFrame::default(),
            StreamFrame::data("alloc/logs/web.stdout.0", 12, "wörld\n".as_bytes()),
            StreamFrame {
                file: "alloc/logs/web.stdout.0".into(),
                file_event: "file truncated".into(),
                ..Default::default()
            },
        ] {
            bytes.extend(serde_json::to_vec(&frame).unwrap());
        }
        bytes
    }

    fn decode_in_chunks(bytes: &[u8], size: usize) -> Vec<StreamFrame> {
        let mut decoder = FrameDecoder::default();
        bytes
            .chunks(size)
            .flat_map(|chunk| decoder.push(chunk).unwrap())
            .collect()
    }

    #[test]
    fn frames_are_found_whatever_the_chunk_boundaries() {
        let bytes = stream();
        let whole = decode_in_chunks(&bytes, bytes.len());
        assert_eq!(whole.len(), 4);
        for size in [1, 2, 3, 7, 64] {
            assert_eq!(decode_in_chunks(&bytes, size), whole, "chunks of {size}");
        }
        assert!(whole[1].is_heartbeat());
        assert_eq!(whole[2].bytes().unwrap(), "wörld\n".as_bytes());
        assert_eq!(whole[3].file_event, "file truncated");
    }

    #[test]
    fn nomads_literal_heartbeat_decodes() {
        let frames = FrameDecoder::default().push(b"{}{}").unwrap();
        assert_eq!(frames.len(), 2);
        assert!(frames.iter().all(StreamFrame::is_heartbeat));
    }

    #[test]
    fn garbage_is_an_error_and_an_endless_frame_is_cut_off() {
        assert!(matches!(
            FrameDecoder::default().push(b"not json"),
            Err(DecodeError::Json(_))
        ));
        let mut decoder = FrameDecoder::new(16);
        assert!(matches!(
            decoder.push(br#"{"Data":"AAAAAAAAAAAAAAAAAAAAAAA"#),
            Err(DecodeError::TooLong(16))
        ));
    }
}
