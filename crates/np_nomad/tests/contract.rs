//! Contract tests: Nomad's own sample payloads (tests/fixtures, from its API documentation) decode into the
//! client's types, and the fields the console relies on survive a round trip.

use np_nomad::types::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    strip_elisions(&mut value);
    value
}

/// The documentation elides parts of long payloads with the string "..." in place of an object; those are
/// not part of Nomad's wire format, so they are removed before decoding.
fn strip_elisions(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.retain(|item| item.as_str() != Some("..."));
            items.iter_mut().for_each(strip_elisions);
        }
        Value::Object(map) => map.values_mut().for_each(strip_elisions),
        _ => {}
    }
}

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name} does not decode: {e}"))
}

/// Decoding what we encode gives back the same value.
fn round_trips<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value, "round trip changed the value: {json}");
}

#[test]
fn every_fixture_decodes_into_its_type() {
    let _: JobRegisterRequest = decode("jobs-create-job.request.json");
    let _: JobRegisterResponse = decode("jobs-create-job.response.json");
    let _: JobsParseRequest = decode("jobs-parse-job.request.json");
    let _: Job = decode("jobs-parse-job.response.json");
    let _: Vec<JobListStub> = decode("jobs-list-jobs.response.json");
    let _: Job = decode("jobs-read-job.response.json");
    let _: JobVersionsResponse = decode("jobs-list-job-versions.response.json");
    let _: Vec<AllocationListStub> = decode("jobs-list-job-allocations.response.json");
    let _: Vec<Deployment> = decode("jobs-list-job-deployments.response.json");
    let _: JobSummary = decode("jobs-read-job-summary.response.json");
    let _: JobPlanResponse = decode("jobs-create-job-plan.response.json");
    let _: Vec<AllocationListStub> = decode("allocations-list-allocations.response.json");
    let _: Allocation = decode("allocations-read-allocation.response.json");
    let _: Vec<Deployment> = decode("deployments-list-deployments.response.json");
    let _: Deployment = decode("deployments-read-deployment.response.json");
    let _: Evaluation = decode("evaluations-read-evaluation.response.json");
    let _: JobValidateResponse = decode("validate-job.response.json");
    let _: JobRegisterRequest = decode("json-jobs-example.request.json");
}

#[test]
fn a_register_request_keeps_the_job_the_console_generates() {
    let request: JobRegisterRequest = decode("jobs-create-job.request.json");
    let job = request.job.as_ref().unwrap();
    assert_eq!(job.id.as_deref(), Some("cache"));
    assert_eq!(job.node_pool.as_deref(), Some("prod"));
    let group = &job.task_groups.as_ref().unwrap()[0];
    let port = &group.networks.as_ref().unwrap()[0]
        .dynamic_ports
        .as_ref()
        .unwrap()[0];
    assert_eq!((port.label.as_str(), port.to), ("db", Some(6379)));
    let task = &group.tasks.as_ref().unwrap()[0];
    assert_eq!(task.config.as_ref().unwrap()["image"], "redis:7");
    round_trips(&request);
    // Unset fields are left out, as Nomad's own client does, instead of being sent as null.
    let json = serde_json::to_value(&request).unwrap();
    assert!(json["Job"].get("Region").is_none());
    assert!(json.get("EnforceIndex").is_none());
}

#[test]
fn a_full_job_keeps_services_checks_templates_and_durations() {
    let job: Job = decode("jobs-read-job.response.json");
    assert_eq!(job.namespace.as_deref(), Some("apps"));
    let group = &job.task_groups.as_ref().unwrap()[0];
    assert_eq!(
        group.restart_policy.as_ref().unwrap().delay,
        Some(25 * SECOND)
    );
    let redis = group
        .tasks
        .as_ref()
        .unwrap()
        .iter()
        .find(|t| t.name.as_deref() == Some("redis"))
        .unwrap();
    let check = &redis.services.as_ref().unwrap()[0].checks.as_ref().unwrap()[0];
    assert_eq!(
        (check.check_type.as_deref(), check.interval),
        (Some("tcp"), Some(10 * SECOND))
    );
    assert_eq!(
        redis.templates.as_ref().unwrap()[0]
            .change_signal
            .as_deref(),
        Some("SIGUSR1")
    );
    assert_eq!(redis.kill_timeout, Some(5 * SECOND));
    let init = group
        .tasks
        .as_ref()
        .unwrap()
        .iter()
        .find(|t| t.name.as_deref() == Some("init"))
        .unwrap();
    assert_eq!(init.lifecycle.as_ref().unwrap().hook, "prestart");
    round_trips(&job);
}

