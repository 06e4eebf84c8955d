//! How long the console takes to read a document and to turn a spec into a Nomad job — the work behind every
//! keystroke of the deploy form's preview (in the browser) and every deploy and plan (on the server).
//!
//! `cargo bench -p np_spec --bench spec`; figures in docs/PERFORMANCE.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use np_spec::TenantContext;
use np_spec::names::TenantSlug;
use np_spec::parse::{Format, parse_as};

const NP_YAML: &str = include_str!("../../../examples/shop.np.yaml");
const OAM: &str = include_str!("../../../examples/shop.oam.yaml");
const SPEC: &str = include_str!("../../../examples/shop.spec.yaml");
const SMALL: &str = r#"{"name":"web","image":"nginx:1.27","ports":[{"name":"http","port":8080}]}"#;

/// A tenant with Vault and the shop's volume, as the examples expect.
fn context() -> TenantContext {
    let mut t =
        TenantContext::with_defaults(TenantSlug::parse("acme").unwrap(), "apps.example.com");
    t.allowed_volumes = vec!["acme-data".into()];
    t.vault_prefix = Some("kv/data/tenants/acme".into());
    t
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, format, text) in [
        ("np.yaml (shop)", Format::NpYaml, NP_YAML),
        ("OAM (shop)", Format::Oam, OAM),
        ("app spec YAML (shop)", Format::Spec, SPEC),
        ("app spec JSON (one line)", Format::Spec, SMALL),
    ] {
        parse_as(format, text).unwrap_or_else(|e| panic!("{name}: {e}"));
        group.bench_function(name, |b| {
            b.iter(|| parse_as(format, black_box(text)).unwrap())
        });
    }
    group.finish();
}

fn generation(c: &mut Criterion) {
    let context = context();
    let mut group = c.benchmark_group("generate");
    for (name, format, text) in [
        (
            "shop (np.yaml: secrets, migration, canary)",
            Format::NpYaml,
            NP_YAML,
        ),
        ("one-line app", Format::Spec, SMALL),
    ] {
        let doc = parse_as(format, text).unwrap();
        let spec = doc.apps[0].spec.clone();
        // Validation, the job, and its HCL for display.
        group.bench_function(format!("{name}: validate + job + HCL"), |b| {
            b.iter(|| np_spec::generate(black_box(&spec), &context).unwrap())
        });
        let generated = np_spec::generate(&spec, &context).unwrap();
        group.bench_function(format!("{name}: register JSON"), |b| {
            b.iter(|| serde_json::to_string(&black_box(&generated).register_request()).unwrap())
        });
        group.bench_function(format!("{name}: HCL alone"), |b| {
            b.iter(|| np_spec::generate::to_hcl(black_box(&generated.job)))
        });
        group.bench_function(format!("{name}: parse + generate + JSON"), |b| {
            b.iter(|| {
                let doc = parse_as(format, black_box(text)).unwrap();
                let g = np_spec::generate(&doc.apps[0].spec, &context).unwrap();
                serde_json::to_string(&g.register_request()).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parsing, generation);
criterion_main!(benches);
