//! Checks of IAM actions, ARNs and condition keys against the embedded catalog
//! ([`crate::catalog`]): unknown services and actions with "did you mean", wildcard expansion,
//! access-level expansion, action/resource-type agreement and condition keys.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{Condition, Level, Spanned};
use std::sync::Arc;

use super::memo::Memos;

use crate::catalog::{self, AccessLevel, Action, ArnError, ArnShape, Service};
use crate::diagnostics::{Code, Diag};

/// The catalog's level for a grant keyword.
pub fn access_level(level: Level) -> AccessLevel {
    match level {
        Level::Read => AccessLevel::Read,
        Level::Write => AccessLevel::Write,
        Level::List => AccessLevel::List,
        Level::Tagging => AccessLevel::Tagging,
        Level::Permissions => AccessLevel::PermissionsManagement,
    }
}

fn forms_help(forms: &[catalog::ArnForm]) -> String {
    let mut shown: Vec<String> = forms
        .iter()
        .take(6)
        .map(|f| format!("{} `{}`", f.resource_type, f.pattern))
        .collect();
    if forms.len() > 6 {
        shown.push(format!("… {} more", forms.len() - 6));
    }
    format!("ARN forms of this service: {}", shown.join(", "))
}

/// The diagnostic for an ARN the catalog cannot place.
fn arn_diag(arn: &Spanned<String>, e: ArnError) -> Diag {
    match e {
        ArnError::NotAnArn { .. } => Diag::new(Code::E113, format!("`{}` is not a valid ARN", arn.node))
            .at(arn.span)
            .label("not an ARN")
            .help("ARNs look like \"arn:aws:s3:::bucket/*\""),
        ArnError::UnknownService { service, suggestion, .. } => {
            Diag::new(Code::E206, format!("unknown AWS service `{service}` in ARN"))
                .at(arn.span)
                .label("unknown service")
                .help(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "the service field is the fourth part of the ARN, e.g. `s3` in \"arn:aws:s3:::bucket\"".into(),
                })
        }
        ArnError::NoResourceType { service, forms, .. } => Diag::new(
            Code::E208,
            format!("`{}` matches no resource type of `{service}`", arn.node),
        )
        .at(arn.span)
        .label("unknown resource type")
        .help(forms_help(&forms)),
    }
}

/// The actions of an access level that apply to an ARN.
pub fn level_actions(level: Level, arn: &Spanned<String>) -> Result<BTreeSet<String>, Diag> {
    level_actions_shared(level, arn).map(|set| (*set).clone())
}

/// [`level_actions`], shared from the catalog (the same set for every ARN of a shape).
pub fn level_actions_shared(
    level: Level,
    arn: &Spanned<String>,
) -> Result<Arc<BTreeSet<String>>, Diag> {
    let found = catalog::catalog()
        .level_actions_shared(access_level(level), &arn.node)
        .map_err(|e| arn_diag(arn, e))?;
    if found.names.is_empty() {
        let types: Vec<String> = catalog::catalog()
            .match_arn(&arn.node)
            .iter()
            .map(|m| format!("`{}`", m.resource_type))
            .collect();
        return Err(Diag::new(
            Code::E212,
            format!("no `{level}` action applies to `{}`", arn.node),
        )
        .at(arn.span)
        .label(format!("resource type {}", types.join(", ")))
        .help(level_help(level, &arn.node)));
    }
    Ok(Arc::clone(&found.name_set))
}

/// The result of checking an `allow` grant's actions.
#[derive(Debug, Default)]
pub struct AllowActions {
    /// Actions to grant on the grant's ARNs (or on `*` when it has none).
    pub on_arns: BTreeSet<String>,
    /// Actions that support only `Resource: "*"` although the grant names ARNs (W201): they
    /// get their own statement on `*`.
    pub star_only: BTreeSet<String>,
}

/// Resource types each ARN matches (None for `*` and unmatched ARNs, which are reported);
/// `valid[i]`: whether `arns[i]` is an ARN ([`super::values::arn`]), not `*`.
fn arn_types(
    arns: &[Spanned<String>],
    valid: &[bool],
    diags: &mut Vec<Diag>,
) -> Vec<(usize, Arc<ArnShape>)> {
    let mut out = Vec::new();
    for (i, a) in arns.iter().enumerate() {
        if !valid.get(i).copied().unwrap_or(false) {
            continue;
        }
        let Some(hits) = catalog::catalog().arn_shape(&a.node) else {
            continue;
        };
        if hits.matches().is_empty() {
            let err = catalog::catalog()
                .level_actions(AccessLevel::Read, &a.node)
                .err();
            if let Some(e) = err {
                diags.push(arn_diag(a, e));
            }
            continue;
        }
        out.push((i, hits));
    }
    out
}

