//! The audit log: what happened, who did it, from where, and how it ended.
//!
//! Every state-changing action writes an **intent** record before it has any effect (in the same transaction
//! as the action's own state, so the action cannot happen unrecorded) and a **result** record after; things
//! that happen at once (a sign-in, a refused request, an export) write one **event** record. If the intent
//! cannot be written, the action is refused. An intent whose result never came (the console died in between)
//! is settled by [`reconcile`] — for deploys, from what Nomad says.
//!
//! The database makes the log append-only (grants and triggers) and chains every record to the previous one
//! with SHA-256 (`migrations/…_audit.sql`); [`chain`] verifies that chain and signs checkpoints of its head
//! with a key the database never sees; [`query`] serves auditors' lists, details and exports.

pub mod chain;
pub mod query;
pub mod reconcile;
mod record;

pub use record::{Actor, NomadIds, Outcome, Record};

use serde_json::{Value, json};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::DomainError;
use crate::authz::Caller;

/// Appends one record; returns its seq. The database numbers, times and chains it.
///
/// # Errors
/// On database failure (the caller's transaction, if any, must then be abandoned).
pub async fn write(
    db: impl PgExecutor<'_>,
    actor: &Actor,
    phase: &str,
    correlation_id: Uuid,
    record: &Record,
    outcome: Option<Outcome>,
) -> Result<i64, DomainError> {
    let seq = sqlx::query_scalar(
        "INSERT INTO audit_events (phase, correlation_id, tenant_id, tenant, actor_kind, actor_iss, actor_sub,
                                   actor_name, source_ip, user_agent, request_id, action, target_type, target,
                                   outcome, eval_id, deployment_id, job_version, job_modify_index, details)
         SELECT $1, $2, $3, $4, $5, COALESCE($6, u.issuer), COALESCE($7, u.subject), $8, $9, $10, $11, $12, $13,
                $14, $15, $16, $17, $18, $19, $20
           FROM (VALUES (1)) AS one LEFT JOIN users u ON u.id = $21
         RETURNING seq",
    )
    .bind(phase)
    .bind(correlation_id)
    .bind(record.tenant_id)
    .bind(record.tenant.as_deref())
    .bind(actor.kind)
    .bind(actor.issuer.as_deref())
    .bind(actor.subject.as_deref())
    .bind(&actor.name)
    .bind(actor.origin.ip.as_deref())
    .bind(actor.origin.user_agent.as_deref().map(clip))
    .bind(actor.origin.request_id.as_deref().map(clip))
    .bind(&record.action)
    .bind(record.target_type.as_deref())
    .bind(record.target.as_deref())
    .bind(outcome.map(Outcome::as_str))
    .bind(record.nomad.eval_id.as_deref())
    .bind(record.nomad.deployment_id.as_deref())
    .bind(record.nomad.job_version)
    .bind(record.nomad.job_modify_index)
    .bind(&record.details)
    .bind(actor.user_id)
    .fetch_one(db)
    .await?;
    Ok(seq)
}

/// Client-supplied text is kept to a sane length.
fn clip(text: &str) -> String {
    text.chars().take(512).collect()
}

/// Records something that happened at once (a sign-in, a refusal, an export).
///
/// # Errors
/// On database failure.
pub async fn event(
    db: impl PgExecutor<'_>,
    actor: &Actor,
    record: &Record,
    outcome: Outcome,
) -> Result<i64, DomainError> {
    write(db, actor, "event", Uuid::new_v4(), record, Some(outcome)).await
}

/// An action whose intent is recorded and whose result is still to come.
#[derive(Debug)]
#[must_use = "an intent must be followed by its result"]
pub struct Pending {
    /// Pairs the intent with its result.
    pub correlation_id: Uuid,
    actor: Actor,
    record: Record,
}

/// Records the intent of `record` (before anything happens) and returns the handle for its result.
///
/// # Errors
/// On database failure: the action must then not happen (the log fails closed).
pub async fn begin(
    db: impl PgExecutor<'_>,
    actor: &Actor,
    record: Record,
) -> Result<Pending, DomainError> {
    let correlation_id = Uuid::new_v4();
    write(db, actor, "intent", correlation_id, &record, None).await?;
    Ok(Pending {
        correlation_id,
        actor: actor.clone(),
        record,
    })
}

impl Pending {
    /// Records the result: `outcome`, Nomad's ids and `details` (what the result adds to the intent's).
    ///
    /// # Errors
    /// On database failure.
    pub async fn finish(
        self,
        db: impl PgExecutor<'_>,
        outcome: Outcome,
        nomad: NomadIds,
        details: Value,
    ) -> Result<(), DomainError> {
        let record = Record {
            nomad,
            details,
            ..self.record
        };
        write(
            db,
            &self.actor,
            "result",
            self.correlation_id,
            &record,
            Some(outcome),
        )
        .await
        .map(|_| ())
    }

