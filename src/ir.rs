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
    /// AWS Organizations ID.
    pub org: Option<String>,
    /// Authentication mode.
    pub auth_mode: AuthMode,
    /// Node role ARN.
    pub nodes: Option<String>,
    /// Default boundary name.
    pub boundary: Option<String>,
    /// IAM path for workload roles.
    pub role_path: String,
    /// `bootstrapClusterCreatorAdminPermissions`.
    pub bootstrap_admin: bool,
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

/// A namespace and the clusters it is on.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// Name.
    pub name: String,
    /// Cluster names, sorted.
    pub clusters: BTreeSet<String>,
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
    /// `unsafe "reason"` of the grant(s).
    pub unsafe_reasons: BTreeSet<String>,
    /// The grants it came from.
    pub sources: Vec<Span>,
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
