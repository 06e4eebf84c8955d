//! Scaling as Nomad's job endpoint does it (`nomad/job_endpoint.go` `Scale`, `api/scaling.go`): a
//! `JobModifyIndex` of 0 is not checked, a stale one is refused with the enforce-index error, a request
//! without a count only records an event, and the scale status lists the events, newest first.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

fn scale_body(count: Option<i64>, job_modify_index: u64, message: &str) -> serde_json::Value {
    // The shape `api.ScalingRequest` marshals to: every field, zero values included.
    json!({
        "Count": count,
        "Target": {"Job": "web", "Group": "web", "Namespace": "default"},
        "Error": false,
        "Message": message,
        "Meta": null,
        "PolicyOverride": false,
        "JobModifyIndex": job_modify_index,
        "Region": "", "Namespace": "", "SecretID": "", "IdempotencyToken": ""
    })
}

#[tokio::test]
async fn a_zero_job_modify_index_is_not_checked_and_a_stale_one_is_refused() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    let (status, _, answer) = raw_json(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(Some(2), 0, "more")),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(!answer["EvalID"].as_str().unwrap().is_empty());
    let modify_index = answer["JobModifyIndex"].as_u64().unwrap();
    deployment_reaches(&client, "default", "web", 1, "successful").await;

    let (status, _, text) = raw(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(Some(3), modify_index - 1, "stale")),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        text,
        format!(
            "Enforcing job modify index {}: job exists with conflicting job modify index: {modify_index}",
            modify_index - 1
        )
    );
    let (status, _, _) = raw(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(Some(3), modify_index, "current")),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn scale_status_lists_scaling_events_newest_first_and_an_event_without_count_changes_nothing()
{
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    raw(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(Some(2), 0, "busy morning")),
    )
    .await;
    deployment_reaches(&client, "default", "web", 1, "successful").await;
    let (status, _, answer) = raw_json(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(None, 0, "autoscaler: cooldown")),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["EvalID"], "", "no evaluation without a count");

    let (_, _, status) = raw_json(&sim, Method::GET, "/v1/job/web/scale", None).await;
    let group = &status["TaskGroups"]["web"];
    assert_eq!(group["Desired"], 2);
    let events = group["Events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["Message"], "autoscaler: cooldown");
    assert_eq!(events[0]["Count"], serde_json::Value::Null);
    assert_eq!(events[0]["EvalID"], serde_json::Value::Null);
    assert_eq!(events[1]["Message"], "busy morning");
    assert_eq!(
        (
            events[1]["PreviousCount"].as_i64(),
            events[1]["Count"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert!(events[1]["EvalID"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(events[0]["CreateIndex"].as_u64() > events[1]["CreateIndex"].as_u64());
    let (_, _, versions) = raw_json(&sim, Method::GET, "/v1/job/web/versions", None).await;
    assert_eq!(
        versions["Versions"].as_array().unwrap().len(),
        2,
        "the event made no version"
    );
}

#[tokio::test]
async fn scale_refusals_carry_nomads_codes() {
    let sim = sim().await;
    let client = nomad(&sim);
    let (status, _, text) = raw(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(Some(1), 0, "")),
    )
    .await;
    assert_eq!((status, text.as_str()), (404, "job \"web\" not found"));
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let (status, _, text) = raw(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(Some(-1), 0, "")),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (400, "scaling action count can't be negative")
    );
    // A deployment is running (the job was just registered): scaling waits for it.
    let (status, _, text) = raw(
        &sim,
        Method::POST,
        "/v1/job/web/scale",
        Some(scale_body(Some(2), 0, "")),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (400, "job scaling blocked due to active deployment")
    );
}
