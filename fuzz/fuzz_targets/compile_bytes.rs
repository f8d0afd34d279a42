//! Arbitrary bytes → (lossy UTF-8) one to three source files → the whole pure pipeline
//! (parse → check → emit). No file is written. The first byte chooses how the input is split
//! into files, so cross-file resolution is exercised too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    accessc_fuzz::compile_bytes(data);
});
