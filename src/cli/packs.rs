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
                signature(p),
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

/// `NAME(PARAM: TYPE [= DEFAULT], …)` of a built-in pack, read from its source (empty
/// parameters when the source does not parse, which a test rules out).
pub fn signature(pack: &packs::BuiltinPack) -> String {
    let Some(id) = packs::file_id(pack.name) else {
        return format!("{}()", pack.name);
    };
    let (decls, _) = crate::syntax::parse_file(id, pack.source);
    for d in &decls {
        if let crate::ast::Decl::Pack(p) = d {
            let params: Vec<String> = p
                .params
                .iter()
                .map(|param| {
                    let default = param
                        .default
                        .as_ref()
                        .map(|d| format!(" = {}", value_text(&d.node)))
                        .unwrap_or_default();
                    format!("{}: {}{default}", param.name.node, param.ty.node)
                })
                .collect();
            return format!("{}({})", p.name.node, params.join(", "));
        }
    }
    format!("{}()", pack.name)
}

fn value_text(v: &crate::ast::Value) -> String {
    match v {
        crate::ast::Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| format!("{:?}", i.node.text()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        crate::ast::Value::Str(s) => format!("{s:?}"),
        crate::ast::Value::Word(w) => w.clone(),
        crate::ast::Value::WordList(w, _) => format!("{w} […]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packs::PACKS;

    #[test]
    fn every_pack_is_one_clean_pack_declaration_named_after_its_file() {
        let mut names: Vec<&str> = PACKS.iter().map(|p| p.name).collect();
        names.sort_unstable();
        assert_eq!(names, PACKS.iter().map(|p| p.name).collect::<Vec<_>>());
        for p in PACKS {
            let id = packs::file_id(p.name).unwrap();
            let (decls, diags) = crate::syntax::parse_file(id, p.source);
            assert!(diags.is_empty(), "{}: {diags:?}", p.name);
            assert_eq!(decls.len(), 1, "{}", p.name);
            let crate::ast::Decl::Pack(decl) = &decls[0] else {
                panic!("{} is not a pack", p.name);
            };
            assert_eq!(decl.name.node, p.name);
            assert!(p.source.starts_with('#'), "{}: no header comment", p.name);
            assert!(
                p.source.contains(&format!("v{}", p.version)),
                "{}: the header does not name version {}",
                p.name,
                p.version
            );
        }
    }
}
