//! `NP_OIDC_ROLE_MAPPING`: which OIDC groups give which roles.

use std::collections::BTreeMap;

use np_domain::authz::PlatformRole;
use np_domain::memberships::TenantRole;

/// A role a group gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappedRole {
    /// A platform-wide role.
    Platform(PlatformRole),
    /// A role in one tenant.
    Tenant(String, TenantRole),
}

/// The parsed mapping: group → roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMapping {
    entries: Vec<(String, MappedRole)>,
}

/// The roles a user's groups give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// The strongest platform role.
    pub platform: Option<PlatformRole>,
    /// The strongest role per tenant.
    pub tenants: Vec<(String, TenantRole)>,
}

impl RoleMapping {
    /// Parses `group=role` pairs separated by commas.
    ///
    /// # Errors
    /// A message naming the bad pair and what is allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (group, role) = pair
                .rsplit_once('=')
                .ok_or_else(|| format!("{pair:?} is not group=role"))?;
            let group = group.trim();
            if group.is_empty() {
                return Err(format!("{pair:?} has no group"));
            }
            let (scope, name) = role.trim().split_once(':').ok_or_else(|| {
                format!("{role:?} in {pair:?} is not platform:<role> or <tenant>:<role>")
            })?;
            let mapped = if scope == "platform" {
                MappedRole::Platform(PlatformRole::parse(name).ok_or_else(|| {
                    format!("{name:?} in {pair:?} is not a platform role (admin, auditor)")
                })?)
            } else {
                np_spec::names::TenantSlug::parse(scope)
                    .map_err(|e| format!("{scope:?} in {pair:?} is not a tenant name: {e}"))?;
                MappedRole::Tenant(
                    scope.to_owned(),
                    TenantRole::parse(name).ok_or_else(|| {
                        format!(
                            "{name:?} in {pair:?} is not a tenant role (admin, developer, auditor)"
                        )
                    })?,
                )
            };
            entries.push((group.to_owned(), mapped));
        }
        Ok(Self { entries })
    }

    /// The roles `groups` give: the strongest per tenant and on the platform.
    pub fn resolve(&self, groups: &[String]) -> Roles {
        let mut platform = None;
        let mut tenants: BTreeMap<String, TenantRole> = BTreeMap::new();
        for (group, role) in &self.entries {
            if !groups.iter().any(|g| g == group) {
                continue;
            }
            match role {
                MappedRole::Platform(p) => {
                    platform = Some(match (platform, p) {
                        (Some(PlatformRole::Admin), _) | (_, PlatformRole::Admin) => {
                            PlatformRole::Admin
                        }
                        _ => PlatformRole::Auditor,
                    });
                }
                MappedRole::Tenant(slug, r) => {
                    let entry = tenants.entry(slug.clone()).or_insert(*r);
                    if rank(*r) > rank(*entry) {
                        *entry = *r;
                    }
                }
            }
        }
        Roles {
            platform,
            tenants: tenants.into_iter().collect(),
        }
    }
}

fn rank(role: TenantRole) -> u8 {
    match role {
        TenantRole::Auditor => 0,
        TenantRole::Developer => 1,
        TenantRole::Admin => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_map_to_the_strongest_roles() {
        let m = RoleMapping::parse(
            "np-admins=platform:admin, auditors=platform:auditor,acme-devs=acme:developer,acme-ops=acme:admin,x=globex:auditor",
        )
        .unwrap();
        let roles = m.resolve(&["acme-devs".into(), "acme-ops".into(), "auditors".into()]);
        assert_eq!(roles.platform, Some(PlatformRole::Auditor));
        assert_eq!(roles.tenants, vec![("acme".to_owned(), TenantRole::Admin)]);
        assert_eq!(m.resolve(&["unknown".into()]), Roles::default());
        let both = m.resolve(&["auditors".into(), "np-admins".into()]);
        assert_eq!(both.platform, Some(PlatformRole::Admin));
    }

    #[test]
    fn bad_pairs_are_named() {
        assert_eq!(
            RoleMapping::parse("admins").unwrap_err(),
            "\"admins\" is not group=role"
        );
        assert!(
            RoleMapping::parse("a=platform:root")
                .unwrap_err()
                .contains("not a platform role")
        );
        assert!(
            RoleMapping::parse("a=acme:owner")
                .unwrap_err()
                .contains("not a tenant role")
        );
        assert!(
            RoleMapping::parse("a=Acme!:admin")
                .unwrap_err()
                .contains("not a tenant name")
        );
        assert!(
            RoleMapping::parse("a=admin")
                .unwrap_err()
                .contains("platform:<role>")
        );
        assert_eq!(RoleMapping::parse("").unwrap(), RoleMapping::default());
    }
}
