//! Reading the audit log as its readers do: each reader's scope (a tenant auditor sees only their tenant),
//! filters, keyset pages and a record's details, against a real Postgres and the cluster simulator.

use np_domain::DomainError;
use np_domain::audit::query::{self, Scope};
use np_domain::audit::{self, Actor, Outcome, Record};
use np_domain::authz::Caller;
use np_domain::memberships;
use np_domain::memberships::TenantRole;
use np_spec::audit::AuditFilter;
use sqlx::PgPool;

mod common;

use common::input;

#[sqlx::test(migrations = "../../migrations")]
async fn tenant_auditors_see_only_their_tenant(pool: PgPool) {
    let (services, _sim, admin) = common::audited_tenants(pool).await;
    let db = services.db.clone();
    for tenant in ["acme", "globex"] {
        memberships::add_member(
            &services,
            &admin,
            tenant,
            "x@example.com",
            TenantRole::Auditor,
            "",
        )
        .await
        .unwrap();
    }
    let auditor = common::person(&db, "acme", TenantRole::Auditor).await;
    let developer = common::person(&db, "acme", TenantRole::Developer).await;
    assert!(matches!(
        Scope::of(&developer),
        Err(DomainError::Forbidden(_))
    ));
    let scope = Scope::of(&auditor).unwrap();
    let page = query::list(&db, &scope, &AuditFilter::default(), None, 500)
        .await
        .unwrap();
    assert!(!page.entries.is_empty());
    assert!(
        page.entries.iter().all(|e| e.tenant == "acme"),
        "{:?}",
        page.entries
    );
    let all = query::list(&db, &Scope::All, &AuditFilter::default(), None, 500)
        .await
        .unwrap();
    assert!(all.entries.iter().any(|e| e.tenant == "globex"));
    // Asking for another tenant's records by filter or by number finds nothing.
    let globex = AuditFilter {
        tenant: "globex".into(),
        ..AuditFilter::default()
    };
    assert!(
        query::list(&db, &scope, &globex, None, 500)
            .await
            .unwrap()
            .entries
            .is_empty()
    );
    let theirs = all
        .entries
        .iter()
        .find(|e| e.tenant == "globex")
        .unwrap()
        .seq;
    assert!(matches!(
        query::get(&db, &scope, theirs).await,
        Err(DomainError::NotFound(_))
    ));
    assert!(query::get(&db, &Scope::All, theirs).await.is_ok());
    // Exports too.
    use futures::TryStreamExt;
    let exported: Vec<_> = query::export(db.clone(), scope, &AuditFilter::default())
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(exported.len(), page.entries.len());
    assert!(exported.iter().all(|r| r.tenant.as_deref() == Some("acme")));
}

#[sqlx::test(migrations = "../../migrations")]
async fn pages_filters_and_details(pool: PgPool) {
    let (services, _sim, admin) = common::audited_tenants(pool).await;
    let db = services.db.clone();
    for image in ["nginx:1.26", "nginx:1.27"] {
        np_domain::apps::deploy(
            &services,
            &admin,
            "acme",
            &input(&format!(r#"{{"name":"web","image":"{image}"}}"#)),
        )
        .await
        .unwrap();
    }
    steps(&db, 30).await;
    // Keyset pages: every record once, newest first.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = query::list(&db, &Scope::All, &AuditFilter::default(), cursor, 7)
            .await
            .unwrap();
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(seen.len() as i64, total);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
    // Filters.
    let only = |f: AuditFilter| {
        let db = db.clone();
        async move {
            query::list(&db, &Scope::All, &f, None, 500)
                .await
                .unwrap()
                .entries
        }
    };
    let deploys = only(AuditFilter {
        action: "deploy".into(),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(deploys.len(), 4);
    assert!(
        deploys
            .iter()
            .all(|e| e.action == "deploy.submit" && e.target == "web")
    );
    let text = only(AuditFilter {
        text: "APP-2".into(),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(
        text.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(),
        [
            "app-29", "app-28", "app-27", "app-26", "app-25", "app-24", "app-23", "app-22",
            "app-21", "app-20", "app-2"
        ]
    );
    let since_now = only(AuditFilter {
        from: "2999-01-01".into(),
        ..AuditFilter::default()
    })
    .await;
    assert!(since_now.is_empty());
    // A deploy's detail: its intent and result, and the spec's change since the previous deploy.
    let latest = deploys[0].seq;
    let detail = query::get(&db, &Scope::All, latest).await.unwrap();
    assert_eq!(detail.related.len(), 2);
    let intent = detail.related[0].seq;
    let detail = query::get(&db, &Scope::All, intent).await.unwrap();
    assert_eq!(detail.previous_deploy, Some(deploys[3].seq));
    assert!(
        detail
            .spec_changes
            .iter()
            .any(|c| c.path == "image" && c.after.as_deref() == Some("nginx:1.27")),
        "{:?}",
        detail.spec_changes
    );
}

/// Writes `n` plain records.
async fn steps(pool: &PgPool, n: usize) {
    let actor = Actor::of(&Caller::system("test"));
    for i in 0..n {
        let record = Record::new("test.step").target("app", format!("app-{i}"));
        audit::event(pool, &actor, &record, Outcome::Success)
            .await
            .unwrap();
    }
}
