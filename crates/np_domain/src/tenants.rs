//! Tenants: a team's space on the platform, mapped to one Nomad namespace.

use np_spec::names::TenantSlug;
use serde::Serialize;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DomainError;

/// A tenant as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    /// Stable identifier.
    pub id: Uuid,
    /// Short name used in URLs and as the prefix of every derived name.
    pub slug: String,
    /// Name shown in the console.
    pub display_name: String,
    /// The Nomad namespace holding the tenant's jobs.
    pub nomad_namespace: String,
    /// When the tenant was created.
    pub created_at: OffsetDateTime,
}

/// What is needed to create a tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// The validated slug.
    pub slug: TenantSlug,
    /// Name shown in the console (1–100 characters).
    pub display_name: String,
}

/// Inserts a tenant; its Nomad namespace is derived from the slug.
///
/// # Errors
/// `Invalid` for a bad display name, `Conflict` when the slug is taken.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewTenant) -> Result<Tenant, DomainError> {
    let display_name = new.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(DomainError::invalid(
            "display_name",
            "must be 1 to 100 characters",
        ));
    }
    sqlx::query_as!(
        Tenant,
        r#"INSERT INTO tenants (slug, display_name, nomad_namespace)
           VALUES ($1, $2, $3)
           RETURNING id, slug, display_name, nomad_namespace, created_at"#,
        new.slug.as_str(),
        display_name,
        new.slug.nomad_namespace(),
    )
    .fetch_one(db)
    .await
    .map_err(|e| {
        DomainError::on_unique(e, |_| {
            format!("a tenant named {:?} already exists", new.slug.as_str())
        })
    })
}

/// Finds a tenant by slug.
///
/// # Errors
/// `NotFound` when there is none.
pub async fn by_slug(db: impl PgExecutor<'_>, slug: &str) -> Result<Tenant, DomainError> {
    sqlx::query_as!(
        Tenant,
        "SELECT id, slug, display_name, nomad_namespace, created_at FROM tenants WHERE slug = $1",
        slug
    )
    .fetch_optional(db)
    .await?
    .ok_or(DomainError::NotFound("tenant"))
}

/// Lists every tenant, by slug.
///
/// # Errors
/// On database failure.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Tenant>, DomainError> {
    Ok(sqlx::query_as!(
        Tenant,
        "SELECT id, slug, display_name, nomad_namespace, created_at FROM tenants ORDER BY slug"
    )
    .fetch_all(db)
    .await?)
}
