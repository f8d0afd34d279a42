//! What `accessc fmt --diff` shows of a change (src/cli/fmt.rs reads, formats, prints and
//! writes the files).

/// A unified diff of one file.
pub fn diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(path, path)
        .to_string()
}
