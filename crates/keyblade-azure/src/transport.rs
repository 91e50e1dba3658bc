//! The one HTTP stack every Azure client in keyblade uses, and the token-host guard.
//!
//! [`HttpTransport`] is a reqwest 0.13 client (the version azure_core 1.x uses) over rustls
//! with the `ring` provider, HTTP/1.1. It trusts the platform's roots plus the cloud's extra
//! CA certificates, resolves `localhost` and `*.localhost` to loopback itself (the system
//! resolver here does not), and applies [`RetryPolicy`] below both SDK generations, whose
//! own retries are switched off.
//!
//! Every attempt is bounded ([`HttpSettings`]): in time, from connecting to the last byte of
//! the body (`attempt_timeout`), and in size (`max_body_bytes`), so a stalled or endless
//! answer cannot hang a blade or fill memory. What is retried depends on whether the request
//! is safe to repeat ([`Idempotency`]).
//!
//! It is handed to azure_core 1.x as a `Transport` ([`HttpTransport::core_options`]) and to
//! azure_core 0.21 as `TransportOptions` ([`HttpTransport::legacy_options`]).
//!
//! The security invariant: a request carrying `Authorization` is only ever sent to a host of
//! the active cloud ([`TokenHostGuard`]). It is checked by a per-try pipeline policy in each
//! azure_core generation, and again in [`HttpTransport`] itself, which every byte passes.
//!
//! azure_core 0.21 logs whole requests at debug/trace level, and its `Headers` `Debug`
//! prints `Authorization` in clear (it redacts every *other* header instead). So the legacy
//! pipeline swaps the bearer token out of the request before any 0.21 policy runs
//! (`LegacyStashBearer`) and puts it back only in keyblade's own transport policy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use time::OffsetDateTime;
use url::Url;

use crate::cloud::CloudSettings;
use crate::error::{AzureError, Carried, ErrorEnvelope};
pub use crate::proxy::ProxySettings;
use crate::retry::{AttemptOutcome, Idempotency, RetryAfter, RetryDecision, RetryPolicy};

/// Settings of the HTTP client besides the cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// When and how often a failed attempt is sent again.
    pub retry: RetryPolicy,
    /// Longest wait to establish a connection.
    pub connect_timeout: Duration,
    /// Longest wait for response bytes.
    pub read_timeout: Duration,
    /// Longest one attempt may take, from connecting to the last byte of the body.
    /// `read_timeout` alone does not bound it: a server that sends a byte a minute never
    /// trips it. A timed-out write is not sent again (it may have been applied).
    pub attempt_timeout: Duration,
    /// The largest response body read, in bytes; a larger one is an error, not a truncation.
    pub max_body_bytes: usize,
    /// The HTTP proxy every request goes through (Resource Manager, Key Vault, sign-in,
    /// cloud metadata): by default the one the environment announces.
    pub proxy: ProxySettings,
}

/// The default [`HttpSettings::attempt_timeout`]: Resource Manager gives up on a backend
/// after 60 s (and answers 504), so 90 s leaves room for connecting and for the body.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(90);

/// The default [`HttpSettings::max_body_bytes`], 16 MiB: a full page of 1000 Resource
/// Manager resources is a few MiB; anything much larger is not an Azure API answer.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(60),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            proxy: ProxySettings::from_env(),
        }
    }
}

/// Where bearer tokens may go.
#[derive(Debug, Clone)]
pub struct TokenHostGuard {
    allowed: Option<Arc<CloudSettings>>,
}

impl TokenHostGuard {
    /// Tokens only to hosts of this cloud.
    pub fn for_cloud(cloud: Arc<CloudSettings>) -> TokenHostGuard {
        TokenHostGuard {
            allowed: Some(cloud),
        }
    }

    /// Tokens nowhere (a client used before sign-in, e.g. to read cloud metadata).
    pub fn nowhere() -> TokenHostGuard {
        TokenHostGuard { allowed: None }
    }

