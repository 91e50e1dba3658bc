//! A small per-session cache: what was read once is not read again until a write through
//! keyblade makes it stale, or the user refreshes.
//!
//! Keys are lower-cased resource IDs (or a scope plus a query), because ARM IDs are
//! case-insensitive. Writes invalidate by exact key or by prefix (everything under a
//! subscription or a vault).

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug)]
pub(crate) struct Cache<V> {
    entries: Mutex<Entries<V>>,
}

#[derive(Debug)]
struct Entries<V> {
    map: HashMap<String, V>,
    /// Counts invalidations, so a read that started before one does not store what it read
    /// after it ([`Cache::put_unless_invalidated`]).
    generation: u64,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                generation: 0,
            }),
        }
    }
}

impl<V: Clone> Cache<V> {
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.lock().map.get(&key.to_ascii_lowercase()).cloned()
    }

    pub(crate) fn put(&self, key: &str, value: V) {
        self.lock().map.insert(key.to_ascii_lowercase(), value);
    }

    /// The invalidation count now: pass it to [`Cache::put_unless_invalidated`] when a read
    /// starts.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Stores `value` only if nothing was invalidated since `generation` was taken: a read
    /// that outlived a write must not bring back what the write made stale. Returns
    /// whether it stored.
    pub(crate) fn put_unless_invalidated(&self, key: &str, value: V, generation: u64) -> bool {
        let mut entries = self.lock();
        if entries.generation != generation {
            return false;
        }
        entries.map.insert(key.to_ascii_lowercase(), value);
        true
    }

    pub(crate) fn invalidate(&self, key: &str) {
        let mut entries = self.lock();
        entries.generation += 1;
        entries.map.remove(&key.to_ascii_lowercase());
    }

    pub(crate) fn invalidate_prefix(&self, prefix: &str) {
        let prefix = prefix.to_ascii_lowercase();
        let mut entries = self.lock();
        entries.generation += 1;
        entries.map.retain(|key, _| !key.starts_with(&prefix));
    }

    pub(crate) fn clear(&self) {
        let mut entries = self.lock();
        entries.generation += 1;
        entries.map.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<V>> {
        // A panic while holding the lock cannot leave a half-written map (inserts are
        // atomic), so a poisoned cache is still valid.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_and_prefixes_invalidate() {
        let cache = Cache::default();
        cache.put("/subscriptions/S1/vaults/A", 1);
        cache.put("/subscriptions/s1/vaults/b", 2);
        cache.put("/subscriptions/s2/vaults/c", 3);
        assert_eq!(cache.get("/SUBSCRIPTIONS/s1/VAULTS/a"), Some(1));
        cache.invalidate_prefix("/subscriptions/S1/");
        assert_eq!(cache.get("/subscriptions/s1/vaults/a"), None);
        assert_eq!(cache.get("/subscriptions/s1/vaults/b"), None);
        assert_eq!(cache.get("/subscriptions/s2/vaults/c"), Some(3));
        cache.invalidate("/subscriptions/s2/vaults/C");
        assert_eq!(cache.get("/subscriptions/s2/vaults/c"), None);
    }

    #[test]
    fn a_read_that_outlived_an_invalidation_is_not_stored() {
        let cache = Cache::default();
        let started = cache.generation();
        cache.invalidate_prefix("https://kv1/");
        assert!(!cache.put_unless_invalidated("https://kv1/keys", 1, started));
        assert_eq!(cache.get("https://kv1/keys"), None);
        let again = cache.generation();
        assert!(cache.put_unless_invalidated("https://kv1/keys", 2, again));
        assert_eq!(cache.get("https://kv1/keys"), Some(2));
        cache.clear();
        assert!(!cache.put_unless_invalidated("https://kv1/keys", 3, again));
    }
}
