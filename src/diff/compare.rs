//! Comparing two permission models: per principal, the facts that appeared and disappeared,
//! grouped into sentences ("gains `s3:DeleteObject` on `arn:aws:s3:::receipts/*`", "moves from
//! `view` to `edit`", "`edit` scope widens from namespaces [payments] to cluster").
//!
//! Sentences carry Markdown code spans; the text renderer drops the backticks.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::model::{
    AwsAtom, Conditions, Effect, EntryAtom, EntryField, KubeAtom, Mechanism, Model, PolicyAtom,
    Principal, PrincipalId, TrustFact,
};

/// Whether a principal is new, gone or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the new output.
    Added,
    /// Only in the base.
    Removed,
    /// In both, with different permissions.
    Changed,
}

/// One permission change of a principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed: `aws_gained`, `aws_lost`, `aws_condition`, `boundary`, `trust_added`,
    /// `trust_removed`, `kubernetes_gained`, `kubernetes_lost`, `automount`, `access_policy`,
    /// `access_scope`, `access_entry`, `setting`.
    pub kind: &'static str,
    /// `+` wider, `-` narrower, `~` neither or both.
    pub sign: &'static str,
    /// The clusters it applies to (empty when not cluster-specific).
    pub clusters: Vec<String>,
    /// The sentence, without the principal and clusters, with Markdown code spans.
    pub text: String,
}

/// The changes of one principal.
#[derive(Clone, Debug, Serialize)]
pub struct PrincipalReport {
    /// `role`, `service_account`, `access`, `kubernetes_subject`, `aws_principal`,
    /// `boundary`, `cluster`.
    pub kind: &'static str,
    /// `role payments-checkout`, `access payments-devs`, …
    pub label: String,
    /// `role`, `access`, `node role`, `service account`, …
    pub noun: String,
    /// `payments-checkout`, `payments-devs`, …
    pub name: String,
    /// The account or ARN, when it helps.
    pub detail: Option<String>,
    /// New, gone or changed.
    pub status: Status,
    /// `file:line` of its declarations.
    pub sources: Vec<String>,
    /// The changes.
    pub changes: Vec<Change>,
}

/// A code span; a backtick in the string is written `\u{60}`, so the span ends where it should.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "\\u{60}"))
}

fn codes<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items
        .into_iter()
        .map(|s| code(s))
        .collect::<Vec<_>>()
        .join(", ")
}

fn change(kind: &'static str, sign: &'static str, cluster: Option<&str>, text: String) -> Change {
    Change {
        kind,
        sign,
        clusters: cluster.map(|c| vec![c.to_string()]).unwrap_or_default(),
        text,
    }
}

fn kind_of(id: &PrincipalId) -> &'static str {
    match id {
        PrincipalId::Role { .. } => "role",
        PrincipalId::ServiceAccount { .. } => "service_account",
        PrincipalId::Access { .. } => "access",
        PrincipalId::KubeSubject { .. } => "kubernetes_subject",
        PrincipalId::Aws { .. } => "aws_principal",
        PrincipalId::Boundary { .. } => "boundary",
        PrincipalId::Cluster { .. } => "cluster",
    }
}

