//! `accessc import aws-auth`: an aws-auth ConfigMap (as `kubectl get configmap aws-auth -n
//! kube-system -o yaml` prints it) → `access` declarations.
//!
//! * Each `mapRoles` / `mapUsers` item becomes an `access` block on the cluster; its groups are
//!   kept (`groups = […]`), and a username that is not accessc's default is kept.
//! * `system:masters` becomes `policy = cluster_admin` + `break_glass = true`, with a comment
//!   asking for review.
//! * The node mappings exactly as EKS and eksctl write them become the cluster's `nodes` (EC2
//!   Linux), `windows_nodes` (EC2 Windows, `eks:kube-proxy-windows`) and `fargate_roles` (Fargate
//!   pod execution roles, `system:node:{{SessionName}}`, `system:node-proxier`), written as a
//!   comment to merge into the cluster declaration.
//! * Whatever else the language cannot express (other `system:` groups, reserved usernames, a
//!   node mapping of another form, `mapAccounts`, STS sessions and other ARNs, every mapping of a
//!   principal mapped more than once, fields aws-auth does not define) is carried through whole
//!   and verbatim: the cluster's `passthrough_map_roles` / `passthrough_map_users` /
//!   `passthrough_map_accounts` (W404), each with a [`Note`]. Nothing that EKS reads is dropped;
//!   only items that are not mappings at all, items holding a hidden character (E004 would refuse
//!   them), data keys that are not part of aws-auth, and what a `system:masters` mapping's
//!   cluster admin covers are reported as not imported.

use std::collections::BTreeSet;

use serde_yaml::Value as Y;

use super::{Note, NoteKind};
use crate::check::access::{self, RESERVED_USERNAME_PREFIXES};
use crate::check::values;
use crate::ir::{NodeKind, PrincipalKind};

/// One imported access declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedAccess {
    /// Declaration name, derived from the role or user name.
    pub name: String,
    /// `role` or `user`.
    pub kind: PrincipalKind,
    /// The ARN as aws-auth had it.
    pub arn: String,
    /// Groups kept (without `system:` groups).
    pub groups: Vec<String>,
    /// The username, when it is not accessc's default.
    pub username: Option<String>,
    /// Mapped to `system:masters`: imported as break-glass cluster admin.
    pub cluster_admin: bool,
    /// Comments written above the block.
    pub comments: Vec<String>,
}

/// The result of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The cluster the declarations are on.
    pub cluster: String,
    /// The EC2 Linux node role ARNs, for the cluster's `nodes`.
    pub nodes: Vec<String>,
    /// The EC2 Windows node role ARNs, for `windows_nodes`.
    pub windows_nodes: Vec<String>,
    /// The Fargate pod execution role ARNs, for `fargate_roles`.
    pub fargate_roles: Vec<String>,
    /// `mapRoles` items carried through verbatim, for `passthrough_map_roles`.
    pub passthrough_roles: Vec<serde_json::Value>,
    /// `mapUsers` items carried through verbatim, for `passthrough_map_users`.
    pub passthrough_users: Vec<serde_json::Value>,
    /// `mapAccounts` items, for `passthrough_map_accounts`.
    pub passthrough_accounts: Vec<String>,
    /// The access declarations, in the order of the ConfigMap.
    pub accesses: Vec<ImportedAccess>,
    /// What could not be imported, and what needs review.
    pub notes: Vec<Note>,
}

/// The ConfigMap could not be read as an aws-auth ConfigMap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError(pub String);

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ImportError> {
    Err(ImportError(msg.into()))
}

/// Find the ConfigMap: the document itself, or the `aws-auth` item of a `List`.
fn config_map(doc: &Y) -> Result<&Y, ImportError> {
    let kind = doc.get("kind").and_then(Y::as_str);
    match kind {
        Some("ConfigMap") => Ok(doc),
        Some("List") => doc
            .get("items")
            .and_then(Y::as_sequence)
            .and_then(|items| {
                items.iter().find(|i| {
                    i.get("kind").and_then(Y::as_str) == Some("ConfigMap")
                        && i.get("metadata")
                            .and_then(|m| m.get("name"))
                            .and_then(Y::as_str)
                            == Some("aws-auth")
                })
            })
            .ok_or_else(|| ImportError("the List has no ConfigMap named aws-auth".into())),
        Some(other) => err(format!(
            "expected a ConfigMap (kubectl get configmap aws-auth -n kube-system -o yaml), found kind `{other}`"
        )),
        None => err("expected a ConfigMap (kubectl get configmap aws-auth -n kube-system -o yaml): the document has no `kind`"),
    }
}

