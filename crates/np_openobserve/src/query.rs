//! Building OpenObserve queries from typed parts, with every value escaped.

use serde::{Deserialize, Serialize};

/// Which output of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A search through task logs. The namespace is required: it is the tenant boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// The OpenObserve stream holding task logs (e.g. `nomad_logs`).
    pub stream: String,
    /// The tenant's Nomad namespace.
    pub namespace: String,
    /// Only this job.
    pub job: Option<String>,
    /// Only this allocation.
    pub alloc: Option<String>,
    /// Only this task.
    pub task: Option<String>,
    /// Only stdout or stderr.
    pub log_stream: Option<LogStream>,
    /// Text the message must contain (case-insensitive).
    pub text: Option<String>,
}

/// Why a query could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The stream name is not a plain identifier.
    #[error("invalid stream name {0:?}")]
    Stream(String),
    /// The namespace is empty.
    #[error("a namespace is required")]
    Namespace,
}

/// A SQL string literal: quotes doubled, NULs removed.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\0', "").replace('\'', "''"))
}

impl LogQuery {
    /// The SQL, newest first. The namespace predicate comes first and every value is a literal.
    ///
    /// # Errors
    /// An invalid stream name or a missing namespace.
    pub fn to_sql(&self) -> Result<String, QueryError> {
        if self.stream.is_empty()
            || !self
                .stream
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(QueryError::Stream(self.stream.clone()));
        }
        if self.namespace.is_empty() {
            return Err(QueryError::Namespace);
        }
        let mut conditions = vec![format!("nomad_namespace = {}", literal(&self.namespace))];
        if let Some(job) = &self.job {
            conditions.push(format!("nomad_job_name = {}", literal(job)));
        }
        if let Some(alloc) = &self.alloc {
            conditions.push(format!("nomad_alloc_id = {}", literal(alloc)));
        }
        if let Some(task) = &self.task {
            conditions.push(format!("nomad_task_name = {}", literal(task)));
        }
        if let Some(stream) = self.log_stream {
            let name = match stream {
                LogStream::Stdout => "stdout",
                LogStream::Stderr => "stderr",
            };
            conditions.push(format!("stream = {}", literal(name)));
        }
        if let Some(text) = self.text.as_deref().filter(|t| !t.is_empty()) {
            conditions.push(format!("str_match_ignore_case(message, {})", literal(text)));
        }
        Ok(format!(
            "SELECT _timestamp, message, stream, nomad_job_name, nomad_alloc_id, nomad_task_name FROM \"{}\" WHERE {} ORDER BY _timestamp DESC",
            self.stream,
            conditions.join(" AND ")
        ))
    }
}

/// A PromQL label value: backslashes and quotes escaped.
pub fn prom_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A selector `metric{label="value", …}` with escaped values.
pub fn prom_selector(metric: &str, labels: &[(&str, &str)]) -> String {
    let matchers: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", prom_label(v)))
        .collect();
    format!("{metric}{{{}}}", matchers.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> LogQuery {
        LogQuery {
            stream: "nomad_logs".into(),
            namespace: "acme".into(),
            job: Some("web".into()),
            alloc: None,
            task: None,
            log_stream: Some(LogStream::Stderr),
            text: Some("it's".into()),
        }
    }

    #[test]
    fn the_tenant_predicate_comes_first_and_values_are_literals() {
        let sql = query().to_sql().unwrap();
        assert_eq!(
            sql,
            "SELECT _timestamp, message, stream, nomad_job_name, nomad_alloc_id, nomad_task_name FROM \"nomad_logs\" \
             WHERE nomad_namespace = 'acme' AND nomad_job_name = 'web' AND stream = 'stderr' \
             AND str_match_ignore_case(message, 'it''s') ORDER BY _timestamp DESC"
        );
    }

    #[test]
    fn injection_attempts_stay_inside_literals() {
        let mut q = query();
        q.text = Some("x') OR 1=1 OR ('".into());
        q.job = Some("web' OR nomad_namespace != 'acme".into());
        let sql = q.to_sql().unwrap();
        assert!(
            sql.contains("nomad_job_name = 'web'' OR nomad_namespace != ''acme'"),
            "{sql}"
        );
        assert!(
            sql.contains("str_match_ignore_case(message, 'x'') OR 1=1 OR ('''"),
            "{sql}"
        );
    }

    #[test]
    fn bad_streams_and_missing_namespaces_are_refused() {
        let mut q = query();
        q.stream = "logs\" UNION".into();
        assert!(matches!(q.to_sql(), Err(QueryError::Stream(_))));
        let mut q = query();
        q.namespace.clear();
        assert_eq!(q.to_sql(), Err(QueryError::Namespace));
    }

    #[test]
    fn prom_selectors_escape_label_values() {
        assert_eq!(
            prom_selector(
                "nomad_client_allocs_memory_usage",
                &[("namespace", "acme"), ("job", "a\"b\\c")]
            ),
            r#"nomad_client_allocs_memory_usage{namespace="acme",job="a\"b\\c"}"#
        );
    }
}
