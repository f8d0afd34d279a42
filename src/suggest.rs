//! "did you mean …?": the closest candidate by edit distance. One implementation for the whole
//! compiler (it lives with the IAM catalog, which needs it for action names).

pub use crate::catalog::closest;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::edit_distance as distance;

    #[test]
    fn typos() {
        assert_eq!(
            closest("clustr", ["cluster", "app"].into_iter()),
            Some("cluster")
        );
        assert_eq!(closest("prdo", ["prod", "dev"].into_iter()), Some("prod"));
        assert_eq!(closest("xyz", ["prod", "dev"].into_iter()), None);
        assert_eq!(distance("GetObjecct", "GetObject"), 1);
        assert_eq!(distance("ab", "ba"), 1);
    }
}
