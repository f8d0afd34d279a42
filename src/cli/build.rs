//! `accessc build` and `accessc check`: read the inputs, skip the compile when the stamp
//! vouches for them (src/writer/fresh.rs), else compile into a writer session, then report.

use std::path::PathBuf;

use super::{exit, input, print_diags, summary, Cli, ErrorFormat, OutputArgs};
use crate::diagnostics;

/// Report a file-system failure of `build` or `check` (exit 2); a build's previous output is
/// untouched by then.
fn write_failed(e: &crate::writer::WriteError, out: &std::path::Path, check_only: bool) -> u8 {
    eprintln!("error: {e}");
    if !check_only {
        eprintln!(
            "accessc: the previous output in {} is intact",
            out.display()
        );
    }
    exit::SYSTEM
}

/// What `build` and `check` learned before finishing the output.
enum Outcome {
    /// The inputs are the ones the stamp recorded and the output is untouched: nothing was
    /// compiled; the output's number of files.
    Fresh(usize),
    /// Compiled: every artifact and what the writer made of it (`None` with errors), and the
    /// writer's first failure.
    Compiled(
        Option<Vec<(crate::emit::Artifact, crate::writer::Taken)>>,
        Option<crate::writer::WriteError>,
    ),
}

/// `accessc build` (`check_only`: `accessc check`); the exit code.
pub fn run(
    ctx: &crate::Context,
    cli: &Cli,
    paths: &[PathBuf],
    out: &std::path::Path,
    outputs: &OutputArgs,
    check_only: bool,
) -> u8 {
    let (sources, read_diags) = match input::load(paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SYSTEM;
        }
    };
    // The previous output's manifest records each cluster's authentication mode (E408).
    let mut options = crate::writer::read_manifest_head(out)
        .map(|m| crate::Options::from_manifest(&m))
        .unwrap_or_default();
    if !outputs.targets.is_empty() {
        options.targets = crate::emit::target::Targets::of(outputs.targets.iter().copied());
    }
    if outputs.templates.is_none()
        && outputs
            .targets
            .contains(&crate::emit::target::Target::Templates)
    {
        eprintln!("note: --target templates renders nothing without --templates DIR");
    }
    if let Some(dir) = &outputs.templates {
        match crate::templates::TemplateSet::read(dir) {
            Ok(set) => options.templates = Some(set),
            Err(e) => {
                eprintln!("error: --templates: {e}");
                return exit::SYSTEM;
            }
        }
    }
    // Artifacts go to the writer as they are made: compared with the output folder (and, in a
    // build, staged) at once. Nothing is swapped in unless the whole program compiles.
    let mode = if check_only {
        crate::writer::Mode::Check
    } else {
        crate::writer::Mode::Build
    };
    let mut session = match crate::writer::Session::open(out, mode) {
        Ok(s) => s,
        Err(e) => {
            return write_failed(&e, out, check_only);
        }
    };
    // Inputs unchanged since the stamp recorded them, and the output untouched: nothing to
    // compile (src/writer/fresh.rs).
    let key = crate::writer::fresh::inputs_key(&sources, &options);
    let fresh = key.as_ref().and_then(|k| {
        let (files, diags) = session.fresh(k)?;
        Some((files, crate::writer::fresh::decode_diags(&diags, &sources)?))
    });
    let (mut diags, outcome) = match fresh {
        Some((files, diags)) => (diags, Outcome::Fresh(files)),
        None => {
            let sink = |a: &crate::emit::Artifact| session.take(&a.path, a.contents.as_bytes());
            let compiled = crate::compile_into(ctx, &sources, &options, &sink);
            (
                compiled.diags,
                Outcome::Compiled(compiled.done, compiled.write_error),
            )
        }
    };
    diags.extend(read_diags);
    diagnostics::sort(&mut diags);
    print_diags(cli, &diags, &sources);
    let has_errors = diagnostics::has_errors(&diags);
    let has_warnings = diags.iter().any(|d| !d.is_error());
    if let Some(s) = summary(&diags) {
        if cli.error_format != ErrorFormat::Json {
            eprintln!("{s}");
        }
    }
    if let Outcome::Compiled(_, Some(e)) = &outcome {
        return write_failed(e, out, check_only);
    }
    if has_errors || matches!(outcome, Outcome::Compiled(None, _)) {
        eprintln!("accessc: nothing written: the input has errors");
        return exit::INPUT;
    }
    if cli.deny_warnings && has_warnings {
        eprintln!("accessc: nothing written: warnings are denied (--deny-warnings)");
        return exit::INPUT;
    }
    let fresh = matches!(outcome, Outcome::Fresh(_));
    let (files, changes) = match outcome {
        Outcome::Fresh(files) => (
            files,
            crate::writer::Changes {
                unchanged: files,
                ..Default::default()
            },
        ),
        Outcome::Compiled(done, _) => {
            let done = done.unwrap_or_default();
            if let Some(k) = key {
                session.set_inputs(k, crate::writer::fresh::encode_diags(&diags));
            }
            let files = done.len();
            let taken: Vec<(String, crate::writer::Taken)> =
                done.into_iter().map(|(a, t)| (a.path, t)).collect();
            match session.finish(taken) {
                Ok(c) => (files, c),
                Err(e) => {
                    return write_failed(&e, out, check_only);
                }
            }
        }
    };
    report(out, check_only, files, &changes, fresh)
}