/// E209 help for a wildcard none of whose actions applies to the ARNs: the resource types
/// its actions apply to, and those of the ARNs.
fn nothing_to_grant_help(
    candidates: &[(&Service, &Action)],
    types: &[(usize, Arc<ArnShape>)],
) -> String {
    let ticked = |set: BTreeSet<String>| {
        let mut list: Vec<String> = set.into_iter().map(|t| format!("`{t}`")).collect();
        if list.len() > 6 {
            let more = list.len() - 6;
            list.truncate(6);
            list.push(format!("{more} more"));
        }
        list.join(", ")
    };
    let theirs: BTreeSet<String> = candidates
        .iter()
        .flat_map(|(_, a)| a.resources())
        .map(|r| r.resource_type().to_string())
        .collect();
    let arns: BTreeSet<String> = types
        .iter()
        .flat_map(|(_, h)| h.matches())
        .map(|m| m.resource_type.to_string())
        .collect();
    if theirs.is_empty() {
        return "its actions take no resource ARN: move it to a grant without `on`".into();
    }
    format!(
        "its actions apply to {}, the ARNs are {}: name resources of those types, or list the actions that apply to the ARNs",
        ticked(theirs),
        if arns.is_empty() {
            "of no known type".to_string()
        } else {
            ticked(arns)
        }
    )
}

/// E212 help: the levels that do have actions for the ARN's resource type.
fn level_help(level: Level, arn: &str) -> String {
    let others: Vec<String> = [
        Level::Read,
        Level::Write,
        Level::List,
        Level::Tagging,
        Level::Permissions,
    ]
    .into_iter()
    .filter(|l| {
        *l != level
            && catalog::catalog()
                .level_actions_shared(access_level(*l), arn)
                .is_ok_and(|f| !f.names.is_empty())
    })
    .map(|l| format!("`{}`", l.keyword()))
    .collect();
    let none = format!(
        "AWS has no {} action for this resource type",
        access_level(level).aws_name()
    );
    if others.is_empty() {
        format!("{none}, nor any other level: list the actions with `allow ACTION on \"ARN\"`")
    } else {
        format!(
            "{none}; it has {}: use one of them, or list the actions with `allow ACTION on \"ARN\"`",
            others.join(", ")
        )
    }
}

/// A concrete ARN in the form a resource type expects, built from the user's ARN.
fn example_arn(user: &str, pattern: &str) -> String {
    let parts: Vec<&str> = user.splitn(6, ':').collect();
    let (partition, region, account) = (
        parts.get(1).copied().unwrap_or("aws"),
        parts.get(3).copied().unwrap_or(""),
        parts.get(4).copied().unwrap_or(""),
    );
    // The user's ARN with `/*` appended, when that is the form (objects of a bucket, …).
    let candidate = format!("{user}/*");
    if catalog::catalog()
        .match_arn(&candidate)
        .iter()
        .any(|m| m.pattern == pattern)
    {
        return candidate;
    }
    // Or the user's ARN up to one of its `/`s, when that is the form (a bucket of objects, …).
    for (at, _) in user.rmatch_indices('/') {
        let parent = &user[..at];
        if catalog::catalog()
            .match_arn(parent)
            .iter()
            .any(|m| m.pattern == pattern)
        {
            return parent.to_string();
        }
    }
    let mut out = pattern
        .replace("${Partition}", partition)
        .replace(
            "${Region}",
            if region.is_empty() {
                "${Region}"
            } else {
                region
            },
        )
        .replace(
            "${Account}",
            if account.is_empty() {
                "${Account}"
            } else {
                account
            },
        );
    // Remaining `${Name}` placeholders stay as they are: they tell what goes there.
    if out.is_empty() {
        out = pattern.to_string();
    }
    out
}

