//! Home's first listing and the health of its first keys, started the moment a session
//! connects.
//!
//! Home is the first screen. Asked for by the window, the listing and the health check begin
//! only once WebKit has started and the page has run its script (~0.3–0.5 s after sign-in
//! on 2 cores), and each waits for the other's round trip through the window. Started at
//! sign-in instead, they run while the window loads, and the window's own requests find
//! them done or in flight: the listing is handed over once, and the health lands in the
//! session's cache, where the window's check reads it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

use super::{HomeListing, check_health, list_encrypted_resources};
use crate::Session;
use crate::cancel::Cancel;
use crate::encryption::view::KeySource;

/// How many customer-managed keys the first check covers: Home's first batch (the UI's
/// `healthBatchSize`), in the order Home sorts by default (by name).
pub const FIRST_CHECK: usize = 40;

/// A prefetch older than this is not handed over: the window should have asked long before,
/// and what Resource Graph said then may have changed.
const FRESH_FOR: Duration = Duration::from_secs(30);

/// Home's first listing and health check for one session and subscription filter.
pub struct Prefetch {
    filter: Option<Vec<String>>,
    started: Instant,
    listing: Shared<BoxFuture<'static, Result<HomeListing, String>>>,
    checked: Shared<BoxFuture<'static, ()>>,
    listing_taken: AtomicBool,
    cancel: Cancel,
}

impl Prefetch {
    /// Starts listing `session`'s resources (with the account's `filter`) and then checking
    /// the first [`FIRST_CHECK`] customer-managed keys. The returned future does the work:
    /// spawn it.
    pub fn start<S>(
        session: Arc<S>,
        filter: Option<Vec<String>>,
    ) -> (Prefetch, impl Future<Output = ()> + Send + 'static)
    where
        S: AsRef<Session> + Send + Sync + 'static,
    {
        let cancel = Cancel::new();
        let listing = {
            let session = session.clone();
            let filter = filter.clone();
            async move {
                list_encrypted_resources((*session).as_ref(), filter.as_deref(), &|_| {})
                    .await
                    .map_err(|error| error.to_string())
            }
            .boxed()
            .shared()
        };
        let checked = {
            let listing = listing.clone();
            let cancel = cancel.clone();
            async move {
                let Ok(listing) = listing.await else {
                    return;
                };
                let ids = first_check(&listing);
                if !ids.is_empty() && !cancel.is_cancelled() {
                    check_health((*session).as_ref(), &ids, false, &|_| {}, &cancel).await;
                }
            }
            .boxed()
            .shared()
        };
        let prefetch = Prefetch {
            filter,
            started: Instant::now(),
            listing,
            checked: checked.clone(),
            listing_taken: AtomicBool::new(false),
            cancel,
        };
        (prefetch, checked)
    }

    /// The prefetched listing for the first listing after sign-in, if it asks with the
    /// filter the prefetch was made with while still fresh; `None` for every later listing
    /// (it may follow a write the prefetch knows nothing of), and when the prefetch failed
    /// (the caller lists itself and reports its own error).
    pub async fn take_listing(&self, filter: Option<&[String]>) -> Option<HomeListing> {
        if self.listing_taken.swap(true, Ordering::SeqCst)
            || self.filter.as_deref() != filter
            || self.started.elapsed() > FRESH_FOR
        {
            return None;
        }
        self.listing.clone().await.ok()
    }

    /// Waits until the first check is done (its results are then in the session's cache),
    /// or until `cancel` is.
    pub async fn checked(&self, cancel: &Cancel) {
        tokio::select! {
            () = self.checked.clone() => {}
            () = cancel.cancelled() => {}
        }
    }

    /// Stops the first check (a Refresh checks everything again anyway).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

/// The customer-managed keys Home shows first: by name, as its table sorts at first.
fn first_check(listing: &HomeListing) -> Vec<String> {
    let mut rows: Vec<_> = listing
        .rows
        .iter()
        .filter(|row| row.key_source == KeySource::CustomerManaged)
        .collect();
    rows.sort_by_cached_key(|row| row.name.to_lowercase());
    rows.into_iter()
        .take(FIRST_CHECK)
        .map(|row| row.id.clone())
        .collect()
}
