//! Lint: the best-practice rules beyond type-checking, and their reports.
//!
//! * [`registry`]: every rule (code, name, default level, rationale, example, fix); the source
//!   of `docs/rules.md` and of SARIF's rule metadata.
//! * [`rbac`]: Kubernetes RBAC escalation paths (W302–W314): those of a rule alone are warned for
//!   every rule the checker checked ([`rbac::check_rules`], a pass after lowering), those that depend on where the block applies
//!   after checking ([`rbac::check_program`]).
//! * [`access`]: cluster-access escalation (W403) of `access` declarations.
//! * [`iam`]: IAM escalation paths within one workload role (W205–W207), on the compiled IR.
//! * [`suppress`]: `# accessc: allow CODE "reason"` on the line before a declaration.
//! * [`finish`] runs after checking in [`crate::compile_with`]: the program-wide escalations
//!   ([`escalations`]), then suppressions; so `build`, `check` and `lint` agree on the warnings.
//! * [`analyze`] is `accessc lint`'s view: the compiler's diagnostics, the suppressed warnings
//!   (with their reasons) and notes for what `unsafe "reason"` accepted; [`render`] (and
//!   [`sarif`]) write it as text, JSON or SARIF, which src/cli/lint.rs prints.

pub(crate) mod access;
pub(crate) mod iam;
pub(crate) mod rbac;
pub mod registry;
pub(crate) mod render;
pub mod sarif;
pub(crate) mod suppress;

use crate::ast::{Program, Span};
use crate::diagnostics::{self, Code, Diag, Severity};
use crate::ir::Ir;
use crate::source::Sources;

pub use registry::Level;

/// The lint steps of a compilation, after checking and emitting: the escalation warnings of the
/// whole program, then suppressions (removing the suppressed warnings, adding W001/W002).
pub fn finish(sources: &Sources, program: &Program, ir: Option<&Ir>, diags: &mut Vec<Diag>) {
    if let Some(ir) = ir {
        escalations(program, ir, diags);
    }
    suppress::apply(sources, program, diags);
}

/// The warnings that need the checked program: IAM escalations within a role, RBAC rules by
/// where their blocks apply, cluster-access escalations.
pub fn escalations(program: &Program, ir: &Ir, diags: &mut Vec<Diag>) {
    iam::check(ir, diags);
    iam::boundaries(program, ir, diags);
    rbac::check_program(program, ir, diags);
    access::check(program, diags);
}

/// One finding of `accessc lint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub code: Code,
    /// Its level here.
    pub level: Level,
    /// One line.
    pub message: String,
    /// Where.
    pub span: Option<Span>,
    /// Text under the span.
    pub label: Option<String>,
    /// Advice.
    pub help: Option<String>,
    /// Other places.
    pub related: Vec<(Span, String)>,
    /// The reason of the suppression that hides it, if one does.
    pub suppressed: Option<String>,
}

impl Finding {
    /// The finding of a diagnostic (`suppressed`: the reason of the suppression that hides it).
    pub fn from_diag(d: Diag, suppressed: Option<String>) -> Finding {
        Finding {
            code: d.code,
            level: match d.severity {
                Severity::Error => Level::Error,
                Severity::Warning => Level::Warning,
            },
            message: d.message,
            span: d.span,
            label: d.label,
            help: d.help,
            related: d.related,
            suppressed,
        }
    }
}

/// What `accessc lint` found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings sorted by place, then code.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Findings that are not suppressed, at a level.
    pub fn count(&self, level: Level) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == level && f.suppressed.is_none())
            .count()
    }
    /// Suppressed findings.
    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count()
    }
}

/// Lint a program: compile it, and add the suppressed warnings and the accepted (`unsafe`)
/// findings.
pub fn analyze(sources: &Sources, options: &crate::Options) -> Report {
    analyze_in(&crate::Context::new(), sources, options)
}

/// [`analyze`] in a context (the command line's: its thread count and memos).
pub fn analyze_in(ctx: &crate::Context, sources: &Sources, options: &crate::Options) -> Report {
    analyze_with_ir(ctx, sources, options).0
}

/// [`analyze_in`], and the program's IR when it has no errors (`accessc report` shows both),
/// in one pass: the program is parsed and checked once (the findings are those of
/// [`analyze_in`]: the compile's diagnostics, emission's included, then the suppressed ones
/// and the notes).
pub fn analyze_with_ir(
    ctx: &crate::Context,
    sources: &Sources,
    options: &crate::Options,
) -> (Report, Option<Ir>) {
    ctx.run(|| analyze_now(ctx, sources, options))
}

fn analyze_now(
    ctx: &crate::Context,
    sources: &Sources,
    options: &crate::Options,
) -> (Report, Option<Ir>) {
    let (program, parse_diags) = crate::parse(sources);
    if diagnostics::has_errors(&parse_diags) {
        let mut diags = parse_diags;
        diagnostics::sort(&mut diags);
        let findings = diags
            .into_iter()
            .map(|d| Finding::from_diag(d, None))
            .collect();
        return (Report { findings }, None);
    }
    let (ir, mut raw) = crate::check_and_lower_in(ctx, &program, options);
    // What a compile reports: the checker's, the lints, the suppressions applied.
    let mut diags = parse_diags;
    diags.extend(raw.iter().cloned());
    finish(sources, &program, ir.as_ref(), &mut diags);
    if let Some(ir) = ir.as_ref().filter(|_| !diagnostics::has_errors(&diags)) {
        // Emission finds errors of its own (policy sizes, templates); its output is dropped.
        let discard = |_: &crate::emit::Artifact| Ok::<(), ()>(());
        if let Err(crate::emit::Failure::Diags(found)) =
            crate::emit::stream(ir, sources, options, &discard)
        {
            diags.retain(|x| x.code != Code::W002);
            diags.extend(found);
        }
    }
    diagnostics::sort(&mut diags);
    let ok = !diagnostics::has_errors(&diags);
    let mut findings: Vec<Finding> = diags
        .into_iter()
        .map(|d| Finding::from_diag(d, None))
        .collect();
    {
        if let Some(ir) = &ir {
            escalations(&program, ir, &mut raw);
        }
        for s in suppress::partition(sources, &program, &raw) {
            findings.push(Finding::from_diag(s.diag, Some(s.reason)));
        }
        for (h, reason) in rbac::notes(&program, ir.as_ref()) {
            findings.push(Finding {
                code: h.code,
                level: Level::Note,
                message: h.message,
                span: Some(h.span),
                label: Some("accepted with `unsafe`".into()),
                help: Some(format!("accepted: unsafe \"{reason}\"")),
                related: Vec::new(),
                suppressed: None,
            });
        }
        for w in iam::notes(&program) {
            findings.push(Finding {
                code: Code::E202,
                level: Level::Note,
                message: w.message,
                span: Some(w.span),
                label: Some("accepted with `unsafe`".into()),
                help: Some(format!("accepted: unsafe \"{}\"", w.reason)),
                related: Vec::new(),
                suppressed: None,
            });
        }
    }
    findings.sort_by(|a, b| {
        (
            a.span.map(|s| (s.file, s.start, s.end)),
            a.code,
            a.level,
            &a.message,
        )
            .cmp(&(
                b.span.map(|s| (s.file, s.start, s.end)),
                b.code,
                b.level,
                &b.message,
            ))
    });
    findings.dedup();
    (Report { findings }, ir.filter(|_| ok))
}
