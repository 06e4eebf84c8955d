//! Tenants: a team's space on the platform, mapped to one Nomad namespace, with the settings that shape its
//! apps (host-name suffix, node pool, resource budget, allowed volumes and registries).

use np_spec::names::TenantSlug;
use np_spec::tenant::{Budget, TenantContext};
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{DomainError, Platform};

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
    /// Its settings.
    pub settings: TenantSettings,
    /// Whether its Nomad namespace exists: `pending`, `ready` or `failed`.
    pub namespace_state: String,
    /// Why creating the namespace failed, if it did.
    pub namespace_error: Option<String>,
}

/// What a tenant admin (or platform admin) sets for the tenant's apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// Route host names must end with this (empty: `<slug>.<apps domain>`).
    pub host_suffix: String,
    /// The Nomad node pool its jobs run in.
    pub node_pool: String,
    /// CPU budget in MHz across all apps at maximum scale.
    pub budget_cpu: i64,
    /// Memory budget in MB.
    pub budget_memory: i64,
    /// Instances across all apps.
    pub budget_instances: i64,
    /// Host volumes its apps may mount.
    pub allowed_volumes: Vec<String>,
    /// Registries (or prefixes) images may come from; empty allows any.
    pub allowed_registries: Vec<String>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            host_suffix: String::new(),
            node_pool: "default".into(),
            budget_cpu: 16_000,
            budget_memory: 32_768,
            budget_instances: 50,
            allowed_volumes: Vec::new(),
            allowed_registries: Vec::new(),
        }
    }
}

impl TenantSettings {
    /// Checks every field, naming the first bad one.
    ///
    /// # Errors
    /// `Invalid` with the field and what is allowed.
    pub fn validate(&self, platform: &Platform) -> Result<(), DomainError> {
        if !self.host_suffix.is_empty() {
            np_spec::validate::check_host(&self.host_suffix)
                .map_err(|m| DomainError::invalid("host_suffix", m))?;
            if self.host_suffix != self.host_suffix.to_lowercase() {
                return Err(DomainError::invalid("host_suffix", "must be lower case"));
            }
            let domain = &platform.apps_domain;
            if self.host_suffix != *domain && !self.host_suffix.ends_with(&format!(".{domain}")) {
                return Err(DomainError::invalid(
                    "host_suffix",
                    format!("must be under the platform's apps domain {domain}"),
                ));
            }
        }
        let pool_ok = !self.node_pool.is_empty()
            && self.node_pool.len() <= 128
            && self
                .node_pool
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !pool_ok {
            return Err(DomainError::invalid(
                "node_pool",
                "must be 1 to 128 letters, digits, '-' or '_'",
            ));
        }
        for (field, value, max) in [
            ("budget_cpu", self.budget_cpu, 10_000_000),
            ("budget_memory", self.budget_memory, 100_000_000),
            ("budget_instances", self.budget_instances, 100_000),
        ] {
            if !(0..=max).contains(&value) {
                return Err(DomainError::invalid(
                    field,
                    format!("must be between 0 and {max}"),
                ));
            }
        }
        for (i, volume) in self.allowed_volumes.iter().enumerate() {
            let ok = !volume.is_empty()
                && volume.len() <= 128
                && volume
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(DomainError::invalid(
                    format!("allowed_volumes[{i}]"),
                    "a volume name is 1 to 128 letters, digits, '-' or '_'",
                ));
            }
        }
        for (i, registry) in self.allowed_registries.iter().enumerate() {
            let ok = !registry.is_empty()
                && registry.len() <= 255
                && registry
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
                && !registry.starts_with('/');
            if !ok {
                return Err(DomainError::invalid(
                    format!("allowed_registries[{i}]"),
                    "a registry is a host name with an optional path prefix, like ghcr.io/acme",
                ));
            }
        }
        Ok(())
    }
}

