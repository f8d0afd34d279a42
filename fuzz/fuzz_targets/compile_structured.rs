//! Structure-aware: the fuzzer's bytes drive a generator of grammatical `.access` programs
//! (declarations, references that resolve or not, grants, conditions, Kubernetes rules,
//! settings of right and wrong types, occasional token-level damage), which are compiled.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let files = accessc_fuzz::generate(&mut u);
    accessc_fuzz::compile_files(&files);
});