/// A declaration name from an IAM name: `PlatformAdmin` → `platform-admin`.
pub fn access_name(iam_name: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in iam_name.chars() {
        if c.is_ascii_uppercase()
            && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            out.push('-');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.push('-');
        }
        prev = Some(c);
    }
    let mut collapsed = String::new();
    for c in out.chars() {
        if c == '-' && (collapsed.is_empty() || collapsed.ends_with('-')) {
            continue;
        }
        collapsed.push(c);
    }
    let mut name: String = collapsed.chars().take(57).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        "access".to_string()
    } else {
        name
    }
}

fn strings(v: Option<&Y>) -> Result<Vec<String>, String> {
    match v {
        None | Some(Y::Null) => Ok(Vec::new()),
        Some(Y::Sequence(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "a group that is not a string".to_string())
            })
            .collect(),
        Some(Y::String(s)) => Ok(vec![s.clone()]),
        Some(_) => Err("`groups` is not a list".into()),
    }
}

/// Import an aws-auth ConfigMap for a cluster.
pub fn convert(text: &str, cluster: &str) -> Result<Imported, ImportError> {
    let doc: Y = serde_yaml::from_str(text).map_err(|e| ImportError(format!("not YAML: {e}")))?;
    let cm = config_map(&doc)?;
    let mut notes = Vec::new();
    let name = cm
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Y::as_str);
    if name != Some("aws-auth") {
        notes.push(Note::new(
            NoteKind::Review,
            format!(
                "the ConfigMap is named `{}`, not `aws-auth`",
                name.unwrap_or("")
            ),
        ));
    }
    let empty = serde_yaml::Mapping::new();
    let data = cm.get("data").and_then(Y::as_mapping).unwrap_or(&empty);
    let mut items: Vec<(PrincipalKind, Y)> = Vec::new();
    let mut accounts_value: Option<Y> = None;
    for (key, value) in data {
        let key = key.as_str().unwrap_or("");
        let kind = match key {
            "mapRoles" => PrincipalKind::Role,
            "mapUsers" => PrincipalKind::User,
            "mapAccounts" => {
                accounts_value = Some(value.clone());
                continue;
            }
            other => {
                notes.push(Note::new(
                    NoteKind::NotImported,
                    format!("data key `{other}` is not part of aws-auth"),
                ));
                continue;
            }
        };
        let list: Y = match value {
            Y::String(s) => serde_yaml::from_str(s)
                .map_err(|e| ImportError(format!("`{key}` is not a YAML list: {e}")))?,
            other => other.clone(),
        };
        match list {
            Y::Null => {}
            Y::Sequence(seq) => items.extend(seq.into_iter().map(|i| (kind, i))),
            _ => return err(format!("`{key}` is not a list")),
        }
    }

    let mut out = Imported {
        cluster: cluster.to_string(),
        nodes: Vec::new(),
        windows_nodes: Vec::new(),
        fargate_roles: Vec::new(),
        passthrough_roles: Vec::new(),
        passthrough_users: Vec::new(),
        passthrough_accounts: Vec::new(),
        accesses: Vec::new(),
        notes,
    };
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut principals: BTreeSet<(PrincipalKind, String, String)> = BTreeSet::new();
    let twice = mapped_twice(&items);
    for (kind, item) in &items {
        import_item(*kind, item, &twice, &mut out, &mut names, &mut principals);
    }
    if let Some(value) = accounts_value {
        import_accounts(&value, &mut out)?;
    }
    Ok(out)
}

/// `mapAccounts`: carried through (aws-auth maps every principal of these accounts, which the
/// language does not express).
fn import_accounts(value: &Y, out: &mut Imported) -> Result<(), ImportError> {
    let list: Y = match value {
        Y::String(s) => serde_yaml::from_str(s)
            .map_err(|e| ImportError(format!("`mapAccounts` is not a YAML list: {e}")))?,
        other => other.clone(),
    };
    let items = match list {
        Y::Null => return Ok(()),
        Y::Sequence(seq) => seq,
        _ => return err("`mapAccounts` is not a list"),
    };
    for item in items {
        let text = match &item {
            Y::String(s) => s.clone(),
            Y::Number(n) => n.to_string(),
            _ => {
                out.notes.push(Note::new(
                    NoteKind::NotImported,
                    "a `mapAccounts` item that is not an account ID",
                ));
                continue;
            }
        };
        out.notes.push(Note::new(
            NoteKind::Review,
            format!("mapAccounts `{text}`: every IAM principal of the account is mapped; carried through unchecked in `passthrough_map_accounts` (W404): declare an access per role instead"),
        ));
        out.passthrough_accounts.push(text);
    }
    Ok(())
}