fn resource_help(service: &Service, action: &Action, arn: &str) -> String {
    // (is the user's ARN + `/*`, text): the form closest to what the user wrote comes first.
    let mut forms: Vec<(bool, String)> = Vec::new();
    let near = format!("{arn}/*");
    for r in action.resources() {
        if let Some(rt) = service.resource_type(r.resource_type()) {
            for p in rt.arn_patterns() {
                let example = example_arn(arn, p);
                forms.push((example != near, format!("{} `{example}`", rt.name())));
            }
        }
    }
    forms.sort();
    forms.dedup();
    if let Some((false, _)) = forms.first() {
        let types: Vec<&str> = action
            .resources()
            .iter()
            .map(|r| r.resource_type())
            .collect();
        return format!(
            "`{}:{}` applies to {}: write \"{near}\"",
            service.prefix(),
            action.name(),
            types
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut forms: Vec<String> = forms.into_iter().map(|(_, t)| t).collect();
    forms.truncate(6);
    format!(
        "`{}:{}` applies to {}",
        service.prefix(),
        action.name(),
        if forms.is_empty() {
            "no resource type".to_string()
        } else {
            forms.join(", ")
        }
    )
}

/// Look up one written action (no wildcard), reporting E206/E207.
fn lookup<'c>(
    written: &Spanned<String>,
    svc: &str,
    name: &str,
    diags: &mut Vec<Diag>,
) -> Option<(&'c Service, &'c Action)> {
    let cat = catalog::catalog();
    let Some(service) = cat.service(svc) else {
        diags.push(
            Diag::new(Code::E206, format!("unknown AWS service `{svc}`"))
                .at(written.span)
                .label("unknown service")
                .maybe_help(
                    catalog::suggest_service(svc).map(|s| format!("did you mean `{s}:{name}`?")),
                ),
        );
        return None;
    };
    match service.action(name) {
        Some(a) => Some((service, a)),
        None => {
            let suggestion = service
                .suggest_action(name)
                .map(|n| format!("{}:{n}", service.prefix()));
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    format!("see the actions of `{svc}` in the AWS Service Authorization Reference")
                }
            };
            diags.push(
                Diag::new(
                    Code::E207,
                    format!("`{}` is not an action of `{svc}`", written.node),
                )
                .at(written.span)
                .label("unknown action")
                .help(help),
            );
            None
        }
    }
}

/// For [`allow_actions`]: whether each ARN is an ARN ([`super::values::arn`]), not `*`.
pub fn valid_arns(arns: &[Spanned<String>]) -> Vec<bool> {
    arns.iter()
        .map(|a| a.node != "*" && super::values::arn(&a.node).is_ok())
        .collect()
}

/// Check and expand the actions of an `allow` grant against its ARNs; `valid[i]`: whether
/// `arns[i]` is an ARN ([`super::values::arn`]), not `*`.
pub fn allow_actions(
    written: &[Spanned<String>],
    arns: &[Spanned<String>],
    valid: &[bool],
    unsafe_ok: bool,
    diags: &mut Vec<Diag>,
) -> AllowActions {
    let types = arn_types(arns, valid, diags);
    allow_actions_on(written, arns, &types, unsafe_ok, diags)
}

/// [`allow_actions`]' result, shared by the grants that ask the same (see
/// [`allow_actions_shared`]).
#[derive(Debug, Clone)]
pub struct SharedAllow {
    /// As [`AllowActions::on_arns`].
    pub on_arns: Arc<BTreeSet<String>>,
    /// As [`AllowActions::star_only`].
    pub star_only: Arc<BTreeSet<String>>,
}

