//! The form as an app spec: every field read, every error named by the spec field it belongs to.

use std::collections::BTreeMap;

use super::DeployForm;
use crate::duration::Seconds;
use crate::error::FieldError;
use crate::names::AppName;
use crate::spec::*;

struct Conv {
    errors: Vec<FieldError>,
}

impl Conv {
    fn number(&mut self, field: &str, text: &str) -> Option<u32> {
        let text = text.trim();
        match text.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) if text.is_empty() => {
                self.errors.push(FieldError::new(field, "is required"));
                None
            }
            Err(_) => {
                self.errors
                    .push(FieldError::new(field, "must be a whole number"));
                None
            }
        }
    }

    fn optional_number(&mut self, field: &str, text: &str) -> Option<u32> {
        if text.trim().is_empty() {
            None
        } else {
            self.number(field, text)
        }
    }

    fn duration(&mut self, field: &str, text: &str) -> Seconds {
        match Seconds::parse(text.trim()) {
            Ok(s) => s,
            Err(e) => {
                self.errors.push(FieldError::new(field, e));
                Seconds(0)
            }
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::to_owned)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

fn optional(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_owned())
}

impl DeployForm {
    /// The spec the form describes, or every field that cannot be read (validation comes after).
    ///
    /// # Errors
    /// Unreadable fields: names, numbers, durations, repeated environment names.
    pub fn to_spec(&self) -> Result<AppSpec, Vec<FieldError>> {
        let mut c = Conv { errors: Vec::new() };
        let name = AppName::parse(self.name.trim())
            .map_err(|e| c.errors.push(FieldError::new("name", e.to_string())))
            .ok();
        let kind = if self.kind == "worker" {
            AppKind::Worker
        } else {
            AppKind::Service
        };
        let mut ports = Vec::new();
        for (i, row) in self.ports.iter().enumerate() {
            let port = c.number(&format!("ports[{i}].port"), &row.port);
            let port = port.and_then(|p| {
                u16::try_from(p)
                    .map_err(|_| {
                        c.errors.push(FieldError::new(
                            format!("ports[{i}].port"),
                            "must be between 1 and 65535",
                        ));
                    })
                    .ok()
            });
            ports.push(PortSpec {
                name: row.name.trim().to_owned(),
                port: port.unwrap_or(0),
                protocol: if row.protocol == "tcp" {
                    Protocol::Tcp
                } else {
                    Protocol::Http
                },
            });
        }
        let routes = self
            .routes
            .iter()
            .filter(|r| kind == AppKind::Service || !r.host.trim().is_empty())
            .map(|r| Route {
                host: r.host.trim().to_owned(),
                path: optional(r.path.trim()),
                port: optional(r.port.trim()),
            })
            .collect();
        let mut env = BTreeMap::new();
        for (i, row) in self.env.iter().enumerate() {
            let key = row.name.trim();
            if key.is_empty() && row.value.is_empty() {
                continue;
            }
            if env.insert(key.to_owned(), row.value.clone()).is_some() {
                c.errors.push(FieldError::new(
                    format!("env.{key}"),
                    format!("{key} is set twice (row {})", i + 1),
                ));
            }
        }
        let secrets = self
            .secrets
            .iter()
            .map(|row| SecretRef {
                env: row.env.trim().to_owned(),
                source: if row.from == "vault" {
                    SecretSource::Vault {
                        path: row.path.trim().to_owned(),
                        key: row.key.trim().to_owned(),
                    }
                } else {
                    SecretSource::Variable {
                        path: row.path.trim().to_owned(),
                        key: row.key.trim().to_owned(),
                    }
                },
            })
            .collect();
        let count = c.number("replicas.count", &self.replicas).unwrap_or(1);
        let replicas = Replicas {
            count,
            min: c.optional_number("replicas.min", &self.min),
            max: c.optional_number("replicas.max", &self.max),
        };
        let resources = if self.size == "custom" {
            Resources {
                size: None,
                cpu: c.number("resources.cpu", &self.cpu),
                memory: c.number("resources.memory", &self.memory),
                memory_max: None,
            }
        } else {
            let size = SizePreset::ALL
                .into_iter()
                .find(|p| p.as_str() == self.size)
                .unwrap_or(SizePreset::Small);
            Resources {
                size: Some(size),
                ..Resources::default()
            }
        };
        let health = match self.health.as_str() {
            "http" => Some(HealthCheck::Http {
                path: self.health_path.trim().to_owned(),
                port: None,
                interval: c.duration("health.interval", &self.health_interval),
                timeout: c.duration("health.timeout", &self.health_timeout),
            }),
            "tcp" => Some(HealthCheck::Tcp {
                port: None,
                interval: c.duration("health.interval", &self.health_interval),
                timeout: c.duration("health.timeout", &self.health_timeout),
            }),
            _ => None,
        };
        let update = UpdatePolicy {
            max_parallel: c
                .number("update.max_parallel", &self.max_parallel)
                .unwrap_or(1),
            canaries: c.number("update.canaries", &self.canaries).unwrap_or(0),
            auto_promote: self.auto_promote,
            auto_revert: self.auto_revert,
            ..UpdatePolicy::default()
        };
        let runtime = match self.runtime.as_str() {
            "podman" => Some(Runtime::Podman),
            "docker" => Some(Runtime::Docker),
            _ => None,
        };
        let volumes = self
            .volumes
            .iter()
            .map(|v| VolumeMount {
                volume: v.volume.trim().to_owned(),
                path: v.path.trim().to_owned(),
                read_only: v.read_only,
            })
            .collect();
        let (Some(name), true) = (name, c.errors.is_empty()) else {
            return Err(c.errors);
        };
        let mut spec = AppSpec {
            name,
            kind,
            image: self.image.trim().to_owned(),
            command: optional(self.command.trim()),
            entrypoint: lines(&self.entrypoint),
            args: lines(&self.args),
            working_dir: optional(self.working_dir.trim()),
            env,
            secrets,
            ports: if kind == AppKind::Worker && self.ports.iter().all(|p| p.port.is_empty()) {
                Vec::new()
            } else {
                ports
            },
            routes,
            replicas,
            resources,
            health,
            update,
            restart: RestartPolicy::default(),
            volumes,
            runtime,
            container: ContainerOptions {
                init: self.init,
                read_only_root: self.read_only_root,
                ..ContainerOptions::default()
            },
            sidecars: Vec::new(),
        };
        if let Some(kept) = &self.unshown {
            spec.update.min_healthy_time = kept.min_healthy_time;
            spec.update.healthy_deadline = kept.healthy_deadline;
            spec.update.progress_deadline = kept.progress_deadline;
            spec.restart = kept.restart;
            spec.resources.memory_max = kept.memory_max;
            spec.container = ContainerOptions {
                init: self.init,
                read_only_root: self.read_only_root,
                ..kept.container.clone()
            };
            spec.sidecars = kept.sidecars.clone();
            if let Some(port) = &kept.health_port {
                spec.health = spec.health.map(|h| h.with_port(Some(port.clone())));
            }
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{EnvRow, RouteRow};

    fn filled() -> DeployForm {
        DeployForm {
            name: "web".into(),
            image: "nginx:1.27".into(),
            routes: vec![RouteRow {
                host: "web.acme.apps.example.com".into(),
                ..RouteRow::default()
            }],
            env: vec![EnvRow {
                name: "LOG".into(),
                value: "info".into(),
            }],
            ..DeployForm::default()
        }
    }

    #[test]
    fn a_filled_form_is_a_spec() {
        let spec = filled().to_spec().unwrap();
        assert_eq!(spec.name.as_str(), "web");
        assert_eq!(spec.ports[0].port, 8080);
        assert_eq!(spec.routes[0].path, None);
        assert_eq!(spec.env["LOG"], "info");
        assert_eq!(spec.resources.effective(), (500, 512));
    }

    #[test]
    fn unreadable_fields_are_reported_under_spec_names() {
        let mut form = filled();
        form.name = "Web App".into();
        form.replicas = "two".into();
        form.ports[0].port = "70000".into();
        form.health_interval = "soon".into();
        form.env.push(EnvRow {
            name: "LOG".into(),
            value: "debug".into(),
        });
        let errors = form.to_spec().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "ports[0].port",
                "env.LOG",
                "replicas.count",
                "health.interval"
            ]
        );
    }
}
