//! Memberships: who belongs to which tenant, in which role.

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::DomainError;

/// A role within one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "tenant_role", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum TenantRole {
    /// Manages members, settings and tokens; also deploys.
    Admin,
    /// Deploys and operates the tenant's apps.
    Developer,
    /// Reads the tenant's deploy history and audit log.
    Auditor,
}

/// One tenant a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The tenant.
    pub tenant_id: Uuid,
    /// Its slug.
    pub tenant_slug: String,
    /// Its display name.
    pub tenant_name: String,
    /// The user's role in it.
    pub role: TenantRole,
}

/// Gives `user_id` the `role` in `tenant_id`, replacing any previous role.
///
/// # Errors
/// `NotFound` when the tenant or user does not exist.
pub async fn set_role(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    user_id: Uuid,
    role: TenantRole,
) -> Result<(), DomainError> {
    sqlx::query!(
        r#"INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role"#,
        tenant_id,
        user_id,
        role as TenantRole,
    )
    .execute(db)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            DomainError::NotFound("tenant or user")
        }
        _ => DomainError::Database(e),
    })?;
    Ok(())
}

/// The tenants `user_id` belongs to, by slug.
///
/// # Errors
/// On database failure.
pub async fn for_user(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<Membership>, DomainError> {
    Ok(sqlx::query_as!(
        Membership,
        r#"SELECT t.id AS tenant_id, t.slug AS tenant_slug, t.display_name AS tenant_name,
                  m.role AS "role: TenantRole"
             FROM memberships m JOIN tenants t ON t.id = m.tenant_id
            WHERE m.user_id = $1
            ORDER BY t.slug"#,
        user_id
    )
    .fetch_all(db)
    .await?)
}

/// One member of a tenant, as the tenant's admins see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The user.
    pub user_id: Uuid,
    /// Display name.
    pub display_name: String,
    /// E-mail, if known.
    pub email: Option<String>,
    /// Role in the tenant.
    pub role: TenantRole,
    /// `oidc` (from the group mapping, resynced at sign-in) or `manual` (added by an admin).
    pub source: String,
}

/// A member added by e-mail or subject who has not signed in yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Identifier.
    pub id: Uuid,
    /// E-mail the invite matches, if by e-mail.
    pub email: Option<String>,
    /// Subject the invite matches, if by subject.
    pub subject: Option<String>,
    /// Role the member will have.
    pub role: TenantRole,
}

/// The members of `tenant_id`, by name.
///
/// # Errors
/// On database failure.
pub async fn members(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<Member>, DomainError> {
    let rows: Vec<(Uuid, String, Option<String>, TenantRole, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email, m.role, m.source::text
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.tenant_id = $1 ORDER BY lower(u.display_name), u.id",
    )
    .bind(tenant_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, display_name, email, role, source)| Member {
            user_id,
            display_name,
            email,
            role,
            source,
        })
        .collect())
}

/// The pending invites of `tenant_id`.
///
/// # Errors
/// On database failure.
pub async fn invites(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<Invite>, DomainError> {
    let rows: Vec<(Uuid, Option<String>, Option<String>, TenantRole)> = sqlx::query_as(
        "SELECT id, email, subject, role FROM member_invites WHERE tenant_id = $1 ORDER BY created_at, id",
    )
    .bind(tenant_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, email, subject, role)| Invite {
            id,
            email,
            subject,
            role,
        })
        .collect())
}

/// Who a tenant admin adds: an e-mail address, or a subject of the console's issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitee {
    /// Matched against the e-mail the provider asserts.
    Email(String),
    /// Matched against the subject (with the issuer).
    Subject {
        /// The issuer.
        issuer: String,
        /// The subject.
        subject: String,
    },
}

