//! A memo shared by the threads that check apps: a map from what a check depends on to its
//! result, read-locked for lookups (the threads never wait on each other to read), and cleared
//! when it holds `cap` entries, so that a process compiling many programs stays bounded.
//!
//! [`Memos`] are the checker's memos of one [`crate::Context`]: the caller makes them with the
//! context and hands them to every compile it runs, so an embedder that compiles often (an
//! editor server) keeps them warm, and two contexts never share them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};
use std::sync::{Arc, RwLock};

use super::catalog_checks::SharedAllow;
use crate::catalog::FxHasher;
use crate::ir::PolicyRule;

/// Entries past which a memo of [`Memos`] starts afresh.
const MAX_ENTRIES: usize = 1 << 14;

/// The checker's memos (see the module): results of checks that every app of a large program
/// asks again with the same inputs. Keyed by content (the text the result depends on, and the
/// catalog's ids of ARN shapes), never by addresses.
pub struct Memos {
    /// Kubernetes rules: the rule's key (`check::kube`) → its policy rules without resource
    /// names.
    pub(crate) rules: Memo<Vec<u8>, Arc<Vec<PolicyRule>>>,
    /// `allow` grants: the grant's key (`catalog_checks::allow_actions_shared`) → the actions
    /// it allows.
    pub(crate) allows: Memo<Vec<u8>, SharedAllow>,
}

impl Default for Memos {
    fn default() -> Memos {
        Memos {
            rules: Memo::new(MAX_ENTRIES),
            allows: Memo::new(MAX_ENTRIES),
        }
    }
}

impl std::fmt::Debug for Memos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memos").finish_non_exhaustive()
    }
}

/// A capped memo (see the module).
pub struct Memo<K, V> {
    map: RwLock<HashMap<K, V, BuildHasherDefault<FxHasher>>>,
    cap: usize,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// An empty memo of at most `cap` entries.
    pub fn new(cap: usize) -> Memo<K, V> {
        Memo {
            map: RwLock::default(),
            cap,
        }
    }

    /// The result kept for `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        self.map.read().ok()?.get(key).cloned()
    }

    /// How many entries it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.read().map_or(0, |m| m.len())
    }

    /// Keep `value` for `key` (starting afresh when the memo is full).
    pub fn insert(&self, key: K, value: V) {
        if let Ok(mut m) = self.map.write() {
            if m.len() >= self.cap {
                m.clear();
            }
            m.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_results_and_starts_afresh_when_full() {
        let memo: Memo<u32, String> = Memo::new(2);
        assert_eq!(memo.get(&1), None);
        memo.insert(1, "one".into());
        memo.insert(2, "two".into());
        assert_eq!(memo.get(&1).as_deref(), Some("one"));
        memo.insert(3, "three".into());
        assert_eq!(memo.get(&1), None);
        assert_eq!(memo.get(&3).as_deref(), Some("three"));
    }
}
