//! Every diagnostic code accessc can emit. Codes are stable: never renumber or reuse one; a code
//! that is no longer emitted is marked retired in its documentation.

use std::fmt;
use std::str::FromStr;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The program cannot be compiled.
    Error,
    /// A best-practice finding; the program compiles.
    Warning,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $text:literal, $sev:ident, $title:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $name, )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[ $( Code::$name, )* ];

            /// The code as written, e.g. `E101`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$name => $text, )* }
            }

            /// Default severity.
            pub fn severity(self) -> Severity {
                match self { $( Code::$name => Severity::$sev, )* }
            }

            /// A short title.
            pub fn title(self) -> &'static str {
                match self { $( Code::$name => $title, )* }
            }

            /// The documentation page (`docs/codes/CODE.md`): what it means, an example, the fix.
            pub fn doc(self) -> &'static str {
                match self { $( Code::$name => include_str!(concat!("../../docs/codes/", $text, ".md")), )* }
            }
        }
    };
}

codes! {
    /// The input does not match the grammar.
    E001 = "E001", Error, "syntax error";
    /// A file is not valid UTF-8.
    E002 = "E002", Error, "file is not UTF-8";
    /// A string literal has an unknown escape.
    E003 = "E003", Error, "invalid escape in string";
    /// A string literal holds a control, bidirectional or invisible character.
    E004 = "E004", Error, "hidden character in string";

    /// A name is declared twice.
    E101 = "E101", Error, "duplicate declaration";
    /// A reference to a cluster that is not declared.
    E102 = "E102", Error, "unknown cluster";
    /// A reference to a namespace that is not declared.
    E103 = "E103", Error, "unknown namespace";
    /// A reference to a shared role that is not declared.
    E104 = "E104", Error, "unknown role";
    /// A reference to a boundary that is not declared.
    E105 = "E105", Error, "unknown boundary";
    /// A name does not follow the Kubernetes name rule.
    E106 = "E106", Error, "invalid name";
    /// A setting this declaration does not have.
    E107 = "E107", Error, "unknown setting";
    /// A required setting is missing.
    E108 = "E108", Error, "missing setting";
    /// A setting has a value of the wrong form or not one of the allowed words.
    E109 = "E109", Error, "invalid setting value";
    /// An AWS account ID that is not 12 digits.
    E110 = "E110", Error, "invalid account id";
    /// A region that is not an AWS region name.
    E111 = "E111", Error, "invalid region";
    /// A partition that is not an AWS partition.
    E112 = "E112", Error, "invalid partition";
    /// A malformed ARN.
    E113 = "E113", Error, "invalid ARN";
    /// A malformed OIDC issuer.
    E114 = "E114", Error, "invalid OIDC issuer";
    /// IRSA on a cluster without `oidc`.
    E115 = "E115", Error, "IRSA needs the cluster's OIDC issuer";
    /// Two apps use the same service account in one namespace.
    E116 = "E116", Error, "service account used by two apps";
    /// A setting is given twice.
    E117 = "E117", Error, "duplicate setting";
    /// An unknown `${…}` variable.
    E118 = "E118", Error, "unknown variable";
    /// Two generated IAM roles have the same name.
    E119 = "E119", Error, "IAM role name collision";
    /// An app that uses a shared role also declares its own AWS grants or identity.
    E120 = "E120", Error, "app with a shared role declares its own AWS access";
    /// A malformed AWS Organizations ID.
    E121 = "E121", Error, "invalid organization id";
    /// An `NS/APP` reference to an app that is not declared.
    E122 = "E122", Error, "unknown app";
    /// A role path that IAM does not accept.
    E123 = "E123", Error, "invalid role path";
    /// A Pod Identity role declared in another account than its cluster.
    E124 = "E124", Error, "Pod Identity role outside the cluster's account";
    /// A condition value that is not of its kind (a date, an IP range, a number, a boolean,
    /// base64) or of another kind than the condition's other values.
    E125 = "E125", Error, "invalid condition value";
    /// `oidc_provider = managed` on a cluster without an `oidc` issuer.
    E126 = "E126", Error, "managed OIDC provider without an issuer";
    /// Two clusters of one account manage the IAM OIDC provider of the same issuer.
    E127 = "E127", Error, "OIDC provider managed twice";
    /// `use` of a pack that is not declared.
    E130 = "E130", Error, "unknown pack";
    /// A `use` that gives no value for a parameter without a default.
    E131 = "E131", Error, "missing pack argument";
    /// A `use` argument that names no parameter of the pack.
    E132 = "E132", Error, "unknown pack argument";
    /// A pack argument or default of the wrong type.
    E133 = "E133", Error, "pack argument of the wrong type";
    /// A pack parameter used where it cannot go (a list inside a longer string), or named like
    /// a built-in variable.
    E134 = "E134", Error, "misused pack parameter";
    /// Packs whose `use`s go round.
    E135 = "E135", Error, "pack uses itself";
    /// A pack parameter of an unknown type.
    E136 = "E136", Error, "unknown parameter type";

    /// An IAM action that is not written `service:Action`.
    E201 = "E201", Error, "malformed action";
    /// A wildcard action or resource without `unsafe`.
    E202 = "E202", Error, "wildcard needs `unsafe`";
    /// A policy document over an AWS size limit.
    E203 = "E203", Error, "policy too large";
    /// A condition key that is not written `service:key`.
    E204 = "E204", Error, "malformed condition key";
    /// `${…}` variables in a shared IRSA role.
    E205 = "E205", Error, "session-tag variable in an IRSA role";
    /// An AWS service prefix the IAM catalog does not know.
    E206 = "E206", Error, "unknown AWS service";
    /// An IAM action the catalog does not know, or a wildcard that matches none.
    E207 = "E207", Error, "unknown IAM action";
    /// An ARN that matches no resource type of its service.
    E208 = "E208", Error, "ARN matches no resource type";
    /// An action that does not apply to the ARN's resource type.
    E209 = "E209", Error, "action does not apply to this resource";
    /// `allow` without `on` for an action that has resource types.
    E210 = "E210", Error, "action needs a resource";
    /// A condition key that the action does not support.
    E211 = "E211", Error, "unknown condition key for the action";
    /// An access-level grant that expands to no action.
    E212 = "E212", Error, "access level grants nothing here";
    /// A `resource` declaration on a resource type without resource policies accessc writes.
    E213 = "E213", Error, "unsupported resource policy";
    /// A resource grant to an app that has no IAM role.
    E214 = "E214", Error, "app without an AWS identity in a resource policy";
    /// Session-tag variables in a Pod Identity role whose session tags are disabled.
    E215 = "E215", Error, "session tags disabled but used";
    /// A resource grant's condition on a key accessc writes to admit the app.
    E216 = "E216", Error, "condition on a key accessc sets";
    /// A variable in a condition key that accessc cannot replace by a literal value (IAM
    /// replaces no variables in keys).
    E217 = "E217", Error, "variable in a condition key";
    /// A condition operator or value kind that does not fit the condition key's type.
    E218 = "E218", Error, "condition operator does not fit the key's type";
    /// `any` / `all` on a single-valued condition key.
    E219 = "E219", Error, "set qualifier on a single-valued key";

    /// An unknown Kubernetes verb.
    E301 = "E301", Error, "unknown verb";
    /// An unknown Kubernetes resource.
    E302 = "E302", Error, "unknown resource";
    /// A cluster-scoped resource in a namespaced block.
    E303 = "E303", Error, "cluster-scoped resource in a namespaced block";
    /// An unknown subresource.
    E304 = "E304", Error, "unknown subresource";
    /// `kubernetes in NS` naming a namespace not on the app's clusters.
    E305 = "E305", Error, "namespace not on the app's clusters";

    /// `on` for an action that supports only `Resource: "*"`.
    W201 = "W201", Warning, "action does not support resource ARNs";
    /// An ARN whose partition, region or account differs from the cluster's.
    W202 = "W202", Warning, "ARN outside the cluster's partition, region or account";
    /// A granted action that the role's permission boundary does not allow.
    W203 = "W203", Warning, "grant outside the permission boundary";
    /// A shared role whose grants use no `${…}` variable: every member gets the union.
    W204 = "W204", Warning, "shared role without session-tag variables";

    /// `named` with a verb that resource names cannot restrict.
    W301 = "W301", Warning, "resource names do not restrict this verb";

    /// A reserved Kubernetes group (`system:`) or username prefix in an access.
    E401 = "E401", Error, "reserved Kubernetes group or username";
    /// `system:masters` in an access.
    E402 = "E402", Error, "`system:masters` cannot be audited or revoked";
    /// `policy = cluster_admin` at cluster scope without `break_glass = true`.
    E403 = "E403", Error, "cluster admin without `break_glass`";
    /// The same IAM principal twice on a cluster (or an access for the node role).
    E404 = "E404", Error, "same principal twice on a cluster";
    /// A `config_map` or `api_and_config_map` cluster without `nodes`.
    E405 = "E405", Error, "aws-auth cluster without a node role";
    /// A principal that is not an IAM role or user ARN, or a service-linked role.
    E406 = "E406", Error, "invalid access principal";
    /// A namespace of an access's scope or rules that is not on the cluster, or an empty scope.
    E407 = "E407", Error, "namespace not on the access's cluster";
    /// An authentication-mode change EKS cannot make.
    E408 = "E408", Error, "authentication mode cannot change this way";
    /// `bootstrap_admin = false` on a `config_map` cluster.
    E409 = "E409", Error, "config_map cluster needs the bootstrap admin";
    /// A username with `{{SessionName}}` and no `:` before it.
    E410 = "E410", Error, "session name without `:` in a username";
    /// `kubernetes { }` without `in NS` or `cluster` in an access.
    E411 = "E411", Error, "access rules without a namespace";
    /// An access policy associated twice, or one another association of the access already gives.
    E412 = "E412", Error, "access policy given twice";

    /// An access for an IAM user.
    W401 = "W401", Warning, "IAM user access: prefer a role";
    /// An access for a principal of another account than the cluster's.
    W402 = "W402", Warning, "cross-account access";
    /// An access with an admin policy on `kube-system` without `break_glass`.
    W403 = "W403", Warning, "admin access to `kube-system` without `break_glass`";
    /// aws-auth items carried through unchecked (`passthrough_map_…`).
    W404 = "W404", Warning, "aws-auth pass-through is not checked";

    /// A malformed `# accessc: allow CODE "reason"` suppression.
    W001 = "W001", Warning, "invalid lint suppression";
    /// A suppression that suppresses nothing.
    W002 = "W002", Warning, "unused lint suppression";
    /// A pack that no app, role or other pack uses.
    W003 = "W003", Warning, "unused pack";
    /// `iam:PassRole` on every role.
    W205 = "W205", Warning, "`iam:PassRole` on every role";
    /// `eks:CreateAccessEntry` with `eks:AssociateAccessPolicy` in one role.
    W206 = "W206", Warning, "role can grant itself cluster access";
    /// `eks:CreatePodIdentityAssociation` with `iam:PassRole` in one role.
    W207 = "W207", Warning, "role can hand IAM roles to pods";
    /// An app or shared role with `boundary = none` on a cluster that sets a boundary.
    W208 = "W208", Warning, "role drops the cluster's boundary";
    /// A boundary statement that allows every action on every resource.
    W209 = "W209", Warning, "boundary allows everything";
    /// A `resource` grant to an app of a shared IRSA role: without session tags it admits
    /// every member.
    W210 = "W210", Warning, "resource grant reaches a whole shared IRSA role";
    /// An identity grant on a resource of another account whose declared resource policy does
    /// not admit the app.
    W211 = "W211", Warning, "grant not admitted by the resource's policy";
    /// `all KEY …` (`ForAllValues:`) in an allow without a `KEY is not null` guard: it also
    /// matches a request without the key.
    W212 = "W212", Warning, "`all` without a `not null` guard";
    /// A `deny` that makes an `allow` of the same role unreachable.
    W213 = "W213", Warning, "deny makes an allow unreachable";
    /// RBAC `escalate` or `bind`.
    W302 = "W302", Warning, "RBAC `escalate` or `bind`";
    /// RBAC `impersonate`.
    W303 = "W303", Warning, "RBAC `impersonate`";
    /// RBAC `*` verb or resource.
    W304 = "W304", Warning, "RBAC wildcard";
    /// RBAC `list` or `watch` on `secrets`.
    W305 = "W305", Warning, "RBAC reads every secret";
    /// RBAC on `pods/exec`, `pods/attach` or `pods/portforward`.
    W306 = "W306", Warning, "RBAC exec into pods";
    /// RBAC on `nodes/proxy`.
    W307 = "W307", Warning, "RBAC `nodes/proxy`";
    /// RBAC `create` on `pods`.
    W308 = "W308", Warning, "RBAC `create pods`";
    /// RBAC write on the aws-auth ConfigMap of a cluster that reads it.
    W309 = "W309", Warning, "RBAC writes the aws-auth ConfigMap";
    /// RBAC `create` on `serviceaccounts/token`.
    W310 = "W310", Warning, "RBAC mints service account tokens";
    /// RBAC `update` or `patch` on `pods/ephemeralcontainers`.
    W311 = "W311", Warning, "RBAC adds ephemeral containers to pods";
    /// RBAC write on mutating or validating webhook configurations.
    W312 = "W312", Warning, "RBAC changes admission webhooks";
    /// RBAC approval of certificate signing requests.
    W313 = "W313", Warning, "RBAC approves certificate signing requests";
    /// RBAC `create` on workload controllers outside the app's own namespace.
    W314 = "W314", Warning, "RBAC creates workloads in another namespace";

    /// A custom template uses a field its context does not have (strict mode), or fails to render.
    E501 = "E501", Error, "template failed to render";
    /// A custom template that does not parse, or whose file name declares no kind of entity.
    E502 = "E502", Error, "invalid template";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown diagnostic code `{s}`"))
    }
}
