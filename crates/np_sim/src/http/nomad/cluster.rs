//! Status, namespaces, ACL policies and tokens, variables.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use np_nomad::types::{
    AclPolicy, AclPolicyListStub, AclToken, Namespace, Variable, VariableMetadata,
    is_valid_variable_path,
};

use super::super::acl::{authorize, require_acl_management, require_management, token};
use super::super::{block, json};
use super::{Q, body};
use crate::scheduler::ApiError;
use crate::state::{Cluster, Shared, now_nanos};

type Answer = Result<Response, ApiError>;

pub(crate) async fn leader(State(s): State<Arc<Shared>>) -> Response {
    json("Nomad", s.read(|c| c.index), &"127.0.0.1:4647")
}

pub(crate) async fn peers(State(s): State<Arc<Shared>>) -> Response {
    json("Nomad", s.read(|c| c.index), &["127.0.0.1:4647"])
}

pub(crate) async fn regions(State(s): State<Arc<Shared>>) -> Response {
    json("Nomad", 0, &[s.config.region.as_str()])
}

pub(crate) async fn namespaces(State(s): State<Arc<Shared>>, Query(q): Query<Q>) -> Answer {
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let list: Vec<Namespace> = s.read(|c| {
        c.namespaces
            .values()
            .filter(|n| q.prefix.as_deref().is_none_or(|p| n.name.starts_with(p)))
            .cloned()
            .collect()
    });
    Ok(json("Nomad", index, &list))
}

