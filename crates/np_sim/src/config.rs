//! How a simulator is set up: addresses, clock speed, nodes, credentials.

use std::net::SocketAddr;
use std::time::Duration;

/// One simulated client node.
#[derive(Debug, Clone)]
pub struct SimNodeConfig {
    /// Node name.
    pub name: String,
    /// Datacenter.
    pub datacenter: String,
    /// Node pool.
    pub pool: String,
    /// CPU capacity in MHz.
    pub cpu_mhz: i64,
    /// Memory capacity in MB.
    pub memory_mb: i64,
}

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Nomad API address (port 0: any free port).
    pub nomad_addr: SocketAddr,
    /// Consul API address.
    pub consul_addr: SocketAddr,
    /// OpenObserve API address.
    pub openobserve_addr: SocketAddr,
    /// Nomad region.
    pub region: String,
    /// Nomad durations (min healthy time, deadlines, restart delays) are multiplied by this, so a test sees a
    /// ten-second `min_healthy_time` pass in half a second at 0.05.
    pub time_scale: f64,
    /// How often the clock advances the state machines.
    pub tick: Duration,
    /// How long a task takes to start (pull and launch), before scaling.
    pub start_delay: Duration,
    /// Interval of event-stream heartbeats (Nomad: 30 s).
    pub event_heartbeat: Duration,
    /// Interval of log-stream heartbeats (Nomad: 1 s).
    pub log_heartbeat: Duration,
    /// The nodes.
    pub nodes: Vec<SimNodeConfig>,
    /// OpenObserve organisation.
    pub o2_org: String,
    /// OpenObserve user (HTTP Basic).
    pub o2_user: String,
    /// OpenObserve password.
    pub o2_password: String,
    /// Nomad ACL bootstrap (management) token; `None` runs without ACLs.
    pub acl_management_token: Option<String>,
    /// Nomad's per-client-IP connection limit (`limits.http_max_conns_per_client`); 429 beyond it.
    pub max_conns_per_client: usize,
    /// Seconds between the request-log lines running workloads write.
    pub log_line_interval: Duration,
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            nomad_addr: loopback(),
            consul_addr: loopback(),
            openobserve_addr: loopback(),
            region: "global".into(),
            time_scale: 0.05,
            tick: Duration::from_millis(50),
            start_delay: Duration::from_millis(300),
            event_heartbeat: Duration::from_secs(30),
            log_heartbeat: Duration::from_secs(1),
            nodes: (1..=3)
                .map(|i| SimNodeConfig {
                    name: format!("node-{i}"),
                    datacenter: "dc1".into(),
                    pool: "default".into(),
                    cpu_mhz: 8000,
                    memory_mb: 8192,
                })
                .collect(),
            o2_org: "default".into(),
            o2_user: "root@example.com".into(),
            o2_password: "np-sim-password".into(),
            acl_management_token: None,
            max_conns_per_client: 100,
            log_line_interval: Duration::from_secs(2),
        }
    }
}

impl SimConfig {
    /// Settings for the local demo: realistic pace (a quarter of Nomad's real timings) and fixed ports.
    pub fn demo(nomad_port: u16, consul_port: u16, o2_port: u16) -> Self {
        Self {
            nomad_addr: SocketAddr::from(([127, 0, 0, 1], nomad_port)),
            consul_addr: SocketAddr::from(([127, 0, 0, 1], consul_port)),
            openobserve_addr: SocketAddr::from(([127, 0, 0, 1], o2_port)),
            time_scale: 0.25,
            start_delay: Duration::from_secs(2),
            event_heartbeat: Duration::from_secs(10),
            ..Self::default()
        }
    }

    /// Scales a Nomad duration (nanoseconds) to simulator time.
    pub(crate) fn scaled_nanos(&self, nanos: i64) -> i64 {
        (nanos as f64 * self.time_scale) as i64
    }
}
