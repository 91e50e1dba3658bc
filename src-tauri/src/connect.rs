//! Connecting: which cloud and service principal keyblade signs in with at start-up, the
//! embedded demo tenant, and signing in from the "Sign in to Azure" dialog.
//!
//! At start-up, in this order:
//! 1. `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` (with
//!    `KEYBLADE_CLOUD_METADATA` and optionally `KEYBLADE_CA_FILE` for another cloud, e.g. a
//!    running sandbox): that service principal. Tests point a built app at a sandbox so.
//!    A custom cloud whose Resource Manager or sign-in is not on its metadata URL's host is
//!    used only when those hosts are listed in `KEYBLADE_CLOUD_TRUSTED_HOSTS`.
//!    `KEYBLADE_CLOUD_METADATA` (and `KEYBLADE_CA_FILE`) *without* the `AZURE_` variables:
//!    no sign-in at start; the window opens the "Sign in to Azure" dialog for that cloud.
//! 2. The account remembered as active ([`crate::accounts`]), from what the keyring holds.
//! 3. Otherwise the embedded sandbox's demo tenant, its state kept in the app's data folder.
//!
//! Everything runs in the background: the window shows "Starting the local demo tenant…"
//! meanwhile, and the UI hears `session-changed` when the session changes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use url::Url;

use keyblade_azure::arm::lro::LroSettings;
use keyblade_azure::{
    CloudSettings, HttpSettings, load_cloud_from_metadata_url,
    load_cloud_from_metadata_url_trusting,
};
use keyblade_sandbox::{AdminApi, Sandbox, SandboxConfig};

use crate::accounts::{AccountsFile, RememberedAccount};
use crate::dto::CloudChoice;
use crate::error::CommandError;
use crate::state::{AppState, Connected, Session, lock};

/// The event the UI listens to; it then asks `app_info` again.
pub const SESSION_CHANGED: &str = "session-changed";

pub const STARTING_DEMO: &str = "Starting the local demo tenant…";

/// The demo tenant's state file in the app's data folder.
const DEMO_STATE_FILE: &str = "demo-tenant.json";

/// A service principal sign-in read from the environment. Its `Debug` leaves the secret
/// out.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvSignIn {
    pub cloud: CloudChoice,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for EnvSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvSignIn")
            .field("cloud", &self.cloud)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The variable that confirms a custom cloud's endpoints on other hosts than its metadata
/// URL's: `host1,host2` (`host` or `host:port`).
pub const TRUSTED_HOSTS_VAR: &str = "KEYBLADE_CLOUD_TRUSTED_HOSTS";

/// The hosts confirmed in [`TRUSTED_HOSTS_VAR`] (`var` looks one up): comma-separated,
/// blanks ignored.
pub fn trusted_hosts(var: impl Fn(&str) -> Option<String>) -> Vec<String> {
    var(TRUSTED_HOSTS_VAR)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn env_trusted_hosts() -> Vec<String> {
    trusted_hosts(|name| std::env::var(name).ok())
}

/// What the environment asks of start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvStart {
    /// Nothing: the remembered account or the demo tenant.
    Nothing,
    /// Sign in as this service principal.
    ServicePrincipal(EnvSignIn),
    /// A cloud without credentials: open the Sign in dialog for it.
    SignInTo(CloudChoice),
}

