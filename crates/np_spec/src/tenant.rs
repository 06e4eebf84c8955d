//! The tenant context: everything about where and how an app runs that the console, not the developer,
//! decides. Generation takes it alongside the spec; nothing in a spec can override it.

use serde::{Deserialize, Serialize};

use crate::names::TenantSlug;
use crate::spec::Runtime;

/// The tenant an app belongs to and the platform settings that apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantContext {
    /// The tenant.
    pub slug: TenantSlug,
    /// Its Nomad namespace.
    pub namespace: String,
    /// Nomad region.
    pub region: String,
    /// Datacenters its jobs may run in.
    pub datacenters: Vec<String>,
    /// Its node pool.
    pub node_pool: String,
    /// Host names of its routes must end with this suffix (e.g. `acme.apps.example.com`).
    pub host_suffix: String,
    /// Runtime when a spec names none.
    pub default_runtime: Runtime,
    /// Runtimes its apps may use.
    pub allowed_runtimes: Vec<Runtime>,
    /// Host volumes its apps may mount.
    pub allowed_volumes: Vec<String>,
    /// Registries (or registry path prefixes such as `ghcr.io/acme`) images may come from; empty allows any.
    pub allowed_registries: Vec<String>,
    /// Its resource budget across all apps.
    pub budget: Budget,
    /// What its other apps already reserve (at their maximum scale).
    pub used: Usage,
    /// Prefix of its Vault KV paths (e.g. `kv/data/tenants/acme`), when Vault is available.
    pub vault_prefix: Option<String>,
    /// Traefik settings of the platform.
    pub ingress: Ingress,
}

/// A tenant's resource budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// CPU in MHz.
    pub cpu: u64,
    /// Memory in MB.
    pub memory: u64,
    /// Instances across all apps.
    pub instances: u64,
}

/// Resources reserved, at maximum scale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// CPU in MHz.
    pub cpu: u64,
    /// Memory in MB.
    pub memory: u64,
    /// Instances.
    pub instances: u64,
}

/// How Traefik exposes routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingress {
    /// Entry points routers listen on (e.g. `websecure`).
    pub entrypoints: Vec<String>,
    /// Whether routers terminate TLS.
    pub tls: bool,
    /// ACME resolver for certificates, if any.
    pub cert_resolver: Option<String>,
}

impl TenantContext {
    /// A context for `slug` with the platform's defaults: namespace = slug, node pool `default`, Podman,
    /// routes under `<slug>.<apps_domain>`, and a modest budget.
    pub fn with_defaults(slug: TenantSlug, apps_domain: &str) -> Self {
        Self {
            namespace: slug.nomad_namespace(),
            region: "global".into(),
            datacenters: vec!["*".into()],
            node_pool: "default".into(),
            host_suffix: format!("{slug}.{apps_domain}"),
            default_runtime: Runtime::Podman,
            allowed_runtimes: vec![Runtime::Podman, Runtime::Docker],
            allowed_volumes: Vec::new(),
            allowed_registries: Vec::new(),
            budget: Budget {
                cpu: 16_000,
                memory: 32_768,
                instances: 50,
            },
            used: Usage::default(),
            vault_prefix: None,
            ingress: Ingress {
                entrypoints: vec!["websecure".into()],
                tls: true,
                cert_resolver: None,
            },
            slug,
        }
    }
}
