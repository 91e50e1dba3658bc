//! The crate's one error type, with stable codes and messages a user can act on.
//!
//! Errors come from three places: keyblade's own transport (refused token host, network,
//! retries used up), Resource Manager's error envelope
//! (`{"error": {"code", "message"}}`), and Key Vault's (the same envelope plus
//! `innererror.code`, which says *why* access was denied). Each SDK generation wraps them
//! differently; [`AzureError::from_legacy`] and [`AzureError::from_core`] unwrap both.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::cloud::CloudMetadataError;

/// Why Key Vault refused a data-plane call (its `innererror.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyVaultDenial {
    /// Access-policy vault with no entry for the caller.
    AccessDenied,
    /// Access-policy vault whose entry for the caller lacks the permission.
    ForbiddenByPolicy,
    /// RBAC vault where no role assignment grants the data action.
    ForbiddenByRbac,
    /// The vault's firewall does not admit the caller's network.
    ForbiddenByFirewall,
    /// A 403 without a recognised reason.
    Forbidden,
}

impl KeyVaultDenial {
    /// Reads Key Vault's `innererror.code` (case-insensitively).
    pub fn from_inner_code(code: Option<&str>) -> KeyVaultDenial {
        match code.map(str::to_ascii_lowercase).as_deref() {
            Some("accessdenied") => KeyVaultDenial::AccessDenied,
            Some("forbiddenbypolicy") => KeyVaultDenial::ForbiddenByPolicy,
            Some("forbiddenbyrbac") => KeyVaultDenial::ForbiddenByRbac,
            Some("forbiddenbyfirewall") => KeyVaultDenial::ForbiddenByFirewall,
            _ => KeyVaultDenial::Forbidden,
        }
    }

    /// Stable identifier, e.g. `forbiddenByRbac`.
    pub fn code(self) -> &'static str {
        match self {
            KeyVaultDenial::AccessDenied => "accessDenied",
            KeyVaultDenial::ForbiddenByPolicy => "forbiddenByPolicy",
            KeyVaultDenial::ForbiddenByRbac => "forbiddenByRbac",
            KeyVaultDenial::ForbiddenByFirewall => "forbiddenByFirewall",
            KeyVaultDenial::Forbidden => "forbidden",
        }
    }

    /// Why, in a sentence, and what to do about it.
    pub fn explanation(self) -> &'static str {
        match self {
            KeyVaultDenial::AccessDenied => {
                "the vault uses access policies and has none for you. Ask an owner of the vault \
                 to add an access policy for your account"
            }
            KeyVaultDenial::ForbiddenByPolicy => {
                "your access policy on the vault does not include this permission. Ask an owner \
                 of the vault to add it to your access policy"
            }
            KeyVaultDenial::ForbiddenByRbac => {
                "the vault uses Azure role-based access control and none of your role \
                 assignments allows this. Ask an owner for a Key Vault role such as Key Vault \
                 Crypto Officer (or Key Vault Reader to list keys)"
            }
            KeyVaultDenial::ForbiddenByFirewall => {
                "the vault's firewall does not allow your network address. Add your address to \
                 the vault's firewall or connect from an allowed network; you can still type a \
                 key URI"
            }
            KeyVaultDenial::Forbidden => "Key Vault refused the call without saying why",
        }
    }
}

impl fmt::Display for KeyVaultDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.explanation())
    }
}

