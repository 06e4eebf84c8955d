//! Nomad ACL enforcement: tokens, policies with namespace rules, capabilities.

use std::collections::BTreeSet;

use axum::http::HeaderMap;

use super::header;
use crate::scheduler::ApiError;
use crate::state::Shared;

const READ: &[&str] = &[
    "list-jobs",
    "parse-job",
    "read-job",
    "csi-list-volume",
    "csi-read-volume",
    "list-scaling-policies",
    "read-scaling-policy",
    "read-job-scaling",
    "host-volume-read",
];
const WRITE_EXTRA: &[&str] = &[
    "submit-job",
    "dispatch-job",
    "read-logs",
    "read-fs",
    "alloc-exec",
    "alloc-lifecycle",
    "csi-write-volume",
    "csi-mount-volume",
    "submit-recommendation",
    "scale-job",
    "host-volume-write",
];
const SCALE: &[&str] = &[
    "list-scaling-policies",
    "read-scaling-policy",
    "read-job-scaling",
    "scale-job",
];

/// One `namespace "<glob>" { policy = …, capabilities = […] }` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamespaceRule {
    pub glob: String,
    pub capabilities: BTreeSet<String>,
    pub deny: bool,
}

fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Reads the namespace rules of a policy's HCL (the parts the simulator enforces).
pub(crate) fn namespace_rules(rules: &str) -> Vec<NamespaceRule> {
    let mut result = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<NamespaceRule> = None;
    for line in rules.lines().map(str::trim) {
        if depth == 0 && line.starts_with("namespace") {
            if let Some(glob) = quoted(line).into_iter().next() {
                current = Some(NamespaceRule {
                    glob,
                    capabilities: BTreeSet::new(),
                    deny: false,
                });
            }
        } else if depth == 1
            && let Some(rule) = current.as_mut()
        {
            if let Some(value) = line.strip_prefix("policy").map(quoted) {
                match value.first().map(String::as_str) {
                    Some("deny") => rule.deny = true,
                    Some("read") => rule
                        .capabilities
                        .extend(READ.iter().map(|s| (*s).to_owned())),
                    Some("write") => rule
                        .capabilities
                        .extend(READ.iter().chain(WRITE_EXTRA).map(|s| (*s).to_owned())),
                    Some("scale") => rule
                        .capabilities
                        .extend(SCALE.iter().map(|s| (*s).to_owned())),
                    _ => {}
                }
            } else if let Some(value) = line.strip_prefix("capabilities").map(quoted) {
                if value.iter().any(|c| c == "deny") {
                    rule.deny = true;
                }
                rule.capabilities.extend(value);
            }
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
        if depth == 0
            && let Some(rule) = current.take()
        {
            result.push(rule);
        }
    }
    result
}

fn glob_matches(glob: &str, name: &str) -> bool {
    match glob.split_once('*') {
        None => glob == name,
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
    }
}

/// The secret a request presents (`X-Nomad-Token` or `Authorization: Bearer`).
pub(crate) fn token(headers: &HeaderMap) -> Option<String> {
    header(headers, "x-nomad-token")
        .map(str::to_owned)
        .or_else(|| {
            header(headers, "authorization")?
                .strip_prefix("Bearer ")
                .map(str::to_owned)
        })
}

fn denied() -> ApiError {
    ApiError::new(403, "Permission denied")
}

/// Whether the request's token is a management token (always true without ACLs).
/// An ACL endpoint's check: without ACLs Nomad refuses every one of them with a coded 400 (`aclDisabled` in
/// `nomad/acl_endpoint.go`); with them, it takes a management token.
pub(crate) fn require_acl_management(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    if shared.config.acl_management_token.is_none() {
        return Err(ApiError::bad_request("ACL support disabled"));
    }
    require_management(shared, headers)
}

pub(crate) fn require_management(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    if shared.config.acl_management_token.is_none() {
        return Ok(());
    }
    let secret = token(headers).ok_or_else(denied)?;
    shared.read(
        |c| match c.acl_tokens.values().find(|t| t.secret_id == secret) {
            Some(t) if t.token_type == "management" => Ok(()),
            Some(_) => Err(denied()),
            None => Err(ApiError::new(403, "ACL token not found")),
        },
    )
}

/// Checks that the request may use `capability` in `namespace`.
pub(crate) fn authorize(
    shared: &Shared,
    headers: &HeaderMap,
    namespace: &str,
    capability: &str,
) -> Result<(), ApiError> {
    if shared.config.acl_management_token.is_none() {
        return Ok(());
    }
    let secret = token(headers).ok_or_else(denied)?;
    shared.read(|c| {
        let token = c
            .acl_tokens
            .values()
            .find(|t| t.secret_id == secret)
            .ok_or_else(|| ApiError::new(403, "ACL token not found"))?;
        if token.token_type == "management" {
            return Ok(());
        }
        if namespace == "*" {
            return Err(denied());
        }
        let rules: Vec<NamespaceRule> = token
            .policies
            .iter()
            .flatten()
            .filter_map(|name| c.acl_policies.get(name))
            .flat_map(|p| namespace_rules(&p.rules))
            .filter(|r| glob_matches(&r.glob, namespace))
            .collect();
        // The most specific matching glob wins; a deny anywhere wins over grants.
        let best = rules.iter().map(|r| r.glob.len()).max();
        let matching: Vec<&NamespaceRule> = rules
            .iter()
            .filter(|r| Some(r.glob.len()) == best)
            .collect();
        if matching.iter().any(|r| r.deny)
            || !matching.iter().any(|r| r.capabilities.contains(capability))
        {
            return Err(denied());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_expand_policies_and_capabilities() {
        let rules = namespace_rules(
            r#"
namespace "acme" {
  policy       = "read"
  capabilities = ["submit-job", "read-logs"]
  variables {
    path "*" { capabilities = ["read"] }
  }
}
namespace "other-*" {
  policy = "deny"
}
node {
  policy = "read"
}
"#,
        );
        assert_eq!(rules.len(), 2);
        assert!(rules[0].capabilities.contains("read-job"));
        assert!(rules[0].capabilities.contains("submit-job"));
        assert!(!rules[0].capabilities.contains("alloc-exec"));
        assert!(rules[1].deny);
        assert!(glob_matches("other-*", "other-team"));
        assert!(!glob_matches("acme", "acme2"));
    }
}
