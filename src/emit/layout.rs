//! The output layout: which file goes where in an output folder, as one typed value,
//! [`ArtifactPath`], rendered to its relative path here and parsed back from it here. The
//! emitters name their artifacts with it, target selection ([`super::target`]) and `accessc
//! diff` ([`crate::diff`]) tell what a file is by [`ArtifactPath::parse`] and [`Section::of`],
//! and no other module builds or splits a path of the layout (the names of a resource policy's
//! two files, `bucket-policy.json` and the like, are still chosen beside their documents in
//! [`super::resource_policy`]). The rule every path must pass before it is opened is
//! [`super::paths`]'s. Pure: nothing here touches the file system.
//!
//! ```text
//! manifest.json
//! aws/<account>/roles/<role>/{trust-policy,policy,create-role,create-policy,attach-role-policy}.json
//! aws/<account>/boundaries/<boundary>/boundary-policy.json
//! aws/<account>/oidc-providers/<cluster>/create-open-id-connect-provider.json   (oidc_provider = managed)
//! clusters/<cluster>/eks/pod-identity-associations/<ns>.<sa>.create-pod-identity-association.json
//! clusters/<cluster>/eks/create-cluster.json                 (accessConfig of `aws eks create-cluster`)
//! clusters/<cluster>/eks/access-entries/<access>.{create-access-entry,associate-access-policy}.json
//! clusters/<cluster>/kubernetes/kube-system/configmap-aws-auth.yaml
//! clusters/<cluster>/kubernetes/<ns>/<kind>-<name>.yaml
//! clusters/<cluster>/kubernetes/_cluster/<kind>-<name>.yaml
//! clusters/<cluster>/kubernetes/kustomization.yaml            (gitops: every manifest above)
//! resources/s3/<bucket>/{bucket-policy,put-bucket-policy}.json
//! resources/<account>/<region>/<service>/<name>/*.json        (other resources; ResourceDir)
//! terraform/<account>/*.tf.json                               (one Terraform root per account)
//! templates/<KIND[.LABEL]>/<entity>.<EXT>                     (--templates DIR)
//! apply/<account>/{plan.json,apply.sh}                        (--target apply: the apply plan)
//! ```
//!
//! Rendering then parsing gives the same value back whenever the names are ones accessc
//! makes (none holds a `/`; a namespace holds no `.`), and parsing then rendering gives the same
//! string back for every path [`ArtifactPath::parse`] accepts: a path is never read as another
//! one. A few variants carry an `Option` so that a file of a known folder but of no name
//! accessc writes (`clusters/C/kubernetes/NS/notes.yaml`) still parses, as `accessc diff` reads
//! it.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// The manifest's path (and name).
pub const MANIFEST: &str = "manifest.json";
/// The folder of the IAM documents.
const AWS: &str = "aws";
/// The folder of the clusters.
const CLUSTERS: &str = "clusters";
/// The folder of the resource policies.
const RESOURCES: &str = "resources";
/// The folder of the Terraform roots.
pub const TERRAFORM: &str = "terraform";
/// The folder of the template renderings.
pub const TEMPLATES: &str = "templates";
/// The folder of the apply plans.
pub const APPLY: &str = "apply";
/// A cluster's kustomization (in its `kubernetes/` folder).
pub const KUSTOMIZATION: &str = "kustomization.yaml";
/// The folder of cluster-wide manifests, beside the namespaces'.
const CLUSTER_WIDE: &str = "_cluster";

