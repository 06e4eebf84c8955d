//! Sign-in attempts and browser sessions, kept in Postgres. Browsers hold random cookie values; the database
//! holds only their hashes.

use sqlx::PgExecutor;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::DomainError;
use crate::authz::{Caller, Grant, PlatformRole, Principal};
use crate::secrets::{hash, random_secret};

/// How long a sign-in may take between leaving for the provider and coming back.
pub const LOGIN_ATTEMPT_LIFETIME: Duration = Duration::minutes(10);

/// What the console must remember while the browser is at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    /// The `state` sent to the provider.
    pub state: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// Where to go after signing in (a path of the console).
    pub next_path: String,
}

/// Sign-ins in progress one client keeps (its oldest goes when it starts another).
pub const LOGIN_ATTEMPTS_PER_CLIENT: i64 = 5;
/// Sign-ins in progress all clients together may have.
pub const LOGIN_ATTEMPTS_IN_ALL: i64 = 10_000;

/// Stores `attempt` of `client` (its address) and returns the cookie value that names it. Expired attempts go
/// first, and the client's oldest beyond [`LOGIN_ATTEMPTS_PER_CLIENT`].
///
/// # Errors
/// `TooMany` when [`LOGIN_ATTEMPTS_IN_ALL`] sign-ins are in progress; on database failure.
pub async fn begin_login(
    db: &sqlx::PgPool,
    client: &str,
    attempt: &LoginAttempt,
) -> Result<String, DomainError> {
    let cookie = random_secret();
    let mut tx = db.begin().await?;
    sqlx::query!(
        "DELETE FROM login_attempts WHERE created_at < now() - make_interval(secs => $1)",
        LOGIN_ATTEMPT_LIFETIME.as_seconds_f64(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM login_attempts WHERE id IN (
            SELECT id FROM login_attempts WHERE client = $1 ORDER BY created_at DESC OFFSET $2)",
        client,
        LOGIN_ATTEMPTS_PER_CLIENT - 1,
    )
    .execute(&mut *tx)
    .await?;
    let pending = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM login_attempts"#)
        .fetch_one(&mut *tx)
        .await?;
    if pending >= LOGIN_ATTEMPTS_IN_ALL {
        return Err(DomainError::TooMany {
            message: "too many sign-ins are in progress; try again in a minute".into(),
            retry_after: 60,
        });
    }
    sqlx::query!(
        "INSERT INTO login_attempts (id, state, nonce, pkce_verifier, next_path, client)
         VALUES ($1, $2, $3, $4, $5, $6)",
        hash(&cookie),
        attempt.state,
        attempt.nonce,
        attempt.pkce_verifier,
        attempt.next_path,
        client,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(cookie)
}

/// Takes (reads and deletes) the attempt named by `cookie`, if it exists and is recent. An attempt can be
/// taken once: a replayed callback finds nothing.
///
/// # Errors
/// On database failure.
pub async fn take_login(
    db: impl PgExecutor<'_>,
    cookie: &str,
) -> Result<Option<LoginAttempt>, DomainError> {
    let row: Option<(
        String,
        String,
        String,
        String,
        OffsetDateTime,
        OffsetDateTime,
    )> = sqlx::query_as(
        "DELETE FROM login_attempts WHERE id = $1
         RETURNING state, nonce, pkce_verifier, next_path, created_at, now()",
    )
    .bind(hash(cookie))
    .fetch_optional(db)
    .await?;
    Ok(
        row.and_then(|(state, nonce, pkce_verifier, next_path, created, now)| {
            (now - created <= LOGIN_ATTEMPT_LIFETIME).then_some(LoginAttempt {
                state,
                nonce,
                pkce_verifier,
                next_path,
            })
        }),
    )
}

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    /// Ends a session unused for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in.
    pub absolute: Duration,
}

/// Starts a session for `user_id` and returns its cookie value. Any session the browser had before
/// (`previous`) ends, so a sign-in always gets a fresh session identifier.
///
/// # Errors
/// On database failure.
pub async fn create(
    db: &mut sqlx::PgConnection,
    user_id: Uuid,
    lifetimes: SessionLifetimes,
    id_token: Option<&str>,
    previous: Option<&str>,
) -> Result<String, DomainError> {
    if let Some(previous) = previous {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash(previous))
            .execute(&mut *db)
            .await?;
    }
    let cookie = random_secret();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, expires_at, id_token)
         VALUES ($1, $2, now() + make_interval(secs => $3), $4)",
    )
    .bind(hash(&cookie))
    .bind(user_id)
    .bind(lifetimes.absolute.as_seconds_f64())
    .bind(id_token)
    .execute(&mut *db)
    .await?;
    Ok(cookie)
}

/// Ends the session named by `cookie`, returning its ID token (for the provider's logout) if it had one.
///
/// # Errors
/// On database failure.
pub async fn end(db: impl PgExecutor<'_>, cookie: &str) -> Result<Option<String>, DomainError> {
    Ok(
        sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING id_token")
            .bind(hash(cookie))
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The caller behind a session cookie: `None` when the session does not exist, has been idle too long, has
/// reached its absolute lifetime, or its user is disabled or gone. Refreshes the last-seen time (at most once
/// a minute).
///
/// # Errors
/// On database failure.
pub async fn caller(
    db: &mut sqlx::PgConnection,
    cookie: &str,
    idle: Duration,
) -> Result<Option<Caller>, DomainError> {
    /// Session, user, display name, e-mail, platform role.
    type Row = (Uuid, Uuid, String, Option<String>, Option<String>);
    let row: Option<Row> = sqlx::query_as(
        "UPDATE sessions s SET last_seen_at = CASE WHEN s.last_seen_at < now() - interval '1 minute'
                                                    THEN now() ELSE s.last_seen_at END
           FROM users u
          WHERE s.token_hash = $1 AND u.id = s.user_id AND u.disabled_at IS NULL
            AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
         RETURNING s.id, u.id, u.display_name, u.email, u.platform_role",
    )
    .bind(hash(cookie))
    .bind(idle.as_seconds_f64())
    .fetch_optional(&mut *db)
    .await?;
    let Some((session_id, user_id, display_name, email, platform_role)) = row else {
        return Ok(None);
    };
    let grants = crate::memberships::for_user(&mut *db, user_id)
        .await?
        .into_iter()
        .map(|m| Grant {
            tenant_id: m.tenant_id,
            tenant: m.tenant_slug,
            tenant_name: m.tenant_name,
            role: m.role,
        })
        .collect();
    Ok(Some(Caller {
        principal: Principal::User {
            user_id,
            session_id,
        },
        display_name,
        email,
        platform_role: platform_role.as_deref().and_then(PlatformRole::parse),
        grants,
        origin: crate::authz::Origin::default(),
    }))
}

/// Deletes sign-in attempts and sessions that can no longer be used. Returns how many rows went.
///
/// # Errors
/// On database failure.
pub async fn sweep(db: &mut sqlx::PgConnection, idle: Duration) -> Result<u64, DomainError> {
    let attempts = sqlx::query(
        "DELETE FROM login_attempts WHERE created_at < now() - make_interval(secs => $1)",
    )
    .bind(LOGIN_ATTEMPT_LIFETIME.as_seconds_f64())
    .execute(&mut *db)
    .await?
    .rows_affected();
    let sessions = sqlx::query(
        "DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => $1)",
    )
    .bind(idle.as_seconds_f64())
    .execute(&mut *db)
    .await?
    .rows_affected();
    Ok(attempts + sessions)
}
