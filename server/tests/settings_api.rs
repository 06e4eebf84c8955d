//! Who owns which tenant setting, through the REST API as an attacker would use it: a tenant admin (by session
//! or token) renames the tenant but cannot change its platform-owned settings; a platform admin can, within
//! the rules that keep tenants' host names apart.

mod common;

use axum::http::StatusCode;
use common::{Auth, call};
use np_domain::authz::PlatformRole;
use np_domain::memberships::TenantRole;
use np_domain::{Upstreams, tenants};
use serde_json::{Value, json};
use sqlx::PgPool;

/// The default settings with `changes` applied: the settings route takes the whole document.
fn full(changes: Value) -> String {
    let mut doc = serde_json::to_value(tenants::TenantSettings::default()).unwrap();
    for (k, v) in changes.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc.to_string()
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn a_tenant_admin_cannot_change_platform_owned_settings_through_the_api(pool: PgPool) {
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    common::tenant(&services, "globex").await;
    let router = common::router(services);
    let admin =
        Auth::Cookie(common::person(&pool, "erin", None, &[("acme", TenantRole::Admin)]).await);
    let token = Auth::Bearer(common::token(&pool, "acme", TenantRole::Admin).await);
    let before = tenants::by_slug(&pool, "acme").await.unwrap();

    // The rename route refuses a settings field outright, naming where settings are changed.
    let attack = json!({
        "display_name": "Acme",
        "settings": {"host_suffix": "globex.apps.localhost", "budget_cpu": 10_000_000},
    });
    let (status, _, body) = call(
        &router,
        "PUT",
        "/api/v1/tenants/acme",
        &admin,
        Some(attack.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("/tenants/acme/settings"), "{body}");

    // The settings route is for platform admins: a tenant admin's session and a tenant-admin token are refused.
    let settings = full(
        json!({"host_suffix": "globex.apps.localhost", "budget_cpu": 10_000_000,
        "allowed_volumes": ["globex-data"]}),
    );
    for who in [&admin, &token] {
        let (status, _, body) = call(
            &router,
            "PUT",
            "/api/v1/tenants/acme/settings",
            who,
            Some(settings.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let after = tenants::by_slug(&pool, "acme").await.unwrap();
    assert_eq!(after.settings, before.settings, "nothing changed");
    assert_eq!(after.display_name, before.display_name);

    // Renaming alone is the tenant admin's to do.
    let (status, _, body) = call(
        &router,
        "PUT",
        "/api/v1/tenants/acme",
        &admin,
        Some(json!({"display_name": "Acme Corp"}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(parse(&body)["display_name"], "Acme Corp");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_platform_admin_sets_settings_but_not_another_tenants_hosts(pool: PgPool) {
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    common::tenant(&services, "globex").await;
    let router = common::router(services);
    let root = Auth::Cookie(common::person(&pool, "root", Some(PlatformRole::Admin), &[]).await);

    // Another tenant's suffix, a name under it, and the whole apps domain: each refused at host_suffix.
    for suffix in [
        "globex.apps.localhost",
        "eu.globex.apps.localhost",
        "apps.localhost",
    ] {
        let (status, _, body) = call(
            &router,
            "PUT",
            "/api/v1/tenants/acme/settings",
            &root,
            Some(full(json!({"host_suffix": suffix}))),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{suffix}: {body}");
        assert!(body.contains("host_suffix"), "{suffix}: {body}");
    }
    // An unknown field is refused, not silently dropped; so is a document missing a setting.
    let (status, _, body) = call(
        &router,
        "PUT",
        "/api/v1/tenants/acme/settings",
        &root,
        Some(full(json!({"budget_cpus": 1}))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("budget_cpus"), "{body}");
    let (status, _, body) = call(
        &router,
        "PUT",
        "/api/v1/tenants/acme/settings",
        &root,
        Some(json!({"budget_cpu": 1}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        tenants::by_slug(&pool, "acme")
            .await
            .unwrap()
            .settings
            .host_suffix
            .is_empty()
    );

    let (status, _, body) = call(
        &router,
        "PUT",
        "/api/v1/tenants/acme/settings",
        &root,
        Some(full(
            json!({"host_suffix": "shop.acme.apps.localhost", "budget_cpu": 8000,
            "allowed_volumes": ["acme-data"]}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let acme = tenants::by_slug(&pool, "acme").await.unwrap();
    assert_eq!(acme.settings.host_suffix, "shop.acme.apps.localhost");
    assert_eq!(acme.settings.budget_cpu, 8000);
    assert_eq!(acme.settings.allowed_volumes, vec!["acme-data".to_owned()]);
}
