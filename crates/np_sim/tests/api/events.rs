//! The event stream as Nomad serves it: a greeting heartbeat (`nomad/stream/ndjson.go`), one index per batch
//! shared by its events (`nomad/state/events.go`), index 0 replaying the buffer and index K starting at K
//! (`nomad/stream/event_broker.go`, `event_buffer.go`), and a new deployment first announced by the plan
//! that made it (`PlanResult`).

use std::time::Duration;

use np_nomad::QueryOptions;
use np_nomad::types::EventBatch;

use crate::support::*;

async fn next(stream: &mut np_nomad::events::EventStream) -> EventBatch {
    tokio::time::timeout(Duration::from_secs(10), stream.next_batch())
        .await
        .expect("a batch in time")
        .unwrap()
        .expect("the stream stays open")
}

/// Batches (no heartbeats) until one has an event of `topic` with type `event_type`.
async fn until(
    stream: &mut np_nomad::events::EventStream,
    topic: &str,
    event_type: &str,
) -> Vec<EventBatch> {
    let mut seen = Vec::new();
    loop {
        let batch = next(stream).await;
        if batch.is_heartbeat() {
            continue;
        }
        let done = batch
            .events
            .iter()
            .any(|e| e.topic == topic && e.event_type == event_type);
        seen.push(batch);
        if done {
            return seen;
        }
    }
}

#[tokio::test]
async fn index_zero_replays_the_buffer_and_each_batch_has_one_index() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    // Subscribed after the fact: index 0 starts at the oldest batch kept, so the registration is there.
    let mut stream = client
        .events()
        .stream(&[], 0, &QueryOptions::namespace("*"))
        .await
        .unwrap();
    assert!(
        next(&mut stream).await.is_heartbeat(),
        "Nomad greets with a heartbeat"
    );
    let batches = until(&mut stream, "Deployment", "DeploymentStatusUpdate").await;
    let first_job = batches
        .iter()
        .flat_map(|b| &b.events)
        .find(|e| e.topic == "Job")
        .expect("the job's registration is replayed");
    assert_eq!(first_job.event_type, "JobRegistered");
    let mut last = 0;
    for batch in &batches {
        assert!(batch.index > last, "one batch per index, in order");
        last = batch.index;
        for event in &batch.events {
            assert_eq!(event.index, batch.index, "{event:?}");
        }
    }
    let first_deployment = batches
        .iter()
        .flat_map(|b| &b.events)
        .find(|e| e.topic == "Deployment")
        .unwrap();
    assert_eq!(
        first_deployment.event_type, "PlanResult",
        "a new deployment is first announced by the plan that created it"
    );

    // Resuming at an index seen includes that batch.
    let resume_at = batches[batches.len() / 2].index;
    let mut resumed = client
        .events()
        .stream(&[], resume_at, &QueryOptions::namespace("*"))
        .await
        .unwrap();
    assert!(next(&mut resumed).await.is_heartbeat());
    assert_eq!(next(&mut resumed).await.index, resume_at);
}

#[tokio::test]
async fn a_followed_log_beats_once_a_second_whatever_else_writes() {
    // Other workloads write often; Nomad's framer still ticks every second (`client/fs_endpoint.go`).
    let sim = sim_with(|c| c.log_line_interval = Duration::from_millis(50)).await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    let alloc = eventually(
        Duration::from_secs(10),
        "two running allocations",
        || async {
            let allocs = running(&client, "default", "web").await;
            (allocs.len() == 2).then(|| allocs[0].id.clone())
        },
    )
    .await;
    let url = format!(
        "{}/v1/client/fs/logs/{alloc}?task=web&type=stderr&follow=true&origin=end&offset=0",
        sim.nomad_url()
    );
    let mut response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut heartbeats = 0;
    let window = tokio::time::Instant::now() + Duration::from_millis(3500);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(window, response.chunk())
        .await
        .map(Result::unwrap)
    {
        heartbeats += String::from_utf8_lossy(&chunk).matches("{}").count();
    }
    assert!(heartbeats >= 3, "{heartbeats} heartbeats in 3.5 s");
}
