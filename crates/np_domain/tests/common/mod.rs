//! What the domain's integration tests share: services over a test database and the cluster simulator.

#![allow(dead_code)]

use std::time::Duration;

use np_domain::apps::DeployInput;
use np_domain::authz::Caller;
use np_domain::tenants::{NewTenant, TenantSettings};
use np_domain::{Platform, Services, Upstreams, provisioning};
use np_nomad::{Nomad, NomadConfig};
use np_spec::names::TenantSlug;
use sqlx::PgPool;

/// Services over `pool`, with the simulator's Nomad and Consul (the simulator runs while it is kept).
pub async fn services_with_simulator(pool: PgPool) -> (Services, np_sim::Simulator) {
    services_with_nomad_timeout(pool, Duration::from_secs(30)).await
}

/// As [`services_with_simulator`], with Nomad requests limited to `timeout`.
pub async fn services_with_nomad_timeout(
    pool: PgPool,
    timeout: Duration,
) -> (Services, np_sim::Simulator) {
    let sim = np_sim::Simulator::start(np_sim::SimConfig::default())
        .await
        .unwrap();
    let mut nomad = NomadConfig::new(sim.nomad_url().parse().unwrap());
    nomad.timeout = timeout;
    let services = Services {
        db: pool,
        upstreams: Upstreams {
            nomad: Some(Nomad::new(nomad).unwrap()),
            consul: Some(
                np_consul::Consul::new(np_consul::ConsulConfig::new(
                    sim.consul_url().parse().unwrap(),
                ))
                .unwrap(),
            ),
            ..Upstreams::default()
        },
        platform: Platform::default(),
        live: np_domain::live::Hub::new(),
        limits: np_domain::limits::Limits::new(Default::default()),
        audit: std::sync::Arc::new(np_domain::audit::chain::Keys::ephemeral()),
    };
    (services, sim)
}

/// Creates the tenants `slugs` (with their namespaces) as `admin`.
pub async fn tenants(services: &Services, admin: &Caller, slugs: &[&str]) {
    for slug in slugs {
        provisioning::create(
            services,
            admin,
            &NewTenant {
                slug: TenantSlug::parse(slug).unwrap(),
                display_name: (*slug).into(),
                settings: TenantSettings::default(),
            },
        )
        .await
        .unwrap();
    }
}

/// A one-app document for the API.
pub fn input(text: &str) -> DeployInput {
    DeployInput {
        text: text.into(),
        format: None,
        app: None,
        source: "api",
        idempotency_key: None,
        based_on: None,
    }
}

/// How many audit intents have no result.
pub async fn open_intents(db: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_events i WHERE phase = 'intent' AND NOT EXISTS
           (SELECT 1 FROM audit_events r WHERE r.correlation_id = i.correlation_id AND r.phase = 'result')",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

/// Services over the simulator with tenants `acme` and `globex`, made by a platform operator whose requests
/// carry a client address, user agent and request id (so the audit records show them).
pub async fn audited_tenants(pool: PgPool) -> (Services, np_sim::Simulator, Caller) {
    let (services, sim) = services_with_simulator(pool).await;
    let admin = Caller {
        origin: np_domain::authz::Origin {
            ip: Some("198.51.100.7".into()),
            user_agent: Some("audit-test".into()),
            request_id: Some("req-1".into()),
        },
        ..Caller::system("test")
    };
    tenants(&services, &admin, &["acme", "globex"]).await;
    (services, sim, admin)
}

/// A person (issuer `https://idp.example.test`) with `role` in `tenant`.
pub async fn person(db: &PgPool, tenant: &str, role: np_domain::memberships::TenantRole) -> Caller {
    let subject = format!("{tenant}-{}", role.as_str());
    let user = np_domain::users::upsert(
        db,
        &np_domain::users::Identity {
            issuer: "https://idp.example.test".into(),
            subject: subject.clone(),
            email: None,
            display_name: Some(format!("{} {}", capital(tenant), capital(role.as_str()))),
        },
    )
    .await
    .unwrap();
    let t = np_domain::tenants::by_slug(db, tenant).await.unwrap();
    np_domain::memberships::set_role(db, t.id, user.id, role)
        .await
        .unwrap();
    Caller {
        principal: np_domain::authz::Principal::User {
            user_id: user.id,
            session_id: uuid::Uuid::new_v4(),
        },
        display_name: user.display_name,
        email: None,
        platform_role: None,
        grants: vec![np_domain::authz::Grant {
            tenant_id: t.id,
            tenant: t.slug,
            tenant_name: t.display_name,
            role,
        }],
        origin: np_domain::authz::Origin::default(),
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
