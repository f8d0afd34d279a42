//! The intermediate representation: a resolved, type-checked program, ready for the emitters.
//!
//! Everything here is plain data in a deterministic order (`BTreeMap`, `BTreeSet`, sorted
//! `Vec`s), so that emitters are pure functions of it.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::Span;

/// A compiled program.
#[derive(Clone, Debug, Default)]
pub struct Ir {
    /// Clusters by name.
    pub clusters: BTreeMap<String, Cluster>,
    /// Namespaces by name.
    pub namespaces: BTreeMap<String, Namespace>,
    /// IAM roles, sorted by account then name.
    pub roles: Vec<IamRole>,
    /// Permission boundaries, one per (account, boundary) in use, sorted.
    pub boundaries: Vec<Boundary>,
    /// Service accounts, sorted by cluster, namespace, name.
    pub service_accounts: Vec<ServiceAccount>,
    /// Pod Identity associations, sorted by cluster, namespace, service account.
    pub pod_identity_associations: Vec<PodIdentityAssociation>,
    /// Roles and ClusterRoles with their bindings, sorted by cluster, namespace, name.
    pub rbac: Vec<RbacGrant>,
    /// Resource-based policies, sorted by ARN.
    pub resource_policies: Vec<ResourcePolicy>,
    /// Each cluster's `accessConfig` for `aws eks create-cluster`, sorted by cluster.
    pub access_configs: Vec<AccessConfig>,
    /// EKS access entries, sorted by cluster then file name.
    pub access_entries: Vec<AccessEntry>,
    /// EKS access policy associations, sorted by cluster then access name.
    pub access_policy_associations: Vec<AccessPolicyAssociation>,
    /// The aws-auth ConfigMap of each `config_map` / `api_and_config_map` cluster, by cluster.
    pub aws_auth: Vec<AwsAuth>,
    /// Bindings of an access's group to a built-in ClusterRole (`config_map` clusters), sorted
    /// by cluster, namespace, name.
    pub group_bindings: Vec<GroupBinding>,
}

/// How the Kubernetes API of a cluster authenticates IAM principals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthMode {
    /// `config_map`: aws-auth only.
    ConfigMap,
    /// `api_and_config_map`: access entries and aws-auth.
    ApiAndConfigMap,
    /// `api`: access entries only.
    Api,
}

impl AuthMode {
    /// The EKS API value.
    pub fn eks_value(self) -> &'static str {
        match self {
            AuthMode::ConfigMap => "CONFIG_MAP",
            AuthMode::ApiAndConfigMap => "API_AND_CONFIG_MAP",
            AuthMode::Api => "API",
        }
    }
    /// The source keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            AuthMode::ConfigMap => "config_map",
            AuthMode::ApiAndConfigMap => "api_and_config_map",
            AuthMode::Api => "api",
        }
    }
}

/// An EKS cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Name in the program.
    pub name: String,
    /// EKS cluster name.
    pub eks_name: String,
    /// Account ID.
    pub account: String,
    /// Region.
    pub region: String,
    /// Partition.
    pub partition: String,
    /// OIDC issuer without `https://`.
    pub oidc: Option<String>,
    /// `oidc_provider = managed`: accessc creates the issuer's IAM OIDC provider (the span of
    /// the setting); None: it exists already (eksctl, the cluster's own Terraform).
    pub oidc_provider: Option<Span>,
    /// AWS Organizations ID.
    pub org: Option<String>,
    /// Authentication mode.
    pub auth_mode: AuthMode,
    /// The node roles (`nodes`, `windows_nodes`, `fargate_roles`), in that order, each as
    /// written.
    pub node_roles: Vec<NodeRole>,
    /// What aws-auth carries through unchecked (`passthrough_map_…`).
    pub passthrough: Passthrough,
    /// Default boundary name.
    pub boundary: Option<String>,
    /// IAM path for workload roles.
    pub role_path: String,
    /// `bootstrapClusterCreatorAdminPermissions`.
    pub bootstrap_admin: bool,
    /// AWS limits in the cluster's account.
    pub limits: Limits,
    /// Declaration.
    pub span: Span,
}

