//! Custom templates (`--templates DIR`): handlebars templates rendered once per entity of the
//! kind their file name declares, in strict mode.
//!
//! A template set is a folder:
//!
//! * `KIND[.LABEL].EXT.hbs` — a template. KIND is `role`, `boundary`, `app`, `access` or
//!   `cluster`; it renders once per entity of that kind into
//!   `templates/KIND[.LABEL]/<entity>.EXT` (entity: `<account>.<role>`, `<account>.<boundary>`,
//!   `<namespace>.<app>`, `<access>`, `<cluster>`). A rendering that is only whitespace writes no
//!   file, so a template can skip entities (`{{#if (eq role.identity "irsa")}}…{{/if}}`).
//! * `_NAME.hbs` — a partial, used as `{{> NAME}}`.
//! * anything else (a README) is ignored.
//!
//! The context of each kind is built in [`context`] and documented in `docs/pipelines.md`; the
//! helpers are listed in [`helpers`]. Strict mode: a field that is not in the context is an
//! error (E501) naming the template, its line and column, and the entity; a template that does
//! not parse or is misnamed is E502. Like every emitter this one is pure: it reads no file. The
//! CLI reads the folder ([`TemplateSet::read`], in `src/cli/build.rs`) and passes its files in the
//! build options as data (name → text).

pub mod context;
pub mod helpers;

use handlebars::{Handlebars, RenderErrorReason};

use crate::diagnostics::{Code, Diag};
use crate::emit::layout::ArtifactPath;
use crate::emit::Artifact;
use crate::ir::Ir;
use crate::source::{display_name, Sources};

pub use context::Kind;

/// The largest template file accessc reads: 4 MiB.
pub const MAX_TEMPLATE_BYTES: u64 = 4 << 20;

/// The folder of rendered templates in the output.
pub const DIR: &str = crate::emit::layout::TEMPLATES;

/// A template folder, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateSet {
    /// The folder as given (for messages).
    pub dir: String,
    /// Its `*.hbs` files, sorted by name.
    pub files: Vec<TemplateFile>,
}

/// One `*.hbs` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateFile {
    /// File name.
    pub name: String,
    /// Text.
    pub text: String,
}

impl TemplateSet {
    /// The path of a template for messages: `DIR/NAME` (NAME in its display form).
    pub fn display(&self, name: &str) -> String {
        let name = display_name(name);
        if self.dir.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.dir.trim_end_matches('/'))
        }
    }
}

/// What a template's file name declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The entity kind.
    pub kind: Kind,
    /// `KIND[.LABEL]`: the output folder under `templates/`.
    pub stem: String,
    /// The extension of the rendered files.
    pub ext: String,
}

/// What a file name is: `Ok(None)` for a partial, `Ok(Some(_))` for a template.
pub fn declared(name: &str) -> Result<Option<Declared>, String> {
    let Some(base) = name.strip_suffix(".hbs") else {
        return Err("a template's name ends in `.hbs`".into());
    };
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if let Some(partial) = base.strip_prefix('_') {
        return if ok_part(partial) {
            Ok(None)
        } else {
            Err("a partial is named `_NAME.hbs` (letters, digits, `-`, `_`)".into())
        };
    }
    let parts: Vec<&str> = base.split('.').collect();
    let words = Kind::ALL.map(Kind::word).join(", ");
    if parts.len() < 2 || !parts.iter().all(|p| ok_part(p)) {
        return Err(format!(
            "a template is named `KIND[.LABEL].EXT.hbs` (KIND one of {words}; parts of letters, digits, `-`, `_`)"
        ));
    }
    let Some(kind) = Kind::ALL.into_iter().find(|k| k.word() == parts[0]) else {
        return Err(format!(
            "`{}` is not a kind of entity: a template's name starts with {words}",
            parts[0]
        ));
    };
    Ok(Some(Declared {
        kind,
        stem: parts[..parts.len() - 1].join("."),
        ext: parts[parts.len() - 1].to_string(),
    }))
}