    /// Whether `authorization` (a request's `Authorization` header) may go to `url`: the
    /// host must be the cloud's ([`TokenHostGuard::check`]), and a bearer token's audience
    /// must be that host's service, so a Resource Manager token never reaches a vault (or
    /// a vault's token Resource Manager) even if a client mixed them up.
    pub fn check_token(&self, url: &Url, authorization: &str) -> Result<(), AzureError> {
        self.check(url)?;
        let Some(cloud) = &self.allowed else {
            return Ok(());
        };
        let Some(token) = authorization
            .strip_prefix("Bearer ")
            .or_else(|| authorization.strip_prefix("bearer "))
        else {
            return Ok(());
        };
        // A token that is not a JWT names no audience: the cloud's host rule alone applies.
        let Some(audience) = crate::signin::claims::payload(token.trim()).and_then(|claims| {
            claims
                .get("aud")
                .and_then(|a| a.as_str().map(str::to_owned))
        }) else {
            return Ok(());
        };
        match cloud.audience_allows(&audience, url) {
            Some(true) => Ok(()),
            _ => Err(AzureError::WrongTokenAudience {
                host: authority(url),
                audience,
            }),
        }
    }

    /// Whether a request to `url` carrying a bearer token may be sent.
    pub fn check(&self, url: &Url) -> Result<(), AzureError> {
        match &self.allowed {
            Some(cloud) if cloud.is_trusted_url(url) => Ok(()),
            allowed => Err(AzureError::UntrustedTokenHost {
                host: authority(url),
                cloud: allowed
                    .as_ref()
                    .map_or("(none: not signed in)".to_owned(), |c| c.name().to_owned()),
            }),
        }
    }
}

/// keyblade's HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    max_body_bytes: usize,
    guard: TokenHostGuard,
    log: Option<RequestLog>,
    /// [`ProxySettings::describe`] when a proxy is configured: a host that cannot be reached
    /// may be the proxy's fault, and the user needs to know which proxy was used.
    proxy: Option<Arc<str>>,
}

/// The Azure API calls a transport sent: those carrying a token (Resource Manager, Key
/// Vault), one entry per call however often it was retried, with method, URL and body but
/// never headers. Sign-in requests carry no token, so client secrets are never kept.
///
/// For checking what reached Azure, e.g. that a save sends the plan the user reviewed.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<SentRequest>>>);

/// One call in a [`RequestLog`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// The HTTP method, e.g. `PUT`.
    pub method: String,
    /// The full URL, query included.
    pub url: Url,
    /// The request body as sent.
    pub body: Bytes,
}

impl SentRequest {
    /// Path and query, as a plan step writes them.
    pub fn path_and_query(&self) -> String {
        match self.url.query() {
            Some(query) => format!("{}?{query}", self.url.path()),
            None => self.url.path().to_owned(),
        }
    }
}

impl RequestLog {
    /// The calls so far, oldest first.
    pub fn requests(&self) -> Vec<SentRequest> {
        self.entries().clone()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.entries().clear();
    }

    fn record(&self, request: &WireRequest) {
        self.entries().push(SentRequest {
            method: request.method.as_str().to_owned(),
            url: request.url.clone(),
            body: request.body.clone(),
        });
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<SentRequest>> {
        // A panic while pushing cannot leave the list half-written.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

/// One request, as keyblade's transport sends it.
///
/// Its `Debug` redacts credentials: the `Authorization` header carries a bearer token, and
/// the body of a sign-in request carries the client secret.
#[derive(Clone)]
pub struct WireRequest {
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The full URL, query included.
    pub url: Url,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Bytes,
}

/// One response, body read whole (Azure's management and Key Vault bodies are small, and
/// [`HttpSettings::max_body_bytes`] bounds them).
///
/// Its `Debug` leaves the body out: a sign-in response carries an access token.
#[derive(Clone)]
pub struct WireResponse {
    /// The HTTP status.
    pub status: u16,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Bytes,
}

/// What a redacted value prints as.
pub(crate) const REDACTED: &str = "<redacted>";

/// Headers whose values are credentials.
fn is_credential_header(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-ms-authorization-auxiliary",
    ]
    .iter()
    .any(|secret| name.eq_ignore_ascii_case(secret))
}

/// Headers for `Debug`, credential values redacted.
fn redacted_headers(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if is_credential_header(name) {
                REDACTED
            } else {
                value.as_str()
            };
            (name.as_str(), value)
        })
        .collect()
}

impl std::fmt::Debug for WireRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &redacted_headers(&self.headers))
            .field(
                "body",
                &format_args!("<{} bytes, redacted>", self.body.len()),
            )
            .finish()
    }
}

impl std::fmt::Debug for WireResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireResponse")
            .field("status", &self.status)
            .field("headers", &redacted_headers(&self.headers))
            .field(
                "body",
                &format_args!("<{} bytes, redacted>", self.body.len()),
            )
            .finish()
    }
}

