//! Nomad interpolates user-visible strings in two ways, and neither may be turned off:
//!
//! - `env`, `meta`, service tags and check fields go through a `${name}` replacement with no escape syntax,
//!   where `name` may be a node attribute (`${attr.unique.hostname}`) or metadata. So in those places only
//!   Nomad's runtime variables (`${NOMAD_PORT_http}`, `${NOMAD_ALLOC_ID}`…) are allowed; anything else is
//!   refused.
//! - Driver `config` strings (command, args, entrypoint, working directory) are evaluated as HCL2 templates on
//!   the client, where `$${` and `%%{` do escape. So there a literal `${` or `%{` is escaped, while runtime
//!   variables are left to interpolate.

/// Runtime variables that name a port label after their prefix.
const PORT_VARIABLES: &[&str] = &[
    "NOMAD_PORT_",
    "NOMAD_ADDR_",
    "NOMAD_IP_",
    "NOMAD_HOST_PORT_",
    "NOMAD_HOST_IP_",
    "NOMAD_HOST_ADDR_",
    "NOMAD_ALLOC_PORT_",
];

/// Runtime variables a task may use.
const VARIABLES: &[&str] = &[
    "NOMAD_ALLOC_ID",
    "NOMAD_ALLOC_NAME",
    "NOMAD_ALLOC_INDEX",
    "NOMAD_ALLOC_DIR",
    "NOMAD_TASK_DIR",
    "NOMAD_SECRETS_DIR",
    "NOMAD_JOB_ID",
    "NOMAD_JOB_NAME",
    "NOMAD_JOB_PARENT_ID",
    "NOMAD_TASK_NAME",
    "NOMAD_GROUP_NAME",
    "NOMAD_NAMESPACE",
    "NOMAD_DC",
    "NOMAD_REGION",
    "NOMAD_CPU_LIMIT",
    "NOMAD_CPU_CORES",
    "NOMAD_MEMORY_LIMIT",
    "NOMAD_MEMORY_MAX_LIMIT",
    "NOMAD_SHORT_ALLOC_ID",
    "NOMAD_UPSTREAM_ADDR",
];

/// Whether `name` is a runtime variable an app may reference.
pub fn is_runtime_variable(name: &str) -> bool {
    VARIABLES.contains(&name)
        || PORT_VARIABLES.iter().any(|prefix| {
            name.strip_prefix(prefix).is_some_and(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        })
}

/// The `${name}` references Nomad's replacement would act on (`\$\{[a-zA-Z0-9_\-\.]+\}`), with their offsets.
pub fn references(value: &str) -> Vec<(usize, &str)> {
    let bytes = value.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 2 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            let start = i + 2;
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'_' | b'-' | b'.'))
            {
                end += 1;
            }
            if end > start && end < bytes.len() && bytes[end] == b'}' {
                found.push((i, &value[start..end]));
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// Checks a value Nomad's `${…}` replacement will see: every `${` must start a reference to a runtime
/// variable. Others are refused, not escaped, because that replacement has no escape syntax (and a literal
/// `${` that Nomad happens not to replace today is not worth the risk of a future version that does).
pub fn check_replaced(value: &str) -> Result<(), String> {
    let refs = references(value);
    let Some(at) = value.match_indices("${").map(|(at, _)| at).find(|at| {
        !refs
            .iter()
            .any(|(start, name)| start == at && is_runtime_variable(name))
    }) else {
        return Ok(());
    };
    match refs.iter().find(|(start, _)| *start == at) {
        Some((_, name)) => Err(format!(
            "\"${{{name}}}\" would be replaced by Nomad; only Nomad runtime variables such as ${{NOMAD_PORT_http}} or \
             ${{NOMAD_ALLOC_ID}} may be referenced (there is no escape for others)"
        )),
        None => Err(
            "\"${\" may only start a Nomad runtime variable such as ${NOMAD_PORT_http}; Nomad's replacement has no \
             escape, so other uses are refused"
                .to_owned(),
        ),
    }
}

/// Escapes a literal string for driver configuration (an HCL2 template on the client): `${` becomes `$${`
/// and `%{` becomes `%%{`, except for references to runtime variables, which stay live (a literal `$` just
/// before one is written `${"$"}`).
pub fn escape_config(value: &str) -> String {
    let live: Vec<(usize, usize)> = references(value)
        .into_iter()
        .filter(|(_, name)| is_runtime_variable(name))
        .map(|(at, name)| (at, at + name.len() + 3))
        .collect();
    let mut out = String::with_capacity(value.len() + 8);
    let mut i = 0;
    let bytes = value.as_bytes();
    while i < bytes.len() {
        if let Some(&(_, end)) = live.iter().find(|(start, _)| *start == i) {
            // Literal `$`s right before a live reference would turn it into the `$${` escape; they are
            // written as a string interpolation instead.
            let dollars = out.len() - out.trim_end_matches('$').len();
            if dollars > 0 {
                out.truncate(out.len() - dollars);
                out.push_str(&format!("${{\"{}\"}}", "$".repeat(dollars)));
            }
            out.push_str(&value[i..end]);
            i = end;
            continue;
        }
        if (bytes[i] == b'$' || bytes[i] == b'%') && bytes.get(i + 1) == Some(&b'{') {
            out.push(bytes[i] as char);
        }
        let ch = value[i..].chars().next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_variables_are_recognised() {
        for ok in [
            "NOMAD_PORT_http",
            "NOMAD_ADDR_admin_api",
            "NOMAD_ALLOC_ID",
            "NOMAD_NAMESPACE",
        ] {
            assert!(is_runtime_variable(ok), "{ok}");
        }
        for bad in [
            "attr.unique.hostname",
            "node.unique.name",
            "meta.secret",
            "NOMAD_PORT_",
            "NOMAD_TOKEN",
            "env",
        ] {
            assert!(!is_runtime_variable(bad), "{bad}");
        }
    }

    #[test]
    fn replaced_values_may_reference_only_runtime_variables() {
        assert!(check_replaced("http://${NOMAD_ADDR_http}/x").is_ok());
        assert!(check_replaced("no references: $ {x}, $x, {{ template }}").is_ok());
        assert!(
            check_replaced("${ spaced }")
                .unwrap_err()
                .contains("may only start")
        );
        let err = check_replaced("${attr.unique.hostname}").unwrap_err();
        assert!(
            err.contains("\"${attr.unique.hostname}\" would be replaced"),
            "{err}"
        );
        assert!(check_replaced("a${meta.secret_thing}b").is_err());
        assert!(
            check_replaced("${env[\"X\"]}").is_err(),
            "not a replacement pattern today, refused all the same"
        );
        assert!(check_replaced("$${NOMAD_ALLOC_ID}").is_ok());
        assert!(
            check_replaced("$${x}").is_err(),
            "Nomad would replace the inner ${{x}}"
        );
    }

    #[test]
    fn config_strings_escape_everything_but_runtime_variables() {
        assert_eq!(escape_config("plain"), "plain");
        assert_eq!(escape_config("${x}"), "$${x}");
        assert_eq!(escape_config("%{ if true }"), "%%{ if true }");
        assert_eq!(
            escape_config("--port=${NOMAD_PORT_http}"),
            "--port=${NOMAD_PORT_http}"
        );
        assert_eq!(escape_config("$${x}"), "$$${x}");
        assert_eq!(escape_config("€${attr.x}é"), "€$${attr.x}é");
    }
}
