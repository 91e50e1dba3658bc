//! `oauth2`'s HTTP client: keyblade's [`HttpTransport`], allowed only the authority host.
//!
//! Sign-in requests carry no `Authorization` header, so the transport's token-host guard
//! does not see them; yet they carry authorization codes, PKCE verifiers and refresh tokens,
//! which are as good as a token. `EntraHttp` therefore refuses any URL that is not on the
//! cloud's authority host over https, before anything is sent.
//!
//! It also reads Entra ID's error body, which says more than RFC 6749's `error`: the AADSTS
//! numbers (`error_codes`), and `suberror` / `claims` for Conditional Access.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse, RequestTokenError};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::cloud::CloudSettings;
use crate::error::AzureError;
use crate::transport::{HttpTransport, WireRequest, authority};

/// keyblade's transport for `oauth2`, limited to the cloud's authority host. Cheap to clone.
#[derive(Clone)]
pub(crate) struct EntraHttp {
    transport: HttpTransport,
    cloud: Arc<CloudSettings>,
    /// The last failure to reach Entra ID: the device grant's polling keeps going through
    /// network errors (RFC 8628 asks for a back-off), so it is kept to explain a sign-in
    /// that then ran out of time.
    last_failure: Arc<Mutex<Option<AzureError>>>,
}

/// Why a request did not get an answer: one of keyblade's own errors.
#[derive(Debug, Clone)]
pub(crate) struct EntraHttpError(pub AzureError);

impl std::fmt::Display for EntraHttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for EntraHttpError {}

impl EntraHttp {
    pub(crate) fn new(transport: HttpTransport, cloud: Arc<CloudSettings>) -> EntraHttp {
        EntraHttp {
            transport,
            cloud,
            last_failure: Arc::default(),
        }
    }

    /// Forgets and returns the last failure to reach Entra ID.
    pub(crate) fn take_last_failure(&self) -> Option<AzureError> {
        self.last_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Only `https://{authority host}[:its port]/…`: sign-in secrets go nowhere else.
    pub(crate) fn check(&self, url: &Url) -> Result<(), AzureError> {
        let authority_host = self.cloud.authority_host();
        let same = url.scheme() == "https"
            && url.host_str().map(str::to_ascii_lowercase)
                == authority_host.host_str().map(str::to_ascii_lowercase)
            && url.port_or_known_default() == authority_host.port_or_known_default();
        if same {
            Ok(())
        } else {
            Err(AzureError::UntrustedTokenHost {
                host: authority(url),
                cloud: self.cloud.name().to_owned(),
            })
        }
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, AzureError> {
        let url = Url::parse(&request.uri().to_string()).map_err(|error| {
            AzureError::Other(format!("a sign-in URL could not be read: {error}"))
        })?;
        self.check(&url)?;
        let headers = request
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|value| (name.as_str().to_owned(), value.to_owned()))
            })
            .collect();
        let method = request.method().clone();
        let response = self
            .transport
            .send(WireRequest {
                method,
                url,
                headers,
                body: Bytes::from(request.into_body()),
            })
            .await?;
        let mut builder = ::http::Response::builder().status(response.status);
        for (name, value) in &response.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
            .body(response.body.to_vec())
            .map_err(|error| AzureError::InvalidResponse {
                what: "a sign-in answer".to_owned(),
                reason: error.to_string(),
            })
    }
}

impl<'c> AsyncHttpClient<'c> for EntraHttp {
    type Error = EntraHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, EntraHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let result = self.send(request).await;
            let mut last = self
                .last_failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match result {
                Ok(response) => {
                    *last = None;
                    Ok(response)
                }
                Err(error) => {
                    *last = Some(error.clone());
                    Err(EntraHttpError(error))
                }
            }
        })
    }
}

/// Entra ID's OAuth error body: RFC 6749's members plus the AADSTS numbers and, for
/// Conditional Access, `suberror` and `claims`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EntraErrorResponse {
    pub(crate) error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) error_codes: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) suberror: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) claims: Option<String>,
}

impl oauth2::ErrorResponse for EntraErrorResponse {}

impl std::fmt::Display for EntraErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error_description {
            Some(description) => write!(f, "{}: {}", self.error, description),
            None => f.write_str(&self.error),
        }
    }
}

impl EntraErrorResponse {
    /// The first AADSTS number: from `error_codes`, else from the description's
    /// `AADSTS12345:` prefix (the device grant's errors are read as RFC 8628's, which keep
    /// only the description).
    pub(crate) fn aadsts(&self) -> Option<u32> {
        self.error_codes
            .first()
            .copied()
            .or_else(|| aadsts_in(self.error_description.as_deref()?))
    }

