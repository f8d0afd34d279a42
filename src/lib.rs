//! accessc: a policy-as-code compiler for EKS IAM and Kubernetes RBAC.
//!
//! The pipeline runs in one direction: source text → `syntax` (pest) → [`ast`] with spans →
//! `expand` (packs) → `check` (resolve and type-check) → `lower` → [`ir`] → [`lint`] passes →
//! [`emit`] (pure emitters) → [`writer`] (writes the output folder). [`compile`] chains the pure
//! stages; [`Context`] carries what a compile may keep between compiles (memos, threads).
//!
//! The commands live in `cli` ([`run_cli`]): arguments, reading the inputs (files, standard
//! input, the environment), printing and exit codes. The modules beside the pipeline ([`fmt`],
//! [`lint`], [`diff`], [`who_can`], [`explain`], [`import`], [`report`]) return data. Only `cli` and the
//! writer touch the file system, read the environment or print (tests/architecture.rs checks it,
//! and that the top-level modules import each other in one direction).
//!
//! The public API is this facade: the compile functions and [`Options`], [`Context`], the inputs
//! ([`source`], [`load_inputs`]), the syntax tree and IR types ([`ast`], [`ir`]), [`diagnostics`],
//! the artifacts and output layout ([`emit`], [`writer`]), [`templates`], the IAM [`catalog`],
//! and the review tools ([`fmt`], [`diff`], [`who_can`], [`explain`], [`import`], [`lint`]).
//! The stages themselves (`syntax`, `expand`, `check`, `lower`) and the helpers (`par`, `hash`,
//! `kube`, `suggest`) are the crate's own.

pub mod ast;
pub mod catalog;
pub(crate) mod check;
pub(crate) mod cli;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub(crate) mod expand;
pub mod explain;
pub mod fmt;
pub mod graph;
pub(crate) mod hash;
pub(crate) mod ide;
/// The editor's program, compiled incrementally (what `accessc lsp` holds).
pub use ide::workspace;
pub mod import;
pub mod ir;
pub(crate) mod kube;
pub mod lint;
pub(crate) mod lower;
pub mod packs;
pub(crate) mod par;
pub mod report;
pub mod source;
pub(crate) mod suggest;
pub(crate) mod syntax;
/// Read the `.access` files of paths (files, folders) as the command line does.
pub use cli::input::{load as load_inputs, InputError, MAX_INPUT_BYTES};
/// The command line, as the `accessc` binary runs it (`src/main.rs`): reads the arguments, runs
/// the command and returns its exit code; `release_memory` gives freed memory back to the system
/// where a large build has just freed much of it (see [`Context`]).
pub use cli::main as run_cli;
/// Custom templates: an emitter (`emit::templates`), also reachable here for embedders.
pub use emit::templates;
pub mod who_can;
pub mod writer;

use std::collections::BTreeMap;

use diagnostics::Diag;
use emit::Artifact;
use source::Sources;

/// What a compile runs with beyond its sources and options, made by the caller (the command
/// line, an embedder) and handed to every compile it runs: how many threads the parallel
/// stages use, how to give freed memory back to the system, and the checker's memos.
///
/// The memos live as long as the context: a caller that compiles often (an editor server)
/// keeps one context and its memos stay warm; two contexts share nothing (but the embedded
/// IAM catalog, [`catalog::catalog`], which never changes). [`compile`] and [`compile_with`]
/// make a fresh one per call.
#[derive(Debug)]
pub struct Context {
    threads: usize,
    release_memory: Option<fn()>,
    memos: check::Memos,
}

impl Default for Context {
    fn default() -> Context {
        Context::new()
    }
}

impl Context {
    /// A context that uses every core (at most 16 threads), releases no memory and has empty
    /// memos.
    pub fn new() -> Context {
        Context {
            threads: par::available(),
            release_memory: None,
            memos: check::Memos::default(),
        }
    }

    /// Use at most `n` threads (1 turns parallelism off; at most 16): the command line's
    /// `ACCESSC_THREADS`.
    #[must_use]
    pub fn with_threads(mut self, n: usize) -> Context {
        self.threads = n.clamp(1, par::MAX_THREADS);
        self
    }

    /// Give the program's allocator a way to return freed memory to the system; called where
    /// a compile has just freed a large part of its memory (the syntax tree, the IR). The
    /// binary gives mimalloc's `mi_collect` (src/main.rs).
    #[must_use]
    pub fn with_release_memory(mut self, f: fn()) -> Context {
        self.release_memory = Some(f);
        self
    }