impl WireResponse {
    /// The first header named `name` (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl WireRequest {
    /// The `Authorization` header, if the request carries one.
    fn authorization(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.as_str())
    }

    /// Whether the request is safe to send again after a failure that may have come after
    /// the service acted on it.
    pub fn idempotency(&self) -> Idempotency {
        Idempotency::of_method(self.method.as_str())
    }
}

impl HttpTransport {
    /// The client for a cloud: trusts its CAs, sends tokens only to its hosts.
    pub fn for_cloud(
        cloud: Arc<CloudSettings>,
        settings: &HttpSettings,
    ) -> Result<HttpTransport, AzureError> {
        let client = build_reqwest(cloud.extra_trusted_ca_pems(), settings)?;
        Ok(HttpTransport {
            client,
            retry: settings.retry.clone(),
            attempt_timeout: settings.attempt_timeout,
            max_body_bytes: settings.max_body_bytes,
            guard: TokenHostGuard::for_cloud(cloud),
            log: None,
            proxy: proxy_note(&settings.proxy),
        })
    }

    /// A client that sends no tokens at all, trusting these extra CAs: for reading a cloud's
    /// metadata before its settings are known.
    pub fn without_tokens(
        extra_ca_pems: &[String],
        settings: &HttpSettings,
    ) -> Result<HttpTransport, AzureError> {
        Ok(HttpTransport {
            client: build_reqwest(extra_ca_pems, settings)?,
            retry: settings.retry.clone(),
            attempt_timeout: settings.attempt_timeout,
            max_body_bytes: settings.max_body_bytes,
            guard: TokenHostGuard::nowhere(),
            log: None,
            proxy: proxy_note(&settings.proxy),
        })
    }

    /// A transport error, naming the proxy settings when a host could not be reached.
    fn classify(&self, host: &str, error: &reqwest::Error) -> AzureError {
        match (classify_reqwest_error(host, error), &self.proxy) {
            (AzureError::Unreachable { host, reason }, Some(proxy)) => AzureError::Unreachable {
                host,
                reason: format!("{reason} (proxy: {proxy})"),
            },
            (other, _) => other,
        }
    }

    /// The rule for which hosts may receive a bearer token.
    pub fn guard(&self) -> &TokenHostGuard {
        &self.guard
    }

    /// This transport, also recording the Azure API calls it sends in `log`.
    pub fn with_request_log(self, log: RequestLog) -> HttpTransport {
        HttpTransport {
            log: Some(log),
            ..self
        }
    }

