//! The embedded IAM action catalog (placeholder).