    /// How many threads the parallel stages use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Run `f` with this context's thread count for every parallel stage it reaches
    /// ([`par::with_threads`]): the compile functions do, and so does the command line around
    /// the writer's work.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        par::with_threads(self.threads, f)
    }

    fn release_memory(&self) {
        if let Some(f) = self.release_memory {
            f();
        }
    }
}

/// What a build knows beyond its sources.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Each cluster's EKS authentication mode as the previous output recorded it (its
    /// `manifest.json`), to reject mode changes EKS cannot make (E408).
    pub previous_auth_modes: BTreeMap<String, ir::AuthMode>,
    /// Which outputs to write (`--target`; default: all). Every target is still compiled and
    /// checked; the others are not written.
    pub targets: emit::target::Targets,
    /// The custom templates (`--templates DIR`), already read; rendered when the `templates`
    /// target is selected.
    pub templates: Option<templates::TemplateSet>,
}

impl Options {
    /// The options a previous output's manifest gives (clusters with an unknown mode are
    /// skipped).
    pub fn from_manifest(manifest: &emit::manifest::Manifest) -> Options {
        Options {
            previous_auth_modes: manifest
                .clusters
                .iter()
                .filter_map(|(name, c)| {
                    ir::AuthMode::from_eks_value(&c.authentication_mode).map(|m| (name.clone(), m))
                })
                .collect(),
            ..Options::default()
        }
    }
}

/// The result of compiling a program.
#[derive(Debug)]
pub struct Compiled {
    /// The artifacts; `None` when there are errors.
    pub artifacts: Option<Vec<Artifact>>,
    /// The IR; `None` when there are errors.
    pub ir: Option<ir::Ir>,
    /// Every diagnostic, sorted.
    pub diags: Vec<Diag>,
}

/// Parse every file of a program (large programs on several threads, one run of files each),
/// then expand its packs ([`expand`]).
pub fn parse(sources: &Sources) -> (ast::Program, Vec<Diag>) {
    let files: Vec<_> = sources.iter().collect();
    let parsed = par::map(
        &files,
        |(_, file)| file.text.len(),
        256 * 1024,
        |&(id, file)| parse_one(id, file),
    );
    assemble(parsed)
}

/// The program of files parsed on their own (each file's declarations and syntax diagnostics,
/// in file order), with its packs expanded: the second half of [`parse`], which the editor's
/// workspace ([`ide::workspace`]) runs over the files it keeps parsed.
pub(crate) fn assemble(
    parsed: impl IntoIterator<Item = (Vec<ast::Decl>, Vec<Diag>)>,
) -> (ast::Program, Vec<Diag>) {
    let mut program = ast::Program::default();
    let mut diags = Vec::new();
    for (decls, d) in parsed {
        program.decls.extend(decls);
        diags.extend(d);
    }
    // Packs are expanded once every file is parsed (a pack may be declared in any of them);
    // after a syntax error the program stops here anyway.
    if !diagnostics::has_errors(&diags) {
        add_builtin_packs(&mut program, &mut diags);
        expand::expand(&mut program, &mut diags);
    }
    (program, diags)
}

/// Add the built-in packs ([`packs`]) the program uses and does not declare itself, and those
/// they use, each parsed once.
fn add_builtin_packs(program: &mut ast::Program, diags: &mut Vec<Diag>) {
    use std::collections::BTreeSet;
    fn uses(decl: &ast::Decl) -> &[ast::Use] {
        match decl {
            ast::Decl::App(a) => &a.body.uses,
            ast::Decl::Role(r) => &r.body.uses,
            ast::Decl::Pack(p) => &p.body.uses,
            _ => &[],
        }
    }
    let mut declared: BTreeSet<String> = program
        .decls
        .iter()
        .filter_map(|d| match d {
            ast::Decl::Pack(p) => Some(p.name.node.clone()),
            _ => None,
        })
        .collect();
    let mut wanted: Vec<String> = program
        .decls
        .iter()
        .flat_map(|d| uses(d).iter().map(|u| u.pack.node.clone()))
        .collect();
    while let Some(name) = wanted.pop() {
        if declared.contains(&name) {
            continue;
        }
        let Some(id) = packs::file_id(&name) else {
            continue;
        };
        let Some((file, _)) = source::builtin_pack(id) else {
            continue;
        };
        declared.insert(name);
        let (decls, d) = parse_one(id, file);
        diags.extend(d);
        for decl in decls {
            wanted.extend(uses(&decl).iter().map(|u| u.pack.node.clone()));
            program.decls.push(decl);
        }
    }
}

