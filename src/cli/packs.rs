//! `accessc packs`: the packs shipped in the binary ([`crate::packs`]).

use super::{exit, stdout};
use crate::packs::{self, PACKS};

/// `accessc packs`: one line per pack: name, controller version, signature, summary.
pub fn list() -> u8 {
    let rows: Vec<(String, String, String, &str)> = PACKS
        .iter()
        .map(|p| {
            (
                p.name.to_string(),
                p.version.to_string(),
                packs::signature(p),
                p.summary,
            )
        })
        .collect();
    let wn = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
    let wv = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(7);
    let mut out = format!("{:wn$}  {:wv$}  SUMMARY\n", "PACK", "VERSION");
    for (name, version, signature, summary) in &rows {
        out.push_str(&format!("{name:wn$}  {version:wv$}  {summary}\n"));
        out.push_str(&format!("{:wn$}  {:wv$}    use {signature}\n", "", ""));
    }
    out.push_str("\n`accessc packs show NAME` prints a pack's source.\n");
    stdout::print(&out);
    exit::OK
}

/// `accessc packs show NAME`: the pack's source.
pub fn show(name: &str) -> u8 {
    match packs::get(name) {
        Some(p) => {
            stdout::print(p.source);
            exit::OK
        }
        None => {
            let hint = match crate::suggest::closest(name, PACKS.iter().map(|p| p.name)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the packs are {}",
                    PACKS
                        .iter()
                        .map(|p| format!("`{}`", p.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            eprintln!("error: no built-in pack `{name}`; {hint} (`accessc packs` lists them)");
            exit::SYSTEM
        }
    }
}
