//! The language server on a large workspace (tools/bench/run.sh runs it; not a test):
//!
//!     cargo run --release --example bench_lsp -- ACCESSC CORPUS_DIR [EDITS]
//!
//! Starts `ACCESSC lsp` with the corpus as its workspace, as an editor does (initialize,
//! didOpen of one team file), then makes EDITS (default 20) one-line changes of that file, one
//! every 100 ms as someone typing (each a different app's grant: an action replaced, every
//! other one by a misspelt action, so that the diagnostics change), and times each from the
//! `didChange` to the `publishDiagnostics` of the file that answers it. Then it waits for the
//! whole-program compile the server runs when typing pauses (the second publication), asks for
//! the completions of `s3:` (EDITS times) and reads the server's peak resident memory
//! (`VmHWM`). Prints one JSON line: startup (initialize to the first diagnostics), the median
//! and maximum of the edits, the pause compile, the median completion, and the peak RSS.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../../tests/support/wire.rs"]
mod wire;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(accessc), Some(corpus)) = (args.first(), args.get(1)) else {
        eprintln!("usage: bench_lsp ACCESSC CORPUS_DIR [EDITS]");
        return ExitCode::from(2);
    };
    let edits: usize = args
        .get(2)
        .and_then(|e| e.parse().ok())
        .unwrap_or(20)
        .max(1);
    let root = match std::fs::canonicalize(corpus) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {corpus}: {e}");
            return ExitCode::from(2);
        }
    };
    let file: PathBuf = root.join("team-0100.access");
    let Ok(text) = std::fs::read_to_string(&file) else {
        eprintln!(
            "error: {} not found (a corpus of tools/bench/gen_corpus.py?)",
            file.display()
        );
        return ExitCode::from(2);
    };
    let uri = format!("file://{}", file.display());
    let Ok(mut child) = Command::new(accessc)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        eprintln!("error: cannot start {accessc} lsp");
        return ExitCode::from(2);
    };
    let pid = child.id();
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        eprintln!("error: no pipes to {accessc} lsp");
        return ExitCode::from(2);
    };
    let mut stdout = BufReader::new(stdout);
    let (tx, rx) = mpsc::channel::<(Instant, Value)>();
    std::thread::spawn(move || {
        while let Some(m) = wire::read_message(&mut stdout) {
            if tx.send((Instant::now(), m)).is_err() {
                return;
            }
        }
    });
    let mut send = |msg: Value| {
        let body = msg.to_string();
        let _ = write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = stdin.flush();
        Instant::now()
    };
    // Wait for the next message that `want` accepts.
    let wait = |want: &dyn Fn(&Value) -> bool| -> Option<Instant> {
        loop {
            let (at, m) = rx.recv_timeout(Duration::from_secs(120)).ok()?;
            if want(&m) {
                return Some(at);
            }
        }
    };
    let published = |m: &Value| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri)
    };

    let t0 = send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"rootUri": format!("file://{}", root.display()), "capabilities": {}}}));
    wait(&|m| m["id"] == json!(1));
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
        {"uri": uri, "languageId": "access", "version": 1, "text": text}}}),
    );
    let Some(ready) = wait(&published) else {
        eprintln!("error: no diagnostics after didOpen");
        return ExitCode::from(1);
    };
    let startup = ready.duration_since(t0).as_secs_f64() * 1000.0;

    // One-line edits, a different app's grant each time.
    let lines: Vec<&str> = text.lines().collect();
    let grant_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("dynamodb:Query"))
        .collect();
    let mut times = Vec::new();
    let mut current: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    for e in 0..edits {
        let at = grant_lines[e % grant_lines.len()];
        current[at] = if e % 2 == 0 {
            lines[at].replace("dynamodb:Query", "dynamodb:Querry")
        } else {
            lines[at].replace("dynamodb:Query", "dynamodb:Scan")
        };
        let new = current.join("\n") + "\n";
        std::thread::sleep(Duration::from_millis(100));
        let t = send(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": e + 2}, "contentChanges": [{"text": new}]}}),
        );
        let Some(done) = wait(&published) else {
            eprintln!("error: no diagnostics after edit {e}");
            return ExitCode::from(1);
        };
        times.push(done.duration_since(t).as_secs_f64() * 1000.0);
    }
    let last_edit = Instant::now();
    // The whole-program compile once typing pauses: the next publication.
    let pause = wait(&published).map_or(f64::NAN, |at| {
        at.duration_since(last_edit).as_secs_f64() * 1000.0
    });

    // Completion of `s3:` on an `allow` line.
    let line = current
        .iter()
        .position(|l| l.contains("allow dynamodb"))
        .unwrap_or(0);
    let col = current[line].find("dynamodb").unwrap_or(0);
    current[line].replace_range(col..col + "dynamodb".len(), "s3");
    let new = current.join("\n") + "\n";
    send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 1000}, "contentChanges": [{"text": new}]}}),
    );
    wait(&published);
    let mut completions = Vec::new();
    let mut items = 0;
    for i in 0..edits {
        let id = 100 + i;
        let t = send(
            json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/completion",
            "params": {"textDocument": {"uri": uri}, "position": {"line": line, "character": col + 3}}}),
        );
        let (at, m) = loop {
            let Ok((at, m)) = rx.recv_timeout(Duration::from_secs(120)) else {
                eprintln!("error: no completion answer");
                return ExitCode::from(1);
            };
            if m["id"] == json!(id) {
                break (at, m);
            }
        };
        items = m["result"].as_array().map_or(0, Vec::len);
        completions.push(at.duration_since(t).as_secs_f64() * 1000.0);
    }
    let rss_kb = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    send(json!({"jsonrpc": "2.0", "id": 9999, "method": "shutdown"}));
    wait(&|m| m["id"] == json!(9999));
    send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = child.wait();
    let max = times.iter().copied().fold(0.0, f64::max);
    println!(
        "{}",
        json!({
            "edits": edits,
            "startup_ms": startup,
            "edit_median_ms": median(&mut times),
            "edit_max_ms": max,
            "pause_full_compile_ms": pause,
            "completion_s3_median_ms": median(&mut completions),
            "completion_s3_items": items,
            "peak_rss_mb": rss_kb as f64 / 1024.0,
        })
    );
    ExitCode::SUCCESS
}
