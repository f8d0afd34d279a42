//! JSON helpers shared by the emitters: two-space indentation, one trailing newline.

use serde::Serialize;

/// Pretty JSON with a trailing newline.
pub fn pretty<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    // The text grew by doubling; every artifact is kept until the build ends.
    s.shrink_to_fit();
    s
}

/// Compact JSON (for policy documents embedded as strings in CLI inputs).
pub fn compact<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A string, or a list when there are several: IAM's usual form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// From sorted values.
    pub fn of<I: IntoIterator<Item = String>>(values: I) -> OneOrMany {
        let mut v: Vec<String> = values.into_iter().collect();
        if v.len() == 1 {
            OneOrMany::One(v.remove(0))
        } else {
            OneOrMany::Many(v)
        }
    }
}