    /// Sends a request, retrying as [`RetryPolicy`] says, each attempt bounded by
    /// [`HttpSettings::attempt_timeout`] and [`HttpSettings::max_body_bytes`]. Never logs
    /// headers or bodies.
    pub async fn send(&self, request: WireRequest) -> Result<WireResponse, AzureError> {
        if let Some(authorization) = request.authorization() {
            self.guard.check_token(&request.url, authorization)?;
            if let Some(log) = &self.log {
                log.record(&request);
            }
        }
        let idempotency = request.idempotency();
        let mut retries = 0u32;
        loop {
            let attempt = self.send_bounded(&request, idempotency).await;
            let now = OffsetDateTime::now_utc();
            let outcome = match &attempt {
                Ok(response) => Some(AttemptOutcome::Response {
                    status: response.status,
                    retry_after: response
                        .header("retry-after-ms")
                        .or_else(|| response.header("x-ms-retry-after-ms"))
                        .map(RetryAfter::Milliseconds)
                        .or_else(|| response.header("retry-after").map(RetryAfter::Standard)),
                }),
                Err(AzureError::ConnectionLost { .. }) => Some(AttemptOutcome::ConnectionLost),
                Err(AzureError::TimedOut { .. }) => Some(AttemptOutcome::TimedOut),
                Err(_) => None,
            };
            let decision = match outcome {
                Some(outcome) => self.retry.decide(retries, idempotency, outcome, now),
                None => RetryDecision::Stop,
            };
            match decision {
                RetryDecision::Stop => return attempt,
                RetryDecision::GiveUp => {
                    return match attempt {
                        Ok(response) if matches!(response.status, 429 | 503) => {
                            Err(AzureError::Throttled {
                                status: response.status,
                                retries,
                                message: ErrorEnvelope::parse(&response.body)
                                    .message
                                    .unwrap_or_else(|| "no details given".to_owned()),
                            })
                        }
                        other => other,
                    };
                }
                RetryDecision::RetryAfter(wait) => {
                    tracing::info!(
                        method = %request.method,
                        host = %authority(&request.url),
                        path = request.url.path(),
                        outcome = %attempt.as_ref().map_or_else(|e| e.code().to_owned(), |r| r.status.to_string()),
                        wait_ms = wait.as_millis() as u64,
                        retry = retries + 1,
                        "retrying Azure request"
                    );
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
            }
        }
    }

    /// One attempt within [`HttpSettings::attempt_timeout`]. Dropping the attempt's future
    /// on timeout closes its connection, so nothing more of that answer is read.
    async fn send_bounded(
        &self,
        request: &WireRequest,
        idempotency: Idempotency,
    ) -> Result<WireResponse, AzureError> {
        match tokio::time::timeout(self.attempt_timeout, self.send_once(request, idempotency)).await
        {
            Ok(result) => result,
            Err(_elapsed) => {
                tracing::info!(
                    method = %request.method,
                    host = %authority(&request.url),
                    path = request.url.path(),
                    timeout_ms = self.attempt_timeout.as_millis() as u64,
                    "Azure request timed out"
                );
                Err(AzureError::TimedOut {
                    host: authority(&request.url),
                    // Whole seconds, rounded up: a limit under a second still reads "1 s".
                    seconds: u64::try_from(self.attempt_timeout.as_millis().div_ceil(1000))
                        .unwrap_or(u64::MAX),
                    may_have_applied: !idempotency.is_idempotent(),
                })
            }
        }
    }

    async fn send_once(
        &self,
        request: &WireRequest,
        idempotency: Idempotency,
    ) -> Result<WireResponse, AzureError> {
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let host = authority(&request.url);
        let mut response = builder
            .body(request.body.clone())
            .send()
            .await
            .map_err(|error| self.classify(&host, &error))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|value| (name.as_str().to_owned(), value.to_owned()))
            })
            .collect();
        let too_large = || AzureError::ResponseTooLarge {
            host: host.clone(),
            limit_bytes: u64::try_from(self.max_body_bytes).unwrap_or(u64::MAX),
            may_have_applied: !idempotency.is_idempotent(),
        };
        // A declared length over the limit is refused before reading any of it. (A HEAD
        // answer's Content-Length describes a body that is not sent.)
        let declared = response.content_length();
        if request.method != reqwest::Method::HEAD
            && declared.is_some_and(|length| {
                usize::try_from(length).map_or(true, |length| length > self.max_body_bytes)
            })
        {
            return Err(too_large());
        }
        // Read in chunks, so an undeclared (chunked) or understated body stops at the limit
        // instead of being buffered whole first.
        let mut body = Vec::with_capacity(
            declared
                .and_then(|length| usize::try_from(length).ok())
                .unwrap_or(0)
                .min(self.max_body_bytes),
        );
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.classify(&host, &error))?
        {
            if body.len().saturating_add(chunk.len()) > self.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            method = %request.method,
            host = %host,
            path = request.url.path(),
            status,
            "Azure request"
        );
        Ok(WireResponse {
            status,
            headers,
            body: Bytes::from(body),
        })
    }

    /// azure_core 1.x client options: this transport, no SDK retries, and the token-host
    /// guard as the last per-try policy (after the SDK's own authorization policy).
    pub fn core_options(&self) -> azure_core::http::ClientOptions {
        azure_core::http::ClientOptions {
            transport: Some(azure_core::http::Transport::new(Arc::new(CoreHttpClient(
                self.clone(),
            )))),
            retry: azure_core::http::RetryOptions::none(),
            per_try_policies: vec![Arc::new(CoreTokenHostGuard(self.guard.clone()))],
            ..Default::default()
        }
    }

    /// azure_core 0.21 transport options wrapping this client as a plain `HttpClient`.
    /// Prefer [`legacy_options`](Self::legacy_options), which also keeps tokens out of
    /// 0.21's logs.
    pub fn legacy_transport(&self) -> azure_core_legacy::TransportOptions {
        azure_core_legacy::TransportOptions::new(Arc::new(LegacyHttpClient(self.clone())))
    }

    /// azure_core 0.21 client options for the `azure_mgmt_*` crates: token stashed away from
    /// 0.21's logging, no SDK retries, the token-host guard per try, and this transport.
    pub fn legacy_options(&self) -> azure_core_legacy::ClientOptions {
        azure_core_legacy::ClientOptions::new(
            azure_core_legacy::TransportOptions::new_custom_policy(Arc::new(
                LegacyTransportPolicy(self.clone()),
            )),
        )
        .retry(azure_core_legacy::RetryOptions::none())
        .per_call_policies(vec![
            Arc::new(LegacyStashBearer) as Arc<dyn azure_core_legacy::Policy>
        ])
        .per_retry_policies(vec![Arc::new(LegacyTokenHostGuard(self.guard.clone()))
            as Arc<dyn azure_core_legacy::Policy>])
    }
}

