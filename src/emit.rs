//! Emitters: pure functions from the [`Ir`] to documents, custom [`templates`] included. Nothing
//! here touches the file system, and nothing here knows the writer, the stage after it: a build
//! streams artifacts to a sink whose receipt and error types are parameters of [`out`].
//!
//! Which file goes where in the output folder (the output layout) is [`layout`]'s: the
//! emitters name their artifacts with its typed [`layout::ArtifactPath`].
//!
//! Which files a build writes is chosen by [`target::Targets`] (`--target`), by the part of the
//! layout each lies in.

pub mod apply;
pub(crate) mod aws_auth;
pub(crate) mod eks;
pub(crate) mod gitops;
pub(crate) mod iam;
pub(crate) mod json;
pub(crate) mod k8s;
pub mod layout;
pub mod manifest;
pub mod out;
pub(crate) mod paths;
pub(crate) mod resource_policy;
pub mod target;
pub mod templates;
pub(crate) mod terraform;
pub(crate) mod yaml;

use crate::ast::Span;
use crate::diagnostics::Diag;
use crate::ir::Ir;
use crate::source::Sources;
use out::Out;

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// What it is, e.g. `iam-trust-policy`, `k8s-role`.
    pub kind: &'static str,
    /// The cluster it belongs to.
    pub cluster: Option<String>,
    /// The AWS account it belongs to.
    pub account: Option<String>,
    /// The declarations it came from.
    pub sources: Vec<Span>,
    /// The file's bytes.
    pub contents: String,
}

/// Every artifact of a program, sorted by path, with `manifest.json` last.
pub fn all(ir: &Ir, sources: &Sources) -> Result<Vec<Artifact>, Vec<Diag>> {
    with_options(ir, sources, &crate::Options::default())
}

/// The artifacts of the selected targets (and the templates, when given), sorted by path, with
/// `manifest.json` last. The emitters that can report an error always run.
pub fn with_options(
    ir: &Ir,
    sources: &Sources,
    options: &crate::Options,
) -> Result<Vec<Artifact>, Vec<Diag>> {
    let mut items = run(ir, sources, options, &out::Memory::new())?.into_items();
    items.retain(|a| options.targets.writes(&a.path));
    items.sort_by(|a, b| a.path.cmp(&b.path));
    // Every artifact is kept until the build ends: drop the slack of strings that grew.
    items.iter_mut().for_each(|a| a.contents.shrink_to_fit());
    let manifest = manifest::emit(ir, &items, sources);
    items.push(manifest);
    Ok(items)
}

/// Why streaming emission stopped (`E`: the sink's error).
#[derive(Debug)]
pub enum Failure<E> {
    /// The program has errors only emission finds (policy sizes, templates).
    Diags(Vec<Diag>),
    /// The sink (in a build or check, the writer) failed.
    Write(E),
}

/// Emit the selected targets into `sink` one artifact at a time (from several threads);
/// returns every artifact without its contents, with what the sink made of it (`T`), sorted by
/// path.
/// [`stream_manifest`] then adds `manifest.json` (it needs the clusters of the IR only, so a
/// caller can free the rest first).
pub fn stream<'s, T: Send + Sync, E: Send + Sync>(
    ir: &Ir,
    sources: &Sources,
    options: &'s crate::Options,
    sink: &'s out::Sink<'s, T, E>,
) -> Result<Vec<(Artifact, T)>, Failure<E>> {
    let (items, taken) = run(
        ir,
        sources,
        options,
        &Out::streaming(sink, &options.targets),
    )
    .map_err(Failure::Diags)?
    .finish()
    .map_err(Failure::Write)?;
    let mut done: Vec<(Artifact, T)> = items.into_iter().zip(taken).collect();
    done.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    Ok(done)
}

/// Hand `manifest.json` of the artifacts `done` (sorted by path) to `sink`, and add it to
/// them, last.
pub fn stream_manifest<'s, T: out::Receipt, E>(
    ir: &Ir,
    done: &mut Vec<(Artifact, T)>,
    sources: &Sources,
    options: &'s crate::Options,
    sink: &'s out::Sink<'s, T, E>,
) -> Result<(), E> {
    let manifest = manifest::emit_hashed(ir, done.iter().map(|(a, t)| (a, t.sha256())), sources);
    let mut last = Out::streaming(sink, &options.targets);
    last.push(manifest);
    let (m, t) = last.finish()?;
    done.extend(m.into_iter().zip(t));
    Ok(())
}

/// The emission itself, into `base`'s kind of [`Out`] (in memory, or streamed): every artifact
/// but the manifest, or the errors only emission finds.
fn run<'s, T: Send + Sync, E: Send + Sync>(
    ir: &Ir,
    sources: &Sources,
    options: &crate::Options,
    base: &Out<'s, T, E>,
) -> Result<Out<'s, T, E>, Vec<Diag>> {
    // The emitters are independent: each runs on a thread of its own (results in this order).
    // Those that can report an error (IAM policy sizes, templates) always run, so that a
    // selection never hides an error; the others only for the targets selected.
    use target::Target;
    let wants = |t: Target| options.targets.contains(t);
    type Job<'a, 's, T, E> = Box<dyn FnOnce() -> (Out<'s, T, E>, Vec<Diag>) + Send + 'a>;
    let mut jobs: Vec<Job<'_, 's, T, E>> = vec![Box::new(|| {
        let (mut out, mut diags) = (base.sibling(), Vec::new());
        iam::emit(ir, &mut out, &mut diags);
        if wants(Target::Aws) {
            resource_policy::emit(ir, &mut out);
            eks::emit(ir, &mut out);
        }
        (out, diags)
    })];
    if wants(Target::Kubernetes) {
        jobs.push(Box::new(|| {
            let mut out = base.sibling();
            k8s::emit(ir, sources, &mut out);
            aws_auth::emit(ir, sources, &mut out);
            (out, Vec::new())
        }));
    }
    if wants(Target::Apply) {
        jobs.push(Box::new(|| {
            let mut out = base.sibling();
            apply::emit(ir, &mut out);
            (out, Vec::new())
        }));
    }
    if wants(Target::Terraform) {
        jobs.push(Box::new(|| {
            let mut out = base.sibling();
            terraform::emit(ir, sources, &mut out);
            (out, Vec::new())
        }));
    }
    let mut out = base.sibling();
    let mut diags = Vec::new();
    let large = ir.roles.len() + ir.service_accounts.len() + ir.rbac.len() >= 64;
    for (o, d) in crate::par::all(large, jobs) {
        out.append(o);
        diags.extend(d);
    }
    // After every emitter of Kubernetes manifests: it lists them.
    if wants(Target::Gitops) {
        let kustomizations = gitops::emit(ir, sources, out.items());
        out.extend(kustomizations);
    }
    if let Some(set) = options
        .templates
        .as_ref()
        .filter(|_| options.targets.contains(target::Target::Templates))
    {
        let mut rendered = Vec::new();
        templates::render(ir, sources, set, &mut rendered, &mut diags);
        out.extend(rendered);
    }
    if !diags.is_empty() {
        crate::diagnostics::sort(&mut diags);
        return Err(diags);
    }
    Ok(out)
}
