//! The LSP base protocol's framing (`Content-Length: N` and N bytes of JSON), as a client reads
//! it: tests/lsp.rs and tools/bench/lsp.rs.

use std::io::BufRead;

use serde_json::Value;

/// The next message, or None at the end of the stream or on a message that is not JSON.
pub fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            len = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