impl Cluster {
    /// The cluster ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:eks:{}:{}:cluster/{}",
            self.partition, self.region, self.account, self.eks_name
        )
    }
    /// The IAM OIDC provider ARN, when the cluster has an issuer.
    pub fn oidc_provider_arn(&self) -> Option<String> {
        self.oidc.as_ref().map(|issuer| {
            format!(
                "arn:{}:iam::{}:oidc-provider/{}",
                self.partition, self.account, issuer
            )
        })
    }
}

/// What a node role is for: the access entry type and aws-auth mapping EKS gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// `nodes`: EC2 Linux nodes.
    Linux,
    /// `windows_nodes`: EC2 Windows nodes.
    Windows,
    /// `fargate_roles`: a Fargate profile's pod execution role.
    Fargate,
}

impl NodeKind {
    /// The cluster setting that declares it.
    pub fn setting(self) -> &'static str {
        match self {
            NodeKind::Linux => "nodes",
            NodeKind::Windows => "windows_nodes",
            NodeKind::Fargate => "fargate_roles",
        }
    }
    /// The access entry type.
    pub fn entry_type(self) -> AccessEntryType {
        match self {
            NodeKind::Linux => AccessEntryType::Ec2Linux,
            NodeKind::Windows => AccessEntryType::Ec2Windows,
            NodeKind::Fargate => AccessEntryType::FargateLinux,
        }
    }
    /// The aws-auth username, as EKS and eksctl write it.
    pub fn username(self) -> &'static str {
        match self {
            NodeKind::Linux | NodeKind::Windows => "system:node:{{EC2PrivateDNSName}}",
            NodeKind::Fargate => "system:node:{{SessionName}}",
        }
    }
    /// The aws-auth groups, in the order EKS and eksctl write them.
    pub fn groups(self) -> &'static [&'static str] {
        match self {
            NodeKind::Linux => &["system:bootstrappers", "system:nodes"],
            NodeKind::Windows => &[
                "system:bootstrappers",
                "system:nodes",
                "eks:kube-proxy-windows",
            ],
            NodeKind::Fargate => &[
                "system:bootstrappers",
                "system:nodes",
                "system:node-proxier",
            ],
        }
    }
    /// File name stem of its access entry: `_nodes`, `_windows-nodes`, `_fargate`.
    pub fn file_stem(self) -> &'static str {
        match self {
            NodeKind::Linux => "_nodes",
            NodeKind::Windows => "_windows-nodes",
            NodeKind::Fargate => "_fargate",
        }
    }
}

/// A node role of a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRole {
    /// What it is for.
    pub kind: NodeKind,
    /// The role ARN as written (with its path).
    pub arn: String,
    /// The ARN's string in the source.
    pub span: Span,
}

/// aws-auth items a cluster carries through verbatim (`passthrough_map_roles`,
/// `passthrough_map_users`, `passthrough_map_accounts`): not checked, written as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Passthrough {
    /// `mapRoles` items.
    pub map_roles: Vec<PassthroughItem>,
    /// `mapUsers` items.
    pub map_users: Vec<PassthroughItem>,
    /// `mapAccounts` items.
    pub map_accounts: Vec<String>,
    /// The settings' spans.
    pub spans: Vec<Span>,
}

/// One aws-auth item carried through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassthroughItem {
    /// The item: a JSON object with its `rolearn` / `userarn` string.
    pub value: serde_json::Value,
    /// Its string in the source.
    pub span: Span,
}

impl Passthrough {
    /// Whether nothing is carried through.
    pub fn is_empty(&self) -> bool {
        self.map_roles.is_empty() && self.map_users.is_empty() && self.map_accounts.is_empty()
    }
}

/// A namespace and the clusters it is on.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// Name.
    pub name: String,
    /// Cluster names, sorted.
    pub clusters: BTreeSet<String>,
    /// `managed = true`: accessc writes its `Namespace` object on each of its clusters (the
    /// span of the setting); None: the namespace exists already.
    pub managed: Option<Span>,
    /// Declaration.
    pub span: Span,
}

/// How pods get AWS credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identity {
    /// EKS Pod Identity.
    PodIdentity,
    /// IAM Roles for Service Accounts.
    Irsa,
}