/// A principal of aws-auth: kind, account, name (role names are unique in an account whatever
/// their path).
type PrincipalKey = (PrincipalKind, String, String);

/// The principal an item maps, when its ARN is a role or user of its list's kind.
fn principal_key(kind: PrincipalKind, item: &Y) -> Option<PrincipalKey> {
    let arn_key = match kind {
        PrincipalKind::Role => "rolearn",
        PrincipalKind::User => "userarn",
    };
    let arn = item.get(arn_key)?.as_str()?.trim();
    let p = access::principal(arn).ok().filter(|p| p.kind == kind)?;
    Some((kind, p.account, p.name))
}

/// Whether an item maps `system:masters`.
fn maps_masters(item: &Y) -> bool {
    matches!(item.get("groups"), Some(Y::Sequence(g)) if g.iter().any(|g| g.as_str() == Some("system:masters")))
}

/// The principals aws-auth maps more than once, and those of them with a `system:masters`
/// mapping. Their other mappings are carried through together (a declaration beside a
/// pass-through item of the same principal is E404), or, beside `system:masters`, reported.
struct MappedTwice {
    all: BTreeSet<PrincipalKey>,
    masters: BTreeSet<PrincipalKey>,
}

fn mapped_twice(items: &[(PrincipalKind, Y)]) -> MappedTwice {
    let mut seen = BTreeSet::new();
    let mut all = BTreeSet::new();
    let mut masters = BTreeSet::new();
    for (kind, item) in items {
        let Some(key) = principal_key(*kind, item) else {
            continue;
        };
        if maps_masters(item) {
            masters.insert(key.clone());
        }
        if !seen.insert(key.clone()) {
            all.insert(key);
        }
    }
    masters.retain(|k| all.contains(k));
    MappedTwice { all, masters }
}

/// The node kind whose mapping, as EKS and eksctl write it, this is exactly.
fn node_kind(username: Option<&str>, groups: &[String]) -> Option<NodeKind> {
    let set: BTreeSet<&str> = groups.iter().map(String::as_str).collect();
    [NodeKind::Linux, NodeKind::Windows, NodeKind::Fargate]
        .into_iter()
        .find(|k| {
            username == Some(k.username())
                && set == k.groups().iter().copied().collect::<BTreeSet<_>>()
                && set.len() == groups.len()
        })
}

/// Carry an item through verbatim, with a note saying why.
fn pass_through(kind: PrincipalKind, item: &Y, arn: &str, why: &str, out: &mut Imported) {
    let setting = match kind {
        PrincipalKind::Role => "passthrough_map_roles",
        PrincipalKind::User => "passthrough_map_users",
    };
    match serde_json::to_value(item) {
        Ok(v) => match access::hidden_char(&v) {
            Some(c) => out.notes.push(Note::new(
                NoteKind::NotImported,
                format!("{arn}: {why}, and the item holds the hidden character U+{:04X} (E004): re-create it by hand if it is genuine", u32::from(c)),
            )),
            None => {
                out.notes.push(Note::new(
                    NoteKind::Review,
                    format!("{arn}: {why}; carried through unchecked in `{setting}` (W404)"),
                ));
                match kind {
                    PrincipalKind::Role => out.passthrough_roles.push(v),
                    PrincipalKind::User => out.passthrough_users.push(v),
                }
            }
        },
        Err(e) => out.notes.push(Note::new(
            NoteKind::NotImported,
            format!("{arn}: {why}, and the item cannot be written as JSON: {e}"),
        )),
    }
}

