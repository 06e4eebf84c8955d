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
    /// Turn an app description (app spec, np.yaml or OAM) into the Nomad job the console would submit, as
    /// JSON (the register body) or HCL. For CI pipelines and reviews; talks to nothing.
    Render(Box<RenderArgs>),
}

/// Options of `np render`.
#[derive(Debug, Clone, clap::Args)]
pub struct RenderArgs {
    /// The file to read (`-` for standard input).
    pub file: std::path::PathBuf,
    /// The tenant the app belongs to: its namespace, host suffix and job-name prefix.
    #[arg(long)]
    pub tenant: String,
    /// What to print: the register body (json), the job as HCL (hcl), or the Traefik host names (hosts).
    #[arg(long, value_enum, default_value_t = RenderOutput::Json)]
    pub output: RenderOutput,
    /// The document's format; told apart by its top-level keys when not given.
    #[arg(long, value_enum)]
    pub format: Option<RenderFormat>,
    /// Which app of a document with several (np.yaml services, OAM components).
    #[arg(long)]
    pub app: Option<String>,
    /// Write every app to `<job>.json` and `<job>.nomad.hcl` in this folder instead of printing one.
    #[arg(long)]
    pub out_dir: Option<std::path::PathBuf>,
    /// The platform's apps domain (the tenant's host suffix is `<tenant>.<domain>`); NP_APPS_DOMAIN when
    /// not given.
    #[arg(long)]
    pub apps_domain: Option<String>,
    /// The tenant's node pool.
    #[arg(long, default_value = "default")]
    pub node_pool: String,
    /// The Nomad region.
    #[arg(long, default_value = "global")]
    pub region: String,
    /// Datacenters the tenant's jobs may run in (repeatable).
    #[arg(long = "datacenter", default_value = "*")]
    pub datacenters: Vec<String>,
    /// Host volumes the tenant may mount (repeatable).
    #[arg(long = "allow-volume")]
    pub allow_volumes: Vec<String>,
    /// Registries or registry prefixes images may come from (repeatable; none means any).
    #[arg(long = "allow-registry")]
    pub allow_registries: Vec<String>,
    /// The tenant's Vault KV prefix, e.g. kv/data/tenants/acme (enables vault secrets).
    #[arg(long)]
    pub vault_prefix: Option<String>,
}

/// `np render --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RenderOutput {
    /// `{"Job": …}`, the body of `PUT /v1/jobs`.
    Json,
    /// The job as HCL2.
    Hcl,
    /// The host names the app's routes claim, one per line.
    Hosts,
}

/// `np render --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RenderFormat {
    /// An app spec (the API's and the deploy form's format), YAML or JSON.
    Spec,
    /// np.yaml.
    NpYaml,
    /// An OAM core.oam.dev/v1beta1 Application.
    Oam,
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
