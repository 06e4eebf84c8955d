//! The OpenObserve side: streams of flattened JSON records with a `_timestamp` in microseconds, searched with
//! the SQL subset of [`crate::sql`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::sql::{Columns, Query};

/// How deep nested objects are flattened (OpenObserve's `ZO_INGEST_FLATTEN_LEVEL` default).
const FLATTEN_DEPTH: usize = 3;

/// Records kept per stream before the oldest are dropped.
const MAX_RECORDS: usize = 200_000;

/// Every stream's records, oldest first.
#[derive(Debug, Default)]
pub(crate) struct O2Store {
    pub streams: BTreeMap<String, Vec<Map<String, Value>>>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchResult {
    pub hits: Vec<Map<String, Value>>,
    pub total: usize,
}

/// Flattens nested objects into `parent_child` keys, as OpenObserve does at ingestion.
pub(crate) fn flatten(record: Map<String, Value>) -> Map<String, Value> {
    fn go(prefix: &str, value: Value, depth: usize, out: &mut Map<String, Value>) {
        match value {
            Value::Object(map) if depth < FLATTEN_DEPTH => {
                for (key, value) in map {
                    let key = if prefix.is_empty() {
                        key
                    } else {
                        format!("{prefix}_{key}")
                    };
                    go(&key, value, depth + 1, out);
                }
            }
            Value::Object(map) => {
                out.insert(
                    prefix.to_owned(),
                    Value::String(Value::Object(map).to_string()),
                );
            }
            other => {
                out.insert(prefix.to_owned(), other);
            }
        }
    }
    let mut out = Map::new();
    go("", Value::Object(record), 0, &mut out);
    out
}

impl O2Store {
    /// Ingests records into `stream`, stamping `_timestamp` (µs) from `_timestamp`/`@timestamp` or `now_us`.
    /// Returns how many were accepted.
    pub fn ingest(&mut self, stream: &str, records: Vec<Map<String, Value>>, now_us: i64) -> usize {
        let target = self.streams.entry(stream.to_owned()).or_default();
        let count = records.len();
        for record in records {
            let mut record = flatten(record);
            let ts = record
                .remove("@timestamp")
                .or_else(|| record.remove("_timestamp"))
                .and_then(|v| v.as_i64())
                .unwrap_or(now_us);
            record.insert("_timestamp".into(), Value::from(ts));
            target.push(record);
        }
        target.sort_by_key(|r| {
            r.get("_timestamp")
                .and_then(Value::as_i64)
                .unwrap_or_default()
        });
        if target.len() > MAX_RECORDS {
            let excess = target.len() - MAX_RECORDS;
            target.drain(..excess);
        }
        count
    }

    /// Runs `query` over records with `start_us <= _timestamp < end_us`, returning `size` rows from `from`.
    pub fn search(
        &self,
        query: &Query,
        start_us: i64,
        end_us: i64,
        from: usize,
        size: usize,
    ) -> SearchResult {
        let records = self
            .streams
            .get(&query.stream)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut matched: Vec<&Map<String, Value>> = records
            .iter()
            .filter(|r| {
                let ts = r
                    .get("_timestamp")
                    .and_then(Value::as_i64)
                    .unwrap_or_default();
                ts >= start_us && ts < end_us
            })
            .filter(|r| query.filter.as_ref().is_none_or(|f| f.matches(r)))
            .collect();
        if let Columns::Count(name) = &query.columns {
            let mut row = Map::new();
            row.insert(name.clone(), Value::from(matched.len()));
            return SearchResult {
                hits: vec![row],
                total: 1,
            };
        }
        if let Some((column, descending)) = &query.order {
            matched.sort_by(|a, b| {
                let ordering = compare_values(a.get(column), b.get(column));
                if *descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
        }
        if let Some(limit) = query.limit {
            matched.truncate(limit);
        }
        let total = matched.len();
        let hits = matched
            .into_iter()
            .skip(from)
            .take(size)
            .map(|r| match &query.columns {
                Columns::Named(names) => names
                    .iter()
                    .filter_map(|n| Some((n.clone(), r.get(n)?.clone())))
                    .collect(),
                _ => r.clone(),
            })
            .collect();
        SearchResult { hits, total }
    }
}

fn compare_values(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or_default()
            .total_cmp(&y.as_f64().unwrap_or_default()),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse;

    fn rec(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn ingestion_flattens_and_stamps_records() {
        let mut store = O2Store::default();
        let n = store.ingest(
            "logs",
            vec![rec(
                serde_json::json!({"nomad": {"alloc_id": "a1"}, "message": "hi"}),
            )],
            42,
        );
        assert_eq!(n, 1);
        let record = &store.streams["logs"][0];
        assert_eq!(record["nomad_alloc_id"], "a1");
        assert_eq!(record["_timestamp"], 42);
    }

    #[test]
    fn search_filters_by_time_and_sql_then_pages() {
        let mut store = O2Store::default();
        let records = (0..10)
            .map(|i| rec(serde_json::json!({"_timestamp": i * 10, "ns": if i % 2 == 0 {"a"} else {"b"}, "n": i})))
            .collect();
        store.ingest("logs", records, 0);
        let q = parse(r#"SELECT * FROM "logs" WHERE ns = 'a' ORDER BY _timestamp DESC"#).unwrap();
        let result = store.search(&q, 10, 90, 1, 2);
        let ns: Vec<_> = result
            .hits
            .iter()
            .map(|h| h["n"].as_i64().unwrap())
            .collect();
        assert_eq!(
            result.total, 4,
            "ns a has timestamps 20, 40, 60 and 80 in [10, 90)"
        );
        assert_eq!(ns, [6, 4], "newest first, skipping one, two rows");
        let count = store.search(
            &parse("SELECT COUNT(*) AS c FROM logs").unwrap(),
            0,
            1000,
            0,
            10,
        );
        assert_eq!(count.hits[0]["c"], 10);
    }
}