fn import_item(
    kind: PrincipalKind,
    item: &Y,
    twice: &MappedTwice,
    out: &mut Imported,
    names: &mut BTreeSet<String>,
    principals: &mut BTreeSet<(PrincipalKind, String, String)>,
) {
    let arn_key = match kind {
        PrincipalKind::Role => "rolearn",
        PrincipalKind::User => "userarn",
    };
    let Some(map) = item.as_mapping() else {
        out.notes.push(Note::new(
            NoteKind::NotImported,
            "an aws-auth item that is not a mapping",
        ));
        return;
    };
    let Some(arn) = item.get(arn_key).and_then(Y::as_str).map(str::trim) else {
        out.notes.push(Note::new(
            NoteKind::NotImported,
            format!("an aws-auth item without `{arn_key}`"),
        ));
        return;
    };
    if let Some(key) = principal_key(kind, item).filter(|k| twice.all.contains(k)) {
        if !maps_masters(item) {
            if twice.masters.contains(&key) {
                out.notes.push(Note::new(
                    NoteKind::NotImported,
                    format!("{arn}: mapped again beside its `system:masters` mapping, which is imported as cluster admin (it covers this one)"),
                ));
                return;
            }
            return pass_through(
                kind,
                item,
                arn,
                "the principal is mapped more than once",
                out,
            );
        }
    }
    let other_fields: Vec<&str> = map
        .iter()
        .map(|(k, _)| k.as_str().unwrap_or(""))
        .filter(|k| !matches!(*k, "rolearn" | "userarn" | "username" | "groups"))
        .collect();
    if !other_fields.is_empty() {
        let fields: Vec<String> = other_fields.iter().map(|f| format!("`{f}`")).collect();
        return pass_through(
            kind,
            item,
            arn,
            &format!(
                "field {} is not expressed by the language",
                fields.join(", ")
            ),
            out,
        );
    }
    let username = item.get("username").and_then(Y::as_str).map(str::to_string);
    if item.get("username").is_some_and(|u| !u.is_string()) {
        return pass_through(kind, item, arn, "`username` is not a string", out);
    }
    let groups = match strings(item.get("groups")) {
        Ok(g) => g,
        Err(e) => return pass_through(kind, item, arn, &e, out),
    };

    // Node mappings: exactly as EKS writes them, or carried through.
    let node_like = groups.iter().any(|g| g == "system:nodes")
        || username
            .as_deref()
            .is_some_and(|u| u.starts_with("system:node:"));
    if node_like {
        let known = node_kind(username.as_deref(), &groups).filter(|_| {
            kind == PrincipalKind::Role && matches!(item.get("groups"), Some(Y::Sequence(_)))
        });
        let Some(node) = known else {
            return pass_through(
                kind,
                item,
                arn,
                "a node mapping that is not as EKS writes it for EC2 Linux, EC2 Windows or Fargate nodes",
                out,
            );
        };
        let p = match access::principal(arn) {
            Ok(p) => p,
            Err((msg, _)) => return pass_through(kind, item, arn, &msg, out),
        };
        if !principals.insert((kind, p.account.clone(), p.name.clone())) {
            return pass_through(kind, item, arn, "mapped a second time", out);
        }
        match node {
            NodeKind::Linux => out.nodes.push(arn.to_string()),
            NodeKind::Windows => out.windows_nodes.push(arn.to_string()),
            NodeKind::Fargate => out.fargate_roles.push(arn.to_string()),
        }
        return;
    }

    let masters = groups.iter().any(|g| g == "system:masters");
    if !masters {
        // What an `access` cannot say: the whole item is carried through.
        let why = match access::principal(arn) {
            Err((msg, _)) => Some(msg),
            Ok(p) if p.kind != kind => {
                Some(format!("listed under `{arn_key}` but is not of that kind"))
            }
            Ok(p) if principals.contains(&(kind, p.account.clone(), p.name.clone())) => {
                Some("mapped a second time".to_string())
            }
            Ok(_) => None,
        }
        .or_else(|| {
            groups
                .iter()
                .find(|g| g.starts_with("system:"))
                .map(|g| format!("group `{g}` (`system:` groups are reserved)"))
        })
        .or_else(|| {
            let u = username.as_deref()?;
            if let Some(prefix) = RESERVED_USERNAME_PREFIXES
                .iter()
                .find(|p| u.starts_with(**p))
            {
                return Some(format!(
                    "username `{u}` (the prefix `{prefix}` is reserved)"
                ));
            }
            u.find("{{SessionName")
                .is_some_and(|pos| !u[..pos].contains(':'))
                .then(|| format!("username `{u}` needs a `:` before the session name"))
        })
        .or_else(|| {
            let u = username.as_deref()?;
            values::username(u)
                .err()
                .map(|(msg, _)| format!("username: {msg}"))
        })
        .or_else(|| {
            groups
                .iter()
                .find(|g| g.chars().any(crate::source::is_hidden))
                .map(|g| {
                    format!(
                        "group `{}` has a hidden character",
                        crate::source::show_hidden(g, false)
                    )
                })
        });
        if let Some(why) = why {
            return pass_through(kind, item, arn, &why, out);
        }
    }

    let principal = match access::principal(arn) {
        Ok(p) => p,
        Err((msg, _)) => {
            out.notes.push(Note::new(NoteKind::NotImported, msg));
            return;
        }
    };
    if principal.kind != kind {
        out.notes.push(Note::new(
            NoteKind::NotImported,
            format!("{arn}: listed under `{arn_key}` but is not of that kind"),
        ));
        return;
    }
    if !principals.insert((kind, principal.account.clone(), principal.name.clone())) {
        out.notes.push(Note::new(
            NoteKind::NotImported,
            format!("{arn}: mapped a second time; only the first mapping is imported"),
        ));
        return;
    }
    let base = access_name(&principal.name);
    let mut name = base.clone();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    names.insert(name.clone());

    let mut comments = Vec::new();
    let mut kept = Vec::new();
    let mut cluster_admin = false;
    for g in groups {
        if g == "system:masters" {
            cluster_admin = true;
            out.notes.push(Note::new(
                NoteKind::Review,
                format!("access `{name}` ({arn}) was mapped to system:masters: imported as `policy = cluster_admin` with `break_glass = true`"),
            ));
        } else if g.starts_with("system:") {
            comments.push(format!(
                "NOT IMPORTED: group `{g}` (`system:` groups are reserved)"
            ));
            out.notes.push(Note::new(
                NoteKind::NotImported,
                format!("access `{name}` ({arn}): group `{g}` (`system:` groups are reserved)"),
            ));
        } else if !g.trim().is_empty() && !kept.contains(&g) {
            kept.push(g);
        }
    }
    if cluster_admin {
        comments.push(
            "REVIEW: mapped to system:masters in aws-auth. Imported as cluster admin for the whole"
                .to_string(),
        );
        comments.push(
            "cluster, marked as break glass: narrow it (`policy = admin`, `scope = namespaces […]`)"
                .to_string(),
        );
        comments.push("unless this principal really is your emergency access.".to_string());
    }
    if principal.path != "/" {
        comments.push(format!(
            "The ARN has the path `{}`: access entries need it; accessc writes the ARN",
            principal.path
        ));
        comments.push("without the path into aws-auth, which only matches that form.".to_string());
    } else if principal.name.starts_with("AWSReservedSSO_") {
        comments.push(
            "REVIEW: IAM Identity Center roles live under /aws-reserved/sso.amazonaws.com/; aws-auth"
                .to_string(),
        );
        comments.push(
            "drops the path, access entries need it: add it to the ARN before using `api` clusters."
                .to_string(),
        );
        out.notes.push(Note::new(
            NoteKind::Review,
            format!("access `{name}` ({arn}): an IAM Identity Center role; access entries need its full ARN with the path /aws-reserved/sso.amazonaws.com/…"),
        ));
    }
    let mut kept_username = None;
    if let Some(u) = username {
        if let Some(prefix) = RESERVED_USERNAME_PREFIXES
            .iter()
            .find(|p| u.starts_with(**p))
        {
            comments.push(format!(
                "NOT IMPORTED: username `{u}` (the prefix `{prefix}` is reserved)"
            ));
            out.notes.push(Note::new(
                NoteKind::NotImported,
                format!(
                    "access `{name}` ({arn}): username `{u}` (the prefix `{prefix}` is reserved)"
                ),
            ));
        } else if u
            .find("{{SessionName")
            .is_some_and(|pos| !u[..pos].contains(':'))
        {
            comments.push(format!(
                "NOT IMPORTED: username `{u}` (needs a `:` before the session name)"
            ));
            out.notes.push(Note::new(
                NoteKind::NotImported,
                format!(
                    "access `{name}` ({arn}): username `{u}` needs a `:` before the session name"
                ),
            ));
        } else if u != access::default_username(&name, kind) && !u.trim().is_empty() {
            kept_username = Some(u);
        }
    } else {
        out.notes.push(Note::new(
            NoteKind::Info,
            format!(
                "access `{name}` ({arn}) had no username; accessc's aws-auth writes `{}`",
                access::default_username(&name, kind)
            ),
        ));
    }
    if kind == PrincipalKind::User {
        out.notes.push(Note::new(
            NoteKind::Review,
            format!("access `{name}` is for an IAM user ({arn}); prefer a role (W401)"),
        ));
    }
    out.accesses.push(ImportedAccess {
        name,
        kind,
        arn: arn.to_string(),
        groups: kept,
        username: kept_username,
        cluster_admin,
        comments,
    });
}

