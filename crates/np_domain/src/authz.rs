//! Who is calling and what they may do.
//!
//! Every server function and API route resolves a [`Caller`] (from the session cookie or an API token) and asks
//! [`Caller::authorize`] before touching a tenant. A caller with no role in a tenant gets `NotFound` for it,
//! exactly as if it did not exist, so tenant names never leak; a caller with a role too small for the action
//! gets `Forbidden`.

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::DomainError;
use crate::memberships::TenantRole;
use crate::tenants::{self, Tenant};

/// A platform-wide role (from the OIDC group mapping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformRole {
    /// Creates and deletes tenants; acts as tenant admin everywhere.
    Admin,
    /// Reads every tenant's apps and deploy history; changes nothing.
    Auditor,
}

impl PlatformRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Auditor => "auditor",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "auditor" => Some(Self::Auditor),
            _ => None,
        }
    }
}

impl TenantRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Developer => "developer",
            Self::Auditor => "auditor",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "developer" => Some(Self::Developer),
            "auditor" => Some(Self::Auditor),
            _ => None,
        }
    }
}

/// Something a caller may want to do to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See the tenant, its settings and its apps' status.
    View,
    /// Read apps' logs.
    ReadLogs,
    /// Deploy, roll back.
    Deploy,
    /// Scale, restart, stop.
    Operate,
    /// Read the deploy history and audit log.
    ReadAudit,
    /// Add, change and remove members.
    ManageMembers,
    /// Change the tenant-owned settings (its display name).
    ManageSettings,
    /// Change the platform-owned settings of the tenant (host suffix, node pool, budget, volumes,
    /// registries): platform admins only, whatever role anyone has in the tenant.
    ManagePlatformSettings,
    /// Create and revoke API tokens.
    ManageTokens,
    /// Delete the tenant.
    DeleteTenant,
}

impl Action {
    /// Whether `role` in a tenant allows this action there.
    pub fn allowed_for(self, role: TenantRole) -> bool {
        match role {
            TenantRole::Admin => !matches!(self, Self::DeleteTenant | Self::ManagePlatformSettings),
            TenantRole::Developer => {
                matches!(
                    self,
                    Self::View | Self::ReadLogs | Self::Deploy | Self::Operate
                )
            }
            TenantRole::Auditor => matches!(self, Self::View | Self::ReadAudit),
        }
    }

    /// Whether a platform-wide `role` allows this action on any tenant.
    pub fn allowed_for_platform(self, role: PlatformRole) -> bool {
        match role {
            PlatformRole::Admin => true,
            PlatformRole::Auditor => matches!(self, Self::View | Self::ReadAudit),
        }
    }

    /// The least role that allows the action, for messages.
    fn least_role(self) -> &'static str {
        match self {
            Self::View => "any role",
            Self::ReadLogs | Self::Deploy | Self::Operate => "the developer or admin role",
            Self::ReadAudit => "the auditor or admin role",
            Self::ManageMembers | Self::ManageSettings | Self::ManageTokens => "the admin role",
            Self::DeleteTenant | Self::ManagePlatformSettings => "a platform admin",
        }
    }

    /// What the action is, for messages ("deploy to", "manage members of").
    fn verb(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::ReadLogs => "read the logs of",
            Self::Deploy => "deploy to",
            Self::Operate => "operate the apps of",
            Self::ReadAudit => "read the audit log of",
            Self::ManageMembers => "manage the members of",
            Self::ManageSettings => "rename",
            Self::ManagePlatformSettings => "change the platform settings of",
            Self::ManageTokens => "manage the API tokens of",
            Self::DeleteTenant => "delete",
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Principal {
    /// A person with a browser session.
    User {
        /// The user.
        user_id: Uuid,
        /// The session.
        session_id: Uuid,
    },
    /// A pipeline with an API token.
    Token {
        /// The token.
        token_id: Uuid,
    },
    /// An operator on the console's host, running a maintenance command (`np tenant create`).
    System,
}

/// One tenant the caller has a role in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The tenant.
    pub tenant_id: Uuid,
    /// Its slug.
    pub tenant: String,
    /// Its display name.
    pub tenant_name: String,
    /// The role.
    pub role: TenantRole,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// Session user or token.
    pub principal: Principal,
    /// Name shown in the console and recorded with what they do ("Alice Example", "token ci-main").
    pub display_name: String,
    /// E-mail, for users that have one.
    pub email: Option<String>,
    /// Platform-wide role, if any (never for tokens).
    pub platform_role: Option<PlatformRole>,
    /// Tenant roles (for a token: its one tenant and role).
    pub grants: Vec<Grant>,
    /// Where the request came from (recorded in the audit log; never sent to browsers).
    #[serde(skip)]
    pub origin: Origin,
}

/// Where a request came from, as the audit log records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The client's address (through trusted proxies only).
    pub ip: Option<String>,
    /// Its `User-Agent`.
    pub user_agent: Option<String>,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
}

impl Caller {
    /// The operator on the console's host, with platform-admin rights.
    pub fn system(what: &str) -> Self {
        Self {
            principal: Principal::System,
            display_name: format!("system ({what})"),
            email: None,
            platform_role: Some(PlatformRole::Admin),
            grants: Vec::new(),
            origin: Origin::default(),
        }
    }

