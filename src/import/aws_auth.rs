//! `accessc import aws-auth`: an aws-auth ConfigMap (as `kubectl get configmap aws-auth -n
//! kube-system -o yaml` prints it) → `access` declarations.
//!
//! * Each `mapRoles` / `mapUsers` item becomes an `access` block on the cluster; its groups are
//!   kept (`groups = […]`), and a username that is not accessc's default is kept.
//! * `system:masters` becomes `policy = cluster_admin` + `break_glass = true`, with a comment
//!   asking for review.
//! * The node role mapping (`system:nodes`, username `system:node:{{EC2PrivateDNSName}}`)
//!   becomes the cluster's `nodes`, written as a comment to merge into the cluster declaration.
//! * Whatever the language cannot express (other `system:` groups, reserved usernames, a second
//!   node role, Fargate and Windows node mappings, `mapAccounts`, invalid ARNs, a principal
//!   mapped twice) is reported as a [`Note`] and written as a comment, never dropped silently.

use std::collections::BTreeSet;

use serde_yaml::Value as Y;

use super::{Note, NoteKind};
use crate::check::access::{self, NODE_USERNAME, RESERVED_USERNAME_PREFIXES};
use crate::check::values;
use crate::ir::PrincipalKind;

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
    /// The node role ARN, for the cluster's `nodes`.
    pub nodes: Option<String>,
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
    for (key, value) in data {
        let key = key.as_str().unwrap_or("");
        let kind = match key {
            "mapRoles" => PrincipalKind::Role,
            "mapUsers" => PrincipalKind::User,
            "mapAccounts" => {
                notes.push(Note::new(
                    NoteKind::NotImported,
                    "`mapAccounts` maps every IAM principal of whole accounts; declare an access per role instead",
                ));
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
        nodes: None,
        accesses: Vec::new(),
        notes,
    };
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut principals: BTreeSet<(PrincipalKind, String, String)> = BTreeSet::new();
    for (kind, item) in &items {
        import_item(*kind, item, &mut out, &mut names, &mut principals);
    }
    Ok(out)
}

fn import_item(
    kind: PrincipalKind,
    item: &Y,
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
    for (k, _) in map {
        let k = k.as_str().unwrap_or("");
        if !matches!(k, "rolearn" | "userarn" | "username" | "groups") {
            out.notes.push(Note::new(
                NoteKind::NotImported,
                format!("{arn}: field `{k}`"),
            ));
        }
    }
    let username = item.get("username").and_then(Y::as_str).map(str::to_string);
    let groups = match strings(item.get("groups")) {
        Ok(g) => g,
        Err(e) => {
            out.notes
                .push(Note::new(NoteKind::NotImported, format!("{arn}: {e}")));
            return;
        }
    };

    // Node mappings.
    let node_like = groups.iter().any(|g| g == "system:nodes")
        || username
            .as_deref()
            .is_some_and(|u| u.starts_with("system:node:"));
    if node_like && kind == PrincipalKind::Role {
        let linux = username.as_deref() == Some(NODE_USERNAME)
            && !groups.iter().any(|g| g == "eks:kube-proxy-windows");
        if !linux {
            let what = if groups.iter().any(|g| g == "eks:kube-proxy-windows") {
                "a Windows node role (EC2_WINDOWS) is not supported by `nodes`; keep its mapping or access entry outside accessc"
            } else if username
                .as_deref()
                .is_some_and(|u| u.contains("{{SessionName}}"))
            {
                "a Fargate pod execution role: EKS creates its access entry (or mapping) for the Fargate profile; keep it outside accessc"
            } else {
                "a node-like mapping that is not the standard Linux node role"
            };
            out.notes
                .push(Note::new(NoteKind::NotImported, format!("{arn}: {what}")));
            return;
        }
        if let Some(first) = &out.nodes {
            out.notes.push(Note::new(
                NoteKind::NotImported,
                format!("{arn}: a second node role (`nodes` is `{first}`); a cluster declares one node role, so give the node groups one role or keep this mapping outside accessc"),
            ));
            return;
        }
        let extra: Vec<&String> = groups
            .iter()
            .filter(|g| !access::NODE_GROUPS.contains(&g.as_str()))
            .collect();
        if !extra.is_empty() {
            out.notes.push(Note::new(
                NoteKind::NotImported,
                format!(
                    "{arn}: node role groups {} (accessc maps the node role to system:bootstrappers and system:nodes)",
                    extra.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        match access::principal(arn) {
            Ok(_) => out.nodes = Some(arn.to_string()),
            Err((msg, _)) => out.notes.push(Note::new(
                NoteKind::NotImported,
                format!("node role: {msg}"),
            )),
        }
        return;
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

/// A string literal of the language.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
        match &self.nodes {
            Some(n) => s.push_str(&format!(
                "#\n# The node role: merge into the declaration of cluster `{}`:\n#\n#   cluster {} {{\n#     auth_mode = config_map    # api_and_config_map while migrating to access entries\n#     nodes     = {}\n#   }}\n",
                self.cluster,
                self.cluster,
                quote(n)
            )),
            None => s.push_str(&format!(
                "#\n# aws-auth has no node role mapping: set `nodes` on cluster `{}` before building.\n",
                self.cluster
            )),
        }
        for a in &self.accesses {
            s.push('\n');
            let mut lines: Vec<(&str, String)> = Vec::new();
            lines.push((
                match a.kind {
                    PrincipalKind::Role => "role",
                    PrincipalKind::User => "user",
                },
                quote(&a.arn),
            ));
            if a.cluster_admin {
                lines.push(("policy", "cluster_admin".into()));
                lines.push(("break_glass", "true".into()));
            }
            if !a.groups.is_empty() {
                let items: Vec<String> = a.groups.iter().map(|g| quote(g)).collect();
                lines.push(("groups", format!("[{}]", items.join(", "))));
            }
            if let Some(u) = &a.username {
                lines.push(("username", quote(u)));
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
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
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
            i.nodes.as_deref(),
            Some("arn:aws:iam::111122223333:role/n1")
        );
        assert_eq!(i.accesses.len(), 1);
        assert_eq!(i.accesses[0].groups, vec!["devs".to_string()]);
        assert_eq!(i.accesses[0].username, None);
        let dropped: Vec<&str> = i
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::NotImported)
            .map(|n| n.message.as_str())
            .collect();
        for needle in [
            "mapAccounts",
            "role/n2: a second node role",
            "role/win: a Windows node role",
            "group `system:authenticated`",
            "username `eks:dev`",
            "role/team/Dev: mapped a second time",
            "STS session",
        ] {
            assert!(
                dropped.iter().any(|m| m.contains(needle)),
                "{needle}: {dropped:#?}"
            );
        }
        let source = i.to_source("test");
        assert!(source.contains("NOT IMPORTED: group `system:authenticated`"));
        assert!(source.contains("#   `mapAccounts`"));
    }

    #[test]
    fn not_a_config_map() {
        assert!(convert("kind: Secret\n", "prod").is_err());
        assert!(convert("{", "prod").is_err());
    }
}
