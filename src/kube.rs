//! Kubernetes API knowledge: the built-in resource table, RBAC verbs, and
//! resolution of the resource names written in `.access` files.
//!
//! # Resource name syntax
//!
//! | written                         | meaning                                        |
//! |---------------------------------|------------------------------------------------|
//! | `*`                             | every resource ([`Resolved::Wildcard`])        |
//! | `pods`                          | a built-in resource, looked up by bare name    |
//! | `pods/log`                      | a subresource of a built-in resource           |
//! | `deployments.apps`              | `resource.group` in a built-in group           |
//! | `events.events.k8s.io`          | the non-core `events` (bare `events` is core)  |
//! | `certificates.cert-manager.io`  | a custom resource (`plural.group`)             |
//! | `certificates.cert-manager.io/status` | a custom resource's subresource          |
//!
//! A bare name resolves to the core group (`""`) when the core group has a
//! resource of that name; otherwise to the only group that has it. Today the
//! only names shared between groups are `events` (core and `events.k8s.io`),
//! `pods` and `nodes` (core and `metrics.k8s.io`), so the non-core ones are
//! reachable only qualified, e.g. `pods.metrics.k8s.io`.
//!
//! The core group cannot be written qualified (there is no `pods.core`).
//!
//! Not accepted (reported as [`ResolveError::InvalidName`]):
//! `*/scale` (RBAC's "this subresource of every resource"), `pods/*` (RBAC
//! matches subresources literally, so this would only match a subresource
//! named `*`), `*.apps` and other partial wildcards.

mod suggest;
mod table;

use std::fmt;

/// Every RBAC verb the API server knows for resources.
///
/// * `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
///   `deletecollection`: the ordinary REST verbs.
/// * `escalate`, `bind`: on `roles` / `clusterroles`, allow creating or
///   binding roles with permissions the requester does not hold.
/// * `impersonate`: on `users`, `groups`, `serviceaccounts` and `uids`.
/// * `approve`, `sign`: on `signers` (`certificates.k8s.io`), with the
///   signer name in `resourceNames`.
/// * `use`: historically for `podsecuritypolicies` (removed in 1.25); still
///   a verb the authorizer accepts and some policy add-ons check.
/// * `*`: every verb.
pub const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "escalate",
    "bind",
    "impersonate",
    "approve",
    "sign",
    "use",
    "*",
];

/// Whether `v` is one of [`VERBS`] (case-sensitive, as RBAC is).
pub fn is_verb(v: &str) -> bool {
    VERBS.contains(&v)
}

/// Verbs that a rule's `resourceNames` cannot restrict: `create` (the name
/// is not known when authorizing), `deletecollection`, and `list` / `watch`
/// (restricted only for requests that carry a `metadata.name` field
/// selector, which ordinary clients do not send). Used for a lint.
///
/// `*` returns `false`: it includes restrictable verbs too.
pub fn verb_ignores_resource_names(v: &str) -> bool {
    matches!(v, "create" | "list" | "watch" | "deletecollection")
}

/// One built-in Kubernetes API resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiResource {
    /// The plural resource name RBAC uses, e.g. `deployments`.
    pub name: &'static str,
    /// The API group; `""` is the core group.
    pub group: &'static str,
    /// `true` for namespaced resources, `false` for cluster-scoped ones.
    pub namespaced: bool,
    /// The subresources RBAC can name as `name/sub`, sorted.
    pub subresources: &'static [&'static str],
}

impl ApiResource {
    /// Whether `sub` is one of this resource's subresources.
    pub fn has_subresource(&self, sub: &str) -> bool {
        self.subresources.contains(&sub)
    }

    /// The shortest written name that resolves to this resource:
    /// `pods`, `deployments`, `events.events.k8s.io`, `pods.metrics.k8s.io`.
    pub fn display_name(&self) -> String {
        if bare(self.name).is_some_and(|r| r == self) {
            self.name.to_owned()
        } else {
            format!("{}.{}", self.name, self.group)
        }
    }

    /// The fully qualified name: `pods` for the core group (which has no
    /// qualified form), otherwise `name.group`, e.g. `deployments.apps`.
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}.{}", self.name, self.group)
        }
    }
}