/// (noun, name, detail) of a principal: ("role", "payments-checkout", "account 111122223333").
fn label(id: &PrincipalId, p: &Principal) -> (String, String, Option<String>) {
    let s = |x: &str| x.to_string();
    match id {
        PrincipalId::Role { account, name } => {
            (s("role"), name.clone(), Some(format!("account {account}")))
        }
        PrincipalId::ServiceAccount { namespace, name } => {
            (s("service account"), format!("{namespace}/{name}"), None)
        }
        PrincipalId::Access { arn } => {
            let shown = p.arns.iter().next().cloned().unwrap_or_else(|| arn.clone());
            let names: Vec<&str> = p
                .names
                .iter()
                .map(String::as_str)
                .filter(|n| *n != "nodes")
                .collect();
            if !names.is_empty() {
                (s("access"), names.join(", "), Some(shown))
            } else if p.names.is_empty() {
                (s("IAM principal"), shown, None)
            } else {
                let role = arn.rsplit('/').next().unwrap_or(arn);
                (s("node role"), role.to_string(), Some(shown))
            }
        }
        PrincipalId::KubeSubject { kind, name } => (
            format!("Kubernetes {}", kind.to_ascii_lowercase()),
            name.clone(),
            None,
        ),
        PrincipalId::Aws { arn } => match arn.strip_suffix(":root") {
            Some(head) => (
                s("account"),
                head.rsplit(':').next().unwrap_or(head).to_string(),
                Some(arn.clone()),
            ),
            None => (s("IAM principal"), arn.clone(), None),
        },
        PrincipalId::Boundary { account, name } => (
            s("boundary"),
            name.clone(),
            Some(format!("account {account}")),
        ),
        PrincipalId::Cluster { name } => (s("cluster"), name.clone(), None),
    }
}

/// Merge changes that differ only by cluster, keeping the first one's place.
fn merge_clusters(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for c in changes {
        match out
            .iter_mut()
            .find(|o| o.kind == c.kind && o.sign == c.sign && o.text == c.text)
        {
            Some(o) => {
                let mut all: BTreeSet<String> = o.clusters.iter().cloned().collect();
                all.extend(c.clusters);
                o.clusters = all.into_iter().collect();
            }
            None => out.push(c),
        }
    }
    out
}

/// How a statement's conditions moving from `old` to `new` changes the requests it matches:
/// (some requests gained, some lost). A condition is a set of allowed values per (operator,
/// key): a condition removed matches more (a gain), one added fewer (a loss); for the
/// `…Equals` operators a value added is a gain and one removed a loss, for the `…Like`
/// operators a pattern not covered by the old ones is a gain and an old pattern no new one
/// covers a loss; the negated operators (`…NotEquals`, `…NotLike`) turn both around. Other
/// operators that change (numbers, dates, addresses, `Bool`, `Null`) are both.
pub fn condition_direction(old: &Conditions, new: &Conditions) -> (bool, bool) {
    let (mut gain, mut loss) = (false, false);
    let empty = BTreeMap::new();
    let ops: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for op in ops {
        let (ok, nk) = (old.get(op).unwrap_or(&empty), new.get(op).unwrap_or(&empty));
        let keys: BTreeSet<&String> = ok.keys().chain(nk.keys()).collect();
        for key in keys {
            match (ok.get(key), nk.get(key)) {
                (Some(_), None) => gain = true,
                (None, Some(_)) => loss = true,
                (Some(o), Some(n)) if o != n => {
                    let (g, l) = values_direction(op, o, n);
                    gain |= g;
                    loss |= l;
                }
                _ => {}
            }
        }
    }
    (gain, loss)
}

/// (gained, lost) when one condition's values change from `old` to `new` under operator `op`.
fn values_direction(op: &str, old: &[String], new: &[String]) -> (bool, bool) {
    // `ForAnyValue:`/`ForAllValues:` and `…IfExists` keep the direction of the operator.
    let base = op
        .strip_prefix("ForAnyValue:")
        .or_else(|| op.strip_prefix("ForAllValues:"))
        .unwrap_or(op);
    let base = base.strip_suffix("IfExists").unwrap_or(base);
    let (negated, like, fold) = match base {
        "StringEquals" | "ArnEquals" => (false, false, false),
        "StringEqualsIgnoreCase" => (false, false, true),
        "StringNotEquals" | "ArnNotEquals" => (true, false, false),
        "StringNotEqualsIgnoreCase" => (true, false, true),
        "StringLike" | "ArnLike" => (false, true, false),
        "StringNotLike" | "ArnNotLike" => (true, true, false),
        _ => return (true, true),
    };
    let norm = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|x| {
                if fold {
                    x.to_ascii_lowercase()
                } else {
                    x.clone()
                }
            })
            .collect()
    };
    let (old, new) = (norm(old), norm(new));
    // Whether every value of `a` is matched by (covered by) some value of `b`.
    let within = |a: &[String], b: &[String]| {
        a.iter().all(|x| {
            b.iter()
                .any(|y| if like { pattern_covers(y, x) } else { x == y })
        })
    };
    let gained = !within(&new, &old);
    let lost = !within(&old, &new);
    if negated {
        (lost, gained)
    } else {
        (gained, lost)
    }
}