/// Everything that can go wrong talking to Azure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AzureError {
    /// A request that would carry a token was addressed outside the cloud's trusted hosts.
    #[error(
        "keyblade did not send a request to {host}: it would have carried your sign-in token, \
         and {host} is not a host of the cloud \"{cloud}\". Tokens go only to that cloud's \
         Resource Manager, sign-in and Key Vault hosts. Check the URL, or connect to the cloud \
         it belongs to."
    )]
    UntrustedTokenHost {
        /// The host refused.
        host: String,
        /// The cloud's name.
        cloud: String,
    },

    /// A request would have carried a token meant for another service than the host's.
    #[error(
        "keyblade did not send a request to {host}: it would have carried a sign-in token \
         meant for {audience}, and tokens go only to the service they were issued for. This \
         is a keyblade bug; please report it."
    )]
    WrongTokenAudience {
        /// The host refused.
        host: String,
        /// The token's `aud` claim.
        audience: String,
    },

    /// No connection was made: the host could not be reached or its certificate was refused.
    #[error(
        "Could not reach {host}: {reason}. Check the network connection and proxy; for a \
         private cloud, check that its CA certificate is configured."
    )]
    Unreachable {
        /// The host.
        host: String,
        /// What failed, as the transport said it.
        reason: String,
    },

    /// The connection broke after the request may have reached the server.
    #[error("The connection to {host} broke ({reason}). Try again.")]
    ConnectionLost {
        /// The host.
        host: String,
        /// What failed, as the transport said it.
        reason: String,
    },

    /// A host did not answer in time.
    #[error(
        "{host} did not answer within {seconds} s, so keyblade stopped waiting. {}",
        if *may_have_applied {
            "The change was sent and may or may not have been applied: reload to check before \
             trying again."
        } else {
            "Check the network connection and try again."
        }
    )]
    TimedOut {
        /// The host.
        host: String,
        /// The limit that ran out, in seconds.
        seconds: u64,
        /// The request was a write (not idempotent) that the service may have acted on.
        may_have_applied: bool,
    },

    /// A response body was larger than [`crate::HttpSettings::max_body_bytes`].
    #[error(
        "{host} sent a response larger than {}, the most keyblade reads, so keyblade \
         stopped reading it. Azure's Resource Manager, sign-in and Key Vault answers are far \
         smaller: check that the cloud's endpoints lead to Azure and not to a proxy or a \
         download, and report it if they do.{}",
        size_text(*limit_bytes),
        if *may_have_applied {
            " The change reached the service: reload to see whether it was applied."
        } else {
            ""
        }
    )]
    ResponseTooLarge {
        /// The host.
        host: String,
        /// The body limit, in bytes.
        limit_bytes: u64,
        /// The request was a write (not idempotent) that the service may have acted on.
        may_have_applied: bool,
    },

    /// Entra ID or Resource Manager did not accept the credentials.
    #[error(
        "Signing in failed: {reason}. Check the tenant, the client ID and the secret, or sign in \
         again."
    )]
    SignInFailed {
        /// Why, as Entra ID or keyblade said it.
        reason: String,
    },

    /// The signed-in account's refresh token no longer works; the person must sign in again.
    #[error(
        "{account} must sign in again: {reason}. Choose Sign in and sign in as {account} in the \
         browser or with a code; nothing else is lost."
    )]
    InteractionRequired {
        /// Who must sign in (user principal name), or "You" when unknown.
        account: String,
        /// Why, as Entra ID or keyblade said it.
        reason: String,
    },

    /// The person declined the sign-in (device code or browser).
    #[error(
        "The sign-in was declined{}. Nobody was signed in. If that was not you, sign in again \
         and approve it.",
        if reason.is_empty() { String::new() } else { format!(": {reason}") }
    )]
    SignInDeclined {
        /// Entra ID's description, possibly empty.
        reason: String,
    },

    /// The device code or browser sign-in was not completed in time.
    #[error(
        "The sign-in {what} expired before the sign-in was completed ({minutes} min), so \
         nobody was signed in. Start the sign-in again and complete it within {minutes} \
         minutes."
    )]
    SignInExpired {
        /// What expired, e.g. "code" or "browser window".
        what: String,
        /// How long the sign-in was open, in minutes.
        minutes: u64,
    },

    /// The user cancelled the sign-in in keyblade.
    #[error("The sign-in was cancelled. Nobody was signed in.")]
    SignInCancelled,

    /// The browser sign-in's redirect carried a `state` other than the one keyblade sent.
    #[error(
        "keyblade ignored an answer that came to its sign-in address: it did not belong to the \
         sign-in keyblade started (the state did not match), so it could be an attempt to sign \
         you in as someone else. Nobody was signed in; start the sign-in again from keyblade."
    )]
    StateMismatch,

    /// The system browser could not be started.
    #[error(
        "keyblade could not open your web browser for the sign-in ({reason}). Sign in with a \
         code instead, or open a browser and try again."
    )]
    BrowserNotOpened {
        /// What the opener reported.
        reason: String,
    },

    /// Entra ID answered the sign-in with an OAuth error.
    #[error(
        "Entra ID refused the sign-in ({error}{}): {description} Check the tenant and the \
         account, and sign in again.",
        aadsts.map(|code| format!(", AADSTS{code}")).unwrap_or_default()
    )]
    SignInRefused {
        /// The OAuth error, e.g. `invalid_grant`.
        error: String,
        /// Entra's AADSTS number, when it sent one.
        aadsts: Option<u32>,
        /// Entra's `error_description`.
        description: String,
    },

    /// A sign-in that belongs to one tenant (a service principal) was asked for another.
    #[error(
        "keyblade cannot switch this sign-in to the tenant {tenant_id}: {method} signs in to \
         one tenant only ({home_tenant_id}). Sign in again with the tenant ID {tenant_id} and \
         an application registered in that tenant (or a person's account that belongs to it)."
    )]
    TenantSwitchUnsupported {
        /// How the user signed in, e.g. "a service principal with a client secret".
        method: String,
        /// The tenant signed in to.
        home_tenant_id: String,
        /// The tenant asked for.
        tenant_id: String,
    },

    /// The OS credential store failed to read or write a token.
    #[error(
        "keyblade could not use the system's credential store, where it keeps your sign-in: \
         {reason}. Unlock the keychain (or install a Secret Service such as GNOME Keyring on \
         Linux) and sign in again."
    )]
    TokenStore {
        /// What the store reported.
        reason: String,
    },

    /// The `az` executable could not be run.
    #[error(
        "The Azure CLI (`az`) was not found{}. Install the Azure CLI and run `az login`, or \
         choose another way to sign in.",
        if detail.is_empty() { String::new() } else { format!(" ({detail})") }
    )]
    AzureCliNotFound {
        /// What failed, possibly empty.
        detail: String,
    },

    /// The Azure CLI has no signed-in account (or none for the tenant).
    #[error(
        "The Azure CLI is not signed in{}. Run `az login` (with `--tenant` for a specific \
         tenant) in a terminal, then try again.",
        if detail.is_empty() { String::new() } else { format!(": {detail}") }
    )]
    AzureCliNotLoggedIn {
        /// What `az` reported, possibly empty.
        detail: String,
    },

    /// Resource Manager refused the call for lack of permission (403, `AuthorizationFailed`).
    #[error(
        "You are not allowed to do this: {message} Ask an owner of the resource for a role \
         that allows it, or sign in as someone who has one."
    )]
    AuthorizationFailed {
        /// Resource Manager's message.
        message: String,
    },

    /// The resource, group or subscription does not exist (404, `*NotFound`).
    #[error(
        "Not found ({code}): {message} It may have been deleted or moved; refresh and choose it \
         again."
    )]
    NotFound {
        /// Resource Manager's error code.
        code: String,
        /// Resource Manager's message.
        message: String,
    },

    /// An `If-Match` write lost to a change made elsewhere (412).
    #[error(
        "Nothing was changed: the resource was modified elsewhere after keyblade read it. \
         Reload it, review the other change, and save again. ({message})"
    )]
    PreconditionFailed {
        /// Resource Manager's message.
        message: String,
    },

    /// Resource Manager refused a change because of a conflict (409).
    #[error("Azure refused the change because of a conflict ({code}): {message}")]
    Conflict {
        /// Resource Manager's error code.
        code: String,
        /// Resource Manager's message.
        message: String,
    },

    /// Resource Manager rejected the request as invalid (400).
    #[error("Azure rejected the request ({code}): {message} Correct the input and try again.")]
    BadRequest {
        /// Resource Manager's error code.
        code: String,
        /// Resource Manager's message.
        message: String,
    },

    /// 429 or 503 still answered after the retries the policy allows.
    #[error(
        "Azure is {} (HTTP {status}) and still was after {retries} retries. Nothing more was \
         sent; wait a minute and try again. ({message})",
        if *status == 429 { "throttling requests" } else { "temporarily unavailable" }
    )]
    Throttled {
        /// The last HTTP status, 429 or 503.
        status: u16,
        /// How many retries were made.
        retries: u32,
        /// The service's last message.
        message: String,
    },

    /// A long-running operation ended in `Failed`.
    #[error(
        "The change did not complete: {code}: {message} Azure reports the operation failed; the \
         resource keeps its previous settings. Fix the cause and save again."
    )]
    OperationFailed {
        /// The operation's error code.
        code: String,
        /// The operation's message.
        message: String,
    },

    /// A long-running operation ended in `Canceled`.
    #[error(
        "The change was canceled before it completed. The resource keeps its previous settings."
    )]
    OperationCanceled,

    /// A long-running operation did not settle within keyblade's wait.
    #[error(
        "The change was still running after {waited_seconds} s, so keyblade stopped waiting. \
         Reload the resource in a while to see whether it completed."
    )]
    OperationTimedOut {
        /// How long keyblade waited, in seconds.
        waited_seconds: u64,
    },

    /// Key Vault refused a data-plane call with 403; `reason` says why.
    #[error("You cannot {action} in the key vault \"{vault}\": {reason}. ({message})")]
    KeyVaultDenied {
        /// The vault's name.
        vault: String,
        /// What was attempted, e.g. "list keys".
        action: String,
        /// Why Key Vault refused.
        reason: KeyVaultDenial,
        /// Key Vault's message.
        message: String,
    },

    /// Any other Key Vault error response.
    #[error("Key Vault \"{vault}\" answered HTTP {status} ({code}): {message}")]
    KeyVault {
        /// The vault's name.
        vault: String,
        /// The HTTP status.
        status: u16,
        /// Key Vault's error code.
        code: String,
        /// Key Vault's message.
        message: String,
    },

    /// Any other error response from Azure.
    #[error("Azure answered HTTP {status} ({code}): {message}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The service's error code, possibly empty.
        code: String,
        /// The service's message.
        message: String,
    },

    /// A response keyblade could not parse or that lacks a required field.
    #[error(
        "Azure sent {what} that keyblade could not read: {reason}. This is likely a keyblade \
         bug or an unsupported API version; please report it."
    )]
    InvalidResponse {
        /// What was being read, e.g. "a registry".
        what: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Input rejected before anything was sent.
    #[error("{what} is not valid: {reason}")]
    InvalidInput {
        /// What was given, e.g. "The resource ID `x`".
        what: String,
        /// Why it is not valid.
        reason: String,
    },

    /// A key URI's host is not a Key Vault host of the connected cloud.
    #[error(
        "keyblade did not contact {host}: it is not a key vault of the cloud \"{cloud}\", whose \
         vaults are at {{vault-name}}.{}. Pick a vault from the list, or connect to the cloud \
         the vault belongs to.",
        suffixes.join(" or {vault-name}.")
    )]
    UntrustedVaultHost {
        /// The host refused.
        host: String,
        /// The cloud's name.
        cloud: String,
        /// The cloud's Key Vault DNS suffixes.
        suffixes: Vec<String>,
    },

    /// A `nextLink` led back to a page already read.
    #[error(
        "keyblade stopped reading {list}: the service's link to the next page ({link}) leads \
         back to a page it already sent, so the list would never end. This is a fault in the \
         service; try again later, and report it if it persists."
    )]
    PagingLoop {
        /// Which list, e.g. "the key vaults".
        list: String,
        /// The repeated link.
        link: String,
    },

    /// A list ran past [`crate::paging::MAX_PAGES`] pages.
    #[error(
        "keyblade stopped reading {list} after {pages} pages, the most it follows for one list, \
         rather than show part of it as if it were all. If the list is really this long, \
         choose a narrower scope (another subscription or resource group); otherwise the \
         service keeps sending pages without end: try again later, and report it."
    )]
    TooManyPages {
        /// Which list.
        list: String,
        /// How many pages were read.
        pages: usize,
    },

    /// The cloud's metadata could not be loaded or is invalid.
    #[error(transparent)]
    Cloud(#[from] CloudMetadataError),

    /// Anything else, as text.
    #[error("{0}")]
    Other(String),
}