impl Identity {
    /// The source keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Identity::PodIdentity => "pod_identity",
            Identity::Irsa => "irsa",
        }
    }
}

/// Where an artifact came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// What declared it: `app payments/checkout`, `role tenant-reader`.
    pub what: String,
    /// The declaration.
    pub span: Span,
}

/// A service account that assumes a role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Member {
    /// Cluster name.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Service account.
    pub service_account: String,
    /// App `NS/APP`.
    pub app: String,
}

/// An IAM role for workloads.
#[derive(Clone, Debug)]
pub struct IamRole {
    /// Role name (≤ 64 characters).
    pub name: String,
    /// Account.
    pub account: String,
    /// Partition.
    pub partition: String,
    /// IAM path.
    pub path: String,
    /// How it is assumed.
    pub identity: Identity,
    /// Where it came from.
    pub origin: Origin,
    /// Trust policy.
    pub trust: Trust,
    /// Permissions, sorted, with Sids.
    pub statements: Vec<Statement>,
    /// Permission boundary.
    pub boundary: Option<BoundaryRef>,
    /// The service accounts that assume it, sorted.
    pub members: Vec<Member>,
    /// Pod Identity: whether EKS attaches its session tags (`session_tags = false` disables).
    pub session_tags: bool,
    /// The AWS size limits that apply in the role's account.
    pub limits: Limits,
}

/// AWS size and count limits, with AWS's defaults; clusters may raise them
/// (`max_trust_policy`, `max_managed_policy`, `max_managed_policies`) where the account's quota
/// was raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Managed policy size, characters without whitespace.
    pub managed_policy: usize,
    /// Trust policy size.
    pub trust_policy: usize,
    /// Managed policies attached to one role.
    pub policies_per_role: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            managed_policy: 6144,
            trust_policy: 2048,
            policies_per_role: 10,
        }
    }
}

impl IamRole {
    /// The role ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.account, self.path, self.name
        )
    }
    /// The permissions policy name.
    pub fn policy_name(&self) -> String {
        format!("{}-policy", self.name)
    }
}

/// A reference from a role to its permission boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundaryRef {
    /// Boundary name.
    pub name: String,
    /// Managed policy ARN.
    pub arn: String,
}

/// A trust policy.
#[derive(Clone, Debug)]
pub enum Trust {
    /// `pods.eks.amazonaws.com` with source conditions.
    PodIdentity {
        /// `aws:SourceAccount`.
        account: String,
        /// `aws:SourceArn`: cluster ARNs, sorted.
        cluster_arns: BTreeSet<String>,
        /// `aws:SourceOrgId`, when the clusters declare `org`.
        orgs: BTreeSet<String>,
    },
    /// One statement per OIDC provider.
    Irsa {
        /// Providers, sorted by issuer.
        providers: Vec<OidcTrust>,
    },
}

/// One OIDC provider of an IRSA trust.
#[derive(Clone, Debug)]
pub struct OidcTrust {
    /// Cluster names that use this issuer.
    pub clusters: BTreeSet<String>,
    /// Issuer (host/path).
    pub issuer: String,
    /// Provider ARN.
    pub provider_arn: String,
    /// `system:serviceaccount:NS:SA` subjects, sorted.
    pub subjects: BTreeSet<String>,
}

/// One permissions statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Statement id.
    pub sid: String,
    /// Actions, sorted.
    pub actions: BTreeSet<String>,
    /// Resources, sorted (`*` alone when the actions have no resource type).
    pub resources: BTreeSet<String>,
    /// Condition operator → key → values.
    pub conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// A `deny` grant's statement: `Effect: Deny`.
    pub deny: bool,
    /// `unsafe "reason"` of the grant(s).
    pub unsafe_reasons: BTreeSet<String>,
    /// The grants it came from.
    pub sources: Vec<Span>,
    /// For each action, the grants that gave it (for `accessc explain`).
    pub origins: Origins,
}

impl Statement {
    /// `Allow`, or `Deny` for a `deny` grant's statement.
    pub fn effect(&self) -> &'static str {
        if self.deny {
            "Deny"
        } else {
            "Allow"
        }
    }
}

