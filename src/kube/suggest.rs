//! "Did you mean" suggestions for unknown resource names.
//!
//! Private to the `kube` module. The strategy, first hit wins:
//!
//! 1. case-insensitive exact / plural match: `Deployment` -> `deployments`,
//!    `networkpolicy` -> `networkpolicies`, `ingress` -> `ingresses`;
//! 2. kubectl short names: `svc` -> `services`, `deploy` -> `deployments`;
//! 3. (only when `fuzzy`) the smallest edit distance, within a budget that
//!    grows with the length of the written name; ties go to table order, so
//!    the core group wins.

use super::table::{RESOURCES, SHORT_NAMES};
use super::ApiResource;

/// Optimal-string-alignment distance (Levenshtein plus adjacent
/// transpositions), counted in `char`s.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    // Three rolling rows: i-2, i-1 and i.
    let mut prev2: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(prev2[j - 2] + 1);
            }
            cur[j] = best;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// How many edits a suggestion may be away from a name of `len` chars.
fn budget(len: usize) -> usize {
    (len / 3).clamp(1, 3)
}

/// Plural spellings to try for a (lowercased) singular.
fn plural_candidates(lower: &str) -> Vec<String> {
    let mut out = vec![lower.to_owned(), format!("{lower}s"), format!("{lower}es")];
    if let Some(stem) = lower.strip_suffix('y') {
        out.push(format!("{stem}ies"));
    }
    out
}

/// The built-in resource the writer most likely meant by `written`.
///
/// `group`: `None` searches every group, `Some(g)` only group `g`.
/// `fuzzy`: whether to fall back to edit distance.
pub(super) fn closest(
    written: &str,
    group: Option<&str>,
    fuzzy: bool,
) -> Option<&'static ApiResource> {
    let in_scope = |r: &&ApiResource| match group {
        None => true,
        Some(g) => r.group == g,
    };
    let lower = written.to_lowercase();

    for cand in plural_candidates(&lower) {
        if let Some(r) = RESOURCES.iter().filter(in_scope).find(|r| r.name == cand) {
            return Some(r);
        }
    }

    for (short, g, name) in SHORT_NAMES {
        if *short == lower {
            if let Some(r) = RESOURCES
                .iter()
                .filter(in_scope)
                .find(|r| r.group == *g && r.name == *name)
            {
                return Some(r);
            }
        }
    }

    if !fuzzy {
        return None;
    }
    let limit = budget(lower.chars().count());
    let mut best: Option<(usize, &'static ApiResource)> = None;
    for r in RESOURCES.iter().filter(in_scope) {
        let d = edit_distance(&lower, r.name);
        let better = match best {
            None => true,
            Some((bd, _)) => d < bd,
        };
        if d <= limit && better {
            best = Some((d, r));
        }
    }
    best.map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("pods", "pods"), 0);
        assert_eq!(edit_distance("pod", "pods"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("secrest", "secrets"), 1);
        assert_eq!(edit_distance("configmpas", "configmaps"), 1);
    }

    #[test]
    fn closest_examples() {
        let name = |w: &str| closest(w, None, true).map(|r| (r.group, r.name));
        assert_eq!(name("pod"), Some(("", "pods")));
        assert_eq!(name("configmap"), Some(("", "configmaps")));
        assert_eq!(name("Deployment"), Some(("apps", "deployments")));
        assert_eq!(name("ingress"), Some(("networking.k8s.io", "ingresses")));
        assert_eq!(
            name("NetworkPolicy"),
            Some(("networking.k8s.io", "networkpolicies"))
        );
        assert_eq!(
            name("StorageClass"),
            Some(("storage.k8s.io", "storageclasses"))
        );
        assert_eq!(name("svc"), Some(("", "services")));
        assert_eq!(name("ev"), Some(("", "events")));
        assert_eq!(name("secrest"), Some(("", "secrets")));
        assert_eq!(name("certificates"), None);
        assert_eq!(name("widgets"), None);
    }

    #[test]
    fn closest_within_group() {
        let r = closest("deploymentz", Some("apps"), true).map(|r| r.name);
        assert_eq!(r, Some("deployments"));
        assert_eq!(closest("pods", Some("apps"), true).map(|r| r.name), None);
        assert_eq!(closest("deploymentz", None, false), None);
    }
}
