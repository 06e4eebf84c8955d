//! The Nomad API's state machine: versions, evaluations, deployments, canaries, reverts, logs, events.

use std::time::Duration;

use np_nomad::allocations::{LogOrigin, LogRequest, LogType};
use np_nomad::events::Topic;
use np_nomad::jobs::is_enforce_index_conflict;
use np_nomad::types::{
    JobPlanRequest, JobRegisterRequest, JobSubmission, Namespace, NamespaceCapabilities,
    ScalingPolicy, ScalingRequest, Variable,
};
use np_nomad::variables::VariableError;
use np_nomad::{Error, QueryOptions, WriteOptions};

use crate::support::*;

fn ns() -> QueryOptions {
    QueryOptions::namespace("default")
}

#[tokio::test]
async fn a_new_job_gets_a_version_an_evaluation_a_deployment_and_running_healthy_allocations() {
    let sim = sim().await;
    let client = nomad(&sim);
    let answer = register(&client, "default", web_job("web", "nginx:1.27", 2)).await;
    assert_eq!(answer.eval_id.len(), 36);

    let (eval, _) = client
        .evaluations()
        .info(&answer.eval_id, &ns())
        .await
        .unwrap();
    assert_eq!(
        (eval.status.as_str(), eval.triggered_by.as_str()),
        ("complete", "job-register")
    );

    let deployment = deployment_reaches(&client, "default", "web", 0, "successful").await;
    assert_eq!(deployment.task_groups["web"].healthy_allocs, 2);
    assert_eq!(
        deployment.status_description,
        "Deployment completed successfully"
    );

    let (job, meta) = client.jobs().info("web", &ns()).await.unwrap();
    assert_eq!(
        (job.version, job.status.as_deref(), job.stable),
        (Some(0), Some("running"), Some(true))
    );
    assert!(meta.last_index > 0);
    assert_eq!(running(&client, "default", "web").await.len(), 2);

    let (summary, _) = client.jobs().summary("web", &ns()).await.unwrap();
    assert_eq!(summary.summary["web"].running, 2);
    let (alloc, _) = client
        .allocations()
        .info(&running(&client, "default", "web").await[0].id, &ns())
        .await
        .unwrap();
    let events: Vec<_> = alloc.task_states.unwrap()["web"]
        .events
        .clone()
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(events, ["Received", "Task Setup", "Driver", "Started"]);
    assert_eq!(alloc.job.unwrap().version, Some(0));
}

#[tokio::test]
async fn an_invalid_job_is_refused_with_nomads_message() {
    let sim = sim().await;
    let client = nomad(&sim);
    let mut job = web_job("web", "nginx", 1);
    job.task_groups.as_mut().unwrap()[0]
        .services
        .as_mut()
        .unwrap()[0]
        .name = Some("Web_App".into());
    let request = JobRegisterRequest {
        job: Some(job),
        ..JobRegisterRequest::default()
    };
    let err = client
        .jobs()
        .register(&request, &WriteOptions::namespace("default"))
        .await
        .unwrap_err();
    // Validation errors are uncoded in Nomad, so its HTTP layer answers 500 with the multierror.
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(
        err.to_string()
            .contains("Service name must be valid per RFC 1123"),
        "{err}"
    );
    assert!(
        client
            .jobs()
            .info("web", &ns())
            .await
            .unwrap_err()
            .is_not_found(),
        "nothing was stored"
    );
}

