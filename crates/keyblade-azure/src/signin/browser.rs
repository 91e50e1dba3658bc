//! Browser sign-in: the authorization code flow with PKCE (RFC 7636, `S256`) and a loopback
//! redirect (RFC 8252), as native apps sign in to Entra ID.
//!
//! keyblade listens on a random port of `127.0.0.1` (and `[::1]` on the same port, where it
//! can), opens the system browser at Entra ID's authorize URL through an [`Opener`] (the
//! shell's is Tauri's opener plugin), and waits for the browser to come back to
//! `http://localhost:{port}` with `code` and `state`. The redirect URI names `localhost`,
//! not `127.0.0.1`: it is what the Azure CLI's app registration (and MSAL for it) uses, and
//! Entra ID ignores only the port of a loopback redirect, not the host; the listener covers
//! both loopback addresses so a browser that resolves `localhost` to `::1` finds it too.
//!
//! The `state` is random per sign-in and must come back unchanged: any other answer is
//! refused ([`AzureError::StateMismatch`]) and its code never redeemed, since it may be an
//! attacker's attempt to sign keyblade in as someone else. The PKCE verifier never leaves
//! keyblade until the code exchange, so an intercepted code is useless without it.
//!
//! The listener is the one piece of HTTP keyblade serves, written by hand because `oauth2`
//! has none: it reads one request line (bounded in size and time), answers every request
//! with a small page, and serves only until the sign-in ends. Connections a browser opens
//! speculatively and never uses are read concurrently, so they cannot hold up the real one.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use oauth2::{
    AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use url::Url;

use super::http::{EntraErrorResponse, aadsts_in, request_failure, sign_in_refused};
use super::{CancelSignIn, InteractiveMethod, SignInClient, SignedIn};
use crate::error::AzureError;

/// Opens a URL in the user's browser. The shell implements it with Tauri's opener plugin;
/// tests with an HTTP client that plays the browser.
#[async_trait::async_trait]
pub trait Opener: Send + Sync {
    /// Asks the system to open `url`; returns once it was handed over (not when the user is
    /// done). `Err` says why it could not be opened, in words for the user.
    async fn open(&self, url: &Url) -> Result<(), String>;
}

/// How long to wait, and hints for Entra ID's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSignInSettings {
    /// How long the user has to complete the sign-in in the browser.
    pub timeout: Duration,
    /// The account to pre-fill (`login_hint`), e.g. when the same person must sign in again.
    pub login_hint: Option<String>,
    /// Let the user pick another account even when the browser is signed in to one
    /// (`prompt=select_account`).
    pub select_account: bool,
}

impl Default for BrowserSignInSettings {
    fn default() -> Self {
        BrowserSignInSettings {
            timeout: Duration::from_secs(5 * 60),
            login_hint: None,
            select_account: false,
        }
    }
}

/// The most of a request the listener reads: a redirect's request line and headers are a
/// few KiB (the code is ~1-2 KiB).
const MAX_REQUEST_BYTES: usize = 32 * 1024;

/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn sign_in(
    client: &SignInClient,
    opener: &dyn Opener,
    settings: &BrowserSignInSettings,
    cancel: &CancelSignIn,
) -> Result<SignedIn, AzureError> {
    if cancel.is_cancelled() {
        return Err(AzureError::SignInCancelled);
    }
    let listen_error = |error: std::io::Error| {
        AzureError::Other(format!(
            "keyblade could not listen on a local port for the browser's answer ({error}); \
             sign in with a code instead"
        ))
    };
    let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .map_err(listen_error)?;
    let port = v4.local_addr().map_err(listen_error)?.port();
    // Best effort: a machine without IPv6 loopback, or with the port taken there, still
    // signs in over 127.0.0.1, which browsers try for `localhost` as well.
    let v6 = TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))
        .await
        .ok();
    let redirect = RedirectUrl::new(format!("http://localhost:{port}")).map_err(|error| {
        AzureError::Other(format!("the redirect URI could not be formed: {error}"))
    })?;

    let oauth = client.oauth(client.config().tenant())?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = oauth
        .authorize_url(CsrfToken::new_random)
        .add_scopes(client.config().sign_in_scopes().into_iter().map(Scope::new))
        .set_pkce_challenge(challenge)
        .set_redirect_uri(Cow::Borrowed(&redirect));
    if let Some(hint) = &settings.login_hint {
        request = request.add_extra_param("login_hint", hint.clone());
    }
    if settings.select_account {
        request = request.add_extra_param("prompt", "select_account");
    }
    let (authorize_url, state) = request.url();
    client.http().check(&authorize_url)?;

    let exchange = Exchange {
        client,
        oauth: &oauth,
        redirect: &redirect,
        state: &state,
        verifier: Some(verifier),
    };
    let deadline = tokio::time::sleep(settings.timeout);
    tokio::pin!(deadline);
    let open = opener.open(&authorize_url);
    tokio::pin!(open);
    let mut opened = false;
    let mut readers: JoinSet<Option<(TcpStream, String)>> = JoinSet::new();
    let mut exchange = exchange;
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(AzureError::SignInCancelled),
            () = &mut deadline => {
                return Err(AzureError::SignInExpired {
                    what: "in the browser".to_owned(),
                    minutes: settings.timeout.as_secs().div_ceil(60),
                });
            }
            opened_now = &mut open, if !opened => {
                opened = true;
                opened_now.map_err(|reason| AzureError::BrowserNotOpened { reason })?;
            }
            Some(read) = readers.join_next() => {
                let Ok(Some((stream, target))) = read else { continue };
                if let Some(result) = exchange.answer(stream, &target).await {
                    return result;
                }
            }
            accepted = v4.accept() => {
                if let Ok((stream, _)) = accepted {
                    readers.spawn(read_request(stream));
                }
            }
            accepted = accept_on(v6.as_ref()) => {
                if let Ok((stream, _)) = accepted {
                    readers.spawn(read_request(stream));
                }
            }
        }
    }
}