    /// The description without Entra's trace and correlation IDs, which mean nothing to a
    /// user (they stay in the log).
    pub(crate) fn short_description(&self) -> String {
        short_description(self.error_description.as_deref().unwrap_or_default())
    }
}

pub(crate) fn aadsts_in(description: &str) -> Option<u32> {
    let rest = description.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

pub(crate) fn short_description(description: &str) -> String {
    let text = description.split(" Trace ID:").next().unwrap_or_default();
    let text = text.split("\r\nTrace ID:").next().unwrap_or_default();
    let text = text.trim();
    match text.split_once(": ") {
        Some((code, rest)) if code.starts_with("AADSTS") => rest.trim().to_owned(),
        _ => text.to_owned(),
    }
}

/// What ended a request to Entra ID that was not a refusal by Entra itself.
pub(crate) fn request_failure<T: oauth2::ErrorResponse>(
    error: RequestTokenError<EntraHttpError, T>,
    on_refusal: impl FnOnce(T) -> AzureError,
) -> AzureError {
    match error {
        RequestTokenError::ServerResponse(refusal) => on_refusal(refusal),
        RequestTokenError::Request(EntraHttpError(own)) => own,
        // The body is not quoted: a sign-in answer that failed to parse may hold a token.
        RequestTokenError::Parse(error, _body) => AzureError::InvalidResponse {
            what: "a sign-in answer from Entra ID".to_owned(),
            reason: error.to_string(),
        },
        RequestTokenError::Other(reason) => AzureError::InvalidResponse {
            what: "a sign-in answer from Entra ID".to_owned(),
            reason,
        },
    }
}

/// Entra's refusal of an interactive sign-in (code exchange, device code start): a
/// [`AzureError::SignInRefused`] unless the user declined.
pub(crate) fn sign_in_refused(refusal: EntraErrorResponse) -> AzureError {
    let aadsts = refusal.aadsts();
    // AADSTS65004: the user declined consent; 50126 etc. stay refusals.
    if matches!(
        refusal.error.as_str(),
        "access_denied" | "authorization_declined"
    ) || aadsts == Some(65_004)
    {
        return AzureError::SignInDeclined {
            reason: refusal.short_description(),
        };
    }
    AzureError::SignInRefused {
        description: refusal.short_description(),
        error: refusal.error,
        aadsts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::HttpSettings;

    #[test]
    fn entra_error_bodies_are_read() {
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication to access 'x'. Trace ID: 1 Correlation ID: 2 Timestamp: 3","error_codes":[50076],"suberror":"basic_action","claims":"{}"}"#;
        let parsed: EntraErrorResponse = serde_json::from_str(body).unwrap();
        assert_eq!(parsed.aadsts(), Some(50_076));
        assert_eq!(parsed.suberror.as_deref(), Some("basic_action"));
        assert_eq!(
            parsed.short_description(),
            "Due to a configuration change made by your administrator, you must use \
             multi-factor authentication to access 'x'."
        );
        let minimal: EntraErrorResponse = serde_json::from_str(
            r#"{"error":"expired_token","error_description":"AADSTS70020: The code expired."}"#,
        )
        .unwrap();
        assert_eq!(minimal.aadsts(), Some(70_020));
        assert_eq!(aadsts_in("no code here"), None);
    }

    #[test]
    fn declines_are_told_apart_from_refusals() {
        let refusal = |error: &str, codes: Vec<u32>| EntraErrorResponse {
            error: error.to_owned(),
            error_description: Some("AADSTS1: text".to_owned()),
            error_codes: codes,
            ..EntraErrorResponse::default()
        };
        assert_eq!(
            sign_in_refused(refusal("authorization_declined", vec![])).code(),
            "azure.signInDeclined"
        );
        assert_eq!(
            sign_in_refused(refusal("access_denied", vec![])).code(),
            "azure.signInDeclined"
        );
        let other = sign_in_refused(refusal("invalid_grant", vec![501_481]));
        assert_eq!(other.code(), "azure.signInRefused");
        assert!(other.to_string().contains("AADSTS501481"), "{other}");
    }

    #[test]
    fn only_the_authority_host_is_contacted() {
        let cloud = Arc::new(CloudSettings::azure_cloud());
        let transport = HttpTransport::for_cloud(cloud.clone(), &HttpSettings::default()).unwrap();
        let http = EntraHttp::new(transport, cloud);
        let ok = |url: &str| http.check(&Url::parse(url).unwrap()).is_ok();
        assert!(ok(
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        ));
        assert!(ok("https://LOGIN.microsoftonline.com:443/x"));
        assert!(!ok("http://login.microsoftonline.com/x"));
        assert!(!ok("https://login.microsoftonline.com:8443/x"));
        assert!(!ok("https://management.azure.com/x"));
        assert!(!ok("https://evil.example/login.microsoftonline.com"));
    }
}
