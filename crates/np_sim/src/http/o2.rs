//! The OpenObserve API: search (SQL), streams, ingestion, PromQL `query_range`, health. HTTP Basic auth.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value, json as j};

use super::header;
use crate::sql;
use crate::state::{Phase, Shared, now_nanos};
use crate::workload::usage;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(j!({"code": status.as_u16(), "message": message})),
    )
        .into_response()
}

/// The refusal for a request without the right credentials or for an unknown organisation, if any.
fn refusal(s: &Shared, headers: &HeaderMap, org: &str) -> Option<Response> {
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", s.config.o2_user, s.config.o2_password));
    if header(headers, "authorization") != Some(format!("Basic {expected}").as_str()) {
        return Some(error(StatusCode::UNAUTHORIZED, "Unauthorized Access"));
    }
    if org != s.config.o2_org {
        return Some(error(
            StatusCode::NOT_FOUND,
            &format!("organization {org} not found"),
        ));
    }
    None
}

async fn health() -> Response {
    axum::Json(j!({"status": "ok"})).into_response()
}

#[derive(Deserialize)]
struct SearchQuery {
    sql: String,
    #[serde(default)]
    start_time: i64,
    #[serde(default)]
    end_time: i64,
    #[serde(default)]
    from: usize,
    #[serde(default = "default_size")]
    size: usize,
}

fn default_size() -> usize {
    100
}

#[derive(Deserialize)]
struct SearchRequest {
    query: SearchQuery,
}

async fn search(
    State(s): State<Arc<Shared>>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = refusal(&s, &headers, &org) {
        return denied;
    }
    let request: SearchRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Json deserialize error: {e}"),
            );
        }
    };
    let query = match sql::parse(&request.query.sql) {
        Ok(q) => q,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Search SQL not supported: {e}"),
            );
        }
    };
    let started = std::time::Instant::now();
    let end = if request.query.end_time == 0 {
        now_nanos() / 1_000
    } else {
        request.query.end_time
    };
    let result = s.read(|c| {
        c.o2.search(
            &query,
            request.query.start_time,
            end,
            request.query.from,
            request.query.size.min(10_000),
        )
    });
    axum::Json(j!({
        "took": started.elapsed().as_millis() as u64,
        "hits": result.hits,
        "total": result.total,
        "from": request.query.from,
        "size": result.hits.len(),
        "scan_size": 0,
    }))
    .into_response()
}

async fn streams(
    State(s): State<Arc<Shared>>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(denied) = refusal(&s, &headers, &org) {
        return denied;
    }
    let list: Vec<Value> = s.read(|c| {
        c.o2.streams
            .iter()
            .map(|(name, records)| {
                let ts = |r: &Map<String, Value>| r.get("_timestamp").and_then(Value::as_i64).unwrap_or_default();
                j!({
                    "name": name,
                    "storage_type": "disk",
                    "stream_type": "logs",
                    "stats": {
                        "doc_time_min": records.first().map(ts).unwrap_or_default(),
                        "doc_time_max": records.last().map(ts).unwrap_or_default(),
                        "doc_num": records.len(),
                        "file_num": 1,
                        "storage_size": records.iter().map(|r| Value::Object(r.clone()).to_string().len()).sum::<usize>() as f64 / 1e6,
                        "compressed_size": 0.0,
                    },
                    "settings": {"partition_keys": {}, "full_text_search_keys": ["message"]},
                })
            })
            .collect()
    });
    axum::Json(j!({"list": list})).into_response()
}

fn ingest_records(s: &Shared, stream: &str, records: Vec<Map<String, Value>>) -> Response {
    let count = s.write(|c| c.o2.ingest(stream, records, now_nanos() / 1_000));
    axum::Json(j!({"code": 200, "status": [{"name": stream, "successful": count, "failed": 0}]}))
        .into_response()
}

async fn ingest_json(
    State(s): State<Arc<Shared>>,
    Path((org, stream)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = refusal(&s, &headers, &org) {
        return denied;
    }
    match serde_json::from_slice::<Vec<Map<String, Value>>>(&body) {
        Ok(records) => ingest_records(&s, &stream, records),
        Err(e) => error(StatusCode::BAD_REQUEST, &format!("Invalid json: {e}")),
    }
}

async fn ingest_multi(
    State(s): State<Arc<Shared>>,
    Path((org, stream)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = refusal(&s, &headers, &org) {
        return denied;
    }
    let mut records = Vec::new();
    for line in body
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
    {
        match serde_json::from_slice::<Map<String, Value>>(line) {
            Ok(record) => records.push(record),
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("Invalid json: {e}")),
        }
    }
    ingest_records(&s, &stream, records)
}

/// A PromQL instant-vector selector: `metric{label="v", other!="w"}`.
struct Selector {
    metric: String,
    matchers: Vec<(String, bool, String)>,
}

fn parse_selector(query: &str) -> Result<Selector, String> {
    let query = query.trim();
    let (metric, rest) = match query.find('{') {
        Some(i) => (&query[..i], &query[i..]),
        None => (query, ""),
    };
    if metric.is_empty()
        || !metric
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return Err(format!("unsupported expression {query:?}"));
    }
    let mut matchers = Vec::new();
    if !rest.is_empty() {
        let inner = rest
            .strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .ok_or("unclosed label matchers")?;
        for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, negated, value) = if let Some((n, v)) = part.split_once("!=") {
                (n, true, v)
            } else if let Some((n, v)) = part.split_once('=') {
                (n, false, v)
            } else {
                return Err(format!("bad matcher {part:?}"));
            };
            let value = value
                .trim()
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or("label values must be quoted")?;
            matchers.push((name.trim().to_owned(), negated, value.to_owned()));
        }
    }
    Ok(Selector {
        metric: metric.to_owned(),
        matchers,
    })
}

