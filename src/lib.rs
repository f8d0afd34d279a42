//! accessc: a policy-as-code compiler for EKS IAM and Kubernetes RBAC.
pub mod catalog;
pub mod kube;
pub mod ast;
pub mod diagnostics;
pub mod source;
pub mod suggest;
pub mod syntax;