/// A successfully resolved resource reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A resource from the built-in table, optionally with a subresource
    /// that the table lists for it.
    Builtin {
        /// The table entry.
        resource: &'static ApiResource,
        /// The subresource after `/`, if any.
        subresource: Option<String>,
    },
    /// A resource in a non-built-in group (a CRD or aggregated API); its
    /// scope is unknown.
    Custom {
        /// The plural resource name (a lowercase DNS-1035 label).
        plural: String,
        /// The API group (a DNS subdomain with at least one dot).
        group: String,
        /// The subresource after `/`, if any (any DNS label is accepted).
        subresource: Option<String>,
    },
    /// `*`: every resource.
    Wildcard,
}

impl Resolved {
    /// The API group for the rule's `apiGroups`: `""` for core, the custom
    /// group for custom resources, and `"*"` for [`Resolved::Wildcard`].
    pub fn group(&self) -> &str {
        match self {
            Resolved::Builtin { resource, .. } => resource.group,
            Resolved::Custom { group, .. } => group,
            Resolved::Wildcard => "*",
        }
    }

    /// The string for the rule's `resources`: `pods/log`, `certificates`,
    /// `*`.
    pub fn rbac_resource(&self) -> String {
        let (name, sub) = match self {
            Resolved::Builtin {
                resource,
                subresource,
            } => (resource.name, subresource.as_deref()),
            Resolved::Custom {
                plural,
                subresource,
                ..
            } => (plural.as_str(), subresource.as_deref()),
            Resolved::Wildcard => return "*".to_owned(),
        };
        match sub {
            Some(s) => format!("{name}/{s}"),
            None => name.to_owned(),
        }
    }

    /// `Some(true)` if namespaced, `Some(false)` if cluster-scoped (a
    /// subresource has its parent's scope); `None` for custom resources and
    /// the wildcard, whose scope is unknown.
    pub fn namespaced(&self) -> Option<bool> {
        match self {
            Resolved::Builtin { resource, .. } => Some(resource.namespaced),
            Resolved::Custom { .. } | Resolved::Wildcard => None,
        }
    }

    /// The subresource, if any.
    #[cfg(test)]
    fn subresource(&self) -> Option<&str> {
        match self {
            Resolved::Builtin { subresource, .. } | Resolved::Custom { subresource, .. } => {
                subresource.as_deref()
            }
            Resolved::Wildcard => None,
        }
    }
}

/// Why a resource name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// A bare name (no `.group`) that is not in the table.
    UnknownResource {
        /// The name as written, without any `/subresource`.
        name: String,
        /// What to write instead of `name` (e.g. `configmap` ->
        /// `configmaps`, `Deployment` -> `deployments`, `svc` -> `services`,
        /// `secrest` -> `secrets`), if anything is close enough.
        suggestion: Option<String>,
    },
    /// A built-in resource without the named subresource.
    UnknownSubresource {
        /// The resource as written, without the `/subresource`.
        resource: String,
        /// The subresource as written.
        sub: String,
        /// The resource's subresources (possibly empty).
        known: Vec<&'static str>,
    },
    /// `name.group` where `group` is built-in but has no resource `name`,
    /// e.g. `deploymentz.apps`.
    UnknownGroupResource {
        /// The resource part as written.
        name: String,
        /// The built-in group.
        group: String,
        /// What to write instead of `name.group`: usually a name in the same
        /// group (`deployments.apps`), or where the resource lives if it is
        /// in another group (`deployments.batch` -> `deployments.apps`,
        /// `pods.apps` -> `pods`).
        suggestion: Option<String>,
    },
    /// The text is not a well-formed resource reference.
    InvalidName {
        /// The whole text as written.
        name: String,
        /// A human-readable explanation.
        reason: String,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::UnknownResource { name, suggestion } => {
                write!(f, "unknown Kubernetes resource `{name}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(f, "; custom resources must be written as `plural.group`"),
                }
            }
            ResolveError::UnknownSubresource {
                resource,
                sub,
                known,
            } => {
                write!(f, "resource `{resource}` has no subresource `{sub}`")?;
                if known.is_empty() {
                    write!(f, "; it has no subresources")
                } else {
                    write!(f, "; known subresources: {}", known.join(", "))
                }
            }
            ResolveError::UnknownGroupResource {
                name,
                group,
                suggestion,
            } => {
                write!(f, "API group `{group}` has no resource `{name}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => Ok(()),
                }
            }
            ResolveError::InvalidName { name, reason } => {
                write!(f, "invalid resource name `{name}`: {reason}")
            }
        }
    }
}

