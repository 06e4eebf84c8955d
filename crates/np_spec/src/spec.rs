//! `AppSpec`: the one model of what a developer may ask for. The form, np.yaml and OAM all become an
//! `AppSpec`; validation, policy and generation work on it alone. It holds no secrets, only references.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::Seconds;
use crate::names::AppName;

/// One app: a container (plus optional sidecars) run as a Nomad job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    /// The app's name within its tenant.
    pub name: AppName,
    /// Long-running service, or worker (no ingress).
    #[serde(default)]
    pub kind: AppKind,
    /// The image, e.g. `ghcr.io/acme/web:1.4.2` or `nginx@sha256:…`.
    pub image: String,
    /// Overrides the image's command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Overrides the image's entrypoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entrypoint: Vec<String>,
    /// Arguments to the command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Working directory inside the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Environment variables (plain values; use `secrets` for secret ones).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Secret environment variables, by reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretRef>,
    /// Ports the container listens on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortSpec>,
    /// Host names and paths routed to the app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    /// How many instances.
    #[serde(default)]
    pub replicas: Replicas,
    /// CPU and memory per instance.
    #[serde(default)]
    pub resources: Resources,
    /// How Nomad and Consul decide an instance is healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthCheck>,
    /// How new versions roll out.
    #[serde(default)]
    pub update: UpdatePolicy,
    /// What happens when the container exits.
    #[serde(default)]
    pub restart: RestartPolicy,
    /// Volumes from the tenant's allow-list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeMount>,
    /// Container runtime; the tenant's default (Podman) when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Runtime>,
    /// Container hardening options.
    #[serde(default)]
    pub container: ContainerOptions,
    /// Helper containers run before or beside the main one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<Sidecar>,
}

/// What kind of app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// A long-running service, usually with routes.
    #[default]
    Service,
    /// A long-running background worker: no routes.
    Worker,
}

/// A secret environment variable, read from Nomad Variables or Vault when the task starts. Written flat:
/// `{env: DB_PASSWORD, from: variable, path: db, key: password}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawSecretRef")]
pub struct SecretRef {
    /// The environment variable to set.
    pub env: String,
    /// Where the value lives.
    #[serde(flatten)]
    pub source: SecretSource,
}

/// A secret reference as written (serde cannot refuse unknown keys next to a flattened enum).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecretRef {
    env: String,
    from: SecretStore,
    #[serde(default)]
    path: Option<String>,
    key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum SecretStore {
    Variable,
    Vault,
}

impl TryFrom<RawSecretRef> for SecretRef {
    type Error = String;

    fn try_from(raw: RawSecretRef) -> Result<Self, String> {
        let source = match raw.from {
            SecretStore::Variable => SecretSource::Variable {
                path: raw.path.unwrap_or_default(),
                key: raw.key,
            },
            SecretStore::Vault => SecretSource::Vault {
                path: raw.path.ok_or(
                    "a vault secret needs the path of the secret below the tenant's prefix",
                )?,
                key: raw.key,
            },
        };
        Ok(Self {
            env: raw.env,
            source,
        })
    }
}

/// Where a secret value lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum SecretSource {
    /// A Nomad Variable under the app's own path (`nomad/jobs/<job>/<path>`).
    Variable {
        /// Path below the app's own variable path (empty: the app's path itself).
        #[serde(default)]
        path: String,
        /// The item in the variable.
        key: String,
    },
    /// A Vault KV v2 secret under the tenant's prefix.
    Vault {
        /// Path below the tenant's Vault prefix.
        path: String,
        /// The key in the secret.
        key: String,
    },
}

/// A port the container listens on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortSpec {
    /// Label (`http`, `metrics`…): lowercase letters, digits and `_`.
    pub name: String,
    /// The port inside the container.
    pub port: u16,
    /// HTTP (routable) or plain TCP.
    #[serde(default)]
    pub protocol: Protocol,
}

/// A port's protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// HTTP: may carry routes.
    #[default]
    Http,
    /// Plain TCP: not routed.
    Tcp,
}

/// A host name (and optional path prefix) routed to one of the app's HTTP ports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Host name, under the tenant's suffix.
    pub host: String,
    /// Only requests under this path (e.g. `/api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The port (default: the first HTTP port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
}

/// Instance count and the bounds scaling may move it within.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replicas {
    /// Instances to run now.
    pub count: u32,
    /// Fewest instances scaling may go to.
    #[serde(default)]
    pub min: Option<u32>,
    /// Most instances scaling may go to.
    #[serde(default)]
    pub max: Option<u32>,
}

impl Default for Replicas {
    fn default() -> Self {
        Self {
            count: 1,
            min: None,
            max: None,
        }
    }
}

impl Replicas {
    /// The lower bound (the count when unset).
    pub fn min(&self) -> u32 {
        self.min.unwrap_or(self.count.min(1))
    }

