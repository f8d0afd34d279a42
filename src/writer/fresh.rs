//! Knowing an output folder is up to date without compiling: the stamp (see [`super::stamp`])
//! also records a key of the inputs its files were made from — every source file's path and
//! text, the build options, and the accessc executable itself — and the warnings that compile
//! reported. When a later `check` or `build` has the same key, and every file of the output
//! still has the `stat` the stamp recorded, the output is what the compile would produce: it
//! reports the recorded warnings and stops (the way `make` and `ninja` skip a target whose
//! inputs did not change). Anything else — another key, one file touched, no stamp — compiles
//! as usual.
//!
//! Only a compile without errors whose every file the stamp covers records a key, so a stamp
//! with a key vouches for the whole output.

use sha2::{Digest, Sha256};

use super::stamp::Hash;
use crate::ast::{FileId, Span};
use crate::diagnostics::{Code, Diag, Severity};
use crate::source::Sources;
use crate::Options;

/// The key of a compile's inputs, `None` when the accessc executable cannot be identified
/// (then nothing is skipped).
pub fn inputs_key(sources: &Sources, options: &Options) -> Option<Hash> {
    inputs_key_for(&executable()?, sources, options)
}

/// What identifies the running executable: its path, size, modification time and inode. A
/// rebuilt or upgraded accessc (whose output or warnings may differ) has another one.
fn executable() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let stat = super::stamp::FileStat::of(&std::fs::metadata(&exe).ok()?)?;
    Some(format!(
        "{} {} {} {}.{} {}",
        env!("CARGO_PKG_VERSION"),
        exe.display(),
        stat.size,
        stat.mtime,
        stat.mtime_nsec,
        stat.ino
    ))
}

/// The key of a compile's inputs by the executable `exe`.
fn inputs_key_for(exe: &str, sources: &Sources, options: &Options) -> Option<Hash> {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(b"accessc-inputs 1");
    field(exe.as_bytes());
    for (_, file) in sources.iter() {
        field(file.path.as_bytes());
        field(file.name.as_bytes());
        field(&[u8::from(file.unparsed)]);
        field(file.text.as_bytes());
    }
    field(b"options");
    field(format!("{:?}", options.targets).as_bytes());
    // Not `previous_auth_modes`: they come from the output's manifest, which the fast path
    // only trusts when it is the one this compile wrote, and then they are this program's own
    // modes, which cannot conflict with it (E408). Keyed, they would send the first check
    // after every build (whose previous manifest is older) down the slow path.
    if let Some(set) = &options.templates {
        field(set.dir.as_bytes());
        for f in &set.files {
            field(f.name.as_bytes());
            field(f.text.as_bytes());
        }
    }
    let digest: [u8; 32] = h.finalize().into();
    Some(super::stamp::short(&digest))
}

/// The diagnostics of a compile as one line of JSON, for the stamp.
pub fn encode_diags(diags: &[Diag]) -> String {
    use serde_json::{json, Value};
    let span = |s: &Span| json!([s.file.0, s.start, s.end]);
    let list: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "code": d.code.as_str(),
                "error": d.is_error(),
                "message": d.message,
                "span": d.span.as_ref().map(span),
                "label": d.label,
                "help": d.help,
                "related": d
                    .related
                    .iter()
                    .map(|(s, l)| json!([s.file.0, s.start, s.end, l]))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Array(list).to_string()
}

