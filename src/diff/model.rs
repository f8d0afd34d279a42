//! The permission model: what a set of generated files grants, per principal.
//!
//! Both sides of a diff are read into this model *from files*: the committed output folder,
//! another output folder (`--base`), or the artifacts of compiling the current or an older
//! program (`--git`), so that every form of `accessc diff` compares the same way. Only files
//! whose meaning is known are read (by their place in the output layout, which
//! [`crate::emit::layout`] parses); others (Terraform, kustomizations, files accessc did not
//! write) only show in the text diff.
//!
//! A principal's permissions are sets of small facts ("atoms"); a diff is the set difference,
//! grouped back into sentences by [`super::compare`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::emit::layout::{ArtifactPath, ResourceDir, RoleFile};

/// Generated files: path relative to the output folder → contents.
pub type Files = BTreeMap<String, String>;

/// Who holds permissions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalId {
    /// A workload IAM role (an app's own, or a shared `role`).
    Role {
        /// Account.
        account: String,
        /// Role name.
        name: String,
    },
    /// A Kubernetes service account (an app), on whatever clusters its atoms name.
    ServiceAccount {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// An IAM principal that reaches clusters (an `access` declaration, or the node role),
    /// keyed by its ARN without the IAM path.
    Access {
        /// `arn:aws:iam::ACCOUNT:role/NAME`.
        arn: String,
    },
    /// A Kubernetes group or user that no IAM principal of the output maps to.
    KubeSubject {
        /// `Group` or `User`.
        kind: String,
        /// Name.
        name: String,
    },
    /// Another IAM principal named by a resource policy (an account root, a foreign role).
    Aws {
        /// ARN.
        arn: String,
    },
    /// A permission boundary.
    Boundary {
        /// Account.
        account: String,
        /// Name.
        name: String,
    },
    /// A cluster's own settings.
    Cluster {
        /// Name.
        name: String,
    },
}

/// Allow or Deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Allow.
    Allow,
    /// Deny (boundaries, and the statements of `deny` grants).
    Deny,
}

/// One IAM action on one resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AwsAtom {
    /// Allow or Deny.
    pub effect: Effect,
    /// Empty for the principal's own permissions policy; else the resource policy it is
    /// granted by (`bucket policy of tenant-data`).
    pub via: String,
    /// Resource (pattern).
    pub resource: String,
    /// Canonical conditions (`StringEquals s3:x = a | b and …`), empty when none.
    pub condition: String,
    /// The same conditions as a structure (operator → key → sorted values), to tell whether a
    /// change of condition widens or narrows the grant.
    pub conditions: Conditions,
    /// Action.
    pub action: String,
}

/// One fact of a trust policy, or of who assumes a role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrustFact {
    /// Pod Identity: `aws:SourceArn`, a cluster ARN.
    Cluster(String),
    /// Pod Identity: `aws:SourceAccount`.
    Account(String),
    /// Pod Identity: `aws:SourceOrgId`.
    Org(String),
    /// IRSA: a `sub` of an OIDC provider.
    Subject {
        /// Issuer (host/path).
        issuer: String,
        /// `system:serviceaccount:NS:SA`.
        subject: String,
    },
    /// A Pod Identity association of a service account with the role.
    Association {
        /// Cluster.
        cluster: String,
        /// Namespace.
        namespace: String,
        /// Service account.
        service_account: String,
    },
    /// A trust statement of another shape (its canonical JSON).
    Other(String),
}

/// One Kubernetes verb on one resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeAtom {
    /// Cluster.
    pub cluster: String,
    /// Namespace; None: cluster-wide.
    pub namespace: Option<String>,
    /// API group (`""` core).
    pub group: String,
    /// Resource (`pods/log`).
    pub resource: String,
    /// Object name, when restricted.
    pub name: Option<String>,
    /// Verb.
    pub verb: String,
}

/// A built-in or EKS access policy held in a scope.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyAtom {
    /// Cluster.
    pub cluster: String,
    /// `cluster_admin`, `admin`, `edit`, `view`, or `ClusterRole NAME` for another role.
    pub policy: String,
    /// Namespace; None: cluster scope.
    pub namespace: Option<String>,
}

/// How an IAM principal is mapped into a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mechanism {
    /// An EKS access entry.
    AccessEntry,
    /// An aws-auth mapping.
    AwsAuth,
}