/// One file of the output layout, by what it is. Its [`Display`](fmt::Display) is its path
/// relative to the output folder, `/`-separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArtifactPath<'a> {
    /// `manifest.json`.
    Manifest,
    /// `aws/ACCOUNT/roles/ROLE/FILE`: a workload role's documents and CLI inputs.
    Role {
        /// Account.
        account: &'a str,
        /// Role name.
        role: &'a str,
        /// Which file.
        file: RoleFile<'a>,
    },
    /// `aws/ACCOUNT/boundaries/NAME/boundary-policy.json`.
    Boundary {
        /// Account.
        account: &'a str,
        /// Boundary name.
        name: &'a str,
    },
    /// `aws/ACCOUNT/oidc-providers/CLUSTER/create-open-id-connect-provider.json`: the input that
    /// creates a cluster's IAM OIDC provider (`oidc_provider = managed`).
    OidcProvider {
        /// Account.
        account: &'a str,
        /// The cluster whose issuer it is.
        cluster: &'a str,
    },
    /// `clusters/CLUSTER/eks/create-cluster.json`.
    CreateCluster {
        /// Cluster.
        cluster: &'a str,
    },
    /// `clusters/CLUSTER/eks/pod-identity-associations/NS.SA.create-pod-identity-association.json`.
    PodIdentityAssociation {
        /// Cluster.
        cluster: &'a str,
        /// Namespace (or, with no service account, the whole stem of the file name).
        namespace: &'a str,
        /// Service account; None: a file name of one part (not one accessc writes).
        service_account: Option<&'a str>,
    },
    /// `clusters/CLUSTER/eks/access-entries/NAME.create-access-entry.json` (NAME: an access,
    /// or `_nodes`, `_windows-nodes`, `_fargate`, `.ROLE` after the first).
    AccessEntry {
        /// Cluster.
        cluster: &'a str,
        /// File name stem.
        name: &'a str,
    },
    /// `clusters/CLUSTER/eks/access-entries/NAME.associate-access-policy.json`.
    AccessPolicy {
        /// Cluster.
        cluster: &'a str,
        /// File name stem (the association's name).
        name: &'a str,
    },
    /// `clusters/CLUSTER/kubernetes/NAMESPACE/KIND-NAME.yaml`, or `_cluster/` for a
    /// cluster-wide object.
    KubeObject {
        /// Cluster.
        cluster: &'a str,
        /// Namespace; None: cluster-wide (`_cluster`).
        namespace: Option<&'a str>,
        /// The kind in the file name; None: a file `NAME.yaml` (not one accessc writes).
        kind: Option<KubeKind>,
        /// Object name.
        name: &'a str,
    },
    /// `clusters/CLUSTER/kubernetes/kustomization.yaml`.
    Kustomization {
        /// Cluster.
        cluster: &'a str,
    },
    /// `resources/…/FILE`: a resource policy or its CLI input.
    Resource {
        /// The resource's folder.
        dir: ResourceDir<'a>,
        /// File name.
        file: &'a str,
    },
    /// `terraform/ACCOUNT/FILE`: a file of an account's Terraform root.
    Terraform {
        /// Account.
        account: &'a str,
        /// File name ([`terraform_role_file`], [`terraform_cluster_file`], …).
        file: &'a str,
    },
    /// `apply/ACCOUNT/plan.json` or `apply/ACCOUNT/apply.sh`: an account's apply plan.
    Apply {
        /// Account.
        account: &'a str,
        /// Which file.
        file: ApplyFile,
    },
    /// `templates/FOLDER/ENTITY.EXT`: a rendering of a custom template.
    Template {
        /// `KIND[.LABEL]`.
        folder: &'a str,
        /// The entity (`ACCOUNT.ROLE`, `NAMESPACE.APP`, `ACCESS`, …).
        entity: &'a str,
        /// Extension (no dot).
        ext: &'a str,
    },
}

/// A file of a role's folder; `suffix` is `""` for the first policy, `-2`, `-3`, … for the
/// next ones (see [`policy_suffix`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleFile<'a> {
    /// `trust-policy.json`.
    TrustPolicy,
    /// `create-role.json`.
    CreateRole,
    /// `policy{suffix}.json`.
    Policy {
        /// `""` or `-N`.
        suffix: &'a str,
    },
    /// `create-policy{suffix}.json`.
    CreatePolicy {
        /// `""` or `-N`.
        suffix: &'a str,
    },
    /// `attach-role-policy{suffix}.json`.
    AttachRolePolicy {
        /// `""` or `-N`.
        suffix: &'a str,
    },
}

/// A file of an account's apply plan folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyFile {
    /// `plan.json`: the ordered steps.
    Plan,
    /// `apply.sh`: the script that runs them with the AWS CLI.
    Script,
}

impl ApplyFile {
    /// Its file name.
    pub fn name(self) -> &'static str {
        match self {
            ApplyFile::Plan => "plan.json",
            ApplyFile::Script => "apply.sh",
        }
    }
}

/// The suffix of the `i`th (from 0) permissions policy of a role: `""`, `-2`, `-3`, ….
pub fn policy_suffix(i: usize) -> String {
    if i == 0 {
        String::new()
    } else {
        format!("-{}", i + 1)
    }
}

/// The kind of a Kubernetes manifest, as its file name starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KubeKind {
    /// `serviceaccount-`.
    ServiceAccount,
    /// `role-`.
    Role,
    /// `rolebinding-`.
    RoleBinding,
    /// `clusterrole-`.
    ClusterRole,
    /// `clusterrolebinding-`.
    ClusterRoleBinding,
    /// `configmap-` (aws-auth).
    ConfigMap,
    /// `namespace-` (in `_cluster/`, a namespace with `managed = true`).
    Namespace,
}

impl KubeKind {
    /// Every kind.
    pub const ALL: [KubeKind; 7] = [
        KubeKind::ServiceAccount,
        KubeKind::Role,
        KubeKind::RoleBinding,
        KubeKind::ClusterRole,
        KubeKind::ClusterRoleBinding,
        KubeKind::ConfigMap,
        KubeKind::Namespace,
    ];

    /// The word its file names start with.
    pub fn word(self) -> &'static str {
        match self {
            KubeKind::ServiceAccount => "serviceaccount",
            KubeKind::Role => "role",
            KubeKind::RoleBinding => "rolebinding",
            KubeKind::ClusterRole => "clusterrole",
            KubeKind::ClusterRoleBinding => "clusterrolebinding",
            KubeKind::ConfigMap => "configmap",
            KubeKind::Namespace => "namespace",
        }
    }
}

