//! The fuzz target's invariants (`np_spec::fuzzing`) over mutated copies of the example documents, so they
//! are checked on every test run; `scripts/fuzz` runs the same target under libFuzzer for longer.

use np_spec::fuzzing::parse_and_generate;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

const SEEDS: &[&str] = &[
    include_str!("../../../examples/shop.spec.yaml"),
    include_str!("../../../examples/shop.np.yaml"),
    include_str!("../../../examples/shop.oam.yaml"),
    include_str!("../fuzz/seeds/seed.np.yaml"),
];

const SNIPPETS: &[&str] = &[
    "\n",
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!str ",
    "!custom ",
    "? ",
    "|\n  ",
    ">-\n  ",
    "---\n",
    "...\n",
    "#",
    "\"",
    "'",
    "\\",
    "${x}",
    "%{",
    "{{",
    "`",
    "\u{0}",
    "\u{feff}",
    "日本",
    "privileged: true\n",
    "  - ",
    "    ",
    "\t",
    "1.10",
    "0x1F",
    "-1",
    "99999999999999999999",
    "~",
    "null",
    "yes",
    "true",
    ".inf",
    "-.nan",
    "2001-12-14t21:59:43.10-05:00",
    "apiVersion: core.oam.dev/v1beta1\n",
    "services:\n",
    "type: worker\n",
    "replicas: 500\n",
    "host: evil.example.com\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, s)| Mutation::Insert(at, s)),
        2 => (any::<usize>(), 1usize..40).prop_map(|(at, n)| Mutation::Delete(at, n)),
        1 => (any::<usize>(), 1usize..200).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, m: &Mutation) {
    match *m {
        Mutation::Insert(at, s) => {
            let at = boundary(text, at);
            text.insert_str(at, SNIPPETS[s]);
        }
        Mutation::Delete(at, n) => {
            let start = boundary(text, at);
            let end = boundary(text, start.saturating_add(n).min(text.len()));
            text.replace_range(start..end.max(start), "");
        }
        Mutation::Duplicate(at, n) => {
            let start = boundary(text, at);
            let end = boundary(text, start.saturating_add(n).min(text.len()));
            let copy = text[start..end.max(start)].to_owned();
            text.insert_str(end.max(start), &copy);
        }
        Mutation::Truncate(at) => {
            let at = boundary(text, at);
            text.truncate(at);
        }
    }
}

/// How many mutated documents to try (`NP_FUZZ_CASES`, default 2,000) and the seed of the generator
/// (`NP_FUZZ_SEED`, default fixed so the suite is reproducible); see docs/PERFORMANCE.md, "Fuzzing".
fn settings() -> (u32, u64) {
    fn var<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    (
        var("NP_FUZZ_CASES").unwrap_or(2000),
        var("NP_FUZZ_SEED").unwrap_or(0x6e70),
    )
}

#[test]
fn mutated_documents_never_break_the_parsers() {
    let (cases, seed) = settings();
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let tried = AtomicU64::new(0);
    let started = Instant::now();
    let strategy = (0..SEEDS.len(), prop::collection::vec(mutation(), 1..6));
    let result = runner.run(&strategy, |(seed, mutations)| {
        let mut text = SEEDS[seed].to_owned();
        for m in &mutations {
            apply(&mut text, m);
        }
        parse_and_generate(text.as_bytes());
        tried.fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    eprintln!(
        "fuzz: {} mutated documents, seed {seed}, {:.1} s, no panic",
        tried.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn raw_bytes_and_empty_input_are_handled() {
    parse_and_generate(b"");
    parse_and_generate(b"\xff\xfe");
    parse_and_generate(&[b'['; 100_000]);
    parse_and_generate("services:\n".repeat(1000).as_bytes());
}
