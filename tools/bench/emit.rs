//! In-process time of emission alone (`accessc::emit::all`), for comparing emitters (not a test).
//!
//!     cargo run --release --example bench_emit -- CORPUS_DIR [RUNS]
//!
//! Reads and checks the corpus once, then emits every artifact RUNS times (default 7) from the
//! same IR, and prints the artifacts' count and size, the median, minimum and maximum emit
//! times, and the median CPU time of the process per emission (user and system, all threads;
//! from /proc/self/stat on Linux, in 10 ms ticks: `null` elsewhere). (To measure a commit
//! before the public facade, read the inputs with `accessc::cli::input::load` there.)

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
    let (sources, _) = match accessc::load_inputs(&[PathBuf::from(&dir)]) {
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
    let mut cpu = Vec::with_capacity(runs);
    let (mut count, mut bytes) = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let Ok(arts) = accessc::emit::all(&ir, &sources) else {
            eprintln!("error: emission failed");
            return ExitCode::from(1);
        };
        times.push(start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu_start, cpu_seconds()) {
            cpu.push(b - a);
        }
        count = arts.len();
        bytes = arts.iter().map(|a| a.contents.len()).sum::<usize>();
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let cpu_median = cpu
        .get(cpu.len() / 2)
        .map_or_else(|| "null".to_string(), |c| format!("{c:.3}"));
    println!(
        "{{\"artifacts\":{count},\"bytes\":{bytes},\"median_s\":{:.4},\"min_s\":{:.4},\"max_s\":{:.4},\"cpu_median_s\":{cpu_median}}}",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    ExitCode::SUCCESS
}

/// The CPU time of this process so far (user and system), from /proc/self/stat (Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some((utime + stime) / 100.0)
}