/// The folder of a resource's files, below `resources/`; each part is a [`folder`] name:
///
/// * `s3/BUCKET` for a bucket (S3 bucket names are global in a partition; its ARN names no
///   account and no region);
/// * `ACCOUNT/REGION/SERVICE/NAME` for every other resource (a queue `orders` in two regions,
///   or in two accounts, is two resources), and for a bucket whose ARN does name an account or
///   a region;
/// * either one below `PARTITION/` when the partition is not `aws` (`aws-cn/s3/BUCKET`).
///
/// The forms differ in depth, and each is injective in the parts it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceDir<'a> {
    /// The partition's folder; None: `aws`.
    pub partition: Option<Cow<'a, str>>,
    /// The account's and the region's folders; None: an S3 bucket whose ARN names neither.
    pub place: Option<(Cow<'a, str>, Cow<'a, str>)>,
    /// The service's folder (`s3`, `sqs`, …).
    pub service: Cow<'a, str>,
    /// The resource's folder.
    pub name: Cow<'a, str>,
}

impl ResourceDir<'static> {
    /// The folder of a resource of this partition, account, region (empty: none in its ARN),
    /// service and name.
    pub fn of(
        partition: &str,
        account: &str,
        region: &str,
        service: &str,
        name: &str,
    ) -> ResourceDir<'static> {
        let f = |s: &str| Cow::Owned(folder(s));
        ResourceDir {
            partition: (partition != "aws").then(|| f(partition)),
            place: (service != "s3" || !account.is_empty() || !region.is_empty())
                .then(|| (f(account), f(region))),
            service: f(service),
            name: f(name),
        }
    }
}

impl ResourceDir<'_> {
    /// The path's pieces in order (`resources/…`, without a trailing `/`).
    fn pieces(&self, out: &mut impl FnMut(&str)) {
        out(RESOURCES);
        if let Some(p) = &self.partition {
            out("/");
            out(p);
        }
        if let Some((account, region)) = &self.place {
            out("/");
            out(account);
            out("/");
            out(region);
        }
        out("/");
        out(&self.service);
        out("/");
        out(&self.name);
    }
}

impl fmt::Display for ResourceDir<'_> {
    /// `resources/…`, without a trailing `/`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut result = Ok(());
        self.pieces(&mut |p| {
            if result.is_ok() {
                result = f.write_str(p);
            }
        });
        result
    }
}

/// The folder of a resource: its name when that is a safe file name, else an escaped form. The
/// mapping is injective even where case does not count (macOS, Windows), and never yields an
/// empty name, `.`, `..`, a name Windows reserves (`con`, `aux`, `com1`, …) or one too long
/// for a file system:
///
/// * a name of letters, digits, `-`, `_` and `.` that starts with a letter or digit, does not
///   end with a dot, is at most 120 characters and is not a Windows device name is kept, with
///   `~` and the positions of its capitals (a hexadecimal bit mask) appended when it has any
///   (`ledger-db-AbCdEf~5400`);
/// * any other name is `~` then the name with every character but lower-case letters, digits
///   and `-` written `_` and the hexadecimal of its UTF-8 bytes (`team/app` is
///   `~team_2fapp`, `..` is `~_2e_2e`), cut at 100 characters and followed by `~` and 16
///   hexadecimal digits of its SHA-256 when longer.
///
/// A kept name has no `~` or a `~` only before its mask, and starts with a letter or digit; an
/// escaped one starts with `~`: the two forms never meet.
pub fn folder(name: &str) -> String {
    const MAX: usize = 120;
    let plain = !name.is_empty()
        && name.len() <= MAX
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && super::paths::check(name).is_ok();
    if plain {
        let mask = name
            .bytes()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_uppercase())
            .fold(0u128, |m, (i, _)| m | (1u128 << i));
        return if mask == 0 {
            name.to_string()
        } else {
            format!("{name}~{mask:x}")
        };
    }
    let mut escaped = String::from("~");
    for c in name.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            escaped.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(escaped, "_{b:02x}");
            }
        }
    }
    if escaped.len() > MAX {
        let mut cut = 100;
        while !escaped.is_char_boundary(cut) {
            cut -= 1;
        }
        escaped.truncate(cut);
        let hash = super::manifest::sha256(name.as_bytes());
        escaped.push('~');
        escaped.push_str(hash.get(..16).unwrap_or(&hash));
    }
    escaped
}

/// The providers file of an account's Terraform root.
pub const TERRAFORM_PROVIDERS: &str = "providers.tf.json";
/// The permission boundaries file of an account's Terraform root.
pub const TERRAFORM_BOUNDARIES: &str = "boundaries.tf.json";
/// The resource policies file of an account's Terraform root.
pub const TERRAFORM_RESOURCE_POLICIES: &str = "resource-policies.tf.json";
/// The outputs file of an account's Terraform root.
pub const TERRAFORM_OUTPUTS: &str = "outputs.tf.json";

/// The file of a role in its account's Terraform root.
pub fn terraform_role_file(role: &str) -> String {
    format!("role-{role}.tf.json")
}

/// The file of a cluster in its account's Terraform root.
pub fn terraform_cluster_file(cluster: &str) -> String {
    format!("cluster-{cluster}.tf.json")
}

/// `clusters/CLUSTER/kubernetes/REL`: the cluster (the first folder) and REL, the path below
/// the cluster's Kubernetes folder (as a kustomization there lists it).
pub fn kubernetes_rel(path: &str) -> Option<(&str, &str)> {
    let (cluster, rest) = path
        .strip_prefix(CLUSTERS)?
        .strip_prefix('/')?
        .split_once('/')?;
    Some((cluster, rest.strip_prefix("kubernetes/")?))
}

