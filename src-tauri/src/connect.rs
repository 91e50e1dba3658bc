//! Connecting: which cloud and service principal keyblade signs in with at start-up, the
//! embedded demo tenant, and signing in from the "Sign in to Azure" dialog.
//!
//! At start-up, in this order:
//! 1. `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` (with
//!    `KEYBLADE_CLOUD_METADATA` and optionally `KEYBLADE_CA_FILE` for another cloud, e.g. a
//!    running sandbox): that service principal. Tests point a built app at a sandbox so.
//!    A custom cloud whose Resource Manager or sign-in is not on its metadata URL's host is
//!    used only when those hosts are listed in `KEYBLADE_CLOUD_TRUSTED_HOSTS`.
//! 2. The Azure sign-in remembered from the dialog, if its secret is in the keyring.
//! 3. Otherwise the embedded sandbox's demo tenant, its state kept in the app's data folder.
//!
//! Everything runs in the background: the window shows "Starting the local demo tenant…"
//! meanwhile, and the UI hears `session-changed` when the session changes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use url::Url;

use keyblade_azure::arm::lro::LroSettings;
use keyblade_azure::{
    CloudSettings, HttpSettings, load_cloud_from_metadata_url,
    load_cloud_from_metadata_url_trusting,
};
use keyblade_sandbox::{AdminApi, Sandbox, SandboxConfig};

use crate::dto::{CloudChoice, SignInRequest};
use crate::error::CommandError;
use crate::state::{AppState, Connected, Session};

/// The event the UI listens to; it then asks `app_info` again.
pub const SESSION_CHANGED: &str = "session-changed";

pub const STARTING_DEMO: &str = "Starting the local demo tenant…";

/// The demo tenant's state file in the app's data folder.
const DEMO_STATE_FILE: &str = "demo-tenant.json";
/// The remembered Azure sign-in (cloud, tenant and client ID; never the secret).
const REMEMBERED_FILE: &str = "azure-sign-in.json";

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

fn env_trusted_hosts() -> Vec<String> {
    trusted_hosts(|name| std::env::var(name).ok())
}

