//! The `np` command line: the console server and its maintenance commands.

use clap::{Parser, Subcommand};

/// np: a self-service platform on Nomad.
#[derive(Debug, Parser)]
#[command(name = "np", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the console (configured by environment variables; see docs/CONFIGURATION.md).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the effective configuration, with secrets redacted.
    Config,
}