/// Reads the start-up sign-in from environment variables (`var` looks one up).
///
/// `Err`: configured but incomplete, with what is missing.
pub fn env_start(var: impl Fn(&str) -> Option<String>) -> Result<EnvStart, String> {
    let get = |name: &str| {
        var(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let metadata = get("KEYBLADE_CLOUD_METADATA");
    let ca_file = get("KEYBLADE_CA_FILE");
    let credentials = [
        ("AZURE_TENANT_ID", get("AZURE_TENANT_ID")),
        ("AZURE_CLIENT_ID", get("AZURE_CLIENT_ID")),
        ("AZURE_CLIENT_SECRET", get("AZURE_CLIENT_SECRET")),
    ];
    let missing: Vec<&str> = credentials
        .iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| *name)
        .collect();
    if missing.len() == credentials.len() {
        return match (metadata, ca_file) {
            (None, None) => Ok(EnvStart::Nothing),
            (Some(metadata_url), ca_file) => Ok(EnvStart::SignInTo(CloudChoice::Custom {
                metadata_url,
                ca_file,
            })),
            (None, Some(_)) => Err(
                "KEYBLADE_CA_FILE is set without KEYBLADE_CLOUD_METADATA: a CA file is only \
                 used for a cloud read from its metadata URL. Set KEYBLADE_CLOUD_METADATA too, \
                 or unset KEYBLADE_CA_FILE."
                    .to_owned(),
            ),
        };
    }
    if !missing.is_empty() {
        return Err(format!(
            "{} must be set as well to sign in with a service principal from the environment \
             (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET go together). Set {}, \
             or unset the others to use the local demo tenant.",
            missing.join(" and "),
            if missing.len() == 1 { "it" } else { "them" }
        ));
    }
    let [
        (_, Some(tenant_id)),
        (_, Some(client_id)),
        (_, Some(client_secret)),
    ] = credentials
    else {
        return Err("keyblade could not read the AZURE_ variables.".to_owned());
    };
    let cloud = match metadata {
        Some(metadata_url) => CloudChoice::Custom {
            metadata_url,
            ca_file,
        },
        None if ca_file.is_some() => {
            return Err(
                "KEYBLADE_CA_FILE is set without KEYBLADE_CLOUD_METADATA: a CA file is only used \
                 for a cloud read from its metadata URL. Set KEYBLADE_CLOUD_METADATA too."
                    .to_owned(),
            );
        }
        None => CloudChoice::AzureCloud,
    };
    Ok(EnvStart::ServicePrincipal(EnvSignIn {
        cloud,
        tenant_id,
        client_id,
        client_secret,
    }))
}

/// A small file the user named (a CA bundle, a certificate): `expected` says what it
/// should be, e.g. "a PEM file with the cloud's CA certificate(s)". It must be a regular
/// file of at most `max_bytes`: it is looked at before it is opened, because opening a
/// FIFO waits for a writer and a device such as /dev/zero never ends, either of which
/// would hang sign-in; and again once open, in case the path was replaced in between.
/// `Err` is the reason, to follow "The … file {path}:".
pub(crate) fn read_bounded_file(
    path: &Path,
    max_bytes: u64,
    expected: &str,
) -> Result<Vec<u8>, String> {
    let unreadable = |e: std::io::Error| {
        format!("keyblade cannot read it ({e}). Check the path and its permissions")
    };
    let too_large = || {
        let size = if max_bytes.is_multiple_of(1024 * 1024) {
            format!("{} MiB", max_bytes / (1024 * 1024))
        } else {
            format!("{} KiB", max_bytes / 1024)
        };
        format!("it is larger than {size}, the most keyblade reads for it. Give {expected}")
    };
    let check = |metadata: &std::fs::Metadata| {
        if !metadata.is_file() {
            return Err(format!(
                "it is {}, not a regular file. Give the path of {expected}",
                file_kind(&metadata.file_type())
            ));
        }
        if metadata.len() > max_bytes {
            return Err(too_large());
        }
        Ok(())
    };
    check(&std::fs::metadata(path).map_err(unreadable)?)?;
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    check(&file.metadata().map_err(unreadable)?)?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file that grew since from one that fits.
    (&mut file)
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if u64::try_from(bytes.len()).map_or(true, |len| len > max_bytes) {
        return Err(too_large());
    }
    Ok(bytes)
}

/// What a path that is not a regular file is, in a user's words.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "something else"
    }
}

fn cloud_label(cloud: &CloudChoice) -> String {
    match cloud {
        CloudChoice::AzureCloud => "Azure".to_owned(),
        CloudChoice::AzureChinaCloud => "Azure China".to_owned(),
        CloudChoice::AzureUsGovernment => "Azure US Government".to_owned(),
        CloudChoice::Custom { metadata_url, .. } => format!("the cloud at {metadata_url}"),
    }
}

