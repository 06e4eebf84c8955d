//! Building the Nomad job from a validated spec. Namespace, region, datacenters and node pool come from the
//! tenant only; every name is derived from the tenant and app; driver options are typed, never free-form.

use std::collections::BTreeMap;

use np_nomad::types::{
    Job, LogConfig, NetworkResource, Port, ReschedulePolicy, Resources, RestartPolicy,
    ScalingPolicy, Service, ServiceCheck, Task, TaskGroup, TaskLifecycle, Template, UpdateStrategy,
    Vault, VolumeMount, VolumeRequest,
};
use serde_json::{Value, json};

use super::traefik::service_tags;
use crate::image::Image;
use crate::interpolation::escape_config;
use crate::names::DerivedNames;
use crate::spec::{AppSpec, HealthCheck, Lifecycle, Runtime, SecretSource, Sidecar};
use crate::tenant::TenantContext;

/// Default process limit, so one app cannot fork-bomb a node.
const DEFAULT_PIDS_LIMIT: u32 = 512;

/// Where the secrets template renders (inside the task's private secrets directory).
const SECRETS_FILE: &str = "secrets/np.env";

fn image(reference: &str) -> String {
    Image::parse(reference)
        .map(|i| i.to_string())
        .unwrap_or_else(|_| reference.to_owned())
}

fn config(spec: &AppSpec, runtime: Runtime) -> BTreeMap<String, Value> {
    let mut config = BTreeMap::new();
    config.insert("image".into(), json!(image(&spec.image)));
    if !spec.ports.is_empty() {
        config.insert(
            "ports".into(),
            json!(
                spec.ports
                    .iter()
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
            ),
        );
    }
    if let Some(command) = &spec.command {
        config.insert("command".into(), json!(escape_config(command)));
    }
    if !spec.entrypoint.is_empty() {
        config.insert(
            "entrypoint".into(),
            json!(
                spec.entrypoint
                    .iter()
                    .map(|s| escape_config(s))
                    .collect::<Vec<_>>()
            ),
        );
    }
    if !spec.args.is_empty() {
        config.insert(
            "args".into(),
            json!(
                spec.args
                    .iter()
                    .map(|s| escape_config(s))
                    .collect::<Vec<_>>()
            ),
        );
    }
    if let Some(dir) = &spec.working_dir {
        let key = if runtime == Runtime::Podman {
            "working_dir"
        } else {
            "work_dir"
        };
        config.insert(key.into(), json!(escape_config(dir)));
    }
    let options = &spec.container;
    if options.init {
        config.insert("init".into(), json!(true));
    }
    if options.read_only_root {
        config.insert("readonly_rootfs".into(), json!(true));
    }
    config.insert(
        "pids_limit".into(),
        json!(options.pids_limit.unwrap_or(DEFAULT_PIDS_LIMIT)),
    );
    if runtime == Runtime::Podman {
        if let Some(mb) = options.memory_reservation {
            config.insert("memory_reservation".into(), json!(format!("{mb}m")));
        }
        if !options.tmpfs.is_empty() {
            config.insert("tmpfs".into(), json!(options.tmpfs));
        }
    }
    config
}

fn sidecar_task(sidecar: &Sidecar, runtime: Runtime) -> Task {
    let mut config = BTreeMap::from([("image".to_owned(), json!(image(&sidecar.image)))]);
    if let Some(command) = &sidecar.command {
        config.insert("command".into(), json!(escape_config(command)));
    }
    if !sidecar.args.is_empty() {
        config.insert(
            "args".into(),
            json!(
                sidecar
                    .args
                    .iter()
                    .map(|s| escape_config(s))
                    .collect::<Vec<_>>()
            ),
        );
    }
    config.insert("pids_limit".into(), json!(DEFAULT_PIDS_LIMIT));
    let (hook, keep_running) = match sidecar.lifecycle {
        Lifecycle::Prestart => ("prestart", false),
        Lifecycle::PrestartSidecar => ("prestart", true),
        Lifecycle::Poststart => ("poststart", true),
    };
    Task {
        name: Some(sidecar.name.clone()),
        driver: Some(runtime.driver().into()),
        lifecycle: Some(TaskLifecycle {
            hook: hook.into(),
            sidecar: keep_running,
        }),
        config: Some(config),
        env: (!sidecar.env.is_empty()).then(|| sidecar.env.clone()),
        resources: Some(Resources {
            cpu: Some(i64::from(sidecar.cpu)),
            memory_mb: Some(i64::from(sidecar.memory)),
            ..Resources::default()
        }),
        log_config: Some(log_config()),
        ..Task::default()
    }
}

