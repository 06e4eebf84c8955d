//! Who owns which tenant setting: the tenant renames itself; the platform sets its host suffix, node pool,
//! budget, volumes and registries, and keeps every tenant's host names apart from every other's and from the
//! console's. Against a real Postgres and the cluster simulator.

mod common;

use np_domain::authz::Caller;
use np_domain::memberships::TenantRole;
use np_domain::tenants::{self, NewTenant, TenantSettings};
use np_domain::{DomainError, provisioning};
use np_spec::names::TenantSlug;
use sqlx::PgPool;

/// A person who is an admin of `tenant` and nothing else.
async fn tenant_admin(db: &PgPool, tenant: &str) -> Caller {
    common::person(db, tenant, TenantRole::Admin).await
}

fn with_suffix(suffix: &str) -> TenantSettings {
    TenantSettings {
        host_suffix: suffix.into(),
        ..TenantSettings::default()
    }
}

fn field_of(err: &DomainError) -> &str {
    match err {
        DomainError::Invalid { field, .. } => field,
        other => panic!("expected a refusal at a field, got {other}"),
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_tenant_admin_renames_the_tenant_but_cannot_raise_its_limits(pool: PgPool) {
    let (services, _sim) = common::services_with_simulator(pool.clone()).await;
    let platform = Caller::system("test");
    common::tenants(&services, &platform, &["acme", "globex"]).await;
    let admin = tenant_admin(&pool, "acme").await;

    let renamed = provisioning::rename(&services, &admin, "acme", "Acme Corp")
        .await
        .unwrap();
    assert_eq!(renamed.display_name, "Acme Corp");

    // Each attack of the report: a huge budget, another tenant's volume, another node pool, any registry,
    // another tenant's host names.
    let before = tenants::by_slug(&pool, "acme").await.unwrap().settings;
    let attacks = [
        TenantSettings {
            budget_cpu: 10_000_000,
            budget_instances: 100_000,
            ..before.clone()
        },
        TenantSettings {
            allowed_volumes: vec!["globex-data".into()],
            ..before.clone()
        },
        TenantSettings {
            node_pool: "gpu".into(),
            ..before.clone()
        },
        TenantSettings {
            allowed_registries: vec!["evil.example.com".into()],
            ..before.clone()
        },
        with_suffix("globex.apps.localhost"),
    ];
    for attack in &attacks {
        let err = provisioning::set_settings(&services, &admin, "acme", attack)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, DomainError::Forbidden(m) if m.contains("platform")),
            "{err}"
        );
    }
    assert_eq!(
        tenants::by_slug(&pool, "acme").await.unwrap().settings,
        before
    );
    // A foreign tenant is not even there for them.
    assert!(matches!(
        provisioning::rename(&services, &admin, "globex", "Mine").await,
        Err(DomainError::NotFound("tenant"))
    ));

    // A platform admin may raise them.
    let raised = TenantSettings {
        budget_cpu: 64_000,
        allowed_volumes: vec!["acme-data".into()],
        ..before
    };
    let t = provisioning::set_settings(&services, &platform, "acme", &raised)
        .await
        .unwrap();
    assert_eq!(t.settings, raised);
    assert_eq!(t.display_name, "Acme Corp", "the tenant's own name is kept");
}

#[sqlx::test(migrations = "../../migrations")]
async fn host_suffixes_never_overlap_another_tenants_or_the_console(pool: PgPool) {
    let (mut services, _sim) = common::services_with_simulator(pool.clone()).await;
    services.platform.console_host = Some("console.apps.localhost".into());
    let platform = Caller::system("test");
    common::tenants(&services, &platform, &["acme", "globex"]).await;
    let set = |suffix: &'static str| {
        let services = services.clone();
        let platform = platform.clone();
        async move {
            provisioning::set_settings(&services, &platform, "acme", &with_suffix(suffix)).await
        }
    };

    for taken in [
        "globex.apps.localhost",      // another tenant's (default) suffix
        "shop.globex.apps.localhost", // under it
        "apps.localhost",             // the whole apps domain, above every tenant
        "console.apps.localhost",     // the console's own host
        "x.console.apps.localhost",   // under it
        "evil.example.com",           // outside the apps domain
    ] {
        let err = set(taken).await.unwrap_err();
        assert_eq!(field_of(&err), "host_suffix", "{taken}: {err}");
    }
    let err = set("shop.globex.apps.localhost").await.unwrap_err();
    assert!(err.to_string().contains("tenant globex"), "{err}");

    // A suffix of its own is fine, and then holds: globex may not move under or over it.
    set("acme-shop.apps.localhost").await.unwrap();
    for taken in ["acme-shop.apps.localhost", "eu.acme-shop.apps.localhost"] {
        let err = provisioning::set_settings(&services, &platform, "globex", &with_suffix(taken))
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), "host_suffix", "{taken}: {err}");
    }
    // Nor may a new tenant whose default suffix is already someone's.
    let err = provisioning::create(
        &services,
        &platform,
        &NewTenant {
            slug: TenantSlug::parse("acme-shop").unwrap(),
            display_name: "Acme Shop".into(),
            settings: TenantSettings::default(),
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("tenant acme"), "{err}");
    assert!(tenants::by_slug(&pool, "acme-shop").await.is_err());
}