pub(crate) fn http_settings() -> HttpSettings {
    HttpSettings::default()
}

/// The embedded demo tenant listens on this machine's loopback, which a proxy from
/// `HTTPS_PROXY` could not reach: its requests never go through one.
fn demo_http_settings() -> HttpSettings {
    HttpSettings {
        proxy: keyblade_azure::transport::ProxySettings::none(),
        ..HttpSettings::default()
    }
}

/// The cloud's settings: built in, or read from its metadata URL (trusting its CA file, and
/// accepting Resource Manager and sign-in on `trusted_hosts` besides the metadata URL's
/// host).
pub async fn load_cloud(
    choice: &CloudChoice,
    trusted_hosts: &[String],
) -> Result<CloudSettings, CommandError> {
    match choice {
        CloudChoice::AzureCloud => Ok(CloudSettings::azure_cloud()),
        CloudChoice::AzureChinaCloud => Ok(CloudSettings::azure_china_cloud()),
        CloudChoice::AzureUsGovernment => Ok(CloudSettings::azure_us_government()),
        CloudChoice::Custom {
            metadata_url,
            ca_file,
        } => {
            let url = Url::parse(metadata_url.trim()).map_err(|e| CommandError::InvalidSignIn {
                what: format!("The metadata URL `{metadata_url}`"),
                reason: format!(
                    "it is not a URL ({e}). Give the cloud's Resource Manager URL, e.g. \
                     https://management.local.azurestack.external/metadata/endpoints"
                ),
            })?;
            let ca_pems = match ca_file {
                Some(path) if !path.trim().is_empty() => {
                    vec![read_ca_file(Path::new(path.trim()))?]
                }
                _ => Vec::new(),
            };
            Ok(load_cloud_from_metadata_url_trusting(
                &url,
                ca_pems,
                trusted_hosts,
                &http_settings(),
            )
            .await?)
        }
    }
}

/// The largest CA file keyblade reads: a bundle of every public root CA is about 200 KiB,
/// and a cloud's own CA chain a few KiB, so anything larger is the wrong file.
const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

fn read_ca_file(path: &Path) -> Result<String, CommandError> {
    let invalid = |reason: String| CommandError::InvalidSignIn {
        what: format!("The CA file {}", path.display()),
        reason,
    };
    let bytes = read_bounded_file(
        path,
        MAX_CA_FILE_BYTES,
        "a PEM file with only the cloud's CA certificate(s)",
    )
    .map_err(invalid)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        invalid(
            "it is not text, and a PEM file is (-----BEGIN CERTIFICATE-----). A binary DER \
             certificate can be converted with `openssl x509 -inform der -in cert.cer -out \
             ca.pem`"
                .to_owned(),
        )
    })?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(CommandError::InvalidSignIn {
            what: format!("The CA file {}", path.display()),
            reason: "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
        });
    }
    Ok(text)
}

/// Signs in as a service principal and proves it by listing subscriptions (which fetches a
/// token), so a wrong secret fails here rather than on the first blade.
pub async fn sign_in_service_principal(
    cloud: CloudSettings,
    tenant_id: &str,
    client_id: &str,
    client_secret: String,
    is_demo: bool,
) -> Result<Connected, CommandError> {
    let http = if is_demo {
        demo_http_settings()
    } else {
        http_settings()
    };
    let azure = keyblade_azure::Session::client_secret(
        cloud.clone(),
        &http,
        LroSettings::default(),
        tenant_id,
        client_id,
        client_secret,
    )?;
    azure.arm.list_subscriptions().await?;
    Ok(Connected {
        azure,
        cloud,
        tenant_id: tenant_id.to_owned(),
        account: if is_demo {
            format!("demo service principal ({client_id})")
        } else {
            format!("service principal {client_id}")
        },
        account_id: None,
        is_demo,
    })
}

