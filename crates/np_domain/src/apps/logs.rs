//! The end of an instance's log, and which instance a viewer means.

use std::time::Duration;

use np_nomad::Nomad;
use np_nomad::allocations::{LogOrigin, LogRequest, LogType};
use serde::Deserialize;

use super::{job_id, nomad_for, query};
use crate::authz::{Action, Caller};
use crate::tenants::Tenant;
use crate::{DomainError, Services};

/// What to read of an app's logs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct LogsQuery {
    /// The instance (allocation ID or its first 8 characters); the newest running one when absent.
    pub instance: Option<String>,
    /// `stdout` (default) or `stderr`.
    pub stream: Option<String>,
    /// How many bytes from the end (default 64 KiB, at most 1 MiB).
    pub bytes: Option<u64>,
}

/// The end of one instance's log, as text.
///
/// # Errors
/// `Invalid` for a bad stream; `NotFound` for an unknown app or instance; authorization and upstream errors.
pub async fn logs(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    q: &LogsQuery,
) -> Result<String, DomainError> {
    let tenant = caller
        .authorize(&services.db, tenant, Action::ReadLogs)
        .await?;
    let log_type = log_type(q.stream.as_deref())?;
    let bytes = q.bytes.unwrap_or(64 * 1024).min(1024 * 1024);
    let nomad = nomad_for(services, &tenant).await?;
    let (alloc_id, task) = pick_instance(&nomad, &tenant, app, q.instance.as_deref()).await?;
    let request = LogRequest {
        task,
        log_type,
        follow: false,
        origin: LogOrigin::End(bytes),
    };
    let mut stream = nomad
        .allocations()
        .logs(&alloc_id, &request, &query(&tenant))
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, stream.next_frame()).await;
        match frame {
            Ok(Ok(Some(frame))) => {
                if let Ok(data) = frame.bytes() {
                    out.extend_from_slice(&data);
                }
                if out.len() as u64 > bytes {
                    let cut = out.len() - usize::try_from(bytes).unwrap_or(usize::MAX);
                    out.drain(..cut);
                }
            }
            Ok(Ok(None)) | Err(_) => break,
            Ok(Err(e)) => return Err(DomainError::upstream("nomad", e)),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `stdout` (the default) or `stderr`.
pub(crate) fn log_type(stream: Option<&str>) -> Result<LogType, DomainError> {
    match stream.filter(|s| !s.is_empty()) {
        None | Some("stdout") => Ok(LogType::Stdout),
        Some("stderr") => Ok(LogType::Stderr),
        Some(other) => Err(DomainError::invalid(
            "stream",
            format!("{other:?} is not stdout or stderr"),
        )),
    }
}

/// The instance of `app` a viewer means (an allocation ID or its first 8 characters; the newest running one
/// when none is named) and the app's task in it.
///
/// # Errors
/// `NotFound` for an unknown instance; upstream errors.
pub(crate) async fn pick_instance(
    nomad: &Nomad,
    tenant: &Tenant,
    app: &str,
    instance: Option<&str>,
) -> Result<(String, String), DomainError> {
    let job_id = job_id(tenant, app)?;
    let (mut allocs, _) = nomad
        .jobs()
        .allocations(&job_id, false, &query(tenant))
        .await
        .map_err(|e| DomainError::upstream("nomad", e))?;
    allocs.retain(|a| a.namespace == tenant.nomad_namespace);
    allocs.sort_by_key(|a| std::cmp::Reverse((a.client_status == "running", a.modify_index)));
    let alloc = match instance.filter(|i| !i.is_empty()) {
        Some(id) => allocs
            .iter()
            .find(|a| a.id == id || (id.len() >= 8 && a.id.starts_with(id)))
            .ok_or(DomainError::NotFound("instance"))?,
        None => allocs.first().ok_or(DomainError::NotFound("instance"))?,
    };
    let task = alloc
        .task_states
        .as_ref()
        .and_then(|t| {
            t.keys()
                .find(|k| k.as_str() == app)
                .or_else(|| t.keys().next())
        })
        .cloned()
        .unwrap_or_else(|| app.to_owned());
    Ok((alloc.id.clone(), task))
}