/// Name the files in `out` accessc did not write that a deployment tool may read (`build`
/// writes nothing and `check` fails while there are any).
fn list_foreign(out: &std::path::Path, changes: &crate::writer::Changes) {
    use crate::writer::paths::shown;
    let mut lines = String::new();
    for p in &changes.foreign {
        lines.push_str(&format!(
            "foreign: {}\n",
            shown(&out.join(p).to_string_lossy())
        ));
    }
    super::stdout::print(&lines);
    eprintln!(
        "{} holds {} file(s) accessc did not write that Terraform, kubectl, kustomize or another \
         tool may apply with it: move them out of the output folder or remove them (a README, \
         Markdown files, .gitkeep, .keep, .gitignore and .gitattributes may stay; run Terraform \
         on a copy of its root, since `terraform init` and `plan -out` write there)",
        out.display(),
        changes.foreign.len()
    );
}

/// Print what a finished `build` or `check` found (`fresh`: nothing was compiled); the exit
/// code.
fn report(
    out: &std::path::Path,
    check_only: bool,
    files: usize,
    changes: &crate::writer::Changes,
    fresh: bool,
) -> u8 {
    if !check_only && !changes.foreign.is_empty() {
        list_foreign(out, changes);
        eprintln!("accessc: nothing written");
        return exit::INPUT;
    }
    let unchanged_inputs = if fresh {
        "; inputs unchanged since the last run"
    } else {
        ""
    };
    if check_only {
        if changes.is_empty() {
            eprintln!(
                "{}: up to date ({files} files{unchanged_inputs})",
                out.display()
            );
            return exit::OK;
        }
        let mut lines = String::new();
        for (word, paths) in [
            ("missing:", &changes.added),
            ("stale:  ", &changes.changed),
            ("extra:  ", &changes.removed),
        ] {
            for p in paths {
                lines.push_str(&format!("{word} {}\n", out.join(p).display()));
            }
        }
        super::stdout::print(&lines);
        if !changes.foreign.is_empty() {
            list_foreign(out, changes);
        }
        if !(changes.added.is_empty() && changes.changed.is_empty() && changes.removed.is_empty()) {
            eprintln!(
                "{} is out of date: {} missing, {} stale, {} no longer produced; run `accessc build` and commit the result",
                out.display(),
                changes.added.len(),
                changes.changed.len(),
                changes.removed.len()
            );
        }
        return exit::INPUT;
    }
    eprintln!(
        "{}: {} written, {} removed, {} unchanged{}",
        out.display(),
        changes.added.len() + changes.changed.len(),
        changes.removed.len(),
        changes.unchanged,
        if fresh {
            " (inputs unchanged since the last run)"
        } else {
            ""
        }
    );
    if let Some(leftover) = &changes.leftover {
        eprintln!("warning: {leftover}");
    }
    exit::OK
}

/// Reading a template folder for `--templates DIR` (emission itself reads no file).
impl crate::emit::templates::TemplateSet {
    /// Read every `*.hbs` file directly in `dir`. A `*.hbs` entry that is a symbolic link to a
    /// path outside `dir`, that is not a regular file (a FIFO, a device) or that is larger than
    /// [`MAX_TEMPLATE_BYTES`](crate::emit::templates::MAX_TEMPLATE_BYTES) is refused:
    /// templates render into the output that is committed.
    pub fn read(dir: &std::path::Path) -> Result<crate::emit::templates::TemplateSet, String> {
        use crate::emit::templates::{Kind, TemplateFile, TemplateSet, MAX_TEMPLATE_BYTES};
        use crate::source::display_name;
        use std::path::Path;
        let shown = |p: &Path| display_name(&p.display().to_string()).into_owned();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read the template folder `{}`: {e}", shown(dir)))?;
        let base = std::fs::canonicalize(dir)
            .map_err(|e| format!("cannot read the template folder `{}`: {e}", shown(dir)))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry
                .map_err(|e| format!("cannot read the template folder `{}`: {e}", shown(dir)))?;
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !name.ends_with(".hbs") || path.is_dir() {
                continue;
            }
            let target = std::fs::canonicalize(&path)
                .map_err(|e| format!("cannot read template `{}`: {e}", shown(&path)))?;
            if !target.starts_with(&base) {
                return Err(format!(
                    "template `{}` is a symbolic link to a path outside `{}`; accessc reads only templates inside the template folder",
                    shown(&path),
                    shown(dir)
                ));
            }
            let bytes = input::read_capped(&path, MAX_TEMPLATE_BYTES, "template")?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("cannot read template `{}`: not valid UTF-8", shown(&path)))?;
            files.push(TemplateFile {
                name: name.to_string(),
                text,
            });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        if !files.iter().any(|f| !f.name.starts_with('_')) {
            return Err(format!(
                "`{}` has no templates (`KIND[.LABEL].EXT.hbs`, KIND one of {})",
                shown(dir),
                Kind::ALL.map(Kind::word).join(", ")
            ));
        }
        Ok(TemplateSet {
            dir: shown(dir),
            files,
        })
    }
}