impl std::error::Error for ResolveError {}

/// Every built-in resource, core group first.
pub fn resources() -> &'static [ApiResource] {
    table::RESOURCES
}

/// The API groups that have built-in resources, starting with the core
/// group `""`, each once.
#[cfg(test)]
fn builtin_groups() -> impl Iterator<Item = &'static str> {
    table::GROUPS.iter().copied()
}

/// Whether `group` is a built-in group (including the core group `""`).
pub fn is_builtin_group(group: &str) -> bool {
    table::GROUPS.contains(&group)
}

/// The built-in resource `name` in `group`, if there is one.
pub fn lookup(group: &str, name: &str) -> Option<&'static ApiResource> {
    table::RESOURCES
        .iter()
        .find(|r| r.group == group && r.name == name)
}

/// The resource a bare name resolves to: the first table entry of that
/// name, which is the core one when the core group has it.
fn bare(name: &str) -> Option<&'static ApiResource> {
    table::RESOURCES.iter().find(|r| r.name == name)
}

/// Resolve `pods`, `pods/log`, `deployments`, `deployments.apps`,
/// `certificates.cert-manager.io`, `*`.
///
/// A name with a dot is `resource.group`; if group is one of the builtin
/// groups, the resource must be in the table; otherwise it is a custom
/// resource (group must look like a DNS subdomain, plural must be a lowercase
/// DNS label) and its scope is unknown.
///
/// See the [module documentation](self) for the full syntax and for which
/// group a bare name shared by several groups resolves to (core wins).
///
/// # Errors
///
/// * [`ResolveError::UnknownResource`]: a bare name not in the table (CRDs
///   must be written `plural.group`);
/// * [`ResolveError::UnknownSubresource`]: a built-in resource without that
///   subresource;
/// * [`ResolveError::UnknownGroupResource`]: a built-in group without that
///   resource;
/// * [`ResolveError::InvalidName`]: malformed text, a custom group without a
///   dot or not a DNS subdomain, a custom plural that is not a lowercase
///   DNS-1035 label, or an unsupported wildcard form.
pub fn resolve(name: &str) -> Result<Resolved, ResolveError> {
    let invalid = |reason: &str| ResolveError::InvalidName {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };

    if name.is_empty() {
        return Err(invalid("the name is empty"));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(invalid("resource names cannot contain whitespace"));
    }

    let (base, sub) = match name.split_once('/') {
        Some((base, sub)) => (base, Some(sub)),
        None => (name, None),
    };
    if let Some(sub) = sub {
        if sub.contains('/') {
            return Err(invalid(
                "at most one `/` is allowed (`resource/subresource`)",
            ));
        }
        if sub.is_empty() {
            return Err(invalid("the subresource after `/` is empty"));
        }
        if sub == "*" {
            return Err(invalid(
                "RBAC does not expand `resource/*`; list the subresources explicitly",
            ));
        }
    }
    if base.is_empty() {
        return Err(invalid("the resource before `/` is empty"));
    }

    if base == "*" {
        return match sub {
            None => Ok(Resolved::Wildcard),
            Some(_) => Err(invalid(
                "`*/subresource` is not supported; name the resources explicitly",
            )),
        };
    }
    if base.contains('*') || sub.is_some_and(|s| s.contains('*')) {
        return Err(invalid(
            "`*` is only allowed on its own, meaning every resource",
        ));
    }

    match base.split_once('.') {
        None => resolve_bare(name, base, sub),
        Some((res, group)) => resolve_qualified(name, res, group, sub),
    }
}

