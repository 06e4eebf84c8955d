//! Task output: the stdout and stderr files of each allocation's tasks.

use std::collections::HashMap;

/// The most output kept per file; older bytes are dropped as if rotated away.
const MAX_FILE: usize = 512 * 1024;

/// One output file: the bytes still kept and the offset of the first of them.
#[derive(Debug, Default, Clone)]
pub(crate) struct LogFile {
    pub base: u64,
    pub data: Vec<u8>,
}

impl LogFile {
    /// The offset just past the last byte written.
    pub fn end(&self) -> u64 {
        self.base + self.data.len() as u64
    }

    /// The bytes from `offset` on (from the oldest kept, if `offset` was dropped), with their start offset.
    pub fn from(&self, offset: u64) -> (u64, &[u8]) {
        let start = offset.clamp(self.base, self.end());
        (start, &self.data[(start - self.base) as usize..])
    }
}

/// Every task's output, keyed by (allocation, task, `stdout`|`stderr`).
#[derive(Debug, Default)]
pub(crate) struct Logs {
    files: HashMap<(String, String, String), LogFile>,
}

impl Logs {
    pub fn append(&mut self, alloc: &str, task: &str, stream: &str, bytes: &[u8]) {
        let file = self
            .files
            .entry((alloc.to_owned(), task.to_owned(), stream.to_owned()))
            .or_default();
        file.data.extend_from_slice(bytes);
        if file.data.len() > MAX_FILE {
            let excess = file.data.len() - MAX_FILE;
            file.data.drain(..excess);
            file.base += excess as u64;
        }
    }

    pub fn file(&self, alloc: &str, task: &str, stream: &str) -> Option<&LogFile> {
        self.files
            .get(&(alloc.to_owned(), task.to_owned(), stream.to_owned()))
    }

    /// Creates the (empty) files of a task that started.
    pub fn open(&mut self, alloc: &str, task: &str) {
        for stream in ["stdout", "stderr"] {
            self.files
                .entry((alloc.to_owned(), task.to_owned(), stream.to_owned()))
                .or_default();
        }
    }

    /// Forgets a purged allocation's files.
    pub fn remove_alloc(&mut self, alloc: &str) {
        self.files.retain(|(a, _, _), _| a != alloc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_survive_rotation() {
        let mut logs = Logs::default();
        logs.append("a", "web", "stdout", &vec![b'x'; MAX_FILE]);
        logs.append("a", "web", "stdout", b"tail\n");
        let file = logs.file("a", "web", "stdout").unwrap();
        assert_eq!(file.end(), (MAX_FILE + 5) as u64);
        assert_eq!(file.base, 5);
        let (start, bytes) = file.from(0);
        assert_eq!((start, bytes.len()), (5, MAX_FILE));
        assert_eq!(file.from(file.end() - 5).1, b"tail\n");
    }
}
