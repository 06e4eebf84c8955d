//! The Consul API follows the allocations: instances with the job's tags, canary tags and check state.

use std::time::Duration;

use np_consul::{Consul, ConsulConfig, QueryOptions};

use crate::support::*;

fn consul(sim: &np_sim::Simulator) -> Consul {
    Consul::new(ConsulConfig::new(sim.consul_url().parse().unwrap())).unwrap()
}

#[tokio::test]
async fn running_allocations_register_with_their_tags_ports_and_passing_checks() {
    let sim = sim().await;
    let client = nomad(&sim);
    let consul = consul(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    let (entries, meta) = eventually(Duration::from_secs(10), "two passing instances", || async {
        let (entries, meta) = consul
            .health()
            .service("web", true, &QueryOptions::default())
            .await
            .ok()?;
        (entries.len() == 2).then_some((entries, meta))
    })
    .await;
    assert!(meta.last_index > 0);
    let tags = entries[0].service.tags.clone().unwrap();
    assert_eq!(
        tags,
        [
            "traefik.enable=true",
            "traefik.http.routers.web.rule=Host(`web.example.test`)"
        ]
    );
    assert!(entries[0].service.id.starts_with("_nomad-task-"));
    let port = entries[0].service.port;
    let body = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "ok\n");

    let (services, _) = consul
        .catalog()
        .services(&QueryOptions::default())
        .await
        .unwrap();
    assert!(services["web"].contains(&"traefik.enable=true".to_string()));
    let (instances, _) = consul
        .catalog()
        .service("web", &QueryOptions::default())
        .await
        .unwrap();
    assert_eq!(instances.len(), 2);
}

#[tokio::test]
async fn unhealthy_workloads_show_critical_checks_and_canaries_use_canary_tags() {
    let sim = sim().await;
    let client = nomad(&sim);
    let consul = consul(&sim);
    register(
        &client,
        "default",
        web_job("sick", "example/unhealthy:1", 1),
    )
    .await;
    // Like Consul, a check is critical (with no output) until its first probe, then reports what it saw.
    let entry = eventually(
        Duration::from_secs(10),
        "a probed critical instance",
        || async {
            let (entries, _) = consul
                .health()
                .service("sick", false, &QueryOptions::default())
                .await
                .ok()?;
            entries.into_iter().find(|e| {
                e.checks
                    .iter()
                    .any(|c| c.status == "critical" && !c.output.is_empty())
            })
        },
    )
    .await;
    assert_eq!(entry.aggregated_status(), "critical");
    let check = entry
        .checks
        .iter()
        .find(|c| c.check_id != "serfHealth")
        .unwrap();
    assert!(check.output.contains("500"), "{}", check.output);
    assert!(
        consul
            .health()
            .service("sick", true, &QueryOptions::default())
            .await
            .unwrap()
            .0
            .is_empty()
    );

    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    let mut next = web_job("web", "nginx:2", 1);
    next.update.as_mut().unwrap().canary = Some(1);
    register(&client, "default", next).await;
    eventually(
        Duration::from_secs(10),
        "the canary's instance with canary tags",
        || async {
            let (entries, _) = consul
                .health()
                .service("web", false, &QueryOptions::default())
                .await
                .ok()?;
            entries
                .iter()
                .any(|e| {
                    e.service.tags.as_deref() == Some(&["traefik.enable=false".to_string()][..])
                })
                .then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn a_blocking_catalog_query_wakes_when_an_instance_registers() {
    let sim = sim().await;
    let consul = consul(&sim);
    let (_, meta) = consul
        .catalog()
        .services(&QueryOptions::default())
        .await
        .unwrap();
    let waiting = {
        let consul = consul.clone();
        tokio::spawn(async move {
            consul
                .catalog()
                .services(&QueryOptions::blocking(
                    meta.last_index,
                    Duration::from_secs(20),
                ))
                .await
        })
    };
    register(&nomad(&sim), "default", web_job("web", "nginx:1", 1)).await;
    let (services, after) = tokio::time::timeout(Duration::from_secs(15), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(after.last_index > meta.last_index);
    let _ = services;
}

#[tokio::test]
async fn kv_supports_check_and_set() {
    let sim = sim().await;
    let kv = consul(&sim);
    let kv = kv.kv();
    assert!(kv.put("np/tenants/acme", b"v1", Some(0)).await.unwrap());
    assert!(
        !kv.put("np/tenants/acme", b"v2", Some(0)).await.unwrap(),
        "create-only fails when the key exists"
    );
    let (pair, _) = kv
        .get("np/tenants/acme", &QueryOptions::default())
        .await
        .unwrap();
    let pair = pair.unwrap();
    assert_eq!(pair.bytes(), b"v1");
    assert!(
        kv.put("np/tenants/acme", b"v2", Some(pair.modify_index))
            .await
            .unwrap()
    );
    assert!(
        !kv.delete("np/tenants/acme", Some(pair.modify_index))
            .await
            .unwrap(),
        "stale index"
    );
    assert_eq!(
        kv.list("np/", &QueryOptions::default())
            .await
            .unwrap()
            .0
            .len(),
        1
    );
    assert!(kv.delete("np/tenants/acme", None).await.unwrap());
    assert!(
        kv.get("np/tenants/acme", &QueryOptions::default())
            .await
            .unwrap()
            .0
            .is_none()
    );
}