    /// The upper bound (the count when unset).
    pub fn max(&self) -> u32 {
        self.max.unwrap_or(self.count)
    }
}

/// CPU and memory per instance: a size preset, or exact figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// A preset; `cpu` and `memory` override it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<SizePreset>,
    /// CPU in MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    /// Memory in MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// Memory the instance may burst to, in MB (when the cluster allows oversubscription).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_max: Option<u32>,
}

impl Default for Resources {
    fn default() -> Self {
        Self {
            size: Some(SizePreset::Small),
            cpu: None,
            memory: None,
            memory_max: None,
        }
    }
}

impl Resources {
    /// The effective CPU (MHz) and memory (MB).
    pub fn effective(&self) -> (u32, u32) {
        let (cpu, memory) = self.size.unwrap_or(SizePreset::Small).cpu_memory();
        (self.cpu.unwrap_or(cpu), self.memory.unwrap_or(memory))
    }
}

/// Named sizes, as a share of a 1 GHz core and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizePreset {
    /// 0.25 CPU / 256 MB.
    Xs,
    /// 0.5 CPU / 512 MB.
    Small,
    /// 1 CPU / 1 GB.
    Medium,
    /// 2 CPU / 2 GB.
    Large,
    /// 4 CPU / 4 GB.
    Xl,
}

impl SizePreset {
    /// Every preset, smallest first.
    pub const ALL: [Self; 5] = [Self::Xs, Self::Small, Self::Medium, Self::Large, Self::Xl];

    /// CPU in MHz and memory in MB.
    pub fn cpu_memory(self) -> (u32, u32) {
        match self {
            Self::Xs => (250, 256),
            Self::Small => (500, 512),
            Self::Medium => (1000, 1024),
            Self::Large => (2000, 2048),
            Self::Xl => (4000, 4096),
        }
    }

    /// A label such as `0.5 CPU / 512 MB`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Xs => "0.25 CPU / 256 MB",
            Self::Small => "0.5 CPU / 512 MB",
            Self::Medium => "1 CPU / 1 GB",
            Self::Large => "2 CPU / 2 GB",
            Self::Xl => "4 CPU / 4 GB",
        }
    }

    /// The preset's name in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xs => "xs",
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
            Self::Xl => "xl",
        }
    }
}

/// A health check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum HealthCheck {
    /// An HTTP GET that must answer 2xx.
    Http {
        /// The path, e.g. `/healthz`.
        path: String,
        /// The port (default: the first HTTP port).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<String>,
        /// Time between checks (default 10s).
        #[serde(default = "ten_seconds")]
        interval: Seconds,
        /// Time limit of one check (default 2s).
        #[serde(default = "two_seconds")]
        timeout: Seconds,
    },
    /// A TCP connection that must open.
    Tcp {
        /// The port (default: the first port).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<String>,
        /// Time between checks (default 10s).
        #[serde(default = "ten_seconds")]
        interval: Seconds,
        /// Time limit of one check (default 2s).
        #[serde(default = "two_seconds")]
        timeout: Seconds,
    },
}

fn ten_seconds() -> Seconds {
    Seconds(10)
}

fn two_seconds() -> Seconds {
    Seconds(2)
}

impl HealthCheck {
    /// The port label it checks, if given.
    pub fn port(&self) -> Option<&str> {
        match self {
            Self::Http { port, .. } | Self::Tcp { port, .. } => port.as_deref(),
        }
    }

    /// The same check on `port` (`None`: the app's first port).
    pub fn with_port(self, port: Option<String>) -> Self {
        match self {
            Self::Http {
                path,
                interval,
                timeout,
                ..
            } => Self::Http {
                path,
                port,
                interval,
                timeout,
            },
            Self::Tcp {
                interval, timeout, ..
            } => Self::Tcp {
                port,
                interval,
                timeout,
            },
        }
    }

    /// Its interval and timeout.
    pub fn timing(&self) -> (Seconds, Seconds) {
        match self {
            Self::Http {
                interval, timeout, ..
            }
            | Self::Tcp {
                interval, timeout, ..
            } => (*interval, *timeout),
        }
    }
}

/// How a new version replaces the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    /// Instances replaced at a time.
    #[serde(default = "one")]
    pub max_parallel: u32,
    /// Canary instances started first (0: plain rolling update).
    #[serde(default)]
    pub canaries: u32,
    /// Promote canaries once healthy, without waiting for a person.
    #[serde(default)]
    pub auto_promote: bool,
    /// Roll back to the last good version when the update fails.
    #[serde(default = "yes")]
    pub auto_revert: bool,
    /// Time an instance must stay healthy to count (default 10s).
    #[serde(default = "ten_seconds")]
    pub min_healthy_time: Seconds,
    /// Time an instance has to become healthy (default 5m).
    #[serde(default = "five_minutes")]
    pub healthy_deadline: Seconds,
    /// Time the rollout has to make progress (default 10m).
    #[serde(default = "ten_minutes")]
    pub progress_deadline: Seconds,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