impl Imported {
    /// The `.access` source text. `from` names the input in the header comment.
    pub fn to_source(&self, from: &str) -> String {
        // Text in a `#` comment stays on its line: no line break or other hidden character of
        // a file name or of the ConfigMap can start a declaration.
        let line = |t: &str| crate::source::show_hidden(t, false).into_owned();
        let from = line(from);
        let mut s = String::new();
        s.push_str(&format!(
            "# Imported by `accessc import aws-auth` from {from}.\n# Review every declaration before building; `# REVIEW` and `# NOT IMPORTED` comments mark what\n# needs a decision.\n"
        ));
        let dropped: Vec<&Note> = self
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::NotImported && !n.message.starts_with("access `"))
            .collect();
        if !dropped.is_empty() {
            s.push_str("#\n# Not imported:\n");
            for n in dropped {
                s.push_str(&format!("#   {}\n", line(&n.message)));
            }
        }
        let carried: Vec<&Note> = self
            .notes
            .iter()
            .filter(|n| n.message.contains("carried through unchecked"))
            .collect();
        if !carried.is_empty() {
            s.push_str("#\n# Carried through verbatim, unchecked (W404): the language cannot express these\n# mappings; replace them by declarations when you can.\n");
            for n in carried {
                s.push_str(&format!("#   {}\n", line(&n.message)));
            }
        }
        let settings = self.cluster_settings();
        if self.nodes.is_empty() && self.windows_nodes.is_empty() && self.fargate_roles.is_empty() {
            s.push_str(&format!(
                "#\n# aws-auth has no node role mapping: set `nodes` on cluster `{}` before building.\n",
                self.cluster
            ));
        }
        s.push_str(&format!(
            "#\n# The node roles{}: merge into the declaration of cluster `{}`:\n#\n#   cluster {} {{\n",
            if settings.iter().any(|(k, _)| k.starts_with("passthrough")) {
                " and the items carried through"
            } else {
                ""
            },
            self.cluster,
            self.cluster
        ));
        let width = settings
            .iter()
            .map(|(k, _)| k.len())
            .filter(|w| *w <= "fargate_roles".len())
            .max()
            .unwrap_or(0)
            .max("auth_mode".len());
        s.push_str(&format!(
            "#     {:width$} = config_map    # api_and_config_map while migrating to access entries\n",
            "auth_mode"
        ));
        for (k, v) in &settings {
            for (n, l) in v.lines().enumerate() {
                if n == 0 {
                    s.push_str(&format!("#     {k:width$} = {}\n", line(l)));
                } else {
                    s.push_str(&format!("#     {}\n", line(l)));
                }
            }
        }
        s.push_str("#   }\n");
        for a in &self.accesses {
            s.push('\n');
            let mut lines: Vec<(&str, String)> = Vec::new();
            lines.push((
                match a.kind {
                    PrincipalKind::Role => "role",
                    PrincipalKind::User => "user",
                },
                crate::ast::string_literal(&a.arn),
            ));
            if a.cluster_admin {
                lines.push(("policy", "cluster_admin".into()));
                lines.push(("break_glass", "true".into()));
            }
            if !a.groups.is_empty() {
                let items: Vec<String> = a
                    .groups
                    .iter()
                    .map(|g| crate::ast::string_literal(g))
                    .collect();
                lines.push(("groups", format!("[{}]", items.join(", "))));
            }
            if let Some(u) = &a.username {
                lines.push(("username", crate::ast::string_literal(u)));
            }
            let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            s.push_str(&format!("access {} on {} {{\n", a.name, self.cluster));
            for c in &a.comments {
                s.push_str(&format!("  # {}\n", line(c)));
            }
            for (k, v) in lines {
                s.push_str(&format!("  {k:width$} = {v}\n"));
            }
            s.push_str("}\n");
        }
        s
    }
}