/// Signed in to Azure, the demo tenant has no use: stop it (its state is kept, so Sign out
/// brings it back as it was) rather than keep a local Azure listening.
pub(crate) async fn retire_demo(state: &AppState) {
    let demo = state.demo.lock().await.take();
    if let Some(sandbox) = demo
        && let Err(error) = sandbox.stop().await
    {
        crate::log_warn!("could not save the demo tenant's state: {error}");
    }
}

/// Connects to `account` (or the local demo tenant) in the background: the session is
/// `Connecting` until it is done, and `session-changed` tells the window.
pub fn connect_in_background<R: Runtime>(app: &AppHandle<R>, account: Option<RememberedAccount>) {
    let state = app.state::<AppState>();
    let message = match &account {
        Some(account) => format!("Signing in as {}…", account.label()),
        None => STARTING_DEMO.to_owned(),
    };
    let generation = state.set_session(Session::Connecting {
        cloud: state.session().cloud().clone(),
        message,
    });
    notify(app);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = match account {
            Some(account) => connect_account(&app, account).await,
            None => connect_demo(&app).await.map(Arc::new),
        };
        finish(&app, generation, outcome);
    });
}

pub(crate) fn notify<R: Runtime>(app: &AppHandle<R>) {
    if let Err(error) = app.emit(SESSION_CHANGED, ()) {
        crate::log_warn!("could not tell the window that the session changed: {error}");
    }
}

fn finish<R: Runtime>(
    app: &AppHandle<R>,
    generation: u64,
    outcome: Result<Arc<Connected>, String>,
) {
    let state = app.state::<AppState>();
    let session = match outcome {
        Ok(connected) => {
            crate::startup::reached(crate::startup::Milestone::SignedIn);
            state.prefetch_home(&connected);
            Session::SignedIn(connected)
        }
        Err(reason) => Session::SignedOut {
            cloud: state.session().cloud().clone(),
            reason,
        },
    };
    if state.set_session_if_current(generation, session) {
        notify(app);
    }
}

/// What to connect to at start-up; the session is `Connecting` with the right message
/// before the window asks.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    if let Some(dir) = state.accounts_dir() {
        *lock(&state.accounts) = AccountsFile::load(&dir);
    }
    let from_env = match env_start(|name| std::env::var(name).ok()) {
        Ok(start) => start,
        Err(reason) => {
            state.set_session(Session::SignedOut {
                cloud: CloudSettings::azure_cloud(),
                reason,
            });
            return;
        }
    };
    let remembered = state.accounts_snapshot().active_account().cloned();
    let message = match (&from_env, &remembered) {
        (EnvStart::ServicePrincipal(env), _) => format!(
            "Signing in to {} as service principal {}…",
            cloud_label(&env.cloud),
            env.client_id
        ),
        (EnvStart::SignInTo(cloud), _) => format!("Reading {}…", cloud_label(cloud)),
        (EnvStart::Nothing, Some(account)) => format!("Signing in as {}…", account.label()),
        (EnvStart::Nothing, None) => STARTING_DEMO.to_owned(),
    };
    let generation = state.set_session(Session::Connecting {
        cloud: CloudSettings::azure_cloud(),
        message,
    });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = match (from_env, remembered) {
            (EnvStart::ServicePrincipal(env), _) => connect_env(env).await.map(Arc::new),
            (EnvStart::SignInTo(choice), _) => {
                offer_sign_in(&app, generation, choice).await;
                return;
            }
            (EnvStart::Nothing, Some(account)) => connect_account(&app, account).await,
            (EnvStart::Nothing, None) => connect_demo(&app).await.map(Arc::new),
        };
        finish(&app, generation, outcome);
    });
}