/// [`allow_actions`], from the context's memo ([`Memos::allows`]) when an earlier grant asked
/// the same and got no diagnostic: every app of a large program writes the same `allow` on
/// ARNs of the same shapes.
///
/// The memo is keyed on everything the result depends on once each ARN's resource types are
/// known: the written actions (their text), `unsafe_ok`, whether the grant names ARNs and
/// whether one is `*`, and the id of the [`ArnShape`] of each ARN that is an ARN (equal ids are
/// the same shape, see [`ArnShape::id`], and equal shapes give equal matches, see
/// [`catalog::Catalog::arn_shape`]). Only results reached without a diagnostic are kept, and
/// the same inputs give none again, so a memo hit adds no diagnostic. The catalog is fixed, so
/// the memo holds for every compile of the context.
pub fn allow_actions_shared(
    written: &[Spanned<String>],
    arns: &[Spanned<String>],
    valid: &[bool],
    unsafe_ok: bool,
    memos: &Memos,
    diags: &mut Vec<Diag>,
) -> SharedAllow {
    let before = diags.len();
    let types = arn_types(arns, valid, diags);
    let has_arns = !arns.is_empty();
    let star_arn = arns.iter().any(|a| a.node == "*");
    let key = (diags.len() == before).then(|| {
        let mut key = vec![u8::from(unsafe_ok), u8::from(has_arns), u8::from(star_arn)];
        for w in written {
            key.extend_from_slice(w.node.as_bytes());
            key.push(0xFF); // never in UTF-8
        }
        key.push(0xFE); // never in UTF-8: actions end
        for (_, shape) in &types {
            key.extend_from_slice(&shape.id().to_le_bytes());
        }
        key
    });
    // Read-locked for lookups: the threads checking apps do not wait for each other.
    let memo = &memos.allows;
    if let Some(found) = key.as_ref().and_then(|k| memo.get(k)) {
        return found;
    }
    let out = allow_actions_on(written, arns, &types, unsafe_ok, diags);
    let shared = SharedAllow {
        on_arns: Arc::new(out.on_arns),
        star_only: Arc::new(out.star_only),
    };
    if let Some(key) = key {
        if diags.len() == before {
            memo.insert(key, shared.clone());
        }
    }
    shared
}