/// JSON text of a value in printable ASCII: every other character of its strings as a `\\u`
/// escape, so that the text shows the same in a `#` comment, a string literal and a terminal.
fn ascii_json(v: &serde_json::Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        }
    }
    out
}

impl Imported {
    /// The settings to merge into the cluster's declaration, as source text: the node roles
    /// (`nodes`, `windows_nodes`, `fargate_roles`) and the items carried through verbatim
    /// (`passthrough_map_roles`, `passthrough_map_users`, `passthrough_map_accounts`). A list
    /// of more than one item is written one item a line.
    pub fn cluster_settings(&self) -> Vec<(&'static str, String)> {
        let list = |items: Vec<String>| -> String {
            match items.len() {
                1 if !items[0].starts_with("\"{") => items[0].clone(),
                _ => {
                    let mut v = String::from("[\n");
                    for i in items {
                        v.push_str(&format!("  {i},\n"));
                    }
                    v.push(']');
                    v
                }
            }
        };
        let quoted = |items: &[String]| {
            items
                .iter()
                .map(|i| crate::ast::string_literal(i))
                .collect::<Vec<_>>()
        };
        let json = |items: &[serde_json::Value]| {
            items
                .iter()
                .map(|v| crate::ast::string_literal(&ascii_json(v)))
                .collect::<Vec<_>>()
        };
        let mut out = Vec::new();
        for (key, items) in [
            ("nodes", quoted(&self.nodes)),
            ("windows_nodes", quoted(&self.windows_nodes)),
            ("fargate_roles", quoted(&self.fargate_roles)),
            ("passthrough_map_roles", json(&self.passthrough_roles)),
            ("passthrough_map_users", json(&self.passthrough_users)),
            (
                "passthrough_map_accounts",
                quoted(&self.passthrough_accounts),
            ),
        ] {
            if !items.is_empty() {
                out.push((key, list(items)));
            }
        }
        out
    }
}