/// The test contract: a cloud without credentials. Its metadata is read (so a wrong URL or
/// CA says so at once), then the session is signed out and the window opens the Sign in
/// dialog for it.
async fn offer_sign_in<R: Runtime>(app: &AppHandle<R>, generation: u64, choice: CloudChoice) {
    let state = app.state::<AppState>();
    let label = cloud_label(&choice);
    let session = match load_cloud(&choice, &env_trusted_hosts()).await {
        Ok(cloud) => {
            *lock(&state.sign_in_cloud) = Some(choice);
            Session::SignedOut {
                cloud,
                reason: format!("Sign in to {label} to continue."),
            }
        }
        Err(error) => Session::SignedOut {
            cloud: CloudSettings::azure_cloud(),
            reason: format!("keyblade could not read {label} (KEYBLADE_CLOUD_METADATA): {error}"),
        },
    };
    if state.set_session_if_current(generation, session) {
        notify(app);
    }
}

/// Signs in as a remembered account at start or after a sign-out; a failure leaves the
/// user signed out with what to do.
async fn connect_account<R: Runtime>(
    app: &AppHandle<R>,
    account: RememberedAccount,
) -> Result<Arc<Connected>, String> {
    let state = app.state::<AppState>();
    match crate::signin::reconnect(&state, &account).await {
        Ok(connected) => {
            let connected = Arc::new(connected);
            lock(&state.sessions).insert(account.id.clone(), connected.clone());
            Ok(connected)
        }
        Err(error) => Err(format!(
            "keyblade could not sign in as {} again: {error} Choose the account to sign in \
             again, or use the local demo tenant.",
            account.label()
        )),
    }
}

async fn connect_env(env: EnvSignIn) -> Result<Connected, String> {
    let label = cloud_label(&env.cloud);
    let attempt = async {
        let cloud = load_cloud(&env.cloud, &env_trusted_hosts()).await?;
        sign_in_service_principal(
            cloud,
            &env.tenant_id,
            &env.client_id,
            env.client_secret,
            false,
        )
        .await
    };
    attempt.await.map_err(|error| {
        format!(
            "keyblade could not sign in to {label} as service principal {} from the \
             environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET): {error}",
            env.client_id
        )
    })
}

/// Starts the embedded sandbox (once) and signs in with its demo service principal.
pub async fn connect_demo<R: Runtime>(app: &AppHandle<R>) -> Result<Connected, String> {
    let state = app.state::<AppState>();
    let mut demo = state.demo.lock().await;
    if demo.is_none() {
        let state_file = state.paths().data_dir.map(|dir| dir.join(DEMO_STATE_FILE));
        let sandbox = start_sandbox(state_file).await?;
        crate::startup::reached_after(
            crate::startup::Milestone::DemoTenantStarted,
            sandbox.startup_time(),
        );
        *demo = Some(sandbox);
    }
    let Some(sandbox) = demo.as_ref() else {
        return Err("the local demo tenant did not start".to_owned());
    };
    demo_session(sandbox).await
}

/// Signs in to a running sandbox with its demo service principal.
pub(crate) async fn demo_session(
    sandbox: &keyblade_sandbox::RunningSandbox,
) -> Result<Connected, String> {
    let metadata = Url::parse(&sandbox.metadata_url())
        .map_err(|e| format!("the demo tenant's metadata URL is not a URL: {e}"))?;
    let cloud = load_cloud_from_metadata_url(
        &metadata,
        vec![sandbox.ca_pem().to_owned()],
        &demo_http_settings(),
    )
    .await
    .map_err(|error| demo_failure(&error.to_string()))?;
    let credentials = sandbox.demo_credentials();
    sign_in_service_principal(
        cloud,
        credentials.tenant_id,
        credentials.client_id,
        credentials.client_secret.to_owned(),
        true,
    )
    .await
    .map_err(|error| demo_failure(&error.to_string()))
}

fn demo_failure(reason: &str) -> String {
    format!(
        "The local demo tenant started but keyblade could not sign in to it: {reason} This is a \
         keyblade bug; please report it. You can still sign in to Azure."
    )
}

