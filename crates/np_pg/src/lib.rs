//! A private PostgreSQL cluster for the local console and the test suite.
//!
//! When `DATABASE_URL` is not given, the console initialises a cluster under its data folder with the Debian
//! PostgreSQL binaries, starts it on a free loopback port with password authentication, and stops it again on
//! shutdown. PostgreSQL refuses to run as root, so under root the server processes run as the `postgres` user.

mod binaries;
mod cluster;
mod privileges;

pub use binaries::find_bin_dir;
pub use cluster::{Cluster, ClusterOptions};

use std::path::PathBuf;

/// Everything that can go wrong while preparing, starting or stopping a private cluster.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// No PostgreSQL server binaries were found.
    #[error(
        "PostgreSQL server binaries not found (looked in NP_PG_BIN_DIR, /usr/lib/postgresql/*/bin and PATH); \
         install the Debian package `postgresql` or set DATABASE_URL"
    )]
    BinariesNotFound,
    /// The process runs as root and there is no unprivileged user to run PostgreSQL as.
    #[error(
        "running as root, but there is no `postgres` user to run PostgreSQL as; install `postgresql`"
    )]
    NoServiceUser,
    /// A PostgreSQL tool exited with an error.
    #[error("`{command}` failed ({status}): {output}")]
    Command {
        /// The tool and its main argument.
        command: String,
        /// How it exited.
        status: String,
        /// What it printed (stderr, or the server log for a failed start).
        output: String,
    },
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The cluster's state file is unreadable.
    #[error("{path}: corrupt cluster state: {source}")]
    State {
        /// The state file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
}

impl PgError {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
