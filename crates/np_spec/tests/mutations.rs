//! The fuzz target's invariants (`np_spec::fuzzing`) over mutated copies of the example documents, so they
//! are checked on every test run; `scripts/fuzz` runs the same target under libFuzzer for longer.

use np_spec::fuzzing::parse_and_generate;
use proptest::prelude::*;

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

/// How many mutated documents to try: 2,000 in the test suite; `NP_FUZZ_CASES` for a long run (see
/// docs/PERFORMANCE.md, "Fuzzing").
fn cases() -> u32 {
    std::env::var("NP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn mutated_documents_never_break_the_parsers(
        seed in 0..SEEDS.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut text = SEEDS[seed].to_owned();
        for m in &mutations {
            apply(&mut text, m);
        }
        parse_and_generate(text.as_bytes());
    }
}

#[test]
fn raw_bytes_and_empty_input_are_handled() {
    parse_and_generate(b"");
    parse_and_generate(b"\xff\xfe");
    parse_and_generate(&[b'['; 100_000]);
    parse_and_generate("services:\n".repeat(1000).as_bytes());
}