/// Accepts on `listener`, or never when there is none.
async fn accept_on(listener: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// Reads a request's target (`/?code=…&state=…`); `None` for anything that is not a
/// readable HTTP request in time.
async fn read_request(mut stream: TcpStream) -> Option<(TcpStream, String)> {
    let mut buffer = Vec::with_capacity(4096);
    let read = tokio::time::timeout(READ_TIMEOUT, async {
        let mut chunk = [0u8; 4096];
        loop {
            if buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                return true;
            }
            if buffer.len() >= MAX_REQUEST_BYTES {
                return false;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    if read != Ok(true) {
        return None;
    }
    let head = String::from_utf8_lossy(&buffer);
    let request_line = head.lines().next()?;
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    if method != "GET" {
        let _ = respond(
            &mut stream,
            "405 Method Not Allowed",
            &page(
                "Not here",
                "keyblade's sign-in address only receives the answer of Entra ID's sign-in page.",
            ),
        )
        .await;
        return None;
    }
    Some((stream, target.to_owned()))
}

/// What turns the browser's answer into a sign-in.
struct Exchange<'a> {
    client: &'a SignInClient,
    oauth: &'a super::EntraClient,
    redirect: &'a RedirectUrl,
    state: &'a CsrfToken,
    /// Taken by the one code exchange.
    verifier: Option<PkceCodeVerifier>,
}

impl Exchange<'_> {
    /// Answers one request; `Some` ends the sign-in.
    async fn answer(
        &mut self,
        mut stream: TcpStream,
        target: &str,
    ) -> Option<Result<SignedIn, AzureError>> {
        let url = Url::parse(&format!("http://localhost{target}")).ok();
        let Some(url) = url.filter(|url| url.path() == "/") else {
            let _ = respond(&mut stream, "404 Not Found", &page("Not found", "")).await;
            return None;
        };
        let param = |name: &str| {
            url.query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        let (code, state, error) = (param("code"), param("state"), param("error"));
        if code.is_none() && error.is_none() {
            // Someone opened the address by hand: not an answer; keep waiting.
            let _ = respond(
                &mut stream,
                "400 Bad Request",
                &page(
                    "Waiting for the sign-in",
                    "This address receives the answer of Entra ID's sign-in page. Complete \
                     the sign-in in the tab keyblade opened.",
                ),
            )
            .await;
            return None;
        }
        let result = if !state
            .as_deref()
            .is_some_and(|state| same_secret(state, self.state.secret()))
        {
            Err(AzureError::StateMismatch)
        } else if let Some(error) = error {
            let description = param("error_description").unwrap_or_default();
            Err(sign_in_refused(EntraErrorResponse {
                error,
                error_codes: aadsts_in(&description).into_iter().collect(),
                error_description: Some(description),
                ..EntraErrorResponse::default()
            }))
        } else {
            self.redeem(code.unwrap_or_default()).await
        };
        let (status, body) = match &result {
            Ok(_) => (
                "200 OK",
                page(
                    "Signed in",
                    "You are signed in to keyblade. You can close this tab and go back to \
                     keyblade.",
                ),
            ),
            Err(error) => (
                "400 Bad Request",
                page("Sign-in failed", &error.to_string()),
            ),
        };
        let _ = respond(&mut stream, status, &body).await;
        Some(result)
    }

    async fn redeem(&mut self, code: String) -> Result<SignedIn, AzureError> {
        let verifier = self.verifier.take().ok_or_else(|| {
            AzureError::Other("the sign-in's code was already redeemed".to_owned())
        })?;
        let scopes = self.client.config().sign_in_scopes().join(" ");
        let response = self
            .oauth
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(verifier)
            .set_redirect_uri(Cow::Borrowed(self.redirect))
            .add_extra_param("scope", scopes)
            .request_async(self.client.http())
            .await
            .map_err(|error| request_failure(error, sign_in_refused))?;
        self.client.signed_in(&response, InteractiveMethod::Browser)
    }
}

/// Compares without stopping at the first difference, so timing says nothing about how
/// much of a guessed `state` was right.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

/// The page the browser shows when it comes back to keyblade.
fn page(title: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>keyblade: {}</title>\
         <style>body{{font-family:'Segoe UI',system-ui,sans-serif;margin:4rem auto;max-width:36rem;\
         color:#242424}}h1{{font-size:1.5rem;font-weight:600}}</style></head><body><h1>{}</h1>\
         <p>{}</p></body></html>",
        escape_html(title),
        escape_html(title),
        escape_html(text)
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        let html = page("Sign-in failed", "<script>alert('x')</script> & more");
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    }

    #[test]
    fn states_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
    }
}