fn time_param(value: Option<&String>) -> Option<f64> {
    let value = value?;
    value.parse::<f64>().ok().or_else(|| rfc3339_seconds(value))
}

fn rfc3339_seconds(text: &str) -> Option<f64> {
    // YYYY-MM-DDTHH:MM:SS[.frac]Z
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':');
    let (h, min) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let sec: f64 = t.next()?.parse().ok()?;
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60) as f64 + sec)
}

async fn query_range(
    State(s): State<Arc<Shared>>,
    Path(org): Path<String>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(denied) = refusal(&s, &headers, &org) {
        return denied;
    }
    let bad = |message: String| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(j!({"status": "error", "errorType": "bad_data", "error": message})),
        )
            .into_response()
    };
    let selector = match params.get("query").map(|q| parse_selector(q)) {
        Some(Ok(s)) => s,
        Some(Err(e)) => return bad(e),
        None => return bad("missing query".into()),
    };
    let (Some(start), Some(end)) = (
        time_param(params.get("start")),
        time_param(params.get("end")),
    ) else {
        return bad("invalid start or end time".into());
    };
    let step = params
        .get("step")
        .and_then(|s| {
            s.parse::<f64>()
                .ok()
                .or_else(|| super::go_duration(s).map(|d| d.as_secs_f64()))
        })
        .unwrap_or(15.0);
    if step <= 0.0 || end < start {
        return bad("invalid step or range".into());
    }
    if (end - start) / step > 11_000.0 {
        return bad("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".into());
    }
    let series: Vec<Value> = s.read(|c| {
        let mut out = Vec::new();
        for record in c.allocs.values() {
            for task in record.group.tasks.iter().flatten() {
                let task_name = task.name.clone().unwrap_or_default();
                let labels: BTreeMap<&str, String> = BTreeMap::from([
                    ("__name__", selector.metric.clone()),
                    ("alloc_id", record.alloc.id.clone()),
                    ("job", record.alloc.job_id.clone()),
                    ("namespace", record.alloc.namespace.clone()),
                    ("task", task_name.clone()),
                    ("task_group", record.alloc.task_group.clone()),
                    ("host", record.alloc.node_name.clone()),
                ]);
                if !selector.matchers.iter().all(|(name, negated, value)| {
                    labels.get(name.as_str()).is_some_and(|v| v == value) != *negated
                }) {
                    continue;
                }
                let resources = task.resources.clone().unwrap_or_default();
                let from = record.alloc.create_time as f64 / 1e9;
                let until = if record.phase == Phase::Dead {
                    record.alloc.modify_time as f64 / 1e9
                } else {
                    f64::MAX
                };
                let mut values = Vec::new();
                let mut t = start;
                while t <= end {
                    if t >= from && t <= until {
                        let (percent, ticks, rss) = usage(
                            &record.alloc.id,
                            resources.cpu.unwrap_or(100),
                            resources.memory_mb.unwrap_or(300),
                            (t * 1e9) as i64,
                        );
                        let value = match selector.metric.as_str() {
                            "nomad_client_allocs_cpu_total_percent" => Some(percent),
                            "nomad_client_allocs_cpu_total_ticks" => Some(ticks),
                            "nomad_client_allocs_memory_usage"
                            | "nomad_client_allocs_memory_rss" => Some(rss as f64),
                            _ => None,
                        };
                        if let Some(v) = value {
                            values.push(j!([t, format!("{v}")]));
                        }
                    }
                    t += step;
                }
                if !values.is_empty() {
                    out.push(j!({"metric": labels, "values": values}));
                }
            }
        }
        out
    });
    axum::Json(j!({"status": "success", "data": {"resultType": "matrix", "result": series}}))
        .into_response()
}

/// The router.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/api/{org}/_search", post(search))
        .route("/api/{org}/streams", get(streams))
        .route("/api/{org}/{stream}/_json", post(ingest_json))
        .route("/api/{org}/{stream}/_multi", post(ingest_multi))
        .route(
            "/api/{org}/prometheus/api/v1/query_range",
            get(query_range).post(query_range),
        )
        .with_state(shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_times_parse() {
        let s = parse_selector(r#"nomad_client_allocs_memory_usage{namespace="acme", job!="x"}"#)
            .unwrap();
        assert_eq!(s.metric, "nomad_client_allocs_memory_usage");
        assert_eq!(
            s.matchers,
            vec![
                ("namespace".into(), false, "acme".into()),
                ("job".into(), true, "x".into())
            ]
        );
        assert!(parse_selector("sum(rate(x[5m]))").is_err());
        assert_eq!(rfc3339_seconds("1970-01-02T00:00:00Z"), Some(86_400.0));
        assert_eq!(
            rfc3339_seconds("2024-02-29T00:00:00.5Z"),
            Some(1_709_164_800.5)
        );
    }
}
