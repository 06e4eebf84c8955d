//! Fuzzes the three parsers (app spec, np.yaml, OAM) and everything after them: see `np_spec::fuzzing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    np_spec::fuzzing::parse_and_generate(data);
});
