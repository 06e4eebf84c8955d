//! An app spec shown in the form: what the form has a control for in its fields, the rest kept aside.

use super::*;
use crate::spec::*;

impl DeployForm {
    /// A form showing `spec` (from a file, or the app as Nomad runs it), for further editing. Fields the form
    /// has no control for (sidecars, the restart policy, update deadlines, burst memory, some container options)
    /// are kept aside and carried into the spec again unchanged.
    pub fn from_spec(spec: &AppSpec) -> Self {
        let (interval, timeout) = spec
            .health
            .as_ref()
            .map_or((Seconds(10), Seconds(2)), HealthCheck::timing);
        Self {
            name: spec.name.to_string(),
            kind: match spec.kind {
                AppKind::Service => "service".into(),
                AppKind::Worker => "worker".into(),
            },
            image: spec.image.clone(),
            entrypoint: spec.entrypoint.join("\n"),
            command: spec.command.clone().unwrap_or_default(),
            args: spec.args.join("\n"),
            working_dir: spec.working_dir.clone().unwrap_or_default(),
            ports: spec
                .ports
                .iter()
                .map(|p| PortRow {
                    name: p.name.clone(),
                    port: p.port.to_string(),
                    protocol: match p.protocol {
                        Protocol::Http => "http".into(),
                        Protocol::Tcp => "tcp".into(),
                    },
                })
                .collect(),
            routes: spec
                .routes
                .iter()
                .map(|r| RouteRow {
                    host: r.host.clone(),
                    path: r.path.clone().unwrap_or_default(),
                    port: r.port.clone().unwrap_or_default(),
                })
                .collect(),
            env: spec
                .env
                .iter()
                .map(|(name, value)| EnvRow {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
            secrets: spec
                .secrets
                .iter()
                .map(|s| {
                    let (from, path, key) = match &s.source {
                        SecretSource::Variable { path, key } => ("variable", path, key),
                        SecretSource::Vault { path, key } => ("vault", path, key),
                    };
                    SecretRow {
                        env: s.env.clone(),
                        from: from.into(),
                        path: path.clone(),
                        key: key.clone(),
                    }
                })
                .collect(),
            replicas: spec.replicas.count.to_string(),
            min: spec.replicas.min.map(|n| n.to_string()).unwrap_or_default(),
            max: spec.replicas.max.map(|n| n.to_string()).unwrap_or_default(),
            size: match (
                spec.resources.size,
                spec.resources.cpu,
                spec.resources.memory,
            ) {
                (Some(size), None, None) => size.as_str().into(),
                _ => "custom".into(),
            },
            cpu: spec.resources.effective().0.to_string(),
            memory: spec.resources.effective().1.to_string(),
            health: match &spec.health {
                None => "none".into(),
                Some(HealthCheck::Http { .. }) => "http".into(),
                Some(HealthCheck::Tcp { .. }) => "tcp".into(),
            },
            health_path: match &spec.health {
                Some(HealthCheck::Http { path, .. }) => path.clone(),
                _ => "/".into(),
            },
            health_interval: interval.to_string(),
            health_timeout: timeout.to_string(),
            canaries: spec.update.canaries.to_string(),
            auto_promote: spec.update.auto_promote,
            auto_revert: spec.update.auto_revert,
            max_parallel: spec.update.max_parallel.to_string(),
            runtime: match spec.runtime {
                None => "default".into(),
                Some(r) => r.driver().into(),
            },
            volumes: spec
                .volumes
                .iter()
                .map(|v| VolumeRow {
                    volume: v.volume.clone(),
                    path: v.path.clone(),
                    read_only: v.read_only,
                })
                .collect(),
            init: spec.container.init,
            read_only_root: spec.container.read_only_root,
            unshown: Some(Unshown {
                min_healthy_time: spec.update.min_healthy_time,
                healthy_deadline: spec.update.healthy_deadline,
                progress_deadline: spec.update.progress_deadline,
                restart: spec.restart,
                memory_max: spec.resources.memory_max,
                container: spec.container.clone(),
                sidecars: spec.sidecars.clone(),
                health_port: spec
                    .health
                    .as_ref()
                    .and_then(|h| h.port().map(str::to_owned)),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "parse")]
    #[test]
    fn a_spec_shown_in_the_form_converts_back_to_itself() {
        let spec = crate::parse::parse(include_str!("../../../../examples/shop.spec.yaml"))
            .unwrap()
            .apps
            .remove(0)
            .spec;
        // What the form does not show is carried through unchanged.
        let back = DeployForm::from_spec(&spec).to_spec().unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn an_edit_keeps_what_the_form_does_not_show() {
        let spec: AppSpec = serde_json::from_value(serde_json::json!({
            "name": "web", "image": "nginx:1.27",
            "ports": [{"name": "http", "port": 8080}, {"name": "admin", "port": 9000}],
            "health": {"type": "http", "path": "/healthz", "port": "admin"},
            "update": {"min_healthy_time": "2s", "healthy_deadline": "8s", "progress_deadline": "20s"},
            "restart": {"attempts": 5, "interval": "1m", "delay": "3s", "reschedule": false},
            "resources": {"size": "small", "memory_max": 1024},
            "container": {"pids_limit": 100, "tmpfs": ["/tmp"]},
            "sidecars": [{"name": "log", "image": "busybox:1.37", "lifecycle": "poststart"}]
        }))
        .unwrap();
        let mut form = DeployForm::from_spec(&spec);
        form.image = "nginx:1.28".into();
        let edited = form.to_spec().unwrap();
        assert_eq!(edited.image, "nginx:1.28");
        assert_eq!(
            AppSpec {
                image: spec.image.clone(),
                ..edited
            },
            spec
        );
    }
}
