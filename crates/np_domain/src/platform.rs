//! Platform-wide settings that shape every tenant's apps.

use np_spec::names::TenantSlug;
use np_spec::spec::Runtime;
use np_spec::tenant::TenantContext;

/// Settings of the whole platform (from `NP_APPS_DOMAIN`, `NP_CONTAINER_RUNTIME` and `NP_OPENOBSERVE_LOG_STREAM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// Each tenant's apps live under `<tenant>.<apps_domain>`.
    pub apps_domain: String,
    /// Runtime of apps that name none.
    pub default_runtime: Runtime,
    /// The OpenObserve stream holding task logs (`NP_OPENOBSERVE_LOG_STREAM`).
    pub log_stream: String,
    /// The console's own host name (from `NP_PUBLIC_URL`): no tenant's host suffix may hold it or lie under it.
    pub console_host: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            apps_domain: "apps.localhost".into(),
            default_runtime: Runtime::Podman,
            log_stream: "nomad_logs".into(),
            console_host: None,
        }
    }
}

impl Platform {
    /// The context `tenant`'s apps are generated in: the platform's defaults, before the tenant's own
    /// settings (volumes, registries, budget) are applied.
    pub fn tenant_context(&self, tenant: TenantSlug) -> TenantContext {
        let mut context = TenantContext::with_defaults(tenant, &self.apps_domain);
        context.default_runtime = self.default_runtime;
        context
    }
}
