//! Bounded concurrency per host: at most `per_host` tasks at a time for one host, at most
//! `global` in all.
//!
//! Every key vault is its own host with its own throttling limits, so work spread over many
//! vaults may run wide, while one vault is never asked for more than a little at once (Key
//! Vault throttles per vault, and a 429 costs more than waiting our turn). The global cap
//! bounds open connections and the load keyblade puts on the machine.
//!
//! Home's health checks and the Change key panel's vault list (whose keys can be listed)
//! both go through a [`HostLimiter`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

/// How many hosts' work runs at once in Home's checks and the vault list.
pub const KEY_VAULT_HOSTS_AT_ONCE: usize = 64;

/// Per-host and global bounds on concurrent work.
#[derive(Debug)]
pub struct HostLimiter {
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HostLimiter {
    /// At most `global` tasks in all and `per_host` per host (each at least 1).
    pub fn new(global: usize, per_host: usize) -> HostLimiter {
        HostLimiter {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `task` when `host` (case-insensitive) and the global bound both have room.
    pub async fn run<F: Future>(&self, host: &str, task: F) -> F::Output {
        let host_slots = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            hosts
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        // The host's turn first, so a task waiting for a busy vault holds no global slot.
        // The semaphores are never closed, so acquiring cannot fail; were it to, running
        // without the bound is better than not running.
        let _host = host_slots.acquire_owned().await.ok();
        let _global = self.global.clone().acquire_owned().await.ok();
        task.await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn one_task_per_host_and_a_global_cap() {
        let limiter = Arc::new(HostLimiter::new(3, 1));
        let running: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let peak_host = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let peak_total = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..24 {
            let host = format!("vault{}", i % 6);
            let limiter = limiter.clone();
            let (running, peak_host, total, peak_total) = (
                running.clone(),
                peak_host.clone(),
                total.clone(),
                peak_total.clone(),
            );
            tasks.push(tokio::spawn(async move {
                limiter
                    .run(&host.to_uppercase(), async {
                        let now = {
                            let mut map = running.lock().unwrap();
                            let n = map.entry(host.clone()).or_default();
                            *n += 1;
                            *n
                        };
                        peak_host.fetch_max(now, Ordering::SeqCst);
                        let all = total.fetch_add(1, Ordering::SeqCst) + 1;
                        peak_total.fetch_max(all, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        total.fetch_sub(1, Ordering::SeqCst);
                        *running.lock().unwrap().get_mut(&host).unwrap() -= 1;
                    })
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(peak_host.load(Ordering::SeqCst), 1);
        assert_eq!(peak_total.load(Ordering::SeqCst), 3);
    }
}