/// Attach `sub` to a built-in resource, checking that it exists.
fn with_subresource(
    written: &str,
    resource: &'static ApiResource,
    sub: Option<&str>,
) -> Result<Resolved, ResolveError> {
    match sub {
        None => Ok(Resolved::Builtin {
            resource,
            subresource: None,
        }),
        Some(s) if resource.has_subresource(s) => Ok(Resolved::Builtin {
            resource,
            subresource: Some(s.to_owned()),
        }),
        Some(s) => Err(ResolveError::UnknownSubresource {
            resource: written.to_owned(),
            sub: s.to_owned(),
            known: resource.subresources.to_vec(),
        }),
    }
}

fn resolve_bare(full: &str, base: &str, sub: Option<&str>) -> Result<Resolved, ResolveError> {
    if let Some(resource) = bare(base) {
        return with_subresource(base, resource, sub);
    }
    if !base.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ResolveError::InvalidName {
            name: full.to_owned(),
            reason: "resource names consist of lowercase letters, digits and `-`".to_owned(),
        });
    }
    Err(ResolveError::UnknownResource {
        name: base.to_owned(),
        suggestion: suggest::closest(base, None, true).map(ApiResource::display_name),
    })
}

fn resolve_qualified(
    full: &str,
    res: &str,
    group: &str,
    sub: Option<&str>,
) -> Result<Resolved, ResolveError> {
    let invalid = |reason: String| ResolveError::InvalidName {
        name: full.to_owned(),
        reason,
    };
    if res.is_empty() {
        return Err(invalid("the resource before `.group` is empty".to_owned()));
    }
    if group.is_empty() {
        return Err(invalid("the group after `.` is empty".to_owned()));
    }

    if is_builtin_group(group) {
        if let Some(resource) = lookup(group, res) {
            return with_subresource(&format!("{res}.{group}"), resource, sub);
        }
        let suggestion = suggest::closest(res, Some(group), true)
            .map(ApiResource::qualified_name)
            .or_else(|| {
                // Right name, wrong group: point at where it lives.
                suggest::closest(res, None, false).map(ApiResource::display_name)
            });
        return Err(ResolveError::UnknownGroupResource {
            name: res.to_owned(),
            group: group.to_owned(),
            suggestion,
        });
    }

    if group == "extensions" {
        return Err(invalid(
            "the `extensions` API group was removed in Kubernetes 1.22; use `apps`, \
             `networking.k8s.io` or `policy`"
                .to_owned(),
        ));
    }
    if let Err(why) = check_dns_subdomain(group) {
        return Err(invalid(format!("API group `{group}` {why}")));
    }
    if !group.contains('.') {
        return Err(invalid(format!(
            "`{group}` is not a built-in API group, and a custom resource's group must be \
             a domain with at least one dot"
        )));
    }
    if let Err(why) = check_dns1035_label(res) {
        return Err(invalid(format!("custom resource plural `{res}` {why}")));
    }
    if let Some(s) = sub {
        if let Err(why) = check_dns1123_label(s) {
            return Err(invalid(format!("subresource `{s}` {why}")));
        }
    }
    Ok(Resolved::Custom {
        plural: res.to_owned(),
        group: group.to_owned(),
        subresource: sub.map(str::to_owned),
    })
}

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// RFC 1123 label: 1-63 of `[a-z0-9-]`, starting and ending alphanumeric.
fn check_dns1123_label(s: &str) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > 63 {
        return Err("must be 1 to 63 characters long");
    }
    if !s.chars().all(|c| is_lower_alnum(c) || c == '-') {
        return Err("must consist of lowercase letters, digits and `-`");
    }
    if !s.starts_with(is_lower_alnum) || !s.ends_with(is_lower_alnum) {
        return Err("must start and end with a lowercase letter or digit");
    }
    Ok(())
}

/// RFC 1035 label (what CRDs require of `names.plural`): an RFC 1123 label
/// that starts with a letter.
fn check_dns1035_label(s: &str) -> Result<(), &'static str> {
    check_dns1123_label(s)?;
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("must start with a lowercase letter");
    }
    Ok(())
}