/// Whether IAM pattern `p` matches every text pattern `q` matches (`*` any run, `?` one
/// character): `q`'s `*` only under a `*` of `p`, its `?` under `?` or `*`.
pub fn pattern_covers(p: &str, q: &str) -> bool {
    let (p, q): (Vec<char>, Vec<char>) = (p.chars().collect(), q.chars().collect());
    // can[i][j]: p[i..] covers q[j..].
    let mut can = vec![vec![false; q.len() + 1]; p.len() + 1];
    can[p.len()][q.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=q.len()).rev() {
            can[i][j] = match p[i] {
                '*' => can[i + 1][j] || (j < q.len() && can[i][j + 1]),
                '?' => j < q.len() && q[j] != '*' && can[i + 1][j + 1],
                c => j < q.len() && q[j] == c && can[i + 1][j + 1],
            };
        }
    }
    can[0][0]
}

fn aws_changes(id: &PrincipalId, o: &BTreeSet<AwsAtom>, n: &BTreeSet<AwsAtom>) -> Vec<Change> {
    let boundary = matches!(id, PrincipalId::Boundary { .. });
    let added: Vec<&AwsAtom> = n.difference(o).collect();
    let removed: Vec<&AwsAtom> = o.difference(n).collect();
    type Key = (Effect, String, String, String);
    let key = |a: &AwsAtom| -> Key {
        (
            a.effect,
            a.via.clone(),
            a.resource.clone(),
            a.action.clone(),
        )
    };
    // Per action on a resource, the atoms that appear and disappear. An appearing atom is paired
    // with a disappearing one on the same condition keys (a statement per cluster keeps its
    // keys), else the one left with the one left: a condition that changes. The others are
    // gained or lost.
    let mut by_key: BTreeMap<Key, (Vec<&AwsAtom>, Vec<Option<&AwsAtom>>)> = BTreeMap::new();
    for a in &added {
        by_key.entry(key(a)).or_default().0.push(a);
    }
    for r in &removed {
        by_key.entry(key(r)).or_default().1.push(Some(r));
    }
    let shape = |a: &AwsAtom| -> Vec<(String, Vec<String>)> {
        a.conditions
            .iter()
            .map(|(op, keys)| (op.clone(), keys.keys().cloned().collect()))
            .collect()
    };
    let mut pairs: Vec<(&AwsAtom, &AwsAtom)> = Vec::new();
    let (mut gained, mut lost): (Vec<&AwsAtom>, Vec<&AwsAtom>) = (Vec::new(), Vec::new());
    for (adds, mut rems) in by_key.into_values() {
        let mut unpaired = Vec::new();
        for a in adds {
            let same = rems
                .iter_mut()
                .find(|r| r.is_some_and(|r| shape(r) == shape(a)))
                .and_then(Option::take);
            match same {
                Some(r) => pairs.push((r, a)),
                None => unpaired.push(a),
            }
        }
        let rest: Vec<&AwsAtom> = rems.into_iter().flatten().collect();
        match (unpaired.as_slice(), rest.as_slice()) {
            ([a], [r]) => pairs.push((r, a)),
            _ => {
                gained.extend(unpaired);
                lost.extend(rest);
            }
        }
    }
    // Same action on the same resource, other conditions: with the direction of the change.
    type Recond = (Effect, String, String, String, String);
    let mut recond: BTreeMap<Recond, (BTreeSet<String>, &'static str)> = BTreeMap::new();
    for (r, a) in pairs {
        let sign = match condition_direction(&r.conditions, &a.conditions) {
            (true, false) => "+",
            (false, true) => "-",
            _ => "~",
        };
        // A Deny (boundaries) that widens takes access away.
        let sign = match (a.effect, sign) {
            (Effect::Deny, "+") => "-",
            (Effect::Deny, "-") => "+",
            (_, s) => s,
        };
        recond
            .entry((
                a.effect,
                a.via.clone(),
                a.resource.clone(),
                r.condition.clone(),
                a.condition.clone(),
            ))
            .or_insert_with(|| (BTreeSet::new(), sign))
            .0
            .insert(a.action.clone());
    }
    let group = |atoms: &[&AwsAtom]| {
        let mut g: BTreeMap<(Effect, String, String, String), BTreeSet<String>> = BTreeMap::new();
        for a in atoms {
            g.entry((
                a.effect,
                a.via.clone(),
                a.resource.clone(),
                a.condition.clone(),
            ))
            .or_default()
            .insert(a.action.clone());
        }
        g
    };
    let tail = |resource: &str, condition: &str, via: &str| {
        let mut t = format!(" on {}", code(resource));
        if !condition.is_empty() {
            t.push_str(&format!(" when {}", code(condition)));
        }
        if !via.is_empty() {
            t.push_str(&format!(" through the {via}"));
        }
        t
    };
    let mut out = Vec::new();
    for ((effect, via, resource, condition), actions) in group(&gained) {
        let verb = match (boundary, effect) {
            (true, Effect::Allow) => "now allows",
            (_, Effect::Deny) => "now denies",
            (false, Effect::Allow) => "gains",
        };
        let sign = if effect == Effect::Deny { "-" } else { "+" };
        out.push(change(
            "aws_gained",
            sign,
            None,
            format!(
                "{verb} {}{}",
                codes(&actions),
                tail(&resource, &condition, &via)
            ),
        ));
    }
    for ((effect, via, resource, condition), actions) in group(&lost) {
        let verb = match (boundary, effect) {
            (true, Effect::Allow) => "no longer allows",
            (_, Effect::Deny) => "no longer denies",
            (false, Effect::Allow) => "loses",
        };
        let sign = if effect == Effect::Deny { "+" } else { "-" };
        out.push(change(
            "aws_lost",
            sign,
            None,
            format!(
                "{verb} {}{}",
                codes(&actions),
                tail(&resource, &condition, &via)
            ),
        ));
    }
    for ((effect, via, resource, old, new), (actions, sign)) in recond {
        let show = |c: &str| {
            if c.is_empty() {
                "none".to_string()
            } else {
                code(c)
            }
        };
        // What the condition does to the statement: a wider Allow condition widens, a wider
        // Deny condition too (and the sign says it narrows access).
        let how = match (effect, sign) {
            (Effect::Allow, "+") | (Effect::Deny, "-") => "widens",
            (Effect::Allow, "-") | (Effect::Deny, "+") => "narrows",
            _ => "changes",
        };
        out.push(change(
            "aws_condition",
            sign,
            None,
            format!(
                "{}{}: condition {how} from {} to {}",
                codes(&actions),
                tail(&resource, "", &via),
                show(&old),
                show(&new)
            ),
        ));
    }
    out
}

fn trust_text(f: &TrustFact) -> (Option<&str>, String) {
    match f {
        TrustFact::Cluster(arn) => (None, format!("cluster {} (Pod Identity)", code(arn))),
        TrustFact::Account(a) => (None, format!("source account {}", code(a))),
        TrustFact::Org(o) => (None, format!("organization {}", code(o))),
        TrustFact::Subject { issuer, subject } => (
            None,
            format!("subject {} (IRSA, issuer {})", code(subject), code(issuer)),
        ),
        TrustFact::Association {
            cluster,
            namespace,
            service_account,
        } => (
            Some(cluster.as_str()),
            format!(
                "service account {} (Pod Identity association)",
                code(&format!("{namespace}/{service_account}"))
            ),
        ),
        TrustFact::Other(s) => (None, format!("statement {}", code(s))),
    }
}

fn trust_changes(o: &BTreeSet<TrustFact>, n: &BTreeSet<TrustFact>) -> Vec<Change> {
    let mut out = Vec::new();
    for f in n.difference(o) {
        let (cluster, text) = trust_text(f);
        out.push(change(
            "trust_added",
            "+",
            cluster,
            format!("trust adds {text}"),
        ));
    }
    for f in o.difference(n) {
        let (cluster, text) = trust_text(f);
        out.push(change(
            "trust_removed",
            "-",
            cluster,
            format!("trust removes {text}"),
        ));
    }
    out
}

fn resource_text(group: &str, resource: &str, name: Option<&str>) -> String {
    let base = if group.is_empty() || group == "*" && resource == "*" {
        code(resource)
    } else {
        let (r, sub) = match resource.split_once('/') {
            Some((r, s)) => (r, format!("/{s}")),
            None => (resource, String::new()),
        };
        code(&format!("{r}.{group}{sub}"))
    };
    match name {
        Some(n) => format!("{base} named {}", code(n)),
        None => base,
    }
}

fn kube_changes(o: &BTreeSet<KubeAtom>, n: &BTreeSet<KubeAtom>) -> Vec<Change> {
    let mut out = Vec::new();
    for (atoms, kind, sign, verb) in [
        (
            n.difference(o).collect::<Vec<_>>(),
            "kubernetes_gained",
            "+",
            "gains",
        ),
        (
            o.difference(n).collect::<Vec<_>>(),
            "kubernetes_lost",
            "-",
            "loses",
        ),
    ] {
        // (cluster, namespace) → resource → verbs
        type Res = (String, String, Option<String>);
        let mut by_place: BTreeMap<(String, Option<String>), BTreeMap<Res, BTreeSet<String>>> =
            BTreeMap::new();
        for a in atoms {
            by_place
                .entry((a.cluster.clone(), a.namespace.clone()))
                .or_default()
                .entry((a.group.clone(), a.resource.clone(), a.name.clone()))
                .or_default()
                .insert(a.verb.clone());
        }
        for ((cluster, ns), resources) in by_place {
            // verbs → resources
            let mut by_verbs: BTreeMap<BTreeSet<String>, Vec<Res>> = BTreeMap::new();
            for (res, verbs) in resources {
                by_verbs.entry(verbs).or_default().push(res);
            }
            let place = match &ns {
                Some(ns) => format!("in namespace {}", code(ns)),
                None => "cluster-wide".to_string(),
            };
            for (verbs, resources) in by_verbs {
                let res: Vec<String> = resources
                    .iter()
                    .map(|(g, r, name)| resource_text(g, r, name.as_deref()))
                    .collect();
                out.push(change(
                    kind,
                    sign,
                    Some(&cluster),
                    format!("{verb} {} on {} {place}", codes(&verbs), res.join(", ")),
                ));
            }
        }
    }
    out
}

/// A policy's scope.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    Cluster,
    Namespaces(BTreeSet<String>),
}