fn log_config() -> LogConfig {
    LogConfig {
        max_files: Some(5),
        max_file_size_mb: Some(10),
        disabled: None,
    }
}

/// One consul-template file of `NAME="value"` lines, built only from validated references.
fn secrets(spec: &AppSpec, job: &str, tenant: &TenantContext) -> (Option<Template>, Option<Vault>) {
    if spec.secrets.is_empty() {
        return (None, None);
    }
    let mut data = String::new();
    let mut vault = false;
    for secret in &spec.secrets {
        let line = match &secret.source {
            SecretSource::Variable { path, key } => {
                let path = if path.is_empty() {
                    format!("nomad/jobs/{job}")
                } else {
                    format!("nomad/jobs/{job}/{path}")
                };
                format!(
                    "{{{{ with nomadVar \"{path}\" }}}}{}={{{{ .{key} | toJSON }}}}{{{{ end }}}}\n",
                    secret.env
                )
            }
            SecretSource::Vault { path, key } => {
                vault = true;
                let prefix = tenant.vault_prefix.clone().unwrap_or_default();
                format!(
                    "{{{{ with secret \"{prefix}/{path}\" }}}}{}={{{{ .Data.data.{key} | toJSON }}}}{{{{ end }}}}\n",
                    secret.env
                )
            }
        };
        data.push_str(&line);
    }
    let template = Template {
        embedded_tmpl: Some(data),
        dest_path: Some(SECRETS_FILE.into()),
        envvars: Some(true),
        change_mode: Some("restart".into()),
        ..Template::default()
    };
    (
        Some(template),
        vault.then(|| Vault {
            change_mode: Some("restart".into()),
            ..Vault::default()
        }),
    )
}

fn check(health: &HealthCheck) -> ServiceCheck {
    let (interval, timeout) = health.timing();
    let (kind, path) = match health {
        HealthCheck::Http { path, .. } => ("http", Some(path.clone())),
        HealthCheck::Tcp { .. } => ("tcp", None),
    };
    ServiceCheck {
        name: Some(format!("{kind} health")),
        check_type: Some(kind.into()),
        path,
        interval: Some(interval.nanos()),
        timeout: Some(timeout.nanos()),
        ..ServiceCheck::default()
    }
}

fn services(spec: &AppSpec, names: &DerivedNames, tenant: &TenantContext) -> Vec<Service> {
    let primary = spec.primary_port().map(|p| p.name.clone());
    let health_port = spec
        .health
        .as_ref()
        .map(|h| h.port().map(str::to_owned).or_else(|| primary.clone()));
    let meta = BTreeMap::from([
        ("np.tenant".to_owned(), tenant.slug.to_string()),
        ("np.app".to_owned(), spec.name.to_string()),
    ]);
    spec.ports
        .iter()
        .map(|port| {
            let is_primary = primary.as_deref() == Some(port.name.as_str());
            let name = names.service(&port.name, is_primary);
            let (tags, canary_tags) = service_tags(spec, names, &name, &port.name, &tenant.ingress);
            let checks = match (&spec.health, &health_port) {
                (Some(health), Some(Some(p))) if *p == port.name => Some(vec![check(health)]),
                _ => None,
            };
            Service {
                name: Some(name),
                port_label: Some(port.name.clone()),
                provider: Some("consul".into()),
                tags: (!tags.is_empty()).then_some(tags),
                canary_tags,
                checks,
                meta: Some(meta.clone()),
                ..Service::default()
            }
        })
        .collect()
}