/// Whether a cluster name is usable in the output.
pub fn check_cluster_name(name: &str) -> Result<(), String> {
    values::k8s_name(name).map_err(|(msg, help)| format!("{msg}: {help}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(access_name("PlatformAdmin"), "platform-admin");
        assert_eq!(access_name("ci_deployer"), "ci-deployer");
        assert_eq!(access_name("eks-admins"), "eks-admins");
        assert_eq!(access_name("___"), "access");
        assert_eq!(access_name("K8sAdmin"), "k8s-admin");
    }

    #[test]
    fn quoting() {
        assert_eq!(crate::ast::string_literal("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn edge_cases_are_reported() {
        let json = r#"{"kind": "List", "items": [{"kind": "ConfigMap",
          "metadata": {"name": "aws-auth", "namespace": "kube-system"},
          "data": {
            "mapRoles": "- rolearn: arn:aws:iam::111122223333:role/n1\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: arn:aws:iam::111122223333:role/n2\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: arn:aws:iam::111122223333:role/win\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes, eks:kube-proxy-windows]\n- rolearn: arn:aws:iam::111122223333:role/Dev\n  username: eks:dev\n  groups: [devs, system:authenticated]\n- rolearn: arn:aws:iam::111122223333:role/team/Dev\n  groups: [more]\n- rolearn: arn:aws:sts::111122223333:assumed-role/Dev/x\n",
            "mapAccounts": "- \"111122223333\"\n"
          }}]}"#;
        let i = convert(json, "prod").unwrap();
        assert_eq!(
            i.nodes,
            [
                "arn:aws:iam::111122223333:role/n1",
                "arn:aws:iam::111122223333:role/n2"
            ]
        );
        assert_eq!(i.windows_nodes, ["arn:aws:iam::111122223333:role/win"]);
        // Dev and team/Dev (one role mapped twice: neither can be a declaration beside the
        // other, E404) and the STS session are carried through whole.
        assert_eq!(i.accesses.len(), 0);
        assert_eq!(i.passthrough_accounts, ["111122223333"]);
        assert_eq!(i.passthrough_roles.len(), 3);
        assert_eq!(i.passthrough_roles[0]["username"], "eks:dev");
        assert!(i.notes.iter().all(|n| n.kind != NoteKind::NotImported));
        let carried: Vec<&str> = i
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::Review)
            .map(|n| n.message.as_str())
            .collect();
        for needle in [
            "mapAccounts",
            "role/Dev: the principal is mapped more than once",
            "role/team/Dev: the principal is mapped more than once",
            "STS session",
        ] {
            assert!(
                carried.iter().any(|m| m.contains(needle)),
                "{needle}: {carried:#?}"
            );
        }
        let source = i.to_source("test");
        assert!(source.contains("#     passthrough_map_accounts = \"111122223333\""));
        assert!(
            source.contains("\\\"username\\\":\\\"eks:dev\\\""),
            "{source}"
        );
    }

    /// Whatever a ConfigMap holds, the imported text is printable ASCII (other characters as
    /// JSON `\u` escapes) and its pass-through strings read back as the items; an item with a
    /// hidden character is not carried (E004 would refuse it), and says so.
    #[test]
    fn passthrough_text_is_ascii_and_reads_back() {
        let yaml = "kind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/x\n      username: \"eks:\\u00fc\\\"q\\\\\\U0001F600\"\n      groups: [a]\n    - rolearn: arn:aws:iam::111122223333:role/y\n      username: \"eks:\\u202e\"\n";
        let i = convert(yaml, "prod").unwrap();
        assert_eq!(i.passthrough_roles.len(), 1, "{:?}", i.notes);
        let hidden: Vec<String> = i
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::NotImported)
            .map(ToString::to_string)
            .collect();
        assert_eq!(hidden.len(), 1, "{hidden:?}");
        assert!(
            hidden[0].contains("role/y") && hidden[0].contains("U+202E"),
            "{hidden:?}"
        );
        assert!(
            hidden[0].contains("eks:\\u{202e}"),
            "shown escaped: {hidden:?}"
        );
        let settings = i.cluster_settings();
        let (key, value) = settings.last().unwrap();
        assert_eq!(*key, "passthrough_map_roles");
        assert!(
            value.chars().all(|c| c == '\n' || (' '..='~').contains(&c)),
            "{value}"
        );
        let source = format!(
            "cluster prod {{\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  auth_mode = config_map\n  nodes = \"arn:aws:iam::111122223333:role/n\"\n  {key} = {value}\n}}\n"
        );
        let mut sources = crate::source::Sources::new();
        sources.add("c.access", source.clone());
        let compiled = crate::compile(&sources);
        assert!(
            compiled.diags.iter().all(|d| !d.is_error()),
            "{:#?}\n{source}",
            compiled.diags
        );
        let cm = compiled
            .artifacts
            .unwrap()
            .into_iter()
            .find(|a| a.path.ends_with("configmap-aws-auth.yaml"))
            .unwrap()
            .contents;
        let doc: Y = serde_yaml::from_str(&cm).unwrap();
        let roles: Vec<serde_json::Value> =
            serde_yaml::from_str(doc["data"]["mapRoles"].as_str().unwrap()).unwrap();
        assert_eq!(roles[1], i.passthrough_roles[0]);
        assert_eq!(roles[1]["username"], "eks:\u{fc}\"q\\\u{1F600}");
    }

    /// Every mapping of a principal mapped twice is carried through (no declaration beside a
    /// pass-through item of the same principal, E404), unless one is `system:masters`: that one
    /// is the cluster-admin access, and the others are reported.
    #[test]
    fn a_principal_mapped_twice() {
        let yaml = "kind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n  mapRoles: |\n    - {rolearn: 'arn:aws:iam::111122223333:role/a', groups: [x]}\n    - {rolearn: 'arn:aws:iam::111122223333:role/p/a', groups: [y]}\n    - {rolearn: 'arn:aws:iam::111122223333:role/n', username: 'system:node:{{EC2PrivateDNSName}}', groups: [system:bootstrappers, system:nodes]}\n    - {rolearn: 'arn:aws:iam::111122223333:role/n', username: 'system:node:{{EC2PrivateDNSName}}', groups: [system:bootstrappers, system:nodes]}\n    - {rolearn: 'arn:aws:iam::111122223333:role/m', groups: [z]}\n    - {rolearn: 'arn:aws:iam::111122223333:role/m', groups: [system:masters]}\n";
        let i = convert(yaml, "prod").unwrap();
        assert_eq!(i.passthrough_roles.len(), 4, "{:#?}", i.notes);
        assert!(i.nodes.is_empty());
        assert_eq!(i.accesses.len(), 1);
        assert!(i.accesses[0].cluster_admin && i.accesses[0].arn.ends_with("role/m"));
        let dropped: Vec<String> = i
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::NotImported)
            .map(|n| n.message.clone())
            .collect();
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert!(dropped[0].contains("role/m: mapped again beside its `system:masters`"));
    }

    #[test]
    fn not_a_config_map() {
        assert!(convert("kind: Secret\n", "prod").is_err());
        assert!(convert("{", "prod").is_err());
    }
}
