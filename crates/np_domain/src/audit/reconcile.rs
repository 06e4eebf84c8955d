//! Settling intents whose result never came: the console stopped (or lost its database) between an action's
//! intent and its result. Deploys are settled from Nomad — a version of the job submitted after the deploy was
//! recorded means Nomad accepted it; none means it never got there — and their `deploys` row with them.
//! Anything else is recorded as `unknown`. Runs at start-up and then periodically; each intent is settled
//! once, under a lock, even with several consoles.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{Actor, NomadIds, Outcome, Record};
use crate::authz::Origin;
use crate::{DomainError, Services};

#[derive(sqlx::FromRow)]
struct Open {
    correlation_id: Uuid,
    tenant_id: Option<Uuid>,
    tenant: Option<String>,
    actor_kind: String,
    actor_iss: Option<String>,
    actor_sub: Option<String>,
    actor_name: String,
    source_ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    action: String,
    target_type: Option<String>,
    target: Option<String>,
    deploy_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DeployState {
    state: String,
    error: Option<String>,
    eval_id: Option<String>,
    job_modify_index: Option<i64>,
    job_id: String,
    created_at: time::OffsetDateTime,
}

/// Intents older than `older_than` still without a result (at most 500 per call).
async fn open(db: &PgPool, older_than: std::time::Duration) -> Result<Vec<Open>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT e.correlation_id, e.tenant_id, e.tenant, e.actor_kind, e.actor_iss, e.actor_sub, e.actor_name,
                e.source_ip, e.user_agent, e.request_id, e.action, e.target_type, e.target,
                e.details ->> 'deploy_id' AS deploy_id
           FROM audit_events e
          WHERE e.phase = 'intent' AND e.occurred_at < now() - make_interval(secs => $1)
            AND NOT EXISTS (SELECT 1 FROM audit_events r
                             WHERE r.correlation_id = e.correlation_id AND r.phase = 'result')
          ORDER BY e.seq LIMIT 500",
    )
    .bind(older_than.as_secs_f64())
    .fetch_all(db)
    .await?)
}

/// How one open intent ends.
struct Settled {
    outcome: Outcome,
    nomad: NomadIds,
    details: serde_json::Value,
    /// The deploy row's new state, when Nomad told us.
    deploy: Option<(&'static str, Option<String>)>,
}

/// Settles every intent older than `older_than` without a result. Returns how many were settled; intents
/// that need Nomad while it is unreachable are left for the next run.
///
/// # Errors
/// On database failure.
pub async fn reconcile(
    services: &Services,
    older_than: std::time::Duration,
) -> Result<usize, DomainError> {
    let mut settled = 0;
    for intent in open(&services.db, older_than).await? {
        let Some(outcome) = settle(services, &intent).await? else {
            continue;
        };
        let mut tx = services.db.begin().await?;
        // One console settles each intent: the others wait here, then find the result written.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))")
            .bind(intent.correlation_id)
            .execute(&mut *tx)
            .await?;
        let done: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM audit_events WHERE correlation_id = $1 AND phase = 'result')",
        )
        .bind(intent.correlation_id)
        .fetch_one(&mut *tx)
        .await?;
        if done {
            continue;
        }
        if let (Some((state, error)), Some(id)) = (&outcome.deploy, deploy_uuid(&intent)) {
            sqlx::query(
                "UPDATE deploys SET state = $2, error = $3, job_modify_index = coalesce($4, job_modify_index),
                        job_version = coalesce($5, job_version), finished_at = now()
                  WHERE id = $1 AND state IN ('submitting', 'unknown')",
            )
            .bind(id)
            .bind(state)
            .bind(error)
            .bind(outcome.nomad.job_modify_index)
            .bind(outcome.nomad.job_version)
            .execute(&mut *tx)
            .await?;
        }
        let record = Record {
            action: intent.action.clone(),
            tenant_id: intent.tenant_id,
            tenant: intent.tenant.clone(),
            target_type: intent.target_type.clone(),
            target: intent.target.clone(),
            nomad: outcome.nomad,
            details: outcome.details,
        };
        super::write(
            &mut *tx,
            &actor(&intent),
            "result",
            intent.correlation_id,
            &record,
            Some(outcome.outcome),
        )
        .await?;
        tx.commit().await?;
        settled += 1;
    }
    if settled > 0 {
        tracing::info!(settled, "settled interrupted actions in the audit log");
    }
    Ok(settled)
}

fn deploy_uuid(intent: &Open) -> Option<Uuid> {
    intent
        .deploy_id
        .as_deref()
        .and_then(|d| Uuid::parse_str(d).ok())
}

