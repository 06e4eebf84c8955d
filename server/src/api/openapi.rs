//! The OpenAPI 3.1 document of the API, generated from [`super::ROUTES`].

use axum::Json;
use serde_json::{Map, Value, json};

use super::{Access, ROUTES};

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<Value> {
    Json(document())
}

fn access_text(access: Access, people_only: bool) -> String {
    let who = match access {
        Access::Public => "Anyone.".to_owned(),
        Access::Authenticated => "Any signed-in user or API token.".to_owned(),
        Access::PlatformAdmin => "Platform admins.".to_owned(),
        Access::Platform => "Platform admins and platform auditors.".to_owned(),
        Access::Auditor => {
            "Platform admins and auditors (every record); tenant admins and auditors (their \
                            tenants' records). Others get 403."
                .to_owned()
        }
        Access::Tenant(action) => {
            let roles: Vec<&str> = [
                np_domain::memberships::TenantRole::Admin,
                np_domain::memberships::TenantRole::Developer,
                np_domain::memberships::TenantRole::Auditor,
            ]
            .into_iter()
            .filter(|r| action.allowed_for(*r))
            .map(np_domain::memberships::TenantRole::as_str)
            .collect();
            format!(
                "Tenant roles: {}; platform admins{}. Callers with no role in the tenant get 404.",
                roles.join(", "),
                if action.allowed_for_platform(np_domain::authz::PlatformRole::Auditor) {
                    " and auditors"
                } else {
                    ""
                }
            )
        }
    };
    if people_only {
        format!("{who} Signed-in people only (not API tokens).")
    } else {
        who
    }
}

fn request_body(method: &str, path: &str) -> Option<Value> {
    let schema = match (method, path) {
        ("POST", "/tenants/{tenant}/apps") => {
            return Some(json!({
                "required": true,
                "description": "The document: np.yaml, an OAM core.oam.dev/v1beta1 Application, or an app spec (YAML or JSON). At most 1 MiB.",
                "content": {"application/yaml": {"schema": {"type": "string"}},
                            "application/json": {"schema": {"type": "object"}},
                            "text/plain": {"schema": {"type": "string"}}}
            }));
        }
        ("POST", "/tenants") => json!({"type": "object", "required": ["slug", "display_name"],
            "properties": {"slug": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,28}[a-z0-9]$"},
                           "display_name": {"type": "string"}, "settings": {"$ref": "#/components/schemas/TenantSettings"}}}),
        ("PUT", "/tenants/{tenant}") => {
            json!({"type": "object", "required": ["display_name", "settings"],
            "properties": {"display_name": {"type": "string"}, "settings": {"$ref": "#/components/schemas/TenantSettings"}}})
        }
        ("POST", "/tenants/{tenant}/members") => {
            json!({"type": "object", "required": ["member", "role"],
            "properties": {"member": {"type": "string", "description": "E-mail address or OIDC subject"},
                           "role": {"enum": ["admin", "developer", "auditor"]}}})
        }
        ("POST", "/tenants/{tenant}/tokens") => {
            json!({"type": "object", "required": ["name", "role"],
            "properties": {"name": {"type": "string"}, "role": {"enum": ["admin", "developer", "auditor"]},
                           "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 366, "default": 90}}})
        }
        ("POST", "/tenants/{tenant}/apps/{app}/scale") => {
            json!({"type": "object", "required": ["count"],
            "properties": {"count": {"type": "integer", "minimum": 0}}})
        }
        ("POST", "/tenants/{tenant}/apps/{app}/stop") => json!({"type": "object",
            "properties": {"purge": {"type": "boolean", "default": false}}}),
        _ => return None,
    };
    Some(json!({"required": true, "content": {"application/json": {"schema": schema}}}))
}

fn parameters(method: &str, path: &str) -> Vec<Value> {
    let mut params: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let query: &[(&str, &str)] = match (method, path) {
        ("POST", "/tenants/{tenant}/apps") => &[
            (
                "format",
                "spec, np-yaml or oam; told apart by the document's keys when absent",
            ),
            ("app", "deploy only this app of a document with several"),
            (
                "Idempotency-Key",
                "a retried deploy with the same key answers with the first one",
            ),
        ],
        ("GET", "/tenants/{tenant}/apps") => &[
            ("filter", "only apps whose name starts with this"),
            ("next_token", "the next_token of the previous page"),
            ("per_page", "apps per page (default 50, at most 100)"),
        ],
        ("GET", "/tenants/{tenant}/apps/{app}/logs") => &[
            (
                "instance",
                "allocation ID (or its first 8 characters); the newest running instance when absent",
            ),
            ("stream", "stdout (default) or stderr"),
            (
                "bytes",
                "how many bytes from the end (default 65536, at most 1048576)",
            ),
        ],
        _ => &[],
    };
    params.extend(
        query
            .iter()
            .map(|(name, d)| {
                // Header names are capitalised; query parameters are not.
                let place = if name.starts_with(char::is_uppercase) { "header" } else { "query" };
                json!({"name": name, "in": place, "required": false, "description": d, "schema": {"type": "string"}})
            }),
    );
    params
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let entry = paths
            .entry(r.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        let mut op = json!({
            "summary": r.summary,
            "description": access_text(r.access, r.people_only),
            "parameters": parameters(r.method, r.path),
            "responses": {
                "200": {"description": "Done."},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"}
            }
        });
        if r.access == Access::Public {
            op["security"] = json!([]);
        }
        if let Some(body) = request_body(r.method, r.path) {
            op["requestBody"] = body;
        }
        entry[r.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "np console API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Deploy and operate apps on the np platform. Authenticate with an API token (created by a tenant admin in the console) as `Authorization: Bearer np_…`. Errors are `{\"error\": {\"code\", \"message\", \"errors\"?}}`."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error.", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object", "properties": {
                        "field": {"type": "string"}, "message": {"type": "string"}}}}}}}}}}}},
            "schemas": {"TenantSettings": {"type": "object", "properties": {
                "host_suffix": {"type": "string"}, "node_pool": {"type": "string"},
                "budget_cpu": {"type": "integer"}, "budget_memory": {"type": "integer"},
                "budget_instances": {"type": "integer"},
                "allowed_volumes": {"type": "array", "items": {"type": "string"}},
                "allowed_registries": {"type": "array", "items": {"type": "string"}}}}}
        }
    })
}
