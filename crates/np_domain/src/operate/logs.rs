//! An app's logs: the live tail of one instance (shared upstream stream), and the history in OpenObserve.

use np_openobserve::query::{LogQuery, LogStream};
use np_openobserve::types::{SearchQuery, SearchRequest};
use np_spec::ops::LogLine;
use serde::Deserialize;

use crate::apps::{job_id, open_app, pick_instance};
use crate::authz::{Action, Caller};
use crate::live::TailSubscription;
use crate::{DomainError, Services};

/// Follows an instance's stdout or stderr (one shared Nomad stream per output, however many viewers).
///
/// # Errors
/// `Invalid` for a bad stream; `NotFound` for an unknown app or instance; authorization and upstream errors.
pub async fn tail(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    instance: Option<&str>,
    stream: Option<&str>,
) -> Result<TailSubscription, DomainError> {
    let log_type = crate::apps::log_type(stream)?;
    let (tenant, nomad, _) = open_app(services, caller, tenant, app, Action::ReadLogs).await?;
    let (alloc, task) = pick_instance(&nomad, &tenant, app, instance).await?;
    Ok(services
        .live
        .tail(&nomad, &tenant.nomad_namespace, &alloc, &task, log_type))
}

/// A history search through an app's logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LogSearch {
    /// Text the line must contain (case-insensitive).
    pub text: Option<String>,
    /// Only this instance (allocation ID).
    pub instance: Option<String>,
    /// Only `stdout` or `stderr`.
    pub stream: Option<String>,
    /// From, Unix seconds (default: an hour ago).
    pub since: Option<i64>,
    /// Until, Unix seconds (default: now).
    pub until: Option<i64>,
    /// Most lines (default 200, at most 5,000).
    pub limit: Option<usize>,
}

/// Searches `app`'s logs in OpenObserve, newest first. The tenant's namespace and the app's job are always
/// part of the query.
///
/// # Errors
/// `Invalid` for a bad range or stream; `Upstream` when OpenObserve is not configured or fails.
pub async fn search_logs(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    search: &LogSearch,
) -> Result<Vec<LogLine>, DomainError> {
    let tenant = caller
        .authorize(&services.db, tenant, Action::ReadLogs)
        .await?;
    let job_id = job_id(&tenant, app)?;
    let o2 = services.upstreams.openobserve.as_ref().ok_or_else(|| {
        DomainError::unavailable(
            "openobserve",
            "log history needs OpenObserve, and none is configured for this console",
        )
    })?;
    let log_stream = match search.stream.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(stream) => Some(match crate::apps::log_type(Some(stream))? {
            np_nomad::allocations::LogType::Stdout => LogStream::Stdout,
            np_nomad::allocations::LogType::Stderr => LogStream::Stderr,
        }),
    };
    let text = search
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.len() > 500) {
        return Err(DomainError::invalid("text", "at most 500 characters"));
    }
    let instance = search
        .instance
        .as_deref()
        .filter(|i| !i.is_empty())
        .map(|i| {
            if i.len() <= 36 && i.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                Ok(i.to_owned())
            } else {
                Err(DomainError::invalid("instance", "not an allocation ID"))
            }
        })
        .transpose()?;
    if let Some(id) = &instance {
        own_instance(services, &tenant, &job_id, app, id).await?;
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let until = search.until.unwrap_or(now);
    let since = search.since.unwrap_or(until - 3600);
    if since >= until || until - since > 31 * 24 * 3600 {
        return Err(DomainError::invalid(
            "since",
            "the range must start before it ends and span at most 31 days",
        ));
    }
    let query = LogQuery {
        stream: services.platform.log_stream.clone(),
        namespace: tenant.nomad_namespace.clone(),
        job: Some(job_id),
        alloc: instance,
        task: None,
        log_stream,
        text: text.map(str::to_owned),
    };
    let sql = query
        .to_sql()
        .map_err(|e| DomainError::invalid("query", e.to_string()))?;
    let request = SearchRequest {
        query: SearchQuery {
            sql,
            start_time: since * 1_000_000,
            // Through the end of the last second asked for: a search "until now" finds what was just written.
            end_time: (until + 1) * 1_000_000,
            from: 0,
            size: search.limit.unwrap_or(200).clamp(1, 5000),
        },
        search_type: "ui".into(),
        timeout: 0,
    };
    let answer = o2
        .search(&request)
        .await
        .map_err(|e| DomainError::upstream("openobserve", e))?;
    let text_of = |hit: &serde_json::Map<String, serde_json::Value>, key: &str| {
        hit.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    Ok(answer
        .hits
        .iter()
        .map(|hit| LogLine {
            time_us: hit
                .get("_timestamp")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or_default(),
            instance: text_of(hit, "nomad_alloc_id"),
            stream: text_of(hit, "stream"),
            message: text_of(hit, "message"),
        })
        .collect())
}

/// Refuses (as not found, like every other foreign object) an instance that is not one of the app's: one Nomad
/// knows to belong to another job or namespace, or a short ID that none of the app's instances has. An ID Nomad
/// has forgotten (its history is still in OpenObserve, under the tenant's own filters) is allowed.
async fn own_instance(
    services: &Services,
    tenant: &crate::tenants::Tenant,
    job_id: &str,
    app: &str,
    id: &str,
) -> Result<(), DomainError> {
    let nomad = crate::apps::nomad_for(services, tenant).await?;
    if id.len() < 36 {
        return pick_instance(&nomad, tenant, app, Some(id))
            .await
            .map(|_| ());
    }
    match nomad
        .allocations()
        .info(id, &crate::apps::query(tenant))
        .await
    {
        Ok((alloc, _)) if alloc.namespace == tenant.nomad_namespace && alloc.job_id == job_id => {
            Ok(())
        }
        Ok(_) => Err(DomainError::NotFound("instance")),
        // The tenant's own Nomad token may not read another namespace's allocation at all.
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 403) => {
            Err(DomainError::NotFound("instance"))
        }
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(DomainError::upstream("nomad", e)),
    }
}
