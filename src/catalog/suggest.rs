//! "Did you mean" support: an edit distance and [`closest`], reusable for any set of names.

/// The optimal-string-alignment (restricted Damerau–Levenshtein) distance between `a` and `b`,
/// compared ASCII-case-insensitively: insertions, deletions, substitutions and swaps of two
/// adjacent characters each cost 1.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let width = b.len() + 1;
    // rows i-2, i-1 and i of the (a.len()+1) x (b.len()+1) table
    let mut two_back: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) {
                d = d.min(two_back[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        std::mem::swap(&mut two_back, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The largest edit distance [`closest`] accepts for a target of `len` characters: a third of
/// the length, at least 1 (as rustc's "did you mean").
pub fn max_distance(len: usize) -> usize {
    len.max(3) / 3
}

/// The candidate closest to `target`, for "did you mean `x`?".
///
/// A candidate equal to `target` ignoring ASCII case wins outright; otherwise the one with the
/// smallest [`edit_distance`], if that is at most [`max_distance`] of the target's length. Ties
/// go to the candidate seen first, so pass candidates in a stable (e.g. sorted) order.
pub fn closest<'a>(target: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if target.is_empty() {
        return None;
    }
    let limit = max_distance(target.chars().count());
    let mut best: Option<(usize, &'a str)> = None;
    for cand in candidates {
        if cand.eq_ignore_ascii_case(target) {
            return Some(cand);
        }
        // cheap lower bound: the length difference
        let diff = cand.chars().count().abs_diff(target.chars().count());
        if diff > limit || best.is_some_and(|(d, _)| diff >= d) {
            continue;
        }
        let d = edit_distance(target, cand);
        let better = match best {
            None => true,
            Some((bd, _)) => d < bd,
        };
        if d <= limit && better {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("GetObjecct", "GetObject"), 1);
        assert_eq!(edit_distance("GetObjetc", "GetObject"), 1); // swap
        assert_eq!(edit_distance("getobject", "GetObject"), 0);
    }

    #[test]
    fn closest_picks_nearest_within_limit() {
        let names = ["GetObject", "GetObjectAcl", "PutObject", "ListBucket"];
        assert_eq!(
            closest("GetObjecct", names.iter().copied()),
            Some("GetObject")
        );
        assert_eq!(
            closest("getobject", names.iter().copied()),
            Some("GetObject")
        );
        assert_eq!(
            closest("ListBuckt", names.iter().copied()),
            Some("ListBucket")
        );
        assert_eq!(closest("DeleteEverything", names.iter().copied()), None);
        assert_eq!(closest("", names.iter().copied()), None);
        assert_eq!(closest("s4", ["s3", "sqs"].into_iter()), Some("s3"));
    }
}