impl Scope {
    fn text(&self) -> String {
        match self {
            Scope::Cluster => "cluster".to_string(),
            Scope::Namespaces(ns) => format!(
                "namespaces [{}]",
                ns.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
    /// Whether `self` covers everything `other` does.
    fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Cluster, _) => true,
            (Scope::Namespaces(_), Scope::Cluster) => false,
            (Scope::Namespaces(a), Scope::Namespaces(b)) => b.is_subset(a),
        }
    }
}

fn scopes(atoms: &BTreeSet<PolicyAtom>) -> BTreeMap<String, BTreeMap<String, Scope>> {
    let mut out: BTreeMap<String, BTreeMap<String, Scope>> = BTreeMap::new();
    for a in atoms {
        let entry = out
            .entry(a.cluster.clone())
            .or_default()
            .entry(a.policy.clone())
            .or_insert_with(|| Scope::Namespaces(BTreeSet::new()));
        match (&a.namespace, &mut *entry) {
            (None, e) => *e = Scope::Cluster,
            (Some(_), Scope::Cluster) => {}
            (Some(ns), Scope::Namespaces(set)) => {
                set.insert(ns.clone());
            }
        }
    }
    out
}

fn rank(policy: &str) -> u8 {
    match policy {
        "cluster_admin" => 4,
        "admin" => 3,
        "edit" => 2,
        "view" => 1,
        _ => 0,
    }
}

