//! Escaping, as properties: whatever a user types, the HCL we write and the driver configuration we submit
//! evaluate back to exactly that text. (The whole-job properties, HCL against JSON and Nomad's validation,
//! are in np_sim's tests, where Nomad's jobspec parser lives.)

use hcl::eval::{Context, Evaluate};
use hcl::template::Template;
use np_spec::generate::hcl_quote;
use np_spec::interpolation::{check_replaced, escape_config, references};
use proptest::prelude::*;

/// Strings built from the pieces that break naive escaping.
fn nasty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => "[a-zA-Z0-9 ._-]{1,3}",
        1 => prop::sample::select(vec![
            "\"", "\\", "\\\"", "\\n", "\n", "\r", "\t", "\u{0}", "\u{1b}", "\u{85}", "$", "%", "{", "}",
            "${", "$${", "$$${", "%{", "%%{", "{{", "}}", "`", "'", "<<EOF\n", "\nEOF", "<<-EOT", "#",
            "${NOMAD_PORT_http}", "${NOMAD_ALLOC_ID}", "$${NOMAD_ALLOC_ID}", "${attr.unique.hostname}",
            "%{ if true }x%{ endif }", "é", "日本語", "😀", "\u{202e}", "\u{feff}",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
}

fn runtime_context() -> Context<'static> {
    let mut ctx = Context::new();
    for name in ["NOMAD_PORT_http", "NOMAD_ALLOC_ID"] {
        ctx.declare_var(name, format!("${{{name}}}"));
    }
    ctx
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A quoted HCL string we write evaluates to the input, with no interpolation, directive or escape
    /// surviving, and cannot end the string, the attribute or the file early.
    #[test]
    fn hcl_strings_evaluate_to_exactly_the_input(s in nasty()) {
        let text = format!("a = \"{}\"\nb = 1\n", hcl_quote(&s));
        let value: serde_json::Value = hcl::eval::from_str(&text, &Context::new())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(value, serde_json::json!({"a": s, "b": 1}));
    }

    /// Driver configuration is evaluated as a template on the client: the escaped value gives the input back,
    /// with only Nomad's runtime variables left live.
    #[test]
    fn escaped_driver_config_evaluates_to_the_input(s in nasty()) {
        let template: Template = escape_config(&s)
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let value = template
            .evaluate(&runtime_context())
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(value, s);
    }

    /// Values Nomad runs `${…}` replacement on are accepted only when every `${` starts a reference to a
    /// runtime variable: then replacing the runtime variables leaves no `${` at all.
    #[test]
    fn replaced_values_reference_only_runtime_variables(s in nasty()) {
        let refs: Vec<&str> = references(&s).into_iter().map(|(_, name)| name).collect();
        let mut replaced = s.clone();
        for name in ["NOMAD_PORT_http", "NOMAD_ALLOC_ID"] {
            replaced = replaced.replace(&format!("${{{name}}}"), "v");
        }
        prop_assert_eq!(check_replaced(&s).is_ok(), !replaced.contains("${"), "{:?}", refs);
    }
}