/// The diagnostics [`encode_diags`] wrote, `None` when the text is not such a list or a span
/// does not fit `sources`.
pub fn decode_diags(text: &str, sources: &Sources) -> Option<Vec<Diag>> {
    use serde_json::Value;
    let span = |v: &Value| -> Option<Span> {
        let a = v.as_array()?;
        let n = |i: usize| -> Option<u32> { u32::try_from(a.get(i)?.as_u64()?).ok() };
        let (file, start, end) = (FileId(n(0)?), n(1)?, n(2)?);
        let text = &sources.get(file)?.text;
        (start <= end && end as usize <= text.len()).then_some(Span { file, start, end })
    };
    let string = |v: &Value| -> Option<Option<String>> {
        match v {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            _ => None,
        }
    };
    let list: Vec<Value> = serde_json::from_str(text).ok()?;
    list.iter()
        .map(|d| {
            let code: Code = d.get("code")?.as_str()?.parse().ok()?;
            let severity = if d.get("error")?.as_bool()? {
                Severity::Error
            } else {
                Severity::Warning
            };
            let related = d
                .get("related")?
                .as_array()?
                .iter()
                .map(|r| Some((span(r)?, r.get(3)?.as_str()?.to_string())))
                .collect::<Option<Vec<_>>>()?;
            Some(Diag {
                code,
                severity,
                message: d.get("message")?.as_str()?.to_string(),
                span: match d.get("span")? {
                    Value::Null => None,
                    v => Some(span(v)?),
                },
                label: string(d.get("label")?)?,
                help: string(d.get("help")?)?,
                related,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::target::{Target, Targets};

    fn program() -> Sources {
        let mut s = Sources::new();
        s.add("a.access", "cluster prod {}\n");
        s.add("b.access", "namespace shop {}\n");
        s
    }

    #[test]
    fn the_key_follows_every_input() {
        let base = inputs_key_for("exe 1", &program(), &Options::default()).unwrap();
        assert_eq!(
            inputs_key_for("exe 1", &program(), &Options::default()),
            Some(base)
        );
        // Another executable.
        assert_ne!(
            inputs_key_for("exe 2", &program(), &Options::default()),
            Some(base)
        );
        // One byte of one file.
        let mut edited = Sources::new();
        edited.add("a.access", "cluster prod {}\n");
        edited.add("b.access", "namespace shoq {}\n");
        assert_ne!(
            inputs_key_for("exe 1", &edited, &Options::default()),
            Some(base)
        );
        // A file renamed, with the same text.
        let mut renamed = Sources::new();
        renamed.add("a.access", "cluster prod {}\n");
        renamed.add("c.access", "namespace shop {}\n");
        assert_ne!(
            inputs_key_for("exe 1", &renamed, &Options::default()),
            Some(base)
        );
        // Text moved from one file to the next (length prefixes keep the fields apart).
        let mut moved = Sources::new();
        moved.add("a.access", "cluster prod {}\nn");
        moved.add("b.access", "amespace shop {}\n");
        assert_ne!(
            inputs_key_for("exe 1", &moved, &Options::default()),
            Some(base)
        );
        // Options: targets and templates.
        let aws = Options {
            targets: Targets::of([Target::Aws]),
            ..Options::default()
        };
        assert_ne!(inputs_key_for("exe 1", &program(), &aws), Some(base));
        let templates = Options {
            templates: Some(crate::emit::templates::TemplateSet::default()),
            ..Options::default()
        };
        assert_ne!(inputs_key_for("exe 1", &program(), &templates), Some(base));
        // The previous output's modes are not inputs (see `inputs_key_for`).
        let mut modes = Options::default();
        modes
            .previous_auth_modes
            .insert("prod".into(), crate::ir::AuthMode::Api);
        assert_eq!(inputs_key_for("exe 1", &program(), &modes), Some(base));
    }

    #[test]
    fn diagnostics_round_trip() {
        let sources = program();
        let diags = vec![
            Diag::new(Code::W001, "a \"quoted\"\nmessage")
                .at(Span::new(FileId(0), 0, 7))
                .label("here")
                .help("do this")
                .related(Span::new(FileId(1), 0, 9), "and there"),
            Diag::new(Code::E101, "no place"),
        ];
        let text = encode_diags(&diags);
        assert!(!text.contains('\n'), "one line: {text}");
        assert_eq!(decode_diags(&text, &sources), Some(diags));
        assert_eq!(decode_diags("[]", &sources), Some(Vec::new()));
    }

    #[test]
    fn diagnostics_that_do_not_fit_the_sources_are_refused() {
        let sources = program();
        let outside = encode_diags(&[Diag::new(Code::W001, "x").at(Span::new(FileId(0), 0, 99))]);
        assert_eq!(decode_diags(&outside, &sources), None);
        let no_file = encode_diags(&[Diag::new(Code::W001, "x").at(Span::new(FileId(7), 0, 1))]);
        assert_eq!(decode_diags(&no_file, &sources), None);
        assert_eq!(decode_diags("{}", &sources), None);
        assert_eq!(decode_diags("[{\"code\": \"Z999\"}]", &sources), None);
    }
}
