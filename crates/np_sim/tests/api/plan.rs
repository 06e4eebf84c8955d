//! Plans as Nomad answers them: the namespace from the query, the body or the job, an empty one counting as
//! none (`namespaceForJob`, `command/agent/job_endpoint.go`); a contextual diff naming config fields by their
//! own keys (`nomad/structs/diff.go`); a change that touches no task updated in place (`scheduler/util.go`);
//! what cannot be placed waiting in a blocked evaluation, its failure naming the node pool.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn plan(
    sim: &np_sim::Simulator,
    job: &np_nomad::types::Job,
    namespace: &str,
) -> (u16, Value) {
    let body = json!({"Job": job, "Diff": true, "Namespace": namespace});
    let (status, _, answer) = raw_json(sim, Method::PUT, "/v1/job/web/plan", Some(body)).await;
    (status, answer)
}

#[tokio::test]
async fn an_empty_namespace_in_the_body_falls_back_and_the_diff_is_contextual() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    let (status, answer) = plan(&sim, &web_job("web", "nginx:2", 2), "").await;
    assert_eq!(status, 200, "{answer}");
    let group = &answer["Diff"]["TaskGroups"][0];
    let task = &group["Tasks"][0];
    assert_eq!(task["Annotations"][0], "forces create/destroy update");
    let config = task["Objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["Name"] == "Config")
        .expect("a Config object");
    let field = |name: &str| {
        config["Fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["Name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(field("image")["Type"], "Edited");
    assert_eq!(
        (field("image")["Old"].clone(), field("image")["New"].clone()),
        (json!("nginx:1"), json!("nginx:2"))
    );
    assert_eq!(
        field("ports[0]")["Type"],
        "None",
        "unchanged fields are kept in context"
    );
    assert_eq!(
        answer["Annotations"]["DesiredTGUpdates"]["web"]["DestructiveUpdate"],
        2
    );
}

#[tokio::test]
async fn a_tag_only_change_is_an_in_place_update_and_an_unchanged_job_is_ignored() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 2)).await;
    deployment_reaches(&client, "default", "web", 0, "successful").await;

    let (_, same) = plan(&sim, &web_job("web", "nginx:1", 2), "default").await;
    assert_eq!(same["Diff"]["Type"], "None");
    assert_eq!(same["Annotations"]["DesiredTGUpdates"]["web"]["Ignore"], 2);

    let mut tagged = web_job("web", "nginx:1", 2);
    tagged.task_groups.as_mut().unwrap()[0]
        .services
        .as_mut()
        .unwrap()[0]
        .tags
        .as_mut()
        .unwrap()
        .push("team=payments".into());
    let (_, answer) = plan(&sim, &tagged, "default").await;
    let updates = &answer["Annotations"]["DesiredTGUpdates"]["web"];
    assert_eq!(
        (updates["InPlaceUpdate"].clone(), updates["Ignore"].clone()),
        (json!(2), json!(0))
    );
    let group = &answer["Diff"]["TaskGroups"][0];
    assert_eq!(group["Updates"]["in-place update"], 2);
    assert_eq!(group["Objects"][0]["Name"], "Service");
}

#[tokio::test]
async fn an_unplaceable_plan_reports_its_blocked_evaluation_and_the_pool() {
    let sim = sim().await;
    let mut huge = web_job("web", "nginx:1", 2);
    huge.task_groups.as_mut().unwrap()[0]
        .tasks
        .as_mut()
        .unwrap()[0]
        .resources
        .as_mut()
        .unwrap()
        .memory_mb = Some(100_000);
    let (status, answer) = plan(&sim, &huge, "default").await;
    assert_eq!(status, 200);
    assert_eq!(answer["FailedTGAllocs"]["web"]["NodePool"], "default");
    let blocked = &answer["CreatedEvals"][0];
    assert_eq!(blocked["Status"], "blocked");
    assert_eq!(blocked["TriggeredBy"], "queued-allocs");
    assert_eq!(blocked["JobID"], "web");
}
