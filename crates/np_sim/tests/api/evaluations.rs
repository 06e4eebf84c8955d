//! Evaluations as Nomad's worker leaves them (`nomad/worker.go`, `setStatus` in `scheduler/util.go`): the job's
//! modify index, the snapshot index, the deployment worked on and the allocations left queued, which the job
//! summary reports (`nestedUpsertEval` in `nomad/state/state_store.go`); and an operator's stop of an
//! allocation, which migrates it (`Alloc.Stop` in `nomad/alloc_endpoint.go`).

use std::time::Duration;

use np_nomad::types::Job;
use np_nomad::{QueryOptions, WriteOptions};

use crate::support::*;

fn ns() -> QueryOptions {
    QueryOptions::namespace("default")
}

/// A job of `count` instances each asking for more memory than any node has.
fn unplaceable(count: i64) -> Job {
    let mut job = web_job("big", "nginx", count);
    job.task_groups.as_mut().unwrap()[0].tasks.as_mut().unwrap()[0]
        .resources
        .as_mut()
        .unwrap()
        .memory_mb = Some(100_000);
    job
}

#[tokio::test]
async fn an_evaluation_records_its_indexes_its_deployment_and_what_it_left_queued() {
    let sim = sim().await;
    let client = nomad(&sim);
    let answer = register(&client, "default", web_job("web", "nginx:1", 2)).await;
    let (eval, _) = client
        .evaluations()
        .info(&answer.eval_id, &ns())
        .await
        .unwrap();
    assert_eq!(eval.status, "complete");
    assert_eq!(eval.job_modify_index, answer.job_modify_index);
    assert!(eval.snapshot_index >= eval.create_index, "{eval:?}");
    assert!(eval.snapshot_index <= eval.modify_index, "{eval:?}");
    let deployment = client
        .jobs()
        .latest_deployment("web", &ns())
        .await
        .unwrap()
        .0
        .expect("a deployment");
    assert_eq!(eval.deployment_id, deployment.id);
    assert_eq!(eval.queued_allocations.unwrap()["web"], 0);

    let answer = register(&client, "default", unplaceable(2)).await;
    let (eval, _) = client
        .evaluations()
        .info(&answer.eval_id, &ns())
        .await
        .unwrap();
    assert_eq!(eval.queued_allocations.unwrap()["web"], 2);
    let (summary, _) = client.jobs().summary("big", &ns()).await.unwrap();
    assert_eq!(summary.summary["web"].queued, 2, "{summary:?}");
}

#[tokio::test]
async fn the_deployment_watchers_evaluation_names_its_deployment() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    let mut canary = web_job("web", "example/unhealthy:2", 1);
    let update = canary.update.as_mut().unwrap();
    update.canary = Some(1);
    update.auto_revert = Some(false);
    update.healthy_deadline = Some(600 * np_nomad::types::SECOND);
    update.progress_deadline = Some(1200 * np_nomad::types::SECOND);
    register(&client, "default", canary).await;
    let running = deployment_reaches(&client, "default", "web", 1, "running").await;
    let answer = client
        .deployments()
        .fail(&running.id, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    let (eval, _) = client
        .evaluations()
        .info(&answer.eval_id, &ns())
        .await
        .unwrap();
    assert_eq!(eval.triggered_by, "deployment-watcher");
    assert_eq!(eval.deployment_id, running.id);
}

#[tokio::test]
async fn stopping_an_allocation_migrates_it() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    let old = running(&client, "default", "web").await.remove(0).id;
    client
        .allocations()
        .stop(&old, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    let (stopped, _) = client.allocations().info(&old, &ns()).await.unwrap();
    assert_eq!(stopped.desired_status, "stop");
    assert_eq!(stopped.desired_description, "alloc is being migrated");
    assert_eq!(stopped.desired_transition.migrate, Some(true));
    assert!(!stopped.next_allocation.is_empty(), "{stopped:?}");
    let (next, _) = client
        .allocations()
        .info(&stopped.next_allocation, &ns())
        .await
        .unwrap();
    assert_eq!(next.previous_allocation, old);
    let replacement = eventually(Duration::from_secs(20), "the replacement runs", || async {
        running(&client, "default", "web").await.into_iter().next()
    })
    .await;
    assert_eq!(replacement.id, next.id);
}
