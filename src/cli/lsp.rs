//! `accessc lsp`: a Language Server Protocol server over standard input and output
//! (`lsp-server` for the transport, `lsp-types` for the messages, as rust-analyzer).
//!
//! The workspace is one program, as the command line sees a folder: every `.access` file under
//! the client's workspace folders, with the open documents' unsaved text in place of what is on
//! disk (and an open file outside the folders added). Each change recompiles the program (parse,
//! check, lower, lint: what `accessc check` reports) and publishes every file's diagnostics —
//! an empty list for a file that has none, so that fixed problems disappear. Hover, definition,
//! references, completion and quick fixes come from [`crate::ide`]; formatting is `accessc fmt`.
//!
//! A request the server does not know gets `MethodNotFound`, one with bad parameters
//! `InvalidParams`, a position past the end of a file the end of the file; the server goes on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CompletionItem, CompletionItemKind, CompletionParams,
    CompletionResponse, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DocumentFormattingParams, DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse,
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams,
    HoverProviderCapability, InitializeParams, Location, MarkupContent, MarkupKind, NumberOrString,
    OneOf, PublishDiagnosticsParams, Range, ReferenceParams, ServerCapabilities, SymbolKind,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Uri, WorkspaceEdit,
};

use super::exit;
use crate::ast::{FileId, Span};
use crate::diagnostics::{Diag, Severity};
use crate::ide;
use crate::ide::workspace::Workspace;

/// `accessc lsp`: serve until the client says `exit`.
pub fn run() -> u8 {
    let (connection, writer) = stdio();
    let code = match serve(&connection) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: accessc lsp: {e}");
            exit::SYSTEM
        }
    };
    drop(connection);
    // The writer ends when the server's side of the channel is dropped; the reader may be
    // blocked on standard input, and ends with the process.
    if writer.join().is_err() {
        eprintln!("error: accessc lsp: the writer thread failed");
        return exit::SYSTEM;
    }
    code
}

/// The transport over standard input and output: a reader thread that parses each message and
/// answers one it cannot parse with JSON-RPC's parse error (`-32700`, id null) instead of ending
/// the session (as `lsp_server`'s own stdio transport does), and a writer thread. Both write to
/// standard output under one lock, a whole message at a time.
fn stdio() -> (Connection, std::thread::JoinHandle<()>) {
    use std::io::Write as _;
    use std::sync::{Arc, Mutex};
    let (server, client) = Connection::memory();
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let reader_out = Arc::clone(&out);
    let to_server = client.sender;
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            match Message::read(&mut input) {
                Ok(Some(msg)) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    if to_server.send(msg).is_err() || exit {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    let body = serde_json::json!({
                        "jsonrpc": "2.0",
                        "id": null,
                        "error": {"code": -32700, "message": format!("accessc lsp cannot read this message: {e}")},
                    })
                    .to_string();
                    if let Ok(mut o) = reader_out.lock() {
                        let _ = write!(o, "Content-Length: {}\r\n\r\n{body}", body.len());
                        let _ = o.flush();
                    }
                }
                Err(_) => return,
            }
        }
    });
    let from_server = client.receiver;
    let writer = std::thread::spawn(move || {
        for msg in from_server {
            let Ok(mut o) = out.lock() else { return };
            if msg.write(&mut *o).is_err() {
                return;
            }
        }
    });
    (server, writer)
}

/// How long the client must be quiet after a change checked on a slice before the whole
/// program is compiled again.
const QUIET: std::time::Duration = std::time::Duration::from_millis(300);

