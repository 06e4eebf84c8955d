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
    /// Run the cluster simulator: Nomad, Consul and OpenObserve APIs on loopback, for the local demo.
    Sim(SimArgs),
}

/// Options of `np sim`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Port of the simulated Nomad API.
    #[arg(long, default_value_t = 4646)]
    pub nomad_port: u16,
    /// Port of the simulated Consul API.
    #[arg(long, default_value_t = 8500)]
    pub consul_port: u16,
    /// Port of the simulated OpenObserve API.
    #[arg(long, default_value_t = 5080)]
    pub openobserve_port: u16,
    /// Multiplies Nomad's timings (deadlines, healthy times, restart delays): 1.0 is real time.
    #[arg(long, default_value_t = 0.25)]
    pub time_scale: f64,
    /// Number of simulated client nodes.
    #[arg(long, default_value_t = 3)]
    pub nodes: usize,
}