fn policy_changes(o: &BTreeSet<PolicyAtom>, n: &BTreeSet<PolicyAtom>) -> Vec<Change> {
    let (o, n) = (scopes(o), scopes(n));
    let clusters: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let empty = BTreeMap::new();
    let mut out = Vec::new();
    for c in clusters {
        let (op, np) = (o.get(c).unwrap_or(&empty), n.get(c).unwrap_or(&empty));
        for (p, ns) in np {
            if let Some(os) = op.get(p) {
                if os != ns {
                    let (sign, how) = match (ns.covers(os), os.covers(ns)) {
                        (true, false) => ("+", "widens"),
                        (false, true) => ("-", "narrows"),
                        _ => ("~", "changes"),
                    };
                    out.push(change(
                        "access_scope",
                        sign,
                        Some(c),
                        format!(
                            "{} scope {how} from {} to {}",
                            code(p),
                            os.text(),
                            ns.text()
                        ),
                    ));
                }
            }
        }
        let gone: Vec<(&String, &Scope)> =
            op.iter().filter(|(p, _)| !np.contains_key(*p)).collect();
        let new: Vec<(&String, &Scope)> = np.iter().filter(|(p, _)| !op.contains_key(*p)).collect();
        if let ([(from, fs)], [(to, ts)]) = (gone.as_slice(), new.as_slice()) {
            let sign = match rank(from).cmp(&rank(to)) {
                std::cmp::Ordering::Less => "+",
                std::cmp::Ordering::Greater => "-",
                std::cmp::Ordering::Equal => "~",
            };
            let text = if fs == ts {
                format!("moves from {} to {} ({})", code(from), code(to), ts.text())
            } else {
                format!(
                    "moves from {} ({}) to {} ({})",
                    code(from),
                    fs.text(),
                    code(to),
                    ts.text()
                )
            };
            out.push(change("access_policy", sign, Some(c), text));
            continue;
        }
        for (p, s) in new {
            out.push(change(
                "access_policy",
                "+",
                Some(c),
                format!("gains access policy {} ({})", code(p), s.text()),
            ));
        }
        for (p, s) in gone {
            out.push(change(
                "access_policy",
                "-",
                Some(c),
                format!("loses access policy {} ({})", code(p), s.text()),
            ));
        }
    }
    out
}

