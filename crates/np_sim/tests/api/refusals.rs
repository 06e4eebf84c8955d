//! Nomad's status codes for refusals. Nomad's HTTP layer answers any error without a code of its own with 500
//! and the message (`errCodeFromHandler` in `command/agent/http.go`): validation and admission errors, unknown
//! or terminal deployments, promotion before the canaries are healthy, reverts and stability changes of
//! unknown versions. A deregister of a job Nomad does not have succeeds with an empty answer.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

/// A canary that never becomes healthy, with deadlines long enough that its deployment stays running.
fn canary_job() -> np_nomad::types::Job {
    let mut job = web_job("web", "example/unhealthy:2", 1);
    let update = job.update.as_mut().unwrap();
    update.canary = Some(1);
    update.auto_revert = Some(false);
    update.healthy_deadline = Some(600 * np_nomad::types::SECOND);
    update.progress_deadline = Some(1200 * np_nomad::types::SECOND);
    job
}

#[tokio::test]
async fn admission_refusals_are_500_with_nomads_message() {
    let sim = sim().await;
    let mut job = serde_json::to_value(web_job("web", "nginx", 1)).unwrap();
    let (status, _, body) = raw(
        &sim,
        Method::PUT,
        "/v1/jobs?namespace=nowhere",
        Some(json!({"Job": job.clone()})),
    )
    .await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, "job \"web\" is in nonexistent namespace \"nowhere\"");

    job["NodePool"] = json!("gpu");
    let (status, _, body) = raw(
        &sim,
        Method::PUT,
        "/v1/jobs",
        Some(json!({"Job": job.clone()})),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(body, "job \"web\" is in nonexistent node pool \"gpu\"");

    job["NodePool"] = json!("default");
    job["TaskGroups"][0]["Count"] = json!(-1);
    let (status, _, body) = raw(&sim, Method::PUT, "/v1/jobs", Some(json!({"Job": job}))).await;
    assert_eq!(status, 500);
    assert!(body.starts_with("1 error occurred:\n\t* "), "{body}");

    // The HTTP layer's own checks keep their 400.
    let (status, _, body) = raw(&sim, Method::PUT, "/v1/jobs", Some(json!({}))).await;
    assert_eq!((status, body.as_str()), (400, "Job must be specified"));
}

#[tokio::test]
async fn deployment_refusals_are_500_with_nomads_message() {
    let sim = sim().await;
    let client = nomad(&sim);
    let unknown = "/v1/deployment/promote/00000000-0000-0000-0000-000000000000";
    let (status, _, body) = raw(&sim, Method::PUT, unknown, Some(json!({"All": true}))).await;
    assert_eq!((status, body.as_str()), (500, "deployment not found"));

    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    register(&client, "default", canary_job()).await;
    let running = deployment_reaches(&client, "default", "web", 1, "running").await;

    // The canary is not healthy yet: one multierror entry per group that lacks healthy canaries.
    let path = format!("/v1/deployment/promote/{}", running.id);
    let body = json!({"DeploymentID": running.id, "All": true});
    let (status, _, text) = raw(&sim, Method::PUT, &path, Some(body.clone())).await;
    assert_eq!(status, 500);
    assert_eq!(
        text,
        "1 error occurred:\n\t* Task group \"web\" has 0/1 healthy allocations\n\n"
    );

    let fail = format!("/v1/deployment/fail/{}", running.id);
    let (status, _, _) = raw(
        &sim,
        Method::PUT,
        &fail,
        Some(json!({"DeploymentID": running.id})),
    )
    .await;
    assert_eq!(status, 200);
    for (verb, path, body) in [
        ("fail", fail.clone(), json!({"DeploymentID": running.id})),
        ("promote", path.clone(), body.clone()),
        (
            "pause",
            format!("/v1/deployment/pause/{}", running.id),
            json!({"DeploymentID": running.id, "Pause": true}),
        ),
        (
            "resume",
            format!("/v1/deployment/pause/{}", running.id),
            json!({"DeploymentID": running.id, "Pause": false}),
        ),
    ] {
        let (status, _, text) = raw(&sim, Method::PUT, &path, Some(body)).await;
        assert_eq!(status, 500, "{verb}");
        assert_eq!(text, format!("can't {verb} terminal deployment"));
    }
}

#[tokio::test]
async fn job_version_refusals_are_500_and_a_missing_job_deregisters() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;

    let revert = json!({"JobID": "web", "JobVersion": 0});
    let (status, _, text) = raw(&sim, Method::PUT, "/v1/job/web/revert", Some(revert)).await;
    assert_eq!(
        (status, text.as_str()),
        (500, "can't revert to current version")
    );
    let revert = json!({"JobID": "web", "JobVersion": 7});
    let (status, _, text) = raw(&sim, Method::PUT, "/v1/job/web/revert", Some(revert)).await;
    assert_eq!(status, 500);
    assert_eq!(
        text,
        "job \"web\" in namespace \"default\" at version 7 not found"
    );
    let stable = json!({"JobID": "web", "JobVersion": 7, "Stable": true});
    let (status, _, text) = raw(&sim, Method::PUT, "/v1/job/web/stable", Some(stable)).await;
    assert_eq!(status, 500);
    assert_eq!(
        text,
        "job \"web\" in namespace \"default\" at version 7 not found"
    );

    let (status, _, answer) = raw_json(&sim, Method::DELETE, "/v1/job/nothing", None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["EvalID"], "");
}
