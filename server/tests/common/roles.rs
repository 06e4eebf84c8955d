//! The kinds of caller the role-matrix tests use, and what the product's policy (written out by hand, not
//! derived from the code under test) says each must get.

#![allow(dead_code)]

use axum::http::StatusCode;
use np_domain::authz::{Action, PlatformRole};
use np_domain::entries::Access;
use np_domain::memberships::TenantRole;
use sqlx::PgPool;

use super::Auth;

/// One kind of caller.
#[derive(Debug, Clone)]
pub struct Who {
    /// For messages.
    pub name: &'static str,
    /// Its credential.
    pub auth: Auth,
    /// Its platform role.
    pub platform: Option<PlatformRole>,
    /// Its role in `acme`.
    pub role: Option<TenantRole>,
    /// A person (a session), not an API token.
    pub person: bool,
}

/// Every kind of caller: nobody, platform roles, each tenant role as a person and as an API token, and a
/// foreign tenant's admin (person and token).
pub async fn everyone(pool: &PgPool) -> Vec<Who> {
    vec![
        Who {
            name: "anonymous",
            auth: Auth::None,
            platform: None,
            role: None,
            person: false,
        },
        Who {
            name: "platform admin",
            auth: Auth::Cookie(super::person(pool, "pa", Some(PlatformRole::Admin), &[]).await),
            platform: Some(PlatformRole::Admin),
            role: None,
            person: true,
        },
        Who {
            name: "platform auditor",
            auth: Auth::Cookie(super::person(pool, "pu", Some(PlatformRole::Auditor), &[]).await),
            platform: Some(PlatformRole::Auditor),
            role: None,
            person: true,
        },
        Who {
            name: "acme admin",
            auth: Auth::Cookie(
                super::person(pool, "aa", None, &[("acme", TenantRole::Admin)]).await,
            ),
            platform: None,
            role: Some(TenantRole::Admin),
            person: true,
        },
        Who {
            name: "acme developer",
            auth: Auth::Cookie(
                super::person(pool, "ad", None, &[("acme", TenantRole::Developer)]).await,
            ),
            platform: None,
            role: Some(TenantRole::Developer),
            person: true,
        },
        Who {
            name: "acme auditor",
            auth: Auth::Cookie(
                super::person(pool, "au", None, &[("acme", TenantRole::Auditor)]).await,
            ),
            platform: None,
            role: Some(TenantRole::Auditor),
            person: true,
        },
        Who {
            name: "acme developer token",
            auth: Auth::Bearer(super::token(pool, "acme", TenantRole::Developer).await),
            platform: None,
            role: Some(TenantRole::Developer),
            person: false,
        },
        Who {
            name: "acme admin token",
            auth: Auth::Bearer(super::token(pool, "acme", TenantRole::Admin).await),
            platform: None,
            role: Some(TenantRole::Admin),
            person: false,
        },
        Who {
            name: "globex admin (foreign)",
            auth: Auth::Cookie(
                super::person(pool, "ga", None, &[("globex", TenantRole::Admin)]).await,
            ),
            platform: None,
            role: None,
            person: true,
        },
        Who {
            name: "globex admin token (foreign)",
            auth: Auth::Bearer(super::token(pool, "globex", TenantRole::Admin).await),
            platform: None,
            role: None,
            person: false,
        },
    ]
}

/// What `who` must get from a route of `access` on their own tenant (`acme`).
pub fn expected(who: &Who, access: Access, people_only: bool) -> Expect {
    let authenticated = !matches!(who.auth, Auth::None);
    match access {
        Access::Public => Expect::Allowed,
        _ if !authenticated => Expect::Status(StatusCode::UNAUTHORIZED),
        _ if people_only && !who.person => Expect::Status(StatusCode::FORBIDDEN),
        Access::Authenticated => Expect::Allowed,
        Access::PlatformAdmin => {
            if who.platform == Some(PlatformRole::Admin) {
                Expect::Allowed
            } else {
                Expect::Status(StatusCode::FORBIDDEN)
            }
        }
        Access::Platform => {
            if who.platform.is_some() {
                Expect::Allowed
            } else {
                Expect::Status(StatusCode::FORBIDDEN)
            }
        }
        Access::Auditor => {
            // Admins and auditors of any tenant: the foreign (globex) admins read their own tenant's records.
            if who.platform.is_some()
                || matches!(who.role, Some(TenantRole::Admin | TenantRole::Auditor))
                || who.name.starts_with("globex admin")
            {
                Expect::Allowed
            } else {
                Expect::Status(StatusCode::FORBIDDEN)
            }
        }
        Access::Tenant(action) => {
            let (roles, platform_auditor) = policy(action);
            let by_platform = match who.platform {
                Some(PlatformRole::Admin) => true,
                Some(PlatformRole::Auditor) => platform_auditor,
                None => false,
            };
            let by_role = who.role.is_some_and(|r| roles.contains(&r));
            if by_platform || by_role {
                Expect::Allowed
            } else if who.role.is_some() || who.platform.is_some() {
                Expect::Status(StatusCode::FORBIDDEN)
            } else {
                Expect::TenantNotFound
            }
        }
    }
}

/// The product's role policy, written out by hand (not derived from the code under test): which tenant roles
/// may do `action`, and whether platform auditors may. Platform admins may do everything.
pub fn policy(action: Action) -> (&'static [TenantRole], bool) {
    use TenantRole::{Admin, Auditor, Developer};
    match action {
        Action::View => (&[Admin, Developer, Auditor], true),
        Action::ReadLogs | Action::Deploy | Action::Operate => (&[Admin, Developer], false),
        Action::ReadAudit => (&[Admin, Auditor], true),
        Action::ManageMembers | Action::ManageSettings | Action::ManageTokens => (&[Admin], false),
        Action::DeleteTenant | Action::ManagePlatformSettings => (&[], false),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Expect {
    /// Past authorization: not 401/403 and not "tenant not found".
    Allowed,
    Status(StatusCode),
    /// 404 with the same message as for a tenant that does not exist.
    TenantNotFound,
}

pub fn check(route: &str, who: &str, expect: &Expect, status: StatusCode, body: &str) {
    let tenant_missing = status == StatusCode::NOT_FOUND && body.contains("tenant not found");
    match expect {
        Expect::Allowed => assert!(
            status != StatusCode::UNAUTHORIZED
                && status != StatusCode::FORBIDDEN
                && !tenant_missing,
            "{route} as {who}: expected to be allowed, got {status} {body}"
        ),
        Expect::Status(s) => assert_eq!(status, *s, "{route} as {who}: {body}"),
        Expect::TenantNotFound => assert!(
            tenant_missing,
            "{route} as {who}: expected 404 tenant not found, got {status} {body}"
        ),
    }
}
