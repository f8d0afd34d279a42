#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! `accessc lsp` driven over stdio as an editor drives it: initialize on a copy of
//! `examples/quickstart`, open a file, introduce a typo (E207 with its did-you-mean, and the quick
//! fix that applies it), hover an action and an access-level grant, go to a definition, find
//! references, complete `sqs:Se`, format, ask an unknown method and a request with bad
//! parameters (LSP errors, and the server goes on), shut down and exit.

mod support;

use std::io::{BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

/// A client: the server's stdin, and a channel of the messages it writes.
struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_accessc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            while let Some(m) = support::wire::read_message(&mut stdout) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            messages: rx,
            next_id: 1,
        };
        let uri = format!("file://{}", root.display());
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "quickstart"}],
                "capabilities": {}
            }),
        );
        assert!(
            init["result"]["capabilities"]["hoverProvider"] == json!(true),
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response (notifications in between are dropped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self
                .messages
                .recv_timeout(Duration::from_secs(60))
                .expect("no response");
            if m["id"] == json!(id) {
                return m;
            }
        }
    }

    /// Wait for the diagnostics published for `uri` that satisfy `want`.
    fn diagnostics(&mut self, uri: &str, want: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            let m = self
                .messages
                .recv_timeout(Duration::from_secs(60))
                .expect("no diagnostics");
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                let list = m["params"]["diagnostics"].as_array().unwrap().clone();
                if want(&list) {
                    return list;
                }
            }
        }
    }
}

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    for f in [
        "platform/cluster.access",
        "payments/checkout.access",
        "payments/ledger.access",
        "ops/tools.access",
    ] {
        let from = support::root().join("examples/quickstart").join(f);
        let to = root.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
    let mut c = Client::start(&root);
    let path = root.join("payments/checkout.access");
    let uri = format!("file://{}", path.display());
    let text = std::fs::read_to_string(&path).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "access", "version": 1, "text": text}}),
    );
    let clean = c.diagnostics(&uri, |_| true);
    assert!(
        clean.iter().all(|d| d["severity"] != 1),
        "the example has no error: {clean:?}"
    );

    // A typo: E207 with its did-you-mean, where the typo is.
    let typo = text.replace("sqs:SendMessage", "sqs:SendMesage");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": typo}]}),
    );
    let diags = c.diagnostics(&uri, |l| l.iter().any(|d| d["code"] == "E207"));
    let e207 = diags.iter().find(|d| d["code"] == "E207").unwrap();
    assert_eq!(e207["severity"], 1);
    assert!(
        e207["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `sqs:SendMessage`"),
        "{e207}"
    );
    let line = typo
        .lines()
        .position(|l| l.contains("sqs:SendMesage"))
        .unwrap() as u32;
    let col = typo
        .lines()
        .nth(line as usize)
        .unwrap()
        .find("sqs:SendMesage")
        .unwrap() as u32;
    assert_eq!(e207["range"]["start"], pos(line, col));

    // Its quick fix puts the suggestion in place.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": e207["range"], "context": {"diagnostics": [e207]}}),
    );
    let fix = &actions["result"][0];
    assert_eq!(fix["kind"], "quickfix", "{actions}");
    let edit = &fix["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "sqs:SendMessage");
    assert_eq!(edit["range"], e207["range"]);

    // Fixed: the error goes away.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}),
    );
    c.diagnostics(&uri, |l| l.iter().all(|d| d["code"] != "E207"));

    // Hover on an action: its access level, resource types, condition keys.
    let (l, cl) = find(&text, "dynamodb:PutItem");
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": pos(l, cl + 3)}),
    );
    let md = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("dynamodb:PutItem") && md.contains("Write"),
        "{md}"
    );
    assert!(md.contains("table"), "{md}");

    // Hover on an access-level grant: its expansion.
    let (l, cl) = find(&text, "read  \"arn:aws:s3:::receipts/*\"");
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": pos(l, cl + 1)}),
    );
    let md = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("expands to") && md.contains("s3:GetObject"),
        "{md}"
    );

    // Go to the namespace `payments` (declared in platform/cluster.access).
    let (l, cl) = find(&text, "in payments");
    let d = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": pos(l, cl + 4)}),
    );
    let loc = &d["result"][0];
    assert!(
        loc["uri"]
            .as_str()
            .unwrap()
            .ends_with("platform/cluster.access"),
        "{d}"
    );

    // Its references: the declaration and the apps in it.
    let r = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": pos(l, cl + 4), "context": {"includeDeclaration": true}}),
    );
    let refs = r["result"].as_array().unwrap();
    assert!(refs.len() >= 3, "{r}");

    // The outline: the file's one app.
    let o = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let symbols = o["result"].as_array().unwrap();
    assert_eq!(symbols.len(), 1, "{o}");
    assert_eq!(symbols[0]["name"], "checkout");
    assert_eq!(symbols[0]["detail"], "app in payments");
    assert_eq!(symbols[0]["selectionRange"]["start"], pos(1, 4), "{o}");

    // Completion after `sqs:Se`.
    let (l, cl) = find(&text, "sqs:SendMessage");
    let comp = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": pos(l, cl + 6)}),
    );
    let labels: Vec<&str> = comp["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"sqs:SendMessage"), "{labels:?}");
    assert!(
        labels
            .iter()
            .all(|l| l.to_ascii_lowercase().starts_with("sqs:se")),
        "{labels:?}"
    );

    // Formatting: a badly indented file comes back as `accessc fmt` writes it.
    let messy = text.replace("  identity = pod_identity", "identity    =    pod_identity");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": messy}]}),
    );
    let f = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(f["result"][0]["newText"], text, "{f}");

    // An unknown method and bad parameters: errors, and the server goes on.
    let u = c.request("textDocument/unknownThing", json!({}));
    assert_eq!(u["error"]["code"], -32601, "{u}");
    let bad = c.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    // A position past the end of the file: no hover, no crash.
    let past = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": pos(10_000, 5)}),
    );
    assert!(past.get("error").is_none(), "{past}");

    let s = c.request("shutdown", Value::Null);
    assert!(s.get("error").is_none(), "{s}");
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert!(status.success());
}

