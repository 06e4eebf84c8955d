//! Building the upstream clients from the configuration.

use np_consul::{Consul, ConsulConfig};
use np_domain::Upstreams;
use np_nomad::{Nomad, NomadConfig};
use np_openobserve::{OpenObserve, OpenObserveConfig};

use crate::config::Config;

/// The clients for every configured upstream, with the platform's credentials.
///
/// # Errors
/// When an address cannot be used as a base URL.
pub fn build(config: &Config) -> anyhow::Result<Upstreams> {
    let nomad = config
        .nomad
        .as_ref()
        .map(|n| {
            Nomad::new(NomadConfig {
                address: n.address.clone(),
                token: n.token.clone(),
                region: n.region.clone(),
                timeout: config.upstream_timeout,
                max_connections: n.max_connections,
            })
        })
        .transpose()?;
    let consul = config
        .consul
        .as_ref()
        .map(|c| {
            let mut settings = ConsulConfig::new(c.address.clone());
            settings.token.clone_from(&c.token);
            settings.timeout = config.upstream_timeout;
            Consul::new(settings)
        })
        .transpose()?;
    let openobserve = config
        .openobserve
        .as_ref()
        .map(|o| {
            OpenObserve::new(OpenObserveConfig {
                address: o.address.clone(),
                org: o.org.clone(),
                user: o.user.clone(),
                password: o.password.clone(),
                timeout: config.upstream_timeout,
                max_connections: 16,
            })
        })
        .transpose()?;
    Ok(Upstreams {
        nomad_acl: config.nomad.as_ref().is_some_and(|n| n.token.is_some()),
        nomad,
        consul,
        openobserve,
    })
}
