//! The rule every relative path accessc opens in an output folder goes through (the writer's
//! `paths` module applies it to artifacts, manifest entries and stamp entries; the
//! emitters use it to decide which names may be folders as they are), and the form in which
//! such a path is shown in messages. Pure: nothing here touches the file system.

use std::fmt::Write as _;

/// Why `rel` is not a path accessc may open inside an output folder, if it is not one.
pub fn check(rel: &str) -> Result<(), String> {
    if rel.is_empty() {
        return Err("it is empty".into());
    }
    if rel.starts_with('/') {
        return Err("it is absolute".into());
    }
    for part in rel.split('/') {
        component(part)?;
    }
    Ok(())
}

fn component(part: &str) -> Result<(), String> {
    if part.is_empty() {
        return Err("it has an empty component".into());
    }
    if part == "." || part == ".." {
        return Err(format!("it has a `{part}` component"));
    }
    if let Some(c) = part
        .chars()
        .find(|c| c.is_control() || "\\<>:\"|?*".contains(*c))
    {
        return Err(format!("it holds the character {}", c.escape_debug()));
    }
    if part.ends_with(['.', ' ']) {
        return Err("a component ends with a dot or a space".into());
    }
    let stem = part.split('.').next().unwrap_or(part).trim_end();
    if reserved(stem) {
        return Err(format!(
            "`{}` is a device name on Windows",
            shown(stem.to_string().as_str())
        ));
    }
    Ok(())
}

/// Whether `stem` (a file name before its first dot) names a device on Windows.
fn reserved(stem: &str) -> bool {
    let lower = stem.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "con" | "prn" | "aux" | "nul" | "conin$" | "conout$"
    ) {
        return true;
    }
    let (head, tail) = lower.split_at(lower.len().min(3));
    (head == "com" || head == "lpt")
        && matches!(
            tail,
            "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
        )
}

/// A path for a message: control characters, quotes and backslashes escaped, so that a hostile
/// name cannot break the line (or the terminal) it is shown in.
pub fn shown(rel: &str) -> String {
    let mut s = String::with_capacity(rel.len());
    for c in rel.chars() {
        if c == '`' {
            s.push_str("\\`");
        } else if c.is_control() || c == '\\' || c == '"' {
            let _ = write!(s, "{}", c.escape_default());
        } else {
            s.push(c);
        }
    }
    s
}