/// Starts the sandbox with its state in `state_file`. A state file it cannot load (from an
/// older keyblade, or damaged) is set aside and the demo starts fresh, rather than leaving
/// the user without a demo.
pub(crate) async fn start_sandbox(
    state_file: Option<PathBuf>,
) -> Result<keyblade_sandbox::RunningSandbox, String> {
    let config = |state_file: Option<PathBuf>| SandboxConfig {
        port: 0,
        scenario: "demo".to_owned(),
        state_file,
        // The admin API mints tokens and rewrites the world without authentication: fine
        // for a tester's sandbox, not for one any local process could reach in a user's app.
        admin: AdminApi::Off,
        // The demo's keys are made once, in the background, and kept: Home's first check
        // then reads public keys at once instead of waiting on RSA key generation.
        pregenerate_keys: true,
        ..SandboxConfig::default()
    };
    // The sandbox creates a missing state folder itself, owner-only (0700): the file holds
    // the demo CA's private key.
    match Sandbox::start(config(state_file.clone())).await {
        Ok(sandbox) => Ok(sandbox),
        Err(first) => {
            let Some(path) = state_file.filter(|p| p.exists()) else {
                return Err(format!("The local demo tenant could not start: {first}."));
            };
            let aside = path.with_extension("json.unreadable");
            let _ = std::fs::rename(&path, &aside);
            crate::log_warn!(
                "the demo tenant's state {} could not be loaded ({first}); it was \
                 moved to {} and the demo starts fresh",
                path.display(),
                aside.display()
            );
            Sandbox::start(config(Some(path)))
                .await
                .map_err(|e| format!("The local demo tenant could not start: {e}."))
        }
    }
}

