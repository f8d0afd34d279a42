//! In-process time of emission alone (`accessc::emit::all`), for comparing emitters (not a test).
//!
//!     cargo run --release --example bench_emit -- CORPUS_DIR [RUNS]
//!
//! Reads and checks the corpus once, then emits every artifact RUNS times (default 7) from the
//! same IR, and prints the artifacts' count and size and the median, minimum and maximum emit
//! times.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The same allocator as the `accessc` binary (src/main.rs).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bench_emit CORPUS_DIR [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(7).max(1);
    let (sources, _) = match accessc::cli::input::load(&[PathBuf::from(&dir)]) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(ir) = accessc::compile(&sources).ir else {
        eprintln!("error: the corpus has errors");
        return ExitCode::from(1);
    };
    let mut times = Vec::with_capacity(runs);
    let (mut count, mut bytes) = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let Ok(arts) = accessc::emit::all(&ir, &sources) else {
            eprintln!("error: emission failed");
            return ExitCode::from(1);
        };
        times.push(start.elapsed().as_secs_f64());
        count = arts.len();
        bytes = arts.iter().map(|a| a.contents.len()).sum::<usize>();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"artifacts\":{count},\"bytes\":{bytes},\"median_s\":{:.4},\"min_s\":{:.4},\"max_s\":{:.4}}}",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    ExitCode::SUCCESS
}