/// The path below the Kubernetes folder of `cluster` (whatever its name holds, a `/`
/// included), if `path` is in it.
pub fn kubernetes_rel_of<'p>(path: &'p str, cluster: &str) -> Option<&'p str> {
    path.strip_prefix(CLUSTERS)?
        .strip_prefix('/')?
        .strip_prefix(cluster)?
        .strip_prefix("/kubernetes/")
}

const POD_IDENTITY: &str = ".create-pod-identity-association.json";
const ACCESS_ENTRY: &str = ".create-access-entry.json";
const OIDC_PROVIDER: &str = "create-open-id-connect-provider.json";
const ACCESS_POLICY: &str = ".associate-access-policy.json";

/// Give `out` each of `pieces`, in order.
fn put(out: &mut impl FnMut(&str), pieces: &[&str]) {
    for p in pieces {
        out(p);
    }
}

impl ArtifactPath<'_> {
    /// The path's pieces in order: [`fmt::Display`] and [`ArtifactPath::render`] write them (no
    /// formatting machinery: a build renders one path per artifact).
    fn pieces(&self, out: &mut impl FnMut(&str)) {
        match self {
            ArtifactPath::Manifest => out(MANIFEST),
            ArtifactPath::Role {
                account,
                role,
                file,
            } => {
                put(out, &[AWS, "/", account, "/roles/", role, "/"]);
                match file {
                    RoleFile::TrustPolicy => out("trust-policy.json"),
                    RoleFile::CreateRole => out("create-role.json"),
                    RoleFile::Policy { suffix } => {
                        put(out, &["policy", suffix, ".json"]);
                    }
                    RoleFile::CreatePolicy { suffix } => {
                        put(out, &["create-policy", suffix, ".json"]);
                    }
                    RoleFile::AttachRolePolicy { suffix } => {
                        put(out, &["attach-role-policy", suffix, ".json"]);
                    }
                }
            }
            ArtifactPath::Boundary { account, name } => {
                put(
                    out,
                    &[
                        AWS,
                        "/",
                        account,
                        "/boundaries/",
                        name,
                        "/boundary-policy.json",
                    ],
                );
            }
            ArtifactPath::OidcProvider { account, cluster } => {
                put(
                    out,
                    &[
                        AWS,
                        "/",
                        account,
                        "/oidc-providers/",
                        cluster,
                        "/",
                        OIDC_PROVIDER,
                    ],
                );
            }
            ArtifactPath::CreateCluster { cluster } => {
                put(out, &[CLUSTERS, "/", cluster, "/eks/create-cluster.json"]);
            }
            ArtifactPath::PodIdentityAssociation {
                cluster,
                namespace,
                service_account,
            } => {
                put(
                    out,
                    &[
                        CLUSTERS,
                        "/",
                        cluster,
                        "/eks/pod-identity-associations/",
                        namespace,
                    ],
                );
                if let Some(sa) = service_account {
                    out(".");
                    out(sa);
                }
                out(POD_IDENTITY);
            }
            ArtifactPath::AccessEntry { cluster, name } => {
                put(
                    out,
                    &[
                        CLUSTERS,
                        "/",
                        cluster,
                        "/eks/access-entries/",
                        name,
                        ACCESS_ENTRY,
                    ],
                );
            }
            ArtifactPath::AccessPolicy { cluster, name } => {
                put(
                    out,
                    &[
                        CLUSTERS,
                        "/",
                        cluster,
                        "/eks/access-entries/",
                        name,
                        ACCESS_POLICY,
                    ],
                );
            }
            ArtifactPath::KubeObject {
                cluster,
                namespace,
                kind,
                name,
            } => {
                let folder = namespace.unwrap_or(CLUSTER_WIDE);
                put(out, &[CLUSTERS, "/", cluster, "/kubernetes/", folder, "/"]);
                if let Some(kind) = kind {
                    out(kind.word());
                    out("-");
                }
                out(name);
                out(".yaml");
            }
            ArtifactPath::Kustomization { cluster } => {
                put(
                    out,
                    &[CLUSTERS, "/", cluster, "/kubernetes/", KUSTOMIZATION],
                );
            }
            ArtifactPath::Resource { dir, file } => {
                dir.pieces(out);
                out("/");
                out(file);
            }
            ArtifactPath::Terraform { account, file } => {
                put(out, &[TERRAFORM, "/", account, "/", file]);
            }
            ArtifactPath::Template {
                folder,
                entity,
                ext,
            } => {
                put(out, &[TEMPLATES, "/", folder, "/", entity, ".", ext]);
            }
            ArtifactPath::Apply { account, file } => {
                put(out, &[APPLY, "/", account, "/", file.name()]);
            }
        }
    }
}

impl fmt::Display for ArtifactPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut result = Ok(());
        self.pieces(&mut |p| {
            if result.is_ok() {
                result = f.write_str(p);
            }
        });
        result
    }
}

