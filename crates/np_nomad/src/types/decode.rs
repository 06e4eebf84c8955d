//! Incremental splitting of streamed bodies.

/// A streamed body that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// An item is not the expected JSON.
    #[error("malformed stream item: {0}")]
    Json(String),
    /// An item grew past the limit without ending.
    #[error("stream item longer than {0} bytes")]
    TooLong(usize),
}

/// Splits bytes into `\n`-terminated lines across chunk boundaries.
#[derive(Debug)]
pub struct LineDecoder {
    pending: Vec<u8>,
    max_line: usize,
}

impl Default for LineDecoder {
    fn default() -> Self {
        Self::new(16 * 1024 * 1024)
    }
}

impl LineDecoder {
    /// A decoder refusing lines longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            pending: Vec::new(),
            max_line,
        }
    }

    /// Feeds a chunk; returns the complete lines it finished (without their `\n`).
    ///
    /// # Errors
    /// When an unfinished line exceeds the limit.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
        let mut lines = Vec::new();
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            self.pending.extend_from_slice(piece);
            if self.pending.last() == Some(&b'\n') {
                self.pending.pop();
                lines.push(std::mem::take(&mut self.pending));
            }
        }
        if self.pending.len() > self.max_line {
            self.pending.clear();
            return Err(DecodeError::TooLong(self.max_line));
        }
        Ok(lines)
    }
}
