//! OAM `core.oam.dev/v1beta1` Applications, with the component and trait catalogue this platform offers.
//!
//! Each component becomes one app (one Nomad job with one task group; the container is its task):
//!
//! - components: `webservice` (a service with ports) and `worker` (no ports, no routes);
//! - traits: `scaler` (replicas and scaling bounds), `ingress` (host and paths → Traefik tags), `volume`
//!   (a volume from the tenant's allow-list), `vault-secret` (environment from a Vault secret, rendered by a
//!   template block), and np's own `update`, `restart` and `sidecar`;
//! - scopes: `network` (bridge only; host networking is refused), `node-pool` and `namespace` (both set by
//!   the tenant: accepted, noted, ignored).
//!
//! Unknown component types, traits, scopes and properties are errors naming the key. `docs/OAM.md` has the
//! full reference.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::quantity::{Quantity, cpu_mhz, memory_mib};
use super::yaml::{self, from_value, lenient};
use super::{Document, Format, ParsedApp};
use crate::duration::Seconds;
use crate::error::{FieldError, FieldErrors};
use crate::names::AppName;
use crate::spec::{
    AppKind, AppSpec, ContainerOptions, HealthCheck, Lifecycle, PortSpec, Protocol, Replicas,
    Resources, RestartPolicy, Route, Runtime, SecretRef, SecretSource, Sidecar, SizePreset,
    UpdatePolicy, VolumeMount,
};

/// The only API version read.
pub const API_VERSION: &str = "core.oam.dev/v1beta1";
/// Component types offered.
pub const COMPONENT_TYPES: &[&str] = &["webservice", "worker"];
/// Trait types offered.
pub const TRAIT_TYPES: &[&str] = &[
    "scaler",
    "ingress",
    "volume",
    "vault-secret",
    "update",
    "restart",
    "sidecar",
];
/// Scope types offered.
pub const SCOPE_TYPES: &[&str] = &["network", "node-pool", "namespace"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Application {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: ApplicationSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default, deserialize_with = "lenient::map")]
    labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient::map")]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicationSpec {
    components: Vec<Component>,
    #[serde(default)]
    policies: Option<Value>,
    #[serde(default)]
    workflow: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Component {
    name: AppName,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    properties: Option<Value>,
    #[serde(default)]
    traits: Vec<Attachment>,
    #[serde(default)]
    scopes: Vec<Attachment>,
    #[serde(default, rename = "dependsOn")]
    depends_on: Option<Value>,
}

/// A trait or scope: a type and its properties.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Attachment {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    properties: Option<Value>,
}

