//! What the domain's integration tests share: services over a test database and the cluster simulator.

use np_domain::{Platform, Services, Upstreams};
use np_nomad::{Nomad, NomadConfig};
use sqlx::PgPool;

/// Services over `pool`, with the simulator's Nomad and Consul (the simulator runs while it is kept).
pub async fn services_with_simulator(pool: PgPool) -> (Services, np_sim::Simulator) {
    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let services = Services {
        db: pool,
        upstreams: Upstreams {
            nomad: Some(Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap()),
            consul: Some(
                np_consul::Consul::new(np_consul::ConsulConfig::new(
                    sim.consul_url().parse().unwrap(),
                ))
                .unwrap(),
            ),
            ..Upstreams::default()
        },
        platform: Platform::default(),
        live: np_domain::live::Hub::new(),
        audit: std::sync::Arc::new(np_domain::audit::chain::Keys::ephemeral()),
    };
    (services, sim)
}
