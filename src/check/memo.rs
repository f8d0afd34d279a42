//! A memo shared by the threads that check apps: a map from what a check depends on to its
//! result, read-locked for lookups (the threads never wait on each other to read), and cleared
//! when it holds `cap` entries, so that a process compiling many programs stays bounded.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};
use std::sync::RwLock;

use crate::catalog::FxHasher;

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