/// For each action of a statement, the grants (spans) that gave it: a vector sorted by action,
/// each with its sorted spans. A large program has hundreds of thousands of them: a map of
/// sets took ~100 MB at 10,000 apps, this takes a third of that.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins(Vec<(String, Spans)>);

/// The sorted grants (spans) that gave one action: nearly always one, kept inline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spans {
    /// One grant.
    One(Span),
    /// Several grants, sorted.
    Many(Vec<Span>),
}

impl Spans {
    /// The spans, sorted.
    pub fn as_slice(&self) -> &[Span] {
        match self {
            Spans::One(s) => std::slice::from_ref(s),
            Spans::Many(v) => v,
        }
    }

    /// Both sets of spans, sorted and without duplicates.
    fn union(self, other: Spans) -> Spans {
        let mut v = self.as_slice().to_vec();
        v.extend_from_slice(other.as_slice());
        v.sort();
        v.dedup();
        match v.as_slice() {
            [one] => Spans::One(*one),
            _ => Spans::Many(v),
        }
    }
}

/// An entry of [`Origins`] as its iterators give it.
fn entry((action, spans): &(String, Spans)) -> (&String, &[Span]) {
    (action, spans.as_slice())
}

impl Origins {
    /// Every action given by one grant.
    pub fn from_grant<'a>(actions: impl IntoIterator<Item = &'a String>, span: Span) -> Origins {
        let mut v: Vec<(String, Spans)> = actions
            .into_iter()
            .map(|a| (a.clone(), Spans::One(span)))
            .collect();
        // Already sorted when the actions come from a set (one pass checks it).
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|b, a| a.0 == b.0);
        Origins(v)
    }

    /// The grants that gave `action`.
    pub fn get(&self, action: &str) -> Option<&[Span]> {
        self.0
            .binary_search_by(|(a, _)| a.as_str().cmp(action))
            .ok()
            .map(|i| self.0[i].1.as_slice())
    }

    /// (action, grants), sorted by action.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &[Span])> {
        self.0.iter().map(entry)
    }

    /// The number of actions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no action.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Add another statement's origins (both sorted: one linear merge).
    pub fn merge(&mut self, other: Origins) {
        if other.0.is_empty() {
            return;
        }
        let mine = std::mem::take(&mut self.0);
        let mut out = Vec::with_capacity(mine.len() + other.0.len());
        let (mut a, mut b) = (mine.into_iter().peekable(), other.0.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                    std::cmp::Ordering::Less => a.next(),
                    std::cmp::Ordering::Greater => b.next(),
                    std::cmp::Ordering::Equal => match (a.next(), b.next()) {
                        (Some((action, s1)), Some((_, s2))) => Some((action, s1.union(s2))),
                        (x, _) => x,
                    },
                },
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => None,
            };
            match next {
                Some(e) => out.push(e),
                None => break,
            }
        }
        self.0 = out;
    }
}

impl<'a> IntoIterator for &'a Origins {
    type Item = (&'a String, &'a [Span]);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Spans)>,
        fn(&'a (String, Spans)) -> (&'a String, &'a [Span]),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(entry)
    }
}

/// A permission boundary materialised in one account.
#[derive(Clone, Debug)]
pub struct Boundary {
    /// Name.
    pub name: String,
    /// Account.
    pub account: String,
    /// Partition.
    pub partition: String,
    /// `Allow` statements: actions on resources.
    pub allow: Vec<(BTreeSet<String>, BTreeSet<String>)>,
    /// `Deny` statements.
    pub deny: Vec<(BTreeSet<String>, BTreeSet<String>)>,
    /// Declaration.
    pub span: Span,
}

impl Boundary {
    /// Managed policy ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:policy/{}",
            self.partition, self.account, self.name
        )
    }
}

/// A Kubernetes ServiceAccount.
#[derive(Clone, Debug)]
pub struct ServiceAccount {
    /// Cluster.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// App `NS/APP`.
    pub app: String,
    /// IRSA role ARN annotation.
    pub irsa_role_arn: Option<String>,
    /// `automountServiceAccountToken`.
    pub automount: bool,
    /// Whether accessc writes the ServiceAccount object (`service_account_managed = false`: the
    /// Helm chart does; accessc writes only the IAM side, the association or the IRSA trust,
    /// and the role ARN as a Terraform output).
    pub managed: bool,
    /// The app declaration.
    pub span: Span,
}

