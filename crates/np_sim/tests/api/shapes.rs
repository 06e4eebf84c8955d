//! Answers shaped as Nomad's: a full allocation (`api.Allocation`: placement metrics, no `JobVersion`), a
//! deregister (`structs.JobDeregisterResponse`: no `Warnings`), one index for a register and its
//! evaluation (`Register` in `nomad/job_endpoint.go`), a user's restart as the client reports it
//! (`client/client.go`, `taskrunner/lifecycle.go`), and variables (`command/agent/variable_endpoint.go`).

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_register_and_its_evaluation_share_one_index_and_a_full_allocation_is_nomads() {
    let sim = sim().await;
    let client = nomad(&sim);
    let answer = register(&client, "default", web_job("web", "nginx:1", 1)).await;
    assert_eq!(answer.eval_create_index, answer.job_modify_index);
    let alloc = eventually(Duration::from_secs(10), "a running allocation", || async {
        running(&client, "default", "web").await.into_iter().next()
    })
    .await;
    let (status, _, full) = raw_json(
        &sim,
        Method::GET,
        &format!("/v1/allocation/{}", alloc.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        full.get("JobVersion").is_none(),
        "only lists carry JobVersion"
    );
    assert_eq!(full["Job"]["Version"], 0);
    assert!(
        full["Metrics"]["NodesEvaluated"].as_i64().unwrap() > 0,
        "{}",
        full["Metrics"]
    );
    assert!(full["Metrics"]["NodesAvailable"].is_object());
    assert!(full["DesiredTransition"].is_object());
    let (_, _, list) = raw_json(&sim, Method::GET, "/v1/job/web/allocations", None).await;
    assert_eq!(list[0]["JobVersion"], 0);

    let (status, index, answer) = raw_json(&sim, Method::DELETE, "/v1/job/web", None).await;
    assert_eq!(status, 200);
    assert!(answer.get("Warnings").is_none(), "{answer}");
    assert_eq!(answer["EvalCreateIndex"], answer["JobModifyIndex"]);
    assert_eq!(answer["Index"], answer["JobModifyIndex"]);
    assert!(index.is_some());
}

#[tokio::test]
async fn a_users_restart_is_signaled_terminated_and_restarted() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let alloc = eventually(Duration::from_secs(10), "a running allocation", || async {
        running(&client, "default", "web").await.into_iter().next()
    })
    .await;
    let path = format!("/v1/client/allocation/{}/restart", alloc.id);
    let (status, _, _) = raw(&sim, Method::PUT, &path, Some(json!({"TaskName": "web"}))).await;
    assert_eq!(status, 200);
    let (_, _, full) = raw_json(
        &sim,
        Method::GET,
        &format!("/v1/allocation/{}", alloc.id),
        None,
    )
    .await;
    let events = full["TaskStates"]["web"]["Events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().filter_map(|e| e["Type"].as_str()).collect();
    let at = types
        .iter()
        .position(|t| *t == "Restart Signaled")
        .expect("signaled");
    assert_eq!(
        types[at..at + 3],
        ["Restart Signaled", "Terminated", "Restarting"]
    );
    assert_eq!(
        events[at]["RestartReason"],
        "User requested task to restart"
    );
    assert_eq!(
        events[at]["DisplayMessage"],
        "User requested task to restart"
    );
    assert_eq!(events[at + 1]["DisplayMessage"], "Exit Code: 0");
    assert_eq!(events[at + 2]["DisplayMessage"], "Task restarting in 0s");
}

#[tokio::test]
async fn a_variable_needs_items_and_a_conflict_carries_its_index() {
    let sim = sim().await;
    let put = |cas: Option<u64>, items: serde_json::Value| {
        let path = match cas {
            Some(cas) => format!("/v1/var/app/config?cas={cas}"),
            None => "/v1/var/app/config".to_owned(),
        };
        let sim = &sim;
        async move { raw_json(sim, Method::PUT, &path, Some(json!({"Items": items}))).await }
    };
    let (status, _, text) = put(None, json!({})).await;
    assert_eq!(
        (status, text),
        (400, json!("variable missing required Items object"))
    );
    let (status, index, created) = put(None, json!({"a": "1"})).await;
    assert_eq!(status, 200);
    assert_eq!(index, created["ModifyIndex"].as_u64());
    let (status, index, current) = put(Some(1), json!({"a": "2"})).await;
    assert_eq!(status, 409);
    assert_eq!(
        index,
        created["ModifyIndex"].as_u64(),
        "the conflict's index"
    );
    assert_eq!(current["Items"]["a"], "1");
}