#[tokio::test]
async fn enforce_index_lets_only_the_writer_who_read_the_current_version_win() {
    let sim = sim().await;
    let client = nomad(&sim);
    let first = register(&client, "default", web_job("web", "nginx:1", 1)).await;

    let stale = JobRegisterRequest {
        job: Some(web_job("web", "nginx:2", 1)),
        enforce_index: true,
        job_modify_index: first.job_modify_index - 1,
        ..JobRegisterRequest::default()
    };
    let err = client
        .jobs()
        .register(&stale, &WriteOptions::namespace("default"))
        .await
        .unwrap_err();
    assert!(is_enforce_index_conflict(&err), "{err}");
    assert!(
        err.to_string()
            .contains("job exists with conflicting job modify index"),
        "{err}"
    );

    let create_only = JobRegisterRequest {
        job_modify_index: 0,
        ..stale.clone()
    };
    let err = client
        .jobs()
        .register(&create_only, &WriteOptions::namespace("default"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("job already exists"), "{err}");

    let fresh = JobRegisterRequest {
        job_modify_index: first.job_modify_index,
        ..stale
    };
    let answer = client
        .jobs()
        .register(&fresh, &WriteOptions::namespace("default"))
        .await
        .unwrap()
        .0;
    assert!(answer.job_modify_index > first.job_modify_index);
    assert_eq!(
        client.jobs().info("web", &ns()).await.unwrap().0.version,
        Some(1)
    );
}

#[tokio::test]
async fn registering_an_unchanged_job_creates_no_new_version_and_submissions_are_kept() {
    let sim = sim().await;
    let client = nomad(&sim);
    let request = JobRegisterRequest {
        job: Some(web_job("web", "nginx:1", 1)),
        submission: Some(JobSubmission {
            source: "{\"np\": \"spec\"}".into(),
            format: "json".into(),
            ..Default::default()
        }),
        ..JobRegisterRequest::default()
    };
    let first = client
        .jobs()
        .register(&request, &WriteOptions::namespace("default"))
        .await
        .unwrap()
        .0;
    let second = client
        .jobs()
        .register(&request, &WriteOptions::namespace("default"))
        .await
        .unwrap()
        .0;
    assert_eq!(first.job_modify_index, second.job_modify_index);
    assert_ne!(
        first.eval_id, second.eval_id,
        "an evaluation is still created"
    );
    let (versions, _) = client.jobs().versions("web", false, &ns()).await.unwrap();
    assert_eq!(versions.versions.len(), 1);
    let submission = client
        .jobs()
        .submission("web", 0, &ns())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(submission.source, "{\"np\": \"spec\"}");
    assert!(
        client
            .jobs()
            .submission("web", 7, &ns())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_rolling_update_replaces_every_allocation_and_versions_carry_diffs() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    register(&client, "default", web_job("web", "nginx:2", 2)).await;
    deployment_reaches(&client, "default", "web", 1, "successful").await;

    let live = running(&client, "default", "web").await;
    assert_eq!(live.len(), 2);
    assert!(live.iter().all(|a| a.job_version == 1));
    let (all, _) = client
        .jobs()
        .allocations("web", false, &ns())
        .await
        .unwrap();
    assert_eq!(
        all.iter().filter(|a| a.client_status == "complete").count(),
        2,
        "the old allocations stopped"
    );

    let (versions, _) = client.jobs().versions("web", true, &ns()).await.unwrap();
    assert_eq!(
        versions
            .versions
            .iter()
            .map(|v| v.version)
            .collect::<Vec<_>>(),
        [Some(1), Some(0)]
    );
    let diff = &versions.diffs.unwrap()[0];
    let task = &diff.task_groups.as_ref().unwrap()[0]
        .tasks
        .as_ref()
        .unwrap()[0];
    let config = task
        .objects
        .as_ref()
        .unwrap()
        .iter()
        .find(|o| o.name == "Config")
        .unwrap();
    let image = config
        .fields
        .as_ref()
        .unwrap()
        .iter()
        .find(|f| f.name == "image")
        .unwrap();
    assert_eq!(
        (image.old.as_str(), image.new.as_str()),
        ("nginx:1", "nginx:2")
    );
}

#[tokio::test]
async fn canaries_wait_for_promotion_and_the_old_version_keeps_serving_meanwhile() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    let mut next = web_job("web", "nginx:2", 2);
    next.update.as_mut().unwrap().canary = Some(1);
    register(&client, "default", next).await;
    let deployment = eventually(Duration::from_secs(30), "a healthy canary", || async {
        let (d, _) = client.jobs().latest_deployment("web", &ns()).await.ok()?;
        d.filter(|d| d.job_version == 1 && d.task_groups["web"].healthy_allocs == 1)
    })
    .await;
    assert!(deployment.needs_promotion());
    assert_eq!(
        deployment.status_description,
        "Deployment is running but requires manual promotion"
    );
    let live = running(&client, "default", "web").await;
    assert_eq!(
        live.iter().filter(|a| a.job_version == 0).count(),
        2,
        "old allocations keep running"
    );
    assert_eq!(
        live.iter()
            .filter(|a| a.deployment_status.as_ref().is_some_and(|s| s.canary))
            .count(),
        1
    );

    client
        .deployments()
        .promote(&deployment.id, &[], &WriteOptions::namespace("default"))
        .await
        .unwrap();
    deployment_reaches(&client, "default", "web", 1, "successful").await;
    let live = running(&client, "default", "web").await;
    assert_eq!(live.len(), 2);
    assert!(live.iter().all(|a| a.job_version == 1));
}

#[tokio::test]
async fn promoting_unhealthy_or_missing_canaries_is_refused() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let deployment = deployment_reaches(&client, "default", "web", 0, "successful").await;
    let err = client
        .deployments()
        .promote(&deployment.id, &[], &WriteOptions::namespace("default"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("can't promote terminal deployment"),
        "{err}"
    );
}

#[tokio::test]
async fn canaries_are_promoted_automatically_when_asked() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    let mut next = web_job("web", "nginx:2", 2);
    let update = next.update.as_mut().unwrap();
    update.canary = Some(1);
    update.auto_promote = Some(true);
    register(&client, "default", next).await;
    let done = deployment_reaches(&client, "default", "web", 1, "successful").await;
    assert!(done.task_groups["web"].promoted);
}

