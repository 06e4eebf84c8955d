//! The deploy form's state: what the user typed, as text, and its conversion into an `AppSpec`. Numbers stay
//! text until converted, so a half-typed value is shown as typed and reported next to its field, under the
//! same field names validation uses (`replicas.count`, `routes[0].host`, `env.DB_URL`).

use serde::{Deserialize, Serialize};

use crate::duration::Seconds;
use crate::spec::{ContainerOptions, RestartPolicy, Sidecar};

/// A port row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRow {
    /// Label.
    pub name: String,
    /// Container port, as typed.
    pub port: String,
    /// `http` or `tcp`.
    pub protocol: String,
}

/// A route row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    /// Host name.
    pub host: String,
    /// Path prefix (empty: all paths).
    pub path: String,
    /// Port label (empty: the first HTTP port).
    pub port: String,
}

/// An environment variable row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvRow {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A secret row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRow {
    /// Environment variable.
    pub env: String,
    /// `variable` or `vault`.
    pub from: String,
    /// Path.
    pub path: String,
    /// Key.
    pub key: String,
}

/// A volume row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeRow {
    /// Volume name.
    pub volume: String,
    /// Mount path.
    pub path: String,
    /// Read-only.
    pub read_only: bool,
}

/// Everything on the deploy form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployForm {
    /// App name.
    pub name: String,
    /// `service` or `worker`.
    pub kind: String,
    /// Image reference.
    pub image: String,
    /// Entrypoint override, one part per line.
    pub entrypoint: String,
    /// Command override.
    pub command: String,
    /// Arguments, one per line.
    pub args: String,
    /// Working directory.
    pub working_dir: String,
    /// Ports.
    pub ports: Vec<PortRow>,
    /// Routes.
    pub routes: Vec<RouteRow>,
    /// Environment.
    pub env: Vec<EnvRow>,
    /// Secrets.
    pub secrets: Vec<SecretRow>,
    /// Instances.
    pub replicas: String,
    /// Scaling lower bound (empty: none).
    pub min: String,
    /// Scaling upper bound (empty: the count).
    pub max: String,
    /// A size preset name, or `custom`.
    pub size: String,
    /// CPU in MHz, with `custom`.
    pub cpu: String,
    /// Memory in MB, with `custom`.
    pub memory: String,
    /// `none`, `http` or `tcp`.
    pub health: String,
    /// HTTP check path.
    pub health_path: String,
    /// Check interval.
    pub health_interval: String,
    /// Check timeout.
    pub health_timeout: String,
    /// Canary instances.
    pub canaries: String,
    /// Promote canaries automatically.
    pub auto_promote: bool,
    /// Roll back failed updates.
    pub auto_revert: bool,
    /// Instances replaced at once.
    pub max_parallel: String,
    /// `default`, `podman` or `docker`.
    pub runtime: String,
    /// Volumes.
    pub volumes: Vec<VolumeRow>,
    /// Run an init process.
    pub init: bool,
    /// Read-only root file system.
    pub read_only_root: bool,
    /// What the app had that the form has no control for, carried into the spec unchanged when the form was
    /// filled from one (an edit must never drop what it does not show).
    #[serde(default)]
    pub unshown: Option<Unshown>,
}

/// The parts of a spec the form does not show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unshown {
    /// The update timings.
    pub min_healthy_time: Seconds,
    /// The update timings.
    pub healthy_deadline: Seconds,
    /// The update timings.
    pub progress_deadline: Seconds,
    /// The restart policy.
    pub restart: RestartPolicy,
    /// Burst memory.
    pub memory_max: Option<u32>,
    /// The container options (the form shows `init` and `read_only_root`).
    pub container: ContainerOptions,
    /// Helper containers.
    pub sidecars: Vec<Sidecar>,
    /// The health check's port, when not the first.
    pub health_port: Option<String>,
}

impl Default for DeployForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            kind: "service".into(),
            image: String::new(),
            entrypoint: String::new(),
            command: String::new(),
            args: String::new(),
            working_dir: String::new(),
            ports: vec![PortRow {
                name: "http".into(),
                port: "8080".into(),
                protocol: "http".into(),
            }],
            routes: vec![RouteRow::default()],
            env: Vec::new(),
            secrets: Vec::new(),
            replicas: "1".into(),
            min: String::new(),
            max: String::new(),
            size: "small".into(),
            cpu: String::new(),
            memory: String::new(),
            health: "http".into(),
            health_path: "/".into(),
            health_interval: "10s".into(),
            health_timeout: "2s".into(),
            canaries: "0".into(),
            auto_promote: false,
            auto_revert: true,
            max_parallel: "1".into(),
            runtime: "default".into(),
            volumes: Vec::new(),
            init: false,
            read_only_root: false,
            unshown: None,
        }
    }
}

mod from_spec;
mod to_spec;
