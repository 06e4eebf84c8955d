//! The `tenants` table.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{NewTenant, Tenant, TenantSettings};
use crate::DomainError;

struct Row {
    id: Uuid,
    slug: String,
    display_name: String,
    nomad_namespace: String,
    created_at: OffsetDateTime,
    host_suffix: String,
    node_pool: String,
    budget_cpu: i64,
    budget_memory: i64,
    budget_instances: i64,
    allowed_volumes: Vec<String>,
    allowed_registries: Vec<String>,
    namespace_state: String,
    namespace_error: Option<String>,
}

impl From<Row> for Tenant {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            display_name: r.display_name,
            nomad_namespace: r.nomad_namespace,
            created_at: r.created_at,
            settings: TenantSettings {
                host_suffix: r.host_suffix,
                node_pool: r.node_pool,
                budget_cpu: r.budget_cpu,
                budget_memory: r.budget_memory,
                budget_instances: r.budget_instances,
                allowed_volumes: r.allowed_volumes,
                allowed_registries: r.allowed_registries,
            },
            namespace_state: r.namespace_state,
            namespace_error: r.namespace_error,
        }
    }
}

fn check_display_name(name: &str) -> Result<&str, DomainError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::invalid(
            "display_name",
            "must be 1 to 100 characters",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "display_name",
            "must not contain control characters",
        ));
    }
    Ok(name)
}

/// Inserts a tenant (namespace state `pending`); its Nomad namespace is derived from the slug.
///
/// # Errors
/// `Invalid` for a bad display name, `Conflict` when the slug is taken.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewTenant) -> Result<Tenant, DomainError> {
    let display_name = check_display_name(&new.display_name)?;
    let s = &new.settings;
    let row = sqlx::query_as!(
        Row,
        "INSERT INTO tenants (slug, display_name, nomad_namespace, host_suffix, node_pool, budget_cpu, \
            budget_memory, budget_instances, allowed_volumes, allowed_registries)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING id, slug, display_name, nomad_namespace, created_at, host_suffix, node_pool, budget_cpu,
            budget_memory, budget_instances, allowed_volumes, allowed_registries, namespace_state, namespace_error",
        new.slug.as_str(),
        display_name,
        new.slug.nomad_namespace(),
        s.host_suffix,
        s.node_pool,
        s.budget_cpu,
        s.budget_memory,
        s.budget_instances,
        &s.allowed_volumes,
        &s.allowed_registries,
    )
    .fetch_one(db)
    .await
    .map_err(|e| {
        DomainError::on_unique(e, |_| {
            format!("a tenant named {:?} already exists", new.slug.as_str())
        })
    })?;
    Ok(row.into())
}

/// Renames a tenant: the one setting that is the tenant's own.
///
/// # Errors
/// `Invalid` for a bad display name; `NotFound`.
pub async fn rename(
    db: impl PgExecutor<'_>,
    id: Uuid,
    display_name: &str,
) -> Result<Tenant, DomainError> {
    let display_name = check_display_name(display_name)?;
    let row = sqlx::query_as!(
        Row,
        "UPDATE tenants SET display_name = $2 WHERE id = $1
         RETURNING id, slug, display_name, nomad_namespace, created_at, host_suffix, node_pool, budget_cpu,
            budget_memory, budget_instances, allowed_volumes, allowed_registries, namespace_state, namespace_error",
        id,
        display_name,
    )
    .fetch_optional(db)
    .await?;
    row.map(Into::into).ok_or(DomainError::NotFound("tenant"))
}

/// Replaces a tenant's platform-owned settings.
///
/// # Errors
/// `NotFound`.
pub async fn set_settings(
    db: impl PgExecutor<'_>,
    id: Uuid,
    s: &TenantSettings,
) -> Result<Tenant, DomainError> {
    let row = sqlx::query_as!(
        Row,
        "UPDATE tenants SET host_suffix = $2, node_pool = $3, budget_cpu = $4, budget_memory = $5, \
            budget_instances = $6, allowed_volumes = $7, allowed_registries = $8
         WHERE id = $1
         RETURNING id, slug, display_name, nomad_namespace, created_at, host_suffix, node_pool, budget_cpu,
            budget_memory, budget_instances, allowed_volumes, allowed_registries, namespace_state, namespace_error",
        id,
        s.host_suffix,
        s.node_pool,
        s.budget_cpu,
        s.budget_memory,
        s.budget_instances,
        &s.allowed_volumes,
        &s.allowed_registries,
    )
    .fetch_optional(db)
    .await?;
    row.map(Into::into).ok_or(DomainError::NotFound("tenant"))
}

