//! Emitters: pure functions from the [`Ir`] to documents. Nothing here touches the file system.
//!
//! Output layout (relative to the output folder):
//!
//! ```text
//! manifest.json
//! aws/<account>/roles/<role>/{trust-policy,policy,create-role,create-policy,attach-role-policy}.json
//! aws/<account>/boundaries/<boundary>/{boundary-policy,boundary.create-policy}.json
//! clusters/<cluster>/eks/pod-identity-associations/<ns>.<sa>.create-pod-identity-association.json
//! clusters/<cluster>/eks/create-cluster.json                 (accessConfig of `aws eks create-cluster`)
//! clusters/<cluster>/eks/access-entries/<access>.{create-access-entry,associate-access-policy}.json
//! clusters/<cluster>/kubernetes/kube-system/configmap-aws-auth.yaml
//! clusters/<cluster>/kubernetes/<ns>/<kind>-<name>.yaml
//! clusters/<cluster>/kubernetes/_cluster/<kind>-<name>.yaml
//! clusters/<cluster>/kubernetes/kustomization.yaml            (gitops: every manifest above)
//! terraform/<account>/*.tf.json                               (one Terraform root per account)
//! templates/<KIND[.LABEL]>/<entity>.<EXT>                     (--templates DIR)
//! ```
//!
//! Which of them a build writes is chosen by [`target::Targets`] (`--target`).

pub mod aws_auth;
pub mod eks;
pub mod gitops;
pub mod iam;
pub mod json;
pub mod k8s;
pub mod manifest;
pub mod out;
pub mod resource_policy;
pub mod target;
pub mod terraform;
pub mod yaml;

use crate::ast::Span;
use crate::diagnostics::Diag;
use crate::ir::Ir;
use crate::source::Sources;

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
/// `manifest.json` last. Every target is emitted (its errors reported) before the selection.
pub fn with_options(
    ir: &Ir,
    sources: &Sources,
    options: &crate::Options,
) -> Result<Vec<Artifact>, Vec<Diag>> {
    // The emitters are independent: each runs on a thread of its own (results in this order).
    // Those that can report an error (IAM policy sizes, templates) always run, so that a
    // selection never hides an error; the others only for the targets selected.
    use target::Target;
    let wants = |t: Target| options.targets.contains(t);
    type Job<'a> = Box<dyn FnOnce() -> (Vec<Artifact>, Vec<Diag>) + Send + 'a>;
    let mut jobs: Vec<Job<'_>> = vec![Box::new(|| {
        let (mut out, mut diags) = (Vec::new(), Vec::new());
        iam::emit(ir, &mut out, &mut diags);
        if wants(Target::Aws) {
            resource_policy::emit(ir, &mut out);
            eks::emit(ir, &mut out);
        }
        (out, diags)
    })];
    if wants(Target::Kubernetes) {
        jobs.push(Box::new(|| {
            let mut out = Vec::new();
            k8s::emit(ir, sources, &mut out);
            aws_auth::emit(ir, sources, &mut out);
            (out, Vec::new())
        }));
    }
    if wants(Target::Terraform) {
        jobs.push(Box::new(|| {
            let mut out = Vec::new();
            terraform::emit(ir, sources, &mut out);
            (out, Vec::new())
        }));
    }
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let large = ir.roles.len() + ir.service_accounts.len() + ir.rbac.len() >= 64;
    for (o, d) in crate::par::all(large, jobs) {
        out.extend(o);
        diags.extend(d);
    }
    // After every emitter of Kubernetes manifests: it lists them.
    if wants(Target::Gitops) {
        let kustomizations = gitops::emit(ir, sources, &out);
        out.extend(kustomizations);
    }
    if let Some(set) = options
        .templates
        .as_ref()
        .filter(|_| options.targets.contains(target::Target::Templates))
    {
        crate::templates::render(ir, sources, set, &mut out, &mut diags);
    }
    if !diags.is_empty() {
        crate::diagnostics::sort(&mut diags);
        return Err(diags);
    }
    out.retain(|a| options.targets.writes(&a.path));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    // Every artifact is kept until the build ends: drop the slack of strings that grew.
    out.iter_mut().for_each(|a| a.contents.shrink_to_fit());
    let manifest = manifest::emit(ir, &out, sources);
    out.push(manifest);
    Ok(out)
}