/// Reads the start-up sign-in from environment variables (`var` looks one up).
///
/// `Ok(None)`: none configured. `Err`: configured but incomplete, with what is missing.
pub fn env_sign_in(var: impl Fn(&str) -> Option<String>) -> Result<Option<EnvSignIn>, String> {
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
        return match (&metadata, &ca_file) {
            (None, None) => Ok(None),
            _ => Err(
                "KEYBLADE_CLOUD_METADATA or KEYBLADE_CA_FILE is set, but AZURE_TENANT_ID, \
                 AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not, so keyblade has no service \
                 principal to sign in with. Set all three, or unset the KEYBLADE_ variables to \
                 use the local demo tenant."
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
    Ok(Some(EnvSignIn {
        cloud,
        tenant_id,
        client_id,
        client_secret,
    }))
}

/// The sign-in remembered from the dialog, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RememberedSignIn {
    pub cloud: CloudChoice,
    pub tenant_id: String,
    pub client_id: String,
}

fn remembered_path(state: &AppState) -> Option<PathBuf> {
    state
        .paths()
        .config_dir
        .map(|dir| dir.join(REMEMBERED_FILE))
}

fn read_remembered(state: &AppState) -> Option<RememberedSignIn> {
    let text = std::fs::read_to_string(remembered_path(state)?).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_remembered(state: &AppState, remembered: &RememberedSignIn) -> Result<(), String> {
    let path = remembered_path(state).ok_or("the platform has no configuration folder")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(remembered).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn forget_remembered(state: &AppState) {
    if let Some(remembered) = read_remembered(state) {
        // A secret left behind in the keyring is harmless to keyblade but not to the user.
        if let Err(reason) = state
            .secrets
            .forget(&remembered.tenant_id, &remembered.client_id)
        {
            eprintln!("keyblade: could not remove the client secret from the keyring: {reason}");
        }
    }
    if let Some(path) = remembered_path(state) {
        let _ = std::fs::remove_file(path);
    }
}

/// Why a CA file's metadata rules it out, if it does: it must be a regular file of at most
/// [`MAX_CA_FILE_BYTES`].
fn check_ca_file_metadata(metadata: &std::fs::Metadata) -> Result<(), String> {
    if !metadata.is_file() {
        return Err(format!(
            "it is {}, not a regular file. Give the path of a PEM file with the cloud's CA \
             certificate(s)",
            file_kind(&metadata.file_type())
        ));
    }
    if metadata.len() > MAX_CA_FILE_BYTES {
        return Err(too_large_ca_file());
    }
    Ok(())
}

fn too_large_ca_file() -> String {
    format!(
        "it is larger than {} MiB, the most keyblade reads for a CA file. Give a file with only \
         the cloud's CA certificate(s)",
        MAX_CA_FILE_BYTES / (1024 * 1024)
    )
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

fn http_settings() -> HttpSettings {
    HttpSettings::default()
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
    let unreadable = |e: std::io::Error| {
        invalid(format!(
            "keyblade cannot read it ({e}). Check the path and its permissions"
        ))
    };
    // Looked at before it is opened: opening a FIFO waits for a writer, and a device such as
    // /dev/zero never ends, either of which would hang sign-in.
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    check_ca_file_metadata(&metadata).map_err(invalid)?;
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    // And again once open, in case the path was replaced in between.
    check_ca_file_metadata(&file.metadata().map_err(unreadable)?).map_err(invalid)?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file that grew since from one that fits.
    (&mut file)
        .take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if u64::try_from(bytes.len()).map_or(true, |len| len > MAX_CA_FILE_BYTES) {
        return Err(invalid(too_large_ca_file()));
    }
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
    let azure = keyblade_azure::Session::client_secret(
        cloud.clone(),
        &http_settings(),
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
        is_demo,
    })
}

fn check_field(what: &str, value: &str) -> Result<(), CommandError> {
    if value.trim().is_empty() {
        return Err(CommandError::InvalidSignIn {
            what: what.to_owned(),
            reason: "it is empty. Copy it from the app registration in Microsoft Entra ID"
                .to_owned(),
        });
    }
    Ok(())
}

/// The dialog's sign-in: on success the session switches to it and its secret goes to the
/// keyring (or stays in memory, said in the outcome). On failure nothing changes.
pub async fn sign_in<R: Runtime>(
    app: &AppHandle<R>,
    request: SignInRequest,
) -> Result<crate::secrets::SecretPlacement, CommandError> {
    check_field("The tenant ID", &request.tenant_id)?;
    check_field("The client ID", &request.client_id)?;
    check_field("The client secret", &request.client_secret)?;
    let tenant_id = request.tenant_id.trim().to_owned();
    let client_id = request.client_id.trim().to_owned();
    let cloud = load_cloud(&request.cloud, &env_trusted_hosts()).await?;
    let connected = sign_in_service_principal(
        cloud,
        &tenant_id,
        &client_id,
        request.client_secret.clone(),
        false,
    )
    .await?;
    let state = app.state::<AppState>();
    forget_remembered(&state);
    let placement = state
        .secrets
        .keep(&tenant_id, &client_id, &request.client_secret);
    if placement == crate::secrets::SecretPlacement::Keyring {
        let remembered = RememberedSignIn {
            cloud: request.cloud,
            tenant_id,
            client_id,
        };
        if let Err(reason) = write_remembered(&state, &remembered) {
            eprintln!("keyblade: could not remember the sign-in for the next start: {reason}");
        }
    }
    state.set_session(Session::SignedIn(Arc::new(connected)));
    notify(app);
    retire_demo(&state).await;
    Ok(placement)
}

/// Signed in to Azure, the demo tenant has no use: stop it (its state is kept, so Sign out
/// brings it back as it was) rather than keep a local Azure listening.
pub(crate) async fn retire_demo(state: &AppState) {
    let demo = state.demo.lock().await.take();
    if let Some(sandbox) = demo
        && let Err(error) = sandbox.stop().await
    {
        eprintln!("keyblade: could not save the demo tenant's state: {error}");
    }
}

/// Forgets the Azure sign-in (and its secret) and returns to the local demo tenant.
pub fn sign_out<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    forget_remembered(&state);
    let generation = state.set_session(Session::Connecting {
        cloud: state.session().cloud().clone(),
        message: STARTING_DEMO.to_owned(),
    });
    notify(app);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = connect_demo(&app).await;
        finish(&app, generation, outcome);
    });
}

fn notify<R: Runtime>(app: &AppHandle<R>) {
    if let Err(error) = app.emit(SESSION_CHANGED, ()) {
        eprintln!("keyblade: could not tell the window that the session changed: {error}");
    }
}

