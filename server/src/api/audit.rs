//! The audit log over the API: filtered pages, a record, streamed exports (CSV and NDJSON) and the verifier.
//! What a caller may read is decided by [`Scope`] inside every query.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use np_domain::DomainError;
use np_domain::audit::query::{self, Scope};
use np_domain::audit::{self, Actor, NomadIds, Outcome, Record};
use np_domain::authz::{Action, Caller};
use np_spec::audit::AuditFilter;
use serde::Deserialize;
use serde_json::json;

use super::Authed as Authenticated;
use super::handlers::{ApiResult, ok};
use crate::state::AppState;

/// `?before=&limit=&format=` (the filter's fields are read into an [`AuditFilter`] beside it).
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    before: Option<i64>,
    limit: Option<i64>,
    format: Option<String>,
}

/// `GET /audit`.
pub async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Query(filter): Query<AuditFilter>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let scope = Scope::of(&caller)?;
    ok(query::list(
        &state.services.db,
        &scope,
        &filter,
        q.before,
        q.limit.unwrap_or(50),
    )
    .await?)
}

/// `GET /tenants/{tenant}/audit`: one tenant's records.
pub async fn tenant_list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(tenant): Path<String>,
    Query(filter): Query<AuditFilter>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let t = caller
        .authorize(&state.services.db, &tenant, Action::ReadAudit)
        .await?;
    let filter = AuditFilter {
        tenant: t.slug.clone(),
        ..filter
    };
    ok(query::list(
        &state.services.db,
        &Scope::Tenants(vec![t.id]),
        &filter,
        q.before,
        q.limit.unwrap_or(50),
    )
    .await?)
}

/// `GET /audit/{seq}`.
pub async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(seq): Path<String>,
) -> ApiResult {
    let scope = Scope::of(&caller)?;
    let seq: i64 = seq
        .parse()
        .map_err(|_| DomainError::NotFound("audit record"))?;
    ok(query::get(&state.services.db, &scope, seq).await?)
}

/// `GET /audit/verify`: walks the whole chain (its report only; no record is shown).
pub async fn verify(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> ApiResult {
    ok(audit::verify_for(&state.services, &caller).await?)
}

/// `GET /audit/export?format=csv|ndjson&…filters`: streamed, oldest first. The export itself is recorded (its
/// filter before the first byte, the number of records after the last).
pub async fn export(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Query(filter): Query<AuditFilter>,
    Query(q): Query<PageQuery>,
) -> ApiResult {
    let scope = Scope::of(&caller)?;
    let csv = match q.format.as_deref().unwrap_or("ndjson") {
        "csv" => true,
        "ndjson" => false,
        other => {
            return Err(
                DomainError::invalid("format", format!("{other:?}: choose csv or ndjson")).into(),
            );
        }
    };
    let rows = query::export(state.services.db.clone(), scope, &filter)?;
    Ok(stream(&state, &caller, filter, csv, rows).await?)
}

async fn stream(
    state: &AppState,
    caller: &Caller,
    filter: AuditFilter,
    csv: bool,
    rows: impl futures::Stream<Item = Result<np_domain::audit::chain::ChainRow, DomainError>>
    + Send
    + 'static,
) -> Result<Response, DomainError> {
    let format = if csv { "csv" } else { "ndjson" };
    let record = Record::new("audit.export").details(json!({ "format": format, "filter": filter }));
    let pending = audit::begin(&state.services.db, &Actor::of(caller), record).await?;
    let db = state.services.db.clone();
    let header_line = csv.then(|| Ok::<_, std::io::Error>(query::CSV_HEADER.to_owned()));
    let counted = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let count = counted.clone();
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failure = failed.clone();
    let lines = rows.map(move |row| match row {
        Ok(row) => {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(if csv {
                query::csv_line(&row)
            } else {
                let mut line = serde_json::to_string(&row).unwrap_or_default();
                line.push('\n');
                line
            })
        }
        Err(e) => {
            // Stop here, so the result is still recorded before the download is cut short.
            failure.store(true, std::sync::atomic::Ordering::Relaxed);
            tracing::error!(error = %e, "an audit export failed part-way");
            None
        }
    });
    let lines = lines
        .take_while(|line| std::future::ready(line.is_some()))
        .map(|line| Ok(line.unwrap_or_default()));
    let finish = futures::stream::once(async move {
        let n = counted.load(std::sync::atomic::Ordering::Relaxed);
        let broken = failed.load(std::sync::atomic::Ordering::Relaxed);
        let (outcome, details) = if broken {
            (
                Outcome::Failure,
                json!({ "records": n, "error": "the export failed part-way" }),
            )
        } else {
            (Outcome::Success, json!({ "records": n }))
        };
        if let Err(e) = pending
            .finish(&db, outcome, NomadIds::default(), details)
            .await
        {
            tracing::error!(error = %e, "recording an export's result failed");
        }
        if broken {
            Err(std::io::Error::other(
                "the export failed part-way; try again",
            ))
        } else {
            Ok(String::new())
        }
    });
    let body = futures::stream::iter(header_line)
        .chain(lines)
        .chain(finish);
    let date = time::OffsetDateTime::now_utc().date();
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                if csv {
                    "text/csv; charset=utf-8"
                } else {
                    "application/x-ndjson"
                }
                .to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"np-audit-{date}.{format}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
