//! Query and write options (`api.QueryOptions`, `api.WriteOptions`) and the metadata Nomad answers with.

use std::time::Duration;

/// Options of a read: namespace, blocking index, paging and filtering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// Namespace (`*` lists across all the token may see).
    pub namespace: Option<String>,
    /// Region, overriding the client's.
    pub region: Option<String>,
    /// Block until the index passes this value (0: answer now).
    pub wait_index: u64,
    /// How long to block at most (Nomad's default is 5 minutes, its maximum 10).
    pub wait_time: Option<Duration>,
    /// ID prefix.
    pub prefix: Option<String>,
    /// go-bexpr filter expression.
    pub filter: Option<String>,
    /// Page size.
    pub per_page: Option<u32>,
    /// Token of the page to read (from [`QueryMeta::next_token`]).
    pub next_token: Option<String>,
    /// Newest first, where supported.
    pub reverse: bool,
    /// Endpoint-specific parameters.
    pub params: Vec<(String, String)>,
}

impl QueryOptions {
    /// Options for `namespace`.
    pub fn namespace(namespace: impl Into<String>) -> Self {
        Self {
            namespace: Some(namespace.into()),
            ..Self::default()
        }
    }

    /// Blocks until Nomad's index passes `index`, for at most `wait`.
    #[must_use]
    pub fn blocking(mut self, index: u64, wait: Duration) -> Self {
        self.wait_index = index;
        self.wait_time = Some(wait);
        self
    }

    /// Adds an endpoint-specific parameter.
    #[must_use]
    pub fn param(mut self, name: &str, value: impl ToString) -> Self {
        self.params.push((name.to_owned(), value.to_string()));
        self
    }

    /// The query string, with the client's region unless overridden.
    pub(crate) fn params(&self, default_region: Option<&str>) -> Vec<(String, String)> {
        let mut params = Vec::new();
        let mut push = |name: &str, value: String| params.push((name.to_owned(), value));
        if let Some(ns) = &self.namespace {
            push("namespace", ns.clone());
        }
        if let Some(region) = self.region.as_deref().or(default_region) {
            push("region", region.to_owned());
        }
        for (name, value) in self.blocking_part().params() {
            push(&name, value);
        }
        if let Some(prefix) = &self.prefix {
            push("prefix", prefix.clone());
        }
        if let Some(filter) = &self.filter {
            push("filter", filter.clone());
        }
        if let Some(per_page) = self.per_page {
            push("per_page", per_page.to_string());
        }
        if let Some(token) = &self.next_token {
            push("next_token", token.clone());
        }
        if self.reverse {
            push("reverse", "true".into());
        }
        params.extend(self.params.iter().cloned());
        params
    }

    /// The blocking part of the query.
    pub(crate) fn blocking_part(&self) -> np_http::Blocking {
        np_http::Blocking {
            index: self.wait_index,
            wait: self.wait_time,
        }
    }

    /// For a blocking query: its wait plus Nomad's jitter (up to wait/16) plus a margin.
    pub(crate) fn blocking_timeout(&self) -> Option<Duration> {
        self.blocking_part().timeout()
    }
}

/// What Nomad says about a read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryMeta {
    /// `X-Nomad-Index`: pass it to the next blocking query.
    pub last_index: u64,
    /// `X-Nomad-Nexttoken`: the next page, if any.
    pub next_token: Option<String>,
    /// `X-Nomad-Knownleader`.
    pub known_leader: bool,
    /// `X-Nomad-Lastcontact`, milliseconds since the answering server heard from the leader.
    pub last_contact_ms: u64,
}

impl QueryMeta {
    pub(crate) fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Self {
        Self {
            last_index: header("x-nomad-index")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            next_token: header("x-nomad-nexttoken")
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            known_leader: header("x-nomad-knownleader") == Some("true"),
            last_contact_ms: header("x-nomad-lastcontact")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        }
    }
}

/// Options of a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Namespace. For job registration the query parameter is what Nomad honours, whatever the body says.
    pub namespace: Option<String>,
    /// Region, overriding the client's.
    pub region: Option<String>,
}

impl WriteOptions {
    /// Options for `namespace`.
    pub fn namespace(namespace: impl Into<String>) -> Self {
        Self {
            namespace: Some(namespace.into()),
            region: None,
        }
    }

    pub(crate) fn params(&self, default_region: Option<&str>) -> Vec<(String, String)> {
        let mut params = Vec::new();
        if let Some(ns) = &self.namespace {
            params.push(("namespace".to_owned(), ns.clone()));
        }
        if let Some(region) = self.region.as_deref().or(default_region) {
            params.push(("region".to_owned(), region.to_owned()));
        }
        params
    }
}

/// What Nomad says about a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteMeta {
    /// `X-Nomad-Index` after the write.
    pub last_index: u64,
}

impl WriteMeta {
    pub(crate) fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Self {
        Self {
            last_index: header("x-nomad-index")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_follow_nomads_names() {
        let q = QueryOptions {
            namespace: Some("acme".into()),
            prefix: Some("web".into()),
            filter: Some(r#"Status == "running""#.into()),
            per_page: Some(50),
            next_token: Some("tok".into()),
            reverse: true,
            ..QueryOptions::default()
        }
        .blocking(42, Duration::from_secs(30))
        .param("meta", true);
        let params = q.params(Some("eu"));
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("namespace"), Some("acme"));
        assert_eq!(get("region"), Some("eu"));
        assert_eq!(get("index"), Some("42"));
        assert_eq!(get("wait"), Some("30000ms"));
        assert_eq!(get("per_page"), Some("50"));
        assert_eq!(get("next_token"), Some("tok"));
        assert_eq!(get("reverse"), Some("true"));
        assert_eq!(get("meta"), Some("true"));
        assert_eq!(
            q.blocking_timeout(),
            Some(Duration::from_millis(30_000 + 1_875 + 10_000))
        );
    }

    #[test]
    fn a_plain_read_does_not_block() {
        let q = QueryOptions::namespace("acme");
        assert!(
            q.params(None)
                .iter()
                .all(|(k, _)| k != "index" && k != "wait")
        );
        assert_eq!(q.blocking_timeout(), None);
    }

    #[test]
    fn metadata_comes_from_headers() {
        let headers = [
            ("x-nomad-index", "99"),
            ("x-nomad-nexttoken", "abc"),
            ("x-nomad-knownleader", "true"),
        ];
        let meta =
            QueryMeta::from_headers(|n| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| *v));
        assert_eq!(
            meta,
            QueryMeta {
                last_index: 99,
                next_token: Some("abc".into()),
                known_leader: true,
                last_contact_ms: 0
            }
        );
    }
}