fn build_reqwest(
    extra_ca_pems: &[String],
    settings: &HttpSettings,
) -> Result<reqwest::Client, AzureError> {
    let builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(extra_ca_pems)?)
        .dns_resolver(LoopbackAwareResolver)
        .connect_timeout(settings.connect_timeout)
        .read_timeout(settings.read_timeout)
        // Azure does not redirect API calls; following one could carry a token elsewhere.
        .redirect(reqwest::redirect::Policy::none());
    settings
        .proxy
        .apply(builder)?
        .build()
        .map_err(|error| AzureError::Other(format!("could not build the HTTP client: {error}")))
}

/// rustls with `ring`, the platform's roots plus `extra_ca_pems`, HTTP/1.1.
fn tls_config(extra_ca_pems: &[String]) -> Result<rustls::ClientConfig, AzureError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra_roots = parse_ca_pems(extra_ca_pems)?;
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|error| AzureError::InvalidInput {
                what: "The trusted CA certificates".to_owned(),
                reason: error.to_string(),
            })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| AzureError::Other(format!("TLS setup failed: {error}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Every certificate in each PEM text; a PEM with none is an error (a wrong file).
pub fn parse_ca_pems(pems: &[String]) -> Result<Vec<CertificateDer<'static>>, AzureError> {
    let mut roots = Vec::new();
    for (index, pem) in pems.iter().enumerate() {
        let before = roots.len();
        for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots.push(certificate.map_err(|error| AzureError::InvalidInput {
                what: format!("Trusted CA certificate #{}", index + 1),
                reason: format!("{error}; expected PEM (-----BEGIN CERTIFICATE-----)"),
            })?);
        }
        if roots.len() == before {
            return Err(AzureError::InvalidInput {
                what: format!("Trusted CA certificate #{}", index + 1),
                reason: "it contains no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
            });
        }
    }
    Ok(roots)
}

/// The loopback addresses for `localhost` and `*.localhost` (RFC 6761), IPv4 first; `None`
/// for any other name.
pub fn loopback_addresses(host: &str) -> Option<[SocketAddr; 2]> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (host == "localhost" || host.ends_with(".localhost")).then_some([
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
    ])
}

struct LoopbackAwareResolver;

impl reqwest::dns::Resolve for LoopbackAwareResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if let Some(addresses) = loopback_addresses(&host) {
                return Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs);
            }
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn proxy_note(proxy: &ProxySettings) -> Option<Arc<str>> {
    (*proxy != ProxySettings::none()).then(|| Arc::from(proxy.describe()))
}

fn classify_reqwest_error(host: &str, error: &reqwest::Error) -> AzureError {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        source = inner.source();
    }
    if error.is_connect() || error.is_builder() {
        AzureError::Unreachable {
            host: host.to_owned(),
            reason,
        }
    } else {
        AzureError::ConnectionLost {
            host: host.to_owned(),
            reason,
        }
    }
}

/// `host:port` of a URL, for messages and the trust check.
pub(crate) fn authority(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => url.as_str().to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// azure_core 1.x

#[derive(Debug)]
struct CoreHttpClient(HttpTransport);

#[async_trait::async_trait]
impl azure_core::http::HttpClient for CoreHttpClient {
    async fn execute_request(
        &self,
        request: &azure_core::http::Request,
    ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
        let body = match request.body() {
            azure_core::http::Body::Bytes(bytes) => bytes.clone(),
            azure_core::http::Body::SeekableStream(_) => {
                return Err(core_error(AzureError::Other(
                    "streamed request bodies are not supported".to_owned(),
                )));
            }
        };
        let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
            .map_err(|error| core_error(AzureError::Other(error.to_string())))?;
        let wire = WireRequest {
            method,
            url: request.url().clone(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), value.as_str().to_owned()))
                .collect(),
            body,
        };
        let response = self.0.send(wire).await.map_err(core_error)?;
        let mut headers = azure_core::http::headers::Headers::new();
        for (name, value) in response.headers {
            headers.insert(name, value);
        }
        Ok(azure_core::http::AsyncRawResponse::from_bytes(
            response.status.into(),
            headers,
            response.body,
        ))
    }
}