impl<'a> ArtifactPath<'a> {
    /// The path, relative to the output folder (in a string of its exact length: a build
    /// keeps every artifact's path to its end).
    pub fn render(&self) -> String {
        let mut len = 0;
        self.pieces(&mut |p| len += p.len());
        let mut s = String::with_capacity(len);
        self.pieces(&mut |p| s.push_str(p));
        s
    }

    /// The file at this relative path, if it has a form of the layout; None for any other
    /// path (a file accessc does not write, or one of a folder whose files it does not tell
    /// apart: see [`Section::of`] for every path's part of the folder).
    pub fn parse(path: &'a str) -> Option<ArtifactPath<'a>> {
        if path == MANIFEST {
            return Some(ArtifactPath::Manifest);
        }
        let mut buf = [""; 8];
        let mut n = 0;
        for part in path.split('/') {
            if n == buf.len() {
                return None;
            }
            buf[n] = part;
            n += 1;
        }
        Some(match buf[..n] {
            [AWS, account, "roles", role, file] => ArtifactPath::Role {
                account,
                role,
                file: role_file(file)?,
            },
            [AWS, account, "boundaries", name, "boundary-policy.json"] => {
                ArtifactPath::Boundary { account, name }
            }
            [AWS, account, "oidc-providers", cluster, OIDC_PROVIDER] => {
                ArtifactPath::OidcProvider { account, cluster }
            }
            [CLUSTERS, cluster, "eks", "create-cluster.json"] => {
                ArtifactPath::CreateCluster { cluster }
            }
            [CLUSTERS, cluster, "eks", "pod-identity-associations", file] => {
                let stem = file.strip_suffix(POD_IDENTITY)?;
                let (namespace, service_account) = match stem.split_once('.') {
                    Some((ns, sa)) => (ns, Some(sa)),
                    None => (stem, None),
                };
                ArtifactPath::PodIdentityAssociation {
                    cluster,
                    namespace,
                    service_account,
                }
            }
            [CLUSTERS, cluster, "eks", "access-entries", file] => {
                if let Some(name) = file.strip_suffix(ACCESS_ENTRY) {
                    ArtifactPath::AccessEntry { cluster, name }
                } else {
                    let name = file.strip_suffix(ACCESS_POLICY)?;
                    ArtifactPath::AccessPolicy { cluster, name }
                }
            }
            [CLUSTERS, cluster, "kubernetes", KUSTOMIZATION] => {
                ArtifactPath::Kustomization { cluster }
            }
            [CLUSTERS, cluster, "kubernetes", folder, file] => {
                let stem = file.strip_suffix(".yaml")?;
                let (kind, name) = stem
                    .split_once('-')
                    .and_then(|(word, name)| {
                        KubeKind::ALL
                            .into_iter()
                            .find(|k| k.word() == word)
                            .map(|k| (Some(k), name))
                    })
                    .unwrap_or((None, stem));
                ArtifactPath::KubeObject {
                    cluster,
                    namespace: (folder != CLUSTER_WIDE).then_some(folder),
                    kind,
                    name,
                }
            }
            [RESOURCES, ref dirs @ .., file] if (2..=5).contains(&dirs.len()) => {
                let b = |s: &&'a str| Cow::Borrowed(*s);
                let dir = match dirs {
                    [service, name] => ResourceDir {
                        partition: None,
                        place: None,
                        service: b(service),
                        name: b(name),
                    },
                    [partition, service, name] => ResourceDir {
                        partition: Some(b(partition)),
                        place: None,
                        service: b(service),
                        name: b(name),
                    },
                    [account, region, service, name] => ResourceDir {
                        partition: None,
                        place: Some((b(account), b(region))),
                        service: b(service),
                        name: b(name),
                    },
                    [partition, account, region, service, name] => ResourceDir {
                        partition: Some(b(partition)),
                        place: Some((b(account), b(region))),
                        service: b(service),
                        name: b(name),
                    },
                    _ => return None,
                };
                ArtifactPath::Resource { dir, file }
            }
            [TERRAFORM, account, file] => ArtifactPath::Terraform { account, file },
            [APPLY, account, "plan.json"] => ArtifactPath::Apply {
                account,
                file: ApplyFile::Plan,
            },
            [APPLY, account, "apply.sh"] => ArtifactPath::Apply {
                account,
                file: ApplyFile::Script,
            },
            [TEMPLATES, folder, file] => {
                let (entity, ext) = file.rsplit_once('.')?;
                ArtifactPath::Template {
                    folder,
                    entity,
                    ext,
                }
            }
            _ => return None,
        })
    }

    /// The part of the output folder it lies in.
    pub fn section(&self) -> Section {
        match self {
            ArtifactPath::Manifest => Section::Manifest,
            ArtifactPath::KubeObject { .. } => Section::Kubernetes,
            ArtifactPath::Kustomization { .. } => Section::Kustomization,
            ArtifactPath::Terraform { .. } => Section::Terraform,
            ArtifactPath::Template { .. } => Section::Templates,
            ArtifactPath::Apply { .. } => Section::Apply,
            ArtifactPath::Role { .. }
            | ArtifactPath::Boundary { .. }
            | ArtifactPath::OidcProvider { .. }
            | ArtifactPath::CreateCluster { .. }
            | ArtifactPath::PodIdentityAssociation { .. }
            | ArtifactPath::AccessEntry { .. }
            | ArtifactPath::AccessPolicy { .. }
            | ArtifactPath::Resource { .. } => Section::Aws,
        }
    }
}

/// `policy{suffix}.json` and the like: the file of a role's folder.
fn role_file(file: &str) -> Option<RoleFile<'_>> {
    let suffixed = |stem: &str| -> Option<&str> {
        let suffix = file.strip_prefix(stem)?.strip_suffix(".json")?;
        (suffix.is_empty() || suffix.starts_with('-')).then_some(suffix)
    };
    Some(match file {
        "trust-policy.json" => RoleFile::TrustPolicy,
        "create-role.json" => RoleFile::CreateRole,
        _ => {
            if let Some(suffix) = suffixed("policy") {
                RoleFile::Policy { suffix }
            } else if let Some(suffix) = suffixed("create-policy") {
                RoleFile::CreatePolicy { suffix }
            } else {
                RoleFile::AttachRolePolicy {
                    suffix: suffixed("attach-role-policy")?,
                }
            }
        }
    })
}