/// RFC 1123 subdomain: at most 253 characters of dot-separated labels.
fn check_dns_subdomain(s: &str) -> Result<(), &'static str> {
    if s.len() > 253 {
        return Err("must be at most 253 characters long");
    }
    for label in s.split('.') {
        if label.is_empty() {
            return Err("must not have empty dot-separated parts");
        }
        check_dns1123_label(label)
            .map_err(|_| "must be a DNS subdomain (lowercase letters, digits, `-` and `.`)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn builtin(name: &str) -> (&'static str, &'static str, Option<String>) {
        match resolve(name) {
            Ok(Resolved::Builtin {
                resource,
                subresource,
            }) => (resource.group, resource.name, subresource),
            other => panic!("{name}: expected builtin, got {other:?}"),
        }
    }

    #[test]
    fn table_has_no_duplicates() {
        let mut seen = HashSet::new();
        for r in resources() {
            assert!(seen.insert((r.group, r.name)), "duplicate {r:?}");
        }
    }

    #[test]
    fn table_is_well_formed() {
        for r in resources() {
            assert!(check_dns1035_label(r.name).is_ok(), "{r:?}");
            assert!(r.group.is_empty() || check_dns_subdomain(r.group).is_ok());
            let mut subs = r.subresources.to_vec();
            subs.sort_unstable();
            subs.dedup();
            assert_eq!(
                subs, r.subresources,
                "subresources of {r:?} not sorted/unique"
            );
            for s in r.subresources {
                assert!(check_dns1123_label(s).is_ok(), "{r:?} / {s}");
            }
        }
    }

    #[test]
    fn groups_match_table() {
        let table_groups: Vec<&str> = {
            let mut v: Vec<&str> = Vec::new();
            for r in resources() {
                if !v.contains(&r.group) {
                    v.push(r.group);
                }
            }
            v
        };
        let listed: Vec<&str> = builtin_groups().collect();
        assert_eq!(listed, table_groups);
        assert_eq!(listed.first(), Some(&""));
    }

    #[test]
    fn shared_bare_names_resolve_to_core() {
        // The documented rule: a name in several groups must be in core, and
        // the core entry must come first.
        for r in resources() {
            let holders: Vec<&ApiResource> =
                resources().iter().filter(|o| o.name == r.name).collect();
            if holders.len() > 1 {
                assert_eq!(holders[0].group, "", "{} is shared but not core", r.name);
                assert_eq!(bare(r.name).map(|b| b.group), Some(""));
            }
        }
    }

    #[test]
    fn every_entry_is_reachable() {
        for r in resources() {
            let written = r.display_name();
            assert_eq!(builtin(&written), (r.group, r.name, None), "{written}");
            let q = r.qualified_name();
            assert_eq!(builtin(&q), (r.group, r.name, None), "{q}");
            for s in r.subresources {
                let w = format!("{written}/{s}");
                assert_eq!(builtin(&w), (r.group, r.name, Some((*s).to_owned())));
            }
        }
    }

    #[test]
    fn resolves_brief_examples() {
        assert_eq!(builtin("pods"), ("", "pods", None));
        assert_eq!(builtin("pods/log"), ("", "pods", Some("log".into())));
        assert_eq!(builtin("deployments"), ("apps", "deployments", None));
        assert_eq!(builtin("deployments.apps"), ("apps", "deployments", None));
        assert_eq!(resolve("*"), Ok(Resolved::Wildcard));
        assert_eq!(
            resolve("certificates.cert-manager.io"),
            Ok(Resolved::Custom {
                plural: "certificates".into(),
                group: "cert-manager.io".into(),
                subresource: None,
            })
        );
    }

    #[test]
    fn shared_names() {
        assert_eq!(builtin("events"), ("", "events", None));
        assert_eq!(
            builtin("events.events.k8s.io"),
            ("events.k8s.io", "events", None)
        );
        assert_eq!(builtin("pods").0, "");
        assert_eq!(builtin("nodes").0, "");
        assert_eq!(
            builtin("pods.metrics.k8s.io"),
            ("metrics.k8s.io", "pods", None)
        );
        assert_eq!(
            builtin("nodes.metrics.k8s.io"),
            ("metrics.k8s.io", "nodes", None)
        );
        let m = lookup("metrics.k8s.io", "pods").map(ApiResource::display_name);
        assert_eq!(m.as_deref(), Some("pods.metrics.k8s.io"));
    }

    #[test]
    fn scopes() {
        let clusterroles = resolve("clusterroles").unwrap();
        assert_eq!(clusterroles.namespaced(), Some(false));
        assert_eq!(clusterroles.group(), "rbac.authorization.k8s.io");
        assert_eq!(resolve("roles").unwrap().namespaced(), Some(true));
        assert_eq!(resolve("nodes/proxy").unwrap().namespaced(), Some(false));
        assert_eq!(resolve("pods/exec").unwrap().namespaced(), Some(true));
        assert_eq!(
            resolve("localsubjectaccessreviews").unwrap().namespaced(),
            Some(true)
        );
        assert_eq!(
            resolve("csistoragecapacities").unwrap().namespaced(),
            Some(true)
        );
        assert_eq!(resolve("csinodes").unwrap().namespaced(), Some(false));
        assert_eq!(resolve("widgets.example.com").unwrap().namespaced(), None);
        assert_eq!(resolve("*").unwrap().namespaced(), None);
    }

    #[test]
    fn resolved_accessors() {
        let r = resolve("pods/log").unwrap();
        assert_eq!(r.group(), "");
        assert_eq!(r.rbac_resource(), "pods/log");
        assert_eq!(r.subresource(), Some("log"));
        let c = resolve("certificates.cert-manager.io").unwrap();
        assert_eq!(c.group(), "cert-manager.io");
        assert_eq!(c.rbac_resource(), "certificates");
        let cs = resolve("certificates.cert-manager.io/status").unwrap();
        assert_eq!(cs.rbac_resource(), "certificates/status");
        assert_eq!(Resolved::Wildcard.group(), "*");
        assert_eq!(Resolved::Wildcard.rbac_resource(), "*");
        let d = resolve("deployments.apps/scale").unwrap();
        assert_eq!(
            (d.group(), d.rbac_resource()),
            ("apps", "deployments/scale".into())
        );
    }

    #[test]
    fn subresources() {
        assert_eq!(builtin("pods/exec").2.as_deref(), Some("exec"));
        assert_eq!(builtin("pods/ephemeralcontainers").1, "pods");
        assert_eq!(builtin("serviceaccounts/token").1, "serviceaccounts");
        assert_eq!(
            builtin("certificatesigningrequests/approval").1,
            "certificatesigningrequests"
        );
        assert_eq!(builtin("nodes/metrics").1, "nodes");
        match resolve("pods/foo") {
            Err(ResolveError::UnknownSubresource {
                resource,
                sub,
                known,
            }) => {
                assert_eq!(resource, "pods");
                assert_eq!(sub, "foo");
                assert!(known.contains(&"exec") && known.contains(&"log"));
            }
            other => panic!("{other:?}"),
        }
        match resolve("configmaps/status") {
            Err(ResolveError::UnknownSubresource { known, .. }) => assert!(known.is_empty()),
            other => panic!("{other:?}"),
        }
        match resolve("deployments.apps/logs") {
            Err(ResolveError::UnknownSubresource { resource, .. }) => {
                assert_eq!(resource, "deployments.apps")
            }
            other => panic!("{other:?}"),
        }
    }

    fn suggestion(name: &str) -> Option<String> {
        match resolve(name) {
            Err(ResolveError::UnknownResource { suggestion, .. }) => suggestion,
            other => panic!("{name}: expected UnknownResource, got {other:?}"),
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggestion("configmap").as_deref(), Some("configmaps"));
        assert_eq!(suggestion("pod").as_deref(), Some("pods"));
        assert_eq!(suggestion("deployment").as_deref(), Some("deployments"));
        assert_eq!(suggestion("Deployment").as_deref(), Some("deployments"));
        assert_eq!(suggestion("ingress").as_deref(), Some("ingresses"));
        assert_eq!(
            suggestion("networkpolicy").as_deref(),
            Some("networkpolicies")
        );
        assert_eq!(suggestion("ConfigMap").as_deref(), Some("configmaps"));
        assert_eq!(suggestion("Event").as_deref(), Some("events"));
        assert_eq!(suggestion("svc").as_deref(), Some("services"));
        assert_eq!(suggestion("secert").as_deref(), Some("secrets"));
        assert_eq!(suggestion("certificates"), None);
        match resolve("Deployment/scale") {
            Err(ResolveError::UnknownResource { name, suggestion }) => {
                assert_eq!(name, "Deployment");
                assert_eq!(suggestion.as_deref(), Some("deployments"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_group_resource() {
        let check = |name: &str, res: &str, group: &str, sugg: Option<&str>| match resolve(name) {
            Err(ResolveError::UnknownGroupResource {
                name: n,
                group: g,
                suggestion,
            }) => {
                assert_eq!((n.as_str(), g.as_str()), (res, group), "{name}");
                assert_eq!(suggestion.as_deref(), sugg, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        };
        check("foo.apps", "foo", "apps", None);
        check(
            "deploymentz.apps",
            "deploymentz",
            "apps",
            Some("deployments.apps"),
        );
        check(
            "Deployment.apps",
            "Deployment",
            "apps",
            Some("deployments.apps"),
        );
        check(
            "deployments.batch",
            "deployments",
            "batch",
            Some("deployments"),
        );
        check("pods.apps", "pods", "apps", Some("pods"));
        check(
            "events.metrics.k8s.io",
            "events",
            "metrics.k8s.io",
            Some("events"),
        );
    }

    #[test]
    fn custom_resources() {
        assert_eq!(
            resolve("volumesnapshots.snapshot.storage.k8s.io/status"),
            Ok(Resolved::Custom {
                plural: "volumesnapshots".into(),
                group: "snapshot.storage.k8s.io".into(),
                subresource: Some("status".into()),
            })
        );
        assert!(matches!(
            resolve("httproutes.gateway.networking.k8s.io"),
            Ok(Resolved::Custom { .. })
        ));
    }

    #[test]
    fn invalid_names() {
        for bad in [
            "",
            " pods",
            "pods/",
            "/log",
            "pods/log/x",
            "pods/*",
            "*/scale",
            "*.apps",
            "po*",
            "pods.",
            ".apps",
            "widgets.example",
            "deployments.extensions",
            "Certificates.cert-manager.io",
            "1widgets.example.com",
            "widgets.Example.com",
            "widgets.example..com",
            "widgets.-example.com",
            "widgets.example.com/Status",
            "pods_x",
        ] {
            assert!(
                matches!(resolve(bad), Err(ResolveError::InvalidName { .. })),
                "{bad:?}: {:?}",
                resolve(bad)
            );
        }
    }

    #[test]
    fn verbs() {
        for v in VERBS {
            assert!(is_verb(v));
        }
        assert!(is_verb("get"));
        assert!(is_verb("*"));
        assert!(is_verb("impersonate"));
        assert!(!is_verb("GET"));
        assert!(!is_verb("read"));
        assert!(!is_verb(""));
        let unique: HashSet<_> = VERBS.iter().collect();
        assert_eq!(unique.len(), VERBS.len());

        for v in ["create", "list", "watch", "deletecollection"] {
            assert!(verb_ignores_resource_names(v), "{v}");
        }
        for v in ["get", "update", "patch", "delete", "*", "bind"] {
            assert!(!verb_ignores_resource_names(v), "{v}");
        }
    }

    #[test]
    fn error_messages() {
        let e = resolve("configmap").unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown Kubernetes resource `configmap`; did you mean `configmaps`?"
        );
        let e = resolve("pods/foo").unwrap_err().to_string();
        assert!(
            e.starts_with("resource `pods` has no subresource `foo`; known subresources: attach")
        );
        let e = resolve("foo.apps").unwrap_err().to_string();
        assert_eq!(e, "API group `apps` has no resource `foo`");
    }
}