/// The token-host guard for azure_core 1.x pipelines.
#[derive(Debug)]
pub struct CoreTokenHostGuard(pub TokenHostGuard);

#[async_trait::async_trait]
impl azure_core::http::policies::Policy for CoreTokenHostGuard {
    async fn send(
        &self,
        ctx: &azure_core::http::Context,
        request: &mut azure_core::http::Request,
        next: &[Arc<dyn azure_core::http::policies::Policy>],
    ) -> azure_core::http::policies::PolicyResult {
        let carries_token = request
            .headers()
            .get_optional_str(&azure_core::http::headers::AUTHORIZATION)
            .is_some();
        if carries_token {
            self.0.check(request.url()).map_err(core_error)?;
        }
        match next.split_first() {
            Some((first, rest)) => first.send(ctx, request, rest).await,
            None => Err(core_error(AzureError::Other(
                "the token-host guard must not be the last policy".to_owned(),
            ))),
        }
    }
}

pub(crate) fn core_error(error: AzureError) -> azure_core::Error {
    let kind = match &error {
        AzureError::Unreachable { .. } => azure_core::error::ErrorKind::Connection,
        AzureError::ConnectionLost { .. } | AzureError::TimedOut { .. } => {
            azure_core::error::ErrorKind::Io
        }
        _ => azure_core::error::ErrorKind::Other,
    };
    azure_core::Error::new(kind, Carried(error))
}

// ---------------------------------------------------------------------------------------
// azure_core 0.21

#[derive(Debug)]
struct LegacyHttpClient(HttpTransport);

impl LegacyHttpClient {
    async fn execute(
        &self,
        request: &azure_core_legacy::Request,
        bearer: Option<&StashedBearer>,
    ) -> azure_core_legacy::Result<azure_core_legacy::Response> {
        let body = match request.body() {
            azure_core_legacy::Body::Bytes(bytes) => bytes.clone(),
            azure_core_legacy::Body::SeekableStream(_) => {
                return Err(legacy_error(AzureError::Other(
                    "streamed request bodies are not supported".to_owned(),
                )));
            }
        };
        let method = reqwest::Method::from_bytes(request.method().as_ref().as_bytes())
            .map_err(|error| legacy_error(AzureError::Other(error.to_string())))?;
        let mut headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter(|(name, _)| bearer.is_none() || !is_authorization(name.as_str()))
            .map(|(name, value)| (name.as_str().to_owned(), value.as_str().to_owned()))
            .collect();
        if let Some(StashedBearer(value)) = bearer {
            headers.push(("authorization".to_owned(), value.clone()));
        }
        let wire = WireRequest {
            method,
            url: request.url().clone(),
            headers,
            body,
        };
        let response = self.0.send(wire).await.map_err(legacy_error)?;
        let status = azure_core_legacy::StatusCode::try_from(response.status).map_err(|_| {
            legacy_error(AzureError::InvalidResponse {
                what: "an HTTP status".to_owned(),
                reason: format!("{} is not a valid status code", response.status),
            })
        })?;
        let mut headers = azure_core_legacy::headers::Headers::new();
        for (name, value) in response.headers {
            headers.insert(name, value);
        }
        Ok(azure_core_legacy::Response::new(
            status,
            headers,
            Box::pin(azure_core_legacy::BytesStream::new(response.body)),
        ))
    }
}

#[async_trait::async_trait]
impl azure_core_legacy::HttpClient for LegacyHttpClient {
    async fn execute_request(
        &self,
        request: &azure_core_legacy::Request,
    ) -> azure_core_legacy::Result<azure_core_legacy::Response> {
        self.execute(request, None).await
    }
}

fn is_authorization(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
}

/// The real `Authorization` value, kept in the pipeline context while the request itself
/// carries a placeholder.
struct StashedBearer(String);

const STASHED_PLACEHOLDER: &str = "Bearer [held by keyblade]";

