//! Bounds on following `nextLink`: every list keyblade reads ends.
//!
//! Resource Manager and Key Vault page their lists: each page names the next one in
//! `nextLink`, and the last has none. A service (or a proxy in front of it) that answers
//! with a link it already sent, or that never stops sending new links, would keep a list
//! reading forever, one request after another, spending the caller's throttling budget
//! while the blade spins. A [`PageGuard`] per list stops that with an error that says so.

use std::collections::HashSet;

use url::Url;

use crate::error::AzureError;

/// The most pages keyblade follows for one list.
///
/// Resource Manager pages hold up to 1000 items (Key Vault's up to 25), so 1000 pages is at
/// least 25 000 keys or a million resources: beyond anything a picker can show, and far
/// beyond any real subscription, vault or scope. A list that long is a service that pages
/// without end with a new link each time, which a repeated-link check cannot catch.
pub const MAX_PAGES: usize = 1000;

/// Follows one list's `nextLink`s, refusing a link already followed and more than
/// [`MAX_PAGES`] pages.
#[derive(Debug)]
pub struct PageGuard {
    list: String,
    max_pages: usize,
    pages: usize,
    seen: HashSet<String>,
}

impl PageGuard {
    /// A guard for the list described by `list` (for messages, e.g. "the subscriptions").
    pub fn new(list: impl Into<String>) -> PageGuard {
        PageGuard::with_max_pages(list, MAX_PAGES)
    }

    /// A guard with another page limit (tests).
    pub fn with_max_pages(list: impl Into<String>, max_pages: usize) -> PageGuard {
        PageGuard {
            list: list.into(),
            max_pages,
            pages: 0,
            seen: HashSet::new(),
        }
    }

    /// The guard of a list whose first page is read from `first`, so a `nextLink` back to
    /// the first page is caught too.
    pub fn starting_at(list: impl Into<String>, first: &Url) -> PageGuard {
        let mut guard = PageGuard::new(list);
        guard.seen.insert(normalize(first.as_str()));
        guard
    }

    /// How many pages were read so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Call after reading a page, with that page's `nextLink` (`None` or empty on the last
    /// page). `Ok(true)`: read the next page; `Ok(false)`: the list is complete. An error
    /// when the link leads to a page already read, or when the next page would pass the
    /// limit; the next page must then not be requested.
    pub fn after_page(&mut self, next_link: Option<&str>) -> Result<bool, AzureError> {
        self.pages += 1;
        let Some(link) = next_link.map(str::trim).filter(|link| !link.is_empty()) else {
            return Ok(false);
        };
        if !self.seen.insert(normalize(link)) {
            return Err(AzureError::PagingLoop {
                list: self.list.clone(),
                link: shown(link),
            });
        }
        if self.pages >= self.max_pages {
            return Err(AzureError::TooManyPages {
                list: self.list.clone(),
                pages: self.pages,
            });
        }
        Ok(true)
    }
}

/// Links compare as URLs where they parse (so `HTTPS://Host/x` and `https://host/x` are
/// one page), else as text.
fn normalize(link: &str) -> String {
    Url::parse(link).map_or_else(|_| link.to_owned(), String::from)
}

/// A link for a message: without its query, which holds only opaque skip tokens, and
/// shortened, since a message is read by a person.
fn shown(link: &str) -> String {
    let text = match Url::parse(link) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            String::from(url)
        }
        Err(_) => link.to_owned(),
    };
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_without_next_links_is_one_page() {
        let mut guard = PageGuard::new("the keys");
        assert!(!guard.after_page(None).unwrap());
        assert_eq!(guard.pages(), 1);
        let mut guard = PageGuard::new("the keys");
        assert!(!guard.after_page(Some("  ")).unwrap(), "empty means done");
    }

    #[test]
    fn distinct_links_are_followed() {
        let mut guard = PageGuard::new("the keys");
        for page in 1..=10 {
            let link = format!("https://v.vault.azure.net/keys?$skiptoken={page}");
            assert!(guard.after_page(Some(&link)).unwrap());
        }
        assert!(!guard.after_page(None).unwrap());
        assert_eq!(guard.pages(), 11);
    }

    #[test]
    fn a_link_seen_before_stops_the_list() {
        let mut guard = PageGuard::new("the key vaults");
        assert!(guard.after_page(Some("https://m.azure.com/a?t=1")).unwrap());
        assert!(guard.after_page(Some("https://m.azure.com/a?t=2")).unwrap());
        let error = guard
            .after_page(Some("HTTPS://M.azure.com/a?t=1"))
            .unwrap_err();
        assert_eq!(error.code(), "azure.pagingLoop");
        let message = error.to_string();
        assert!(message.contains("the key vaults"), "{message}");
        assert!(message.contains("https://m.azure.com/a"), "{message}");
        assert!(!message.contains("t=1"), "no skip token: {message}");
    }

    #[test]
    fn a_link_back_to_the_first_page_stops_the_list() {
        let first = Url::parse("https://m.azure.com/subscriptions?api-version=1").unwrap();
        let mut guard = PageGuard::starting_at("the subscriptions", &first);
        let error = guard.after_page(Some(first.as_str())).unwrap_err();
        assert_eq!(error.code(), "azure.pagingLoop");
    }

    #[test]
    fn the_page_limit_stops_a_list_that_never_repeats() {
        let mut guard = PageGuard::with_max_pages("the role assignments", 3);
        assert!(guard.after_page(Some("https://x/1")).unwrap());
        assert!(guard.after_page(Some("https://x/2")).unwrap());
        let error = guard.after_page(Some("https://x/3")).unwrap_err();
        assert_eq!(
            error,
            AzureError::TooManyPages {
                list: "the role assignments".to_owned(),
                pages: 3
            }
        );
        // The last page may end the list at the limit.
        let mut guard = PageGuard::with_max_pages("x", 2);
        assert!(guard.after_page(Some("https://x/1")).unwrap());
        assert!(!guard.after_page(None).unwrap());
    }

    #[test]
    fn the_default_limit_is_max_pages() {
        let mut guard = PageGuard::new("x");
        let mut error = None;
        for page in 0..=MAX_PAGES {
            if let Err(e) = guard.after_page(Some(&format!("https://x/{page}"))) {
                error = Some(e);
                break;
            }
        }
        assert_eq!(
            error.map(|e| e.code()),
            Some("azure.tooManyPages"),
            "stopped"
        );
        assert_eq!(guard.pages(), MAX_PAGES);
    }

    #[test]
    fn long_links_are_shortened_in_messages() {
        let link = format!("https://x/{}", "a".repeat(500));
        assert!(shown(&link).chars().count() <= 201);
    }
}
