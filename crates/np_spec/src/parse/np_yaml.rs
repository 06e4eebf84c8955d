//! np.yaml: a repository's description of its services, as in
//!
//! ```yaml
//! services:
//!   - name: legacy-app
//!     type: container
//!     source: my-image:latest
//!     runtime: docker
//! ```
//!
//! Each service becomes one app. Fields follow the app spec's names, with shorthands for the common cases
//! (`port`, `domains`, `health_check: /healthz`, `replicas: 3`, `size`/`cpu`/`memory`). The full reference is
//! `docs/NP_YAML.md`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::yaml::{self, lenient};
use super::{Document, Format, ParsedApp};
use crate::duration::Seconds;
use crate::error::{FieldError, FieldErrors};
use crate::names::AppName;
use crate::spec::{
    AppKind, AppSpec, ContainerOptions, HealthCheck, PortSpec, Protocol, Replicas, Resources,
    RestartPolicy, Route, Runtime, SecretRef, Sidecar, SizePreset, UpdatePolicy, VolumeMount,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    version: Option<u32>,
    services: Vec<Service>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Service {
    name: AppName,
    #[serde(rename = "type", default)]
    kind: ServiceType,
    source: String,
    #[serde(default)]
    runtime: Option<Runtime>,
    #[serde(default, deserialize_with = "lenient::option")]
    command: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    entrypoint: Vec<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    args: Vec<String>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default, deserialize_with = "lenient::map")]
    env: BTreeMap<String, String>,
    #[serde(default)]
    secrets: Vec<SecretRef>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    ports: Vec<PortSpec>,
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    routes: Vec<Route>,
    #[serde(default)]
    health_check: Option<Health>,
    #[serde(default)]
    replicas: Option<ReplicaCount>,
    #[serde(default)]
    size: Option<SizePreset>,
    #[serde(default)]
    cpu: Option<u32>,
    #[serde(default)]
    memory: Option<u32>,
    #[serde(default)]
    memory_max: Option<u32>,
    #[serde(default)]
    update: Option<UpdatePolicy>,
    #[serde(default)]
    restart: Option<RestartPolicy>,
    #[serde(default)]
    volumes: Vec<VolumeMount>,
    #[serde(default)]
    container: Option<ContainerOptions>,
    #[serde(default)]
    sidecars: Vec<Sidecar>,
}

/// `type`: what the service is.
#[derive(Default)]
enum ServiceType {
    /// A long-running container serving requests.
    #[default]
    Container,
    /// A long-running container with no routes.
    Worker,
}

impl<'de> Deserialize<'de> for ServiceType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "container" => Ok(Self::Container),
            "worker" => Ok(Self::Worker),
            "system" | "sysbatch" => Err(de::Error::custom(format!(
                "`{text}` jobs run on every node and are reserved for the platform; use container or worker"
            ))),
            "batch" | "job" | "cron" => Err(de::Error::custom(format!(
                "`{text}` is not offered yet: np runs long-running services; use container or worker"
            ))),
            _ => Err(de::Error::custom(format!(
                "unknown service type `{text}`; use container (a service with ports and routes) or worker \
                 (no routes). Build images in CI and give them as source"
            ))),
        }
    }
}

/// `health_check`: a path for an HTTP check on the first port, or a whole check.
struct Health(HealthCheck);