pub(crate) async fn namespace(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Answer {
    let ns = s
        .read(|c| c.namespaces.get(&name).cloned())
        .ok_or_else(|| ApiError::not_found("Namespace not found"))?;
    Ok(json("Nomad", ns.modify_index.unwrap_or_default(), &ns))
}

fn valid_namespace_name(name: &str) -> bool {
    (1..=128).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn upsert(s: &Shared, headers: &HeaderMap, mut namespace: Namespace) -> Answer {
    require_management(s, headers)?;
    if !valid_namespace_name(&namespace.name) {
        return Err(ApiError::bad_request(format!(
            "invalid name {:?}. Must match regex ^[a-zA-Z0-9-]{{1,128}}$",
            namespace.name
        )));
    }
    let index = s.write(|c| {
        let index = c.bump();
        let create = c
            .namespaces
            .get(&namespace.name)
            .and_then(|n| n.create_index)
            .unwrap_or(index);
        namespace.create_index = Some(create);
        namespace.modify_index = Some(index);
        c.namespaces.insert(namespace.name.clone(), namespace);
        index
    });
    Ok(json("Nomad", index, &serde_json::Value::Null))
}

pub(crate) async fn upsert_namespace(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let mut namespace: Namespace = body(&bytes)?;
    if namespace.name.is_empty() {
        namespace.name = name.clone();
    }
    if namespace.name != name {
        return Err(ApiError::bad_request(
            "Namespace name in path and body do not match",
        ));
    }
    upsert(&s, &headers, namespace)
}

pub(crate) async fn upsert_namespace_body(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    upsert(&s, &headers, body(&bytes)?)
}

pub(crate) async fn delete_namespace(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Answer {
    require_management(&s, &headers)?;
    if name == "default" {
        return Err(ApiError::bad_request(
            "default namespace can not be deleted",
        ));
    }
    s.write(|c| {
        if !c.namespaces.contains_key(&name) {
            return Err(ApiError::not_found("Namespace not found"));
        }
        let live = c
            .jobs
            .iter()
            .any(|(k, r)| k.namespace == name && r.current().status.as_deref() != Some("dead"));
        if live {
            return Err(ApiError::bad_request(format!(
                "namespace {name:?} has non-terminal jobs in regions: [{}]",
                c.config.region
            )));
        }
        c.bump();
        c.namespaces.remove(&name);
        c.jobs.retain(|k, _| k.namespace != name);
        Ok(())
    })?;
    Ok(json("Nomad", s.read(|c| c.index), &serde_json::Value::Null))
}

pub(crate) async fn acl_policies(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Answer {
    require_acl_management(&s, &headers)?;
    let list: Vec<AclPolicyListStub> = s.read(|c| {
        c.acl_policies
            .values()
            .map(|p| AclPolicyListStub {
                name: p.name.clone(),
                description: p.description.clone(),
                create_index: p.create_index.unwrap_or_default(),
                modify_index: p.modify_index.unwrap_or_default(),
            })
            .collect()
    });
    Ok(json("Nomad", s.read(|c| c.index), &list))
}

pub(crate) async fn acl_policy(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Answer {
    require_acl_management(&s, &headers)?;
    let policy = s
        .read(|c| c.acl_policies.get(&name).cloned())
        .ok_or_else(|| ApiError::not_found("ACL policy not found"))?;
    Ok(json(
        "Nomad",
        policy.modify_index.unwrap_or_default(),
        &policy,
    ))
}

pub(crate) async fn upsert_acl_policy(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    require_acl_management(&s, &headers)?;
    let mut policy: AclPolicy = body(&bytes)?;
    if policy.name != name {
        return Err(ApiError::bad_request(
            "Policy name does not match request path",
        ));
    }
    if policy.rules.trim().is_empty() {
        return Err(ApiError::bad_request("policy rules cannot be empty"));
    }
    let index = s.write(|c| {
        let index = c.bump();
        policy.create_index = Some(
            c.acl_policies
                .get(&name)
                .and_then(|p| p.create_index)
                .unwrap_or(index),
        );
        policy.modify_index = Some(index);
        c.acl_policies.insert(name, policy);
        index
    });
    Ok(json("Nomad", index, &serde_json::Value::Null))
}

pub(crate) async fn delete_acl_policy(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Answer {
    require_acl_management(&s, &headers)?;
    let index = s.write(|c| {
        c.acl_policies.remove(&name);
        c.bump()
    });
    Ok(json("Nomad", index, &serde_json::Value::Null))
}

fn redacted(token: &AclToken) -> AclToken {
    AclToken {
        secret_id: String::new(),
        ..token.clone()
    }
}

pub(crate) async fn acl_tokens(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Answer {
    require_acl_management(&s, &headers)?;
    let list: Vec<AclToken> = s.read(|c| c.acl_tokens.values().map(redacted).collect());
    Ok(json("Nomad", s.read(|c| c.index), &list))
}

pub(crate) async fn create_acl_token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    require_acl_management(&s, &headers)?;
    let mut token: AclToken = body(&bytes)?;
    if !matches!(token.token_type.as_str(), "client" | "management") {
        return Err(ApiError::bad_request(format!(
            "token type must be client or management, not {:?}",
            token.token_type
        )));
    }
    let token = s.write(|c| {
        for policy in token.policies.iter().flatten() {
            if !c.acl_policies.contains_key(policy) {
                return Err(ApiError::bad_request(format!(
                    "cannot find policy {policy}"
                )));
            }
        }
        let index = c.bump();
        token.accessor_id = Cluster::uuid();
        token.secret_id = Cluster::uuid();
        token.create_time = Some(crate::state::rfc3339(now_nanos()));
        token.create_index = Some(index);
        token.modify_index = Some(index);
        c.acl_tokens
            .insert(token.accessor_id.clone(), token.clone());
        Ok(token)
    })?;
    Ok(json(
        "Nomad",
        token.create_index.unwrap_or_default(),
        &token,
    ))
}

pub(crate) async fn acl_token(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    require_acl_management(&s, &headers)?;
    let token = s
        .read(|c| c.acl_tokens.get(&id).cloned())
        .ok_or_else(|| ApiError::not_found("ACL token not found"))?;
    Ok(json(
        "Nomad",
        token.modify_index.unwrap_or_default(),
        &token,
    ))
}

pub(crate) async fn acl_token_self(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Answer {
    if s.config.acl_management_token.is_none() {
        return Err(ApiError::bad_request("ACL support disabled"));
    }
    let secret = token(&headers).ok_or_else(|| ApiError::new(403, "Permission denied"))?;
    let found = s.read(|c| {
        c.acl_tokens
            .values()
            .find(|t| t.secret_id == secret)
            .cloned()
    });
    let token = found.ok_or_else(|| ApiError::new(403, "ACL token not found"))?;
    Ok(json(
        "Nomad",
        token.modify_index.unwrap_or_default(),
        &token,
    ))
}

pub(crate) async fn delete_acl_token(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    require_acl_management(&s, &headers)?;
    let index = s.write(|c| {
        c.acl_tokens.remove(&id);
        c.bump()
    });
    Ok(json("Nomad", index, &serde_json::Value::Null))
}

pub(crate) async fn variables(
    State(s): State<Arc<Shared>>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let index = block(&s, q.index, q.wait.as_deref()).await;
    let list: Vec<VariableMetadata> = s.read(|c| {
        c.variables
            .values()
            .filter(|v| {
                q.covers(&v.namespace) && q.prefix.as_deref().is_none_or(|p| v.path.starts_with(p))
            })
            .map(|v| VariableMetadata {
                namespace: v.namespace.clone(),
                path: v.path.clone(),
                create_index: v.create_index.unwrap_or_default(),
                modify_index: v.modify_index.unwrap_or_default(),
                create_time: v.create_time.unwrap_or_default(),
                modify_time: v.modify_time.unwrap_or_default(),
            })
            .collect()
    });
    Ok(json("Nomad", index, &list))
}

fn checked_path(path: &str) -> Result<String, ApiError> {
    if is_valid_variable_path(path) {
        Ok(path.to_owned())
    } else {
        Err(ApiError::bad_request(format!("invalid path {path:?}")))
    }
}

pub(crate) async fn variable(
    State(s): State<Arc<Shared>>,
    Path(path): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "read-job")?;
    let path = checked_path(&path)?;
    let found = s.read(|c| c.variables.get(&(q.ns(), path)).cloned());
    let variable = found.ok_or_else(|| ApiError::not_found("variable not found"))?;
    Ok(json(
        "Nomad",
        variable.modify_index.unwrap_or_default(),
        &variable,
    ))
}

/// A check-and-set conflict: 409 with the variable as it is, indexed by its modify index
/// (`variableUpsert` in `command/agent/variable_endpoint.go`).
fn conflict(current: Option<Box<Variable>>) -> Response {
    let index = current
        .as_ref()
        .and_then(|v| v.modify_index)
        .unwrap_or_default();
    let mut response = json("Nomad", index, &current);
    *response.status_mut() = axum::http::StatusCode::CONFLICT;
    response
}

pub(crate) async fn put_variable(
    State(s): State<Arc<Shared>>,
    Path(path): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "submit-job")?;
    let path = checked_path(&path)?;
    let mut variable: Variable = body(&bytes)?;
    if variable.items.is_empty() {
        return Err(ApiError::bad_request(
            "variable missing required Items object",
        ));
    }
    if bytes.len() > 64 * 1024 {
        return Err(ApiError::bad_request(
            "variables are limited to 64KiB in total size",
        ));
    }
    let ns = q.ns();
    let result = s.write(|c| {
        let key = (ns.clone(), path.clone());
        let current = c.variables.get(&key).cloned();
        if let Some(cas) = q.cas {
            let actual = current.as_ref().and_then(|v| v.modify_index).unwrap_or(0);
            if actual != cas {
                return Err(current.map(Box::new));
            }
        }
        let index = c.bump();
        let now = now_nanos();
        variable.namespace = ns.clone();
        variable.path = path.clone();
        variable.create_index = Some(
            current
                .as_ref()
                .and_then(|v| v.create_index)
                .unwrap_or(index),
        );
        variable.create_time = Some(current.as_ref().and_then(|v| v.create_time).unwrap_or(now));
        variable.modify_index = Some(index);
        variable.modify_time = Some(now);
        c.variables.insert(key, variable.clone());
        Ok(variable)
    });
    match result {
        Ok(variable) => Ok(json(
            "Nomad",
            variable.modify_index.unwrap_or_default(),
            &variable,
        )),
        Err(current) => Ok(conflict(current)),
    }
}

pub(crate) async fn delete_variable(
    State(s): State<Arc<Shared>>,
    Path(path): Path<String>,
    Query(q): Query<Q>,
    headers: HeaderMap,
) -> Answer {
    authorize(&s, &headers, &q.ns(), "submit-job")?;
    let path = checked_path(&path)?;
    let ns = q.ns();
    let result = s.write(|c| {
        let key = (ns.clone(), path.clone());
        let current = c.variables.get(&key).cloned();
        if let Some(cas) = q.cas
            && current.as_ref().and_then(|v| v.modify_index).unwrap_or(0) != cas
        {
            return Err(current.map(Box::new));
        }
        c.variables.remove(&key);
        Ok(c.bump())
    });
    match result {
        Ok(index) => Ok(json("Nomad", index, &serde_json::Value::Null)),
        Err(current) => Ok(conflict(current)),
    }
}
