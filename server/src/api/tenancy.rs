//! The API's handlers for people, tenants, members and tokens: thin adapters from HTTP to the domain services.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use np_domain::authz::Action;
use np_domain::memberships::{self, TenantRole};
use np_domain::tenants::{NewTenant, TenantSettings};
use np_domain::{DomainError, api_tokens, provisioning, tenants};
use serde::Deserialize;
use serde_json::{Value, json};

use super::handlers::{ApiResult, created, json_body, ok};
use super::{Authed, Person};
use crate::state::AppState;

fn tenant_json(t: &tenants::Tenant) -> Value {
    json!({
        "slug": t.slug,
        "display_name": t.display_name,
        "nomad_namespace": t.nomad_namespace,
        "namespace_state": t.namespace_state,
        "namespace_error": t.namespace_error,
        "settings": t.settings,
        "created_at": t.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    })
}

/// `GET /me`.
pub async fn me(Authed(caller): Authed) -> ApiResult {
    ok(&caller)
}

/// `GET /tenants`.
pub async fn list_tenants(State(state): State<AppState>, Authed(caller): Authed) -> ApiResult {
    let all = tenants::list(&state.services.db).await?;
    let visible: Vec<Value> = all
        .iter()
        .filter(|t| caller.sees_all_tenants() || caller.role_in(&t.slug).is_some())
        .map(|t| {
            let mut v = tenant_json(t);
            v["role"] = json!(caller.role_in(&t.slug));
            v
        })
        .collect();
    ok(visible)
}

/// `GET /users`.
pub async fn list_users(State(state): State<AppState>, Person(caller): Person) -> ApiResult {
    caller.require_platform_admin("list users")?;
    ok(np_domain::users::list(&state.services.db).await?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    disabled: bool,
}

/// `PUT /users/{user}`.
pub async fn update_user(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(user): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.require_platform_admin("disable users")?;
    let input: UpdateUser = json_body(&body)?;
    np_domain::users::disable(&state.services, &caller, &user, input.disabled).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTenant {
    slug: String,
    display_name: String,
    #[serde(default)]
    settings: Option<TenantSettings>,
}

/// `POST /tenants`.
pub async fn create_tenant(
    State(state): State<AppState>,
    Person(caller): Person,
    body: Bytes,
) -> ApiResult {
    caller.require_platform_admin("create tenants")?;
    let input: CreateTenant = json_body(&body)?;
    let slug = np_spec::names::TenantSlug::parse(&input.slug)
        .map_err(|e| DomainError::invalid("slug", e))?;
    let tenant = provisioning::create(
        &state.services,
        &caller,
        &NewTenant {
            slug,
            display_name: input.display_name,
            settings: input.settings.unwrap_or_default(),
        },
    )
    .await?;
    created(tenant_json(&tenant))
}

/// `GET /tenants/{tenant}`.
pub async fn get_tenant(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(tenant): Path<String>,
) -> ApiResult {
    let t = caller
        .authorize(&state.services.db, &tenant, Action::View)
        .await?;
    ok(tenant_json(&t))
}

/// What `PUT /tenants/{tenant}` changes: the tenant's own settings. The platform-owned ones are refused here,
/// by name, so a client that sends them learns where they are set instead of seeing them ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameTenant {
    display_name: String,
    #[serde(default)]
    settings: Option<Value>,
}

/// `PUT /tenants/{tenant}`: the tenant-owned settings (its display name).
pub async fn update_tenant(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::ManageSettings)?;
    let input: RenameTenant = json_body(&body)?;
    if input.settings.is_some() {
        return Err(DomainError::Forbidden(format!(
            "host suffix, node pool, budget, volumes and registries are platform-owned: a platform admin sets \
             them with PUT /api/v1/tenants/{tenant}/settings"
        ))
        .into());
    }
    let t = provisioning::rename(&state.services, &caller, &tenant, &input.display_name).await?;
    ok(tenant_json(&t))
}

/// `PUT /tenants/{tenant}/settings`: the platform-owned settings (platform admins only).
pub async fn set_tenant_settings(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::ManagePlatformSettings)?;
    let settings: TenantSettings = json_body(&body)?;
    let t = provisioning::set_settings(&state.services, &caller, &tenant, &settings).await?;
    ok(tenant_json(&t))
}

/// `DELETE /tenants/{tenant}`.
pub async fn delete_tenant(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
) -> ApiResult {
    provisioning::delete(&state.services, &caller, &tenant).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /tenants/{tenant}/provision`.
pub async fn provision_tenant(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
) -> ApiResult {
    let t = provisioning::provision(&state.services, &caller, &tenant).await?;
    ok(tenant_json(&t))
}

/// `GET /tenants/{tenant}/members`.
pub async fn list_members(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(tenant): Path<String>,
) -> ApiResult {
    let t = caller
        .authorize(&state.services.db, &tenant, Action::View)
        .await?;
    let members = memberships::members(&state.services.db, t.id).await?;
    let invites = memberships::invites(&state.services.db, t.id).await?;
    ok(json!({"members": members, "invites": invites}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddMember {
    member: String,
    role: TenantRole,
}

/// `POST /tenants/{tenant}/members`.
pub async fn add_member(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller
        .authorize(&state.services.db, &tenant, Action::ManageMembers)
        .await?;
    let input: AddMember = json_body(&body)?;
    let issuer = state
        .auth
        .oidc
        .as_ref()
        .map(|o| o.issuer().to_owned())
        .unwrap_or_default();
    let added = memberships::add_member(
        &state.services,
        &caller,
        &tenant,
        &input.member,
        input.role,
        &issuer,
    )
    .await?;
    created(json!({"added": added, "invited": !added}))
}

/// `DELETE /tenants/{tenant}/members/{user}`.
pub async fn remove_member(
    State(state): State<AppState>,
    Person(caller): Person,
    Path((tenant, user)): Path<(String, String)>,
) -> ApiResult {
    memberships::remove_member(&state.services, &caller, &tenant, &user).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /tenants/{tenant}/invites/{invite}`.
pub async fn remove_invite(
    State(state): State<AppState>,
    Person(caller): Person,
    Path((tenant, invite)): Path<(String, String)>,
) -> ApiResult {
    memberships::withdraw_invite(&state.services, &caller, &tenant, &invite).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /tenants/{tenant}/tokens`.
pub async fn list_tokens(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
) -> ApiResult {
    let t = caller
        .authorize(&state.services.db, &tenant, Action::ManageTokens)
        .await?;
    ok(api_tokens::list(&state.services.db, t.id).await?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    name: String,
    role: TenantRole,
    #[serde(default = "default_token_days")]
    expires_in_days: i64,
}

fn default_token_days() -> i64 {
    90
}

/// `POST /tenants/{tenant}/tokens`.
pub async fn create_token(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller
        .authorize(&state.services.db, &tenant, Action::ManageTokens)
        .await?;
    let input: CreateToken = json_body(&body)?;
    let made = api_tokens::issue(
        &state.services,
        &caller,
        &tenant,
        &input.name,
        input.role,
        input.expires_in_days,
    )
    .await?;
    created(made)
}

/// `DELETE /tenants/{tenant}/tokens/{token}`.
pub async fn revoke_token(
    State(state): State<AppState>,
    Person(caller): Person,
    Path((tenant, token)): Path<(String, String)>,
) -> ApiResult {
    api_tokens::revoke_token(&state.services, &caller, &tenant, &token).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