fn e502(set: &TemplateSet, name: &str, at: Option<(usize, usize)>, message: &str) -> Diag {
    let place = match at {
        Some((line, col)) => format!("{}:{line}:{col}", set.display(name)),
        None => set.display(name),
    };
    Diag::new(Code::E502, format!("invalid template `{place}`: {message}")).help(format!(
        "template files are `KIND[.LABEL].EXT.hbs` (KIND one of {}) or partials `_NAME.hbs`, in handlebars syntax",
        Kind::ALL.map(Kind::word).join(", ")
    ))
}

/// Render every template of a set for every entity of its kind.
pub fn render(
    ir: &Ir,
    sources: &Sources,
    set: &TemplateSet,
    out: &mut Vec<Artifact>,
    diags: &mut Vec<Diag>,
) {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    helpers::register(&mut hb);
    let mut templates = Vec::new();
    for f in &set.files {
        let declared = match declared(&f.name) {
            Ok(d) => d,
            Err(m) => {
                diags.push(e502(set, &f.name, None, &m));
                continue;
            }
        };
        let registered = match &declared {
            None => {
                let partial = f.name.trim_start_matches('_').trim_end_matches(".hbs");
                hb.register_partial(partial, f.text.as_str())
            }
            Some(_) => hb.register_template_string(&f.name, f.text.as_str()),
        };
        match registered {
            Ok(()) => {
                if let Some(d) = declared {
                    templates.push((f.name.as_str(), d));
                }
            }
            Err(e) => diags.push(e502(set, &f.name, e.pos(), &e.reason().to_string())),
        }
    }
    for (name, d) in templates {
        for entity in context::entities(ir, sources, d.kind, name) {
            match hb.render(name, &entity.context) {
                Ok(text) => {
                    let text = text.trim_end();
                    if text.is_empty() {
                        continue;
                    }
                    out.push(Artifact {
                        path: ArtifactPath::Template {
                            folder: &d.stem,
                            entity: &entity.file,
                            ext: &d.ext,
                        }
                        .render(),
                        kind: "template",
                        cluster: None,
                        account: None,
                        sources: entity.spans,
                        contents: format!("{text}\n"),
                    });
                }
                Err(e) => {
                    let template = e.template_name.clone().unwrap_or_else(|| name.to_string());
                    let place = match (e.line_no, e.column_no) {
                        (Some(l), Some(c)) => format!("{}:{l}:{c}", set.display(&template)),
                        _ => set.display(&template),
                    };
                    let (what, help) = match e.reason() {
                        RenderErrorReason::MissingVariable(Some(path)) => (
                            format!("`{path}` is not in the {} context", d.kind.word()),
                            format!(
                                "check the spelling against the `{}` context in docs/pipelines.md; every field is always present (null when it does not apply)",
                                d.kind.word()
                            ),
                        ),
                        RenderErrorReason::MissingVariable(None) => (
                            "a value is not in the context".to_string(),
                            "check the spelling against the context in docs/pipelines.md".to_string(),
                        ),
                        other => (
                            other.to_string(),
                            "see docs/pipelines.md for the helpers and their parameters".to_string(),
                        ),
                    };
                    diags.push(
                        Diag::new(
                            Code::E501,
                            format!("template `{place}`: {what} (rendering {})", entity.what),
                        )
                        .help(help),
                    );
                    // One error per template: the others are usually the same.
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_declare_kind_stem_and_extension() {
        assert_eq!(
            declared("role.crossplane.yaml.hbs"),
            Ok(Some(Declared {
                kind: Kind::Role,
                stem: "role.crossplane".into(),
                ext: "yaml".into()
            }))
        );
        assert_eq!(
            declared("cluster.json.hbs"),
            Ok(Some(Declared {
                kind: Kind::Cluster,
                stem: "cluster".into(),
                ext: "json".into()
            }))
        );
        assert_eq!(declared("_meta.hbs"), Ok(None));
        assert!(declared("role.hbs").is_err());
        assert!(declared("widget.yaml.hbs").is_err());
        assert!(declared("role..yaml.hbs").is_err());
    }
}