#[tokio::test]
async fn a_failing_update_is_rolled_back_to_the_last_stable_version() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    register(
        &client,
        "default",
        web_job("web", "example/crash-loop:2", 2),
    )
    .await;
    let failed = deployment_reaches(&client, "default", "web", 1, "failed").await;
    assert_eq!(
        failed.status_description,
        "Failed due to unhealthy allocations - rolling back to job version 0"
    );

    let reverted = deployment_reaches(&client, "default", "web", 2, "successful").await;
    assert_eq!(reverted.job_version, 2);
    let (job, _) = client.jobs().info("web", &ns()).await.unwrap();
    assert_eq!(
        job.task_groups.unwrap()[0].tasks.as_ref().unwrap()[0]
            .config
            .as_ref()
            .unwrap()["image"],
        "nginx:1"
    );

    // The crashed allocation of version 1 was stopped by the rollback; its task events tell what happened.
    let (allocs, _) = client
        .jobs()
        .allocations("web", false, &ns())
        .await
        .unwrap();
    let crashed: Vec<_> = allocs.iter().filter(|a| a.job_version == 1).collect();
    assert!(!crashed.is_empty());
    assert!(crashed.iter().all(|a| a.desired_status == "stop"));
    let events: Vec<_> = crashed
        .iter()
        .flat_map(|a| {
            a.task_states.as_ref().unwrap()["web"]
                .events
                .clone()
                .unwrap()
        })
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.event_type == "Terminated" && e.display_message == "Exit Code: 1"),
        "{events:?}"
    );
}