/// Records whether the tenant's Nomad namespace exists.
///
/// # Errors
/// On database failure.
pub async fn set_namespace_state(
    db: impl PgExecutor<'_>,
    id: Uuid,
    state: &str,
    error: Option<&str>,
) -> Result<(), DomainError> {
    sqlx::query!(
        "UPDATE tenants SET namespace_state = $2, namespace_error = $3 WHERE id = $1",
        id,
        state,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records the Nomad ACL policy and token made for the tenant.
///
/// # Errors
/// On database failure.
pub async fn set_nomad_token(
    db: impl PgExecutor<'_>,
    id: Uuid,
    policy: &str,
    accessor: &str,
    secret: &str,
) -> Result<(), DomainError> {
    sqlx::query!(
        "UPDATE tenants SET nomad_policy = $2, nomad_token_accessor = $3, nomad_token_secret = $4 WHERE id = $1",
        id,
        policy,
        accessor,
        secret,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The tenant's Nomad token secret, when one was made for it.
///
/// # Errors
/// On database failure.
pub async fn nomad_token(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<String>, DomainError> {
    Ok(
        sqlx::query_scalar!("SELECT nomad_token_secret FROM tenants WHERE id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The Nomad policy name and token accessor made for the tenant, if any.
///
/// # Errors
/// On database failure.
pub async fn nomad_acl(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<(Option<String>, Option<String>), DomainError> {
    Ok(sqlx::query!(
        "SELECT nomad_policy, nomad_token_accessor FROM tenants WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?
    .map_or((None, None), |r| (r.nomad_policy, r.nomad_token_accessor)))
}

/// Deletes a tenant row (members, tokens, invites and route claims go with it).
///
/// # Errors
/// `NotFound`.
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), DomainError> {
    let done = sqlx::query!("DELETE FROM tenants WHERE id = $1", id)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound("tenant"));
    }
    Ok(())
}

/// Finds a tenant by slug.
///
/// # Errors
/// `NotFound` when there is none.
pub async fn by_slug(db: impl PgExecutor<'_>, slug: &str) -> Result<Tenant, DomainError> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, slug, display_name, nomad_namespace, created_at, host_suffix, node_pool, budget_cpu,
            budget_memory, budget_instances, allowed_volumes, allowed_registries, namespace_state, namespace_error
         FROM tenants WHERE slug = $1",
        slug
    )
    .fetch_optional(db)
    .await?;
    row.map(Into::into).ok_or(DomainError::NotFound("tenant"))
}

/// Finds a tenant by id.
///
/// # Errors
/// `NotFound` when there is none.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Tenant, DomainError> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, slug, display_name, nomad_namespace, created_at, host_suffix, node_pool, budget_cpu,
            budget_memory, budget_instances, allowed_volumes, allowed_registries, namespace_state, namespace_error
         FROM tenants WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    row.map(Into::into).ok_or(DomainError::NotFound("tenant"))
}

/// Lists every tenant, by slug.
///
/// # Errors
/// On database failure.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Tenant>, DomainError> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, slug, display_name, nomad_namespace, created_at, host_suffix, node_pool, budget_cpu,
            budget_memory, budget_instances, allowed_volumes, allowed_registries, namespace_state, namespace_error
         FROM tenants ORDER BY slug"
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Takes the lock that serialises changes to tenants' host suffixes until the transaction ends, so two
/// changes cannot both pass the overlap check.
///
/// # Errors
/// On database failure.
pub async fn lock_host_suffixes(db: impl PgExecutor<'_>) -> Result<(), DomainError> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('np.tenants.host_suffix'))")
        .fetch_one(db)
        .await?;
    Ok(())
}
