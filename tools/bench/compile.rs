//! In-process throughput of `accessc::compile` (tools/bench/run.sh runs it; not a test).
//!
//!     cargo run --release --example bench_compile -- CORPUS_DIR [RUNS] [aws]
//!
//! Reads the corpus once, then compiles it RUNS times (default 5) in this process, for every
//! target and then for the IAM documents only (`--target aws`), and prints one JSON line: the
//! number of apps, IAM permissions policies (`iam-policy` artifacts) and artifacts, the median
//! compile times, and policies per second of each. With `aws`, only the IAM documents are
//! compiled (for profiling that pass alone); the every-target fields then repeat them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The same allocator as the `accessc` binary (src/main.rs).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bench_compile CORPUS_DIR [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let aws_alone = match args.next().as_deref() {
        None => false,
        Some("aws") => true,
        Some(other) => {
            eprintln!("error: unknown argument `{other}` (expected `aws`)");
            return ExitCode::from(2);
        }
    };
    let (sources, _) = match accessc::load_inputs(&[PathBuf::from(&dir)]) {
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
    // The whole program (every target), then the IAM documents only (`--target aws`: the
    // policy_sentry job; the checker and the IAM emitter run in full either way).
    let all = accessc::Options::default();
    let aws_only = accessc::Options {
        targets: accessc::emit::target::Targets::of([accessc::emit::target::Target::Aws]),
        ..accessc::Options::default()
    };
    let passes: &[&accessc::Options] = if aws_alone {
        &[&aws_only]
    } else {
        &[&all, &aws_only]
    };
    // One compile context for every run, as an embedder (or the language server) compiling
    // again and again keeps one: its memos stay warm across compiles. (Before the context
    // existed the memos were process-wide, which is what these figures measured then.)
    let ctx = accessc::Context::new();
    let mut results = Vec::new();
    for options in passes {
        let mut times = Vec::with_capacity(runs);
        let (mut policies, mut artifacts) = (0, 0);
        for _ in 0..runs {
            let start = Instant::now();
            let compiled = accessc::compile_in(&ctx, &sources, options);
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
        results.push((policies, artifacts, median));
    }
    let (policies, artifacts, median) = results[0];
    let (_, aws_artifacts, aws_median) = results[results.len() - 1];
    println!(
        "{{\"apps\": {apps}, \"policies\": {policies}, \"artifacts\": {artifacts}, \"runs\": {runs}, \"median_s\": {median:.6}, \"policies_per_s\": {:.1}, \"aws_artifacts\": {aws_artifacts}, \"aws_median_s\": {aws_median:.6}, \"aws_policies_per_s\": {:.1}}}",
        policies as f64 / median,
        policies as f64 / aws_median
    );
    ExitCode::SUCCESS
}