/// The job for `spec` in `tenant`. The spec must be valid.
pub(super) fn build(spec: &AppSpec, tenant: &TenantContext) -> Job {
    let names = DerivedNames::new(&tenant.slug, &spec.name);
    let runtime = spec.runtime.unwrap_or(tenant.default_runtime);
    let (cpu, memory) = spec.resources.effective();
    let (template, vault) = secrets(spec, &names.job, tenant);
    let update = spec.update;

    let main = Task {
        name: Some(spec.name.to_string()),
        driver: Some(runtime.driver().into()),
        config: Some(config(spec, runtime)),
        env: (!spec.env.is_empty()).then(|| spec.env.clone()),
        resources: Some(Resources {
            cpu: Some(i64::from(cpu)),
            memory_mb: Some(i64::from(memory)),
            memory_max_mb: spec.resources.memory_max.map(i64::from),
            ..Resources::default()
        }),
        templates: template.map(|t| vec![t]),
        vault,
        volume_mounts: (!spec.volumes.is_empty()).then(|| {
            spec.volumes
                .iter()
                .map(|v| VolumeMount {
                    volume: Some(v.volume.clone()),
                    destination: Some(v.path.clone()),
                    read_only: Some(v.read_only),
                    ..VolumeMount::default()
                })
                .collect()
        }),
        log_config: Some(log_config()),
        ..Task::default()
    };
    let mut tasks = vec![main];
    tasks.extend(spec.sidecars.iter().map(|s| sidecar_task(s, runtime)));

    let volumes: BTreeMap<String, VolumeRequest> = spec
        .volumes
        .iter()
        .map(|v| {
            let request = VolumeRequest {
                name: Some(v.volume.clone()),
                volume_type: Some("host".into()),
                source: Some(v.volume.clone()),
                read_only: Some(v.read_only),
                ..VolumeRequest::default()
            };
            (v.volume.clone(), request)
        })
        .collect();

    let group = TaskGroup {
        name: Some(spec.name.to_string()),
        count: Some(i64::from(spec.replicas.count)),
        scaling: Some(ScalingPolicy {
            min: Some(i64::from(spec.replicas.min())),
            max: Some(i64::from(spec.replicas.max())),
            ..ScalingPolicy::default()
        }),
        networks: (!spec.ports.is_empty()).then(|| {
            vec![NetworkResource {
                dynamic_ports: Some(
                    spec.ports
                        .iter()
                        .map(|p| Port {
                            label: p.name.clone(),
                            to: Some(i64::from(p.port)),
                            ..Port::default()
                        })
                        .collect(),
                ),
                ..NetworkResource::default()
            }]
        }),
        services: (!spec.ports.is_empty()).then(|| services(spec, &names, tenant)),
        restart_policy: Some(RestartPolicy {
            attempts: Some(i64::from(spec.restart.attempts)),
            interval: Some(spec.restart.interval.nanos()),
            delay: Some(spec.restart.delay.nanos()),
            mode: Some("fail".into()),
            render_templates: None,
        }),
        reschedule_policy: Some(if spec.restart.reschedule {
            ReschedulePolicy {
                delay: Some(30 * np_nomad::types::SECOND),
                delay_function: Some("exponential".into()),
                max_delay: Some(3600 * np_nomad::types::SECOND),
                unlimited: Some(true),
                ..ReschedulePolicy::default()
            }
        } else {
            ReschedulePolicy {
                attempts: Some(0),
                unlimited: Some(false),
                ..ReschedulePolicy::default()
            }
        }),
        volumes: (!volumes.is_empty()).then_some(volumes),
        tasks: Some(tasks),
        ..TaskGroup::default()
    };

    Job {
        id: Some(names.job.clone()),
        name: Some(names.job.clone()),
        namespace: Some(tenant.namespace.clone()),
        region: Some(tenant.region.clone()),
        job_type: Some("service".into()),
        priority: Some(50),
        datacenters: Some(tenant.datacenters.clone()),
        node_pool: Some(tenant.node_pool.clone()),
        meta: Some(BTreeMap::from([
            ("np.tenant".to_owned(), tenant.slug.to_string()),
            ("np.app".to_owned(), spec.name.to_string()),
        ])),
        update: Some(UpdateStrategy {
            max_parallel: Some(i64::from(update.max_parallel)),
            health_check: Some(
                if spec.health.is_some() {
                    "checks"
                } else {
                    "task_states"
                }
                .into(),
            ),
            min_healthy_time: Some(update.min_healthy_time.nanos()),
            healthy_deadline: Some(update.healthy_deadline.nanos()),
            progress_deadline: Some(update.progress_deadline.nanos()),
            canary: Some(i64::from(update.canaries)),
            auto_revert: Some(update.auto_revert),
            auto_promote: Some(update.auto_promote),
            stagger: None,
        }),
        task_groups: Some(vec![group]),
        ..Job::default()
    }
}
