//! `resource` declarations → resource-based policies, and the identity statement each admitted
//! app's role gets for exactly that resource (how apps are admitted: [`crate::check::resources`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{ResWhat, ResourceDecl, Spanned};
use crate::check::resolve::Symbols;
use crate::check::resources::{account_root, syms_has_app, IDENTITY_KEYS};
use crate::check::{aws, boundary, catalog_checks, values};
use crate::diagnostics::{Code, Diag};
use crate::ir::{
    sid_part as capitalize, Identity, Ir, ResourceKind, ResourcePolicy, ResourceStatement,
    Statement,
};

/// Lower every `resource` declaration (after the roles are built). A resource grant works on
/// its own: besides admitting the app in the resource's policy, it gives the app's role the
/// identity statement for exactly that resource (IAM asks for both across accounts, and a
/// policy that admits an account root only delegates to IAM within one).
pub fn lower(
    syms: &Symbols<'_>,
    targets: &BTreeMap<&str, (ResourceKind, String)>,
    ir: &mut Ir,
    diags: &mut Vec<Diag>,
) {
    let mut out = Vec::new();
    let mut identity: BTreeMap<usize, Vec<Statement>> = BTreeMap::new();
    for (key, decl) in &syms.resources {
        // Only the resources whose target was checked without errors.
        let Some(target) = targets.get(key) else {
            continue;
        };
        let mut mine = Vec::new();
        if let Some(p) = policy(decl, target, ir, &mut mine, diags) {
            out.push(p);
            for (role, s) in mine {
                identity.entry(role).or_default().push(s);
            }
        }
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    ir.resource_policies = out;
    for (i, added) in identity {
        if let Some(role) = ir.roles.get_mut(i) {
            let mut all = std::mem::take(&mut role.statements);
            all.extend(added);
            role.statements = aws::assemble(all);
        }
    }
}

/// The identity statement a resource grant gives the role of an app it admits: the grant's
/// actions on the part of the resource (its real ARN, also where the resource's own policy
/// writes `*` or nothing; `*` for the actions that support only that, such as
/// `ecr:GetAuthorizationToken`), with the grant's conditions; in a role other apps share, Pod
/// Identity's session tags restrict it to the app, as the resource policy does.
fn identity_statement(
    label: &str,
    part: &str,
    actions: &BTreeSet<String>,
    conditions: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    g: &crate::ast::ResGrant,
) -> Statement {
    Statement {
        sid: label.to_string(),
        actions: actions.clone(),
        resources: BTreeSet::from([part.to_string()]),
        conditions: conditions.clone(),
        deny: false,
        unsafe_reasons: g.unsafe_reason.iter().map(|r| r.node.clone()).collect(),
        sources: vec![g.span],
        origins: crate::ir::Origins::from_grant(actions, g.span),
    }
}

/// The parts of the resource a grant applies to: (ARN, part label).
fn parts(kind: ResourceKind, arn: &str) -> Vec<(String, &'static str)> {
    match kind {
        ResourceKind::S3Bucket => {
            vec![(arn.to_string(), "Bucket"), (format!("{arn}/*"), "Objects")]
        }
        _ => vec![(arn.to_string(), "")],
    }
}

/// The `Resource` element for a part of the resource.
fn resource_element(kind: ResourceKind, part: &str) -> BTreeSet<String> {
    match kind {
        // In a key policy or a secret's policy, `*` is the key or secret itself.
        ResourceKind::KmsKey | ResourceKind::Secret => BTreeSet::from(["*".to_string()]),
        // ECR repository policies name no resource.
        ResourceKind::EcrRepository => BTreeSet::new(),
        _ => BTreeSet::from([part.to_string()]),
    }
}

fn policy(
    decl: &ResourceDecl,
    target: &(ResourceKind, String),
    ir: &Ir,
    identity: &mut Vec<(usize, Statement)>,
    diags: &mut Vec<Diag>,
) -> Option<ResourcePolicy> {
    let arn_text = &decl.arn.node;
    // Checked (`check::resources::target`): the ARN parses and names one resource.
    let arn = values::arn(arn_text).ok()?;
    let (kind, name) = target.clone();
    let before = diags.iter().filter(|d| d.is_error()).count();
    let mut statements: Vec<ResourceStatement> = Vec::new();
    for g in &decl.grants {
        // Actions per part of the resource.
        let mut per_part: Vec<(String, &'static str, BTreeSet<String>)> = Vec::new();
        let label;
        // Actions that support only `Resource: "*"`: the role's statement gives them on `*`.
        let mut star_only: BTreeSet<String> = BTreeSet::new();
        match &g.what {
            ResWhat::Level(level) => {
                label = capitalize(level.node.keyword());
                let mut any = false;
                let mut last_err = None;
                for (part, tag) in parts(kind, arn_text) {
                    let spanned = Spanned::new(part.clone(), decl.arn.span);
                    match catalog_checks::level_actions(level.node, &spanned) {
                        Ok(actions) => {
                            any = true;
                            per_part.push((part, tag, actions));
                        }
                        Err(d) => last_err = Some(d),
                    }
                }
                if !any {
                    if let Some(mut d) = last_err {
                        d.span = Some(level.span);
                        diags.push(d);
                    }
                    continue;
                }
            }
            ResWhat::Actions(actions) => {
                label = "Allow".to_string();
                let mut placed: BTreeSet<String> = BTreeSet::new();
                for (part, tag) in parts(kind, arn_text) {
                    let arns = [Spanned::new(part.clone(), decl.arn.span)];
                    let mut scratch = Vec::new();
                    let checked = catalog_checks::allow_actions(
                        actions,
                        &arns,
                        &catalog_checks::valid_arns(&arns),
                        g.unsafe_reason.is_some(),
                        &mut scratch,
                    );
                    star_only.extend(checked.star_only.iter().cloned());
                    let found: BTreeSet<String> = checked
                        .on_arns
                        .into_iter()
                        .chain(checked.star_only)
                        .collect();
                    if !found.is_empty() {
                        placed.extend(found.iter().cloned());
                        per_part.push((part, tag, found));
                    }
                }
                // Report what fits no part, against the resource itself.
                let unplaced: Vec<Spanned<String>> = actions
                    .iter()
                    .filter(|a| {
                        !placed.iter().any(|p| p.eq_ignore_ascii_case(&a.node))
                            && !a.node.contains(['*', '?'])
                    })
                    .cloned()
                    .collect();
                if !unplaced.is_empty() {
                    let arns = [decl.arn.clone()];
                    let _ = catalog_checks::allow_actions(
                        &unplaced,
                        &arns,
                        &catalog_checks::valid_arns(&arns),
                        g.unsafe_reason.is_some(),
                        diags,
                    );
                }
                for a in actions.iter().filter(|a| a.node.contains(['*', '?'])) {
                    if g.unsafe_reason.is_none() {
                        diags.extend(catalog_checks::broad_wildcard(a, &placed));
                    }
                    if !placed.iter().any(|p| boundary::glob(&a.node, p, true)) {
                        let _ = catalog_checks::allow_actions(
                            std::slice::from_ref(a),
                            std::slice::from_ref(&decl.arn),
                            &catalog_checks::valid_arns(std::slice::from_ref(&decl.arn)),
                            g.unsafe_reason.is_some(),
                            diags,
                        );
                    }
                }
            }
        }
        // Conditions of the grant.
        let mut conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        let all_actions: BTreeSet<String> = per_part
            .iter()
            .flat_map(|(_, _, a)| a.iter().cloned())
            .collect();
        crate::check::conditions::check_grant_conditions(&g.conditions, false, diags);
        for c in &g.conditions {
            if let Some(key) = IDENTITY_KEYS
                .iter()
                .find(|k| k.eq_ignore_ascii_case(&c.key.node))
            {
                diags.push(
                    Diag::new(
                        Code::E216,
                        format!("`{}` is the key accessc matches to admit Pod Identity apps", c.key.node),
                    )
                    .at(c.key.span)
                    .label("set by accessc")
                    .help(format!("accessc writes `StringEquals` on `{key}` from the apps after `by`, and IAM ORs the values of one key: a value of yours would admit more workloads, not fewer. Admit the workloads with `by NS/APP`, and condition on other keys")),
                );
                continue;
            }
            // IAM replaces no variable in a key, and a resource policy has no one app to take
            // values from; a value's variables are the admitted app's (below).
            if aws::check_key_variables(&c.key, aws::Owner::ResourcePolicy, diags).is_none() {
                continue;
            }
            for v in &c.values {
                aws::check_variables(v, false, diags);
            }
            let arns = [decl.arn.clone()];
            let Some(op) = c.iam_operator() else {
                continue;
            };
            if catalog_checks::condition_key(c, &all_actions, &arns, diags) {
                conditions
                    .entry(op)
                    .or_default()
                    .entry(c.key.node.clone())
                    .or_default()
                    .extend(c.values.iter().map(|v| v.node.clone()));
            }
        }
        // Principals.
        for who in &g.by {
            let Some((ns, app)) = who.node.split_once('/') else {
                continue;
            };
            let roles: Vec<_> = ir
                .roles
                .iter()
                .enumerate()
                .filter(|(_, r)| r.members.iter().any(|m| m.app == who.node))
                .collect();
            if roles.is_empty() {
                if syms_has_app(ir, &who.node) {
                    diags.push(
                        Diag::new(Code::E214, format!("app `{}` has no IAM role to grant access to", who.node))
                            .at(who.span)
                            .label("no AWS identity")
                            .help(format!("give app `{app}` an identity (`identity = pod_identity` or `irsa`) or AWS grants, or remove it from this resource")),
                    );
                }
                continue;
            }
            for (role_index, role) in roles {
                let members: Vec<_> = role.members.iter().filter(|m| m.app == who.node).collect();
                // Other apps share the role: its identity statement needs the session tags.
                let shared = role.members.iter().any(|m| m.app != who.node);
                // `${namespace}`, `${service_account}` and `${cluster}` in values: this app's.
                let (eks_names, regions): (Vec<String>, Vec<String>) = members
                    .iter()
                    .filter_map(|m| ir.clusters.get(&m.cluster))
                    .map(|c| (c.eks_name.clone(), c.region.clone()))
                    .unzip();
                let vars = aws::Vars::Literal {
                    namespace: ns,
                    service_account: members.first().map_or(app, |m| &m.service_account),
                    clusters: &eks_names,
                    regions: &regions,
                    account: &role.account,
                    // Pod Identity: the requesting pod's cluster (its session tag).
                    cluster_tag: role.identity == Identity::PodIdentity && role.session_tags,
                };
                let conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = conditions
                    .iter()
                    .map(|(op, keys)| {
                        let keys = keys
                            .iter()
                            .map(|(k, vals)| {
                                let vals = vals
                                    .iter()
                                    .flat_map(|v| aws::substitute(v, &vars))
                                    .collect();
                                (k.clone(), vals)
                            })
                            .collect();
                        (op.clone(), keys)
                    })
                    .collect();
                let (principal, mut conds) = match role.identity {
                    Identity::Irsa => (role.arn(), conditions.clone()),
                    Identity::PodIdentity => {
                        if !role.session_tags {
                            diags.push(
                                Diag::new(Code::E215, format!("app `{}` has session tags disabled, so this resource policy can never admit it", who.node))
                                    .at(who.span)
                                    .label("no session tags")
                                    .help("the policy matches the Pod Identity session tags `eks-cluster-arn`, `kubernetes-namespace` and `kubernetes-service-account`: remove `session_tags = false`"),
                            );
                            continue;
                        }
                        let mut c = conditions.clone();
                        let eq = c.entry("StringEquals".to_string()).or_default();
                        let cluster_arns: BTreeSet<String> = members
                            .iter()
                            .filter_map(|m| ir.clusters.get(&m.cluster))
                            .map(|c| c.arn())
                            .collect();
                        eq.entry("aws:PrincipalTag/eks-cluster-arn".into())
                            .or_default()
                            .extend(cluster_arns);
                        eq.entry("aws:PrincipalTag/kubernetes-namespace".into())
                            .or_default()
                            .insert(ns.to_string());
                        let sas: BTreeSet<String> =
                            members.iter().map(|m| m.service_account.clone()).collect();
                        eq.entry("aws:PrincipalTag/kubernetes-service-account".into())
                            .or_default()
                            .extend(sas);
                        // Role accounts are checked (E110); none is written otherwise.
                        let Some(root) = account_root(&role.partition, &role.account) else {
                            continue;
                        };
                        (root, c)
                    }
                };
                conds.retain(|_, v| !v.is_empty());
                // The role's own statement: in a role of this app alone, the grant's
                // conditions; in a shared Pod Identity role, the resource policy's (with the
                // session tags that single out the app).
                let mut own = conditions.clone();
                own.retain(|_, v| !v.is_empty());
                let own = if shared && role.identity == Identity::PodIdentity {
                    &conds
                } else {
                    &own
                };
                if shared && role.identity == Identity::Irsa {
                    diags.push(
                        Diag::new(Code::W210, format!("`{}` reaches every app of shared IRSA role `{}`", who.node, role.name))
                            .at(who.span)
                            .label("admits the whole role")
                            .related(role.origin.span, "the shared role")
                            .help(format!("IRSA sets no session tags, so neither the resource policy nor the role's policy can tell app `{}` from the role's other members: give the app its own role, or make the role `identity = pod_identity`", who.node)),
                    );
                }
                let service = capitalize(kind.service());
                let whom = format!("{}{}", capitalize(ns), capitalize(app));
                let anywhere: BTreeSet<String> = per_part
                    .iter()
                    .flat_map(|(_, _, a)| a.intersection(&star_only).cloned())
                    .collect();
                if !anywhere.is_empty() {
                    identity.push((
                        role_index,
                        identity_statement(
                            &format!("{label}{service}{whom}AnyResource"),
                            "*",
                            &anywhere,
                            own,
                            g,
                        ),
                    ));
                }
                for (part, tag, actions) in &per_part {
                    let on_part: BTreeSet<String> =
                        actions.difference(&star_only).cloned().collect();
                    if !on_part.is_empty() {
                        identity.push((
                            role_index,
                            identity_statement(
                                &format!("{label}{service}{whom}{tag}"),
                                part,
                                &on_part,
                                own,
                                g,
                            ),
                        ));
                    }
                    statements.push(ResourceStatement {
                        sid: format!("{label}{}{}{tag}", capitalize(ns), capitalize(app)),
                        principals: BTreeSet::from([principal.clone()]),
                        actions: actions.clone(),
                        resources: resource_element(kind, part),
                        conditions: conds.clone(),
                    });
                }
            }
        }
    }
    let after = diags.iter().filter(|d| d.is_error()).count();
    if after > before {
        return None;
    }
    // Merge statements with the same principal, resources and conditions.
    let mut merged: BTreeMap<(BTreeSet<String>, BTreeSet<String>, String), ResourceStatement> =
        BTreeMap::new();
    for s in statements {
        let key = (
            s.principals.clone(),
            s.resources.clone(),
            format!("{:?}", s.conditions),
        );
        match merged.get_mut(&key) {
            Some(m) => {
                m.actions.extend(s.actions);
                if s.sid < m.sid {
                    m.sid = s.sid;
                }
            }
            None => {
                merged.insert(key, s);
            }
        }
    }
    let mut statements: Vec<ResourceStatement> = merged.into_values().collect();
    if kind == ResourceKind::KmsKey {
        // The key's account is checked above (12 digits): the root of no other account.
        let root = account_root(arn.partition, arn.account)?;
        statements.push(ResourceStatement {
            sid: "EnableIamPolicies".into(),
            principals: BTreeSet::from([root]),
            actions: BTreeSet::from(["kms:*".to_string()]),
            resources: BTreeSet::from(["*".to_string()]),
            conditions: BTreeMap::new(),
        });
    }
    statements.sort_by(|a, b| a.sid.cmp(&b.sid).then_with(|| a.cmp(b)));
    // Unique Sids.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in &statements {
        *counts.entry(s.sid.clone()).or_default() += 1;
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in &mut statements {
        if counts.get(&s.sid).copied().unwrap_or(0) > 1 {
            let n = seen.entry(s.sid.clone()).or_default();
            *n += 1;
            s.sid = format!("{}{}", s.sid, n);
        }
    }
    Some(ResourcePolicy {
        arn: arn_text.clone(),
        kind,
        partition: arn.partition.to_string(),
        region: arn.region.to_string(),
        account: arn.account.to_string(),
        name,
        statements,
        span: decl.span,
    })
}
