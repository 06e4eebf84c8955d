//! The audit log over the API: pages, exports (NDJSON verifiable offline, CSV formula-safe), the verifier,
//! and what tenant auditors may read.

mod common;

use axum::http::StatusCode;
use common::{Auth, call};
use np_domain::Upstreams;
use np_domain::audit::chain::{ChainRow, Verifier};
use np_domain::authz::PlatformRole;
use np_domain::memberships::TenantRole;
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn auditors_page_export_and_verify_the_log(pool: PgPool) {
    let services = common::services(pool.clone(), Upstreams::default());
    common::tenant(&services, "acme").await;
    common::tenant(&services, "globex").await;
    let router = common::router(services.clone());
    let admin =
        Auth::Cookie(common::person(&pool, "erin", None, &[("acme", TenantRole::Admin)]).await);
    let platform =
        Auth::Cookie(common::person(&pool, "paula", Some(PlatformRole::Auditor), &[]).await);
    let auditor =
        Auth::Cookie(common::person(&pool, "audrey", None, &[("acme", TenantRole::Auditor)]).await);
    let developer =
        Auth::Cookie(common::person(&pool, "dev", None, &[("acme", TenantRole::Developer)]).await);

    // A member added, and one refused whose name a spreadsheet would run as a formula.
    for member in ["ann@example.com", "=HYPERLINK(\"http://x\")"] {
        call(
            &router,
            "POST",
            "/api/v1/tenants/acme/members",
            &admin,
            Some(format!(
                r#"{{"member":{},"role":"developer"}}"#,
                serde_json::to_string(member).unwrap()
            )),
        )
        .await;
    }

    // Pages: newest first, with a cursor.
    let (status, _, body) = call(&router, "GET", "/api/v1/audit?limit=2", &platform, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    let next = page["next"].as_i64().unwrap();
    let (_, _, body) = call(
        &router,
        "GET",
        &format!("/api/v1/audit?limit=2&before={next}"),
        &platform,
        None,
    )
    .await;
    let older: Value = serde_json::from_str(&body).unwrap();
    assert!(older["entries"][0]["seq"].as_i64().unwrap() < next + 1);
    let (status, _, body) = call(
        &router,
        "GET",
        "/api/v1/audit?outcome=maybe",
        &platform,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, _) = call(&router, "GET", "/api/v1/audit", &developer, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // NDJSON: every record with its hashes, verifiable offline.
    let (status, headers, body) = call(
        &router,
        "GET",
        "/api/v1/audit/export?format=ndjson",
        &platform,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".ndjson")
    );
    let rows: Vec<ChainRow> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action <> 'audit.export'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(rows.len() as i64 >= total, "{} of {total}", rows.len());
    let mut verifier = Verifier::new(None, Vec::new(), false);
    for row in &rows {
        verifier.push(row);
    }
    let report = verifier.finish();
    assert!(report.intact, "{report:?}");
    // A changed line is caught offline.
    let mut forged = rows[3].clone();
    forged.actor_name = "someone else".into();
    let mut verifier = Verifier::new(None, Vec::new(), false);
    for row in [&rows[2], &forged, &rows[4]] {
        verifier.push(row);
    }
    assert_eq!(verifier.finish().first_broken, Some(rows[3].seq));

    // CSV: RFC 4180 and formula-safe.
    let (status, _, csv) = call(
        &router,
        "GET",
        "/api/v1/audit/export?format=csv&action=member",
        &platform,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("seq,occurred_at,phase,outcome,tenant,"));
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"));
    assert_eq!(csv.matches("\r\n").count(), 1 + 4, "{csv}");

    // A tenant auditor exports their tenant's records only.
    let (status, _, body) = call(&router, "GET", "/api/v1/audit/export", &auditor, None).await;
    assert_eq!(status, StatusCode::OK);
    let theirs: Vec<ChainRow> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!theirs.is_empty());
    assert!(theirs.iter().all(|r| r.tenant.as_deref() == Some("acme")));
    let globex_seq: i64 =
        sqlx::query_scalar("SELECT min(seq) FROM audit_events WHERE tenant = 'globex'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (status, _, _) = call(
        &router,
        "GET",
        &format!("/api/v1/audit/{globex_seq}"),
        &auditor,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(
        &router,
        "GET",
        &format!("/api/v1/audit/{globex_seq}"),
        &platform,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Exports are themselves recorded, with how many records went out.
    let exported: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'audit.export' AND phase = 'result' ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(exported.len(), 3);
    assert_eq!(exported[1]["records"], 4);

    // The verifier over the API.
    let (status, _, body) = call(&router, "GET", "/api/v1/audit/verify", &platform, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["intact"], true, "{body}");
}
