//! In-process throughput of `accessc::compile` (tools/bench/run.sh runs it; not a test).
//!
//!     cargo run --release --example bench_compile -- CORPUS_DIR [RUNS]
//!
//! Reads the corpus once, then compiles it RUNS times (default 5) in this process and prints
//! one JSON line: the number of apps, IAM permissions policies (`iam-policy` artifacts) and
//! artifacts, the median compile time, and policies per second.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bench_compile CORPUS_DIR [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let (sources, _) = match accessc::cli::input::load(&[PathBuf::from(&dir)]) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let apps = sources
        .iter()
        .map(|(_, f)| f.text.matches("\napp ").count())
        .sum::<usize>();
    let mut times = Vec::with_capacity(runs);
    let (mut policies, mut artifacts) = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let compiled = accessc::compile(&sources);
        let elapsed = start.elapsed().as_secs_f64();
        let Some(arts) = compiled.artifacts else {
            eprintln!(
                "error: the corpus has errors ({} diagnostics)",
                compiled.diags.len()
            );
            return ExitCode::from(1);
        };
        policies = arts.iter().filter(|a| a.kind == "iam-policy").count();
        artifacts = arts.len();
        times.push(elapsed);
        drop(arts);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{{\"apps\": {apps}, \"policies\": {policies}, \"artifacts\": {artifacts}, \"runs\": {runs}, \"median_s\": {median:.6}, \"policies_per_s\": {:.1}}}",
        policies as f64 / median
    );
    ExitCode::SUCCESS
}