#[test]
fn list_stubs_carry_status_and_summary() {
    let jobs: Vec<JobListStub> = decode("jobs-list-jobs.response.json");
    let summary = jobs[0].job_summary.as_ref().unwrap();
    assert_eq!(jobs[0].status, "pending");
    assert_eq!(summary.summary["cache"].queued, 1);
    assert_eq!(jobs[0].job_modify_index, 52);
}

#[test]
fn versions_come_newest_first_with_their_diffs() {
    let versions: JobVersionsResponse = decode("jobs-list-job-versions.response.json");
    let numbers: Vec<_> = versions.versions.iter().map(|v| v.version).collect();
    assert_eq!(numbers, [Some(1), Some(0)]);
    assert_eq!(versions.diffs.as_ref().map(Vec::len), Some(1));
}

#[test]
fn a_plan_explains_changes_and_placement_failures() {
    let plan: JobPlanResponse = decode("jobs-create-job-plan.response.json");
    let diff = plan.diff.as_ref().unwrap();
    assert_eq!(diff.diff_type, "Added");
    let group = &diff.task_groups.as_ref().unwrap()[0];
    assert_eq!(group.updates.as_ref().unwrap()["create"], 1);
    let task = &group.tasks.as_ref().unwrap()[0];
    assert_eq!(
        task.annotations.as_deref(),
        Some(&["forces create".to_string()][..])
    );
    let failed = &plan.failed_tg_allocs.as_ref().unwrap()["cache"];
    assert!(failed.coalesced_failures > 0);
    assert_eq!(plan.created_evals.as_ref().unwrap()[0].status, "blocked");
    round_trips(&plan);
}

#[test]
fn allocations_carry_task_states_and_events() {
    let alloc: Allocation = decode("allocations-read-allocation.response.json");
    let redis = &alloc.task_states.as_ref().unwrap()["redis"];
    assert_eq!(redis.state, "running");
    let events = redis.events.as_ref().unwrap();
    assert_eq!(events[0].event_type, "Received");
    assert!(
        events
            .iter()
            .any(|e| e.driver_message == "Downloading image redis:7")
    );
    assert!(alloc.metrics.as_ref().unwrap().nodes_evaluated > 0);
    round_trips(&alloc);

    let list: Vec<AllocationListStub> = decode("allocations-list-allocations.response.json");
    assert!(list.iter().all(|a| a.id.len() == 36));
}

#[test]
fn deployments_report_canaries_and_promotion() {
    let deployments: Vec<Deployment> = decode("jobs-list-job-deployments.response.json");
    let running = &deployments[0];
    let cache = &running.task_groups["cache"];
    assert_eq!(
        (
            cache.desired_canaries,
            cache.placed_canaries.as_ref().map(Vec::len)
        ),
        (2, Some(2))
    );
    assert!(running.needs_promotion());
    assert!(!running.is_terminal());
    round_trips(running);
}

#[test]
fn evaluations_explain_blocked_placement() {
    let eval: Evaluation = decode("evaluations-read-evaluation.response.json");
    assert_eq!(
        eval.failed_tg_allocs.as_ref().unwrap()["cache"]
            .nodes_available
            .as_ref()
            .unwrap()["dc1"],
        0
    );
    round_trips(&eval);
}

#[test]
fn validation_answers_keep_errors_and_warnings() {
    let answer: JobValidateResponse = decode("validate-job.response.json");
    assert!(answer.validation_errors.unwrap()[0].contains("minimum CPU value is 20"));
    assert!(answer.warnings.contains("max parallel"));
}

#[test]
fn unknown_fields_are_tolerated() {
    let job: Job =
        serde_json::from_str(r#"{"ID":"x","SomethingNomad3Adds":{"a":1},"Version":2}"#).unwrap();
    assert_eq!((job.id.as_deref(), job.version), (Some("x"), Some(2)));
}