/// [`allow_actions`] once each ARN's resource types are known ([`arn_types`]).
fn allow_actions_on(
    written: &[Spanned<String>],
    arns: &[Spanned<String>],
    types: &[(usize, Arc<ArnShape>)],
    unsafe_ok: bool,
    diags: &mut Vec<Diag>,
) -> AllowActions {
    let mut out = AllowActions::default();
    let has_arns = !arns.is_empty();
    let star_arn = arns.iter().any(|a| a.node == "*");
    for w in written {
        let Some((svc, name)) = split_action(&w.node) else {
            if w.node == "*" {
                if unsafe_ok {
                    out.on_arns.insert("*".into());
                } else {
                    diags.push(wildcard_diag(w, "every action of every service"));
                }
            } else {
                diags.push(
                    Diag::new(Code::E201, format!("`{}` is not an IAM action", w.node))
                        .at(w.span)
                        .label("malformed action")
                        .help("actions are written `service:Action`, e.g. `s3:GetObject`"),
                );
            }
            continue;
        };
        let svc = svc.to_ascii_lowercase();
        if name == "*" {
            if catalog::catalog().service(&svc).is_none() {
                lookup(w, &svc, name, diags);
            } else if unsafe_ok {
                out.on_arns.insert(format!("{svc}:*"));
            } else {
                diags.push(wildcard_diag(w, &format!("every action of `{svc}`")));
            }
            continue;
        }
        // Candidate actions: one, or a wildcard's expansion.
        let candidates: Vec<(&Service, &Action)> = if name.contains(['*', '?']) {
            let Some(service) = catalog::catalog().service(&svc) else {
                lookup(w, &svc, name, diags);
                continue;
            };
            let found: Vec<(&Service, &Action)> = service
                .expand_wildcard(name)
                .into_iter()
                .map(|a| (service, a))
                .collect();
            if found.is_empty() {
                diags.push(
                    Diag::new(Code::E207, format!("`{}` matches no action of `{svc}`", w.node))
                        .at(w.span)
                        .label("matches nothing")
                        .help("IAM wildcards are `*` (any characters) and `?` (one character), matched against action names"),
                );
                continue;
            }
            found
        } else {
            match lookup(w, &svc, name, diags) {
                Some(x) => vec![x],
                None => continue,
            }
        };
        let is_wildcard = candidates.len() > 1 || name.contains(['*', '?']);
        let mut kept = 0;
        // The actions of the candidates that the grant keeps (what the pattern grants here).
        let mut granted: Vec<&Action> = Vec::new();
        let mut rejected: Vec<(String, usize)> = Vec::new();
        for (service, action) in &candidates {
            let full = format!("{}:{}", service.prefix(), action.name());
            if !has_arns {
                if action.has_resource_types() && !unsafe_ok {
                    if !is_wildcard {
                        let help = resource_help(
                            service,
                            action,
                            &format!("arn:aws:{}:::", service.prefix()),
                        );
                        diags.push(
                            Diag::new(Code::E210, format!("`{full}` needs `on \"ARN\"`: it applies to specific resources"))
                                .at(w.span)
                                .label("no resource given")
                                .help(format!("{help}; without `on` it would be granted on every resource (add `unsafe \"reason\"` if that is meant)")),
                        );
                    }
                    continue;
                }
                out.on_arns.insert(full);
                granted.push(action);
                kept += 1;
                continue;
            }
            if !action.has_resource_types() {
                if !is_wildcard {
                    diags.push(
                        Diag::new(Code::W201, format!("`{full}` does not support resource ARNs"))
                            .at(w.span)
                            .label("only `Resource: \"*\"`")
                            .help("AWS authorizes this action only on `*`: a statement that names an ARN never matches it. accessc grants it on `*` in a statement of its own; move it to a grant without `on` to silence this"),
                    );
                }
                if !is_wildcard {
                    out.star_only.insert(full);
                    granted.push(action);
                    kept += 1;
                }
                continue;
            }
            if star_arn {
                out.on_arns.insert(full);
                granted.push(action);
                kept += 1;
                continue;
            }
            // Every ARN must be a resource type of the action.
            let mut ok_all = true;
            for (i, hits) in types {
                let applies = hits
                    .matches()
                    .iter()
                    .any(|h| h.service == service.prefix() && action.applies_to(&h.resource_type));
                if !applies {
                    ok_all = false;
                    rejected.push((full.clone(), *i));
                }
            }
            if ok_all {
                out.on_arns.insert(full);
                granted.push(action);
                kept += 1;
            }
        }
        if is_wildcard && !unsafe_ok && kept > 0 {
            if let Some(service) = candidates.first().map(|(s, _)| *s) {
                if let Some(what) = broad_expansion(service, candidates.len(), &granted) {
                    diags.push(wildcard_diag(w, &what));
                }
            }
        }
        if is_wildcard {
            if kept == 0 {
                let what = if has_arns {
                    "these resources"
                } else {
                    "`Resource: \"*\"` (every action it matches needs a resource: add `on \"ARN\"`)"
                };
                diags.push(
                    Diag::new(
                        Code::E209,
                        format!("no action matching `{}` applies to {what}", w.node),
                    )
                    .at(w.span)
                    .label("nothing to grant")
                    .help(nothing_to_grant_help(&candidates, types)),
                );
            }
        } else {
            for (full, i) in rejected {
                let arn = &arns[i];
                let Some((service, action)) = candidates.first() else {
                    continue;
                };
                let kind: BTreeSet<String> = types
                    .iter()
                    .find(|(j, _)| *j == i)
                    .map(|(_, h)| {
                        h.matches()
                            .iter()
                            .map(|m| format!("`{}`", m.resource_type))
                            .collect()
                    })
                    .unwrap_or_default();
                let kind: Vec<String> = kind.into_iter().collect();
                diags.push(
                    Diag::new(
                        Code::E209,
                        format!(
                            "`{full}` does not apply to `{}` (a {} resource)",
                            arn.node,
                            kind.join("/")
                        ),
                    )
                    .at(arn.span)
                    .label("wrong resource type for this action")
                    .related(w.span, "the action")
                    .help(resource_help(service, action, &arn.node)),
                );
            }
        }
    }
    out
}

fn split_action(a: &str) -> Option<(&str, &str)> {
    let (svc, name) = a.split_once(':')?;
    let ok = !svc.is_empty()
        && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?' || c == '-' || c == '_');
    ok.then_some((svc, name))
}

/// A wildcard pattern that matches every action of its service but at most this share of
/// them (in tenths: `1` = 10 %) still counts as the whole service ([`broad_expansion`]).
pub const WHOLE_SERVICE_SLACK_TENTHS: usize = 1;

