//! OpenObserve's JSON types.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The body of `POST /api/{org}/_search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// The query.
    pub query: SearchQuery,
    /// `ui` for interactive searches.
    #[serde(default)]
    pub search_type: String,
    /// Seconds, 0 for the server default.
    #[serde(default)]
    pub timeout: u64,
}

/// The query part of a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// The SQL.
    pub sql: String,
    /// Range start, microseconds since the epoch (inclusive).
    pub start_time: i64,
    /// Range end, microseconds since the epoch (exclusive).
    pub end_time: i64,
    /// Rows to skip.
    pub from: usize,
    /// Rows to return.
    pub size: usize,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchResponse {
    /// Milliseconds spent.
    pub took: u64,
    /// The rows.
    pub hits: Vec<Map<String, Value>>,
    /// Rows matching.
    pub total: usize,
    /// Offset.
    pub from: usize,
    /// Rows returned.
    pub size: usize,
    /// Megabytes scanned.
    pub scan_size: f64,
}

/// `GET /api/{org}/streams`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamList {
    /// The streams.
    pub list: Vec<StreamInfo>,
}

/// One stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfo {
    /// Name.
    pub name: String,
    /// `logs`, `metrics` or `traces`.
    pub stream_type: String,
    /// Statistics.
    pub stats: StreamStats,
}

/// A stream's size and time span.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamStats {
    /// Oldest record, µs.
    pub doc_time_min: i64,
    /// Newest record, µs.
    pub doc_time_max: i64,
    /// Records.
    pub doc_num: u64,
    /// Megabytes stored.
    pub storage_size: f64,
}

/// The answer of an ingestion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestResponse {
    /// 200 on success.
    pub code: u16,
    /// Per stream.
    pub status: Vec<IngestStatus>,
}

/// Per-stream ingestion counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestStatus {
    /// Stream.
    pub name: String,
    /// Accepted records.
    pub successful: u64,
    /// Refused records.
    pub failed: u64,
}

/// A PromQL `query_range` answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PromResponse {
    /// `success` or `error`.
    pub status: String,
    /// The result.
    pub data: PromData,
}

/// The data of a PromQL answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PromData {
    /// `matrix` for ranges.
    #[serde(rename = "resultType")]
    pub result_type: String,
    /// One entry per series.
    pub result: Vec<Series>,
}

/// A time series: labels and `[unix seconds, "value"]` points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Series {
    /// Labels.
    pub metric: Map<String, Value>,
    /// Points.
    pub values: Vec<(f64, String)>,
}

impl Series {
    /// The points as numbers (points that are not numbers are skipped).
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.values
            .iter()
            .filter_map(|(t, v)| Some((*t, v.parse().ok()?)))
            .collect()
    }
}
