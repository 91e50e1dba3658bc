//! Device-code sign-in (OAuth 2.0 Device Authorization Grant, RFC 8628), for machines
//! where keyblade cannot open a browser, or the user prefers another device.
//!
//! [`DeviceCodeSignIn::start`] asks Entra ID for a code; the UI shows
//! [`DeviceCodeChallenge::message`] (or its parts); [`DeviceCodeSignIn::finish`] polls until
//! the user is done. The polling is `oauth2`'s, as RFC 8628 section 3.5 says:
//! `authorization_pending` waits `interval` again, `slow_down` adds 5 s to the interval for
//! this and every later poll, and every other answer ends the sign-in. Each ending is its
//! own error: [`AzureError::SignInExpired`] (`expired_token`, or the code's lifetime passed
//! on keyblade's clock), [`AzureError::SignInDeclined`] (`authorization_declined`,
//! `access_denied`), [`AzureError::SignInCancelled`] (the [`CancelSignIn`]), and
//! [`AzureError::SignInRefused`] for anything else Entra ID says.

use std::future::Future;
use std::time::Duration;

use oauth2::{
    DeviceAuthorizationResponse, DeviceCodeErrorResponse, DeviceCodeErrorResponseType,
    ExtraDeviceAuthorizationFields, Scope,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use super::http::{aadsts_in, request_failure, short_description, sign_in_refused};
use super::{CancelSignIn, InteractiveMethod, SignInClient, SignedIn};
use crate::error::AzureError;

/// What the user needs to complete a device-code sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeChallenge {
    /// The code to enter, e.g. `GQ8ZXPJ4L`.
    pub user_code: String,
    /// Where to enter it, e.g. `https://microsoft.com/devicelogin`.
    pub verification_uri: Url,
    /// When the code stops working (keyblade's clock).
    pub expires_at: OffsetDateTime,
    /// How long keyblade waits between polls, at least (RFC 8628 `interval`).
    pub interval: Duration,
    /// Entra ID's own instruction, in the user's language when Entra localises it.
    pub message: String,
}

/// Entra ID adds `message` to RFC 8628's device authorization response.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct EntraDeviceFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for EntraDeviceFields {}

/// A started device-code sign-in. Its `Debug` shows the challenge, never the device code
/// (which would let anyone poll for the user's tokens).
pub struct DeviceCodeSignIn {
    client: SignInClient,
    details: DeviceAuthorizationResponse<EntraDeviceFields>,
    challenge: DeviceCodeChallenge,
}

impl std::fmt::Debug for DeviceCodeSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodeSignIn")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl DeviceCodeSignIn {
    /// Asks Entra ID for a device code for the client's tenant and scopes.
    pub async fn start(client: &SignInClient) -> Result<DeviceCodeSignIn, AzureError> {
        let oauth = client.oauth(client.config().tenant())?;
        let details: DeviceAuthorizationResponse<EntraDeviceFields> = oauth
            .exchange_device_code()
            .add_scopes(client.config().sign_in_scopes().into_iter().map(Scope::new))
            .request_async(client.http())
            .await
            .map_err(|error| request_failure(error, sign_in_refused))?;
        let verification_uri = details.verification_uri().url().clone();
        let user_code = details.user_code().secret().clone();
        let message = details.extra_fields().message.clone().unwrap_or_else(|| {
            format!(
                "To sign in, use a web browser to open the page {verification_uri} and enter \
                 the code {user_code} to authenticate."
            )
        });
        let lifetime =
            time::Duration::try_from(details.expires_in()).unwrap_or(time::Duration::ZERO);
        let challenge = DeviceCodeChallenge {
            user_code,
            verification_uri,
            expires_at: OffsetDateTime::now_utc() + lifetime,
            interval: details.interval(),
            message,
        };
        Ok(DeviceCodeSignIn {
            client: client.clone(),
            details,
            challenge,
        })
    }

    /// The code and URL to show the person.
    pub fn challenge(&self) -> &DeviceCodeChallenge {
        &self.challenge
    }

    /// Polls until the user completes, declines or lets the code expire, or `cancel` is
    /// cancelled; waits between polls with `tokio::time::sleep`.
    pub async fn finish(&self, cancel: &CancelSignIn) -> Result<SignedIn, AzureError> {
        self.finish_with_pause(cancel, tokio::time::sleep).await
    }

    /// [`finish`](Self::finish), waiting between polls with `pause(interval)`, where
    /// `interval` is what RFC 8628 asks for at that point (the starting interval, grown by
    /// 5 s per `slow_down`). For a UI that shows when it checks next, and for tests.
    pub async fn finish_with_pause<P, F>(
        &self,
        cancel: &CancelSignIn,
        pause: P,
    ) -> Result<SignedIn, AzureError>
    where
        P: Fn(Duration) -> F + Send + Sync,
        F: Future<Output = ()> + Send,
    {
        if cancel.is_cancelled() {
            return Err(AzureError::SignInCancelled);
        }
        let oauth = self.client.oauth(self.client.config().tenant())?;
        // Poll until the code's own end, not `expires_in` counted from now: `finish` may be
        // called a while after `start`.
        let remaining = (self.challenge.expires_at - OffsetDateTime::now_utc())
            .try_into()
            .unwrap_or(Duration::ZERO);
        let http = self.client.http();
        http.take_last_failure();
        let poll = oauth
            .exchange_device_access_token(&self.details)
            .request_async(http, pause, Some(remaining));
        let response = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(AzureError::SignInCancelled),
            response = poll => response,
        };
        let response =
            response.map_err(|error| request_failure(error, |refusal| self.ending(refusal)))?;
        self.client
            .signed_in(&response, InteractiveMethod::DeviceCode)
    }

    /// The error for Entra's (or `oauth2`'s) final answer to the polling.
    fn ending(&self, refusal: DeviceCodeErrorResponse) -> AzureError {
        let description = refusal.error_description().cloned().unwrap_or_default();
        match refusal.error() {
            DeviceCodeErrorResponseType::ExpiredToken => {
                // `oauth2` ends with `expired_token` itself once the code's lifetime passed;
                // if polls were failing to reach Entra ID by then, that is the real cause.
                if let Some(failure) = self.client.http().take_last_failure() {
                    return failure;
                }
                let minutes = self.details.expires_in().as_secs().div_ceil(60);
                AzureError::SignInExpired {
                    what: "code".to_owned(),
                    minutes,
                }
            }
            DeviceCodeErrorResponseType::AccessDenied => AzureError::SignInDeclined {
                reason: short_description(&description),
            },
            other => sign_in_refused(super::http::EntraErrorResponse {
                error: other.as_ref().to_owned(),
                error_codes: aadsts_in(&description).into_iter().collect(),
                error_description: Some(description),
                ..Default::default()
            }),
        }
    }
}
