//! `accessc who-can`: who holds a permission, computed from the program alone (no cluster, no
//! AWS account), each answer with the declaration (file:line) that grants it.
//!
//! * `who-can ACTION RESOURCE` (an IAM action, `service:Action`): the workload roles whose
//!   permissions policy allows it ([`iam`]), with IAM wildcard and ARN-glob semantics and the
//!   members of shared roles whose `${…}` values match; roles whose permission boundary does not
//!   allow it are listed apart, as denied by their boundary; resource-based policies that admit
//!   principals to the resource are listed with who they admit.
//! * `who-can VERB RESOURCE [-n NS]` (a Kubernetes verb): Roles and ClusterRoles of apps and
//!   accesses, EKS access policies ([`eks_policies`] approximates what they grant), aws-auth
//!   groups bound to the built-in ClusterRoles, and the cluster creator ([`kube`]).
//!
//! The answers are data; src/cli/who_can.rs asks the question and prints them.

pub mod eks_policies;
pub mod iam;
pub mod kube;
pub mod pattern;

/// Whether the question is about IAM (an action has a service prefix) rather than Kubernetes.
pub fn is_iam_question(action: &str) -> bool {
    action.contains(':')
}
