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
    entries: Mutex<HashMap<String, V>>,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Cache<V> {
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.lock().get(&key.to_ascii_lowercase()).cloned()
    }

    pub(crate) fn put(&self, key: &str, value: V) {
        self.lock().insert(key.to_ascii_lowercase(), value);
    }

    pub(crate) fn invalidate(&self, key: &str) {
        self.lock().remove(&key.to_ascii_lowercase());
    }

    pub(crate) fn invalidate_prefix(&self, prefix: &str) {
        let prefix = prefix.to_ascii_lowercase();
        self.lock().retain(|key, _| !key.starts_with(&prefix));
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, V>> {
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
}