/// The intent's actor, for its result.
fn actor(intent: &Open) -> Actor {
    Actor {
        kind: match intent.actor_kind.as_str() {
            "user" => "user",
            "token" => "token",
            "system" => "system",
            _ => "anonymous",
        },
        user_id: None,
        issuer: intent.actor_iss.clone(),
        subject: intent.actor_sub.clone(),
        name: intent.actor_name.clone(),
        origin: Origin {
            ip: intent.source_ip.clone(),
            user_agent: intent.user_agent.clone(),
            request_id: intent.request_id.clone(),
        },
    }
}

/// Decides how an intent ended; `None` when it cannot be told yet (Nomad unreachable).
async fn settle(services: &Services, intent: &Open) -> Result<Option<Settled>, DomainError> {
    let interrupted = "the console stopped before this action's result was recorded";
    let unknown = Settled {
        outcome: Outcome::Unknown,
        nomad: NomadIds::default(),
        details: json!({"reconciled": true, "reason": interrupted}),
        deploy: None,
    };
    let Some(deploy_id) = deploy_uuid(intent) else {
        return Ok(Some(unknown));
    };
    let row: Option<DeployState> = sqlx::query_as(
        "SELECT state, error, eval_id, job_modify_index, job_id, created_at FROM deploys WHERE id = $1",
    )
    .bind(deploy_id)
    .fetch_optional(&services.db)
    .await?;
    let Some(row) = row else {
        return Ok(Some(unknown));
    };
    let recorded = |outcome, details| Settled {
        outcome,
        nomad: NomadIds {
            eval_id: row.eval_id.clone(),
            job_modify_index: row.job_modify_index,
            ..NomadIds::default()
        },
        details,
        deploy: None,
    };
    match row.state.as_str() {
        "submitted" => {
            return Ok(Some(recorded(
                Outcome::Success,
                json!({"reconciled": true, "deploy_id": deploy_id}),
            )));
        }
        "failed" => {
            return Ok(Some(recorded(
                Outcome::Failure,
                json!({"reconciled": true, "deploy_id": deploy_id, "error": row.error}),
            )));
        }
        _ => {}
    }
    // Still `submitting`, or `unknown` (Nomad did not confirm it): ask Nomad whether the job was registered after the deploy was recorded.
    let Some(tenant_id) = intent.tenant_id else {
        return Ok(Some(unknown));
    };
    let tenant = match crate::tenants::by_id(&services.db, tenant_id).await {
        Ok(tenant) => tenant,
        Err(DomainError::NotFound(_)) => return Ok(Some(unknown)),
        Err(e) => return Err(e),
    };
    let Ok(nomad) = crate::apps::nomad_for(services, &tenant).await else {
        return Ok(None);
    };
    let unconfirmed = row.state == "unknown";
    let since_ns = row.created_at.unix_timestamp_nanos();
    let versions = nomad
        .jobs()
        .versions(&row.job_id, false, &crate::apps::query(&tenant))
        .await;
    let accepted = match versions {
        Ok((v, _)) => v.versions.into_iter().find(|job| {
            job.submit_time
                .is_some_and(|t| i128::from(t) >= since_ns - 1_000_000_000)
        }),
        Err(np_http::Error::Status { status, .. }) if status.as_u16() == 404 => None,
        Err(e) => {
            tracing::warn!(error = %e, deploy = %deploy_id, "cannot settle an interrupted deploy yet: Nomad did not answer");
            return Ok(None);
        }
    };
    Ok(Some(match accepted {
        Some(job) => Settled {
            outcome: Outcome::Success,
            nomad: NomadIds {
                job_version: job.version.and_then(|v| i64::try_from(v).ok()),
                job_modify_index: job.job_modify_index.and_then(|v| i64::try_from(v).ok()),
                ..NomadIds::default()
            },
            details: json!({
                "reconciled": true,
                "deploy_id": deploy_id,
                "reason": if unconfirmed {
                    "Nomad did not confirm the deploy, but had accepted the job"
                } else {
                    "the console stopped while submitting; Nomad had accepted the job"
                },
            }),
            deploy: Some(("submitted", None)),
        },
        None => {
            let error = if unconfirmed {
                "Nomad did not apply the job; deploy again"
            } else {
                "the console stopped before Nomad accepted the job; deploy again"
            };
            Settled {
                outcome: Outcome::Failure,
                nomad: NomadIds::default(),
                details: json!({"reconciled": true, "deploy_id": deploy_id, "error": error}),
                deploy: Some(("failed", Some(error.to_owned()))),
            }
        }
    }))
}
