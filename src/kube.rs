//! Kubernetes API knowledge (placeholder).
