//! Generated jobs for a range of specs, as snapshots (JSON submitted to Nomad, HCL shown to people).

use np_spec::duration::Seconds;
use np_spec::names::{AppName, TenantSlug};
use np_spec::spec::{
    AppSpec, ContainerOptions, HealthCheck, Lifecycle, PortSpec, Protocol, Replicas, Route,
    Runtime, SecretRef, SecretSource, Sidecar, SizePreset, VolumeMount,
};
use np_spec::tenant::TenantContext;
use np_spec::{Generated, generate};

fn tenant() -> TenantContext {
    let mut t =
        TenantContext::with_defaults(TenantSlug::parse("acme").unwrap(), "apps.example.com");
    t.allowed_volumes = vec!["acme-data".into()];
    t.vault_prefix = Some("kv/data/tenants/acme".into());
    t.ingress.cert_resolver = Some("le".into());
    t
}

fn web() -> AppSpec {
    AppSpec::web(
        AppName::parse("web").unwrap(),
        "nginx:1.27",
        8080,
        "web.acme.apps.example.com",
    )
}

fn full() -> AppSpec {
    let mut spec = web();
    spec.image = "ghcr.io/acme/shop:2.3.1".into();
    spec.command = Some("/bin/shop".into());
    spec.args = vec![
        "--port=${NOMAD_PORT_http}".into(),
        "--greeting=${literal}".into(),
    ];
    spec.working_dir = Some("/srv".into());
    spec.env = [
        ("LOG_LEVEL".to_string(), "info".to_string()),
        (
            "PUBLIC_URL".to_string(),
            "https://shop.acme.apps.example.com".to_string(),
        ),
    ]
    .into();
    spec.secrets = vec![
        SecretRef {
            env: "DB_PASSWORD".into(),
            source: SecretSource::Variable {
                path: "db".into(),
                key: "password".into(),
            },
        },
        SecretRef {
            env: "STRIPE_KEY".into(),
            source: SecretSource::Vault {
                path: "stripe".into(),
                key: "secret_key".into(),
            },
        },
    ];
    spec.ports.push(PortSpec {
        name: "metrics".into(),
        port: 9100,
        protocol: Protocol::Http,
    });
    spec.routes = vec![
        Route {
            host: "shop.acme.apps.example.com".into(),
            path: None,
            port: None,
        },
        Route {
            host: "shop.acme.apps.example.com".into(),
            path: Some("/metrics".into()),
            port: Some("metrics".into()),
        },
    ];
    spec.replicas = Replicas {
        count: 3,
        min: Some(2),
        max: Some(6),
    };
    spec.resources.size = Some(SizePreset::Medium);
    spec.resources.memory_max = Some(2048);
    spec.health = Some(HealthCheck::Http {
        path: "/healthz".into(),
        port: None,
        interval: Seconds(5),
        timeout: Seconds(1),
    });
    spec.update.canaries = 1;
    spec.update.auto_promote = true;
    spec.volumes = vec![VolumeMount {
        volume: "acme-data".into(),
        path: "/data".into(),
        read_only: false,
    }];
    spec.container = ContainerOptions {
        init: true,
        read_only_root: true,
        memory_reservation: Some(512),
        pids_limit: Some(256),
        tmpfs: vec!["/tmp".into()],
    };
    spec.sidecars = vec![Sidecar {
        name: "migrate".into(),
        image: "ghcr.io/acme/shop:2.3.1".into(),
        command: Some("/bin/migrate".into()),
        args: vec![],
        env: Default::default(),
        lifecycle: Lifecycle::Prestart,
        cpu: 100,
        memory: 128,
    }];
    spec
}

fn generated(spec: &AppSpec) -> Generated {
    generate(spec, &tenant()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_minimal_web_app() {
    let g = generated(&web());
    insta::assert_snapshot!("web.json", g.json());
    insta::assert_snapshot!("web.hcl", g.hcl);
    assert_eq!(g.hosts, ["web.acme.apps.example.com"]);
}

#[test]
fn an_app_using_every_feature() {
    let g = generated(&full());
    insta::assert_snapshot!("full.json", g.json());
    insta::assert_snapshot!("full.hcl", g.hcl);
    assert_eq!(
        g.hosts,
        [
            "canary-shop.acme.apps.example.com",
            "shop.acme.apps.example.com"
        ]
    );
}

#[test]
fn a_worker_on_docker_without_ports() {
    let mut spec = web();
    spec.kind = np_spec::spec::AppKind::Worker;
    spec.ports.clear();
    spec.routes.clear();
    spec.health = None;
    spec.runtime = Some(Runtime::Docker);
    spec.working_dir = Some("/app".into());
    spec.resources.size = Some(SizePreset::Xs);
    let g = generated(&spec);
    insta::assert_snapshot!("worker.json", g.json());
    let task = &g.job.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    assert_eq!(task.driver.as_deref(), Some("docker"));
    assert!(
        task.config.as_ref().unwrap().contains_key("work_dir"),
        "docker spells it work_dir"
    );
    assert_eq!(
        g.job.update.as_ref().unwrap().health_check.as_deref(),
        Some("task_states")
    );
}

#[test]
fn the_tenant_decides_where_the_job_runs() {
    let mut t = tenant();
    t.namespace = "tenant-acme".into();
    t.node_pool = "acme-pool".into();
    t.region = "eu".into();
    t.datacenters = vec!["fra1".into()];
    let job = generate(&web(), &t).unwrap().job;
    assert_eq!(
        (
            job.namespace.as_deref(),
            job.node_pool.as_deref(),
            job.region.as_deref(),
            job.datacenters.as_deref()
        ),
        (
            Some("tenant-acme"),
            Some("acme-pool"),
            Some("eu"),
            Some(&["fra1".to_string()][..])
        )
    );
    assert_eq!(job.id.as_deref(), Some("acme--web"));
}

#[test]
fn invalid_specs_generate_nothing_but_errors_per_field() {
    let mut spec = web();
    spec.routes[0].host = "web.globex.apps.example.com".into();
    spec.env
        .insert("X".into(), "${attr.unique.hostname}".into());
    let errors = generate(&spec, &tenant()).unwrap_err();
    assert_eq!(errors.on("routes[0].host").count(), 1);
    assert_eq!(errors.on("env.X").count(), 1);
}