/// A resource ID that does not parse is input keyblade refuses before sending anything, so
/// `?` on [`keyblade_core::ResourceId::parse`] gives the same `InvalidInput` everywhere.
impl From<keyblade_core::ResourceIdError> for AzureError {
    fn from(error: keyblade_core::ResourceIdError) -> AzureError {
        AzureError::InvalidInput {
            what: format!("The resource ID `{}`", error.id),
            reason: error.to_string(),
        }
    }
}

impl AzureError {
    /// A stable identifier for the UI, e.g. `azure.preconditionFailed`.
    pub fn code(&self) -> &'static str {
        match self {
            AzureError::UntrustedTokenHost { .. } => "azure.untrustedTokenHost",
            AzureError::WrongTokenAudience { .. } => "azure.wrongTokenAudience",
            AzureError::Unreachable { .. } => "azure.unreachable",
            AzureError::ConnectionLost { .. } => "azure.connectionLost",
            AzureError::TimedOut { .. } => "azure.timedOut",
            AzureError::ResponseTooLarge { .. } => "azure.responseTooLarge",
            AzureError::SignInFailed { .. } => "azure.signInFailed",
            AzureError::InteractionRequired { .. } => "azure.interactionRequired",
            AzureError::SignInDeclined { .. } => "azure.signInDeclined",
            AzureError::SignInExpired { .. } => "azure.signInExpired",
            AzureError::SignInCancelled => "azure.signInCancelled",
            AzureError::StateMismatch => "azure.signInStateMismatch",
            AzureError::BrowserNotOpened { .. } => "azure.browserNotOpened",
            AzureError::SignInRefused { .. } => "azure.signInRefused",
            AzureError::TokenStore { .. } => "azure.tokenStore",
            AzureError::TenantSwitchUnsupported { .. } => "azure.tenantSwitchUnsupported",
            AzureError::AzureCliNotFound { .. } => "azure.azureCliNotFound",
            AzureError::AzureCliNotLoggedIn { .. } => "azure.azureCliNotLoggedIn",
            AzureError::AuthorizationFailed { .. } => "azure.authorizationFailed",
            AzureError::NotFound { .. } => "azure.notFound",
            AzureError::PreconditionFailed { .. } => "azure.preconditionFailed",
            AzureError::Conflict { .. } => "azure.conflict",
            AzureError::BadRequest { .. } => "azure.badRequest",
            AzureError::Throttled { .. } => "azure.throttled",
            AzureError::OperationFailed { .. } => "azure.operationFailed",
            AzureError::OperationCanceled => "azure.operationCanceled",
            AzureError::OperationTimedOut { .. } => "azure.operationTimedOut",
            AzureError::KeyVaultDenied { .. } => "keyVault.denied",
            AzureError::KeyVault { .. } => "keyVault.error",
            AzureError::Service { .. } => "azure.service",
            AzureError::InvalidResponse { .. } => "azure.invalidResponse",
            AzureError::InvalidInput { .. } => "azure.invalidInput",
            AzureError::UntrustedVaultHost { .. } => "azure.untrustedVaultHost",
            AzureError::PagingLoop { .. } => "azure.pagingLoop",
            AzureError::TooManyPages { .. } => "azure.tooManyPages",
            AzureError::Cloud(inner) => inner.code(),
            AzureError::Other(_) => "azure.other",
        }
    }

    /// Maps a Resource Manager error response (status and envelope) to a variant.
    pub fn from_arm_response(status: u16, code: Option<&str>, message: Option<&str>) -> AzureError {
        let code = code.unwrap_or_default().to_owned();
        let message = message
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP {status}"));
        match (status, code.as_str()) {
            (401, _) => AzureError::SignInFailed {
                reason: format!("Resource Manager did not accept the token ({code}): {message}"),
            },
            (403, _) | (_, "AuthorizationFailed") | (_, "LinkedAuthorizationFailed") => {
                AzureError::AuthorizationFailed { message }
            }
            (404, _)
            | (_, "ResourceNotFound")
            | (_, "ResourceGroupNotFound")
            | (_, "SubscriptionNotFound") => AzureError::NotFound {
                code: if code.is_empty() {
                    "NotFound".to_owned()
                } else {
                    code
                },
                message,
            },
            (412, _) | (_, "PreconditionFailed") => AzureError::PreconditionFailed { message },
            (409, _) => AzureError::Conflict { code, message },
            (400, _) => AzureError::BadRequest { code, message },
            _ => AzureError::Service {
                status,
                code,
                message,
            },
        }
    }

    /// Unwraps an azure_core 0.21 error (the `azure_mgmt_*` crates).
    pub fn from_legacy(error: azure_core_legacy::Error) -> AzureError {
        if let Some(own) = find_own(
            error
                .get_ref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
        ) {
            return own;
        }
        if let Some(http) = error.as_http_error() {
            return AzureError::from_arm_response(
                u16::from(http.status()),
                http.error_code(),
                http.error_message(),
            );
        }
        match error.kind() {
            azure_core_legacy::error::ErrorKind::Credential => AzureError::SignInFailed {
                reason: chain_text(&error),
            },
            azure_core_legacy::error::ErrorKind::HttpResponse { status, error_code } => {
                AzureError::from_arm_response(u16::from(*status), error_code.as_deref(), None)
            }
            azure_core_legacy::error::ErrorKind::DataConversion => AzureError::InvalidResponse {
                what: "a Resource Manager response".to_owned(),
                reason: chain_text(&error),
            },
            _ => AzureError::Other(chain_text(&error)),
        }
    }

    /// Unwraps an azure_core 1.x error (Entra ID, Key Vault).
    pub fn from_core(error: azure_core::Error) -> AzureError {
        if let Some(own) = find_own(
            error
                .get_ref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
        ) {
            return own;
        }
        match error.kind() {
            azure_core::error::ErrorKind::HttpResponse {
                status,
                error_code,
                raw_response,
            } => {
                let envelope = raw_response
                    .as_ref()
                    .map(|raw| ErrorEnvelope::parse(raw.body().as_ref()))
                    .unwrap_or_default();
                AzureError::from_arm_response(
                    u16::from(*status),
                    envelope.code.as_deref().or(error_code.as_deref()),
                    envelope.message.as_deref(),
                )
            }
            azure_core::error::ErrorKind::Credential => AzureError::SignInFailed {
                reason: chain_text(&error),
            },
            azure_core::error::ErrorKind::DataConversion => AzureError::InvalidResponse {
                what: "a response".to_owned(),
                reason: chain_text(&error),
            },
            _ => AzureError::Other(chain_text(&error)),
        }
    }

    /// Maps an azure_core 1.x error from a Key Vault call; `action` says what was attempted
    /// ("list keys"), for the message.
    pub fn from_key_vault(error: azure_core::Error, vault: &str, action: &str) -> AzureError {
        if let azure_core::error::ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } = error.kind()
        {
            let envelope = raw_response
                .as_ref()
                .map(|raw| ErrorEnvelope::parse(raw.body().as_ref()))
                .unwrap_or_default();
            let status = u16::from(*status);
            let message = envelope
                .message
                .clone()
                .unwrap_or_else(|| format!("HTTP {status}"));
            let code = envelope
                .code
                .clone()
                .or_else(|| error_code.clone())
                .unwrap_or_default();
            return match status {
                403 => AzureError::KeyVaultDenied {
                    vault: vault.to_owned(),
                    action: action.to_owned(),
                    reason: KeyVaultDenial::from_inner_code(envelope.inner_code.as_deref()),
                    message,
                },
                401 => AzureError::SignInFailed {
                    reason: format!("Key Vault \"{vault}\" did not accept the token: {message}"),
                },
                404 => AzureError::NotFound { code, message },
                409 => AzureError::Conflict { code, message },
                429 | 503 => AzureError::Throttled {
                    status,
                    retries: 0,
                    message,
                },
                _ => AzureError::KeyVault {
                    vault: vault.to_owned(),
                    status,
                    code,
                    message,
                },
            };
        }
        AzureError::from_core(error)
    }
}

