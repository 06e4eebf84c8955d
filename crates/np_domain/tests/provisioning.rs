//! Tenants map to Nomad namespaces (and, where the cluster has ACLs, to a least-privilege policy and token),
//! against the cluster simulator and a real Postgres.

use np_domain::authz::Caller;
use np_domain::tenants::{NewTenant, TenantSettings};
use np_domain::{DomainError, Platform, Services, Upstreams, provisioning, tenants};
use np_nomad::{Nomad, NomadConfig, QueryOptions};
use np_spec::names::TenantSlug;
use sqlx::PgPool;

const MANAGEMENT: &str = "00000000-0000-0000-0000-00000000beef";

fn new(slug: &str) -> NewTenant {
    NewTenant {
        slug: TenantSlug::parse(slug).unwrap(),
        display_name: format!("{slug} team"),
        settings: TenantSettings::default(),
    }
}

async fn services(pool: PgPool, acl: bool) -> (Services, np_sim::Simulator) {
    let sim = np_sim::Simulator::start(np_sim::SimConfig {
        acl_management_token: acl.then(|| MANAGEMENT.to_owned()),
        ..np_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let mut config = NomadConfig::new(sim.nomad_url().parse().unwrap());
    if acl {
        config.token = Some(MANAGEMENT.to_owned().into());
    }
    let services = Services {
        db: pool,
        upstreams: Upstreams {
            nomad: Some(Nomad::new(config).unwrap()),
            nomad_acl: acl,
            ..Upstreams::default()
        },
        platform: Platform::default(),
        live: np_domain::live::Hub::new(),
        limits: np_domain::limits::Limits::new(Default::default()),
        audit: std::sync::Arc::new(np_domain::audit::chain::Keys::ephemeral()),
    };
    (services, sim)
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_tenant_gets_a_namespace_limited_to_container_drivers(pool: PgPool) {
    let (services, _sim) = services(pool, false).await;
    let admin = Caller::system("test");
    let acme = provisioning::create(&services, &admin, &new("acme"))
        .await
        .unwrap();
    assert_eq!(acme.namespace_state, "ready");
    let nomad = services.upstreams.nomad.as_ref().unwrap();
    let (ns, _) = nomad
        .namespaces()
        .info("acme", &QueryOptions::default())
        .await
        .unwrap();
    assert_eq!(ns.meta.unwrap()["np-tenant"], "acme");
    assert_eq!(
        ns.capabilities.unwrap().enabled_task_drivers.unwrap(),
        ["podman", "docker"]
    );
    // Only platform admins create tenants.
    let nobody = Caller {
        platform_role: None,
        ..Caller::system("x")
    };
    assert!(matches!(
        provisioning::create(&services, &nobody, &new("globex")).await,
        Err(DomainError::Forbidden(_))
    ));
    // Settings are checked before anything is stored.
    let mut bad = new("bad");
    bad.settings.host_suffix = "evil.example.com".into();
    let err = provisioning::create(&services, &admin, &bad)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid { field, .. } if field == "host_suffix"),
        "{err}"
    );
    assert!(tenants::by_slug(&services.db, "bad").await.is_err());
}

#[sqlx::test(migrations = "../../migrations")]
async fn with_acls_each_tenant_gets_its_own_policy_and_token_that_reach_only_its_namespace(
    pool: PgPool,
) {
    let (services, _sim) = services(pool, true).await;
    let admin = Caller::system("test");
    let acme = provisioning::create(&services, &admin, &new("acme"))
        .await
        .unwrap();
    provisioning::create(&services, &admin, &new("globex"))
        .await
        .unwrap();
    let secret = tenants::nomad_token(&services.db, acme.id)
        .await
        .unwrap()
        .unwrap();
    let nomad = services.upstreams.nomad.as_ref().unwrap();
    let (policy, _) = nomad
        .acl()
        .policy("np-tenant-acme", &QueryOptions::default())
        .await
        .unwrap();
    assert!(
        policy.rules.contains("namespace \"acme\""),
        "{}",
        policy.rules
    );
    assert!(!policy.rules.contains("globex"));

    let tenant_client = nomad.with_token(secret.into());
    let own = QueryOptions {
        namespace: Some("acme".into()),
        ..QueryOptions::default()
    };
    tenant_client.jobs().list(&own).await.unwrap();
    let foreign = QueryOptions {
        namespace: Some("globex".into()),
        ..QueryOptions::default()
    };
    let err = tenant_client.jobs().list(&foreign).await.unwrap_err();
    assert!(
        matches!(&err, np_nomad::Error::Status { status, .. } if status.as_u16() == 403),
        "{err}"
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn an_unreachable_nomad_leaves_the_tenant_failed_and_retryable(pool: PgPool) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let down = Services {
        db: pool.clone(),
        upstreams: Upstreams {
            nomad: Some(Nomad::new(NomadConfig::new(address.parse().unwrap())).unwrap()),
            ..Upstreams::default()
        },
        platform: Platform::default(),
        live: np_domain::live::Hub::new(),
        limits: np_domain::limits::Limits::new(Default::default()),
        audit: std::sync::Arc::new(np_domain::audit::chain::Keys::ephemeral()),
    };
    let admin = Caller::system("test");
    let acme = provisioning::create(&down, &admin, &new("acme"))
        .await
        .unwrap();
    assert_eq!(acme.namespace_state, "failed");
    assert!(acme.namespace_error.unwrap().contains("unreachable"));

    let (up, _sim) = services(pool, false).await;
    let acme = provisioning::provision(&up, &admin, "acme").await.unwrap();
    assert_eq!(acme.namespace_state, "ready");
    assert_eq!(acme.namespace_error, None);
}

#[sqlx::test(migrations = "../../migrations")]
async fn deleting_a_tenant_is_refused_while_it_runs_apps(pool: PgPool) {
    let (services, _sim) = services(pool, false).await;
    let admin = Caller::system("test");
    provisioning::create(&services, &admin, &new("acme"))
        .await
        .unwrap();
    let deployed = np_domain::apps::deploy(
        &services,
        &admin,
        "acme",
        &np_domain::apps::DeployInput {
            text: r#"{"name":"web","image":"nginx:1.27"}"#.into(),
            format: None,
            app: None,
            source: "api",
            idempotency_key: None,
            based_on: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(deployed[0].job_id, "acme--web");
    let err = provisioning::delete(&services, &admin, "acme")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Conflict(m) if m.contains("acme--web")),
        "{err}"
    );
    np_domain::apps::stop(&services, &admin, "acme", "web", false)
        .await
        .unwrap();
    // Nomad marks the stopped job dead once its evaluation ran.
    let mut tries = 0;
    loop {
        match provisioning::delete(&services, &admin, "acme").await {
            Err(DomainError::Conflict(_)) if tries < 50 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            other => break other.unwrap(),
        }
    }
    assert!(tenants::by_slug(&services.db, "acme").await.is_err());
    let nomad = services.upstreams.nomad.as_ref().unwrap();
    assert!(
        nomad
            .namespaces()
            .info("acme", &QueryOptions::default())
            .await
            .is_err()
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn the_budget_counts_the_tenants_other_running_apps(pool: PgPool) {
    let (services, _sim) = services(pool, false).await;
    let admin = Caller::system("test");
    let mut small = new("acme");
    small.settings.budget_instances = 3;
    provisioning::create(&services, &admin, &small)
        .await
        .unwrap();
    let deploy = |text: &'static str| {
        let services = services.clone();
        let admin = admin.clone();
        async move {
            np_domain::apps::deploy(
                &services,
                &admin,
                "acme",
                &np_domain::apps::DeployInput {
                    text: text.into(),
                    format: None,
                    app: None,
                    source: "api",
                    idempotency_key: None,
                    based_on: None,
                },
            )
            .await
        }
    };
    // A secret reference too, so the stored spec's round trip is exercised.
    deploy(r#"{"name":"one","image":"nginx:1.27","replicas":{"count":2},"secrets":[{"env":"DB","from":"variable","path":"db","key":"password"}]}"#)
        .await
        .unwrap();
    // Redeploying the same app does not count it twice.
    deploy(r#"{"name":"one","image":"nginx:1.28","replicas":{"count":2},"secrets":[{"env":"DB","from":"variable","path":"db","key":"password"}]}"#)
        .await
        .unwrap();
    let err = deploy(r#"{"name":"two","image":"nginx:1.27","replicas":{"count":2}}"#)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Rejected(e) if e.to_string().contains("instances")),
        "{err}"
    );
    np_domain::apps::stop(&services, &admin, "acme", "one", false)
        .await
        .unwrap();
    deploy(r#"{"name":"two","image":"nginx:1.27","replicas":{"count":2}}"#)
        .await
        .unwrap();
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_submission_sent_twice_deploys_once(pool: PgPool) {
    let (services, _sim) = services(pool, false).await;
    let admin = Caller::system("test");
    provisioning::create(&services, &admin, &new("acme"))
        .await
        .unwrap();
    let deploy = |key: Option<&'static str>| {
        let services = services.clone();
        let admin = admin.clone();
        async move {
            np_domain::apps::deploy(
                &services,
                &admin,
                "acme",
                &np_domain::apps::DeployInput {
                    text: r#"{"name":"web","image":"nginx:1.27"}"#.into(),
                    format: None,
                    app: None,
                    source: "form",
                    idempotency_key: key.map(str::to_owned),
                    based_on: None,
                },
            )
            .await
            .unwrap()
        }
    };
    let first = deploy(Some("click-1")).await;
    let again = deploy(Some("click-1")).await;
    assert_eq!(
        first, again,
        "the same submission answers with the first deploy"
    );
    let (versions, _) = services
        .upstreams
        .nomad
        .as_ref()
        .unwrap()
        .jobs()
        .versions(
            "acme--web",
            false,
            &QueryOptions {
                namespace: Some("acme".into()),
                ..QueryOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(versions.versions.len(), 1, "Nomad saw one registration");
    let other = deploy(Some("click-2")).await;
    assert_ne!(other[0].deploy_id, first[0].deploy_id);
    deploy(None).await;
    // The same key with another document is refused, and deploys nothing.
    let err = np_domain::apps::deploy(
        &services,
        &admin,
        "acme",
        &np_domain::apps::DeployInput {
            text: r#"{"name":"web","image":"nginx:1.28"}"#.into(),
            format: None,
            app: None,
            source: "form",
            idempotency_key: Some("click-1".into()),
            based_on: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, np_domain::DomainError::Invalid { field, message }
            if field == "idempotency_key" && message.contains("used for a different request")),
        "{err}"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM deploys")
        .fetch_one(&services.db)
        .await
        .unwrap();
    assert_eq!(count, 3);
}

#[sqlx::test(migrations = "../../migrations")]
async fn an_edit_of_an_app_someone_deployed_since_is_refused_with_what_changed(pool: PgPool) {
    let (services, _sim) = services(pool, false).await;
    let admin = Caller::system("test");
    provisioning::create(&services, &admin, &new("acme"))
        .await
        .unwrap();
    let deploy = |image: &'static str, based_on: Option<uuid::Uuid>| {
        let services = services.clone();
        let admin = admin.clone();
        async move {
            np_domain::apps::deploy(
                &services,
                &admin,
                "acme",
                &np_domain::apps::DeployInput {
                    text: format!(r#"{{"name":"web","image":"{image}"}}"#),
                    format: None,
                    app: None,
                    source: "form",
                    idempotency_key: None,
                    based_on,
                },
            )
            .await
        }
    };
    let v1 = deploy("nginx:1.26", None).await.unwrap()[0].deploy_id;
    // Alice and Bob both load v1; Alice deploys first.
    let v2 = deploy("nginx:1.27", Some(v1)).await.unwrap()[0].deploy_id;
    let err = deploy("nginx:1.28", Some(v1)).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, DomainError::Conflict(_)), "{message}");
    assert!(
        message.contains("web changed since you loaded it"),
        "{message}"
    );
    assert!(message.contains("(changed: image)"), "{message}");
    // Building on the latest deploy works.
    deploy("nginx:1.28", Some(v2)).await.unwrap();
    assert_eq!(
        np_domain::apps::changed_fields(
            &serde_json::json!({"a": 1, "b": {"c": 1, "d": 2}}),
            &serde_json::json!({"a": 1, "b": {"c": 3, "d": 2}, "e": true})
        ),
        ["b.c", "e"]
    );
}