pub(crate) fn parse_one(id: ast::FileId, file: &source::SourceFile) -> (Vec<ast::Decl>, Vec<Diag>) {
    if file.unparsed {
        // The text was decoded lossily: the first replacement character is where the
        // invalid bytes start (everything before it is unchanged).
        let at = file.text.find('\u{fffd}').unwrap_or(0);
        let diag = Diag::new(
            diagnostics::Code::E002,
            format!("`{}` is not valid UTF-8", file.path),
        )
        .at(ast::Span::new(
            id,
            at,
            at + '\u{fffd}'.len_utf8().min(file.text.len() - at),
        ))
        .label("invalid bytes")
        .help("save the file as UTF-8");
        return (Vec::new(), vec![diag]);
    }
    syntax::parse_file(id, &file.text)
}

/// Compile a program: parse, check, emit. Pure: no I/O. With a fresh [`Context`].
pub fn compile(sources: &Sources) -> Compiled {
    compile_with(sources, &Options::default())
}

/// Compile a program with build options. Pure: the caller reads the previous output. With a
/// fresh [`Context`].
pub fn compile_with(sources: &Sources, options: &Options) -> Compiled {
    compile_in(&Context::new(), sources, options)
}

/// Compile a program with build options in a context. Pure: the caller reads the previous
/// output.
pub fn compile_in(ctx: &Context, sources: &Sources, options: &Options) -> Compiled {
    ctx.run(|| compile_now(ctx, sources, options))
}

fn compile_now(ctx: &Context, sources: &Sources, options: &Options) -> Compiled {
    let (ir, mut diags) = front(ctx, sources, options);
    let artifacts = match &ir {
        Some(ir) => match emit::with_options(ir, sources, options) {
            Ok(a) => Some(a),
            Err(d) => {
                emission_failed(&mut diags, d);
                None
            }
        },
        None => None,
    };
    diagnostics::sort(&mut diags);
    let ok = !diagnostics::has_errors(&diags);
    Compiled {
        artifacts: if ok { artifacts } else { None },
        ir: if ok { ir } else { None },
        diags,
    }
}

/// The result of [`compile_into`].
#[derive(Debug)]
pub struct Streamed {
    /// Every artifact (without its contents) and what the sink made of it, sorted by path with
    /// `manifest.json` last; `None` when there are errors or the sink failed.
    pub done: Option<Vec<(Artifact, writer::Taken)>>,
    /// Every diagnostic, sorted.
    pub diags: Vec<Diag>,
    /// The sink's first failure.
    pub write_error: Option<writer::WriteError>,
}

/// Compile a program, handing each artifact to `sink` as soon as it is made (from several
/// threads), for `build` and `check`: a large program's output is never all in memory. With
/// errors, some artifacts may have reached the sink already; the caller discards them.
pub fn compile_into<'s>(
    ctx: &Context,
    sources: &Sources,
    options: &'s Options,
    sink: &'s emit::out::Sink<'s, writer::Taken, writer::WriteError>,
) -> Streamed {
    ctx.run(|| compile_into_now(ctx, sources, options, sink))
}

fn compile_into_now<'s>(
    ctx: &Context,
    sources: &Sources,
    options: &'s Options,
    sink: &'s emit::out::Sink<'s, writer::Taken, writer::WriteError>,
) -> Streamed {
    let (ir, mut diags) = front(ctx, sources, options);
    let mut streamed = Streamed {
        done: None,
        diags: Vec::new(),
        write_error: None,
    };
    if let Some(mut ir) = ir {
        match emit::stream(&ir, sources, options, sink) {
            Ok(mut done) => {
                // The manifest needs the clusters only: free the rest of the IR first (at
                // 10,000 apps it is larger than the manifest's text).
                let clusters = ir::Ir {
                    clusters: std::mem::take(&mut ir.clusters),
                    ..ir::Ir::default()
                };
                let ir::Ir { roles, rbac, .. } = ir;
                par::drop_vec(roles);
                par::drop_vec(rbac);
                ctx.release_memory();
                match emit::stream_manifest(&clusters, &mut done, sources, options, sink) {
                    Ok(()) => streamed.done = Some(done),
                    Err(e) => streamed.write_error = Some(e),
                }
            }
            Err(emit::Failure::Diags(d)) => emission_failed(&mut diags, d),
            Err(emit::Failure::Write(e)) => streamed.write_error = Some(e),
        }
    }
    diagnostics::sort(&mut diags);
    if diagnostics::has_errors(&diags) {
        streamed.done = None;
    }
    streamed.diags = diags;
    streamed
}

