//! Cancelling long work: a save, the watch of an unfinished save, a sign-in. One switch type
//! for all of them, cheap to clone, so the UI's Cancel reaches whatever runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// A cancel switch: [`Cancel::cancel`] from anywhere, [`Cancel::cancelled`] awaited by the
/// work. Clones share the switch.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    notify: Notify,
}

impl Cancel {
    /// A switch that is not yet cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels, waking everything awaiting [`Self::cancelled`]. Cancelling twice is harmless.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Resolves once [`Self::cancel`] was called (at once if it already was).
    pub async fn cancelled(&self) {
        loop {
            // Registered before the flag is read, so a cancel in between still wakes us.
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancel_reaches_every_clone_also_when_it_came_first() {
        let cancel = Cancel::new();
        let clone = cancel.clone();
        let waiter = tokio::spawn(async move { clone.cancelled().await });
        cancel.cancel();
        waiter.await.unwrap();
        assert!(cancel.is_cancelled());
        // Already cancelled: resolves at once.
        cancel.cancelled().await;
    }
}