/// The capabilities, the handshake, then the main loop.
fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec![":".to_string()]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let caps = serde_json::to_value(capabilities).map_err(|e| e.to_string())?;
    let params = connection
        .initialize(caps)
        .map_err(|e| format!("initialize: {e}"))?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let mut server = Server::new(&params);
    server.publish(connection);
    loop {
        // After a change checked on a slice of the program, the whole program is compiled
        // again once the client has been quiet for a moment (the slice's diagnostics of the
        // changed file are a full compile's; other files' may have changed too).
        let msg = if server.ws.exact() {
            match connection.receiver.recv() {
                Ok(msg) => msg,
                Err(_) => break,
            }
        } else {
            match connection.receiver.recv_timeout(QUIET) {
                Ok(msg) => msg,
                Err(e) if e.is_timeout() => {
                    server.ws.full();
                    server.publish(connection);
                    continue;
                }
                Err(_) => break,
            }
        };
        match msg {
            Message::Request(req) => {
                if req.method == lsp_types::request::Shutdown::METHOD {
                    send(connection, Message::Response(Response::new_ok(req.id, ())));
                    return after_shutdown(connection);
                }
                let resp = server.request(req);
                send(connection, Message::Response(resp));
            }
            Message::Notification(n) => {
                if n.method == lsp_types::notification::Exit::METHOD {
                    return Ok(());
                }
                if server.notification(n) {
                    server.publish(connection);
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// After `shutdown`: wait for `exit`, answering any request with `InvalidRequest`. A client
/// that goes away without sending `exit` (an editor quitting at once) ends the session as well:
/// the shutdown was asked for, so the server exits 0 either way.
fn after_shutdown(connection: &Connection) -> Result<(), String> {
    for msg in &connection.receiver {
        match msg {
            Message::Notification(n) if n.method == lsp_types::notification::Exit::METHOD => {
                return Ok(());
            }
            Message::Request(req) => send(
                connection,
                Message::Response(Response::new_err(
                    req.id,
                    ErrorCode::InvalidRequest as i32,
                    "the server is shutting down".to_string(),
                )),
            ),
            _ => {}
        }
    }
    Ok(())
}

fn send(connection: &Connection, msg: Message) {
    // The client went away: the loop ends when the receiver closes.
    let _ = connection.sender.send(msg);
}

/// The workspace ([`Workspace`]: the files, each compiled incrementally) and the editor's
/// state.
struct Server {
    /// The program: every file's text (disk, or the open document's), parse and diagnostics.
    ws: Workspace,
    /// The files that are open in the editor.
    open: BTreeMap<PathBuf, Uri>,
    /// The file id of each path in the workspace.
    ids: BTreeMap<PathBuf, FileId>,
    /// The files whose diagnostics were published non-empty last time (to clear them).
    published: Vec<PathBuf>,
}

impl Server {
    fn new(params: &InitializeParams) -> Server {
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| path_of(&f.uri))
            .collect();
        #[allow(deprecated, reason = "older clients send only rootUri")]
        if roots.is_empty() {
            if let Some(p) = params.root_uri.as_ref().and_then(path_of) {
                roots.push(p);
            }
        }
        let mut files = BTreeMap::new();
        for root in roots {
            if let Ok((sources, _)) = crate::cli::input::load(&[root]) {
                for (_, f) in sources.iter() {
                    if let Some(p) = &f.file {
                        files.insert(absolute(p), f.text.clone());
                    }
                }
            }
        }
        let ws = Workspace::new(
            files
                .iter()
                .map(|(path, text)| (name_of(path), text.clone())),
        );
        let ids = files
            .into_keys()
            .filter_map(|path| Some((path.clone(), ws.id(&name_of(&path))?)))
            .collect();
        Server {
            ws,
            open: BTreeMap::new(),
            ids,
            published: Vec::new(),
        }
    }

    /// Set a file's text and compile what the change can affect.
    fn set(&mut self, path: PathBuf, text: String) {
        let (id, _) = self.ws.set(&name_of(&path), text);
        self.ids.insert(path, id);
    }

    /// Publish every file's diagnostics (and clear those of files that had some).
    fn publish(&mut self, connection: &Connection) {
        let mut by_file: BTreeMap<FileId, Vec<Diagnostic>> = BTreeMap::new();
        for d in self.ws.diags() {
            if let Some(span) = d.span {
                by_file
                    .entry(span.file)
                    .or_default()
                    .push(self.diagnostic(d, span));
            }
        }
        let mut now = Vec::new();
        for (path, id) in &self.ids {
            let list = by_file.remove(id).unwrap_or_default();
            let had = self.published.contains(path);
            if list.is_empty() && !had && !self.open.contains_key(path) {
                continue;
            }
            if !list.is_empty() {
                now.push(path.clone());
            }
            let Some(uri) = self.uri(path) else { continue };
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics: list,
                version: None,
            };
            send(
                connection,
                Message::Notification(Notification::new(
                    lsp_types::notification::PublishDiagnostics::METHOD.to_string(),
                    params,
                )),
            );
        }
        self.published = now;
    }

    fn uri(&self, path: &Path) -> Option<Uri> {
        if let Some(u) = self.open.get(path) {
            return Some(u.clone());
        }
        format!("file://{}", path.display()).parse().ok()
    }

    fn range(&self, span: Span) -> Range {
        let text = self
            .ws
            .sources()
            .get(span.file)
            .map_or("", |f| f.text.as_str());
        let p = |o: u32| {
            let p = ide::position(text, o as usize);
            lsp_types::Position::new(p.line, p.character)
        };
        Range::new(p(span.start), p(span.end))
    }

    fn location(&self, span: Span) -> Option<Location> {
        let path = self.ids.iter().find(|(_, id)| **id == span.file)?.0;
        Some(Location::new(self.uri(path)?, self.range(span)))
    }

    fn diagnostic(&self, d: &Diag, span: Span) -> Diagnostic {
        let mut message = d.message.clone();
        if let Some(label) = &d.label {
            message.push_str(&format!(" ({label})"));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let related: Vec<DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|(s, m)| {
                Some(DiagnosticRelatedInformation {
                    location: self.location(*s)?,
                    message: m.clone(),
                })
            })
            .collect();
        Diagnostic {
            range: self.range(span),
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
            }),
            code: Some(NumberOrString::String(d.code.as_str().to_string())),
            source: Some("accessc".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        }
    }

    /// A notification; true when the program changed.
    fn notification(&mut self, n: Notification) -> bool {
        match n.method.as_str() {
            m if m == lsp_types::notification::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return false;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return false;
                };
                self.open.insert(path.clone(), p.text_document.uri);
                self.set(path, p.text_document.text);
            }
            m if m == lsp_types::notification::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return false;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return false;
                };
                // Full sync: the last change is the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return false;
                };
                self.set(path, change.text);
            }
            m if m == lsp_types::notification::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return false;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return false;
                };
                self.open.remove(&path);
                // Back to what is on disk (gone if it is not there).
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        self.set(path, text);
                    }
                    Err(_) => {
                        // A file that is gone is a file with no text.
                        self.set(path, String::new());
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// The text and byte offset of a document position.
    fn at(&self, doc: &lsp_types::TextDocumentPositionParams) -> Option<(FileId, &str, usize)> {
        let path = path_of(&doc.text_document.uri)?;
        let id = *self.ids.get(&path)?;
        let text = self.ws.sources().get(id)?.text.as_str();
        let off = ide::offset(
            text,
            ide::Position {
                line: doc.position.line,
                character: doc.position.character,
            },
        );
        Some((id, text, off))
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result: Result<serde_json::Value, (ErrorCode, String)> = match req.method.as_str() {
            m if m == lsp_types::request::HoverRequest::METHOD => {
                params::<HoverParams>(req).map(|p| json(&self.hover(&p)))
            }
            m if m == lsp_types::request::GotoDefinition::METHOD => {
                params::<GotoDefinitionParams>(req).map(|p| json(&self.definition(&p)))
            }
            m if m == lsp_types::request::DocumentSymbolRequest::METHOD => {
                params::<DocumentSymbolParams>(req).map(|p| json(&self.symbols(&p)))
            }
            m if m == lsp_types::request::References::METHOD => {
                params::<ReferenceParams>(req).map(|p| json(&self.references(&p)))
            }
            m if m == lsp_types::request::Completion::METHOD => {
                params::<CompletionParams>(req).map(|p| json(&self.completion(&p)))
            }
            m if m == lsp_types::request::Formatting::METHOD => {
                params::<DocumentFormattingParams>(req).map(|p| json(&self.formatting(&p)))
            }
            m if m == lsp_types::request::CodeActionRequest::METHOD => {
                params::<CodeActionParams>(req).map(|p| json(&self.code_actions(&p)))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("accessc lsp does not handle `{other}`"),
            )),
        };
        response(id, result)
    }

    fn hover(&self, p: &HoverParams) -> Option<Hover> {
        let (_, text, off) = self.at(&p.text_document_position_params)?;
        let md = ide::hover(self.ws.program(), text, off, |s| {
            self.ws.sources().location(s)
        })?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: md,
            }),
            range: None,
        })
    }

    fn definition(&self, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let (_, text, off) = self.at(&p.text_document_position_params)?;
        let spans = ide::definition(self.ws.program(), text, off);
        let locations: Vec<Location> = spans.iter().filter_map(|s| self.location(*s)).collect();
        (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
    }

    /// The outline of a document: its declarations.
    fn symbols(&self, p: &DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let path = path_of(&p.text_document.uri)?;
        let id = *self.ids.get(&path)?;
        let symbols = ide::outline(self.ws.program(), id)
            .into_iter()
            .map(|s| {
                #[allow(deprecated, reason = "lsp-types requires the deprecated field")]
                DocumentSymbol {
                    name: s.name,
                    detail: Some(match s.detail {
                        Some(d) => format!("{} {d}", s.keyword),
                        None => s.keyword.to_string(),
                    }),
                    kind: match s.keyword {
                        "cluster" => SymbolKind::MODULE,
                        "namespace" => SymbolKind::NAMESPACE,
                        "app" => SymbolKind::CLASS,
                        "role" => SymbolKind::INTERFACE,
                        "boundary" => SymbolKind::STRUCT,
                        "access" => SymbolKind::KEY,
                        "pack" => SymbolKind::FUNCTION,
                        _ => SymbolKind::OBJECT,
                    },
                    tags: None,
                    deprecated: None,
                    range: self.range(s.span),
                    selection_range: self.range(s.name_span),
                    children: None,
                }
            })
            .collect();
        Some(DocumentSymbolResponse::Nested(symbols))
    }

    fn references(&self, p: &ReferenceParams) -> Option<Vec<Location>> {
        let (_, text, off) = self.at(&p.text_document_position)?;
        let targets = ide::definition(self.ws.program(), text, off);
        let texts: Vec<(FileId, &str)> = self
            .ws
            .sources()
            .iter()
            .map(|(id, f)| (id, f.text.as_str()))
            .collect();
        let mut out = Vec::new();
        for t in targets {
            for s in ide::references(self.ws.program(), &texts, t) {
                if p.context.include_declaration || s != t {
                    out.extend(self.location(s));
                }
            }
        }
        Some(out)
    }

    fn completion(&self, p: &CompletionParams) -> Option<CompletionResponse> {
        let (_, text, off) = self.at(&p.text_document_position)?;
        let items = ide::completions(self.ws.program(), text, off)
            .into_iter()
            .map(|c| CompletionItem {
                kind: Some(if c.label.contains(':') {
                    CompletionItemKind::FUNCTION
                } else {
                    CompletionItemKind::KEYWORD
                }),
                label: c.label,
                detail: Some(c.detail),
                ..Default::default()
            })
            .collect();
        Some(CompletionResponse::Array(items))
    }

    fn formatting(&self, p: &DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let path = path_of(&p.text_document.uri)?;
        let id = *self.ids.get(&path)?;
        let text = &self.ws.sources().get(id)?.text;
        // A file with syntax errors is left as it is (its diagnostics say why).
        let formatted = crate::fmt::format(text).ok()?;
        if formatted == *text {
            return Some(Vec::new());
        }
        let end = ide::position(text, text.len());
        Some(vec![TextEdit::new(
            Range::new(
                lsp_types::Position::new(0, 0),
                lsp_types::Position::new(end.line, end.character),
            ),
            formatted,
        )])
    }

    fn code_actions(&self, p: &CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
        let path = path_of(&p.text_document.uri)?;
        let id = *self.ids.get(&path)?;
        let uri = self.uri(&path)?;
        let mut out = Vec::new();
        for d in self
            .ws
            .diags()
            .iter()
            .filter(|d| d.span.is_some_and(|s| s.file == id))
        {
            let Some(span) = d.span else { continue };
            let range = self.range(span);
            // Only the diagnostics in the asked range.
            if range.end < p.range.start || range.start > p.range.end {
                continue;
            }
            let text = self.ws.sources().get(id).map_or("", |f| f.text.as_str());
            for fix in ide::fixes(self.ws.program(), text, d) {
                let edits = fix
                    .edits
                    .iter()
                    .map(|(span, replacement)| {
                        TextEdit::new(self.range(*span), replacement.clone())
                    })
                    .collect();
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("{}: {}", d.code.as_str(), fix.title),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![self.diagnostic(d, span)]),
                    edit: Some(WorkspaceEdit {
                        changes: Some([(uri.clone(), edits)].into_iter().collect()),
                        ..Default::default()
                    }),
                    is_preferred: Some(out.is_empty()),
                    ..Default::default()
                }));
            }
        }
        Some(out)
    }
}

/// The name of a file in the workspace: its absolute path.
fn name_of(path: &Path) -> String {
    path.display().to_string()
}

/// A request's parameters, or `InvalidParams`.
fn params<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(req.params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn response(id: RequestId, result: Result<serde_json::Value, (ErrorCode, String)>) -> Response {
    match result {
        Ok(v) => Response::new_ok(id, v),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}

/// The file path of a `file:` URI (percent-decoded); None for other schemes.
fn path_of(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    let mut bytes = Vec::with_capacity(rest.len());
    let raw = rest.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            if let Ok(b) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                bytes.push(b);
                i += 3;
                continue;
            }
        }
        bytes.push(raw[i]);
        i += 1;
    }
    let path = PathBuf::from(String::from_utf8(bytes).ok()?);
    Some(absolute(&path))
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