/// A size for a message: whole MiB or KiB where it is one, else bytes.
fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    match bytes {
        0 => "0 bytes".to_owned(),
        b if b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// Azure's error envelope: `{"error": {"code", "message", "innererror": {"code"}}}`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ErrorEnvelope {
    pub code: Option<String>,
    pub message: Option<String>,
    pub inner_code: Option<String>,
}

impl ErrorEnvelope {
    pub(crate) fn parse(body: &[u8]) -> ErrorEnvelope {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return ErrorEnvelope::default();
        };
        let error = value.get("error").unwrap_or(&value);
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        ErrorEnvelope {
            code: text(error.get("code")),
            message: text(error.get("message")),
            inner_code: text(
                error
                    .get("innererror")
                    .or_else(|| error.get("innerError"))
                    .and_then(|inner| inner.get("code")),
            ),
        }
    }
}

/// Carries one of our own errors through an SDK's error type, so it can be recovered.
#[derive(Debug)]
pub(crate) struct Carried(pub AzureError);

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Carried {}

fn find_own(mut error: Option<&(dyn std::error::Error + 'static)>) -> Option<AzureError> {
    while let Some(current) = error {
        if let Some(Carried(own)) = current.downcast_ref::<Carried>() {
            return Some(own.clone());
        }
        let inner = current
            .downcast_ref::<azure_core_legacy::Error>()
            .and_then(azure_core_legacy::Error::get_ref)
            .or_else(|| {
                current
                    .downcast_ref::<azure_core::Error>()
                    .and_then(azure_core::Error::get_ref)
            });
        if let Some(own) = find_own(inner.map(|e| e as &(dyn std::error::Error + 'static))) {
            return Some(own);
        }
        error = current.source();
    }
    None
}

fn chain_text(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_envelopes_map_to_variants() {
        let cases = [
            (
                403,
                Some("AuthorizationFailed"),
                "azure.authorizationFailed",
            ),
            (404, Some("ResourceNotFound"), "azure.notFound"),
            (404, Some("ResourceGroupNotFound"), "azure.notFound"),
            (412, Some("PreconditionFailed"), "azure.preconditionFailed"),
            (409, Some("Conflict"), "azure.conflict"),
            (400, Some("InvalidRequestContent"), "azure.badRequest"),
            (
                401,
                Some("InvalidAuthenticationToken"),
                "azure.signInFailed",
            ),
            (500, Some("InternalServerError"), "azure.service"),
            (
                200,
                Some("AuthorizationFailed"),
                "azure.authorizationFailed",
            ),
        ];
        for (status, code, expected) in cases {
            assert_eq!(
                AzureError::from_arm_response(status, code, Some("m")).code(),
                expected,
                "{status} {code:?}"
            );
        }
    }

    #[test]
    fn key_vault_inner_codes_name_the_reason() {
        let body = br#"{"error":{"code":"Forbidden","message":"Caller is not authorized","innererror":{"code":"ForbiddenByRbac"}}}"#;
        let envelope = ErrorEnvelope::parse(body);
        assert_eq!(envelope.code.as_deref(), Some("Forbidden"));
        assert_eq!(
            KeyVaultDenial::from_inner_code(envelope.inner_code.as_deref()),
            KeyVaultDenial::ForbiddenByRbac
        );
        for (code, expected) in [
            ("AccessDenied", KeyVaultDenial::AccessDenied),
            ("forbiddenbypolicy", KeyVaultDenial::ForbiddenByPolicy),
            ("ForbiddenByFirewall", KeyVaultDenial::ForbiddenByFirewall),
            ("Something", KeyVaultDenial::Forbidden),
        ] {
            assert_eq!(KeyVaultDenial::from_inner_code(Some(code)), expected);
        }
    }

    #[test]
    fn bounded_attempts_say_whether_a_write_may_have_been_applied() {
        let timed_out = |may_have_applied| AzureError::TimedOut {
            host: "management.azure.com".to_owned(),
            seconds: 90,
            may_have_applied,
        };
        let write = timed_out(true).to_string();
        assert!(
            write.starts_with("management.azure.com did not answer within 90 s")
                && write.contains("may or may not have been applied"),
            "{write}"
        );
        assert!(!timed_out(false).to_string().contains("applied"));
        let too_large = |limit_bytes, may_have_applied| {
            AzureError::ResponseTooLarge {
                host: "h".to_owned(),
                limit_bytes,
                may_have_applied,
            }
            .to_string()
        };
        assert!(too_large(16 << 20, false).contains("larger than 16 MiB"));
        assert!(too_large(64 << 10, false).contains("larger than 64 KiB"));
        assert!(too_large(1000, false).contains("larger than 1000 bytes"));
        assert!(too_large(1000, true).contains("reload to see whether it was applied"));
    }

    #[test]
    fn sign_in_endings_have_their_own_codes_and_say_what_to_do() {
        let cases = [
            (
                AzureError::InteractionRequired {
                    account: "ada@contoso.com".into(),
                    reason: "the sign-in has expired (AADSTS70008)".into(),
                },
                "azure.interactionRequired",
                "sign in as ada@contoso.com",
            ),
            (
                AzureError::SignInDeclined {
                    reason: String::new(),
                },
                "azure.signInDeclined",
                "sign in again",
            ),
            (
                AzureError::SignInExpired {
                    what: "code".into(),
                    minutes: 15,
                },
                "azure.signInExpired",
                "Start the sign-in again",
            ),
            (
                AzureError::SignInCancelled,
                "azure.signInCancelled",
                "Nobody",
            ),
            (
                AzureError::StateMismatch,
                "azure.signInStateMismatch",
                "start the sign-in again",
            ),
            (
                AzureError::BrowserNotOpened { reason: "x".into() },
                "azure.browserNotOpened",
                "Sign in with a code",
            ),
            (
                AzureError::SignInRefused {
                    error: "invalid_grant".into(),
                    aadsts: Some(501_481),
                    description: "The Code_Verifier does not match.".into(),
                },
                "azure.signInRefused",
                "AADSTS501481",
            ),
            (
                AzureError::TokenStore {
                    reason: "locked".into(),
                },
                "azure.tokenStore",
                "Unlock the keychain",
            ),
            (
                AzureError::TenantSwitchUnsupported {
                    method: "a service principal with a client secret".into(),
                    home_tenant_id: "t-home".into(),
                    tenant_id: "t-other".into(),
                },
                "azure.tenantSwitchUnsupported",
                "Sign in again with the tenant ID t-other",
            ),
            (
                AzureError::AzureCliNotFound {
                    detail: String::new(),
                },
                "azure.azureCliNotFound",
                "Install the Azure CLI",
            ),
            (
                AzureError::AzureCliNotLoggedIn {
                    detail: String::new(),
                },
                "azure.azureCliNotLoggedIn",
                "Run `az login`",
            ),
        ];
        let mut codes: Vec<&str> = cases.iter().map(|(error, _, _)| error.code()).collect();
        for (error, code, says) in &cases {
            assert_eq!(error.code(), *code);
            let text = error.to_string();
            assert!(text.contains(says), "{code}: {text}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), cases.len(), "codes are distinct");
    }

    #[test]
    fn carried_errors_survive_sdk_wrapping() {
        let own = AzureError::UntrustedTokenHost {
            host: "evil.example:443".into(),
            cloud: "AzureCloud".into(),
        };
        let legacy = azure_core_legacy::Error::new(
            azure_core_legacy::error::ErrorKind::Other,
            Carried(own.clone()),
        );
        assert_eq!(AzureError::from_legacy(legacy), own);
        let core =
            azure_core::Error::new(azure_core::error::ErrorKind::Other, Carried(own.clone()));
        assert_eq!(AzureError::from_core(core), own);
    }
}