/// Per-call policy: moves the bearer token out of the request into the context.
#[derive(Debug)]
struct LegacyStashBearer;

#[async_trait::async_trait]
impl azure_core_legacy::Policy for LegacyStashBearer {
    async fn send(
        &self,
        ctx: &azure_core_legacy::Context,
        request: &mut azure_core_legacy::Request,
        next: &[Arc<dyn azure_core_legacy::Policy>],
    ) -> azure_core_legacy::PolicyResult {
        let token = request
            .headers()
            .get_optional_string(&azure_core_legacy::headers::AUTHORIZATION)
            .filter(|value| value != STASHED_PLACEHOLDER);
        let mut ctx = ctx.clone();
        if let Some(token) = token {
            ctx.insert(StashedBearer(token));
            request.insert_header(
                azure_core_legacy::headers::AUTHORIZATION,
                STASHED_PLACEHOLDER,
            );
        }
        legacy_next(&ctx, request, next).await
    }
}

/// The token-host guard for azure_core 0.21 pipelines.
#[derive(Debug)]
pub struct LegacyTokenHostGuard(pub TokenHostGuard);

#[async_trait::async_trait]
impl azure_core_legacy::Policy for LegacyTokenHostGuard {
    async fn send(
        &self,
        ctx: &azure_core_legacy::Context,
        request: &mut azure_core_legacy::Request,
        next: &[Arc<dyn azure_core_legacy::Policy>],
    ) -> azure_core_legacy::PolicyResult {
        let carries_token = ctx.get::<StashedBearer>().is_some()
            || request
                .headers()
                .get_optional_str(&azure_core_legacy::headers::AUTHORIZATION)
                .is_some();
        if carries_token {
            self.0.check(request.url()).map_err(legacy_error)?;
        }
        legacy_next(ctx, request, next).await
    }
}

/// The transport of keyblade's 0.21 pipelines: puts the stashed token back and sends.
#[derive(Debug)]
struct LegacyTransportPolicy(HttpTransport);

#[async_trait::async_trait]
impl azure_core_legacy::Policy for LegacyTransportPolicy {
    async fn send(
        &self,
        ctx: &azure_core_legacy::Context,
        request: &mut azure_core_legacy::Request,
        _next: &[Arc<dyn azure_core_legacy::Policy>],
    ) -> azure_core_legacy::PolicyResult {
        LegacyHttpClient(self.0.clone())
            .execute(request, ctx.get::<StashedBearer>())
            .await
    }
}

async fn legacy_next(
    ctx: &azure_core_legacy::Context,
    request: &mut azure_core_legacy::Request,
    next: &[Arc<dyn azure_core_legacy::Policy>],
) -> azure_core_legacy::PolicyResult {
    match next.split_first() {
        Some((first, rest)) => first.send(ctx, request, rest).await,
        None => Err(legacy_error(AzureError::Other(
            "a keyblade policy must not be the last in a pipeline".to_owned(),
        ))),
    }
}

