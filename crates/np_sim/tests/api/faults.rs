//! Fault injection: latency, error statuses, refused connections, the connection cap, capacity, images.

use std::time::{Duration, Instant};

use np_nomad::{Error, QueryOptions};
use serde_json::json;

use crate::support::*;

async fn fault(sim: &np_sim::Simulator, rule: serde_json::Value) {
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/_sim/faults", sim.nomad_url()))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

async fn clear(sim: &np_sim::Simulator) {
    reqwest::Client::new()
        .delete(format!("{}/_sim/faults", sim.nomad_url()))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn error_statuses_and_latency_apply_to_matching_requests_only() {
    let sim = sim().await;
    let client = nomad(&sim);
    fault(&sim, json!({"upstream": "nomad", "method": "GET", "path_prefix": "/v1/jobs", "fault": {"kind": "status", "status": 500, "body": "No cluster leader"}, "remaining": 3})).await;
    let err = client
        .jobs()
        .list(&QueryOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Status { body, .. } if body == "No cluster leader"));
    assert!(err.is_transient());
    // A read is tried three times in all (np_http::ATTEMPTS); then the counted rule has lapsed.
    assert!(
        client.jobs().list(&QueryOptions::default()).await.is_ok(),
        "the counted rule lapsed"
    );

    fault(&sim, json!({"upstream": "nomad", "path_prefix": "/v1/status", "fault": {"kind": "latency", "millis": 400}})).await;
    let started = Instant::now();
    client.status().leader().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    clear(&sim).await;
}

#[tokio::test]
async fn a_refusing_upstream_closes_its_port_until_the_rule_is_removed() {
    let sim = sim().await;
    let client = nomad(&sim);
    client.status().leader().await.unwrap();
    fault(
        &sim,
        json!({"upstream": "consul", "fault": {"kind": "refuse"}}),
    )
    .await;
    let consul = np_consul::Consul::new(np_consul::ConsulConfig::new(
        sim.consul_url().parse().unwrap(),
    ))
    .unwrap();
    let err = eventually(Duration::from_secs(5), "a refused connection", || async {
        consul
            .status()
            .leader()
            .await
            .err()
            .filter(|e| matches!(e, Error::Connect { .. }))
    })
    .await;
    assert!(err.is_transient());
    clear(&sim).await;
    eventually(Duration::from_secs(5), "the port to reopen", || async {
        consul.status().leader().await.ok()
    })
    .await;
}

#[tokio::test]
async fn connections_past_the_per_client_limit_get_429() {
    let sim = sim_with(|c| c.max_conns_per_client = 2).await;
    let (_, meta) = nomad(&sim)
        .jobs()
        .list(&QueryOptions::default())
        .await
        .unwrap();
    let query = QueryOptions::default().blocking(meta.last_index + 1000, Duration::from_secs(5));
    // Three clients, three connections, each holding a blocking query: one is over the limit.
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let client = nomad(&sim);
            let query = query.clone();
            tokio::spawn(async move { client.jobs().list(&query).await })
        })
        .collect();
    eventually(Duration::from_secs(5), "a 429", || async {
        calls.iter().any(|c| c.is_finished()).then_some(())
    })
    .await;
    assert_eq!(
        sim.nomad_connections(),
        2,
        "the two admitted connections are still open"
    );
    let mut statuses = Vec::new();
    for call in calls {
        if call.is_finished() {
            let err = call.await.unwrap().unwrap_err();
            assert!(err.is_transient());
            statuses.push(err.status().map(|s| s.as_u16()));
        } else {
            call.abort();
        }
    }
    assert_eq!(statuses, [Some(429)]);
}

#[tokio::test]
async fn exhausted_memory_blocks_placement_until_room_returns() {
    let sim = sim().await;
    let client = nomad(&sim);
    reqwest::Client::new()
        .post(format!("{}/_sim/capacity", sim.nomad_url()))
        .json(&json!({"exhaust_memory": true}))
        .send()
        .await
        .unwrap();
    let answer = register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let (eval, _) = client
        .evaluations()
        .info(&answer.eval_id, &QueryOptions::default())
        .await
        .unwrap();
    let failure = &eval.failed_tg_allocs.unwrap()["web"];
    assert!(
        failure
            .dimension_exhausted
            .as_ref()
            .unwrap()
            .contains_key("memory")
    );
    reqwest::Client::new()
        .post(format!("{}/_sim/capacity", sim.nomad_url()))
        .json(&json!({"exhaust_memory": false}))
        .send()
        .await
        .unwrap();
    deployment_reaches(&client, "default", "web", 0, "successful").await;
}

#[tokio::test]
async fn an_image_can_be_made_to_crash() {
    let sim = sim().await;
    let client = nomad(&sim);
    reqwest::Client::new()
        .post(format!("{}/_sim/images", sim.nomad_url()))
        .json(&json!({"pattern": "nginx:1.29", "behaviour": "crash"}))
        .send()
        .await
        .unwrap();
    register(&client, "default", web_job("web", "nginx:1.29", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "failed").await;
}