/// `webservice` and `worker` properties (a worker may not have ports or probes).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ContainerProps {
    image: String,
    #[serde(default, deserialize_with = "lenient::list")]
    cmd: Vec<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    args: Vec<String>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default)]
    env: Vec<EnvVar>,
    #[serde(default)]
    ports: Vec<OamPort>,
    #[serde(default)]
    cpu: Option<Quantity>,
    #[serde(default)]
    memory: Option<Quantity>,
    #[serde(default)]
    memory_max: Option<Quantity>,
    #[serde(default)]
    size: Option<SizePreset>,
    #[serde(default)]
    readiness_probe: Option<Probe>,
    #[serde(default)]
    liveness_probe: Option<Probe>,
    #[serde(default)]
    runtime: Option<Runtime>,
    #[serde(default)]
    init: bool,
    #[serde(default)]
    read_only_root_filesystem: bool,
    #[serde(default)]
    memory_reservation: Option<Quantity>,
    #[serde(default)]
    pids_limit: Option<u32>,
    #[serde(default)]
    tmpfs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EnvVar {
    name: String,
    #[serde(default, deserialize_with = "lenient::option")]
    value: Option<String>,
    #[serde(default)]
    value_from: Option<ValueFrom>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ValueFrom {
    secret_key_ref: SecretKeyRef,
}

/// A Nomad Variable below the app's own path: `name` is the path below it (omitted: the app's path).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretKeyRef {
    #[serde(default)]
    name: String,
    key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OamPort {
    port: u16,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    expose: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Probe {
    #[serde(default)]
    http_get: Option<HttpGet>,
    #[serde(default)]
    tcp_socket: Option<TcpSocket>,
    #[serde(default)]
    period_seconds: Option<Seconds>,
    #[serde(default)]
    timeout_seconds: Option<Seconds>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpGet {
    path: String,
    #[serde(default)]
    port: Option<PortRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TcpSocket {
    #[serde(default)]
    port: Option<PortRef>,
}

/// A port by number or by name.
#[derive(Deserialize)]
#[serde(untagged)]
enum PortRef {
    Number(u16),
    Name(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScalerProps {
    replicas: u32,
    #[serde(default)]
    min: Option<u32>,
    #[serde(default)]
    max: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngressProps {
    domain: String,
    /// Path prefix → port (number or name).
    http: BTreeMap<String, PortRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct VolumeProps {
    name: String,
    mount_path: String,
    #[serde(default)]
    read_only: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VaultSecretProps {
    /// Path below the tenant's Vault prefix.
    path: String,
    /// Environment variable → key in the secret.
    env: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UpdateProps {
    #[serde(default)]
    max_parallel: Option<u32>,
    #[serde(default)]
    canaries: Option<u32>,
    #[serde(default)]
    auto_promote: Option<bool>,
    #[serde(default)]
    auto_revert: Option<bool>,
    #[serde(default)]
    min_healthy_time: Option<Seconds>,
    #[serde(default)]
    healthy_deadline: Option<Seconds>,
    #[serde(default)]
    progress_deadline: Option<Seconds>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestartProps {
    #[serde(default)]
    attempts: Option<u32>,
    #[serde(default)]
    interval: Option<Seconds>,
    #[serde(default)]
    delay: Option<Seconds>,
    #[serde(default)]
    reschedule: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SidecarProps {
    name: String,
    image: String,
    #[serde(default, deserialize_with = "lenient::option")]
    command: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    args: Vec<String>,
    #[serde(default)]
    env: Vec<EnvVar>,
    lifecycle: Lifecycle,
    #[serde(default)]
    cpu: Option<Quantity>,
    #[serde(default)]
    memory: Option<Quantity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkProps {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    connect: Option<bool>,
}

/// Parses an OAM Application.
///
/// # Errors
/// Syntax, limits, unknown kinds, component types, traits, scopes or properties, refused keys and wrong
/// types, each with the path to the key.
pub fn parse(text: &str) -> Result<Document, FieldErrors> {
    let app: Application = yaml::from_str(text)?;
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    if app.api_version != API_VERSION {
        errors.push(FieldError::new(
            "apiVersion",
            format!("`{}` is not supported; use {API_VERSION}", app.api_version),
        ));
    }
    if app.kind != "Application" {
        errors.push(FieldError::new(
            "kind",
            format!(
                "`{}` is not supported; only Application documents are read (components are defined inline)",
                app.kind
            ),
        ));
    }
    if crate::names::check_slug(&app.metadata.name, 1, 63).is_err() {
        errors.push(FieldError::new(
            "metadata.name",
            "must be lowercase letters, digits and -, starting with a letter (at most 63)",
        ));
    }
    if app.metadata.namespace.is_some() {
        notes.push(FieldError::new(
            "metadata.namespace",
            "ignored: apps run in the tenant's Nomad namespace",
        ));
    }
    let _ = (&app.metadata.labels, &app.metadata.annotations);
    if app.spec.policies.is_some() {
        errors.push(FieldError::new(
            "spec.policies",
            "policies are not supported: placement and overrides are the tenant's; describe each component \
             with traits",
        ));
    }
    if app.spec.workflow.is_some() {
        errors.push(FieldError::new(
            "spec.workflow",
            "workflows are not supported: each component is deployed as its own Nomad job",
        ));
    }
    if app.spec.components.is_empty() {
        errors.push(FieldError::new(
            "spec.components",
            "lists no components; add at least one",
        ));
    }
    let mut apps = Vec::new();
    let mut names = BTreeMap::new();
    for (i, component) in app.spec.components.into_iter().enumerate() {
        let origin = format!("spec.components[{i}]");
        if let Some(first) = names.insert(component.name.clone(), i) {
            errors.push(FieldError::new(
                format!("{origin}.name"),
                format!(
                    "{} is also the name of spec.components[{first}]",
                    component.name
                ),
            ));
        }
        let mut builder = Builder {
            origin: origin.clone(),
            errors: Vec::new(),
            notes: Vec::new(),
            origins: Vec::new(),
        };
        let spec = builder.component(component);
        errors.extend(builder.errors);
        notes.extend(builder.notes);
        if let Some(spec) = spec {
            let mut parsed = ParsedApp::new(spec, &format!("{origin}.properties"));
            for (field, source) in builder.origins {
                parsed.origin(field, source);
            }
            apps.push(parsed);
        }
    }
    if !errors.is_empty() {
        return Err(FieldErrors(errors));
    }
    Ok(Document {
        format: Format::Oam,
        apps,
        notes,
    })
}

struct Builder {
    origin: String,
    errors: Vec<FieldError>,
    notes: Vec<FieldError>,
    origins: Vec<(String, String)>,
}

impl Builder {
    fn at(&self, rest: &str) -> String {
        super::join(&self.origin, rest)
    }

    fn err(&mut self, field: String, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn props<T: serde::de::DeserializeOwned>(
        &mut self,
        value: Option<Value>,
        at: &str,
    ) -> Option<T> {
        let value = value.unwrap_or_else(|| Value::Object(serde_json::Map::new()));
        match from_value(value, at) {
            Ok(props) => Some(props),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    fn component(&mut self, c: Component) -> Option<AppSpec> {
        let kind = match c.kind.as_str() {
            "webservice" => AppKind::Service,
            "worker" => AppKind::Worker,
            other => {
                let why = match other {
                    "task" | "cron-task" | "job" => {
                        "one-off and scheduled tasks are not offered yet: np runs long-running services"
                    }
                    "daemon" => "daemons run on every node and are reserved for the platform",
                    _ => "this platform offers webservice and worker",
                };
                self.err(
                    self.at("type"),
                    format!("unknown component type `{other}`: {why}"),
                );
                return None;
            }
        };
        if c.depends_on.is_some() {
            self.err(
                self.at("dependsOn"),
                "dependsOn is not supported: components are deployed independently; start-up order within \
                 an app is expressed with sidecar lifecycles",
            );
        }
        let props_at = self.at("properties");
        let props: ContainerProps = self.props(c.properties, &props_at)?;
        let mut spec = self.container(c.name, kind, props, &props_at)?;
        let mut seen = BTreeMap::new();
        for (i, t) in c.traits.into_iter().enumerate() {
            let at = self.at(&format!("traits[{i}]"));
            let repeatable = matches!(
                t.kind.as_str(),
                "ingress" | "volume" | "vault-secret" | "sidecar"
            );
            if !repeatable && let Some(first) = seen.insert(t.kind.clone(), i) {
                self.err(
                    format!("{at}.type"),
                    format!("the {} trait is already given at traits[{first}]", t.kind),
                );
                continue;
            }
            self.apply_trait(&mut spec, t, &at);
        }
        for (i, s) in c.scopes.into_iter().enumerate() {
            let at = self.at(&format!("scopes[{i}]"));
            self.apply_scope(s, &at);
        }
        Some(spec)
    }

    fn container(
        &mut self,
        name: AppName,
        kind: AppKind,
        p: ContainerProps,
        at: &str,
    ) -> Option<AppSpec> {
        let before = self.errors.len();
        let field = |f: &str| format!("{at}.{f}");
        if kind == AppKind::Worker && !p.ports.is_empty() {
            self.err(
                field("ports"),
                "a worker has no ports; use a webservice to serve requests",
            );
        }
        let mut ports = Vec::new();
        for (i, port) in p.ports.iter().enumerate() {
            let protocol = match port
                .protocol
                .as_deref()
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                None | Some("HTTP") => Protocol::Http,
                Some("TCP") => Protocol::Tcp,
                Some(other) => {
                    self.err(
                        field(&format!("ports[{i}].protocol")),
                        format!("`{other}` is not supported; use HTTP or TCP"),
                    );
                    continue;
                }
            };
            let _ = port.expose;
            let name = port.name.clone().unwrap_or_else(|| {
                if i == 0 && protocol == Protocol::Http {
                    "http".to_owned()
                } else {
                    format!("p{}", port.port)
                }
            });
            self.origins
                .push((format!("ports[{i}]"), field(&format!("ports[{i}]"))));
            ports.push(PortSpec {
                name,
                port: port.port,
                protocol,
            });
        }

        let mut env = BTreeMap::new();
        let mut secrets = Vec::new();
        self.env_list(p.env, &field("env"), &mut env, Some(&mut secrets));

        let mut resources = Resources::default();
        if p.size.is_some() {
            resources.size = p.size;
        }
        resources.cpu = self.quantity(p.cpu.as_ref(), &field("cpu"), cpu_mhz);
        resources.memory = self.quantity(p.memory.as_ref(), &field("memory"), memory_mib);
        resources.memory_max =
            self.quantity(p.memory_max.as_ref(), &field("memoryMax"), memory_mib);
        self.origins
            .push(("resources.memory_max".into(), field("memoryMax")));

        let probe = match (p.readiness_probe, p.liveness_probe) {
            (Some(_), Some(_)) => {
                self.err(
                    field("livenessProbe"),
                    "give one probe: np runs a single health check that gates both rollouts and routing",
                );
                None
            }
            (Some(probe), None) => Some((probe, "readinessProbe")),
            (None, Some(probe)) => Some((probe, "livenessProbe")),
            (None, None) => None,
        };
        let health = probe.and_then(|(probe, key)| {
            self.origins.push(("health".into(), field(key)));
            self.probe(probe, &ports, &field(key))
        });
        if kind == AppKind::Worker && health.is_some() {
            self.err(field("readinessProbe"), "a worker has no ports to probe");
        }

        let memory_reservation = self.quantity(
            p.memory_reservation.as_ref(),
            &field("memoryReservation"),
            memory_mib,
        );
        let container = ContainerOptions {
            init: p.init,
            read_only_root: p.read_only_root_filesystem,
            memory_reservation,
            pids_limit: p.pids_limit,
            tmpfs: p.tmpfs,
        };
        for (spec_field, key) in [
            ("entrypoint", "cmd"),
            ("working_dir", "workingDir"),
            ("container.read_only_root", "readOnlyRootFilesystem"),
            ("container.memory_reservation", "memoryReservation"),
            ("container.pids_limit", "pidsLimit"),
            ("container.tmpfs", "tmpfs"),
            ("container.init", "init"),
        ] {
            self.origins.push((spec_field.into(), field(key)));
        }
        if self.errors.len() > before {
            return None;
        }
        Some(AppSpec {
            name,
            kind,
            image: p.image,
            command: None,
            entrypoint: p.cmd,
            args: p.args,
            working_dir: p.working_dir,
            env,
            secrets,
            ports,
            routes: Vec::new(),
            replicas: Replicas::default(),
            resources,
            health,
            update: UpdatePolicy::default(),
            restart: RestartPolicy::default(),
            volumes: Vec::new(),
            runtime: p.runtime,
            container,
            sidecars: Vec::new(),
        })
    }

    fn env_list(
        &mut self,
        vars: Vec<EnvVar>,
        at: &str,
        env: &mut BTreeMap<String, String>,
        mut secrets: Option<&mut Vec<SecretRef>>,
    ) {
        for (i, var) in vars.into_iter().enumerate() {
            let here = format!("{at}[{i}]");
            match (var.value, var.value_from, secrets.as_deref_mut()) {
                (Some(_), Some(_), _) => {
                    self.err(here, "give either value or valueFrom, not both");
                }
                (value, None, _) => {
                    self.origins.push((format!("env.{}", var.name), here));
                    env.insert(var.name, value.unwrap_or_default());
                }
                (None, Some(from), Some(secrets)) => {
                    self.origins.push((
                        format!("secrets[{}]", secrets.len()),
                        format!("{here}.valueFrom"),
                    ));
                    secrets.push(SecretRef {
                        env: var.name,
                        source: SecretSource::Variable {
                            path: from.secret_key_ref.name,
                            key: from.secret_key_ref.key,
                        },
                    });
                }
                (None, Some(_), None) => {
                    self.err(
                        format!("{here}.valueFrom"),
                        "sidecars take plain values only; secrets go to the main container",
                    );
                }
            }
        }
    }

    fn quantity(
        &mut self,
        q: Option<&Quantity>,
        at: &str,
        convert: fn(&Quantity) -> Result<u32, String>,
    ) -> Option<u32> {
        let q = q?;
        match convert(q) {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(at.to_owned(), e);
                None
            }
        }
    }

    fn port_name(&mut self, port: Option<PortRef>, ports: &[PortSpec], at: &str) -> Option<String> {
        match port? {
            PortRef::Name(name) => Some(name),
            PortRef::Number(n) => match ports.iter().find(|p| p.port == n) {
                Some(p) => Some(p.name.clone()),
                None => {
                    self.err(
                        at.to_owned(),
                        format!("port {n} is not one of the component's ports"),
                    );
                    None
                }
            },
        }
    }

    fn probe(&mut self, probe: Probe, ports: &[PortSpec], at: &str) -> Option<HealthCheck> {
        let interval = probe.period_seconds.unwrap_or(Seconds(10));
        let timeout = probe.timeout_seconds.unwrap_or(Seconds(2));
        match (probe.http_get, probe.tcp_socket) {
            (Some(http), None) => {
                let port = self.port_name(http.port, ports, &format!("{at}.httpGet.port"));
                Some(HealthCheck::Http {
                    path: http.path,
                    port,
                    interval,
                    timeout,
                })
            }
            (None, Some(tcp)) => {
                let port = self.port_name(tcp.port, ports, &format!("{at}.tcpSocket.port"));
                Some(HealthCheck::Tcp {
                    port,
                    interval,
                    timeout,
                })
            }
            _ => {
                self.err(at.to_owned(), "give exactly one of httpGet or tcpSocket");
                None
            }
        }
    }

    fn apply_trait(&mut self, spec: &mut AppSpec, t: Attachment, at: &str) {
        let props_at = format!("{at}.properties");
        match t.kind.as_str() {
            "scaler" => {
                if let Some(p) = self.props::<ScalerProps>(t.properties, &props_at) {
                    spec.replicas = Replicas {
                        count: p.replicas,
                        min: p.min,
                        max: p.max,
                    };
                    self.origins
                        .push(("replicas.count".into(), format!("{props_at}.replicas")));
                    self.origins.push(("replicas".into(), props_at));
                }
            }
            "ingress" => {
                if spec.kind == AppKind::Worker {
                    self.err(
                        format!("{at}.type"),
                        "a worker has no routes; use a webservice",
                    );
                    return;
                }
                let Some(p) = self.props::<IngressProps>(t.properties, &props_at) else {
                    return;
                };
                if p.http.is_empty() {
                    self.err(
                        format!("{props_at}.http"),
                        "map at least one path to a port, e.g. \"/\": 8080",
                    );
                }
                for (path, port) in p.http {
                    let port_at = format!("{props_at}.http.{path}");
                    let Some(port) = self.port_name(Some(port), &spec.ports, &port_at) else {
                        continue;
                    };
                    let i = spec.routes.len();
                    self.origins
                        .push((format!("routes[{i}].host"), format!("{props_at}.domain")));
                    self.origins.push((format!("routes[{i}]"), port_at));
                    let first_http = spec
                        .ports
                        .iter()
                        .find(|p| p.protocol == Protocol::Http)
                        .map(|p| p.name.as_str());
                    spec.routes.push(Route {
                        host: p.domain.clone(),
                        path: (path != "/").then_some(path),
                        port: (first_http != Some(port.as_str())).then_some(port),
                    });
                }
            }
            "volume" => {
                if let Some(p) = self.props::<VolumeProps>(t.properties, &props_at) {
                    self.origins
                        .push((format!("volumes[{}]", spec.volumes.len()), props_at));
                    spec.volumes.push(VolumeMount {
                        volume: p.name,
                        path: p.mount_path,
                        read_only: p.read_only,
                    });
                }
            }
            "vault-secret" => {
                if let Some(p) = self.props::<VaultSecretProps>(t.properties, &props_at) {
                    for (env, key) in p.env {
                        self.origins.push((
                            format!("secrets[{}]", spec.secrets.len()),
                            format!("{props_at}.env.{env}"),
                        ));
                        spec.secrets.push(SecretRef {
                            env,
                            source: SecretSource::Vault {
                                path: p.path.clone(),
                                key,
                            },
                        });
                    }
                }
            }
            "update" => {
                if let Some(p) = self.props::<UpdateProps>(t.properties, &props_at) {
                    let d = UpdatePolicy::default();
                    spec.update = UpdatePolicy {
                        max_parallel: p.max_parallel.unwrap_or(d.max_parallel),
                        canaries: p.canaries.unwrap_or(d.canaries),
                        auto_promote: p.auto_promote.unwrap_or(d.auto_promote),
                        auto_revert: p.auto_revert.unwrap_or(d.auto_revert),
                        min_healthy_time: p.min_healthy_time.unwrap_or(d.min_healthy_time),
                        healthy_deadline: p.healthy_deadline.unwrap_or(d.healthy_deadline),
                        progress_deadline: p.progress_deadline.unwrap_or(d.progress_deadline),
                    };
                    for (field, key) in [
                        ("max_parallel", "maxParallel"),
                        ("canaries", "canaries"),
                        ("auto_promote", "autoPromote"),
                        ("min_healthy_time", "minHealthyTime"),
                        ("healthy_deadline", "healthyDeadline"),
                        ("progress_deadline", "progressDeadline"),
                    ] {
                        self.origins
                            .push((format!("update.{field}"), format!("{props_at}.{key}")));
                    }
                    self.origins.push(("update".into(), props_at));
                }
            }
            "restart" => {
                if let Some(p) = self.props::<RestartProps>(t.properties, &props_at) {
                    let d = RestartPolicy::default();
                    spec.restart = RestartPolicy {
                        attempts: p.attempts.unwrap_or(d.attempts),
                        interval: p.interval.unwrap_or(d.interval),
                        delay: p.delay.unwrap_or(d.delay),
                        reschedule: p.reschedule.unwrap_or(d.reschedule),
                    };
                    self.origins.push(("restart".into(), props_at));
                }
            }
            "sidecar" => {
                if let Some(p) = self.props::<SidecarProps>(t.properties, &props_at) {
                    let i = spec.sidecars.len();
                    let mut env = BTreeMap::new();
                    self.env_list(p.env, &format!("{props_at}.env"), &mut env, None);
                    let cpu = self.quantity(p.cpu.as_ref(), &format!("{props_at}.cpu"), cpu_mhz);
                    let memory =
                        self.quantity(p.memory.as_ref(), &format!("{props_at}.memory"), memory_mib);
                    self.origins.push((format!("sidecars[{i}]"), props_at));
                    spec.sidecars.push(Sidecar {
                        name: p.name,
                        image: p.image,
                        command: p.command,
                        args: p.args,
                        env,
                        lifecycle: p.lifecycle,
                        cpu: cpu.unwrap_or(100),
                        memory: memory.unwrap_or(128),
                    });
                }
            }
            other => {
                let why = match other {
                    "gateway" | "https-route" | "http-route" => {
                        "use ingress (domain and http paths)"
                    }
                    "hostpath" | "storage" | "pvc" => {
                        "use volume, with a volume from the tenant's allow-list"
                    }
                    "hpa" | "cpuscaler" => "use scaler (replicas, min, max)",
                    _ => {
                        "offered traits: scaler, ingress, volume, vault-secret, update, restart, sidecar"
                    }
                };
                self.err(
                    format!("{at}.type"),
                    format!("unknown trait `{other}`: {why}"),
                );
            }
        }
    }

    fn apply_scope(&mut self, s: Attachment, at: &str) {
        let props_at = format!("{at}.properties");
        match s.kind.as_str() {
            "network" => {
                let Some(p) = self.props::<NetworkProps>(s.properties, &props_at) else {
                    return;
                };
                match p.mode.as_deref() {
                    None | Some("bridge") => {}
                    Some("host") => self.err(
                        format!("{props_at}.mode"),
                        "host networking is not allowed: each app gets its own network namespace",
                    ),
                    Some(other) => self.err(
                        format!("{props_at}.mode"),
                        format!("`{other}` is not supported; apps run in bridge mode"),
                    ),
                }
                if p.connect == Some(true) {
                    self.err(
                        format!("{props_at}.connect"),
                        "Consul Connect is not offered on this platform; apps reach each other through \
                         their routes or Consul service names",
                    );
                }
                self.notes.push(FieldError::new(
                    at.to_owned(),
                    "apps always run in their own network namespace (bridge); nothing to change",
                ));
            }
            "node-pool" | "namespace" => {
                // Accepted for portability; where apps run is the tenant's decision.
                let _: Option<Value> = s.properties;
                let what = if s.kind == "namespace" {
                    "the tenant's Nomad namespace"
                } else {
                    "the tenant's node pool"
                };
                self.notes.push(FieldError::new(
                    at.to_owned(),
                    format!("ignored: apps run in {what}"),
                ));
            }
            other => self.err(
                format!("{at}.type"),
                format!("unknown scope `{other}`; offered scopes: network, node-pool, namespace"),
            ),
        }
    }
}