fn five_minutes() -> Seconds {
    Seconds(300)
}

fn ten_minutes() -> Seconds {
    Seconds(600)
}

impl UpdatePolicy {
    /// Whether new versions start with canaries.
    pub fn uses_canaries(&self) -> bool {
        self.canaries > 0
    }
}

impl Default for UpdatePolicy {
    fn default() -> Self {
        Self {
            max_parallel: 1,
            canaries: 0,
            auto_promote: false,
            auto_revert: true,
            min_healthy_time: ten_seconds(),
            healthy_deadline: five_minutes(),
            progress_deadline: ten_minutes(),
        }
    }
}

/// Local restarts, then rescheduling elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartPolicy {
    /// Restarts allowed within `interval` (default 2).
    #[serde(default = "two")]
    pub attempts: u32,
    /// The window (default 30m).
    #[serde(default = "thirty_minutes")]
    pub interval: Seconds,
    /// Wait before a restart (default 15s).
    #[serde(default = "fifteen_seconds")]
    pub delay: Seconds,
    /// Moves to another node after the attempts are used up (default true).
    #[serde(default = "yes")]
    pub reschedule: bool,
}

fn two() -> u32 {
    2
}

fn thirty_minutes() -> Seconds {
    Seconds(1800)
}

fn fifteen_seconds() -> Seconds {
    Seconds(15)
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            attempts: 2,
            interval: thirty_minutes(),
            delay: fifteen_seconds(),
            reschedule: true,
        }
    }
}

/// A volume from the tenant's allow-list mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeMount {
    /// The volume's name (one the tenant may use).
    pub volume: String,
    /// Where it appears in the container.
    pub path: String,
    /// Mount read-only.
    #[serde(default)]
    pub read_only: bool,
}

/// Container runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// Podman (nomad-driver-podman): daemonless, rootless.
    Podman,
    /// Docker.
    Docker,
}

impl Runtime {
    /// The Nomad task driver's name.
    pub fn driver(self) -> &'static str {
        match self {
            Self::Podman => "podman",
            Self::Docker => "docker",
        }
    }
}

/// Container options that harden it without reaching the host.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerOptions {
    /// Run an init process that reaps zombies and forwards signals.
    #[serde(default)]
    pub init: bool,
    /// Mount the root file system read-only.
    #[serde(default)]
    pub read_only_root: bool,
    /// Memory soft limit in MB (Podman only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// Most processes the container may run (default 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids_limit: Option<u32>,
    /// In-memory file systems at these paths (Podman only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
}

/// A helper container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Its name within the app.
    pub name: String,
    /// Its image.
    pub image: String,
    /// Overrides the image's command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// When it runs.
    pub lifecycle: Lifecycle,
    /// CPU in MHz (default 100).
    #[serde(default = "hundred")]
    pub cpu: u32,
    /// Memory in MB (default 128).
    #[serde(default = "hundred_twenty_eight")]
    pub memory: u32,
}

fn hundred() -> u32 {
    100
}

fn hundred_twenty_eight() -> u32 {
    128
}

/// When a sidecar runs relative to the main container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Runs to completion before the main container starts (migrations, setup).
    Prestart,
    /// Starts before the main container and keeps running beside it.
    PrestartSidecar,
    /// Starts after the main container and keeps running beside it.
    Poststart,
}

impl AppSpec {
    /// A minimal spec: `name` running `image` with one HTTP port and a route.
    pub fn web(name: AppName, image: &str, port: u16, host: &str) -> Self {
        Self {
            name,
            kind: AppKind::Service,
            image: image.to_owned(),
            command: None,
            entrypoint: Vec::new(),
            args: Vec::new(),
            working_dir: None,
            env: BTreeMap::new(),
            secrets: Vec::new(),
            ports: vec![PortSpec {
                name: "http".into(),
                port,
                protocol: Protocol::Http,
            }],
            routes: vec![Route {
                host: host.to_owned(),
                path: None,
                port: None,
            }],
            replicas: Replicas::default(),
            resources: Resources::default(),
            health: Some(HealthCheck::Http {
                path: "/".into(),
                port: None,
                interval: ten_seconds(),
                timeout: two_seconds(),
            }),
            update: UpdatePolicy::default(),
            restart: RestartPolicy::default(),
            volumes: Vec::new(),
            runtime: None,
            container: ContainerOptions::default(),
            sidecars: Vec::new(),
        }
    }

    /// The first HTTP port, which routes and checks use by default.
    pub fn primary_port(&self) -> Option<&PortSpec> {
        self.ports
            .iter()
            .find(|p| p.protocol == Protocol::Http)
            .or_else(|| self.ports.first())
    }
}
