//! Write the files a structured-fuzzer input generates into a folder (for
//! tests/fuzz_regressions/): `cargo run --example show -- CRASH_FILE OUT_DIR`, or print them
//! without OUT_DIR. The generator's file names are hostile (`..`, absolute, control
//! characters), so in OUT_DIR the files are `f0.access`, `f1.access`, … and their generated
//! names are printed (Rust-escaped).
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let out = args.next();
    let data = std::fs::read(&path).unwrap_or_default();
    let mut u = arbitrary::Unstructured::new(&data);
    for (i, (name, text)) in accessc_fuzz::generate(&mut u).into_iter().enumerate() {
        match &out {
            Some(dir) => {
                let _ = std::fs::create_dir_all(dir);
                let file = format!("f{i}.access");
                println!("{file}: {name:?}");
                let _ = std::fs::write(std::path::Path::new(dir).join(file), &text);
            }
            None => println!("=== {name:?}\n{text}"),
        }
    }
}
