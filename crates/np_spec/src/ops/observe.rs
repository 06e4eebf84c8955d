//! Logs, metrics and services: what the app says, uses and serves.

use serde::{Deserialize, Serialize};

/// One log line from the history search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// When, Unix microseconds.
    pub time_us: i64,
    /// The instance (allocation ID).
    pub instance: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The line.
    pub message: String,
}

/// A chunk of a live log tail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogChunk {
    /// The text (may end mid-line).
    pub text: String,
    /// Output was skipped before this chunk (the viewer fell behind a flood).
    pub skipped: bool,
}

/// CPU and memory per instance over time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// `openobserve` (history) or `nomad` (samples taken while watched).
    pub source: String,
    /// CPU, percent of one core.
    pub cpu: Vec<Series>,
    /// Memory, MiB.
    pub memory: Vec<Series>,
}

/// One instance's samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The instance (allocation ID).
    pub instance: String,
    /// (Unix seconds, value).
    pub points: Vec<(f64, f64)>,
}

/// The app's services in Consul and the routes Traefik serves for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesView {
    /// Each service, with its instances.
    pub services: Vec<ServiceView>,
    /// The URLs the app's routes serve.
    pub routes: Vec<RouteView>,
}

/// One service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceView {
    /// Its name in Consul.
    pub name: String,
    /// Its instances.
    pub instances: Vec<ServiceInstanceView>,
}

/// One registered instance of a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInstanceView {
    /// Consul's service ID.
    pub id: String,
    /// Node.
    pub node: String,
    /// Address and port.
    pub address: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `passing`, `warning` or `critical` (the worst of its checks).
    pub status: String,
    /// Its checks.
    pub checks: Vec<CheckView>,
}

/// One health check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    /// Name.
    pub name: String,
    /// `passing`, `warning` or `critical`.
    pub status: String,
    /// Its last output.
    pub output: String,
}

/// One route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteView {
    /// The URL.
    pub url: String,
    /// The Traefik rule.
    pub rule: String,
    /// Whether it is the canary host.
    pub canary: bool,
}