    /// The user behind the call, if it is a person.
    pub fn user_id(&self) -> Option<Uuid> {
        match self.principal {
            Principal::User { user_id, .. } => Some(user_id),
            Principal::Token { .. } | Principal::System => None,
        }
    }

    /// The token behind the call, if it is a pipeline.
    pub fn token_id(&self) -> Option<Uuid> {
        match self.principal {
            Principal::Token { token_id } => Some(token_id),
            Principal::User { .. } | Principal::System => None,
        }
    }

    /// The caller's role in `tenant` (by slug), if any.
    pub fn role_in(&self, tenant: &str) -> Option<TenantRole> {
        self.grants
            .iter()
            .find(|g| g.tenant == tenant)
            .map(|g| g.role)
    }

    /// Whether the caller is a platform admin.
    pub fn is_platform_admin(&self) -> bool {
        self.platform_role == Some(PlatformRole::Admin)
    }

    /// Whether the caller sees every tenant (platform admin or auditor).
    pub fn sees_all_tenants(&self) -> bool {
        self.platform_role.is_some()
    }

    /// Decides `action` on the tenant `slug` without touching the database.
    ///
    /// # Errors
    /// `NotFound("tenant")` when the caller has no role there; `Forbidden` when the role is too small.
    pub fn check(&self, slug: &str, action: Action) -> Result<(), DomainError> {
        if let Some(role) = self.platform_role
            && action.allowed_for_platform(role)
        {
            return Ok(());
        }
        match self.role_in(slug) {
            Some(role) if action.allowed_for(role) => Ok(()),
            Some(_) => Err(self.forbidden(slug, action)),
            None if self.platform_role.is_some() => Err(self.forbidden(slug, action)),
            None => Err(DomainError::NotFound("tenant")),
        }
    }

    /// Loads the tenant `slug` if the caller may do `action` to it.
    ///
    /// # Errors
    /// As [`Caller::check`]; `NotFound` also when the tenant does not exist.
    pub async fn authorize(
        &self,
        db: impl PgExecutor<'_>,
        slug: &str,
        action: Action,
    ) -> Result<Tenant, DomainError> {
        self.check(slug, action)?;
        tenants::by_slug(db, slug).await
    }

    /// Refuses unless the caller is a platform admin.
    ///
    /// # Errors
    /// `Forbidden`.
    pub fn require_platform_admin(&self, what: &str) -> Result<(), DomainError> {
        if self.is_platform_admin() {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "only platform admins may {what}"
            )))
        }
    }

    fn forbidden(&self, slug: &str, action: Action) -> DomainError {
        DomainError::Forbidden(format!(
            "you may not {} tenant {slug}: it takes {}",
            action.verb(),
            action.least_role()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(platform_role: Option<PlatformRole>, grants: &[(&str, TenantRole)]) -> Caller {
        Caller {
            principal: Principal::Token {
                token_id: Uuid::nil(),
            },
            display_name: "t".into(),
            email: None,
            platform_role,
            grants: grants
                .iter()
                .map(|(t, role)| Grant {
                    tenant_id: Uuid::nil(),
                    tenant: (*t).into(),
                    tenant_name: (*t).into(),
                    role: *role,
                })
                .collect(),
            origin: Origin::default(),
        }
    }

    const ALL: [Action; 10] = [
        Action::View,
        Action::ReadLogs,
        Action::Deploy,
        Action::Operate,
        Action::ReadAudit,
        Action::ManageMembers,
        Action::ManageSettings,
        Action::ManageTokens,
        Action::ManagePlatformSettings,
        Action::DeleteTenant,
    ];

    #[test]
    fn a_foreign_tenant_is_not_found_whatever_the_action() {
        let c = caller(None, &[("acme", TenantRole::Admin)]);
        for action in ALL {
            assert!(matches!(
                c.check("globex", action),
                Err(DomainError::NotFound("tenant"))
            ));
        }
    }

    #[test]
    fn each_role_gets_exactly_its_actions() {
        let expect = |role, allowed: &[Action]| {
            let c = caller(None, &[("acme", role)]);
            for action in ALL {
                let result = c.check("acme", action);
                if allowed.contains(&action) {
                    assert!(result.is_ok(), "{role:?} {action:?}");
                } else {
                    assert!(
                        matches!(result, Err(DomainError::Forbidden(_))),
                        "{role:?} {action:?}"
                    );
                }
            }
        };
        expect(TenantRole::Auditor, &[Action::View, Action::ReadAudit]);
        expect(
            TenantRole::Developer,
            &[
                Action::View,
                Action::ReadLogs,
                Action::Deploy,
                Action::Operate,
            ],
        );
        expect(
            TenantRole::Admin,
            &[
                Action::View,
                Action::ReadLogs,
                Action::Deploy,
                Action::Operate,
                Action::ReadAudit,
                Action::ManageMembers,
                Action::ManageSettings,
                Action::ManageTokens,
            ],
        );
    }

    #[test]
    fn platform_roles_reach_every_tenant() {
        let admin = caller(Some(PlatformRole::Admin), &[]);
        assert!(ALL.iter().all(|a| admin.check("any", *a).is_ok()));
        let auditor = caller(Some(PlatformRole::Auditor), &[]);
        assert!(auditor.check("any", Action::ReadAudit).is_ok());
        let refused = auditor.check("any", Action::Deploy).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("you may not deploy to tenant any")
        );
    }
}