/// Parse, check and lint: the IR when there is no error, and the diagnostics.
fn front(ctx: &Context, sources: &Sources, options: &Options) -> (Option<ir::Ir>, Vec<Diag>) {
    let (program, mut diags) = parse(sources);
    if diagnostics::has_errors(&diags) {
        return (None, diags);
    }
    let (ir, check_diags) = check_and_lower_now(ctx, &program, options);
    diags.extend(check_diags);
    // Lints and suppressions need the syntax tree, the emitters do not: finish with it first
    // and free it (a large program's tree is as big as its emitted files).
    lint::finish(sources, &program, ir.as_ref(), &mut diags);
    par::drop_vec(program.decls);
    ctx.release_memory();
    if diagnostics::has_errors(&diags) {
        return (None, diags);
    }
    (ir, diags)
}

/// Check and lower a program, then lint the rules the checker checked: the IR when there is no
/// error, and the diagnostics, sorted. With a fresh [`Context`].
pub fn check_and_lower(program: &ast::Program, options: &Options) -> (Option<ir::Ir>, Vec<Diag>) {
    check_and_lower_in(&Context::new(), program, options)
}

/// [`check_and_lower`] in a context.
pub fn check_and_lower_in(
    ctx: &Context,
    program: &ast::Program,
    options: &Options,
) -> (Option<ir::Ir>, Vec<Diag>) {
    ctx.run(|| check_and_lower_now(ctx, program, options))
}

fn check_and_lower_now(
    ctx: &Context,
    program: &ast::Program,
    options: &Options,
) -> (Option<ir::Ir>, Vec<Diag>) {
    let mut diags = Vec::new();
    let checked = check::check(program, &ctx.memos, &mut diags);
    let lowered = lower::lower(checked, options, &ctx.memos, &mut diags);
    // The checks that read the lowered IR.
    check::boundary::check(&lowered.ir, &mut diags);
    check::resources::check_admitted(&lowered.ir, &mut diags);
    lint::rbac::check_rules(&lowered.rules, &mut diags);
    diagnostics::sort(&mut diags);
    if diagnostics::has_errors(&diags) {
        (None, diags)
    } else {
        (Some(lowered.ir), diags)
    }
}

/// Errors only emission finds (policy sizes, templates) join the others. As when suppressions
/// are checked after errors, unused suppressions are not reported beside them.
fn emission_failed(diags: &mut Vec<Diag>, found: Vec<Diag>) {
    diags.retain(|x| x.code != diagnostics::Code::W002);
    diags.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context's memos serve its compiles and no other context's.
    #[test]
    fn contexts_keep_their_own_memos() {
        let mut sources = Sources::new();
        sources.add(
            "platform/cluster.access",
            include_str!("../examples/quickstart/platform/cluster.access"),
        );
        sources.add(
            "payments/ledger.access",
            include_str!("../examples/quickstart/payments/ledger.access"),
        );
        sources.add(
            "ops/tools.access",
            include_str!("../examples/quickstart/ops/tools.access"),
        );
        let (a, b) = (Context::new().with_threads(1), Context::new());
        let first = compile_in(&a, &sources, &Options::default());
        assert!(first.artifacts.is_some(), "{:?}", first.diags);
        let (allows, rules) = (a.memos.allows.len(), a.memos.rules.len());
        assert!(allows > 0 && rules > 0, "{allows} {rules}");
        assert_eq!(b.memos.allows.len() + b.memos.rules.len(), 0);
        // The second compile in `a` finds its answers there and gives the same output.
        let again = compile_in(&a, &sources, &Options::default());
        assert_eq!(
            format!("{:?}", first.artifacts),
            format!("{:?}", again.artifacts)
        );
        assert_eq!((a.memos.allows.len(), a.memos.rules.len()), (allows, rules));
    }
}