/// Stops the demo tenant, writing its state one last time.
pub fn stop_demo<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let sandbox = tauri::async_runtime::block_on(async { state.demo.lock().await.take() });
    if let Some(sandbox) = sandbox
        && let Err(error) = tauri::async_runtime::block_on(sandbox.stop())
    {
        crate::log_warn!("could not save the demo tenant's state: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const SP: [(&str, &str); 3] = [
        ("AZURE_TENANT_ID", "t"),
        ("AZURE_CLIENT_ID", "c"),
        ("AZURE_CLIENT_SECRET", "s"),
    ];

    #[test]
    fn nothing_set_means_the_demo_tenant() {
        assert_eq!(env_start(vars(&[])), Ok(EnvStart::Nothing));
        assert_eq!(
            env_start(vars(&[("AZURE_TENANT_ID", "  ")])),
            Ok(EnvStart::Nothing)
        );
    }

    #[test]
    fn a_service_principal_with_a_metadata_url_and_ca_signs_in_to_that_cloud() {
        let mut pairs = SP.to_vec();
        pairs.push((
            "KEYBLADE_CLOUD_METADATA",
            "https://localhost:8443/metadata/endpoints",
        ));
        pairs.push(("KEYBLADE_CA_FILE", "/tmp/ca.pem"));
        assert_eq!(
            env_start(vars(&pairs)),
            Ok(EnvStart::ServicePrincipal(EnvSignIn {
                cloud: CloudChoice::Custom {
                    metadata_url: "https://localhost:8443/metadata/endpoints".to_owned(),
                    ca_file: Some("/tmp/ca.pem".to_owned()),
                },
                tenant_id: "t".to_owned(),
                client_id: "c".to_owned(),
                client_secret: "s".to_owned(),
            }))
        );
    }

    #[test]
    fn a_service_principal_alone_signs_in_to_azure_public() {
        let Ok(EnvStart::ServicePrincipal(sign_in)) = env_start(vars(&SP)) else {
            panic!("expected a service principal");
        };
        assert_eq!(sign_in.cloud, CloudChoice::AzureCloud);
    }

    /// The test contract: a cloud without credentials opens the Sign in dialog for it.
    #[test]
    fn a_metadata_url_without_credentials_asks_to_sign_in_to_that_cloud() {
        assert_eq!(
            env_start(vars(&[
                (
                    "KEYBLADE_CLOUD_METADATA",
                    "https://localhost:8443/metadata/endpoints"
                ),
                ("KEYBLADE_CA_FILE", "/tmp/ca.pem"),
            ])),
            Ok(EnvStart::SignInTo(CloudChoice::Custom {
                metadata_url: "https://localhost:8443/metadata/endpoints".to_owned(),
                ca_file: Some("/tmp/ca.pem".to_owned()),
            }))
        );
    }

    #[test]
    fn incomplete_settings_say_what_is_missing() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (
                &[("AZURE_TENANT_ID", "t")],
                "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET must be set",
            ),
            (
                &[("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c")],
                "AZURE_CLIENT_SECRET must be set",
            ),
            (
                &[("KEYBLADE_CA_FILE", "/x.pem")],
                "without KEYBLADE_CLOUD_METADATA",
            ),
            (
                &[
                    ("AZURE_TENANT_ID", "t"),
                    ("AZURE_CLIENT_ID", "c"),
                    ("AZURE_CLIENT_SECRET", "s"),
                    ("KEYBLADE_CA_FILE", "/x.pem"),
                ],
                "without KEYBLADE_CLOUD_METADATA",
            ),
        ];
        for (pairs, expected) in cases {
            let reason = env_start(vars(pairs)).unwrap_err();
            assert!(reason.contains(expected), "{pairs:?}: {reason}");
        }
    }

    /// The embedded demo: starts on a free port, signs in with the demo service principal,
    /// and keeps its state across a restart (a change made before is still there after).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_tenant_starts_signs_in_and_persists() {
        let dir = std::env::temp_dir().join(format!("keyblade-demo-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let state_file = dir.join(DEMO_STATE_FILE);

        let sandbox = start_sandbox(Some(state_file.clone())).await.unwrap();
        let connected = demo_session(&sandbox).await.unwrap();
        assert!(connected.is_demo);
        assert_eq!(connected.tenant_id, keyblade_sandbox::DEMO.tenant_id);
        assert!(connected.account.contains(keyblade_sandbox::DEMO.client_id));
        let subscriptions = connected.azure.arm.list_subscriptions().await.unwrap();
        assert!(!subscriptions.is_empty());
        let first = &subscriptions[0].subscription_id;
        let registries = connected.azure.arm.list_registries(first).await.unwrap();
        let count_before = registries.len();

        // No local process may drive the embedded demo through the admin API.
        let client = keyblade_azure::HttpTransport::without_tokens(
            &[sandbox.ca_pem().to_owned()],
            &http_settings(),
        )
        .unwrap();
        let admin = client
            .send(keyblade_azure::transport::WireRequest {
                method: http::Method::GET,
                url: Url::parse(&format!("{}/info", sandbox.admin_url())).unwrap(),
                headers: Vec::new(),
                body: Default::default(),
            })
            .await
            .unwrap();
        assert_eq!(admin.status, 404, "the embedded demo has no admin API");

        // Signing in to Azure retires it: nothing listens on its port any more.
        let port = sandbox.port();
        let state = AppState::new(
            Session::SignedOut {
                cloud: CloudSettings::azure_cloud(),
                reason: String::new(),
            },
            crate::secrets::SecretStore::new(Arc::new(
                crate::secrets::testing::MapBackend::default(),
            )),
            crate::state::AppPaths::default(),
        );
        *state.demo.lock().await = Some(sandbox);
        retire_demo(&state).await;
        assert!(state.demo.lock().await.is_none());
        assert!(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err(),
            "the demo tenant stopped listening"
        );
        assert!(
            state_file.exists(),
            "the demo state is written to the data folder"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode(&state_file),
                0o600,
                "it holds the demo CA's private key"
            );
            assert_eq!(mode(&dir), 0o700);
        }

        let restarted = start_sandbox(Some(state_file.clone())).await.unwrap();
        let again = demo_session(&restarted).await.unwrap();
        let registries = again.azure.arm.list_registries(first).await.unwrap();
        assert_eq!(registries.len(), count_before);
        restarted.stop().await.unwrap();

        // A damaged state file is set aside and the demo starts fresh.
        std::fs::write(&state_file, "{ not json").unwrap();
        let fresh = start_sandbox(Some(state_file.clone())).await.unwrap();
        assert!(dir.join("demo-tenant.json.unreadable").exists());
        fresh.stop().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sign_ins_do_not_print_their_secret() {
        let Ok(EnvStart::ServicePrincipal(env)) = env_start(vars(&[
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s3cr3t-value"),
        ])) else {
            panic!("expected a service principal");
        };
        let request = crate::dto::SignInRequest {
            cloud: CloudChoice::AzureCloud,
            operation_id: "op".to_owned(),
            method: crate::dto::SignInMethodRequest::ClientSecret {
                tenant_id: "t".to_owned(),
                client_id: "client-1".to_owned(),
                client_secret: "s3cr3t-value".to_owned(),
            },
        };
        let certificate = crate::dto::SignInMethodRequest::ClientCertificate {
            tenant_id: "t".to_owned(),
            client_id: "client-1".to_owned(),
            certificate_file: "/tmp/app.pfx".to_owned(),
            password: Some("s3cr3t-value".to_owned()),
        };
        for text in [
            format!("{env:?}"),
            format!("{request:?}"),
            format!("{request:#?}"),
            format!("{certificate:?}"),
        ] {
            assert!(!text.contains("s3cr3t-value"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
        assert!(format!("{request:?}").contains("client-1"), "says who");
    }

    #[test]
    fn trusted_hosts_are_a_comma_separated_list() {
        assert!(trusted_hosts(vars(&[])).is_empty());
        assert_eq!(
            trusted_hosts(vars(&[(
                "KEYBLADE_CLOUD_TRUSTED_HOSTS",
                " login.microsoftonline.com, ,adfs.local:8443,"
            )])),
            vec!["login.microsoftonline.com", "adfs.local:8443"]
        );
    }

    /// A CA file must be a regular file of at most 1 MiB: a device, a FIFO or a folder is
    /// refused without reading (or blocking on) it. Run on a thread so that a regression
    /// fails the test instead of hanging it.
    #[test]
    fn a_ca_file_must_be_a_small_regular_file() {
        let dir = std::env::temp_dir().join(format!("keyblade-ca-kind-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let large = dir.join("large.pem");
        std::fs::write(&large, pem.repeat(1 + (1 << 20) / pem.len())).unwrap();
        let exact = dir.join("exact.pem");
        let mut text = pem.to_owned();
        text.push_str(&"#".repeat((1 << 20) - pem.len()));
        std::fs::write(&exact, text).unwrap();
        let mut cases: Vec<(PathBuf, &str)> = vec![
            (dir.clone(), "it is a folder, not a regular file"),
            (large, "larger than 1 MiB"),
        ];
        if cfg!(unix) {
            cases.push((
                PathBuf::from("/dev/zero"),
                "it is a device, not a regular file",
            ));
            let fifo = dir.join("fifo.pem");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|status| status.success()) {
                cases.push((fifo, "it is a named pipe (FIFO), not a regular file"));
            }
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        let exact_path = exact.clone();
        std::thread::spawn(move || {
            let outcomes: Vec<_> = cases
                .into_iter()
                .map(|(path, says)| (path.clone(), says, read_ca_file(&path)))
                .collect();
            let _ = sender.send((outcomes, read_ca_file(&exact_path)));
        });
        let (outcomes, exact) = receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("checking the CA files does not hang");
        for (path, says, outcome) in outcomes {
            let error = outcome.unwrap_err();
            assert_eq!(error.code(), "session.invalidSignIn", "{}", path.display());
            assert!(
                error.to_string().contains(says),
                "{}: {error}",
                path.display()
            );
        }
        assert!(exact.is_ok(), "exactly 1 MiB is accepted: {exact:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let dir = std::env::temp_dir().join(format!("keyblade-ca-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let error = read_ca_file(&not_pem).unwrap_err();
        assert_eq!(error.code(), "session.invalidSignIn");
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
        let missing = read_ca_file(&dir.join("missing.pem")).unwrap_err();
        assert!(missing.to_string().contains("cannot read it"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
