//! API tokens for pipelines: scoped to one tenant and one role, shown once, stored as a hash, with an expiry
//! and the time of last use.

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DomainError;
use crate::authz::{Caller, Grant, Principal};
use crate::memberships::TenantRole;
use crate::secrets::{hash, random_secret};

/// Every token starts with this, so secret scanners and people recognise it.
pub const TOKEN_PREFIX: &str = "np_";

/// Longest lifetime a token may be given.
pub const MAX_LIFETIME_DAYS: i64 = 366;

/// A token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Identifier.
    pub id: Uuid,
    /// Name given by its creator (unique in the tenant).
    pub name: String,
    /// Role it acts with.
    pub role: TenantRole,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    /// Who made it.
    pub created_by: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// When it was last used.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Whether it is suspended: a token stands on its creator's standing, and stops working while its creator
    /// is disabled or no longer an admin of the tenant (a platform admin's stand while they are one).
    pub suspended: bool,
}

/// A token just made: the only time its secret exists outside the pipeline that receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    /// The token as listed.
    pub token: ApiToken,
    /// The secret to give to the pipeline.
    pub secret: String,
}

/// Checks a token name: 1–100 printable characters.
fn check_name(name: &str) -> Result<&str, DomainError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "name",
            "must be 1 to 100 characters, without control characters",
        ));
    }
    Ok(name)
}

/// Makes a token for `tenant_id` with `role`, valid for `days` days.
///
/// # Errors
/// `Invalid` for a bad name or lifetime; `Conflict` when the tenant has a token of that name.
pub async fn create(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    name: &str,
    role: TenantRole,
    days: i64,
    created_by: Option<Uuid>,
) -> Result<CreatedToken, DomainError> {
    let name = check_name(name)?;
    if !(1..=MAX_LIFETIME_DAYS).contains(&days) {
        return Err(DomainError::invalid(
            "expires_in_days",
            format!("must be between 1 and {MAX_LIFETIME_DAYS} days"),
        ));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let (id, created_at, expires_at): (Uuid, OffsetDateTime, OffsetDateTime) = sqlx::query_as(
        "INSERT INTO api_tokens (tenant_id, name, role, prefix, token_hash, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7))
         RETURNING id, created_at, expires_at",
    )
    .bind(tenant_id)
    .bind(name)
    .bind(role)
    .bind(&prefix)
    .bind(hash(&secret))
    .bind(created_by)
    .bind(i32::try_from(days).unwrap_or(1))
    .fetch_one(db)
    .await
    .map_err(|e| DomainError::on_unique(e, |_| format!("a token named {name:?} already exists")))?;
    Ok(CreatedToken {
        token: ApiToken {
            id,
            name: name.to_owned(),
            role,
            prefix,
            created_by: None,
            created_at,
            expires_at,
            last_used_at: None,
            revoked_at: None,
            suspended: false,
        },
        secret,
    })
}

/// The tenant's tokens, newest first (revoked ones included, marked).
///
/// # Errors
/// On database failure.
pub async fn list(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<ApiToken>, DomainError> {
    Ok(sqlx::query_as!(
        ApiToken,
        r#"SELECT t.id, t.name, t.role AS "role: TenantRole", t.prefix, u.display_name AS "created_by?",
                  t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
                  NOT (t.created_by IS NULL OR (u.disabled_at IS NULL AND (coalesce(u.platform_role = 'admin', false)
                       OR EXISTS (SELECT 1 FROM memberships m
                                   WHERE m.tenant_id = t.tenant_id AND m.user_id = u.id AND m.role = 'admin'))))
                    AS "suspended!"
             FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by
            WHERE t.tenant_id = $1 ORDER BY t.created_at DESC, t.id"#,
        tenant_id,
    )
    .fetch_all(db)
    .await?)
}

/// Revokes a token of `tenant_id`; it stops working at once.
///
/// # Errors
/// `NotFound` when the tenant has no such unrevoked token.
pub async fn revoke(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<(), DomainError> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
            .bind(tenant_id)
            .bind(id)
            .execute(db)
            .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("token"));
    }
    Ok(())
}

