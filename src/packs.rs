//! The packs shipped in the binary: `.access` sources under `packs/`, one `pack` declaration
//! each, embedded with `include_str!`.
//!
//! A `use NAME(…)` that names no pack of the program takes the built-in pack of that name (the
//! program's own pack of the same name wins). Built-in packs are parsed only when a program
//! uses them, and are never reported unused (W003). Their files are not part of the program's
//! [`crate::source::Sources`]: each has a reserved [`FileId`] that `Sources` resolves to the
//! embedded text, so diagnostics inside a built-in pack show it as
//! `<accessc>/packs/NAME.access`.

use std::sync::LazyLock;

use crate::ast::FileId;
use crate::source::SourceFile;

/// One built-in pack.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinPack {
    /// The pack's name (as in `use NAME(…)`), also its file's stem.
    pub name: &'static str,
    /// The controller version its policy matches.
    pub version: &'static str,
    /// One line of what it is for.
    pub summary: &'static str,
    /// Its `.access` source.
    pub source: &'static str,
}

/// Every built-in pack, sorted by name.
pub const PACKS: &[BuiltinPack] = &[BuiltinPack {
    name: "external-dns",
    version: "0.15.0",
    summary: "external-dns: Route 53 records for Services and Ingresses",
    source: include_str!("../packs/external-dns.access"),
}];

/// The first file id of the built-in packs (pack `i` is `FIRST_ID + i`); far above any file
/// count a program can have.
const FIRST_ID: u32 = u32::MAX - 4096;

/// A built-in pack by name.
pub fn get(name: &str) -> Option<&'static BuiltinPack> {
    PACKS.iter().find(|p| p.name == name)
}

/// The file id of a built-in pack.
pub(crate) fn file_id(name: &str) -> Option<FileId> {
    let i = PACKS.iter().position(|p| p.name == name)?;
    Some(FileId(FIRST_ID + u32::try_from(i).ok()?))
}

/// Whether a file id is a built-in pack's.
pub fn is_builtin(id: FileId) -> bool {
    id.0 >= FIRST_ID && ((id.0 - FIRST_ID) as usize) < PACKS.len()
}

/// The built-in packs' files with their line starts, in [`PACKS`]' order.
static FILES: LazyLock<Vec<(SourceFile, Vec<usize>)>> = LazyLock::new(|| {
    PACKS
        .iter()
        .map(|p| {
            let path = format!("<accessc>/packs/{}.access", p.name);
            let file = SourceFile {
                name: format!("accessc:packs/{}.access", p.name),
                path,
                text: p.source.to_string(),
                unparsed: false,
                file: None,
            };
            let starts = std::iter::once(0)
                .chain(p.source.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            (file, starts)
        })
        .collect()
});

/// A built-in pack's file and line starts, by file id.
pub(crate) fn file(id: FileId) -> Option<&'static (SourceFile, Vec<usize>)> {
    if !is_builtin(id) {
        return None;
    }
    FILES.get((id.0 - FIRST_ID) as usize)
}

/// `NAME(PARAM: TYPE [= DEFAULT], …)` of a built-in pack, read from its source (empty
/// parameters when the source does not parse, which a test rules out).
pub fn signature(pack: &BuiltinPack) -> String {
    let Some(id) = file_id(pack.name) else {
        return format!("{}()", pack.name);
    };
    let Some((file, _)) = file(id) else {
        return format!("{}()", pack.name);
    };
    let (decls, _) = crate::parse_file(id, file);
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

    #[test]
    fn every_pack_is_one_clean_pack_declaration_named_after_its_file() {
        let mut names: Vec<&str> = PACKS.iter().map(|p| p.name).collect();
        names.sort_unstable();
        assert_eq!(names, PACKS.iter().map(|p| p.name).collect::<Vec<_>>());
        for p in PACKS {
            let id = file_id(p.name).unwrap();
            let (file, _) = file(id).unwrap();
            let (decls, diags) = crate::parse_file(id, file);
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
