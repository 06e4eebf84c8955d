//! The API's handlers: thin adapters from HTTP to the domain services.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use np_domain::apps::{self, DeployInput, LogsQuery};
use np_domain::authz::Action;
use np_domain::memberships::{self, TenantRole};
use np_domain::tenants::{NewTenant, TenantSettings};
use np_domain::{DomainError, api_tokens, provisioning, tenants};
use np_spec::parse::Format;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ApiError, Authed, Person};
use crate::state::AppState;

pub(super) type ApiResult = Result<Response, ApiError>;

pub(super) fn ok(value: impl serde::Serialize) -> ApiResult {
    Ok(Json(value).into_response())
}

pub(super) fn created(value: impl serde::Serialize) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// Reads a JSON body, turning a malformed one into a 422 naming the problem.
pub(super) fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError(DomainError::invalid(
            "body",
            format!("not the expected JSON: {e}"),
        ))
    })
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateTenant {
    display_name: String,
    settings: TenantSettings,
}

/// `PUT /tenants/{tenant}`.
pub async fn update_tenant(
    State(state): State<AppState>,
    Person(caller): Person,
    Path(tenant): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::ManageSettings)?;
    let input: UpdateTenant = json_body(&body)?;
    let t = provisioning::update(
        &state.services,
        &caller,
        &tenant,
        &input.display_name,
        &input.settings,
    )
    .await?;
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

/// `?filter=&next_token=&per_page=` of the apps list.
#[derive(Debug, Deserialize)]
pub struct AppsQuery {
    /// Only apps whose names start with this.
    pub filter: Option<String>,
    /// The page's token.
    pub next_token: Option<String>,
    /// Apps per page (default 50, at most 100).
    pub per_page: Option<u32>,
}

/// `GET /tenants/{tenant}/apps`.
pub async fn list_apps(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(tenant): Path<String>,
    Query(q): Query<AppsQuery>,
) -> ApiResult {
    ok(apps::page(
        &state.services,
        &caller,
        &tenant,
        q.filter.as_deref(),
        q.next_token,
        q.per_page.unwrap_or(50),
    )
    .await?)
}

/// `?format=&app=` of a deploy.
#[derive(Debug, Deserialize)]
pub struct DeployQuery {
    format: Option<String>,
    app: Option<String>,
    based_on: Option<Uuid>,
}

/// The deploy (or plan) a request describes: the body is the document, the query its format and app.
pub(super) fn document_input(
    q: DeployQuery,
    headers: &axum::http::HeaderMap,
    body: &Bytes,
) -> Result<DeployInput, ApiError> {
    let format = match q.format.as_deref() {
        None => None,
        Some("spec") => Some(Format::Spec),
        Some("np-yaml") => Some(Format::NpYaml),
        Some("oam") => Some(Format::Oam),
        Some(other) => {
            return Err(DomainError::invalid(
                "format",
                format!("{other:?} is not one of: spec, np-yaml, oam"),
            )
            .into());
        }
    };
    let text = std::str::from_utf8(body)
        .map_err(|_| DomainError::invalid("body", "the document must be UTF-8 text"))?;
    Ok(DeployInput {
        text: text.to_owned(),
        format,
        app: q.app,
        source: "api",
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        based_on: q.based_on,
    })
}

/// `POST /tenants/{tenant}/apps`: the body is the document.
pub async fn deploy(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(tenant): Path<String>,
    Query(q): Query<DeployQuery>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Deploy)?;
    let input = document_input(q, &headers, &body)?;
    let deployed = apps::deploy(&state.services, &caller, &tenant, &input).await?;
    created(json!({"deployed": deployed}))
}

/// `GET /tenants/{tenant}/apps/{app}`.
pub async fn app_status(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
) -> ApiResult {
    ok(apps::status(&state.services, &caller, &tenant, &app).await?)
}

/// `GET /tenants/{tenant}/apps/{app}/logs`.
pub async fn app_logs(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
    Query(q): Query<LogsQuery>,
) -> ApiResult {
    let text = apps::logs(&state.services, &caller, &tenant, &app, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, "sandbox"),
        ],
        text,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scale {
    count: i64,
}

/// `POST /tenants/{tenant}/apps/{app}/scale`.
pub async fn scale(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Operate)?;
    let input: Scale = json_body(&body)?;
    let eval = apps::scale(&state.services, &caller, &tenant, &app, input.count).await?;
    ok(json!({"eval_id": eval}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stop {
    #[serde(default)]
    purge: bool,
}

/// `POST /tenants/{tenant}/apps/{app}/stop`.
pub async fn stop(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((tenant, app)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.check(&tenant, Action::Operate)?;
    let input: Stop = if body.is_empty() {
        Stop::default()
    } else {
        json_body(&body)?
    };
    let eval = apps::stop(&state.services, &caller, &tenant, &app, input.purge).await?;
    ok(json!({"eval_id": eval}))
}
