//! Users: people as the OIDC provider identifies them.

use serde::Serialize;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DomainError;

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Stable identifier.
    pub id: Uuid,
    /// The OIDC issuer that vouches for the subject.
    pub issuer: String,
    /// The subject identifier, unique within the issuer.
    pub subject: String,
    /// E-mail address, when the provider shares it.
    pub email: Option<String>,
    /// Name shown in the console and kept in the audit log.
    pub display_name: String,
    /// When the user was disabled, if they were.
    pub disabled_at: Option<OffsetDateTime>,
}

/// An identity asserted by the OIDC provider at sign-in.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The issuer.
    pub issuer: String,
    /// The subject.
    pub subject: String,
    /// E-mail address, if any.
    pub email: Option<String>,
    /// Display name (falls back to e-mail, then subject).
    pub display_name: Option<String>,
}

/// Creates the user on first sign-in, or refreshes their display data and last-seen time.
///
/// # Errors
/// `Invalid` for an empty issuer or subject; database failures.
pub async fn upsert(db: impl PgExecutor<'_>, identity: &Identity) -> Result<User, DomainError> {
    if identity.issuer.is_empty() || identity.subject.is_empty() {
        return Err(DomainError::invalid(
            "identity",
            "issuer and subject are required",
        ));
    }
    let display_name = identity
        .display_name
        .as_deref()
        .or(identity.email.as_deref())
        .unwrap_or(&identity.subject);
    Ok(sqlx::query_as!(
        User,
        r#"INSERT INTO users (issuer, subject, email, display_name, last_seen_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (issuer, subject) DO UPDATE
              SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, last_seen_at = now()
           RETURNING id, issuer, subject, email, display_name, disabled_at"#,
        identity.issuer,
        identity.subject,
        identity.email,
        display_name,
    )
    .fetch_one(db)
    .await?)
}

/// Sets the user's platform role (from the OIDC group mapping at sign-in).
///
/// # Errors
/// On database failure.
pub async fn set_platform_role(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    role: Option<crate::authz::PlatformRole>,
) -> Result<(), DomainError> {
    sqlx::query("UPDATE users SET platform_role = $2 WHERE id = $1")
        .bind(user_id)
        .bind(role.map(crate::authz::PlatformRole::as_str))
        .execute(db)
        .await?;
    Ok(())
}

/// Disables a user (their sessions end at once) or enables them again.
///
/// # Errors
/// `NotFound`.
pub async fn set_disabled(
    db: &mut sqlx::PgConnection,
    user_id: Uuid,
    disabled: bool,
) -> Result<(), DomainError> {
    let done = sqlx::query(
        "UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END WHERE id = $1",
    )
    .bind(user_id)
    .bind(disabled)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("user"));
    }
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// A user as platform admins list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UserSummary {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// `admin`, `auditor` or none.
    pub platform_role: Option<String>,
    /// Whether they are disabled.
    pub disabled: bool,
}

/// Every user, by name.
///
/// # Errors
/// On database failure.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<UserSummary>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT id, display_name, email, platform_role, disabled_at IS NOT NULL AS disabled FROM users
          ORDER BY lower(display_name), id",
    )
    .fetch_all(db)
    .await?)
}

/// Disables or enables the user `user_id` (platform admins only, never themselves); recorded in the audit log.
///
/// # Errors
/// `Forbidden`; `Invalid` for disabling oneself; `NotFound`.
pub async fn disable(
    services: &crate::Services,
    caller: &crate::authz::Caller,
    user_id: &str,
    disabled: bool,
) -> Result<(), DomainError> {
    caller.require_platform_admin("disable users")?;
    let user = Uuid::parse_str(user_id).map_err(|_| DomainError::NotFound("user"))?;
    if Some(user) == caller.user_id() && disabled {
        return Err(DomainError::invalid(
            "disabled",
            "you cannot disable yourself",
        ));
    }
    let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&services.db)
        .await?;
    let record = crate::audit::Record::new(if disabled {
        "user.disable"
    } else {
        "user.enable"
    })
    .target("user", user.to_string())
    .details(serde_json::json!({ "name": name }));
    crate::audit::atomically(
        &services.db,
        &crate::audit::Actor::of(caller),
        record,
        async |tx| set_disabled(tx, user, disabled).await,
    )
    .await
}
