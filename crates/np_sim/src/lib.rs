//! The cluster simulator: one process serving the Nomad, Consul and OpenObserve HTTP APIs with their real JSON
//! shapes and state machines, for tests and the local demo.
//!
//! It is driven only through those APIs (plus a `/_sim/` control API for fault injection). Registering a job
//! creates versions, evaluations, deployments and allocations that move through their states on a clock;
//! running allocations serve real HTTP on their dynamic ports, register in the Consul catalog with the job's
//! tags, write stdout and stderr (streamed in Nomad's frame format and ingested into the OpenObserve search),
//! and report resource usage. Every change bumps one index, wakes blocking queries and feeds the event stream.

mod behaviour;
mod clock;
mod config;
mod consul;
mod diff;
mod events;
mod faults;
mod http;
mod logs;
mod o2;
mod scheduler;
mod sql;
mod state;
mod validate;
mod workload;

use std::net::SocketAddr;
use std::sync::Arc;

pub use behaviour::Behaviour;

/// Nomad's handling of job specifications, without a running simulator: HCL2 parsing as `/v1/jobs/parse`
/// does it (Nomad's jobspec2 schema) and the validation Nomad applies when a job is registered.
pub mod jobspec {
    use np_nomad::types::Job;

    /// Parses an HCL2 job specification into the job Nomad would see.
    ///
    /// # Errors
    /// Syntax errors, unknown blocks or arguments, interpolations of unknown variables, functions.
    pub fn parse_hcl(source: &str) -> Result<Job, String> {
        crate::http::parse_hcl(source)
    }

    /// Canonicalizes `job` as registration does (in its own namespace, or `default`) and returns Nomad's
    /// validation errors; empty when Nomad would accept it.
    pub fn validate(job: &Job) -> Vec<String> {
        let mut job = job.clone();
        let namespace = job.namespace.clone().unwrap_or_else(|| "default".into());
        let region = job.region.clone().unwrap_or_else(|| "global".into());
        crate::scheduler::canonicalize(&mut job, &namespace, &region);
        crate::validate::validate(&job)
    }
}
pub use config::{SimConfig, SimNodeConfig};
pub use faults::{Fault, FaultRule};

use state::Shared;

/// A running simulator.
pub struct Simulator {
    shared: Arc<Shared>,
    nomad: SocketAddr,
    consul: SocketAddr,
    openobserve: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Simulator {
    /// Starts the three APIs and the clock. Ports of 0 in `config` pick free ports.
    ///
    /// # Errors
    /// When a listener cannot be bound.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::new(config.clone()));
        let (nomad, nomad_task) = http::serve_nomad(Arc::clone(&shared), config.nomad_addr).await?;
        let (consul, consul_task) =
            http::serve_consul(Arc::clone(&shared), config.consul_addr).await?;
        let (openobserve, o2_task) =
            http::serve_openobserve(Arc::clone(&shared), config.openobserve_addr).await?;
        let clock_task = tokio::spawn(clock::run(Arc::clone(&shared)));
        tracing::info!(%nomad, %consul, %openobserve, "cluster simulator is up");
        Ok(Self {
            shared,
            nomad,
            consul,
            openobserve,
            tasks: vec![nomad_task, consul_task, o2_task, clock_task],
        })
    }

    /// Where the Nomad API listens.
    pub fn nomad_addr(&self) -> SocketAddr {
        self.nomad
    }

    /// Where the Consul API listens.
    pub fn consul_addr(&self) -> SocketAddr {
        self.consul
    }

    /// Where the OpenObserve API listens.
    pub fn openobserve_addr(&self) -> SocketAddr {
        self.openobserve
    }

    /// The base URL of the Nomad API.
    pub fn nomad_url(&self) -> String {
        format!("http://{}", self.nomad)
    }

    /// The base URL of the Consul API.
    pub fn consul_url(&self) -> String {
        format!("http://{}", self.consul)
    }

    /// The base URL of the OpenObserve API.
    pub fn openobserve_url(&self) -> String {
        format!("http://{}", self.openobserve)
    }

    /// How many HTTP connections are open to the simulated Nomad right now (for upstream-economy tests).
    pub fn nomad_connections(&self) -> usize {
        self.shared.nomad_connections()
    }

    /// Adds a fault rule, as `POST /_sim/faults` does.
    pub fn fault(&self, rule: FaultRule) {
        self.shared.write(|c| c.faults.rules.push(rule));
        self.shared.sync_refusals();
    }

    /// Removes every fault rule, as `DELETE /_sim/faults` does.
    pub fn clear_faults(&self) {
        self.shared.write(|c| c.faults.rules.clear());
        self.shared.sync_refusals();
    }

    /// Stops serving and the clock; running workloads stop with them.
    pub fn shutdown(self) {
        for task in &self.tasks {
            task.abort();
        }
        self.shared.stop_workloads();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        self.shared.stop_workloads();
    }
}