/// The caller behind a bearer token: `None` when the token is unknown, revoked, expired or suspended (its
/// creator disabled, or no longer an admin of the tenant). Records its use
/// (at most once a minute).
///
/// # Errors
/// On database failure.
pub async fn caller(db: impl PgExecutor<'_>, secret: &str) -> Result<Option<Caller>, DomainError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    // A token stands on its creator's standing: it works while whoever made it is enabled and still an admin of
    // the tenant (or a platform admin). Tokens an operator made on the console's host have no creator.
    let row = sqlx::query!(
        r#"UPDATE api_tokens a SET last_used_at = CASE WHEN a.last_used_at IS NULL
                                                        OR a.last_used_at < now() - interval '1 minute'
                                                      THEN now() ELSE a.last_used_at END
             FROM tenants t
            WHERE a.token_hash = $1 AND t.id = a.tenant_id AND a.revoked_at IS NULL AND a.expires_at > now()
              AND (a.created_by IS NULL OR EXISTS (
                    SELECT 1 FROM users u
                     WHERE u.id = a.created_by AND u.disabled_at IS NULL
                       AND (coalesce(u.platform_role = 'admin', false) OR EXISTS (
                             SELECT 1 FROM memberships m
                              WHERE m.tenant_id = a.tenant_id AND m.user_id = u.id AND m.role = 'admin'))))
          RETURNING a.id, a.name, a.role AS "role: TenantRole", t.id AS tenant_id, t.slug, t.display_name"#,
        hash(secret),
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.id, r.name, r.role, r.tenant_id, r.slug, r.display_name));
    Ok(row.map(
        |(token_id, name, role, tenant_id, tenant, tenant_name)| Caller {
            principal: Principal::Token { token_id },
            display_name: format!("token {name}"),
            email: None,
            platform_role: None,
            grants: vec![Grant {
                tenant_id,
                tenant,
                tenant_name,
                role,
            }],
            origin: crate::authz::Origin::default(),
        },
    ))
}

/// Makes an API token for the tenant `slug` (people only, tenant or platform admins); recorded in the audit
/// log with the HMAC of its secret, never the secret.
///
/// # Errors
/// Authorization errors; as [`create`].
pub async fn issue(
    services: &crate::Services,
    caller: &Caller,
    slug: &str,
    name: &str,
    role: TenantRole,
    days: i64,
) -> Result<CreatedToken, DomainError> {
    if caller.user_id().is_none() {
        return Err(DomainError::Forbidden(
            "API tokens are made by people, not by other tokens".into(),
        ));
    }
    let tenant = caller
        .authorize(&services.db, slug, crate::authz::Action::ManageTokens)
        .await?;
    let actor = crate::audit::Actor::of(caller);
    let record = crate::audit::Record::new("token.create")
        .tenant(&tenant)
        .target("token", name.trim())
        .details(serde_json::json!({ "role": role.as_str(), "expires_in_days": days }));
    let made: Result<CreatedToken, DomainError> = async {
        let mut tx = services.db.begin().await?;
        let pending = crate::audit::begin(&mut *tx, &actor, record.clone()).await?;
        let made = create(&mut *tx, tenant.id, name, role, days, caller.user_id()).await?;
        pending
            .finish(
                &mut *tx,
                crate::audit::Outcome::Success,
                crate::audit::NomadIds::default(),
                serde_json::json!({
                    "token_id": made.token.id,
                    "prefix": made.token.prefix,
                    "secret_hmac": services.audit.hmac(&made.secret),
                }),
            )
            .await?;
        tx.commit().await?;
        Ok(made)
    }
    .await;
    if let Err(e) = &made {
        crate::audit::refused(&services.db, &actor, record, e).await;
    }
    made
}

/// Revokes the token `token_id` of the tenant `slug`; recorded in the audit log.
///
/// # Errors
/// Authorization errors; `NotFound`.
pub async fn revoke_token(
    services: &crate::Services,
    caller: &Caller,
    slug: &str,
    token_id: &str,
) -> Result<(), DomainError> {
    let tenant = caller
        .authorize(&services.db, slug, crate::authz::Action::ManageTokens)
        .await?;
    let id = Uuid::parse_str(token_id).map_err(|_| DomainError::NotFound("token"))?;
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM api_tokens WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant.id)
            .fetch_optional(&services.db)
            .await?;
    let record = crate::audit::Record::new("token.revoke")
        .tenant(&tenant)
        .target("token", name.unwrap_or_else(|| id.to_string()))
        .details(serde_json::json!({ "token_id": id }));
    crate::audit::atomically(
        &services.db,
        &crate::audit::Actor::of(caller),
        record,
        async |tx| revoke(&mut *tx, tenant.id, id).await,
    )
    .await
}
