//! Rollbacks as Nomad does them (`nomad/deploymentwatcher/deployment_watcher.go`,
//! `scheduler/reconciler/reconcile_cluster.go`): a reverted job is applied without canaries when the change
//! is not destructive, the failed deployment's canaries stop, and there is no rollback to an identical
//! specification, so a failing stable version cannot start a revert cycle.

use std::time::Duration;

use np_nomad::QueryOptions;
use np_nomad::WriteOptions;
use np_nomad::types::Job;

use crate::support::*;

fn ns() -> QueryOptions {
    QueryOptions::namespace("default")
}

fn canary_job(image: &str) -> Job {
    let mut job = web_job("web", image, 2);
    let update = job.update.as_mut().unwrap();
    update.canary = Some(1);
    update.auto_revert = Some(true);
    job
}

async fn versions(client: &np_nomad::Nomad) -> Vec<u64> {
    let (answer, _) = client.jobs().versions("web", false, &ns()).await.unwrap();
    answer.versions.iter().filter_map(|v| v.version).collect()
}

/// Waits a while (several progress deadlines of the scaled clock) and checks that nothing new was registered.
async fn assert_no_new_versions(client: &np_nomad::Nomad, expected: &[u64]) {
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(versions(client).await, expected, "no further versions");
}

#[tokio::test]
async fn an_unhealthy_canary_is_reverted_once_without_canaries_and_stopped() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", canary_job("nginx:1")).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    let before: Vec<String> = running(&client, "default", "web")
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();

    register(&client, "default", canary_job("example/unhealthy:2")).await;
    let failed = deployment_reaches(&client, "default", "web", 1, "failed").await;
    assert_eq!(
        failed.status_description,
        "Failed due to unhealthy allocations - rolling back to job version 0"
    );
    let canary = failed.task_groups["web"].placed_canaries.clone().unwrap();
    assert_eq!(canary.len(), 1);

    // Version 2 is version 0's specification: the old allocations move to it in place, no canary is asked.
    let reverted = deployment_reaches(&client, "default", "web", 2, "successful").await;
    assert_eq!(reverted.task_groups["web"].desired_canaries, 0);
    assert!(reverted.task_groups["web"].placed_canaries.is_none());
    let mut after: Vec<String> = running(&client, "default", "web")
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(after, before, "the stable allocations kept running");

    let (stopped, _) = client.allocations().info(&canary[0], &ns()).await.unwrap();
    assert_eq!(stopped.desired_status, "stop");
    assert_eq!(
        stopped.desired_description,
        "alloc not needed due to job update"
    );
    assert_no_new_versions(&client, &[2, 1, 0]).await;
}

#[tokio::test]
async fn failing_a_canary_deployment_by_hand_reverts_once() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", canary_job("nginx:1")).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    register(&client, "default", canary_job("nginx:2")).await;
    let waiting = eventually(Duration::from_secs(20), "canary healthy", || async {
        let (d, _) = client.jobs().latest_deployment("web", &ns()).await.ok()?;
        let d = d?;
        (d.job_version == 1 && d.task_groups["web"].healthy_allocs == 1).then_some(d)
    })
    .await;

    let answer = client
        .deployments()
        .fail(&waiting.id, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    assert_eq!(answer.reverted_job_version, Some(0));
    assert!(!answer.eval_id.is_empty());
    let failed = deployment_reaches(&client, "default", "web", 1, "failed").await;
    assert_eq!(
        failed.status_description,
        "Deployment marked as failed - rolling back to job version 0"
    );
    deployment_reaches(&client, "default", "web", 2, "successful").await;
    let images: Vec<u64> = running(&client, "default", "web")
        .await
        .into_iter()
        .map(|a| a.job_version)
        .collect();
    assert_eq!(
        images,
        vec![2, 2],
        "two instances of the reverted version, no canary"
    );
    assert_no_new_versions(&client, &[2, 1, 0]).await;
}

#[tokio::test]
async fn there_is_no_rollback_to_an_identical_specification() {
    let sim = sim().await;
    let client = nomad(&sim);
    let mut job = web_job("web", "shop/app:1", 1);
    job.update.as_mut().unwrap().auto_revert = Some(true);
    register(&client, "default", job.clone()).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    // Version 0 stops working (an image rebuilt under the same tag), then an update fails too.
    reqwest::Client::new()
        .post(format!("{}/_sim/images", sim.nomad_url()))
        .json(&serde_json::json!({"pattern": "shop/app", "behaviour": "crash"}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let mut update = web_job("web", "shop/app:2", 1);
    update.update.as_mut().unwrap().auto_revert = Some(true);
    register(&client, "default", update).await;
    let first = deployment_reaches(&client, "default", "web", 1, "failed").await;
    assert_eq!(
        first.status_description,
        "Failed due to unhealthy allocations - rolling back to job version 0"
    );

    // The rollback (version 2, version 0's specification) fails in turn: Nomad does not roll back again.
    let second = deployment_reaches(&client, "default", "web", 2, "failed").await;
    assert_eq!(
        second.status_description,
        "Failed due to unhealthy allocations - not rolling back to stable job version 0 as current job has same specification"
    );
    assert_no_new_versions(&client, &[2, 1, 0]).await;
}
