//! The OpenObserve API: task logs are searchable with the console's queries; metrics follow allocations.

use std::time::Duration;

use np_openobserve::query::{LogQuery, LogStream, prom_selector};
use np_openobserve::types::{SearchQuery, SearchRequest};
use np_openobserve::{OpenObserve, OpenObserveConfig};
use secrecy::SecretString;

use crate::support::*;

fn o2(sim: &np_sim::Simulator, password: &str) -> OpenObserve {
    OpenObserve::new(OpenObserveConfig {
        address: sim.openobserve_url().parse().unwrap(),
        org: "default".into(),
        user: "root@example.com".into(),
        password: SecretString::from(password.to_owned()),
        timeout: Duration::from_secs(10),
        max_connections: 4,
    })
    .unwrap()
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

fn search(sql: String, size: usize) -> SearchRequest {
    SearchRequest {
        query: SearchQuery {
            sql,
            start_time: now_us() - 3_600_000_000,
            end_time: now_us() + 1_000_000,
            from: 0,
            size,
        },
        search_type: "ui".into(),
        timeout: 0,
    }
}

#[tokio::test]
async fn task_output_is_searchable_by_tenant_job_stream_and_text() {
    let sim = sim().await;
    let client = nomad(&sim);
    let o2 = o2(&sim, "np-sim-password");
    o2.health().await.unwrap();
    register(&client, "default", web_job("web", "example/unhealthy:1", 1)).await;
    let query = LogQuery {
        stream: "nomad_logs".into(),
        namespace: "default".into(),
        job: Some("web".into()),
        alloc: None,
        task: None,
        log_stream: Some(LogStream::Stderr),
        text: Some("DATABASE".into()),
    };
    let hits = eventually(
        Duration::from_secs(10),
        "an indexed stderr line",
        || async {
            let answer = o2.search(&search(query.to_sql().unwrap(), 50)).await.ok()?;
            (!answer.hits.is_empty()).then_some(answer.hits)
        },
    )
    .await;
    assert!(
        hits[0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach the database")
    );
    assert_eq!(hits[0]["stream"], "stderr");

    let other_tenant = LogQuery {
        namespace: "globex".into(),
        ..query.clone()
    };
    assert!(
        o2.search(&search(other_tenant.to_sql().unwrap(), 50))
            .await
            .unwrap()
            .hits
            .is_empty()
    );
    let injected = LogQuery {
        text: Some("x') OR 1=1 OR ('".into()),
        ..query
    };
    assert!(
        o2.search(&search(injected.to_sql().unwrap(), 50))
            .await
            .unwrap()
            .hits
            .is_empty()
    );

    let streams = o2.streams().await.unwrap();
    assert!(
        streams
            .iter()
            .any(|s| s.name == "nomad_logs" && s.stats.doc_num > 0)
    );
}

#[tokio::test]
async fn bad_sql_and_bad_credentials_are_refused() {
    let sim = sim().await;
    let err = o2(&sim, "np-sim-password")
        .search(&search("DROP TABLE logs".into(), 1))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let err = o2(&sim, "wrong").streams().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn ingested_records_are_flattened_and_found() {
    let sim = sim().await;
    let o2 = o2(&sim, "np-sim-password");
    let record = serde_json::json!({"message": "deploy finished", "nomad": {"namespace": "acme"}});
    let answer = o2
        .ingest("events", &[record.as_object().unwrap().clone()])
        .await
        .unwrap();
    assert_eq!(answer.status[0].successful, 1);
    let hits = o2
        .search(&search(
            "SELECT * FROM \"events\" WHERE nomad_namespace = 'acme'".into(),
            10,
        ))
        .await
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);
}

#[tokio::test]
async fn memory_metrics_follow_running_allocations() {
    let sim = sim().await;
    let client = nomad(&sim);
    register(&client, "default", web_job("web", "nginx:1", 1)).await;
    let alloc = eventually(Duration::from_secs(10), "a running allocation", || async {
        running(&client, "default", "web").await.into_iter().next()
    })
    .await;
    let now = now_us() as f64 / 1e6;
    let selector = prom_selector(
        "nomad_client_allocs_memory_usage",
        &[("namespace", "default"), ("alloc_id", &alloc.id)],
    );
    let series = o2(&sim, "np-sim-password")
        .query_range(&selector, now - 1.0, now + 60.0, 5.0)
        .await
        .unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].metric["task"], "web");
    let points = series[0].points();
    assert!(!points.is_empty());
    assert!(
        points
            .iter()
            .all(|(_, bytes)| *bytes > 0.0 && *bytes <= 256.0 * 1024.0 * 1024.0)
    );
    let err = o2(&sim, "np-sim-password")
        .query_range("sum(x)", now, now, 1.0)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
}
