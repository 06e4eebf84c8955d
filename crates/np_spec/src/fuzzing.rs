//! What must hold for any input at all, checked by the fuzz target (`crates/np_spec/fuzz`) and by the
//! mutation tests: parsing never panics, a refusal always names what is wrong, and whatever is accepted
//! either generates a job whose JSON reads back the same, or is refused with errors that can be located in
//! the document.

use crate::names::TenantSlug;
use crate::parse::parse;
use crate::tenant::TenantContext;
use crate::{Generated, generate};

/// Runs every parser-to-job step on `data`, panicking if an invariant breaks.
pub fn parse_and_generate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = match parse(text) {
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a refusal without errors");
            for e in &errors.0 {
                assert!(
                    !e.message.is_empty(),
                    "an error without a message at {}",
                    e.field
                );
            }
            return;
        }
        Ok(doc) => doc,
    };
    assert!(!doc.apps.is_empty(), "a document accepted with no apps");
    let Ok(slug) = TenantSlug::parse("fuzz") else {
        unreachable!("a valid slug")
    };
    let tenant = TenantContext::with_defaults(slug, "apps.example.com");
    for app in &doc.apps {
        match generate(&app.spec, &tenant) {
            Ok(Generated { job, hcl, .. }) => {
                let json = serde_json::to_string(&job).unwrap_or_default();
                let back: np_nomad::types::Job =
                    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
                assert_eq!(back, job, "the job does not survive JSON");
                assert!(hcl.starts_with("job \""), "HCL without a job block");
                assert_eq!(job.namespace.as_deref(), Some("fuzz"));
            }
            Err(errors) => {
                let located = app.locate_errors(errors);
                assert!(!located.0.is_empty());
            }
        }
    }
}