/// The line and column (bytes; the examples are ASCII) of the first `needle` in `text`.
fn find(text: &str, needle: &str) -> (u32, u32) {
    for (i, l) in text.lines().enumerate() {
        if let Some(c) = l.find(needle) {
            return (i as u32, c as u32);
        }
    }
    panic!("`{needle}` not in the text");
}

/// Every file of the bad-input corpus and of the fuzz regressions, sent as a `didChange` of an open
/// document, and a file typed one character at a time: each change gets its diagnostics; malformed
/// messages get JSON-RPC's parse error; the server is still there at the end (it answers a hover
/// and shuts down cleanly).
#[test]
fn the_server_survives_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let path = root.join("edit.access");
    std::fs::write(&path, "").unwrap();
    let mut c = Client::start(&root);
    let uri = format!("file://{}", path.display());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "access", "version": 1, "text": ""}}),
    );
    c.diagnostics(&uri, |_| true);
    let mut version = 1;
    let mut change = |c: &mut Client, text: &str| {
        version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        c.diagnostics(&uri, |_| true);
    };
    let mut inputs = Vec::new();
    for folder in ["tests/bad_inputs", "tests/fuzz_regressions"] {
        let mut files: Vec<_> = std::fs::read_dir(support::root().join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            if f.is_file() {
                inputs.push(String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned());
            }
        }
    }
    assert!(inputs.len() > 100, "the corpus has {} files", inputs.len());
    for text in &inputs {
        change(&mut c, text);
    }
    // One keystroke at a time.
    let example = std::fs::read_to_string(
        support::root().join("examples/quickstart/payments/checkout.access"),
    )
    .unwrap();
    let mut typed = String::new();
    for ch in example.chars() {
        typed.push(ch);
        change(&mut c, &typed);
    }
    // Malformed messages: JSON-RPC's parse error, and the session goes on.
    for body in [
        "{not json",
        "{\"jsonrpc\": \"2.0\", \"nothing\": 1}",
        "[1, 2",
    ] {
        write!(c.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        c.stdin.flush().unwrap();
        let m = c
            .messages
            .recv_timeout(Duration::from_secs(60))
            .expect("no answer to a malformed message");
        assert_eq!(m["error"]["code"], -32700, "{m}");
        assert_eq!(m["id"], Value::Null, "{m}");
    }
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": pos(0, 0)}),
    );
    assert!(h.get("error").is_none(), "{h}");
    let s = c.request("shutdown", Value::Null);
    assert!(s.get("error").is_none(), "{s}");
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
}

/// An editor that quits right after `shutdown`, without sending `exit`: the server exits 0 (the
/// shutdown was asked for), and a request after `shutdown` is refused.
#[test]
fn a_client_gone_after_shutdown_ends_the_session_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let mut c = Client::start(&root);
    let s = c.request("shutdown", Value::Null);
    assert!(s.get("error").is_none(), "{s}");
    let late = c.request("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    let Client {
        mut child, stdin, ..
    } = c;
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