#[tokio::test]
async fn plans_show_the_diff_the_scheduler_actions_and_placement_failures() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    let request = JobPlanRequest {
        job: Some(web_job("web", "nginx:2", 3)),
        diff: true,
        ..JobPlanRequest::default()
    };
    let (plan, _) = client
        .jobs()
        .plan("web", &request, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    let updates = plan.annotations.unwrap().desired_tg_updates.unwrap()["web"];
    assert_eq!((updates.destructive_update, updates.place), (2, 1));
    assert_eq!(plan.diff.unwrap().diff_type, "Edited");
    assert!(plan.failed_tg_allocs.is_none());
    assert!(plan.job_modify_index > 0);
    assert_eq!(
        client.jobs().info("web", &ns()).await.unwrap().0.version,
        Some(0),
        "planning changes nothing"
    );

    let mut huge = web_job("big", "nginx", 1);
    huge.task_groups.as_mut().unwrap()[0]
        .tasks
        .as_mut()
        .unwrap()[0]
        .resources
        .as_mut()
        .unwrap()
        .memory_mb = Some(100_000);
    let request = JobPlanRequest {
        job: Some(huge.clone()),
        diff: true,
        ..JobPlanRequest::default()
    };
    let (plan, _) = client
        .jobs()
        .plan("big", &request, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    let failure = &plan.failed_tg_allocs.unwrap()["web"];
    assert_eq!(failure.dimension_exhausted.as_ref().unwrap()["memory"], 3);

    let answer = register(&client, "default", huge).await;
    let (eval, _) = client
        .evaluations()
        .info(&answer.eval_id, &ns())
        .await
        .unwrap();
    assert!(eval.failed_tg_allocs.is_some());
    let (blocked, _) = client
        .evaluations()
        .info(&eval.blocked_eval, &ns())
        .await
        .unwrap();
    assert_eq!(blocked.status, "blocked");
}

#[tokio::test]
async fn scaling_respects_the_groups_bounds() {
    let sim = sim().await;
    let client = nomad(&sim);
    let mut job = web_job("web", "nginx:1", 2);
    job.task_groups.as_mut().unwrap()[0].scaling = Some(ScalingPolicy {
        min: Some(1),
        max: Some(3),
        ..Default::default()
    });
    register(&client, "default", job).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    let request = |count| ScalingRequest {
        count: Some(count),
        target: [("Group".to_string(), "web".to_string())].into(),
        ..Default::default()
    };
    let err = client
        .jobs()
        .scale("web", &request(5), &WriteOptions::namespace("default"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("group count was greater than scaling policy maximum: 5 > 3"),
        "{err}"
    );
    client
        .jobs()
        .scale("web", &request(3), &WriteOptions::namespace("default"))
        .await
        .unwrap();
    deployment_reaches(&client, "default", "web", 1, "successful").await;
    assert_eq!(running(&client, "default", "web").await.len(), 3);
    let (status, _) = client.jobs().scale_status("web", &ns()).await.unwrap();
    assert_eq!(
        (
            status.task_groups["web"].desired,
            status.task_groups["web"].running
        ),
        (3, 3)
    );
}

#[tokio::test]
async fn reverting_re_registers_an_old_version() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    register(&client, "default", web_job("web", "nginx:2", 1)).await;
    deployment_reaches(&client, "default", "web", 1, "successful").await;

    let err = client
        .jobs()
        .revert("web", 0, Some(7), &WriteOptions::namespace("default"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Current job has version 1; enforcing version 7"),
        "{err}"
    );
    client
        .jobs()
        .revert("web", 0, Some(1), &WriteOptions::namespace("default"))
        .await
        .unwrap();
    deployment_reaches(&client, "default", "web", 2, "successful").await;
    let (job, _) = client.jobs().info("web", &ns()).await.unwrap();
    assert_eq!(
        job.task_groups.unwrap()[0].tasks.as_ref().unwrap()[0]
            .config
            .as_ref()
            .unwrap()["image"],
        "nginx:1"
    );
}

#[tokio::test]
async fn stopping_and_purging_a_job() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    client
        .jobs()
        .deregister("web", false, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    eventually(Duration::from_secs(10), "the job to be dead", || async {
        let (job, _) = client.jobs().info("web", &ns()).await.ok()?;
        (job.status.as_deref() == Some("dead") && job.stop == Some(true)).then_some(())
    })
    .await;
    assert!(running(&client, "default", "web").await.is_empty());
    client
        .jobs()
        .deregister("web", true, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    assert!(
        client
            .jobs()
            .info("web", &ns())
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn a_blocking_query_returns_when_the_state_changes() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    let (_, meta) = client.jobs().info("web", &ns()).await.unwrap();
    let waiting = {
        let client = client.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let query = QueryOptions::namespace("default")
                .blocking(meta.last_index, Duration::from_secs(30));
            let (job, after) = client.jobs().info("web", &query).await.unwrap();
            (job, after, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    register(&client, "default", web_job("web", "nginx:2", 1)).await;
    let (job, after, elapsed) = waiting.await.unwrap();
    assert!(after.last_index > meta.last_index);
    assert_eq!(job.version, Some(1));
    assert!(
        elapsed < Duration::from_secs(20),
        "returned on the change, not at the end of the wait"
    );
}

#[tokio::test]
async fn the_event_stream_reports_the_deployment_and_resumes_from_an_index() {
    let sim = sim().await;
    let client = nomad(&sim);
    let mut stream = client
        .events()
        .stream(&[Topic::new("Deployment", "web")], 0, &ns())
        .await
        .unwrap();
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let mut successful_at = 0;
    while successful_at == 0 {
        let batch = tokio::time::timeout(Duration::from_secs(30), stream.next_batch())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        for event in &batch.events {
            assert_eq!(event.topic, "Deployment");
            if event.deployment().is_some_and(|d| d.status == "successful") {
                successful_at = batch.index;
            }
        }
    }
    let mut resumed = client
        .events()
        .stream(&[Topic::new("Deployment", "*")], successful_at, &ns())
        .await
        .unwrap();
    let mut batch = resumed.next_batch().await.unwrap().unwrap();
    assert!(batch.is_heartbeat(), "Nomad greets with a heartbeat");
    batch = resumed.next_batch().await.unwrap().unwrap();
    assert_eq!(batch.index, successful_at, "resuming at K includes K");
    assert!(
        client
            .events()
            .stream(&[], 0, &QueryOptions::namespace("*"))
            .await
            .is_ok(),
        "no ACLs: everything is open"
    );
}

#[tokio::test]
async fn task_logs_stream_in_frames_and_follow_new_output() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let alloc = eventually(Duration::from_secs(10), "a running allocation", || async {
        running(&client, "default", "web").await.into_iter().next()
    })
    .await;
    let request = LogRequest {
        task: "web".into(),
        log_type: LogType::Stdout,
        follow: true,
        origin: LogOrigin::Start(0),
    };
    let mut stream = client
        .allocations()
        .logs(&alloc.id, &request, &ns())
        .await
        .unwrap();
    let mut text = String::new();
    // Heartbeat frames keep the stream alive, so the reads are bounded in total, not per frame.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !text.contains("listening on 0.0.0.0:8080") {
        let frame = tokio::time::timeout_at(deadline, stream.next_frame())
            .await
            .expect("the startup lines in time")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8(frame.bytes().unwrap()).unwrap());
    }
    assert!(text.contains("starting nginx:1"), "{text}");

    // Traffic to the workload shows up in its log.
    let (full, _) = client.allocations().info(&alloc.id, &ns()).await.unwrap();
    let port = full.allocated_resources.unwrap().shared.ports.unwrap()[0].value;
    let body = reqwest::get(format!("http://127.0.0.1:{port}/hello"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Hello from web"), "{body}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !text.contains("GET /hello 200") {
        let frame = tokio::time::timeout_at(deadline, stream.next_frame())
            .await
            .expect("the request in the log in time")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8(frame.bytes().unwrap()).unwrap());
    }

    let bad = LogRequest {
        task: "nope".into(),
        ..request
    };
    assert_eq!(
        client
            .allocations()
            .logs(&alloc.id, &bad, &ns())
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(400)
    );
}

#[tokio::test]
async fn stats_report_usage_within_the_reservation() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let alloc = eventually(Duration::from_secs(10), "a running allocation", || async {
        running(&client, "default", "web").await.into_iter().next()
    })
    .await;
    let stats = client.allocations().stats(&alloc.id, &ns()).await.unwrap();
    let usage = &stats.tasks["web"].resource_usage;
    assert!(usage.memory_stats.rss > 0 && usage.memory_stats.rss <= 256 * 1024 * 1024);
    assert!(usage.cpu_stats.total_ticks > 0.0 && usage.cpu_stats.total_ticks <= 200.0);
}

#[tokio::test]
async fn restarting_and_stopping_allocations() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    let alloc = running(&client, "default", "web").await.remove(0);
    client
        .allocations()
        .restart(&alloc.id, Some("web"), &WriteOptions::default())
        .await
        .unwrap();
    eventually(Duration::from_secs(10), "the restart", || async {
        let (a, _) = client.allocations().info(&alloc.id, &ns()).await.ok()?;
        let state = &a.task_states?["web"];
        (state.restarts == 1 && state.state == "running").then_some(())
    })
    .await;

    client
        .allocations()
        .stop(&alloc.id, &WriteOptions::default())
        .await
        .unwrap();
    let replacement = eventually(Duration::from_secs(10), "a replacement", || async {
        running(&client, "default", "web")
            .await
            .into_iter()
            .find(|a| a.id != alloc.id)
    })
    .await;
    assert_ne!(replacement.id, alloc.id);
}

#[tokio::test]
async fn namespaces_gate_drivers_and_variables_use_check_and_set() {
    let sim = sim().await;
    let client = nomad(&sim);
    let acme = Namespace {
        name: "acme".into(),
        description: "tenant acme".into(),
        capabilities: Some(NamespaceCapabilities {
            enabled_task_drivers: Some(vec!["podman".into()]),
            ..Default::default()
        }),
        ..Namespace::default()
    };
    client
        .namespaces()
        .register(&acme, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        client
            .namespaces()
            .info("acme", &QueryOptions::default())
            .await
            .unwrap()
            .0
            .description,
        "tenant acme"
    );

    let mut docker = web_job("web", "nginx", 1);
    docker.task_groups.as_mut().unwrap()[0]
        .tasks
        .as_mut()
        .unwrap()[0]
        .driver = Some("docker".into());
    let request = JobRegisterRequest {
        job: Some(docker),
        ..Default::default()
    };
    let err = client
        .jobs()
        .register(&request, &WriteOptions::namespace("acme"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(
        err.to_string()
            .contains("used task driver \"docker\" is not allowed in namespace \"acme\""),
        "{err}"
    );

    // The query parameter decides the namespace, whatever the job says.
    let mut elsewhere = web_job("sneaky", "nginx", 1);
    elsewhere.namespace = Some("default".into());
    register(&client, "acme", elsewhere).await;
    assert!(
        client
            .jobs()
            .info("sneaky", &QueryOptions::namespace("acme"))
            .await
            .is_ok()
    );
    assert!(
        client
            .jobs()
            .info("sneaky", &ns())
            .await
            .unwrap_err()
            .is_not_found()
    );

    let vars = client.variables();
    let variable = Variable {
        path: "nomad/jobs/web".into(),
        items: [("k".to_string(), "v1".to_string())].into(),
        ..Default::default()
    };
    let written = vars
        .put(&variable, Some(0), &WriteOptions::namespace("acme"))
        .await
        .unwrap();
    let err = vars
        .put(&variable, Some(0), &WriteOptions::namespace("acme"))
        .await
        .unwrap_err();
    match err {
        VariableError::Conflict(Some(current)) => {
            assert_eq!(current.modify_index, written.modify_index)
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let read = vars
        .read("nomad/jobs/web", &QueryOptions::namespace("acme"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.items["k"], "v1");
    vars.delete(
        "nomad/jobs/web",
        written.modify_index,
        &WriteOptions::namespace("acme"),
    )
    .await
    .unwrap();
    assert!(
        vars.read("nomad/jobs/web", &QueryOptions::namespace("acme"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn hcl_is_parsed_server_side() {
    let sim = sim().await;
    let client = nomad(&sim);
    let job = client
        .jobs()
        .parse("job \"web\" {\n  group \"web\" {\n    task \"web\" {\n      driver = \"podman\"\n      config {\n        image = \"nginx\"\n      }\n    }\n  }\n}\n", true)
        .await
        .unwrap();
    assert_eq!(
        (
            job.id.as_deref(),
            job.job_type.as_deref(),
            job.namespace.as_deref()
        ),
        (Some("web"), Some("service"), Some("default"))
    );
    let err = client
        .jobs()
        .parse("job \"x\" {\n  meta = file(\"/etc/passwd\")\n}\n", false)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
}

#[tokio::test]
async fn lists_page_with_next_tokens_and_filter() {
    let sim = sim().await;
    let client = nomad(&sim);
    for id in ["a", "b", "c"] {
        register(&client, "default", web_job(id, "nginx", 1)).await;
    }
    let query = QueryOptions {
        per_page: Some(2),
        ..ns()
    };
    let (page, meta) = client.jobs().list(&query).await.unwrap();
    assert_eq!(
        page.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let next = QueryOptions {
        next_token: meta.next_token,
        ..query
    };
    let (rest, meta) = client.jobs().list(&next).await.unwrap();
    assert_eq!(
        rest.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["c"]
    );
    assert!(meta.next_token.is_none());
    // A prefix narrows the walk; every namespace at once pages the same way.
    for id in ["b2", "b3"] {
        register(&client, "default", web_job(id, "nginx", 1)).await;
    }
    let prefixed = QueryOptions {
        prefix: Some("b".into()),
        per_page: Some(2),
        ..ns()
    };
    let (page, meta) = client.jobs().list(&prefixed).await.unwrap();
    assert_eq!(
        page.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["b", "b2"]
    );
    let (rest, meta) = client
        .jobs()
        .list(&QueryOptions {
            next_token: meta.next_token,
            ..prefixed
        })
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["b3"]
    );
    assert!(meta.next_token.is_none());
    let everywhere = QueryOptions {
        namespace: Some("*".into()),
        per_page: Some(4),
        ..QueryOptions::default()
    };
    let (page, meta) = client.jobs().list(&everywhere).await.unwrap();
    assert_eq!(
        page.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["a", "b", "b2", "b3"]
    );
    let (rest, _) = client
        .jobs()
        .list(&QueryOptions {
            next_token: meta.next_token,
            ..everywhere
        })
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["c"]
    );
    let filtered = QueryOptions {
        filter: Some(r#"ID == "b""#.into()),
        ..ns()
    };
    assert_eq!(client.jobs().list(&filtered).await.unwrap().0.len(), 1);
    let bad = QueryOptions {
        filter: Some("ID ===".into()),
        ..ns()
    };
    assert_eq!(
        client
            .jobs()
            .list(&bad)
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(400)
    );
}

#[tokio::test]
async fn a_missing_job_is_a_plain_text_404() {
    let sim = sim().await;
    let err = nomad(&sim).jobs().info("nope", &ns()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Status { body, .. } if body == "job not found"),
        "{err}"
    );
}

#[tokio::test]
async fn with_acls_a_tenant_token_works_in_its_namespace_and_nowhere_else() {
    use np_nomad::types::{AclPolicy, AclToken};
    use np_nomad::{Nomad, NomadConfig};
    use secrecy::SecretString;

    let sim = sim_with(|c| c.acl_management_token = Some("management-secret".into())).await;
    let anonymous = nomad(&sim);
    let err = anonymous.jobs().list(&ns()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));

    let mut config = NomadConfig::new(sim.nomad_url().parse().unwrap());
    config.token = Some(SecretString::from("management-secret".to_owned()));
    let admin = Nomad::new(config).unwrap();
    admin
        .namespaces()
        .register(
            &Namespace {
                name: "acme".into(),
                ..Default::default()
            },
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    let policy = AclPolicy {
        name: "tenant-acme".into(),
        rules: "namespace \"acme\" {\n  policy       = \"read\"\n  capabilities = [\"submit-job\", \"read-logs\", \"alloc-lifecycle\", \"scale-job\"]\n}\n".into(),
        ..Default::default()
    };
    admin
        .acl()
        .upsert_policy(&policy, &WriteOptions::default())
        .await
        .unwrap();
    let token = AclToken {
        name: "np tenant acme".into(),
        token_type: "client".into(),
        policies: Some(vec!["tenant-acme".into()]),
        ..Default::default()
    };
    let created = admin
        .acl()
        .create_token(&token, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(created.secret_id.len(), 36);
    assert!(
        !format!("{created:?}").contains(&created.secret_id),
        "secrets never print"
    );

    let tenant = admin.with_token(SecretString::from(created.secret_id.clone()));
    register(&tenant, "acme", web_job("web", "nginx:1", 1)).await;
    assert!(
        tenant
            .jobs()
            .list(&QueryOptions::namespace("acme"))
            .await
            .is_ok()
    );
    let err = tenant.jobs().list(&ns()).await.unwrap_err();
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(403),
        "the default namespace is not the tenant's"
    );
    let request = JobRegisterRequest {
        job: Some(web_job("web", "nginx:1", 1)),
        ..Default::default()
    };
    assert_eq!(
        tenant
            .jobs()
            .register(&request, &WriteOptions::namespace("default"))
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(403)
    );
    assert_eq!(
        tenant
            .namespaces()
            .register(
                &Namespace {
                    name: "evil".into(),
                    ..Default::default()
                },
                &WriteOptions::default()
            )
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(403)
    );
    assert_eq!(
        tenant.acl().token_self().await.unwrap().name,
        "np tenant acme"
    );
    assert_eq!(
        tenant
            .events()
            .stream(&[], 0, &QueryOptions::namespace("acme"))
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(403),
        "all topics need a management token"
    );
}

#[tokio::test]
async fn validation_stability_deployment_control_nodes_pools_and_namespace_deletion() {
    let sim = sim().await;
    let client = nomad(&sim);

    let mut bad = web_job("web", "nginx", 1);
    bad.priority = Some(500);
    let answer = client
        .jobs()
        .validate(&bad, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        answer.validation_errors.unwrap(),
        ["Job priority must be between [1, 100]"]
    );
    assert!(
        client
            .jobs()
            .validate(&web_job("web", "nginx", 1), &WriteOptions::default())
            .await
            .unwrap()
            .validation_errors
            .is_none()
    );

    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;
    client
        .jobs()
        .stable("web", 0, false, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    assert_eq!(
        client.jobs().info("web", &ns()).await.unwrap().0.stable,
        Some(false)
    );

    let mut slow = web_job("web", "nginx:2", 1);
    slow.update.as_mut().unwrap().min_healthy_time = Some(600 * np_nomad::types::SECOND);
    slow.update.as_mut().unwrap().healthy_deadline = Some(900 * np_nomad::types::SECOND);
    slow.update.as_mut().unwrap().progress_deadline = Some(1200 * np_nomad::types::SECOND);
    register(&client, "default", slow).await;
    let running = deployment_reaches(&client, "default", "web", 1, "running").await;
    let paused = client
        .deployments()
        .pause(&running.id, true, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    assert!(!paused.eval_id.is_empty());
    assert_eq!(
        client
            .deployments()
            .info(&running.id, &ns())
            .await
            .unwrap()
            .0
            .status,
        "paused"
    );
    client
        .deployments()
        .pause(&running.id, false, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    let failed = client
        .deployments()
        .fail(&running.id, &WriteOptions::namespace("default"))
        .await
        .unwrap();
    assert_eq!(
        failed.reverted_job_version, None,
        "version 0 was marked unstable, so there is nothing to revert to"
    );
    let (d, _) = client.deployments().info(&running.id, &ns()).await.unwrap();
    assert_eq!(
        (d.status.as_str(), d.status_description.as_str()),
        (
            "failed",
            "Deployment marked as failed - no stable job version to auto revert to"
        )
    );
    let (allocs, _) = client
        .deployments()
        .allocations(&running.id, &ns())
        .await
        .unwrap();
    assert!(!allocs.is_empty());

    let (evals, _) = client
        .evaluations()
        .list(&QueryOptions {
            params: vec![("job".into(), "web".into())],
            ..ns()
        })
        .await
        .unwrap();
    assert!(evals.iter().all(|e| e.job_id == "web") && evals.len() >= 2);
    let (nodes, _) = client
        .nodes()
        .list(&QueryOptions::default().param("resources", true))
        .await
        .unwrap();
    assert_eq!(nodes.len(), 3);
    assert!(
        nodes
            .iter()
            .all(|n| n.drivers.as_ref().unwrap()["podman"].healthy && n.node_resources.is_some())
    );
    let (pools, _) = client
        .nodes()
        .pools(&QueryOptions::default())
        .await
        .unwrap();
    assert!(pools.iter().any(|p| p.name == "default"));

    client
        .namespaces()
        .register(
            &Namespace {
                name: "old".into(),
                ..Default::default()
            },
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    register(&client, "old", web_job("app", "nginx", 1)).await;
    let err = client
        .namespaces()
        .delete("old", &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("has non-terminal jobs"), "{err}");
    client
        .jobs()
        .deregister("app", true, &WriteOptions::namespace("old"))
        .await
        .unwrap();
    client
        .namespaces()
        .delete("old", &WriteOptions::default())
        .await
        .unwrap();
    assert!(
        client
            .namespaces()
            .info("old", &QueryOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
}
