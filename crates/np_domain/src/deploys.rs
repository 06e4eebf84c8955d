//! The `deploys` table: what the console recorded of each deploy (who, when, the spec, how Nomad answered and
//! how its rollout ended). Repository functions over any executor.
//!
//! A deploy's number is its place among the app's deploys, oldest first (1 is the first).

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DomainError;

/// A submitted deploy, as needed to tell which one Nomad runs.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The deploy.
    pub id: Uuid,
    /// Its number among the app's deploys.
    pub number: i64,
    /// Who made it.
    pub actor: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// The spec deployed.
    pub spec: serde_json::Value,
    /// Nomad's JobModifyIndex for it.
    pub job_modify_index: Option<i64>,
}

/// The app's submitted deploys that Nomad answered with one of `indexes`, newest first.
///
/// # Errors
/// On database failure.
pub async fn by_modify_index(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    app: &str,
    indexes: &[i64],
) -> Result<Vec<Recorded>, DomainError> {
    Ok(sqlx::query_as!(
        Recorded,
        r#"SELECT id AS "id!", number AS "number!", actor AS "actor!", created_at AS "created_at!",
                  spec AS "spec!", job_modify_index
             FROM (SELECT row_number() OVER (ORDER BY created_at, id) AS number, *
                     FROM deploys WHERE tenant_id = $1 AND app = $2) numbered
            WHERE state = 'submitted' AND job_modify_index = ANY($3)
            ORDER BY created_at DESC"#,
        tenant_id,
        app,
        indexes,
    )
    .fetch_all(db)
    .await?)
}

/// One deploy in an app's history.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// Its number among the app's deploys.
    pub number: i64,
    /// The deploy.
    pub id: Uuid,
    /// Who.
    pub actor: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// `form`, `np-yaml`, `oam`, `spec`, `api`, `rollback`, `start`.
    pub source: String,
    /// `submitting`, `submitted`, `failed`, `unknown`.
    pub state: String,
    /// Why it failed.
    pub error: Option<String>,
    /// The spec.
    pub spec: serde_json::Value,
    /// Nomad's JobModifyIndex for it.
    pub job_modify_index: Option<i64>,
    /// The job version its rollout rolled out, once known.
    pub job_version: Option<i64>,
    /// How its rollout ended, once it has.
    pub rollout: Option<String>,
    /// Nomad's words for that.
    pub rollout_description: Option<String>,
}

/// The app's deploys, newest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn history(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    app: &str,
    limit: i64,
) -> Result<Vec<HistoryRow>, DomainError> {
    Ok(sqlx::query_as!(
        HistoryRow,
        r#"SELECT number AS "number!", id AS "id!", actor AS "actor!", created_at AS "created_at!",
                  source AS "source!", state AS "state!", error, spec AS "spec!", job_modify_index,
                  job_version, rollout, rollout_description
             FROM (SELECT row_number() OVER (ORDER BY created_at, id) AS number, *
                     FROM deploys WHERE tenant_id = $1 AND app = $2) numbered
            ORDER BY number DESC LIMIT $3"#,
        tenant_id,
        app,
        limit,
    )
    .fetch_all(db)
    .await?)
}

/// The app's newest deploy that reached Nomad or may have (submitted, being submitted, or unconfirmed): what
/// an edit is based on, so that a deploy made since is noticed.
///
/// # Errors
/// On database failure.
pub async fn newest(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    app: &str,
) -> Result<Option<Uuid>, DomainError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM deploys
          WHERE tenant_id = $1 AND app = $2 AND state IN ('submitted', 'submitting', 'unknown')
          ORDER BY created_at DESC LIMIT 1",
        tenant_id,
        app,
    )
    .fetch_optional(db)
    .await?)
}

/// A deploy whose rollout the console still follows.
#[derive(Debug, Clone)]
pub struct Following {
    /// The deploy.
    pub id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// The app.
    pub app: String,
    /// Its Nomad job.
    pub job_id: String,
    /// Nomad's JobModifyIndex for it.
    pub job_modify_index: i64,
    /// When it was submitted.
    pub created_at: OffsetDateTime,
}

/// Submitted deploys whose rollout has not ended, oldest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn following(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<Following>, DomainError> {
    Ok(sqlx::query_as!(
        Following,
        r#"SELECT id, tenant_id, app, job_id, job_modify_index AS "job_modify_index!", created_at
             FROM deploys
            WHERE state = 'submitted' AND rollout IS NULL AND job_modify_index IS NOT NULL
            ORDER BY created_at LIMIT $1"#,
        limit,
    )
    .fetch_all(db)
    .await?)
}

/// How a rollout ended, as Nomad reported it.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    /// `successful`, `failed`, `cancelled`, `superseded` or `none`.
    pub status: &'a str,
    /// Nomad's words.
    pub description: &'a str,
    /// The job version rolled out, when known.
    pub job_version: Option<i64>,
    /// When Nomad reached it (the deployment's last change), when known.
    pub at: Option<OffsetDateTime>,
}

/// Records how deploy `id`'s rollout ended, unless it already is; `true` when this call recorded it.
///
/// # Errors
/// On database failure.
pub async fn record_rollout(
    db: impl PgExecutor<'_>,
    id: Uuid,
    outcome: &Outcome<'_>,
) -> Result<bool, DomainError> {
    let updated = sqlx::query!(
        "UPDATE deploys
            SET rollout = $2, rollout_description = $3, job_version = COALESCE($4, job_version),
                rollout_at = COALESCE($5, now())
          WHERE id = $1 AND rollout IS NULL",
        id,
        outcome.status,
        outcome.description,
        outcome.job_version,
        outcome.at,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The spec of deploy `id` of the app, if it is one of its deploys.
///
/// # Errors
/// On database failure.
pub async fn spec(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    app: &str,
    id: Uuid,
) -> Result<Option<serde_json::Value>, DomainError> {
    Ok(sqlx::query_scalar!(
        "SELECT spec FROM deploys WHERE id = $1 AND tenant_id = $2 AND app = $3",
        id,
        tenant_id,
        app,
    )
    .fetch_optional(db)
    .await?)
}

/// The newest deploy of each of `apps`: (app, who, when, state).
///
/// # Errors
/// On database failure.
pub async fn last_of(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    apps: &[String],
) -> Result<Vec<(String, String, OffsetDateTime, String)>, DomainError> {
    Ok(sqlx::query!(
        "SELECT DISTINCT ON (app) app, actor, created_at, state FROM deploys
          WHERE tenant_id = $1 AND app = ANY($2) ORDER BY app, created_at DESC",
        tenant_id,
        apps,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.app, r.actor, r.created_at, r.state))
    .collect())
}

/// A deploy made with an idempotency key.
#[derive(Debug, Clone)]
pub struct Keyed {
    /// The deploy.
    pub id: Uuid,
    /// Its job.
    pub job_id: String,
    /// Its state.
    pub state: String,
    /// Nomad's evaluation.
    pub eval_id: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The spec it deployed.
    pub spec: serde_json::Value,
}

/// The app's deploy made with idempotency `key`, if any.
///
/// # Errors
/// On database failure.
pub async fn by_idempotency_key(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    app: &str,
    key: &str,
) -> Result<Option<Keyed>, DomainError> {
    Ok(sqlx::query_as!(
        Keyed,
        "SELECT id, job_id, state, eval_id, error, spec FROM deploys
          WHERE tenant_id = $1 AND app = $2 AND idempotency_key = $3",
        tenant_id,
        app,
        key,
    )
    .fetch_optional(db)
    .await?)
}