/// The part of the output folder a path lies in, which decides the target that writes it.
/// Every path has one; a path of no known form is in the part its first folders name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// `manifest.json` (always written).
    Manifest,
    /// IAM documents and `--cli-input-json` inputs: `aws/`, `resources/`, `clusters/*/eks/`
    /// (and anything not below another part).
    Aws,
    /// `clusters/*/kubernetes/**` but the kustomization.
    Kubernetes,
    /// `clusters/*/kubernetes/kustomization.yaml`.
    Kustomization,
    /// `terraform/**`.
    Terraform,
    /// `templates/**`.
    Templates,
    /// `apply/**`.
    Apply,
}

impl Section {
    /// The part of the output folder a relative path lies in: the same as
    /// [`ArtifactPath::section`] for every path [`ArtifactPath::parse`] accepts, and for the
    /// others by their first folders.
    pub fn of(path: &str) -> Section {
        let mut parts = path.split('/');
        match parts.next() {
            Some(MANIFEST) => Section::Manifest,
            Some(TERRAFORM) => Section::Terraform,
            Some(TEMPLATES) => Section::Templates,
            Some(APPLY) => Section::Apply,
            Some(CLUSTERS) => {
                let _cluster = parts.next();
                match (parts.next(), parts.next(), parts.next()) {
                    (Some("kubernetes"), Some(KUSTOMIZATION), None) => Section::Kustomization,
                    (Some("kubernetes"), _, _) => Section::Kubernetes,
                    _ => Section::Aws,
                }
            }
            _ => Section::Aws,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Parsing a path accessc writes gives the path back, in the part of the folder it is in.
    fn round_trips(path: &str) -> ArtifactPath<'_> {
        let p = ArtifactPath::parse(path).unwrap_or_else(|| panic!("{path:?} does not parse"));
        assert_eq!(p.render(), path, "{p:?}");
        assert_eq!(p.section(), Section::of(path), "{path:?}");
        p
    }

    /// The `.access` files below `dir`, as sources named by their relative path.
    fn load(dir: &std::path::Path) -> crate::source::Sources {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() && p.file_name().is_some_and(|n| n != "out") {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "access") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(dir, &mut files);
        files.sort();
        let mut sources = crate::source::Sources::new();
        for f in files {
            let rel = f
                .strip_prefix(dir)
                .map(|r| r.to_string_lossy().replace('\\', "/"));
            let text = std::fs::read_to_string(&f);
            if let (Ok(rel), Ok(text)) = (rel, text) {
                sources.add(rel, text);
            }
        }
        sources
    }

    #[test]
    fn every_path_of_the_examples_parses_back_to_itself() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let templates = crate::templates::TemplateSet::read(&root.join("templates/crossplane"));
        let templates = templates.ok();
        assert!(templates.is_some());
        let mut seen = std::collections::BTreeSet::new();
        let mut examples = 0;
        for e in std::fs::read_dir(root.join("examples"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let sources = load(&e.path());
            let options = crate::Options {
                templates: templates.clone(),
                ..crate::Options::default()
            };
            let compiled = crate::compile_with(&sources, &options);
            let artifacts = compiled.artifacts.unwrap_or_default();
            assert!(!artifacts.is_empty(), "{:?}", e.path());
            examples += 1;
            for a in &artifacts {
                let p = round_trips(&a.path);
                // The kind of document agrees with the kind of path.
                let agrees = match &p {
                    ArtifactPath::Manifest => a.kind == "manifest",
                    ArtifactPath::Role { .. }
                    | ArtifactPath::Boundary { .. }
                    | ArtifactPath::OidcProvider { .. } => {
                        a.kind.starts_with("iam-") || a.kind.starts_with("aws-cli-iam-")
                    }
                    ArtifactPath::CreateCluster { .. }
                    | ArtifactPath::PodIdentityAssociation { .. }
                    | ArtifactPath::AccessEntry { .. }
                    | ArtifactPath::AccessPolicy { .. } => a.kind.starts_with("aws-cli-eks-"),
                    ArtifactPath::KubeObject { kind, .. } => {
                        kind.is_some() && a.kind.starts_with("k8s-")
                    }
                    ArtifactPath::Kustomization { .. } => a.kind == "gitops-kustomization",
                    ArtifactPath::Resource { .. } => {
                        a.kind == "iam-resource-policy" || a.kind == "aws-cli-put-resource-policy"
                    }
                    ArtifactPath::Terraform { .. } => a.kind.starts_with("terraform-"),
                    ArtifactPath::Template { .. } => a.kind == "template",
                    ArtifactPath::Apply { .. } => a.kind.starts_with("apply-"),
                };
                assert!(agrees, "{} is a {}", a.path, a.kind);
                let debug = format!("{p:?}");
                let variant = debug.split([' ', '{']).next().unwrap_or_default();
                seen.insert(variant.to_string());
            }
        }
        assert!(examples >= 5);
        // Every form but the boundary's (no example declares one) and the aws-auth ConfigMap's
        // is among them; those two are in `hostile_names_round_trip`.
        assert!(seen.len() >= 11, "{} forms", seen.len());
    }

    /// Names accessc may be given, hostile ones included (none holds a `/`).
    const NAMES: &[&str] = &[
        "payments",
        "111122223333",
        "a-b",
        "_cluster",
        "kube-system",
        "role-x",
        "clusterrole-x",
        "x.yaml",
        "kustomization.yaml",
        "manifest.json",
        "policy-2",
        "..",
        ".",
        "",
        "con",
        "é-ß",
        "a\nb",
        "a\\b",
        "~x~5400",
        "x.create-access-entry.json",
        "x.associate-access-policy.json",
    ];

    fn every_form<'a>(a: &'a str, b: &'a str) -> Vec<ArtifactPath<'a>> {
        let mut v = vec![ArtifactPath::Manifest];
        for file in [
            RoleFile::TrustPolicy,
            RoleFile::CreateRole,
            RoleFile::Policy { suffix: "" },
            RoleFile::Policy { suffix: "-2" },
            RoleFile::CreatePolicy { suffix: "-10" },
            RoleFile::AttachRolePolicy { suffix: "" },
        ] {
            v.push(ArtifactPath::Role {
                account: a,
                role: b,
                file,
            });
        }
        v.push(ArtifactPath::Boundary {
            account: a,
            name: b,
        });
        v.push(ArtifactPath::CreateCluster { cluster: a });
        v.push(ArtifactPath::OidcProvider {
            account: a,
            cluster: b,
        });
        v.push(ArtifactPath::AccessEntry {
            cluster: a,
            name: b,
        });
        v.push(ArtifactPath::AccessPolicy {
            cluster: a,
            name: b,
        });
        v.push(ArtifactPath::Kustomization { cluster: a });
        for kind in KubeKind::ALL {
            for namespace in [None, Some(b)] {
                v.push(ArtifactPath::KubeObject {
                    cluster: a,
                    namespace,
                    kind: Some(kind),
                    name: b,
                });
            }
        }
        v.push(ArtifactPath::Terraform {
            account: a,
            file: b,
        });
        v.push(ArtifactPath::Template {
            folder: a,
            entity: b,
            ext: "yaml",
        });
        for file in [ApplyFile::Plan, ApplyFile::Script] {
            v.push(ArtifactPath::Apply { account: a, file });
        }
        v
    }

    #[test]
    fn hostile_names_round_trip() {
        for a in NAMES {
            for b in NAMES {
                for p in every_form(a, b) {
                    let s = p.render();
                    let back = ArtifactPath::parse(&s);
                    // Names accessc makes come back as they were; any other comes back as a
                    // path that renders the same, or not at all: never as another file.
                    let made = |n: &str| !n.is_empty() && !n.contains(['/', '.', '\n', '\\']);
                    if made(a) && made(b) && *b != "_cluster" {
                        assert_eq!(back.as_ref(), Some(&p), "{s:?}");
                    }
                    if let Some(back) = back {
                        assert_eq!(back.render(), s, "{p:?}");
                    }
                    assert_eq!(p.section(), Section::of(&s), "{s:?}");
                }
            }
            let pia = ArtifactPath::PodIdentityAssociation {
                cluster: "prod",
                namespace: "payments",
                service_account: Some(a),
            };
            assert_eq!(
                ArtifactPath::parse(&pia.render()).as_ref(),
                Some(&pia),
                "{a:?}"
            );
            let dir = ResourceDir::of("aws-cn", a, "us-east-1", "sqs", a);
            for d in [dir, ResourceDir::of("aws", "", "", "s3", a)] {
                let p = ArtifactPath::Resource {
                    dir: d,
                    file: "queue-policy.json",
                };
                assert_eq!(ArtifactPath::parse(&p.render()).as_ref(), Some(&p), "{a:?}");
            }
        }
    }

    #[test]
    fn the_aws_auth_config_map_and_the_forms_of_a_role_folder() {
        let p = round_trips("clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml");
        assert_eq!(
            p,
            ArtifactPath::KubeObject {
                cluster: "legacy",
                namespace: Some("kube-system"),
                kind: Some(KubeKind::ConfigMap),
                name: "aws-auth",
            }
        );
        let p = round_trips("aws/1/roles/r/policy-3.json");
        assert!(matches!(
            p,
            ArtifactPath::Role {
                file: RoleFile::Policy { suffix: "-3" },
                ..
            }
        ));
        // Files of known folders but of names accessc does not write.
        round_trips("clusters/c/kubernetes/ns/notes.yaml");
        round_trips(
            "clusters/c/eks/pod-identity-associations/x.create-pod-identity-association.json",
        );
        round_trips("resources/sqs/orders/queue-policy.json");
        for other in [
            "aws/1/roles/r/notes.json",
            "aws/1/roles/r/policy2.json",
            "aws/1/boundaries/b/other.json",
            "clusters/c/eks/access-entries/x.json",
            "clusters/c/kubernetes/ns/x.yml",
            "clusters/c/kubernetes/a/b/x.yaml",
            "resources/x",
            "resources/1/2/3/4/5/6/x.json",
            "terraform/1/a/b.tf.json",
            "templates/role/noext",
            "README.md",
            "",
        ] {
            assert_eq!(ArtifactPath::parse(other), None, "{other:?}");
        }
        assert_eq!(policy_suffix(0), "");
        assert_eq!(policy_suffix(1), "-2");
    }

    #[test]
    fn sections_of_paths_of_no_known_form() {
        let cases = [
            ("manifest.json", Section::Manifest),
            ("manifest.json/x", Section::Manifest),
            ("terraform", Section::Terraform),
            ("templates/x", Section::Templates),
            (
                "clusters/c/kubernetes/kustomization.yaml",
                Section::Kustomization,
            ),
            (
                "clusters/c/kubernetes/ns/kustomization.yaml",
                Section::Kubernetes,
            ),
            ("clusters/c/kubernetes", Section::Kubernetes),
            ("clusters/c/eks/x", Section::Aws),
            ("clusters", Section::Aws),
            ("README.md", Section::Aws),
        ];
        for (path, section) in cases {
            assert_eq!(Section::of(path), section, "{path}");
        }
        assert_eq!(
            kubernetes_rel("clusters/c/kubernetes/ns/x.yaml"),
            Some(("c", "ns/x.yaml"))
        );
        assert_eq!(kubernetes_rel("clusters/c/eks/x.json"), None);
        assert_eq!(
            kubernetes_rel_of("clusters/a/b/kubernetes/ns/x.yaml", "a/b"),
            Some("ns/x.yaml")
        );
    }

    proptest! {
        /// Any path that parses renders back to itself, in the same part of the folder.
        #[test]
        fn any_parsed_path_renders_back(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("aws".to_string()),
                    Just("clusters".to_string()),
                    Just("kubernetes".to_string()),
                    Just("eks".to_string()),
                    Just("roles".to_string()),
                    Just("resources".to_string()),
                    Just("terraform".to_string()),
                    Just("templates".to_string()),
                    Just("_cluster".to_string()),
                    Just("access-entries".to_string()),
                    Just("pod-identity-associations".to_string()),
                    Just("policy-2.json".to_string()),
                    Just("role-x.yaml".to_string()),
                    Just("a.b.create-pod-identity-association.json".to_string()),
                    Just("x.associate-access-policy.json".to_string()),
                    "[a-z._~-]{0,6}",
                ],
                1..8,
            )
        ) {
            let path = parts.join("/");
            if let Some(p) = ArtifactPath::parse(&path) {
                prop_assert_eq!(p.render(), path.clone());
                prop_assert_eq!(p.section(), Section::of(&path));
            }
        }
    }
    #[test]
    fn resource_folders_are_distinct_safe_file_names() {
        assert_eq!(folder("orders"), "orders");
        assert_eq!(folder("my.bucket-1_a"), "my.bucket-1_a");
        assert_eq!(folder("ledger-db-AbCdEf"), "ledger-db-AbCdEf~5400");
        assert_eq!(folder("team/app"), "~team_2fapp");
        assert_eq!(folder(".."), "~_2e_2e");
        let names = [
            "team/app",
            "team.app",
            "team_app",
            "team-app",
            "team_2fapp",
            "~team_2fapp",
            "..",
            ".",
            "",
            "con",
            "CON",
            "aux.json",
            "com1",
            "Com1",
            "lpt9.x",
            "nul",
            "Orders",
            "orders",
            "ORDERS",
            "x.",
            "x ",
            "a\\b",
            "a\nb",
            "é",
            "É",
            "ledger-db-AbCdEf",
            "ledger-db-abcdef",
            "ledger-db-abcdef~5400",
            &"x".repeat(200),
            &"x".repeat(199),
            &"/".repeat(80),
            &"/".repeat(81),
        ];
        let mut seen = std::collections::HashMap::new();
        for n in names {
            let f = folder(n);
            assert!(
                crate::emit::paths::check(&f).is_ok() && !f.contains('/'),
                "{n:?} -> {f:?}"
            );
            assert!(f.len() <= 140, "{n:?} -> {f:?}");
            if let Some(other) = seen.insert(f.to_lowercase(), n) {
                panic!("{other:?} and {n:?} share the folder {f:?}");
            }
        }
    }
}