impl Mechanism {
    /// Words for reports.
    pub fn words(self) -> &'static str {
        match self {
            Mechanism::AccessEntry => "access entry",
            Mechanism::AwsAuth => "aws-auth mapping",
        }
    }
}

/// A field of an access entry or aws-auth mapping.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryField {
    /// The entry exists.
    Present,
    /// Its type (`STANDARD`, `EC2_LINUX`).
    Type(String),
    /// Its Kubernetes username.
    Username(String),
    /// One of its Kubernetes groups.
    Group(String),
}

/// One fact of an access entry or aws-auth mapping.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryAtom {
    /// Cluster.
    pub cluster: String,
    /// Access entry or aws-auth.
    pub mechanism: Mechanism,
    /// The fact.
    pub field: EntryField,
}

/// Everything a principal holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principal {
    /// Names it goes by in the program (access names), for labels.
    pub names: BTreeSet<String>,
    /// ARNs as written (with their IAM path).
    pub arns: BTreeSet<String>,
    /// IAM permissions.
    pub aws: BTreeSet<AwsAtom>,
    /// Trust.
    pub trust: BTreeSet<TrustFact>,
    /// Permission boundary ARN (roles).
    pub boundary: Option<String>,
    /// Kubernetes permissions through Roles and ClusterRoles.
    pub kube: BTreeSet<KubeAtom>,
    /// Access policies and built-in ClusterRoles.
    pub policies: BTreeSet<PolicyAtom>,
    /// Access entries and aws-auth mappings.
    pub entries: BTreeSet<EntryAtom>,
    /// Settings (clusters): name → value.
    pub settings: BTreeMap<String, String>,
    /// Service accounts: the clusters where its pods mount an API token
    /// (`automountServiceAccountToken: true`).
    pub automount: BTreeSet<String>,
    /// `file:line` of the declarations it comes from (from `manifest.json`).
    pub sources: BTreeSet<String>,
}

/// The permission model of a set of files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    /// Every principal.
    pub principals: BTreeMap<PrincipalId, Principal>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Condition operator → key → values (sorted).
pub type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn conditions(v: Option<&Value>) -> Conditions {
    let mut out = Conditions::new();
    if let Some(Value::Object(ops)) = v {
        for (op, keys) in ops {
            if let Value::Object(keys) = keys {
                for (k, vals) in keys {
                    let mut vals = strings(Some(vals));
                    vals.sort();
                    out.entry(op.clone()).or_default().insert(k.clone(), vals);
                }
            }
        }
    }
    out
}

/// `StringEquals s3:x = a | b and ArnEquals …`.
pub fn condition_text(c: &Conditions) -> String {
    let mut parts = Vec::new();
    for (op, keys) in c {
        for (k, vals) in keys {
            parts.push(format!("{op} {k} = {}", vals.join(" | ")));
        }
    }
    parts.join(" and ")
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

/// `arn:aws:iam::A:role/path/NAME` → (account, NAME), for role ARNs.
fn role_of_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let _partition = parts.next()?;
    if parts.next()? != "iam" {
        return None;
    }
    let _region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    Some((account.to_string(), name.to_string()))
}

/// The ARN of an IAM role or user without its path.
pub fn without_path(arn: &str) -> String {
    crate::graph::without_path(arn)
}

