//! `np sim`: the cluster simulator as a process of its own, for the local demo.

use anyhow::Context;
use np_sim::{SimConfig, SimNodeConfig, Simulator};

use crate::cli::SimArgs;

/// Runs the simulator until SIGINT or SIGTERM.
///
/// # Errors
/// When a port is taken.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let mut config = SimConfig::demo(args.nomad_port, args.consul_port, args.openobserve_port);
    config.time_scale = args.time_scale;
    config.nodes = (1..=args.nodes.max(1))
        .map(|i| SimNodeConfig {
            name: format!("node-{i}"),
            datacenter: "dc1".into(),
            pool: "default".into(),
            cpu_mhz: 8000,
            memory_mb: 16_384,
        })
        .collect();
    let simulator = Simulator::start(config).await.with_context(|| {
        format!(
            "starting the simulator on ports {}, {} and {}",
            args.nomad_port, args.consul_port, args.openobserve_port
        )
    })?;
    println!("NP_NOMAD_ADDR={}", simulator.nomad_url());
    println!("NP_CONSUL_ADDR={}", simulator.consul_url());
    println!("NP_OPENOBSERVE_URL={}", simulator.openobserve_url());
    crate::serve::shutdown_signal().await;
    simulator.shutdown();
    Ok(())
}