/// Whether a wildcard action pattern is too broad to be granted without `unsafe`, judged by
/// what it expands to, not by its spelling: `matched` of the service's actions match it (and
/// `granted` of those apply to the grant's resources). It is too broad when it covers the
/// whole service (every action, or all but at most 10 % of them, see
/// [`WHOLE_SERVICE_SLACK_TENTHS`]), or when what it grants includes a permissions-management
/// action (`s3:PutBucketPolicy`, `kms:PutKeyPolicy`, `iam:PassRole`, …). Returns what it
/// grants, for the message.
pub fn broad_expansion(service: &Service, matched: usize, granted: &[&Action]) -> Option<String> {
    let total = service.actions().len();
    let missing = total.saturating_sub(matched);
    if total > 0 && missing * 10 <= total * WHOLE_SERVICE_SLACK_TENTHS {
        return Some(if missing == 0 {
            format!("every action of `{}` ({total})", service.prefix())
        } else {
            format!(
                "{matched} of the {total} actions of `{}` (the whole service but {missing})",
                service.prefix()
            )
        });
    }
    let mut admin: Vec<&str> = granted
        .iter()
        .filter(|a| a.in_level(AccessLevel::PermissionsManagement))
        .map(|a| a.name())
        .collect();
    admin.sort_unstable();
    admin.dedup();
    let first = admin.first()?;
    Some(format!(
        "permissions-management actions ({} of them, e.g. `{}:{first}`)",
        admin.len(),
        service.prefix()
    ))
}

/// E202 for a wildcard action that [`broad_expansion`] judges too broad, given the actions a
/// grant placed (`placed`: those it matches are what the pattern grants); None for a literal
/// action, an unknown service or a narrow pattern.
pub fn broad_wildcard(w: &Spanned<String>, placed: &BTreeSet<String>) -> Option<Diag> {
    let (svc, name) = split_action(&w.node)?;
    if !name.contains(['*', '?']) {
        return None;
    }
    let service = catalog::catalog().service(&svc.to_ascii_lowercase())?;
    let matched = service.expand_wildcard(name);
    let granted: Vec<&Action> = matched
        .iter()
        .copied()
        .filter(|a| {
            placed.iter().any(|p| {
                p.split_once(':').is_some_and(|(s, n)| {
                    s.eq_ignore_ascii_case(service.prefix()) && n.eq_ignore_ascii_case(a.name())
                })
            })
        })
        .collect();
    if granted.is_empty() {
        return None;
    }
    broad_expansion(service, matched.len(), &granted).map(|what| wildcard_diag(w, &what))
}

/// [`broad_wildcard`] judged on everything the pattern matches (whatever the resources).
pub fn broad_wildcard_anywhere(w: &Spanned<String>) -> Option<Diag> {
    let (svc, name) = split_action(&w.node)?;
    let service = catalog::catalog().service(&svc.to_ascii_lowercase())?;
    let placed: BTreeSet<String> = service
        .expand_wildcard(name)
        .iter()
        .map(|a| format!("{}:{}", service.prefix(), a.name()))
        .collect();
    broad_wildcard(w, &placed)
}

fn wildcard_diag(w: &Spanned<String>, what: &str) -> Diag {
    // A narrower wildcard of the same service; `*` alone names none, so the example names the
    // service's place.
    let narrower = match w.node.split_once(':') {
        Some((service, _)) => format!("`{service}:Get*`"),
        None => "`SERVICE:Get*`".to_string(),
    };
    Diag::new(Code::E202, format!("`{}` grants {what}", w.node))
        .at(w.span)
        .label("wildcard action")
        .help(format!("list the actions, use an access level (`read`, `write`, …) or a narrower wildcard such as {narrower}, or add `unsafe \"reason\"` to the grant"))
}

/// Check a condition key against the grant's actions; returns whether it can be used.
pub fn condition_key(
    c: &Condition,
    actions: &BTreeSet<String>,
    arns: &[Spanned<String>],
    diags: &mut Vec<Diag>,
) -> bool {
    condition_key_as(c, &c.key.node, actions, arns, diags)
}