    /// Records the result of an action that already happened: success, or the error's outcome and message.
    /// A failure to write it is logged, not returned — the action's answer stands, and [`reconcile`] settles
    /// the intent later.
    pub async fn settle<T>(
        self,
        db: &PgPool,
        result: &Result<T, DomainError>,
        nomad: NomadIds,
        details: Value,
    ) {
        let (outcome, details) = match result {
            Ok(_) => (Outcome::Success, details),
            Err(e) => (Outcome::of_error(e), with_error(details, e)),
        };
        let action = self.record.action.clone();
        if let Err(e) = self.finish(db, outcome, nomad, details).await {
            tracing::error!(action, error = %e, "recording an action's result failed; the reconciler will settle it");
        }
    }
}

/// Records an attempt refused before it changed anything (its intent and failed result at once). A failure to
/// write it is logged: nothing happened that the log would miss.
pub async fn refused(db: &PgPool, actor: &Actor, record: Record, error: &DomainError) {
    let written: Result<(), DomainError> = async {
        let mut tx = db.begin().await?;
        let pending = begin(&mut *tx, actor, record).await?;
        pending
            .finish(
                &mut *tx,
                Outcome::of_error(error),
                NomadIds::default(),
                with_error(json!({}), error),
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "recording a refused action failed");
    }
}

/// `details` with the error's message added as `error`.
pub fn with_error(details: Value, error: &DomainError) -> Value {
    let mut details = match details {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => {
            let mut map = serde_json::Map::new();
            map.insert("details".into(), other);
            map
        }
    };
    details.insert("error".into(), Value::String(error.to_string()));
    Value::Object(details)
}

/// Runs a change that touches only the database, in one transaction with its intent and result. When the
/// change fails, its transaction is rolled back and the attempt is recorded (intent and failed result) on its
/// own, so refused and failed actions are in the log too.
///
/// # Errors
/// The change's error; a database error when the records cannot be written (then nothing changed).
pub async fn atomically<T>(
    db: &PgPool,
    actor: &Actor,
    record: Record,
    change: impl AsyncFnOnce(&mut PgConnection) -> Result<T, DomainError>,
) -> Result<T, DomainError> {
    let mut tx = db.begin().await?;
    let pending = begin(&mut *tx, actor, record.clone()).await?;
    match change(&mut tx).await {
        Ok(value) => {
            pending
                .finish(&mut *tx, Outcome::Success, NomadIds::default(), json!({}))
                .await?;
            tx.commit().await?;
            Ok(value)
        }
        Err(error) => {
            drop(tx);
            refused(db, actor, record, &error).await;
            Err(error)
        }
    }
}

/// Runs an action that calls an upstream: its intent is committed first (the action is refused if it cannot
/// be), then the action runs, then its result is recorded with the ids `nomad` picks from the answer.
///
/// # Errors
/// The action's error; a database error when the intent cannot be written (then the action did not run).
pub async fn around<T>(
    db: &PgPool,
    actor: &Actor,
    record: Record,
    action: impl AsyncFnOnce() -> Result<T, DomainError>,
    nomad: impl FnOnce(&T) -> NomadIds,
) -> Result<T, DomainError> {
    let pending = begin(db, actor, record).await?;
    let result = action().await;
    let ids = result.as_ref().map(nomad).unwrap_or_default();
    pending.settle(db, &result, ids, json!({})).await;
    result
}

/// Verifies the whole chain for `caller` (anyone who may read some of the log) and records that they did.
///
/// # Errors
/// `Forbidden` for callers who may read no audit record; database errors.
pub async fn verify_for(
    services: &crate::Services,
    caller: &Caller,
) -> Result<np_spec::audit::VerifyReport, DomainError> {
    query::Scope::of(caller)?;
    // The copy outside the database counts too: a rewrite that also replaced the database's checkpoints
    // still falls short of it.
    let outside = match services
        .audit
        .checkpoint_file
        .as_deref()
        .filter(|f| f.exists())
    {
        Some(path) => chain::file_checkpoints(path)
            .map_err(|e| DomainError::invalid("audit checkpoint file", e))?,
        None => Vec::new(),
    };
    let report = chain::verify(&services.db, Some(services.audit.public()), outside).await?;
    let record = Record::new("audit.verify").details(json!({
        "intact": report.intact,
        "verified": report.verified,
        "first_broken": report.first_broken,
    }));
    let outcome = if report.intact {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    event(&services.db, &Actor::of(caller), &record, outcome).await?;
    Ok(report)
}
