//! The audit log's server side: pages of records, one record, the verifier. What a caller may read is
//! decided in the database queries (`np_domain::audit::query::Scope`).

use leptos::prelude::*;
use np_spec::audit::{AuditFilter, AuditPage, AuditRecord, VerifyReport};

use crate::AppError;

/// One page of the records the caller may read that match `filter`, older than `before`.
#[server(endpoint = "audit_page", input = server_fn::codec::Json)]
pub async fn read_audit_page(
    filter: AuditFilter,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    use np_domain::audit::query;
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let scope = query::Scope::of(&caller)?;
    Ok(query::list(&services.db, &scope, &filter, before, 50).await?)
}

/// One record in full.
#[server(endpoint = "audit_record")]
pub async fn read_audit_record(seq: i64) -> Result<AuditRecord, AppError> {
    use np_domain::audit::query;
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let scope = query::Scope::of(&caller)?;
    Ok(query::get(&services.db, &scope, seq).await?)
}

/// Walks the whole chain against the signed checkpoints; recorded in the log.
#[server(endpoint = "verify_audit")]
pub async fn verify_audit() -> Result<VerifyReport, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    Ok(np_domain::audit::verify_for(&services, &caller).await?)
}