/// [`condition_key`] for the key `key` (the written key with its variables replaced, as it
/// will be written); diagnostics name the key as written.
pub fn condition_key_as(
    c: &Condition,
    key: &str,
    actions: &BTreeSet<String>,
    arns: &[Spanned<String>],
    diags: &mut Vec<Diag>,
) -> bool {
    let written = &c.key.node;
    let well_formed = key
        .split_once(':')
        .is_some_and(|(svc, rest)| !svc.is_empty() && !rest.is_empty());
    if !well_formed {
        diags.push(
            Diag::new(Code::E204, format!("`{written}` is not a condition key"))
                .at(c.key.span)
                .label("malformed key")
                .help("condition keys are written `service:key`, e.g. `aws:SourceVpc`"),
        );
        return false;
    }
    let cat = catalog::catalog();
    if cat.is_global_condition_key(key) {
        return true;
    }
    // Resource types the grant's ARNs match, per service.
    let mut types: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in arns {
        for m in cat.match_arn(&a.node) {
            types.entry(m.service).or_default().insert(m.resource_type);
        }
    }
    let mut unsupported = Vec::new();
    for full in actions {
        let Some((svc, name)) = full.split_once(':') else {
            continue;
        };
        if name.contains('*') {
            continue; // unsafe wildcards are not checked
        }
        let Some(service) = cat.service(svc) else {
            continue;
        };
        let Some(action) = service.action(name) else {
            continue;
        };
        let rts = types.get(svc);
        let ok = match rts {
            Some(rts) if !rts.is_empty() => rts
                .iter()
                .any(|rt| action.allows_condition_key(Some(rt), key)),
            _ => action.allows_condition_key(None, key),
        };
        if !ok {
            unsupported.push(full.clone());
        }
    }
    if unsupported.is_empty() {
        return true;
    }
    let help = match unsupported
        .first()
        .and_then(|f| f.split_once(':'))
        .and_then(|(s, _)| cat.service(s))
    {
        Some(service) => {
            let keys: Vec<&str> = service.condition_keys().iter().map(|k| k.name()).collect();
            match catalog::closest(key, keys.iter().copied()) {
                Some(k) if k != key => format!("did you mean `{k}`?"),
                _ => "a condition on a key the request does not carry never matches, so the grant would never apply; use a key the action supports or a global key (`aws:…`)".to_string(),
            }
        }
        None => "use a key the action supports or a global key (`aws:…`)".into(),
    };
    diags.push(
        Diag::new(
            Code::E211,
            format!(
                "`{written}` is not a condition key of {}",
                unsupported
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .at(c.key.span)
        .label("unsupported condition key")
        .help(help),
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Span;

    fn spanned(texts: &[&str]) -> Vec<Spanned<String>> {
        texts
            .iter()
            .map(|t| Spanned::new((*t).to_string(), Span::default()))
            .collect()
    }

    /// The memo of `allow_actions_shared` answers as `allow_actions` does, and tells ARNs of
    /// different resource types apart (a key without the shapes would hand the object ARN's
    /// result to the bucket ARN, which must get E209).
    #[test]
    fn allow_memo_agrees_with_the_plain_check() {
        let written = spanned(&["s3:GetObject", "s3:PutObject"]);
        let cases: &[(&[&str], bool)] = &[
            (&["arn:aws:s3:::memo-test-a/*"], false),
            (&["arn:aws:s3:::memo-test-b/*"], false),
            (&["arn:aws:s3:::memo-test-a"], true),
            (&["arn:aws:s3:::memo-test-a/*"], false),
            (&["arn:aws:s3:::memo-test-c"], true),
            (&["*"], false),
        ];
        let memos = Memos::default();
        for _ in 0..2 {
            for (arns, wants_diag) in cases {
                let arns = spanned(arns);
                let valid = valid_arns(&arns);
                let (mut d1, mut d2) = (Vec::new(), Vec::new());
                let shared = allow_actions_shared(&written, &arns, &valid, true, &memos, &mut d1);
                let plain = allow_actions(&written, &arns, &valid, true, &mut d2);
                assert_eq!(*shared.on_arns, plain.on_arns, "{arns:?}");
                assert_eq!(*shared.star_only, plain.star_only, "{arns:?}");
                let codes = |d: &[Diag]| d.iter().map(|d| d.code).collect::<Vec<_>>();
                assert_eq!(codes(&d1), codes(&d2), "{arns:?}");
                assert_eq!(!d1.is_empty(), *wants_diag, "{arns:?}");
            }
        }
        // Other actions on the same ARN shape are another entry.
        let arns = spanned(&["arn:aws:s3:::memo-test-a/*"]);
        let mut d = Vec::new();
        let list = allow_actions_shared(
            &spanned(&["s3:ListBucket"]),
            &arns,
            &valid_arns(&arns),
            false,
            &memos,
            &mut d,
        );
        assert!(list.on_arns.is_empty());
        assert!(!d.is_empty(), "s3:ListBucket does not apply to objects");
    }
}