fn finish<R: Runtime>(app: &AppHandle<R>, generation: u64, outcome: Result<Connected, String>) {
    let state = app.state::<AppState>();
    let session = match outcome {
        Ok(connected) => Session::SignedIn(Arc::new(connected)),
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
    let from_env = env_sign_in(|name| std::env::var(name).ok());
    let remembered = read_remembered(&state);
    let message = match (&from_env, &remembered) {
        (Ok(Some(env)), _) => format!(
            "Signing in to {} as service principal {}…",
            cloud_label(&env.cloud),
            env.client_id
        ),
        (Err(_), _) => String::new(),
        (Ok(None), Some(remembered)) => format!(
            "Signing in to {} as service principal {}…",
            cloud_label(&remembered.cloud),
            remembered.client_id
        ),
        (Ok(None), None) => STARTING_DEMO.to_owned(),
    };
    let generation = match &from_env {
        Err(reason) => {
            state.set_session(Session::SignedOut {
                cloud: CloudSettings::azure_cloud(),
                reason: reason.clone(),
            });
            return;
        }
        Ok(_) => state.set_session(Session::Connecting {
            cloud: CloudSettings::azure_cloud(),
            message,
        }),
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = match (from_env, remembered) {
            (Ok(Some(env)), _) => connect_env(env).await,
            (_, Some(remembered)) => connect_remembered(&app, remembered).await,
            _ => connect_demo(&app).await,
        };
        finish(&app, generation, outcome);
    });
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

async fn connect_remembered<R: Runtime>(
    app: &AppHandle<R>,
    remembered: RememberedSignIn,
) -> Result<Connected, String> {
    let state = app.state::<AppState>();
    let who = format!(
        "{} as service principal {}",
        cloud_label(&remembered.cloud),
        remembered.client_id
    );
    let secret = match state
        .secrets
        .get(&remembered.tenant_id, &remembered.client_id)
    {
        Ok(Some(secret)) => secret,
        Ok(None) => {
            return Err(format!(
                "keyblade remembered your sign-in to {who}, but its client secret is no longer \
                 in the system keyring. Sign in to Azure again, or use the local demo tenant."
            ));
        }
        Err(reason) => {
            return Err(format!(
                "keyblade remembered your sign-in to {who}, but cannot read its client secret: \
                 {reason}. Sign in to Azure again, or use the local demo tenant."
            ));
        }
    };
    let attempt = async {
        let cloud = load_cloud(&remembered.cloud, &env_trusted_hosts()).await?;
        sign_in_service_principal(
            cloud,
            &remembered.tenant_id,
            &remembered.client_id,
            secret,
            false,
        )
        .await
    };
    attempt.await.map_err(|error| {
        format!(
            "keyblade could not sign in to {who} again: {error} Sign in to Azure again, or use \
             the local demo tenant."
        )
    })
}

/// Starts the embedded sandbox (once) and signs in with its demo service principal.
pub async fn connect_demo<R: Runtime>(app: &AppHandle<R>) -> Result<Connected, String> {
    let state = app.state::<AppState>();
    let mut demo = state.demo.lock().await;
    if demo.is_none() {
        let state_file = state.paths().data_dir.map(|dir| dir.join(DEMO_STATE_FILE));
        *demo = Some(start_sandbox(state_file).await?);
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
        &http_settings(),
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
            eprintln!(
                "keyblade: the demo tenant's state {} could not be loaded ({first}); it was \
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
        eprintln!("keyblade: could not save the demo tenant's state: {error}");
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
        assert_eq!(env_sign_in(vars(&[])), Ok(None));
        assert_eq!(env_sign_in(vars(&[("AZURE_TENANT_ID", "  ")])), Ok(None));
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
            env_sign_in(vars(&pairs)),
            Ok(Some(EnvSignIn {
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
        let sign_in = env_sign_in(vars(&SP)).unwrap().unwrap();
        assert_eq!(sign_in.cloud, CloudChoice::AzureCloud);
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
                &[("KEYBLADE_CLOUD_METADATA", "https://localhost:1/")],
                "has no service principal",
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
            let reason = env_sign_in(vars(pairs)).unwrap_err();
            assert!(reason.contains(expected), "{pairs:?}: {reason}");
        }
    }

    #[test]
    fn remembered_sign_ins_serialise_without_a_secret() {
        let remembered = RememberedSignIn {
            cloud: CloudChoice::AzureChinaCloud,
            tenant_id: "t".to_owned(),
            client_id: "c".to_owned(),
        };
        let text = serde_json::to_string(&remembered).unwrap();
        assert_eq!(
            text,
            r#"{"cloud":{"kind":"azureChinaCloud"},"tenantId":"t","clientId":"c"}"#
        );
        assert_eq!(
            serde_json::from_str::<RememberedSignIn>(&text).unwrap(),
            remembered
        );
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
        let env = env_sign_in(vars(&[
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s3cr3t-value"),
        ]))
        .unwrap()
        .unwrap();
        let request = SignInRequest {
            cloud: CloudChoice::AzureCloud,
            tenant_id: "t".to_owned(),
            client_id: "client-1".to_owned(),
            client_secret: "s3cr3t-value".to_owned(),
        };
        for text in [
            format!("{env:?}"),
            format!("{request:?}"),
            format!("{request:#?}"),
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