/// `aws eks create-pod-identity-association` input.
#[derive(Clone, Debug)]
pub struct PodIdentityAssociation {
    /// Cluster name in the program.
    pub cluster: String,
    /// EKS cluster name.
    pub eks_name: String,
    /// Namespace.
    pub namespace: String,
    /// Service account.
    pub service_account: String,
    /// Role ARN.
    pub role_arn: String,
    /// App `NS/APP`.
    pub app: String,
    /// `disableSessionTags`.
    pub disable_session_tags: bool,
    /// The app declaration.
    pub span: Span,
}

/// A subject of a binding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// A service account.
    ServiceAccount {
        /// Name.
        name: String,
        /// Namespace.
        namespace: String,
    },
    /// A Kubernetes group.
    Group(String),
}

/// One RBAC policy rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyRule {
    /// API groups.
    pub api_groups: Vec<String>,
    /// Resources.
    pub resources: Vec<String>,
    /// Resource names.
    pub resource_names: Vec<String>,
    /// Verbs.
    pub verbs: Vec<String>,
}

/// A Role (namespace set) or ClusterRole (namespace None) with its binding.
#[derive(Clone, Debug)]
pub struct RbacGrant {
    /// Cluster.
    pub cluster: String,
    /// Namespace of the Role and RoleBinding; None for ClusterRole + ClusterRoleBinding.
    pub namespace: Option<String>,
    /// Name of the role and of its binding.
    pub name: String,
    /// Rules.
    pub rules: Vec<PolicyRule>,
    /// Who is bound.
    pub subject: Subject,
    /// Where it came from.
    pub origin: Origin,
}

impl AuthMode {
    /// The mode from its EKS API value (`API`, `API_AND_CONFIG_MAP`, `CONFIG_MAP`).
    pub fn from_eks_value(value: &str) -> Option<AuthMode> {
        match value {
            "CONFIG_MAP" => Some(AuthMode::ConfigMap),
            "API_AND_CONFIG_MAP" => Some(AuthMode::ApiAndConfigMap),
            "API" => Some(AuthMode::Api),
            _ => None,
        }
    }
    /// Whether the cluster authenticates through access entries.
    pub fn uses_access_entries(self) -> bool {
        self != AuthMode::ConfigMap
    }
    /// Whether the cluster reads the aws-auth ConfigMap.
    pub fn uses_aws_auth(self) -> bool {
        self != AuthMode::Api
    }
}

/// A cluster's `accessConfig` at creation.
#[derive(Clone, Debug)]
pub struct AccessConfig {
    /// Cluster name in the program.
    pub cluster: String,
    /// EKS cluster name.
    pub eks_name: String,
    /// Authentication mode.
    pub mode: AuthMode,
    /// `bootstrapClusterCreatorAdminPermissions` (always true for `CONFIG_MAP`: EKS requires it).
    pub bootstrap_admin: bool,
    /// The cluster declaration.
    pub span: Span,
}

/// An EKS access policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessPolicy {
    /// `cluster_admin`: AmazonEKSClusterAdminPolicy, Kubernetes `cluster-admin`.
    ClusterAdmin,
    /// `admin`: AmazonEKSAdminPolicy, Kubernetes `admin`.
    Admin,
    /// `edit`: AmazonEKSEditPolicy, Kubernetes `edit`.
    Edit,
    /// `view`: AmazonEKSViewPolicy, Kubernetes `view`.
    View,
}