fn field_username(x: &EntryField) -> Option<&String> {
    match x {
        EntryField::Username(u) => Some(u),
        _ => None,
    }
}

fn field_type(x: &EntryField) -> Option<&String> {
    match x {
        EntryField::Type(t) => Some(t),
        _ => None,
    }
}

fn entry_changes(o: &BTreeSet<EntryAtom>, n: &BTreeSet<EntryAtom>) -> Vec<Change> {
    type Fields = BTreeSet<EntryField>;
    let split = |s: &BTreeSet<EntryAtom>| {
        let mut m: BTreeMap<(String, Mechanism), Fields> = BTreeMap::new();
        for a in s {
            m.entry((a.cluster.clone(), a.mechanism))
                .or_default()
                .insert(a.field.clone());
        }
        m
    };
    let (o, n) = (split(o), split(n));
    let keys: BTreeSet<&(String, Mechanism)> = o.keys().chain(n.keys()).collect();
    let empty = Fields::new();
    let mut out = Vec::new();
    for key @ (cluster, mech) in keys {
        let (of, nf) = (o.get(key).unwrap_or(&empty), n.get(key).unwrap_or(&empty));
        let groups = |f: &Fields| -> Vec<String> {
            f.iter()
                .filter_map(|x| match x {
                    EntryField::Group(g) => Some(g.clone()),
                    _ => None,
                })
                .collect()
        };
        let one =
            |f: &Fields, pick: fn(&EntryField) -> Option<&String>| f.iter().find_map(pick).cloned();
        let username: fn(&EntryField) -> Option<&String> = field_username;
        let entry_type: fn(&EntryField) -> Option<&String> = field_type;
        let words = mech.words();
        let describe = |f: &Fields| {
            let mut parts = Vec::new();
            if let Some(t) = one(f, entry_type).filter(|t| t != "STANDARD") {
                parts.push(format!("type {}", code(&t)));
            }
            if let Some(u) = one(f, username) {
                parts.push(format!("username {}", code(&u)));
            }
            let g = groups(f);
            if !g.is_empty() {
                parts.push(format!("groups {}", codes(&g)));
            }
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        };
        match (
            of.contains(&EntryField::Present),
            nf.contains(&EntryField::Present),
        ) {
            (false, true) => out.push(change(
                "access_entry",
                "+",
                Some(cluster),
                format!("gets an {words}{}", describe(nf)),
            )),
            (true, false) => out.push(change(
                "access_entry",
                "-",
                Some(cluster),
                format!("loses its {words}{}", describe(of)),
            )),
            _ => {
                let (og, ng): (BTreeSet<String>, BTreeSet<String>) = (
                    groups(of).into_iter().collect(),
                    groups(nf).into_iter().collect(),
                );
                for g in ng.difference(&og) {
                    out.push(change(
                        "access_entry",
                        "+",
                        Some(cluster),
                        format!("joins Kubernetes group {} ({words})", code(g)),
                    ));
                }
                for g in og.difference(&ng) {
                    out.push(change(
                        "access_entry",
                        "-",
                        Some(cluster),
                        format!("leaves Kubernetes group {} ({words})", code(g)),
                    ));
                }
                for (what, pick) in [("username", username), ("type", entry_type)] {
                    let (a, b) = (one(of, pick), one(nf, pick));
                    if a != b {
                        let show = |v: &Option<String>| match v {
                            Some(v) => code(v),
                            None => "the default".to_string(),
                        };
                        out.push(change(
                            "access_entry",
                            "~",
                            Some(cluster),
                            format!("{what} changes from {} to {} ({words})", show(&a), show(&b)),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn settings_changes(o: &BTreeMap<String, String>, n: &BTreeMap<String, String>) -> Vec<Change> {
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        match (o.get(k), n.get(k)) {
            (Some(a), Some(b)) if a != b => out.push(change(
                "setting",
                "~",
                None,
                format!("{k} changes from {} to {}", code(a), code(b)),
            )),
            (None, Some(b)) => {
                out.push(change("setting", "~", None, format!("{k} is {}", code(b))))
            }
            (Some(a), None) => {
                out.push(change("setting", "~", None, format!("{k} was {}", code(a))))
            }
            _ => {}
        }
    }
    out
}

fn automount_changes(o: &BTreeSet<String>, n: &BTreeSet<String>) -> Vec<Change> {
    let mut out = Vec::new();
    for c in n.difference(o) {
        out.push(change(
            "automount",
            "+",
            Some(c),
            "pods mount its API token (`automountServiceAccountToken: true`)".to_string(),
        ));
    }
    for c in o.difference(n) {
        out.push(change(
            "automount",
            "-",
            Some(c),
            "pods no longer mount its API token (`automountServiceAccountToken: false`)"
                .to_string(),
        ));
    }
    out
}

fn boundary_changes(o: &Option<String>, n: &Option<String>) -> Vec<Change> {
    let text = match (o, n) {
        (None, Some(b)) => format!("gets permission boundary {}", code(b)),
        (Some(a), None) => format!("loses its permission boundary {}", code(a)),
        (Some(a), Some(b)) if a != b => {
            format!(
                "permission boundary changes from {} to {}",
                code(a),
                code(b)
            )
        }
        _ => return Vec::new(),
    };
    vec![change("boundary", "~", None, text)]
}

/// The changes of every principal, sorted by principal.
pub fn compare(old: &Model, new: &Model) -> Vec<PrincipalReport> {
    let ids: BTreeSet<&PrincipalId> = old.principals.keys().chain(new.principals.keys()).collect();
    let empty = Principal::default();
    let mut out = Vec::new();
    for id in ids {
        let (o, n) = (
            old.principals.get(id).unwrap_or(&empty),
            new.principals.get(id).unwrap_or(&empty),
        );
        let mut changes = Vec::new();
        changes.extend(aws_changes(id, &o.aws, &n.aws));
        changes.extend(boundary_changes(&o.boundary, &n.boundary));
        changes.extend(trust_changes(&o.trust, &n.trust));
        changes.extend(policy_changes(&o.policies, &n.policies));
        changes.extend(entry_changes(&o.entries, &n.entries));
        changes.extend(kube_changes(&o.kube, &n.kube));
        changes.extend(automount_changes(&o.automount, &n.automount));
        changes.extend(settings_changes(&o.settings, &n.settings));
        let changes = merge_clusters(changes);
        if changes.is_empty() {
            continue;
        }
        let status = match (
            old.principals.contains_key(id),
            new.principals.contains_key(id),
        ) {
            (false, _) => Status::Added,
            (_, false) => Status::Removed,
            _ => Status::Changed,
        };
        let shown = if status == Status::Removed { o } else { n };
        let (noun, name, detail) = label(id, shown);
        let mut sources: BTreeSet<String> = n.sources.clone();
        if sources.is_empty() {
            sources.extend(o.sources.iter().cloned());
        }
        out.push(PrincipalReport {
            kind: kind_of(id),
            label: format!("{noun} {name}"),
            noun,
            name,
            detail,
            status,
            sources: sources.into_iter().collect(),
            changes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_covers_the_patterns_it_matches_every_text_of() {
        assert!(pattern_covers("home/*", "home/alice/*"));
        assert!(!pattern_covers("home/alice/*", "home/*"));
        assert!(pattern_covers("*", "a?b*"));
        assert!(pattern_covers("a?c", "abc"));
        assert!(!pattern_covers("a?c", "a*c"));
        assert!(pattern_covers("a*c", "a?c"));
        assert!(!pattern_covers("abc", "a?c"));
        assert!(pattern_covers("abc", "abc"));
        assert!(!pattern_covers("", "a"));
        assert!(pattern_covers("*", ""));
    }

    #[test]
    fn condition_directions() {
        let c = |op: &str, key: &str, vals: &[&str]| -> Conditions {
            let mut m = Conditions::new();
            m.entry(op.to_string()).or_default().insert(
                key.to_string(),
                vals.iter().map(|v| (*v).to_string()).collect(),
            );
            m
        };
        let none = Conditions::new();
        let one = c("StringEquals", "k", &["a"]);
        let two = c("StringEquals", "k", &["a", "b"]);
        assert_eq!(condition_direction(&one, &two), (true, false));
        assert_eq!(condition_direction(&two, &one), (false, true));
        assert_eq!(condition_direction(&one, &none), (true, false));
        assert_eq!(condition_direction(&none, &one), (false, true));
        let ic = |v: &[&str]| c("StringEqualsIgnoreCase", "k", v);
        assert_eq!(
            condition_direction(&ic(&["A"]), &ic(&["a"])),
            (false, false)
        );
        let ne = |v: &[&str]| c("ForAnyValue:StringNotEqualsIfExists", "k", v);
        assert_eq!(
            condition_direction(&ne(&["a"]), &ne(&["a", "b"])),
            (false, true)
        );
        let num = |v: &[&str]| c("NumericLessThan", "k", v);
        assert_eq!(
            condition_direction(&num(&["1"]), &num(&["2"])),
            (true, true)
        );
    }
}
