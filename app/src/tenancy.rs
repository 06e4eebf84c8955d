//! The tenant page's server side: its name, members and API tokens (tenant admins), its platform-owned
//! settings, the tenant list and creation (platform admins). Each function authorizes through the domain, like the REST API does.

// The settings form posts one flat field per setting (it works without JavaScript), so its server function
// takes one argument per field.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// A member as the page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// User id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role.
    pub role: String,
    /// `oidc` or `manual`.
    pub source: String,
}

/// A pending invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    /// Invite id.
    pub id: String,
    /// E-mail or subject.
    pub who: String,
    /// Role.
    pub role: String,
}

/// An API token as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    /// Token id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// First characters.
    pub prefix: String,
    /// Who made it.
    pub created_by: String,
    /// When it expires (UTC, minutes).
    pub expires_at: String,
    /// When it was last used.
    pub last_used_at: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Whether it is suspended (its creator disabled, or no longer an admin of the tenant).
    pub suspended: bool,
}

/// Everything the tenant page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPage {
    /// Slug.
    pub slug: String,
    /// Display name.
    pub display_name: String,
    /// Nomad namespace.
    pub namespace: String,
    /// `pending`, `ready`, `failed`.
    pub namespace_state: String,
    /// Why it failed.
    pub namespace_error: Option<String>,
    /// The caller's role, as shown.
    pub your_role: String,
    /// Settings, as form text.
    pub settings: SettingsText,
    /// Whether the caller may rename the tenant and manage its members and tokens.
    pub can_manage: bool,
    /// Whether the caller may set the platform-owned settings (platform admins).
    pub can_set_platform: bool,
    /// Members.
    pub members: Vec<MemberView>,
    /// Pending invites.
    pub invites: Vec<InviteView>,
    /// API tokens (admins only).
    pub tokens: Vec<TokenView>,
}

/// Tenant settings as the form's text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsText {
    /// Host-name suffix (empty: the platform default).
    pub host_suffix: String,
    /// The effective suffix.
    pub effective_suffix: String,
    /// Node pool.
    pub node_pool: String,
    /// CPU budget (MHz).
    pub budget_cpu: String,
    /// Memory budget (MB).
    pub budget_memory: String,
    /// Instances.
    pub budget_instances: String,
    /// Comma-separated volumes.
    pub allowed_volumes: String,
    /// Comma-separated registries.
    pub allowed_registries: String,
}

#[cfg(feature = "ssr")]
fn format_time(t: Option<time::OffsetDateTime>) -> String {
    t.and_then(|t| {
        t.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .ok()
    })
    .unwrap_or_else(|| "never".into())
}

/// The tenant page for `tenant` (the caller's first tenant when `None`).
#[server(endpoint = "tenant_page", input = server_fn::codec::Json)]
pub async fn get_tenant_page(tenant: Option<String>) -> Result<TenantPage, AppError> {
    use np_domain::authz::Action;
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = crate::context::pick_tenant(&services, &caller, tenant.as_deref()).await?;
    let t = caller.authorize(&services.db, &slug, Action::View).await?;
    let can_manage = caller.check(&slug, Action::ManageMembers).is_ok();
    let can_set_platform = caller.check(&slug, Action::ManagePlatformSettings).is_ok();
    let members = np_domain::memberships::members(&services.db, t.id)
        .await?
        .into_iter()
        .map(|m| MemberView {
            user_id: m.user_id.to_string(),
            name: m.display_name,
            email: m.email.unwrap_or_default(),
            role: m.role.as_str().into(),
            source: m.source,
        })
        .collect();
    let (invites, tokens) = if can_manage {
        let invites = np_domain::memberships::invites(&services.db, t.id)
            .await?
            .into_iter()
            .map(|i| InviteView {
                id: i.id.to_string(),
                who: i.email.or(i.subject).unwrap_or_default(),
                role: i.role.as_str().into(),
            })
            .collect();
        let tokens = np_domain::api_tokens::list(&services.db, t.id)
            .await?
            .into_iter()
            .map(|k| TokenView {
                id: k.id.to_string(),
                name: k.name,
                role: k.role.as_str().into(),
                prefix: k.prefix,
                created_by: k.created_by.unwrap_or_else(|| "—".into()),
                expires_at: format_time(Some(k.expires_at)),
                last_used_at: format_time(k.last_used_at),
                revoked: k.revoked_at.is_some(),
                suspended: k.suspended,
            })
            .collect();
        (invites, tokens)
    } else {
        (Vec::new(), Vec::new())
    };
    let context = t.context(&services.platform)?;
    let s = &t.settings;
    let your_role = caller
        .role_in(&slug)
        .map(|r| r.as_str().to_owned())
        .or_else(|| {
            caller
                .platform_role
                .map(|r| format!("platform {}", r.as_str()))
        })
        .unwrap_or_default();
    Ok(TenantPage {
        slug: t.slug.clone(),
        display_name: t.display_name.clone(),
        namespace: t.nomad_namespace.clone(),
        namespace_state: t.namespace_state.clone(),
        namespace_error: t.namespace_error.clone(),
        your_role,
        settings: SettingsText {
            host_suffix: s.host_suffix.clone(),
            effective_suffix: context.host_suffix,
            node_pool: s.node_pool.clone(),
            budget_cpu: s.budget_cpu.to_string(),
            budget_memory: s.budget_memory.to_string(),
            budget_instances: s.budget_instances.to_string(),
            allowed_volumes: s.allowed_volumes.join(", "),
            allowed_registries: s.allowed_registries.join(", "),
        },
        can_manage,
        can_set_platform,
        members,
        invites,
        tokens,
    })
}

