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
    /// Tenant maintenance on the console's host (uses the database and Nomad directly, as a platform admin).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Seed the local demo: the tenant (with its namespace) and its sample apps, skipping what already runs.
    Demo(DemoArgs),
    /// Deploy an np.yaml, OAM Application or app spec through the console's API.
    Deploy(DeployArgs),
    /// Show an app's status through the console's API.
    Status(AppArgs),
    /// Print the end of an app instance's log through the console's API.
    Logs(LogsArgs),
    /// Set the number of instances of an app through the console's API.
    Scale(ScaleArgs),
    /// Stop an app (and with --purge, remove it) through the console's API.
    Stop(StopArgs),
    /// The audit log: verify its chain, show the checkpoint key, sign a checkpoint now.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `np audit …`.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and check it against the signed checkpoints; exits 1 and names the first broken
    /// record when anything was changed, removed, reordered or cut off.
    Verify(VerifyArgs),
    /// Print the public key that verifies the console's checkpoints (64 hex digits).
    PublicKey,
    /// Sign a checkpoint of the chain's head now.
    Checkpoint,
}

/// `np audit verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Verify an NDJSON export offline instead of the database (each record's hash, and the links between
    /// consecutive records).
    #[arg(long, value_name = "FILE")]
    pub export: Option<std::path::PathBuf>,
    /// Also check against the checkpoints in this file (default: the database's checkpoint file when it
    /// exists). Only checkpoints of the chain being checked count; the others are named and set aside.
    #[arg(long, value_name = "FILE")]
    pub checkpoints: Option<std::path::PathBuf>,
    /// With --export: the chain the export comes from (its id, printed by np audit verify). Needed only when
    /// the checkpoints file holds checkpoints of several chains.
    #[arg(long, value_name = "ID")]
    pub chain: Option<uuid::Uuid>,
    /// Check checkpoint signatures with this public key (default: the key of NP_AUDIT_KEY_FILE).
    #[arg(long, value_name = "HEX")]
    pub public_key: Option<String>,
}

/// `np tenant …`.
#[derive(Debug, Clone, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and its Nomad namespace (the first tenant, before anyone can sign in).
    Create(TenantCreateArgs),
    /// Show or change a tenant's platform-owned settings (host suffix, node pool, budget, volumes,
    /// registries); options not given stay as they are.
    Settings(TenantSettingsArgs),
    /// Move apps still running under the first naming scheme (`<tenant>-<app>`) to `<tenant>--<app>`: each
    /// is deployed again under its new name, then its old job is stopped. Safe to run again.
    MigrateNames,
}

/// Options of `np tenant settings`.
#[derive(Debug, Clone, clap::Args)]
pub struct TenantSettingsArgs {
    /// The tenant.
    pub slug: String,
    /// Host names of its apps must end with this (empty: <slug>.<NP_APPS_DOMAIN>).
    #[arg(long)]
    pub host_suffix: Option<String>,
    /// Its Nomad node pool.
    #[arg(long)]
    pub node_pool: Option<String>,
    /// CPU budget in MHz, across its apps at their maximum scale.
    #[arg(long)]
    pub budget_cpu: Option<i64>,
    /// Memory budget in MB.
    #[arg(long)]
    pub budget_memory: Option<i64>,
    /// Instances across its apps.
    #[arg(long)]
    pub budget_instances: Option<i64>,
    /// Host volumes its apps may mount, comma-separated (an empty value allows none).
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    pub volumes: Option<Vec<String>>,
    /// Registries its images may come from, comma-separated (an empty value allows any).
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    pub registries: Option<Vec<String>>,
}

impl TenantSettingsArgs {
    /// Whether any setting was given (without one, the command only shows the settings).
    #[must_use]
    pub fn changes_anything(&self) -> bool {
        self.host_suffix.is_some()
            || self.node_pool.is_some()
            || self.budget_cpu.is_some()
            || self.budget_memory.is_some()
            || self.budget_instances.is_some()
            || self.volumes.is_some()
            || self.registries.is_some()
    }
}

/// Options of `np tenant create`.
#[derive(Debug, Clone, clap::Args)]
pub struct TenantCreateArgs {
    /// The tenant's short name (lower case, digits and dashes).
    pub slug: String,
    /// Its display name.
    #[arg(long)]
    pub name: String,
    /// Host names of its apps must end with this (default: <slug>.<NP_APPS_DOMAIN>).
    #[arg(long, default_value = "")]
    pub host_suffix: String,
    /// Its Nomad node pool.
    #[arg(long, default_value = "default")]
    pub node_pool: String,
    /// Succeed when the tenant already exists (provisioning its namespace again).
    #[arg(long)]
    pub if_missing: bool,
}

/// Options of `np demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// The tenant to seed.
    #[arg(long, default_value = "demo")]
    pub tenant: String,
    /// Its display name.
    #[arg(long, default_value = "Demo")]
    pub name: String,
    /// The apps to deploy.
    #[arg(long, default_value = "examples/demo/np.yaml")]
    pub file: std::path::PathBuf,
}

/// How the command-line client reaches the console.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// The console's address.
    #[arg(long, env = "NP_ADDR", default_value = "http://127.0.0.1:3000")]
    pub addr: String,
    /// An API token (created by a tenant admin in the console).
    #[arg(long, env = "NP_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The tenant.
    #[arg(long, env = "NP_TENANT")]
    pub tenant: String,
}

/// Options of `np deploy`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeployArgs {
    /// The file to deploy (`-` for standard input).
    pub file: std::path::PathBuf,
    /// Which app of a document with several.
    #[arg(long)]
    pub app: Option<String>,
    /// The document's format; told apart by its keys when not given.
    #[arg(long, value_enum)]
    pub format: Option<RenderFormat>,
    /// The console.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// An app, for `np status`.
#[derive(Debug, Clone, clap::Args)]
pub struct AppArgs {
    /// The app's name.
    pub app: String,
    /// Print the answer as JSON.
    #[arg(long)]
    pub json: bool,
    /// The console.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Options of `np logs`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogsArgs {
    /// The app's name.
    pub app: String,
    /// The instance (allocation ID or its first 8 characters); the newest running one by default.
    #[arg(long)]
    pub instance: Option<String>,
    /// Read stderr instead of stdout.
    #[arg(long)]
    pub stderr: bool,
    /// How many bytes from the end.
    #[arg(long, default_value_t = 65536)]
    pub bytes: u64,
    /// The console.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Options of `np scale`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScaleArgs {
    /// The app's name.
    pub app: String,
    /// The number of instances.
    pub count: i64,
    /// The console.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Options of `np stop`.
#[derive(Debug, Clone, clap::Args)]
pub struct StopArgs {
    /// The app's name.
    pub app: String,
    /// Also remove the app from Nomad and free its host names.
    #[arg(long)]
    pub purge: bool,
    /// The console.
    #[command(flatten)]
    pub client: ClientArgs,
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