pub(crate) fn legacy_error(error: AzureError) -> azure_core_legacy::Error {
    let kind = match &error {
        AzureError::ConnectionLost { .. }
        | AzureError::Unreachable { .. }
        | AzureError::TimedOut { .. } => azure_core_legacy::error::ErrorKind::Io,
        _ => azure_core_legacy::error::ErrorKind::Other,
    };
    azure_core_legacy::Error::new(kind, Carried(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_names_resolve_to_loopback() {
        for host in [
            "localhost",
            "LOCALHOST",
            "vault.localhost",
            "kb-demo.vault.localhost",
            "localhost.",
        ] {
            let addresses = loopback_addresses(host).expect(host);
            assert!(addresses[0].ip().is_loopback() && addresses[0].is_ipv4());
            assert!(addresses[1].ip().is_loopback() && addresses[1].is_ipv6());
        }
        for host in [
            "localhost.example.com",
            "notlocalhost",
            "vault.azure.net",
            "",
        ] {
            assert!(loopback_addresses(host).is_none(), "{host}");
        }
    }

    #[test]
    fn wire_messages_do_not_print_credentials() {
        let request = WireRequest {
            method: reqwest::Method::POST,
            url: Url::parse("https://login.microsoftonline.com/t/oauth2/v2.0/token").unwrap(),
            headers: vec![
                (
                    "Authorization".to_owned(),
                    "Bearer eyJ-access-token".to_owned(),
                ),
                ("accept".to_owned(), "application/json".to_owned()),
            ],
            body: Bytes::from_static(b"grant_type=client_credentials&client_secret=s3cr3t-value"),
        };
        let text = format!("{request:?}");
        assert!(!text.contains("eyJ-access-token"), "{text}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(
            text.contains(REDACTED) && text.contains("application/json"),
            "{text}"
        );
        assert!(text.contains("/oauth2/v2.0/token"), "{text}");

        let response = WireResponse {
            status: 200,
            headers: vec![("Set-Cookie".to_owned(), "fpc=cookie-value".to_owned())],
            body: Bytes::from_static(br#"{"access_token":"eyJ-issued-token"}"#),
        };
        let text = format!("{response:?}");
        assert!(!text.contains("eyJ-issued-token"), "{text}");
        assert!(!text.contains("cookie-value"), "{text}");
        assert!(text.contains("200"), "{text}");
    }

    #[test]
    fn requests_know_whether_they_may_be_repeated() {
        let request = |method: reqwest::Method| WireRequest {
            method,
            url: Url::parse("https://management.azure.com/").unwrap(),
            headers: Vec::new(),
            body: Bytes::new(),
        };
        assert_eq!(
            request(reqwest::Method::PUT).idempotency(),
            Idempotency::Idempotent
        );
        assert_eq!(
            request(reqwest::Method::PATCH).idempotency(),
            Idempotency::NotIdempotent
        );
        assert_eq!(
            request(reqwest::Method::POST).idempotency(),
            Idempotency::NotIdempotent
        );
    }

    #[test]
    fn pem_parsing_rejects_text_without_certificates() {
        assert!(parse_ca_pems(&[]).unwrap().is_empty());
        let error = parse_ca_pems(&["not a pem".to_owned()]).unwrap_err();
        assert_eq!(error.code(), "azure.invalidInput");
    }

    #[test]
    fn guard_allows_only_cloud_hosts_over_https() {
        let guard = TokenHostGuard::for_cloud(Arc::new(CloudSettings::azure_cloud()));
        let ok = |url: &str| guard.check(&Url::parse(url).unwrap()).is_ok();
        assert!(ok("https://management.azure.com/subscriptions"));
        assert!(ok("https://myvault.vault.azure.net/keys"));
        assert!(ok("https://login.microsoftonline.com/t/oauth2/v2.0/token"));
        assert!(!ok("http://management.azure.com/subscriptions"));
        assert!(!ok("https://management.azure.com:8443/"));
        assert!(!ok("https://evil.example/"));
        assert!(!ok("https://a.b.vault.azure.net/"));
        let nowhere = TokenHostGuard::nowhere();
        assert_eq!(
            nowhere
                .check(&Url::parse("https://management.azure.com/").unwrap())
                .unwrap_err()
                .code(),
            "azure.untrustedTokenHost"
        );
    }

    fn jwt(claims: &str) -> String {
        use base64::Engine as _;
        let encode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
        format!("{}.{}.sig", encode(r#"{"alg":"RS256"}"#), encode(claims))
    }

    /// A Resource Manager token addressed to a vault of the same cloud is refused before
    /// anything is sent (no connection is attempted: the host does not exist).
    #[tokio::test]
    async fn a_token_never_goes_to_another_services_host() {
        let cloud = Arc::new(CloudSettings::azure_cloud());
        let transport = HttpTransport::for_cloud(
            cloud,
            &HttpSettings {
                proxy: crate::proxy::ProxySettings::none(),
                ..HttpSettings::default()
            },
        )
        .unwrap();
        let arm_token = jwt(r#"{"aud":"https://management.core.windows.net/"}"#);
        let request = |url: &str, token: &str| WireRequest {
            method: reqwest::Method::GET,
            url: Url::parse(url).unwrap(),
            headers: vec![("Authorization".to_owned(), format!("Bearer {token}"))],
            body: Bytes::new(),
        };
        let error = transport
            .send(request(
                "https://kv-keyblade-nonexistent.vault.azure.net/keys",
                &arm_token,
            ))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "azure.wrongTokenAudience", "{error}");
        let graph = jwt(r#"{"aud":"https://graph.microsoft.com"}"#);
        let error = transport
            .send(request(
                "https://management.azure.com/subscriptions",
                &graph,
            ))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "azure.wrongTokenAudience", "{error}");
        assert!(
            !error.to_string().contains(&graph),
            "the token is not in the message"
        );
    }
}
