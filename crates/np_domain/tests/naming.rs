//! Jobs deployed under the first naming scheme (`<tenant>-<app>`, which let two tenants share names) are found
//! and moved to `<tenant>--<app>`: the app is deployed again under its new name, then the old job stops.

mod common;

use np_domain::audit::query::{self as audit_query};
use np_domain::authz::Caller;
use np_domain::naming;
use np_nomad::{Nomad, NomadConfig, QueryOptions, WriteOptions};
use sqlx::PgPool;
use uuid::Uuid;

/// Registers `app` of `acme` as the first scheme named it, with its deploy record when `recorded`.
async fn old_style(services: &np_domain::Services, nomad: &Nomad, app: &str, recorded: bool) {
    let tenant = np_domain::tenants::by_slug(&services.db, "acme")
        .await
        .unwrap();
    let spec = serde_json::json!({"name": app, "image": "nginx:1.27"});
    let doc = np_spec::parse::parse(&spec.to_string()).unwrap();
    let context = tenant.context(&services.platform).unwrap();
    let mut request = np_spec::generate(&doc.apps[0].spec, &context)
        .unwrap()
        .register_request();
    let job = request.job.as_mut().unwrap();
    job.id = Some(format!("acme-{app}"));
    job.name = Some(format!("acme-{app}"));
    let (answer, _) = nomad
        .jobs()
        .register(&request, &WriteOptions::namespace("acme"))
        .await
        .unwrap();
    if recorded {
        sqlx::query(
            "INSERT INTO deploys (id, tenant_id, app, job_id, actor, source, spec, job, job_modify_index, state)
             VALUES ($1, $2, $3, $4, 'test', 'api', $5, $6, $7, 'submitted')",
        )
        .bind(Uuid::new_v4())
        .bind(tenant.id)
        .bind(app)
        .bind(format!("acme-{app}"))
        .bind(&spec)
        .bind(serde_json::to_value(&request).unwrap())
        .bind(i64::try_from(answer.job_modify_index).unwrap())
        .execute(&services.db)
        .await
        .unwrap();
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn old_scheme_jobs_are_moved_to_their_new_names(pool: PgPool) {
    let (services, sim) = common::services_with_simulator(pool.clone()).await;
    let admin = Caller::system("test");
    common::tenants(&services, &admin, &["acme"]).await;
    let nomad = Nomad::new(NomadConfig::new(sim.nomad_url().parse().unwrap())).unwrap();
    old_style(&services, &nomad, "web", true).await;
    old_style(&services, &nomad, "legacy", false).await;

    let found = naming::legacy_jobs(&services).await.unwrap();
    let mut jobs: Vec<&str> = found.iter().map(|j| j.job.as_str()).collect();
    jobs.sort_unstable();
    assert_eq!(jobs, ["acme-legacy", "acme-web"]);

    let moved = naming::migrate(&services, &admin).await.unwrap();
    let web = moved.iter().find(|m| m.old.app == "web").unwrap();
    assert_eq!(web.new_job.as_deref(), Some("acme--web"), "{web:?}");
    let legacy = moved.iter().find(|m| m.old.app == "legacy").unwrap();
    assert_eq!(legacy.new_job, None);
    assert!(
        legacy
            .skipped
            .as_deref()
            .unwrap()
            .contains("not deployed through the console"),
        "{legacy:?}"
    );

    let q = QueryOptions::namespace("acme");
    let (new, _) = nomad.jobs().info("acme--web", &q).await.unwrap();
    assert_ne!(new.stop, Some(true));
    let config = new.task_groups.as_ref().unwrap()[0].tasks.as_ref().unwrap()[0]
        .config
        .clone()
        .unwrap();
    assert_eq!(config["image"], "docker.io/library/nginx:1.27");
    let (old, _) = nomad.jobs().info("acme-web", &q).await.unwrap();
    assert_eq!(
        old.stop,
        Some(true),
        "the old job is stopped once the new one runs"
    );
    let (untouched, _) = nomad.jobs().info("acme-legacy", &q).await.unwrap();
    assert_ne!(
        untouched.stop,
        Some(true),
        "a job it cannot move keeps running"
    );

    // Only the one it could not move is left, and the move is in the audit log.
    let left = naming::legacy_jobs(&services).await.unwrap();
    assert_eq!(
        left.iter().map(|j| j.job.as_str()).collect::<Vec<_>>(),
        ["acme-legacy"]
    );
    let page = audit_query::list(
        &services.db,
        &audit_query::Scope::All,
        &np_spec::audit::AuditFilter {
            action: "app.rename_job".into(),
            outcome: "success".into(),
            ..Default::default()
        },
        None,
        10,
    )
    .await
    .unwrap();
    assert_eq!(page.entries.len(), 1, "{page:?}");
    assert_eq!(page.entries[0].target, "web");
}
