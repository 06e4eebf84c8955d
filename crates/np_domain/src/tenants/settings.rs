//! A tenant's platform-owned settings, and the rules that keep tenants' host names apart.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Platform};

/// What the platform decides for a tenant's apps: set by platform admins only, never by the tenant (a tenant
/// admin who could set them could take another tenant's host names, mount its volumes or raise its own budget).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettings {
    /// Route host names must end with this (empty: `<slug>.<apps domain>`). Strictly under the apps domain,
    /// and never equal to, above or below another tenant's suffix or the console's host.
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
            if !under(&self.host_suffix, domain) {
                return Err(DomainError::invalid(
                    "host_suffix",
                    format!(
                        "must be a name under the platform's apps domain {domain}, like team.{domain}"
                    ),
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

/// The suffix `slug`'s route hosts end with: its own, or `<slug>.<apps domain>`.
pub fn effective_suffix(slug: &str, settings: &TenantSettings, platform: &Platform) -> String {
    if settings.host_suffix.is_empty() {
        format!("{slug}.{}", platform.apps_domain)
    } else {
        settings.host_suffix.clone()
    }
}

/// Whether `name` lies strictly under `domain` (`a.b.c` under `b.c`, not `b.c` itself nor `xb.c`).
fn under(name: &str, domain: &str) -> bool {
    name.strip_suffix(domain)
        .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.'))
}

/// Whether two suffixes overlap: equal, or one under the other. Overlapping suffixes would let one tenant
/// serve host names the other's apps are entitled to.
pub fn nested(a: &str, b: &str) -> bool {
    a == b || under(a, b) || under(b, a)
}

/// Refuses tenant `slug`'s effective suffix `suffix` when it overlaps the console's own host or any other
/// tenant's effective suffix (`others`: slug and effective suffix).
///
/// # Errors
/// `Invalid` at `host_suffix`, naming what it would overlap.
pub fn check_apart<'a>(
    platform: &Platform,
    slug: &str,
    suffix: &str,
    others: impl IntoIterator<Item = (&'a str, String)>,
) -> Result<(), DomainError> {
    if let Some(console) = &platform.console_host
        && nested(suffix, console)
    {
        return Err(DomainError::invalid(
            "host_suffix",
            format!("{suffix} overlaps the console's own host {console}"),
        ));
    }
    for (other, theirs) in others {
        if other != slug && nested(suffix, &theirs) {
            return Err(DomainError::invalid(
                "host_suffix",
                format!(
                    "{suffix} overlaps tenant {other}'s host names ({theirs}): a suffix must not equal, hold or \
                     lie under another tenant's"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_overlap_when_equal_or_nested() {
        assert!(nested("globex.apps.localhost", "globex.apps.localhost"));
        assert!(nested("apps.localhost", "globex.apps.localhost"));
        assert!(nested("x.globex.apps.localhost", "globex.apps.localhost"));
        assert!(!nested("xglobex.apps.localhost", "globex.apps.localhost"));
        assert!(!nested("acme.apps.localhost", "globex.apps.localhost"));
    }

    #[test]
    fn a_suffix_is_strictly_under_the_apps_domain_and_apart_from_the_console() {
        let platform = Platform {
            console_host: Some("console.apps.localhost".into()),
            ..Platform::default()
        };
        let with = |suffix: &str| TenantSettings {
            host_suffix: suffix.into(),
            ..TenantSettings::default()
        };
        assert!(with("").validate(&platform).is_ok());
        assert!(with("team.apps.localhost").validate(&platform).is_ok());
        for bad in [
            "apps.localhost",
            "evil.com",
            "xapps.localhost",
            "a..apps.localhost",
        ] {
            let err = with(bad).validate(&platform).unwrap_err().to_string();
            assert!(err.contains("host_suffix"), "{bad}: {err}");
        }
        let others = [("globex", "globex.apps.localhost".to_string())];
        let apart = |slug, suffix| check_apart(&platform, slug, suffix, others.clone());
        assert!(apart("acme", "acme.apps.localhost").is_ok());
        assert!(apart("globex", "globex.apps.localhost").is_ok());
        let err = apart("acme", "shop.globex.apps.localhost").unwrap_err();
        assert!(err.to_string().contains("tenant globex"), "{err}");
        for console in ["console.apps.localhost", "a.console.apps.localhost"] {
            let err = apart("acme", console).unwrap_err();
            assert!(err.to_string().contains("console"), "{err}");
        }
    }
}