impl Invitee {
    /// Reads what an admin typed: an e-mail address if it has an `@`, otherwise a subject of `issuer`.
    ///
    /// # Errors
    /// `Invalid` for empty or malformed input.
    pub fn parse(input: &str, issuer: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        if input.is_empty() || input.len() > 320 || input.chars().any(char::is_whitespace) {
            return Err(DomainError::invalid(
                "member",
                "give an e-mail address or a subject, without spaces",
            ));
        }
        if input.contains('@') {
            let (local, domain) = input.split_once('@').unwrap_or_default();
            if local.is_empty() || domain.is_empty() || domain.contains('@') {
                return Err(DomainError::invalid(
                    "member",
                    format!("{input:?} is not an e-mail address"),
                ));
            }
            Ok(Self::Email(input.to_lowercase()))
        } else {
            Ok(Self::Subject {
                issuer: issuer.to_owned(),
                subject: input.to_owned(),
            })
        }
    }
}

/// Adds a member: at once when a user with that e-mail or subject exists, otherwise as an invite matched at
/// their first sign-in. Returns whether the member was added at once.
///
/// # Errors
/// On database failure.
pub async fn add(
    db: &mut sqlx::PgConnection,
    tenant_id: Uuid,
    who: &Invitee,
    role: TenantRole,
    by: Option<Uuid>,
) -> Result<bool, DomainError> {
    let user: Option<Uuid> = match who {
        Invitee::Email(email) => {
            sqlx::query_scalar(
                "SELECT id FROM users WHERE lower(email) = $1 AND disabled_at IS NULL ORDER BY created_at LIMIT 1",
            )
            .bind(email)
            .fetch_optional(&mut *db)
            .await?
        }
        Invitee::Subject { issuer, subject } => {
            sqlx::query_scalar("SELECT id FROM users WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(subject)
                .fetch_optional(&mut *db)
                .await?
        }
    };
    if let Some(user_id) = user {
        sqlx::query(
            "INSERT INTO memberships (tenant_id, user_id, role, source) VALUES ($1, $2, $3, 'manual')
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role, source = 'manual'",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(role)
        .execute(&mut *db)
        .await?;
        return Ok(true);
    }
    let (email, issuer, subject) = match who {
        Invitee::Email(e) => (Some(e.as_str()), None, None),
        Invitee::Subject { issuer, subject } => {
            (None, Some(issuer.as_str()), Some(subject.as_str()))
        }
    };
    sqlx::query(
        "DELETE FROM member_invites WHERE tenant_id = $1 AND (email = $2 OR (issuer = $3 AND subject = $4))",
    )
    .bind(tenant_id)
    .bind(email)
    .bind(issuer)
    .bind(subject)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO member_invites (tenant_id, email, issuer, subject, role, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant_id)
    .bind(email)
    .bind(issuer)
    .bind(subject)
    .bind(role)
    .bind(by)
    .execute(&mut *db)
    .await?;
    Ok(false)
}

/// Removes a member from a tenant.
///
/// # Errors
/// `NotFound` when they were not a member.
pub async fn remove(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<(), DomainError> {
    let done = sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant_id)
        .bind(user_id)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("member"));
    }
    Ok(())
}

/// Withdraws a pending invite.
///
/// # Errors
/// `NotFound`.
pub async fn remove_invite(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<(), DomainError> {
    let done = sqlx::query("DELETE FROM member_invites WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("invite"));
    }
    Ok(())
}

/// At sign-in: turns the user's invites into manual memberships, and makes their OIDC-sourced memberships
/// exactly `mapped` (tenant slug → role; slugs of tenants that do not exist are skipped). A manual membership
/// is never overwritten by the mapping.
///
/// # Errors
/// On database failure.
pub async fn sync_at_sign_in(
    db: &mut sqlx::PgConnection,
    user: &crate::users::User,
    mapped: &[(String, TenantRole)],
) -> Result<(), DomainError> {
    sqlx::query(
        "WITH used AS (
             DELETE FROM member_invites
              WHERE (email IS NOT NULL AND email = lower($2)) OR (issuer = $3 AND subject = $4)
              RETURNING tenant_id, role)
         INSERT INTO memberships (tenant_id, user_id, role, source)
         SELECT DISTINCT ON (tenant_id) tenant_id, $1, role, 'manual' FROM used ORDER BY tenant_id, role
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role, source = 'manual'",
    )
    .bind(user.id)
    .bind(user.email.as_deref().unwrap_or(""))
    .bind(&user.issuer)
    .bind(&user.subject)
    .execute(&mut *db)
    .await?;
    let slugs: Vec<&str> = mapped.iter().map(|(s, _)| s.as_str()).collect();
    let roles: Vec<TenantRole> = mapped.iter().map(|(_, r)| *r).collect();
    sqlx::query(
        "DELETE FROM memberships m USING tenants t
          WHERE m.tenant_id = t.id AND m.user_id = $1 AND m.source = 'oidc' AND NOT (t.slug = ANY($2))",
    )
    .bind(user.id)
    .bind(&slugs)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO memberships (tenant_id, user_id, role, source)
         SELECT t.id, $1, m.role, 'oidc' FROM unnest($2::text[], $3::tenant_role[]) AS m(slug, role)
           JOIN tenants t ON t.slug = m.slug
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role
          WHERE memberships.source = 'oidc'",
    )
    .bind(user.id)
    .bind(&slugs)
    .bind(&roles)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Adds `member` (an e-mail address or an `issuer#subject`, see [`Invitee::parse`]) to the tenant `slug` with
