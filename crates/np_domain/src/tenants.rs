//! Tenants: a team's space on the platform, mapped to one Nomad namespace. Its display name is the tenant's
//! own; the settings that shape its apps (host-name suffix, node pool, resource budget, allowed volumes and
//! registries) are the platform's, set by platform admins only.

mod repo;
mod settings;

pub use repo::{
    by_id, by_slug, delete, insert, list, lock_host_suffixes, nomad_acl, nomad_token, rename,
    set_namespace_state, set_nomad_token, set_settings,
};
pub use settings::{TenantSettings, check_apart, effective_suffix, nested};

use np_spec::names::TenantSlug;
use np_spec::tenant::{Budget, TenantContext};
use serde::Serialize;
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