impl AccessPolicy {
    /// The source keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            AccessPolicy::ClusterAdmin => "cluster_admin",
            AccessPolicy::Admin => "admin",
            AccessPolicy::Edit => "edit",
            AccessPolicy::View => "view",
        }
    }
    /// The EKS access policy name.
    pub fn eks_name(self) -> &'static str {
        match self {
            AccessPolicy::ClusterAdmin => "AmazonEKSClusterAdminPolicy",
            AccessPolicy::Admin => "AmazonEKSAdminPolicy",
            AccessPolicy::Edit => "AmazonEKSEditPolicy",
            AccessPolicy::View => "AmazonEKSViewPolicy",
        }
    }
    /// The EKS access policy ARN in a partition.
    pub fn arn(self, partition: &str) -> String {
        format!(
            "arn:{partition}:eks::aws:cluster-access-policy/{}",
            self.eks_name()
        )
    }
    /// The built-in Kubernetes ClusterRole it matches.
    pub fn cluster_role(self) -> &'static str {
        match self {
            AccessPolicy::ClusterAdmin => "cluster-admin",
            AccessPolicy::Admin => "admin",
            AccessPolicy::Edit => "edit",
            AccessPolicy::View => "view",
        }
    }
}

/// Where an access policy applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessScope {
    /// The whole cluster.
    Cluster,
    /// These namespaces (sorted, at least one).
    Namespaces(BTreeSet<String>),
}

/// The kind of an IAM principal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    /// An IAM role.
    Role,
    /// An IAM user.
    User,
}

/// An IAM role or user.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Principal {
    /// Role or user.
    pub kind: PrincipalKind,
    /// The ARN as written (with its path).
    pub arn: String,
    /// Partition.
    pub partition: String,
    /// Account.
    pub account: String,
    /// IAM path (`/` or `/a/b/`).
    pub path: String,
    /// Name.
    pub name: String,
}

impl Principal {
    /// The ARN without the path, as aws-auth needs it.
    pub fn arn_without_path(&self) -> String {
        let kind = match self.kind {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
        };
        format!(
            "arn:{}:iam::{}:{kind}/{}",
            self.partition, self.account, self.name
        )
    }
}

/// The type of an access entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessEntryType {
    /// People and CI.
    Standard,
    /// EC2 Linux nodes (`nodes`).
    Ec2Linux,
    /// EC2 Windows nodes (`windows_nodes`).
    Ec2Windows,
    /// A Fargate pod execution role (`fargate_roles`).
    FargateLinux,
}

impl AccessEntryType {
    /// The EKS API value.
    pub fn eks_value(self) -> &'static str {
        match self {
            AccessEntryType::Standard => "STANDARD",
            AccessEntryType::Ec2Linux => "EC2_LINUX",
            AccessEntryType::Ec2Windows => "EC2_WINDOWS",
            AccessEntryType::FargateLinux => "FARGATE_LINUX",
        }
    }
}

/// `aws eks create-access-entry` input.
#[derive(Clone, Debug)]
pub struct AccessEntry {
    /// Cluster name in the program.
    pub cluster: String,
    /// EKS cluster name.
    pub eks_name: String,
    /// File name stem: the access name, or `_nodes`, `_windows-nodes`, `_fargate` for the first
    /// node role of its kind (`_nodes.ROLE-NAME`, … for the next ones).
    pub file: String,
    /// Principal ARN (with its path).
    pub principal_arn: String,
    /// Entry type.
    pub entry_type: AccessEntryType,
    /// Kubernetes groups, sorted (empty for nodes).
    pub groups: Vec<String>,
    /// Kubernetes username (None: EKS chooses).
    pub username: Option<String>,
    /// Where it came from.
    pub origin: Origin,
}

/// `aws eks associate-access-policy` input.
#[derive(Clone, Debug)]
pub struct AccessPolicyAssociation {
    /// Cluster name in the program.
    pub cluster: String,
    /// EKS cluster name.
    pub eks_name: String,
    /// The access name (file name stem).
    pub name: String,
    /// Principal ARN.
    pub principal_arn: String,
    /// Policy ARN.
    pub policy_arn: String,
    /// Scope.
    pub scope: AccessScope,
    /// Where it came from.
    pub origin: Origin,
}

/// One `mapRoles` / `mapUsers` item of aws-auth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsAuthMapping {
    /// Role or user ARN, without its path.
    pub arn: String,
    /// Kubernetes username.
    pub username: String,
    /// Kubernetes groups, in order.
    pub groups: Vec<String>,
    /// Where it came from.
    pub origin: Origin,
}