impl<'de> Deserialize<'de> for Health {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Health;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path such as /healthz, or {type: http|tcp, ...}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Health, E> {
                Ok(Health(HealthCheck::Http {
                    path: v.to_owned(),
                    port: None,
                    interval: Seconds(10),
                    timeout: Seconds(2),
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Health, A::Error> {
                HealthCheck::deserialize(de::value::MapAccessDeserializer::new(map)).map(Health)
            }
        }
        d.deserialize_any(V)
    }
}

/// `replicas`: a count, or `{count, min, max}`.
struct ReplicaCount(Replicas);

impl<'de> Deserialize<'de> for ReplicaCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ReplicaCount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count, or {count, min, max}")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ReplicaCount, E> {
                let count = u32::try_from(v).map_err(|_| E::custom("is too large"))?;
                Ok(ReplicaCount(Replicas {
                    count,
                    min: None,
                    max: None,
                }))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ReplicaCount, E> {
                Err(E::custom(format!(
                    "{v} is negative; give a count of 0 or more"
                )))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ReplicaCount, A::Error> {
                Replicas::deserialize(de::value::MapAccessDeserializer::new(map)).map(ReplicaCount)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses an np.yaml document.
///
/// # Errors
/// Syntax, limits, unknown or refused keys and wrong types, each with the path to the key; and structural
/// problems (no services, a name used twice, `port` and `ports` both given).
pub fn parse(text: &str) -> Result<Document, FieldErrors> {
    let file: File = yaml::from_str(text)?;
    let mut errors = Vec::new();
    if let Some(version) = file.version
        && version != 1
    {
        errors.push(FieldError::new(
            "version",
            format!("version {version} is not known; this console reads version 1"),
        ));
    }
    if file.services.is_empty() {
        errors.push(FieldError::new(
            "services",
            "lists no services; add at least one",
        ));
    }
    let mut apps = Vec::new();
    let mut names = BTreeMap::new();
    for (i, service) in file.services.into_iter().enumerate() {
        let origin = format!("services[{i}]");
        if let Some(first) = names.insert(service.name.clone(), i) {
            errors.push(FieldError::new(
                format!("{origin}.name"),
                format!("{} is also the name of services[{first}]", service.name),
            ));
        }
        match service_to_app(service, &origin) {
            Ok(app) => apps.push(app),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(FieldErrors(errors));
    }
    Ok(Document {
        format: Format::NpYaml,
        apps,
        notes: Vec::new(),
    })
}

fn service_to_app(s: Service, origin: &str) -> Result<ParsedApp, Vec<FieldError>> {
    let mut errors = Vec::new();
    let at = |field: &str| format!("{origin}.{field}");
    let kind = match s.kind {
        ServiceType::Container => AppKind::Service,
        ServiceType::Worker => AppKind::Worker,
    };
    let mut origins = vec![
        ("image".to_owned(), at("source")),
        ("kind".into(), at("type")),
    ];

    let mut ports = s.ports;
    if let Some(port) = s.port {
        if ports.is_empty() {
            ports.push(PortSpec {
                name: "http".into(),
                port,
                protocol: Protocol::Http,
            });
            origins.push(("ports[0]".into(), at("port")));
        } else {
            errors.push(FieldError::new(
                at("port"),
                "give either port (one HTTP port) or ports (a list), not both",
            ));
        }
    }

    let mut routes = s.routes;
    if !s.domains.is_empty() {
        if routes.is_empty() {
            for (i, host) in s.domains.into_iter().enumerate() {
                origins.push((format!("routes[{i}]"), format!("{origin}.domains[{i}]")));
                origins.push((
                    format!("routes[{i}].host"),
                    format!("{origin}.domains[{i}]"),
                ));
                routes.push(Route {
                    host,
                    path: None,
                    port: None,
                });
            }
        } else {
            errors.push(FieldError::new(
                at("domains"),
                "give either domains (host names on the first HTTP port) or routes, not both",
            ));
        }
    }

    let mut resources = Resources::default();
    if s.size.is_some() {
        resources.size = s.size;
        origins.push(("resources.size".into(), at("size")));
    }
    resources.cpu = s.cpu;
    resources.memory = s.memory;
    resources.memory_max = s.memory_max;
    for field in ["cpu", "memory", "memory_max"] {
        origins.push((format!("resources.{field}"), at(field)));
    }
    origins.push(("health".into(), at("health_check")));
    origins.push(("replicas.count".into(), at("replicas")));

    if !errors.is_empty() {
        return Err(errors);
    }
    let spec = AppSpec {
        name: s.name,
        kind,
        image: s.source,
        command: s.command,
        entrypoint: s.entrypoint,
        args: s.args,
        working_dir: s.working_dir,
        env: s.env,
        secrets: s.secrets,
        ports,
        routes,
        replicas: s.replicas.map(|r| r.0).unwrap_or_default(),
        resources,
        health: s.health_check.map(|h| h.0),
        update: s.update.unwrap_or_default(),
        restart: s.restart.unwrap_or_default(),
        volumes: s.volumes,
        runtime: s.runtime,
        container: s.container.unwrap_or_default(),
        sidecars: s.sidecars,
    };
    let mut app = ParsedApp::new(spec, origin);
    for (field, source) in origins {
        app.origin(field, source);
    }
    Ok(app)
}
