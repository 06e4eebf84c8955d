//! Tenants stay apart where an attacker probed: a log search for another tenant's instance is "not found",
//! like every other foreign object.

use std::time::Duration;

use np_domain::authz::Caller;
use np_domain::operate::{self, LogSearch};
use np_domain::{DomainError, Services};
use np_openobserve::{OpenObserve, OpenObserveConfig};
use sqlx::PgPool;

mod common;

use common::input;

async fn setup(pool: PgPool) -> (Services, np_sim::Simulator, Caller) {
    let (mut services, sim) = common::services_with_simulator(pool).await;
    services.upstreams.openobserve = Some(
        OpenObserve::new(OpenObserveConfig {
            address: sim.openobserve_url().parse().unwrap(),
            org: "default".into(),
            user: "root@example.com".into(),
            password: secrecy::SecretString::from("np-sim-password".to_owned()),
            timeout: Duration::from_secs(5),
            max_connections: 2,
        })
        .unwrap(),
    );
    let admin = Caller::system("test");
    common::tenants(&services, &admin, &["acme", "globex"]).await;
    (services, sim, admin)
}

/// The first allocation of `tenant`'s app `app`, once Nomad has placed it.
async fn allocation(services: &Services, tenant: &str, app: &str) -> String {
    let nomad = services.upstreams.nomad.as_ref().unwrap();
    let q = np_nomad::QueryOptions::namespace(tenant);
    for _ in 0..100 {
        let (allocs, _) = nomad
            .jobs()
            .allocations(&format!("{tenant}--{app}"), false, &q)
            .await
            .unwrap();
        if let Some(a) = allocs.first() {
            return a.id.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no allocation for {tenant}--{app}");
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_log_search_for_another_tenants_instance_is_not_found(pool: PgPool) {
    let (services, _sim, admin) = setup(pool).await;
    for tenant in ["acme", "globex"] {
        np_domain::apps::deploy(
            &services,
            &admin,
            tenant,
            &input(r#"{"name":"web","image":"nginx:1.27"}"#),
        )
        .await
        .unwrap();
    }
    let ours = allocation(&services, "acme", "web").await;
    let theirs = allocation(&services, "globex", "web").await;
    let search = |instance: &str| LogSearch {
        instance: Some(instance.to_owned()),
        ..LogSearch::default()
    };
    operate::search_logs(&services, &admin, "acme", "web", &search(&ours))
        .await
        .unwrap();
    operate::search_logs(&services, &admin, "acme", "web", &search(&ours[..8]))
        .await
        .unwrap();
    for foreign in [theirs.clone(), theirs[..8].to_owned()] {
        let err = operate::search_logs(&services, &admin, "acme", "web", &search(&foreign))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::NotFound("instance")),
            "{foreign}: {err}"
        );
    }
}
