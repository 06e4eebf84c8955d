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
