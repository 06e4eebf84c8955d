//! Tenants, users and memberships against a real Postgres (a fresh database per test).

use np_domain::memberships::{self, TenantRole};
use np_domain::tenants::{self, NewTenant};
use np_domain::users::{self, Identity};
use np_domain::{DomainError, db};
use np_spec::names::TenantSlug;
use sqlx::PgPool;

fn new_tenant(slug: &str) -> NewTenant {
    NewTenant {
        slug: TenantSlug::parse(slug).unwrap(),
        display_name: format!("{slug} team"),
        settings: tenants::TenantSettings::default(),
    }
}

fn identity(subject: &str) -> Identity {
    Identity {
        issuer: "https://idp.example.test".into(),
        subject: subject.into(),
        email: Some(format!("{subject}@example.test")),
        display_name: None,
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_tenant_gets_its_namespace_and_duplicate_slugs_conflict(pool: PgPool) {
    let acme = tenants::insert(&pool, &new_tenant("acme")).await.unwrap();
    assert_eq!(acme.nomad_namespace, "acme");
    assert_eq!(acme.display_name, "acme team");
    assert_eq!(tenants::by_slug(&pool, "acme").await.unwrap(), acme);

    let err = tenants::insert(&pool, &new_tenant("acme"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Conflict(m) if m.contains("\"acme\" already exists")),
        "{err}"
    );
    assert!(matches!(
        tenants::by_slug(&pool, "nope").await,
        Err(DomainError::NotFound("tenant"))
    ));
}

#[sqlx::test(migrations = "../../migrations")]
async fn display_names_are_checked(pool: PgPool) {
    let mut blank = new_tenant("blank");
    blank.display_name = "   ".into();
    let err = tenants::insert(&pool, &blank).await.unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid { field, .. } if field == "display_name"),
        "{err}"
    );
    assert!(
        tenants::list(&pool).await.unwrap().is_empty(),
        "a refused tenant must not be stored"
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn the_database_refuses_bad_slugs_even_without_the_app(pool: PgPool) {
    for bad in [
        "A",
        "has space",
        "-x",
        "x-",
        "a--b",
        "tenant-with-a-name-far-longer-than-thirty",
    ] {
        let result = sqlx::query(
            "INSERT INTO tenants (slug, display_name, nomad_namespace) VALUES ($1, 'x', 'ns')",
        )
        .bind(bad)
        .execute(&pool)
        .await;
        assert!(result.is_err(), "{bad:?} was accepted");
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn signing_in_twice_updates_the_same_user(pool: PgPool) {
    let first = users::upsert(&pool, &identity("alice")).await.unwrap();
    assert_eq!(
        first.display_name, "alice@example.test",
        "falls back to the e-mail address"
    );

    let mut renamed = identity("alice");
    renamed.display_name = Some("Alice Liddell".into());
    let second = users::upsert(&pool, &renamed).await.unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.display_name, "Alice Liddell");

    let other_issuer = Identity {
        issuer: "https://other.example.test".into(),
        ..identity("alice")
    };
    assert_ne!(
        users::upsert(&pool, &other_issuer).await.unwrap().id,
        first.id
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn an_identity_without_a_subject_is_refused(pool: PgPool) {
    let err = users::upsert(&pool, &identity("")).await.unwrap_err();
    assert!(matches!(err, DomainError::Invalid { .. }));
}

#[sqlx::test(migrations = "../../migrations")]
async fn memberships_list_a_users_tenants_with_roles(pool: PgPool) {
    let acme = tenants::insert(&pool, &new_tenant("acme")).await.unwrap();
    let globex = tenants::insert(&pool, &new_tenant("globex")).await.unwrap();
    let bob = users::upsert(&pool, &identity("bob")).await.unwrap();

    memberships::set_role(&pool, globex.id, bob.id, TenantRole::Auditor)
        .await
        .unwrap();
    memberships::set_role(&pool, acme.id, bob.id, TenantRole::Developer)
        .await
        .unwrap();
    memberships::set_role(&pool, acme.id, bob.id, TenantRole::Admin)
        .await
        .unwrap();

    let list = memberships::for_user(&pool, bob.id).await.unwrap();
    let summary: Vec<_> = list
        .iter()
        .map(|m| (m.tenant_slug.as_str(), m.role))
        .collect();
    assert_eq!(
        summary,
        [("acme", TenantRole::Admin), ("globex", TenantRole::Auditor)]
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_membership_in_an_unknown_tenant_is_not_found(pool: PgPool) {
    let bob = users::upsert(&pool, &identity("bob")).await.unwrap();
    let err = memberships::set_role(&pool, uuid::Uuid::new_v4(), bob.id, TenantRole::Developer)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err}");
}

#[sqlx::test(migrations = false)]
async fn migrations_apply_to_an_empty_database_and_are_idempotent(pool: PgPool) {
    db::migrate(&pool).await.unwrap();
    db::migrate(&pool).await.unwrap();
    db::ping(&pool).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for table in ["memberships", "tenants", "users"] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing from {tables:?}"
        );
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn route_hosts_belong_to_one_app_on_the_whole_platform(pool: PgPool) {
    use np_domain::route_hosts;

    let acme = tenants::insert(&pool, &new_tenant("acme")).await.unwrap();
    let beta = tenants::insert(&pool, &new_tenant("beta")).await.unwrap();
    let hosts = |names: &[&str]| names.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>();

    route_hosts::claim(
        &pool,
        acme.id,
        "web",
        &hosts(&["web.acme.example.test", "www.acme.example.test"]),
    )
    .await
    .unwrap();
    // The owner may keep, drop and add its own hosts.
    route_hosts::claim(
        &pool,
        acme.id,
        "web",
        &hosts(&["web.acme.example.test", "new.acme.example.test"]),
    )
    .await
    .unwrap();
    assert!(
        route_hosts::taken(&pool, "acme", "web", &hosts(&["web.acme.example.test"]))
            .await
            .unwrap()
            .is_empty()
    );

    // Another app of the same tenant sees which app has it.
    let taken = route_hosts::taken(
        &pool,
        "acme",
        "api",
        &hosts(&["web.acme.example.test", "www.acme.example.test"]),
    )
    .await
    .unwrap();
    assert_eq!(taken.len(), 1, "www was released");
    assert_eq!(
        taken[0].message("acme"),
        "web.acme.example.test is already routed to your app web"
    );
    // Another tenant learns only that it is taken.
    let taken = route_hosts::taken(&pool, "beta", "web", &hosts(&["web.acme.example.test"]))
        .await
        .unwrap();
    assert_eq!(
        taken[0].message("beta"),
        "web.acme.example.test is already in use on the platform"
    );

    // A claim that collides changes nothing.
    let err = route_hosts::claim(
        &pool,
        beta.id,
        "web",
        &hosts(&["fine.beta.example.test", "web.acme.example.test"]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, DomainError::Conflict(m) if m.contains("web.acme.example.test")),
        "{err}"
    );
    assert!(
        route_hosts::taken(&pool, "acme", "web", &hosts(&["fine.beta.example.test"]))
            .await
            .unwrap()
            .is_empty(),
        "the partial claim was rolled back"
    );

    route_hosts::release(&pool, acme.id, "web").await.unwrap();
    route_hosts::claim(&pool, beta.id, "web", &hosts(&["web.acme.example.test"]))
        .await
        .unwrap();
}