impl Tenant {
    /// The context the tenant's apps are generated in: the platform's defaults with the tenant's settings.
    pub fn context(&self, platform: &Platform) -> Result<TenantContext, DomainError> {
        let slug = TenantSlug::parse(&self.slug).map_err(|e| DomainError::invalid("tenant", e))?;
        let mut context = platform.tenant_context(slug);
        context.namespace.clone_from(&self.nomad_namespace);
        if !self.settings.host_suffix.is_empty() {
            context.host_suffix.clone_from(&self.settings.host_suffix);
        }
        context.node_pool.clone_from(&self.settings.node_pool);
        context.budget = Budget {
            cpu: u64::try_from(self.settings.budget_cpu).unwrap_or(0),
            memory: u64::try_from(self.settings.budget_memory).unwrap_or(0),
            instances: u64::try_from(self.settings.budget_instances).unwrap_or(0),
        };
        context
            .allowed_volumes
            .clone_from(&self.settings.allowed_volumes);
        context
            .allowed_registries
            .clone_from(&self.settings.allowed_registries);
        Ok(context)
    }
}

/// What is needed to create a tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// The validated slug.
    pub slug: TenantSlug,
    /// Name shown in the console (1–100 characters).
    pub display_name: String,
    /// Its settings.
    pub settings: TenantSettings,
}

const COLUMNS: &str = "id, slug, display_name, nomad_namespace, created_at, host_suffix, node_pool, budget_cpu, \
     budget_memory, budget_instances, allowed_volumes, allowed_registries, namespace_state, namespace_error";

#[derive(sqlx::FromRow)]
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
    let row: Row = sqlx::query_as(&format!(
        "INSERT INTO tenants (slug, display_name, nomad_namespace, host_suffix, node_pool, budget_cpu, \
            budget_memory, budget_instances, allowed_volumes, allowed_registries)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING {COLUMNS}"
    ))
    .bind(new.slug.as_str())
    .bind(display_name)
    .bind(new.slug.nomad_namespace())
    .bind(&s.host_suffix)
    .bind(&s.node_pool)
    .bind(s.budget_cpu)
    .bind(s.budget_memory)
    .bind(s.budget_instances)
    .bind(&s.allowed_volumes)
    .bind(&s.allowed_registries)
    .fetch_one(db)
    .await
    .map_err(|e| {
        DomainError::on_unique(e, |_| {
            format!("a tenant named {:?} already exists", new.slug.as_str())
        })
    })?;
    Ok(row.into())
}

/// Replaces a tenant's display name and settings.
///
/// # Errors
/// `Invalid` for a bad display name; `NotFound`.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    display_name: &str,
    s: &TenantSettings,
) -> Result<Tenant, DomainError> {
    let display_name = check_display_name(display_name)?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "UPDATE tenants SET display_name = $2, host_suffix = $3, node_pool = $4, budget_cpu = $5, \
            budget_memory = $6, budget_instances = $7, allowed_volumes = $8, allowed_registries = $9
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(display_name)
    .bind(&s.host_suffix)
    .bind(&s.node_pool)
    .bind(s.budget_cpu)
    .bind(s.budget_memory)
    .bind(s.budget_instances)
    .bind(&s.allowed_volumes)
    .bind(&s.allowed_registries)
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
    sqlx::query("UPDATE tenants SET namespace_state = $2, namespace_error = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(error)
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
    sqlx::query(
        "UPDATE tenants SET nomad_policy = $2, nomad_token_accessor = $3, nomad_token_secret = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(policy)
    .bind(accessor)
    .bind(secret)
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
        sqlx::query_scalar("SELECT nomad_token_secret FROM tenants WHERE id = $1")
            .bind(id)
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
    Ok(
        sqlx::query_as("SELECT nomad_policy, nomad_token_accessor FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?
            .unwrap_or((None, None)),
    )
}

/// Deletes a tenant row (members, tokens, invites and route claims go with it).
///
/// # Errors
/// `NotFound`.
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), DomainError> {
    let done = sqlx::query("DELETE FROM tenants WHERE id = $1")
        .bind(id)
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
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM tenants WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(db)
            .await?;
    row.map(Into::into).ok_or(DomainError::NotFound("tenant"))
}

/// Finds a tenant by id.
///
/// # Errors
/// `NotFound` when there is none.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Tenant, DomainError> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(Into::into).ok_or(DomainError::NotFound("tenant"))
}

/// Lists every tenant, by slug.
///
/// # Errors
/// On database failure.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Tenant>, DomainError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM tenants ORDER BY slug"))
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
