//! accessc: a policy-as-code compiler for EKS IAM and Kubernetes RBAC.
pub mod catalog;
pub mod kube;
