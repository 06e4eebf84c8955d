//! The deploy form's state: what the user typed, as text, and its conversion into an `AppSpec`. Numbers stay
//! text until converted, so a half-typed value is shown as typed and reported next to its field, under the
//! same field names validation uses (`replicas.count`, `routes[0].host`, `env.DB_URL`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::Seconds;
use crate::error::FieldError;
use crate::names::AppName;
use crate::spec::{
    AppKind, AppSpec, ContainerOptions, HealthCheck, PortSpec, Protocol, Replicas, Resources,
    RestartPolicy, Route, Runtime, SecretRef, SecretSource, SizePreset, UpdatePolicy, VolumeMount,
};

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
        }
    }
}

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
        Ok(AppSpec {
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
        })
    }

    /// A form showing `spec` (from a file), for further editing. Fields the form has no control for
    /// (sidecars, the restart policy, update deadlines, burst memory, some container options) are not
    /// carried over.
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[cfg(feature = "parse")]
    #[test]
    fn a_spec_shown_in_the_form_converts_back_to_itself() {
        let spec = crate::parse::parse(include_str!("../../../examples/shop.spec.yaml"))
            .unwrap()
            .apps
            .remove(0)
            .spec;
        let mut back = DeployForm::from_spec(&spec).to_spec().unwrap();
        // What the form does not edit is not carried over.
        assert_ne!(back, spec);
        back.sidecars.clone_from(&spec.sidecars);
        back.container = spec.container.clone();
        back.resources.memory_max = spec.resources.memory_max;
        assert_eq!(back, spec);
    }
}