/// `role`, as tenant or platform admin `caller`; recorded in the audit log. Returns whether they were added
/// at once (else invited).
///
/// # Errors
/// Authorization errors; `Invalid` for a bad member.
pub async fn add_member(
    services: &crate::Services,
    caller: &crate::authz::Caller,
    slug: &str,
    member: &str,
    role: TenantRole,
    issuer: &str,
) -> Result<bool, DomainError> {
    let tenant = caller
        .authorize(&services.db, slug, crate::authz::Action::ManageMembers)
        .await?;
    let record = crate::audit::Record::new("member.add")
        .tenant(&tenant)
        .target("member", member.trim())
        .details(serde_json::json!({ "role": role.as_str() }));
    crate::audit::atomically(
        &services.db,
        &crate::audit::Actor::of(caller),
        record,
        async |tx| {
            let who = Invitee::parse(member, issuer)?;
            add(tx, tenant.id, &who, role, caller.user_id()).await
        },
    )
    .await
}

/// Removes the member `user_id` from the tenant `slug`; recorded in the audit log.
///
/// # Errors
/// Authorization errors; `NotFound`.
pub async fn remove_member(
    services: &crate::Services,
    caller: &crate::authz::Caller,
    slug: &str,
    user_id: &str,
) -> Result<(), DomainError> {
    let tenant = caller
        .authorize(&services.db, slug, crate::authz::Action::ManageMembers)
        .await?;
    let user = Uuid::parse_str(user_id).map_err(|_| DomainError::NotFound("member"))?;
    let who: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT display_name, email FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&services.db)
            .await?;
    let record = crate::audit::Record::new("member.remove")
        .tenant(&tenant)
        .target("member", user.to_string())
        .details(serde_json::json!({
            "name": who.as_ref().map(|w| &w.0),
            "email": who.as_ref().and_then(|w| w.1.as_ref()),
        }));
    crate::audit::atomically(
        &services.db,
        &crate::audit::Actor::of(caller),
        record,
        async |tx| remove(&mut *tx, tenant.id, user).await,
    )
    .await
}

/// Withdraws the invite `invite_id` of the tenant `slug`; recorded in the audit log.
///
/// # Errors
/// Authorization errors; `NotFound`.
pub async fn withdraw_invite(
    services: &crate::Services,
    caller: &crate::authz::Caller,
    slug: &str,
    invite_id: &str,
) -> Result<(), DomainError> {
    let tenant = caller
        .authorize(&services.db, slug, crate::authz::Action::ManageMembers)
        .await?;
    let invite = Uuid::parse_str(invite_id).map_err(|_| DomainError::NotFound("invite"))?;
    let record = crate::audit::Record::new("member.uninvite")
        .tenant(&tenant)
        .target("invite", invite.to_string());
    crate::audit::atomically(
        &services.db,
        &crate::audit::Actor::of(caller),
        record,
        async |tx| remove_invite(&mut *tx, tenant.id, invite).await,
    )
    .await
}