/// The aws-auth ConfigMap of one cluster.
#[derive(Clone, Debug)]
pub struct AwsAuth {
    /// Cluster name in the program.
    pub cluster: String,
    /// `mapRoles`: the node roles first, then the accesses by name.
    pub map_roles: Vec<AwsAuthMapping>,
    /// `mapUsers`, by access name.
    pub map_users: Vec<AwsAuthMapping>,
    /// Items carried through verbatim, written after the others.
    pub passthrough: Passthrough,
}

/// A RoleBinding (namespace set) or ClusterRoleBinding of a group to a built-in ClusterRole.
#[derive(Clone, Debug)]
pub struct GroupBinding {
    /// Cluster.
    pub cluster: String,
    /// Namespace of the RoleBinding; None for a ClusterRoleBinding.
    pub namespace: Option<String>,
    /// Binding name.
    pub name: String,
    /// The built-in ClusterRole (`cluster-admin`, `admin`, `edit`, `view`).
    pub cluster_role: String,
    /// The Kubernetes group bound.
    pub group: String,
    /// Where it came from.
    pub origin: Origin,
}

/// The kinds of resources accessc writes resource-based policies for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// An S3 bucket (and its objects).
    S3Bucket,
    /// A KMS key.
    KmsKey,
    /// An SQS queue.
    SqsQueue,
    /// An SNS topic.
    SnsTopic,
    /// A Secrets Manager secret.
    Secret,
    /// An ECR repository.
    EcrRepository,
}

impl ResourceKind {
    /// The IAM service prefix.
    pub fn service(self) -> &'static str {
        match self {
            ResourceKind::S3Bucket => "s3",
            ResourceKind::KmsKey => "kms",
            ResourceKind::SqsQueue => "sqs",
            ResourceKind::SnsTopic => "sns",
            ResourceKind::Secret => "secretsmanager",
            ResourceKind::EcrRepository => "ecr",
        }
    }
}

/// A resource-based policy: one document per resource, merging every grant on it.
#[derive(Clone, Debug)]
pub struct ResourcePolicy {
    /// The resource ARN.
    pub arn: String,
    /// What it is.
    pub kind: ResourceKind,
    /// Partition.
    pub partition: String,
    /// Region (empty for S3).
    pub region: String,
    /// Account (empty for S3).
    pub account: String,
    /// Bucket, key id, queue, topic, secret or repository name.
    pub name: String,
    /// Statements, sorted, with Sids.
    pub statements: Vec<ResourceStatement>,
    /// The declaration.
    pub span: Span,
}

/// One statement of a resource-based policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceStatement {
    /// Statement id.
    pub sid: String,
    /// `Principal.AWS`: account roots or role ARNs.
    pub principals: BTreeSet<String>,
    /// Actions.
    pub actions: BTreeSet<String>,
    /// Resources (empty: no `Resource` element, as ECR wants).
    pub resources: BTreeSet<String>,
    /// Condition operator → key → values.
    pub conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

/// A statement id part from a name (of a cluster, a resource): `payments-api` → `PaymentsApi`.
/// Shared by lowering and the IAM emitter.
pub fn sid_part(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if up { c.to_ascii_uppercase() } else { c });
            up = false;
        } else {
            up = true;
        }
    }
    out
}

#[cfg(test)]
mod origins_tests {
    use super::*;
    use crate::ast::FileId;

    #[test]
    fn merge_unites_actions_and_spans() {
        let s1 = Span::new(FileId(0), 1, 2);
        let s2 = Span::new(FileId(0), 5, 6);
        let a: Vec<String> = vec!["s3:B".into(), "s3:A".into()];
        let b: Vec<String> = vec!["s3:C".into(), "s3:B".into()];
        let mut o = Origins::from_grant(&a, s2);
        o.merge(Origins::from_grant(&b, s1));
        let got: Vec<(String, Vec<Span>)> =
            o.iter().map(|(a, s)| (a.clone(), s.to_vec())).collect();
        assert_eq!(
            got,
            vec![
                ("s3:A".into(), vec![s2]),
                ("s3:B".into(), vec![s1, s2]),
                ("s3:C".into(), vec![s1]),
            ]
        );
        assert_eq!(o.get("s3:B"), Some(&[s1, s2][..]));
        assert_eq!(o.get("s3:Z"), None);
        assert_eq!(o.len(), 3);
    }
}
