//! Time the fuzz targets' oracle on stored inputs, without libFuzzer (stable toolchain):
//! `cargo run --release --example replay -- bytes|structured FILE_OR_DIR…`. Prints the
//! executions per second over all inputs, the inputs that fail the oracle (it goes on after a
//! failure) and the slowest inputs.
use std::time::{Duration, Instant};

fn files(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            files(&e, out);
        }
    } else {
        out.push(path.to_path_buf());
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_default();
    let mut paths = Vec::new();
    for a in args {
        files(std::path::Path::new(&a), &mut paths);
    }
    let mut times: Vec<(Duration, std::path::PathBuf)> = Vec::new();
    let mut failures = Vec::new();
    let all = Instant::now();
    for p in &paths {
        let data = std::fs::read(p).unwrap_or_default();
        let t = Instant::now();
        let run = std::panic::catch_unwind(|| {
            if target == "structured" {
                let mut u = arbitrary::Unstructured::new(&data);
                let files = accessc_fuzz::generate(&mut u);
                accessc_fuzz::compile_files(&files);
            } else {
                accessc_fuzz::compile_bytes(&data);
            }
        });
        if run.is_err() {
            failures.push(p.clone());
        }
        times.push((t.elapsed(), p.clone()));
    }
    let total = all.elapsed();
    println!(
        "{} inputs in {:.2} s: {:.0} executions/s, {} failed",
        paths.len(),
        total.as_secs_f64(),
        paths.len() as f64 / total.as_secs_f64().max(1e-9),
        failures.len()
    );
    for f in &failures {
        println!("FAILED: {}", f.display());
    }
    times.sort_by_key(|t| std::cmp::Reverse(t.0));
    for (d, p) in times.iter().take(5) {
        println!("{:>9.2} ms  {}", d.as_secs_f64() * 1000.0, p.display());
    }
}
