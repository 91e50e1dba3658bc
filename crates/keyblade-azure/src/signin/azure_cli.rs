//! Reusing the Azure CLI's sign-in: azure_identity's `AzureCliCredential`, which runs
//! `az account get-access-token` for each new token.
//!
//! Two things keyblade adds around it:
//! - [`NoConsoleExecutor`] runs `az`. azure_identity 1.0's own executors spawn
//!   `cmd /C az …` on Windows with no creation flags, which from a GUI app (no console of
//!   its own) flashes a console window for every token. keyblade's sets `CREATE_NO_WINDOW`
//!   there, and bounds the run in time, since `az` can wait forever on a prompt.
//! - A per-scope token cache ([`CliCredential`]): `AzureCliCredential` caches nothing, and
//!   starting `az` takes about a second.
//!
//! Its failures become [`AzureError::AzureCliNotFound`], [`AzureError::AzureCliNotLoggedIn`],
//! or [`AzureError::SignInFailed`] with the CLI's own message.

use std::ffi::OsStr;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_identity::Executor;

use super::cache::{TokenCache, cache_key};
use crate::error::AzureError;
use crate::transport::core_error;

/// How to use the Azure CLI's sign-in.
#[derive(Clone, Default)]
pub struct AzureCliOptions {
    /// A tenant other than the CLI's default one (`az account get-access-token --tenant`).
    pub tenant_id: Option<String>,
    /// How to run `az`; `None`: [`NoConsoleExecutor`] with its default time limit. Tests
    /// give a fake.
    pub executor: Option<Arc<dyn Executor>>,
}

impl std::fmt::Debug for AzureCliOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureCliOptions")
            .field("tenant_id", &self.tenant_id)
            .field("executor", &self.executor)
            .finish()
    }
}

/// Runs a program without a console window and within a time limit.
#[derive(Debug, Clone)]
pub struct NoConsoleExecutor {
    /// The longest one run may take; the process is killed after it.
    pub timeout: Duration,
}

impl Default for NoConsoleExecutor {
    fn default() -> Self {
        // `az account get-access-token` answers in one to a few seconds, longer when it
        // refreshes its own token; a minute means it is waiting for something that will not
        // come (a prompt, a broken proxy).
        NoConsoleExecutor {
            timeout: Duration::from_secs(60),
        }
    }
}

/// Windows' `CREATE_NO_WINDOW` process creation flag.
#[cfg(windows)]
const CREATE_NO_WINDOW: u32 = 0x0800_0000;

#[async_trait::async_trait]
impl Executor for NoConsoleExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> std::io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        #[cfg(windows)]
        command.creation_flags(CREATE_NO_WINDOW);
        match tokio::time::timeout(self.timeout, command.output()).await {
            Ok(output) => output,
            Err(_elapsed) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "it did not finish within {} s (is it waiting for input?)",
                    self.timeout.as_secs()
                ),
            )),
        }
    }
}

/// `AzureCliCredential` with a token cache and keyblade's errors.
#[derive(Debug)]
pub(crate) struct CliCredential {
    inner: Arc<azure_identity::AzureCliCredential>,
    cache: TokenCache,
    skew: Duration,
}

impl CliCredential {
    pub(crate) fn new(options: &AzureCliOptions) -> Result<CliCredential, AzureError> {
        let executor = options
            .executor
            .clone()
            .unwrap_or_else(|| Arc::new(NoConsoleExecutor::default()));
        let inner = azure_identity::AzureCliCredential::new(Some(
            azure_identity::AzureCliCredentialOptions {
                tenant_id: options.tenant_id.clone(),
                executor: Some(executor),
                ..Default::default()
            },
        ))
        .map_err(|error| AzureError::InvalidInput {
            what: "The Azure CLI sign-in".to_owned(),
            reason: AzureError::from_core(error).to_string(),
        })?;
        Ok(CliCredential {
            inner,
            cache: TokenCache::default(),
            skew: super::RefreshSettings::default().skew,
        })
    }

    pub(crate) async fn token(&self, scopes: &[&str]) -> Result<AccessToken, AzureError> {
        let key = cache_key(scopes);
        if let Some(token) = self.cache.fresh(&key, self.skew) {
            return Ok(token);
        }
        let token = self
            .inner
            .get_token(scopes, None)
            .await
            .map_err(cli_error)?;
        self.cache.put(key, token.clone());
        Ok(token)
    }
}

#[async_trait::async_trait]
impl TokenCredential for CliCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.token(scopes).await.map_err(core_error)
    }
}

/// Reads azure_identity's message: it says "az not found on PATH" (exit code 127 or
/// Windows' "is not recognized"), "… wasn't found on PATH" (no shell), or passes `az`'s
/// stderr on, which asks to run `az login` when the CLI has no usable sign-in.
fn cli_error(error: azure_core::Error) -> AzureError {
    let text = error_text(&error);
    let detail = text
        .trim_start_matches("AzureCliCredential authentication failed.")
        .split("\nTo troubleshoot")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if detail.contains("not found on PATH")
        || detail.contains("wasn't found on PATH")
        || detail.contains("is not recognized")
    {
        AzureError::AzureCliNotFound { detail }
    } else if detail.contains("az login") || detail.contains("az account set") {
        AzureError::AzureCliNotLoggedIn { detail }
    } else {
        AzureError::SignInFailed {
            reason: format!("the Azure CLI said: {detail}"),
        }
    }
}

fn error_text(error: &dyn std::error::Error) -> String {
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
    fn the_cli_s_messages_become_keyblade_s_errors() {
        let error = |message: &str| {
            cli_error(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                format!(
                    "AzureCliCredential authentication failed. {message}\nTo troubleshoot, visit https://aka.ms/x"
                ),
            ))
        };
        assert_eq!(
            error("az not found on PATH").code(),
            "azure.azureCliNotFound"
        );
        assert_eq!(
            error("\"/bin/sh\" wasn't found on PATH").code(),
            "azure.azureCliNotFound"
        );
        let not_logged_in = error("ERROR: Please run 'az login' to setup account.");
        assert_eq!(not_logged_in.code(), "azure.azureCliNotLoggedIn");
        assert!(
            not_logged_in.to_string().contains("Please run 'az login'")
                && !not_logged_in.to_string().contains("troubleshoot"),
            "{not_logged_in}"
        );
        let other = error("ERROR: something else");
        assert_eq!(other.code(), "azure.signInFailed");
        assert!(other.to_string().contains("something else"), "{other}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn runs_programs_within_a_time_limit() {
        let executor = NoConsoleExecutor::default();
        let output = executor
            .run(
                OsStr::new("/bin/sh"),
                &[OsStr::new("-c"), OsStr::new("echo hi; exit 3")],
            )
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "hi");
        let missing = executor
            .run(OsStr::new("/nonexistent/az"), &[])
            .await
            .unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let quick = NoConsoleExecutor {
            timeout: Duration::from_millis(200),
        };
        let started = std::time::Instant::now();
        let stuck = quick
            .run(
                OsStr::new("/bin/sh"),
                &[OsStr::new("-c"), OsStr::new("sleep 30")],
            )
            .await
            .unwrap_err();
        assert_eq!(stuck.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