#[cfg(feature = "ssr")]
fn number(field: &str, text: &str) -> Result<i64, AppError> {
    text.trim().parse().map_err(|_| AppError::Invalid {
        field: field.into(),
        message: format!("{text:?} is not a whole number"),
    })
}

#[cfg(feature = "ssr")]
fn list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Renames the tenant: the one setting that is its own (tenant admins).
#[server(endpoint = "rename_tenant")]
pub async fn rename_tenant(tenant: String, display_name: String) -> Result<(), AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    np_domain::provisioning::rename(&services, &caller, &tenant, &display_name).await?;
    Ok(())
}

/// Sets the tenant's platform-owned settings (platform admins only).
#[server(endpoint = "save_platform_settings")]
pub async fn save_platform_settings(
    tenant: String,
    host_suffix: String,
    node_pool: String,
    budget_cpu: String,
    budget_memory: String,
    budget_instances: String,
    allowed_volumes: String,
    allowed_registries: String,
) -> Result<(), AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    caller.check(&tenant, np_domain::authz::Action::ManagePlatformSettings)?;
    let settings = np_domain::tenants::TenantSettings {
        host_suffix: host_suffix.trim().to_lowercase(),
        node_pool: node_pool.trim().to_owned(),
        budget_cpu: number("budget_cpu", &budget_cpu)?,
        budget_memory: number("budget_memory", &budget_memory)?,
        budget_instances: number("budget_instances", &budget_instances)?,
        allowed_volumes: list(&allowed_volumes),
        allowed_registries: list(&allowed_registries),
    };
    np_domain::provisioning::set_settings(&services, &caller, &tenant, &settings).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn role(text: &str) -> Result<np_domain::memberships::TenantRole, AppError> {
    np_domain::memberships::TenantRole::parse(text).ok_or_else(|| AppError::Invalid {
        field: "role".into(),
        message: "choose admin, developer or auditor".into(),
    })
}

/// Adds a member by e-mail or subject; returns whether they were added at once (else invited).
#[server(endpoint = "add_member")]
pub async fn add_member(tenant: String, member: String, role: String) -> Result<bool, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let role = self::role(&role)?;
    let issuer = use_context::<crate::session::Issuer>()
        .map(|i| i.0)
        .unwrap_or_default();
    Ok(
        np_domain::memberships::add_member(&services, &caller, &tenant, &member, role, &issuer)
            .await?,
    )
}

/// Removes a member.
#[server(endpoint = "remove_member")]
pub async fn remove_member(tenant: String, user_id: String) -> Result<(), AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    np_domain::memberships::remove_member(&services, &caller, &tenant, &user_id).await?;
    Ok(())
}

/// Withdraws an invite.
#[server(endpoint = "remove_invite")]
pub async fn remove_invite(tenant: String, invite_id: String) -> Result<(), AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    np_domain::memberships::withdraw_invite(&services, &caller, &tenant, &invite_id).await?;
    Ok(())
}

/// A token just created: shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    /// Its name.
    pub name: String,
    /// The secret.
    pub secret: String,
}

/// Creates an API token (people only).
#[server(endpoint = "create_token")]
pub async fn create_token(
    tenant: String,
    name: String,
    role: String,
    days: String,
) -> Result<NewToken, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let days = number("expires_in_days", &days)?;
    let made =
        np_domain::api_tokens::issue(&services, &caller, &tenant, &name, self::role(&role)?, days)
            .await?;
    Ok(NewToken {
        name: made.token.name,
        secret: made.secret,
    })
}

/// Revokes an API token.
#[server(endpoint = "revoke_token")]
pub async fn revoke_token(tenant: String, token_id: String) -> Result<(), AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    np_domain::api_tokens::revoke_token(&services, &caller, &tenant, &token_id).await?;
    Ok(())
}

/// A tenant in the platform admins' list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRow {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Namespace state.
    pub namespace_state: String,
    /// Why it failed.
    pub namespace_error: Option<String>,
}

/// Every tenant (platform admins and auditors).
#[server(endpoint = "all_tenants")]
pub async fn all_tenants() -> Result<Vec<TenantRow>, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    if !caller.sees_all_tenants() {
        return Err(AppError::Forbidden);
    }
    Ok(np_domain::tenants::list(&services.db)
        .await?
        .into_iter()
        .map(|t| TenantRow {
            slug: t.slug,
            name: t.display_name,
            namespace_state: t.namespace_state,
            namespace_error: t.namespace_error,
        })
        .collect())
}

/// Creates a tenant and its Nomad namespace (platform admins).
#[server(endpoint = "create_tenant")]
pub async fn create_tenant(slug: String, display_name: String) -> Result<TenantRow, AppError> {
    let services = crate::context::services()?;
    let caller = crate::context::caller()?;
    let slug = np_spec::names::TenantSlug::parse(slug.trim()).map_err(|e| AppError::Invalid {
        field: "slug".into(),
        message: e.to_string(),
    })?;
    let t = np_domain::provisioning::create(
        &services,
        &caller,
        &np_domain::tenants::NewTenant {
            slug,
            display_name,
            settings: np_domain::tenants::TenantSettings::default(),
        },
    )
    .await?;
    Ok(TenantRow {
        slug: t.slug,
        name: t.display_name,
        namespace_state: t.namespace_state,
        namespace_error: t.namespace_error,
    })
}