fn parse_json(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

fn parse_yaml(text: &str) -> Option<Value> {
    serde_yaml::from_str(text).ok()
}

/// Map an EKS access policy ARN or a built-in ClusterRole to the `.access` keyword.
pub fn policy_keyword(arn_or_role: &str) -> String {
    let last = arn_or_role.rsplit('/').next().unwrap_or(arn_or_role);
    match last {
        "AmazonEKSClusterAdminPolicy" | "cluster-admin" => "cluster_admin".to_string(),
        "AmazonEKSAdminPolicy" | "admin" => "admin".to_string(),
        "AmazonEKSEditPolicy" | "edit" => "edit".to_string(),
        "AmazonEKSViewPolicy" | "view" => "view".to_string(),
        other => other.to_string(),
    }
}

/// The policy documents of `resources/<service>/<name>/`.
const RESOURCE_POLICY_FILES: &[&str] = &[
    "bucket-policy.json",
    "key-policy.json",
    "queue-policy.json",
    "topic-policy.json",
    "secret-policy.json",
    "repository-policy.json",
];

/// A Role or ClusterRole read from YAML: its rules as atoms without cluster/namespace.
type Rules = Vec<(String, String, Option<String>, String)>;

fn rules_of(doc: &Value) -> Rules {
    let mut out = Vec::new();
    if let Some(Value::Array(rules)) = doc.get("rules") {
        for r in rules {
            let groups = strings(r.get("apiGroups"));
            let resources = strings(r.get("resources"));
            let names = strings(r.get("resourceNames"));
            let verbs = strings(r.get("verbs"));
            let names: Vec<Option<String>> = if names.is_empty() {
                vec![None]
            } else {
                names.into_iter().map(Some).collect()
            };
            for g in &groups {
                for res in &resources {
                    for n in &names {
                        for v in &verbs {
                            out.push((g.clone(), res.clone(), n.clone(), v.clone()));
                        }
                    }
                }
            }
        }
    }
    out
}

/// A binding read from YAML.
struct Binding {
    cluster: String,
    namespace: Option<String>,
    role_kind: String,
    role_name: String,
    /// (kind, name, namespace)
    subjects: Vec<(String, String, Option<String>)>,
    path: String,
}

impl Model {
    fn get(&mut self, id: PrincipalId) -> &mut Principal {
        self.principals.entry(id).or_default()
    }

    /// Read the model of a set of generated files.
    pub fn read(files: &Files) -> Model {
        let mut m = Model::default();
        let manifest = files
            .get(crate::emit::manifest::FILE)
            .and_then(|t| crate::emit::manifest::parse(t));
        let sources_of: BTreeMap<&str, &[String]> = manifest
            .as_ref()
            .map(|mf| {
                mf.artifacts
                    .iter()
                    .map(|e| (e.path.as_str(), e.sources.as_slice()))
                    .collect()
            })
            .unwrap_or_default();
        // Who contributed which file, to attach sources.
        let mut contributed: Vec<(PrincipalId, String)> = Vec::new();
        // (cluster, namespace, name) → rules of Roles; (cluster, name) → ClusterRoles.
        let mut roles: BTreeMap<(String, String, String), Rules> = BTreeMap::new();
        let mut cluster_roles: BTreeMap<(String, String), Rules> = BTreeMap::new();
        let mut bindings: Vec<Binding> = Vec::new();
        // (cluster, group) → principals mapped to it.
        let mut members: BTreeMap<(String, String), BTreeSet<PrincipalId>> = BTreeMap::new();

        for (path, text) in files {
            // What the file is, by its place in the output layout (the only parser of it).
            let Some(place) = ArtifactPath::parse(path) else {
                continue;
            };
            match place {
                ArtifactPath::Role {
                    account,
                    role,
                    file,
                } => {
                    let id = PrincipalId::Role {
                        account: account.to_string(),
                        name: role.to_string(),
                    };
                    let Some(doc) = parse_json(text) else {
                        continue;
                    };
                    match file {
                        RoleFile::Policy { .. } => {
                            let atoms = identity_atoms(&doc, "");
                            m.get(id.clone()).aws.extend(atoms);
                            contributed.push((id, path.clone()));
                        }
                        RoleFile::TrustPolicy => {
                            let facts = trust_facts(&doc);
                            m.get(id.clone()).trust.extend(facts);
                            contributed.push((id, path.clone()));
                        }
                        RoleFile::CreateRole => {
                            let p = m.get(id.clone());
                            p.boundary = str_of(&doc, "PermissionsBoundary").map(str::to_string);
                            contributed.push((id, path.clone()));
                        }
                        RoleFile::CreatePolicy { .. } | RoleFile::AttachRolePolicy { .. } => {}
                    }
                }
                ArtifactPath::Boundary { account, name } => {
                    let id = PrincipalId::Boundary {
                        account: account.to_string(),
                        name: name.to_string(),
                    };
                    let Some(doc) = parse_json(text) else {
                        continue;
                    };
                    let atoms = identity_atoms(&doc, "");
                    m.get(id.clone()).aws.extend(atoms);
                    contributed.push((id, path.clone()));
                }
                ArtifactPath::CreateCluster { cluster } => {
                    let id = PrincipalId::Cluster {
                        name: cluster.to_string(),
                    };
                    let Some(doc) = parse_json(text) else {
                        continue;
                    };
                    let p = m.get(id.clone());
                    if let Some(ac) = doc.get("accessConfig") {
                        if let Some(mode) = str_of(ac, "authenticationMode") {
                            p.settings
                                .insert("authentication mode".into(), mode.to_string());
                        }
                        if let Some(b) = ac
                            .get("bootstrapClusterCreatorAdminPermissions")
                            .and_then(Value::as_bool)
                        {
                            p.settings
                                .insert("cluster creator admin permissions".into(), b.to_string());
                        }
                    }
                    contributed.push((id, path.clone()));
                }
                ArtifactPath::PodIdentityAssociation { cluster, .. } => {
                    let Some(doc) = parse_json(text) else {
                        continue;
                    };
                    let Some((account, name)) = str_of(&doc, "roleArn").and_then(role_of_arn)
                    else {
                        continue;
                    };
                    let id = PrincipalId::Role { account, name };
                    let fact = TrustFact::Association {
                        cluster: cluster.to_string(),
                        namespace: str_of(&doc, "namespace").unwrap_or("").to_string(),
                        service_account: str_of(&doc, "serviceAccount").unwrap_or("").to_string(),
                    };
                    m.get(id).trust.insert(fact);
                }
                ArtifactPath::AccessEntry {
                    cluster,
                    name: stem,
                }
                | ArtifactPath::AccessPolicy {
                    cluster,
                    name: stem,
                } => {
                    let entry = matches!(place, ArtifactPath::AccessEntry { .. });
                    let Some(doc) = parse_json(text) else {
                        continue;
                    };
                    let Some(arn) = str_of(&doc, "principalArn") else {
                        continue;
                    };
                    let id = PrincipalId::Access {
                        arn: without_path(arn),
                    };
                    if entry {
                        let p = m.get(id.clone());
                        p.arns.insert(arn.to_string());
                        // `_nodes`, `_windows-nodes`, `_fargate` (and `.ROLE` after the
                        // first): node roles; access names never start with `_`.
                        p.names.insert(if stem.starts_with('_') {
                            "nodes".to_string()
                        } else {
                            stem.to_string()
                        });
                        let atom = |field| EntryAtom {
                            cluster: cluster.to_string(),
                            mechanism: Mechanism::AccessEntry,
                            field,
                        };
                        p.entries.insert(atom(EntryField::Present));
                        if let Some(t) = str_of(&doc, "type") {
                            p.entries.insert(atom(EntryField::Type(t.to_string())));
                        }
                        if let Some(u) = str_of(&doc, "username") {
                            p.entries.insert(atom(EntryField::Username(u.to_string())));
                        }
                        for g in strings(doc.get("kubernetesGroups")) {
                            p.entries.insert(atom(EntryField::Group(g.clone())));
                            members
                                .entry((cluster.to_string(), g))
                                .or_default()
                                .insert(id.clone());
                        }
                        contributed.push((id, path.clone()));
                    } else {
                        let p = m.get(id.clone());
                        p.arns.insert(arn.to_string());
                        p.names.insert(stem.to_string());
                        let policy = policy_keyword(str_of(&doc, "policyArn").unwrap_or(""));
                        let scope = doc.get("accessScope");
                        let namespaces = strings(scope.and_then(|s| s.get("namespaces")));
                        let is_cluster = scope
                            .and_then(|s| str_of(s, "type"))
                            .is_none_or(|t| t == "cluster");
                        if is_cluster {
                            p.policies.insert(PolicyAtom {
                                cluster: cluster.to_string(),
                                policy,
                                namespace: None,
                            });
                        } else {
                            for ns in namespaces {
                                p.policies.insert(PolicyAtom {
                                    cluster: cluster.to_string(),
                                    policy: policy.clone(),
                                    namespace: Some(ns),
                                });
                            }
                        }
                        contributed.push((id, path.clone()));
                    }
                }
                ArtifactPath::KubeObject { cluster, .. } => {
                    let Some(doc) = parse_yaml(text) else {
                        continue;
                    };
                    let kind = str_of(&doc, "kind").unwrap_or("");
                    let meta = doc.get("metadata");
                    let name = meta
                        .and_then(|md| str_of(md, "name"))
                        .unwrap_or("")
                        .to_string();
                    let namespace = meta
                        .and_then(|md| str_of(md, "namespace"))
                        .map(str::to_string);
                    match kind {
                        "ServiceAccount" => {
                            let mounts = doc
                                .get("automountServiceAccountToken")
                                .and_then(Value::as_bool)
                                // Kubernetes mounts the token unless told not to.
                                .unwrap_or(true);
                            if mounts {
                                let id = PrincipalId::ServiceAccount {
                                    namespace: namespace.unwrap_or_default(),
                                    name,
                                };
                                m.get(id.clone()).automount.insert(cluster.to_string());
                                contributed.push((id, path.clone()));
                            }
                        }
                        "Role" => {
                            roles.insert(
                                (cluster.to_string(), namespace.unwrap_or_default(), name),
                                rules_of(&doc),
                            );
                        }
                        "ClusterRole" => {
                            cluster_roles.insert((cluster.to_string(), name), rules_of(&doc));
                        }
                        "RoleBinding" | "ClusterRoleBinding" => {
                            let role_ref = doc.get("roleRef");
                            let subjects = match doc.get("subjects") {
                                Some(Value::Array(a)) => a
                                    .iter()
                                    .map(|s| {
                                        (
                                            str_of(s, "kind").unwrap_or("").to_string(),
                                            str_of(s, "name").unwrap_or("").to_string(),
                                            str_of(s, "namespace").map(str::to_string),
                                        )
                                    })
                                    .collect(),
                                _ => Vec::new(),
                            };
                            bindings.push(Binding {
                                cluster: cluster.to_string(),
                                namespace: if kind == "RoleBinding" {
                                    namespace
                                } else {
                                    None
                                },
                                role_kind: role_ref
                                    .and_then(|r| str_of(r, "kind"))
                                    .unwrap_or("")
                                    .to_string(),
                                role_name: role_ref
                                    .and_then(|r| str_of(r, "name"))
                                    .unwrap_or("")
                                    .to_string(),
                                subjects,
                                path: path.clone(),
                            });
                        }
                        "ConfigMap" if name == "aws-auth" => {
                            for (key, arn_key) in [("mapRoles", "rolearn"), ("mapUsers", "userarn")]
                            {
                                let Some(list) = doc
                                    .get("data")
                                    .and_then(|d| str_of(d, key))
                                    .and_then(parse_yaml)
                                else {
                                    continue;
                                };
                                let Value::Array(items) = list else { continue };
                                for item in items {
                                    let Some(arn) = str_of(&item, arn_key) else {
                                        continue;
                                    };
                                    let id = PrincipalId::Access {
                                        arn: without_path(arn),
                                    };
                                    let username = str_of(&item, "username").unwrap_or("");
                                    let groups = strings(item.get("groups"));
                                    let p = m.get(id.clone());
                                    p.arns.insert(arn.to_string());
                                    if let Some(n) = access_name(username, &groups) {
                                        p.names.insert(n);
                                    }
                                    let atom = |field| EntryAtom {
                                        cluster: cluster.to_string(),
                                        mechanism: Mechanism::AwsAuth,
                                        field,
                                    };
                                    p.entries.insert(atom(EntryField::Present));
                                    p.entries
                                        .insert(atom(EntryField::Username(username.to_string())));
                                    for g in groups {
                                        p.entries.insert(atom(EntryField::Group(g.clone())));
                                        members
                                            .entry((cluster.to_string(), g))
                                            .or_default()
                                            .insert(id.clone());
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                // Only the short form (`resources/SERVICE/NAME/`: an S3 bucket of the `aws`
                // partition) is read.
                ArtifactPath::Resource {
                    dir:
                        ResourceDir {
                            partition: None,
                            place: None,
                            service,
                            name,
                        },
                    file,
                } if RESOURCE_POLICY_FILES.contains(&file) => {
                    let Some(doc) = parse_json(text) else {
                        continue;
                    };
                    let what = file.trim_end_matches(".json").replace('-', " ");
                    let via = format!("{what} of {name}");
                    for (id, atom) in resource_atoms(&doc, &via, &format!("{service} {name}")) {
                        m.get(id.clone()).aws.insert(atom);
                        contributed.push((id, path.clone()));
                    }
                }
                _ => {}
            }
        }

        // Bindings: the rules of their role, held by their subjects.
        for b in &bindings {
            let rules: Option<&Rules> = match b.role_kind.as_str() {
                "Role" => roles.get(&(
                    b.cluster.clone(),
                    b.namespace.clone().unwrap_or_default(),
                    b.role_name.clone(),
                )),
                _ => cluster_roles.get(&(b.cluster.clone(), b.role_name.clone())),
            };
            let mut holders: BTreeSet<PrincipalId> = BTreeSet::new();
            for (kind, name, ns) in &b.subjects {
                match kind.as_str() {
                    "ServiceAccount" => {
                        holders.insert(PrincipalId::ServiceAccount {
                            namespace: ns
                                .clone()
                                .or_else(|| b.namespace.clone())
                                .unwrap_or_default(),
                            name: name.clone(),
                        });
                    }
                    _ => match members.get(&(b.cluster.clone(), name.clone())) {
                        Some(ids) if kind == "Group" => holders.extend(ids.iter().cloned()),
                        _ => {
                            holders.insert(PrincipalId::KubeSubject {
                                kind: kind.clone(),
                                name: name.clone(),
                            });
                        }
                    },
                }
            }
            for id in holders {
                let p = m.get(id.clone());
                match rules {
                    Some(rules) => {
                        for (group, resource, name, verb) in rules {
                            p.kube.insert(KubeAtom {
                                cluster: b.cluster.clone(),
                                namespace: b.namespace.clone(),
                                group: group.clone(),
                                resource: resource.clone(),
                                name: name.clone(),
                                verb: verb.clone(),
                            });
                        }
                    }
                    None => {
                        let builtin = ["cluster-admin", "admin", "edit", "view"];
                        let policy = if b.role_kind == "ClusterRole" {
                            if builtin.contains(&b.role_name.as_str()) {
                                policy_keyword(&b.role_name)
                            } else {
                                format!("ClusterRole {}", b.role_name)
                            }
                        } else {
                            format!("{} {}", b.role_kind, b.role_name)
                        };
                        p.policies.insert(PolicyAtom {
                            cluster: b.cluster.clone(),
                            policy,
                            namespace: b.namespace.clone(),
                        });
                    }
                }
                contributed.push((id, b.path.clone()));
            }
        }

        for (id, path) in contributed {
            if let Some(src) = sources_of.get(path.as_str()) {
                // Files made from many declarations (aws-auth) say nothing about one principal.
                if src.len() == 1 {
                    if let Some(p) = m.principals.get_mut(&id) {
                        p.sources.extend(src.iter().cloned());
                    }
                }
            }
        }
        m
    }
}

/// The access name behind an aws-auth mapping: its `accessc:NAME` group, else the `NAME` of a
/// `NAME:{{SessionName}}` username, else `nodes` for the node mapping.
fn access_name(username: &str, groups: &[String]) -> Option<String> {
    if let Some(n) = groups.iter().find_map(|g| g.strip_prefix("accessc:")) {
        return Some(n.to_string());
    }
    if username.starts_with("system:node:") {
        return Some("nodes".to_string());
    }
    username
        .strip_suffix(":{{SessionName}}")
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// The atoms of an identity-based policy (or a boundary).
fn identity_atoms(doc: &Value, via: &str) -> Vec<AwsAtom> {
    let mut out = Vec::new();
    for s in statements(doc) {
        let effect = if str_of(s, "Effect") == Some("Deny") {
            Effect::Deny
        } else {
            Effect::Allow
        };
        let cond = conditions(s.get("Condition"));
        let condition = condition_text(&cond);
        let mut actions = strings(s.get("Action"));
        actions.extend(
            strings(s.get("NotAction"))
                .into_iter()
                .map(|a| format!("NotAction {a}")),
        );
        let mut resources = strings(s.get("Resource"));
        resources.extend(
            strings(s.get("NotResource"))
                .into_iter()
                .map(|r| format!("NotResource {r}")),
        );
        for r in &resources {
            for a in &actions {
                out.push(AwsAtom {
                    effect,
                    via: via.to_string(),
                    resource: r.clone(),
                    condition: condition.clone(),
                    conditions: cond.clone(),
                    action: a.clone(),
                });
            }
        }
    }
    out
}

/// The facts of a trust policy.
fn trust_facts(doc: &Value) -> Vec<TrustFact> {
    let mut out = Vec::new();
    for s in statements(doc) {
        let principal = s.get("Principal");
        let service = strings(principal.and_then(|p| p.get("Service")));
        let federated = strings(principal.and_then(|p| p.get("Federated")));
        let cond = conditions(s.get("Condition"));
        if service.iter().any(|x| x == "pods.eks.amazonaws.com") {
            for (op, keys) in &cond {
                for (k, vals) in keys {
                    for v in vals {
                        let fact = match (op.as_str(), k.as_str()) {
                            (_, "aws:SourceArn") => TrustFact::Cluster(v.clone()),
                            (_, "aws:SourceAccount") => TrustFact::Account(v.clone()),
                            (_, "aws:SourceOrgId") => TrustFact::Org(v.clone()),
                            _ => TrustFact::Other(format!("{op} {k} = {v}")),
                        };
                        out.push(fact);
                    }
                }
            }
        } else if let Some(provider) = federated.first() {
            let issuer = provider
                .split_once(":oidc-provider/")
                .map(|(_, i)| i.to_string())
                .unwrap_or_else(|| provider.clone());
            for keys in cond.values() {
                for (k, vals) in keys {
                    if k.ends_with(":sub") {
                        for v in vals {
                            out.push(TrustFact::Subject {
                                issuer: issuer.clone(),
                                subject: v.clone(),
                            });
                        }
                    } else if k.ends_with(":aud") && vals.iter().all(|v| v == "sts.amazonaws.com") {
                        // The standard audience: no news.
                    } else {
                        out.push(TrustFact::Other(format!("{k} = {}", vals.join(" | "))));
                    }
                }
            }
        } else {
            out.push(TrustFact::Other(
                serde_json::to_string(s).unwrap_or_default(),
            ));
        }
    }
    out
}

/// The atoms of a resource-based policy, with the principal each is granted to.
fn resource_atoms(doc: &Value, via: &str, default_resource: &str) -> Vec<(PrincipalId, AwsAtom)> {
    let mut out = Vec::new();
    for s in statements(doc) {
        let effect = if str_of(s, "Effect") == Some("Deny") {
            Effect::Deny
        } else {
            Effect::Allow
        };
        let mut cond = conditions(s.get("Condition"));
        let tag = |c: &Conditions, k: &str| -> Vec<String> {
            c.get("StringEquals")
                .and_then(|m| m.get(&format!("aws:PrincipalTag/{k}")))
                .cloned()
                .unwrap_or_default()
        };
        let namespaces = tag(&cond, "kubernetes-namespace");
        let sas = tag(&cond, "kubernetes-service-account");
        let mut ids: Vec<PrincipalId> = Vec::new();
        if namespaces.len() == 1 && !sas.is_empty() {
            if let Some(eq) = cond.get_mut("StringEquals") {
                eq.remove("aws:PrincipalTag/kubernetes-namespace");
                eq.remove("aws:PrincipalTag/kubernetes-service-account");
            }
            cond.retain(|_, v| !v.is_empty());
            for ns in &namespaces {
                for sa in &sas {
                    ids.push(PrincipalId::ServiceAccount {
                        namespace: ns.clone(),
                        name: sa.clone(),
                    });
                }
            }
        } else {
            let principal = s.get("Principal");
            for p in strings(principal.and_then(|p| p.get("AWS"))) {
                ids.push(match role_of_arn(&p) {
                    Some((account, name)) => PrincipalId::Role { account, name },
                    None => PrincipalId::Aws { arn: p },
                });
            }
            if let Some(Value::String(star)) = principal {
                ids.push(PrincipalId::Aws { arn: star.clone() });
            }
        }
        let condition = condition_text(&cond);
        let mut resources = strings(s.get("Resource"));
        if resources.is_empty() {
            resources.push(default_resource.to_string());
        }
        let actions = strings(s.get("Action"));
        for id in &ids {
            for r in &resources {
                for a in &actions {
                    out.push((
                        id.clone(),
                        AwsAtom {
                            effect,
                            via: via.to_string(),
                            resource: r.clone(),
                            condition: condition.clone(),
                            conditions: cond.clone(),
                            action: a.clone(),
                        },
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        assert_eq!(
            without_path("arn:aws:iam::111122223333:role/teams/payments/PaymentsDev"),
            "arn:aws:iam::111122223333:role/PaymentsDev"
        );
        assert_eq!(
            role_of_arn("arn:aws:iam::111122223333:role/eks/payments-checkout"),
            Some(("111122223333".into(), "payments-checkout".into()))
        );
        assert_eq!(role_of_arn("arn:aws:iam::111122223333:root"), None);
        assert_eq!(
            policy_keyword("arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"),
            "edit"
        );
        assert_eq!(
            access_name("x:{{SessionName}}", &["accessc:y".into()]).as_deref(),
            Some("y")
        );
        assert_eq!(
            access_name("ci:{{SessionName}}", &[]).as_deref(),
            Some("ci")
        );
    }

    /// Which arm of `Model::read` a path took before the layout parsed it (the match over path
    /// strings it replaced): the layout's parse must send every path to the same one.
    fn arm_by_strings(path: &str) -> Option<&'static str> {
        let parts: Vec<&str> = path.split('/').collect();
        Some(match parts.as_slice() {
            ["aws", _, "roles", _, file] => {
                if *file == "policy.json"
                    || (file.starts_with("policy-") && file.ends_with(".json"))
                {
                    "policy"
                } else if *file == "trust-policy.json" {
                    "trust"
                } else if *file == "create-role.json" {
                    "create-role"
                } else {
                    return None;
                }
            }
            ["aws", _, "boundaries", _, "boundary-policy.json"] => "boundary",
            ["clusters", _, "eks", "create-cluster.json"] => "cluster",
            ["clusters", _, "eks", "pod-identity-associations", file]
                if file.ends_with(".create-pod-identity-association.json") =>
            {
                "association"
            }
            ["clusters", _, "eks", "access-entries", file] => {
                if file.ends_with(".create-access-entry.json") {
                    "entry"
                } else if file.ends_with(".associate-access-policy.json") {
                    "policy-association"
                } else {
                    return None;
                }
            }
            ["clusters", _, "kubernetes", _, file] if file.ends_with(".yaml") => "manifest",
            ["resources", _, _, file] if RESOURCE_POLICY_FILES.contains(file) => "resource",
            _ => return None,
        })
    }

    /// The same, by the layout.
    fn arm_by_layout(path: &str) -> Option<&'static str> {
        Some(match ArtifactPath::parse(path)? {
            ArtifactPath::Role { file, .. } => match file {
                RoleFile::Policy { .. } => "policy",
                RoleFile::TrustPolicy => "trust",
                RoleFile::CreateRole => "create-role",
                _ => return None,
            },
            ArtifactPath::Boundary { .. } => "boundary",
            ArtifactPath::CreateCluster { .. } => "cluster",
            ArtifactPath::PodIdentityAssociation { .. } => "association",
            ArtifactPath::AccessEntry { .. } => "entry",
            ArtifactPath::AccessPolicy { .. } => "policy-association",
            ArtifactPath::KubeObject { .. } => "manifest",
            ArtifactPath::Resource {
                dir:
                    ResourceDir {
                        partition: None,
                        place: None,
                        ..
                    },
                file,
            } if RESOURCE_POLICY_FILES.contains(&file) => "resource",
            _ => return None,
        })
    }

    proptest::proptest! {
        #[test]
        fn the_layout_reads_each_path_as_the_string_match_did(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("aws".to_string()),
                    proptest::strategy::Just("clusters".to_string()),
                    proptest::strategy::Just("kubernetes".to_string()),
                    proptest::strategy::Just("eks".to_string()),
                    proptest::strategy::Just("roles".to_string()),
                    proptest::strategy::Just("boundaries".to_string()),
                    proptest::strategy::Just("boundary-policy.json".to_string()),
                    proptest::strategy::Just("create-cluster.json".to_string()),
                    proptest::strategy::Just("resources".to_string()),
                    proptest::strategy::Just("bucket-policy.json".to_string()),
                    proptest::strategy::Just("access-entries".to_string()),
                    proptest::strategy::Just("pod-identity-associations".to_string()),
                    proptest::strategy::Just("policy-.json".to_string()),
                    proptest::strategy::Just("policy-2.json".to_string()),
                    proptest::strategy::Just("policy.json".to_string()),
                    proptest::strategy::Just("trust-policy.json".to_string()),
                    proptest::strategy::Just("create-role.json".to_string()),
                    proptest::strategy::Just("x.yaml".to_string()),
                    proptest::strategy::Just(".create-pod-identity-association.json".to_string()),
                    proptest::strategy::Just("a.create-access-entry.json".to_string()),
                    proptest::strategy::Just("x.associate-access-policy.json".to_string()),
                    "[a-z._-]{0,5}",
                ],
                1..8,
            )
        ) {
            let path = parts.join("/");
            proptest::prop_assert_eq!(arm_by_layout(&path), arm_by_strings(&path), "{}", path);
        }
    }

    #[test]
    fn every_example_file_is_read_as_the_string_match_did() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut n = 0;
        for e in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(e.path().join("out/manifest.json"));
            let Some(mf) = text.ok().and_then(|t| crate::emit::manifest::parse(&t)) else {
                continue;
            };
            for a in &mf.artifacts {
                assert_eq!(
                    arm_by_layout(&a.path),
                    arm_by_strings(&a.path),
                    "{}",
                    a.path
                );
                n += usize::from(arm_by_layout(&a.path).is_some());
            }
        }
        assert!(n > 100, "{n} files read");
    }
}
