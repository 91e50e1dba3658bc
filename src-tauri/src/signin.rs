//! Signing in from the "Sign in to Azure" dialog (browser, device code, Azure CLI, service
//! principal with a secret or a certificate), signing in again as a remembered account,
//! switching accounts, and signing out. The protocols are keyblade-azure's
//! ([`keyblade_azure::signin`]); this module wires them to the window (progress events,
//! cancel, the system browser) and to what the app remembers ([`crate::accounts`],
//! [`crate::secrets`]).
//!
//! A sign-in changes nothing until it has proved itself by listing subscriptions: a wrong
//! secret, a declined device code or a cancelled browser leaves the session, the accounts
//! file and the keyring as they were.

use std::path::Path;
use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_opener::OpenerExt;
use url::Url;

use keyblade_azure::arm::lro::LroSettings;
use keyblade_azure::signin::{CancelSignIn, Opener, PublicClientConfig, SignInClient, SignedIn};
use keyblade_azure::{
    AzureCliOptions, AzureError, BrowserSignInSettings, ClientCertificate, CloudSettings,
    HttpTransport, KeybladeCredential, SignInMethod,
};

use crate::accounts::{RememberedAccount, RememberedSignIn};
use crate::connect::{self, notify};
use crate::dto::{SignInMethodRequest, SignInProgress, SignInRequest, SignInStep, TenantSummary};
use crate::error::CommandError;
use crate::secrets::SecretPlacement;
use crate::state::{AppState, Connected, Session, lock};

/// The event a running sign-in reports on (the device code, the browser's URL).
pub const SIGN_IN_PROGRESS: &str = "sign-in-progress";

/// A sign-in that proved itself: the session, the account to remember, and where its
/// secret went.
pub struct NewSignIn {
    pub connected: Arc<Connected>,
    pub secret: SecretPlacement,
    pub skipped_tenants: Vec<TenantSummary>,
}

/// What a sign-in needs of the window: to show its progress, and to open the browser.
/// Tests play the window (and the browser) themselves.
#[async_trait::async_trait]
pub trait SignInWindow: Send + Sync {
    fn progress(&self, step: SignInStep);
    /// Opens `url` in the system browser; `Err` says why it could not.
    fn open_browser(&self, url: &Url) -> Result<(), String>;
}

/// The real window: `sign-in-progress` events, and the system browser through Tauri's
/// opener plugin.
pub struct AppWindow<R: Runtime> {
    pub app: AppHandle<R>,
    pub operation_id: String,
}

#[async_trait::async_trait]
impl<R: Runtime> SignInWindow for AppWindow<R> {
    fn progress(&self, step: SignInStep) {
        let event = SignInProgress {
            operation_id: self.operation_id.clone(),
            step,
        };
        if let Err(error) = self.app.emit(SIGN_IN_PROGRESS, event) {
            crate::log_warn!("could not show the sign-in's progress: {error}");
        }
    }

    fn open_browser(&self, url: &Url) -> Result<(), String> {
        self.app
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|error| error.to_string())
    }
}

/// The browser step of a sign-in. When no browser can be opened, the window shows the URL
/// to open by hand and the sign-in keeps waiting for it, rather than failing.
struct Browser<'a> {
    window: &'a dyn SignInWindow,
}

#[async_trait::async_trait]
impl Opener for Browser<'_> {
    async fn open(&self, url: &Url) -> Result<(), String> {
        let step = match self.window.open_browser(url) {
            Ok(()) => SignInStep::BrowserOpened {
                url: url.to_string(),
            },
            Err(error) => SignInStep::BrowserNotOpened {
                url: url.to_string(),
                reason: format!(
                    "keyblade could not open your browser ({error}). Open this address in a \
                     browser on this computer to sign in"
                ),
            },
        };
        self.window.progress(step);
        Ok(())
    }
}

fn blank_to_none(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn public_client(
    cloud: &Arc<CloudSettings>,
    tenant: &Option<String>,
    client_id: &Option<String>,
    transport: &HttpTransport,
) -> Result<SignInClient, CommandError> {
    let mut config = PublicClientConfig::new(cloud.clone());
    if let Some(tenant) = blank_to_none(tenant) {
        config = config.with_tenant(tenant)?;
    }
    if let Some(client_id) = blank_to_none(client_id) {
        config = config.with_client_id(client_id)?;
    }
    Ok(SignInClient::new(config, transport))
}

fn required<'a>(what: &str, value: &'a str, hint: &str) -> Result<&'a str, CommandError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CommandError::InvalidSignIn {
            what: what.to_owned(),
            reason: format!("it is empty. {hint}"),
        });
    }
    Ok(value)
}

const FROM_APP_REGISTRATION: &str = "Copy it from the app registration in Microsoft Entra ID";

/// The largest certificate file keyblade reads: a PFX with a long chain is a few KiB.
const MAX_CERTIFICATE_BYTES: u64 = 256 * 1024;

/// Reads a PEM (certificate and private key) or PFX/PKCS#12 file.
pub fn read_certificate(
    path: &str,
    password: Option<&str>,
) -> Result<ClientCertificate, CommandError> {
    let path = Path::new(path.trim());
    let invalid = |reason: String| CommandError::InvalidSignIn {
        what: format!("The certificate file {}", path.display()),
        reason,
    };
    let bytes = connect::read_bounded_file(
        path,
        MAX_CERTIFICATE_BYTES,
        "the .pem or .pfx file of the app registration's certificate",
    )
    .map_err(invalid)?;
    match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => Ok(ClientCertificate::from_pem(text, text)?),
        // Not PEM text: a PFX (PKCS#12) is binary DER.
        _ => Ok(ClientCertificate::from_pfx(&bytes, password.unwrap_or(""))?),
    }
}

/// Signs in as the dialog asks. Nothing changes unless it succeeds.
pub async fn sign_in<R: Runtime>(
    app: &AppHandle<R>,
    request: SignInRequest,
) -> Result<NewSignIn, CommandError> {
    let state = app.state::<AppState>();
    let window = AppWindow {
        app: app.clone(),
        operation_id: request.operation_id.clone(),
    };
    let new = match sign_in_with(&state, &window, &request).await {
        Ok(new) => new,
        Err(error) => {
            crate::log_info!("sign-in did not complete ({}): {error}", error.code());
            return Err(error);
        }
    };
    crate::log_info!(
        "signed in as {} in tenant {}",
        new.connected.account,
        new.connected.tenant_id
    );
    notify(app);
    connect::retire_demo(&state).await;
    Ok(new)
}

/// [`sign_in`] with any window: makes the new session the one in use.
pub async fn sign_in_with(
    state: &AppState,
    window: &dyn SignInWindow,
    request: &SignInRequest,
) -> Result<NewSignIn, CommandError> {
    let cancel = state.sign_ins.start(&request.operation_id);
    let outcome = run_sign_in(state, window, request, &cancel).await;
    state.sign_ins.finish(&request.operation_id);
    let new = outcome?;
    state.set_session(Session::SignedIn(new.connected.clone()));
    Ok(new)
}

async fn run_sign_in(
    state: &AppState,
    window: &dyn SignInWindow,
    request: &SignInRequest,
    cancel: &CancelSignIn,
) -> Result<NewSignIn, CommandError> {
    // Checked before anything is sent.
    match &request.method {
        SignInMethodRequest::ClientSecret {
            tenant_id,
            client_id,
            client_secret,
        } => {
            required("The tenant ID", tenant_id, FROM_APP_REGISTRATION)?;
            required("The client ID", client_id, FROM_APP_REGISTRATION)?;
            if client_secret.is_empty() {
                required(
                    "The client secret",
                    "",
                    "Create one under Certificates & secrets",
                )?;
            }
        }
        SignInMethodRequest::ClientCertificate {
            tenant_id,
            client_id,
            certificate_file,
            ..
        } => {
            required("The tenant ID", tenant_id, FROM_APP_REGISTRATION)?;
            required("The client ID", client_id, FROM_APP_REGISTRATION)?;
            required(
                "The certificate file",
                certificate_file,
                "Give the .pem or .pfx file of a certificate uploaded to the app registration",
            )?;
        }
        _ => {}
    }
    let cloud = Arc::new(connect::load_cloud(&request.cloud, &connect::env_trusted_hosts()).await?);
    let transport = HttpTransport::for_cloud(cloud.clone(), &connect::http_settings())?;
    let built = match &request.method {
        SignInMethodRequest::Browser { tenant, client_id } => {
            let client = public_client(&cloud, tenant, client_id, &transport)?;
            let browser = Browser { window };
            let signed_in = client
                .sign_in_with_browser(&browser, &BrowserSignInSettings::default(), cancel)
                .await?;
            person(state, &client, signed_in).await?
        }
        SignInMethodRequest::DeviceCode { tenant, client_id } => {
            let client = public_client(&cloud, tenant, client_id, &transport)?;
            let flow = client.start_device_code().await?;
            let challenge = flow.challenge();
            window.progress(SignInStep::DeviceCode {
                user_code: challenge.user_code.clone(),
                verification_uri: challenge.verification_uri.to_string(),
                expires_at: challenge
                    .expires_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                message: challenge.message.clone(),
            });
            let signed_in = flow.finish(cancel).await?;
            person(state, &client, signed_in).await?
        }
        SignInMethodRequest::AzureCli { tenant } => {
            let credential = KeybladeCredential::azure_cli(
                cloud.clone(),
                AzureCliOptions {
                    tenant_id: blank_to_none(tenant).map(str::to_owned),
                    executor: None,
                },
            )
            .await?;
            let username = match credential.method() {
                SignInMethod::AzureCli { account, .. } => account.clone(),
                _ => String::new(),
            };
            Built {
                sign_in: RememberedSignIn::AzureCli {
                    username,
                    requested_tenant: blank_to_none(tenant).map(str::to_owned),
                },
                credential,
                secret: Pending::Nothing,
            }
        }
        SignInMethodRequest::ClientSecret {
            tenant_id,
            client_id,
            client_secret,
        } => {
            let (tenant_id, client_id) = (tenant_id.trim(), client_id.trim());
            Built {
                credential: KeybladeCredential::client_secret(
                    cloud.clone(),
                    &transport,
                    tenant_id,
                    client_id,
                    client_secret.clone(),
                )?,
                sign_in: RememberedSignIn::ClientSecret {
                    client_id: client_id.to_owned(),
                },
                secret: Pending::ClientSecret(client_secret.clone()),
            }
        }
        SignInMethodRequest::ClientCertificate {
            tenant_id,
            client_id,
            certificate_file,
            password,
        } => {
            let (tenant_id, client_id) = (tenant_id.trim(), client_id.trim());
            let password = password.as_deref().filter(|p| !p.is_empty());
            let certificate = read_certificate(certificate_file, password)?;
            Built {
                credential: KeybladeCredential::client_certificate(
                    cloud.clone(),
                    &transport,
                    tenant_id,
                    client_id,
                    certificate,
                )?,
                sign_in: RememberedSignIn::ClientCertificate {
                    client_id: client_id.to_owned(),
                    certificate_file: certificate_file.trim().to_owned(),
                    has_password: password.is_some(),
                },
                secret: match password {
                    Some(password) => Pending::CertificatePassword(password.to_owned()),
                    None => Pending::Nothing,
                },
            }
        }
    };
    if cancel.is_cancelled() {
        built.abandon().await;
        return Err(AzureError::SignInCancelled.into());
    }
    window.progress(SignInStep::Verifying);
    let account = RememberedAccount {
        id: RememberedAccount::id_for(cloud.name(), &built.sign_in),
        cloud: request.cloud.clone(),
        cloud_name: cloud.name().to_owned(),
        tenant_id: built.credential.tenant_id().to_owned(),
        sign_in: built.sign_in.clone(),
        subscription_filter: None,
    };
    let connected = match verify(&account, built.credential.clone(), transport).await {
        Ok(connected) => connected,
        Err(error) => {
            built.abandon().await;
            return Err(error);
        }
    };
    let secret = built.keep(state, &account).await;
    let skipped_tenants = crate::tenants::skipped_tenants(&connected).await;
    let connected = Arc::new(connected);
    state.edit_accounts(|accounts| accounts.upsert_active(account.clone()));
    lock(&state.sessions).insert(account.id.clone(), connected.clone());
    Ok(NewSignIn {
        connected,
        secret,
        skipped_tenants,
    })
}

/// A secret to keep once the sign-in proved itself.
enum Pending {
    Nothing,
    /// The refresh token is already in the token store (the credential put it there).
    Person(keyblade_azure::Account),
    ClientSecret(String),
    CertificatePassword(String),
}

struct Built {
    credential: KeybladeCredential,
    sign_in: RememberedSignIn,
    secret: Pending,
}

impl Built {
    /// Keeps the secret where the account will find it at the next start.
    async fn keep(&self, state: &AppState, account: &RememberedAccount) -> SecretPlacement {
        let tenant_id = &account.tenant_id;
        match (&self.secret, &account.sign_in) {
            (Pending::Person(person), _) => state.tokens.placement(&person.store_key()).await,
            (Pending::ClientSecret(secret), RememberedSignIn::ClientSecret { client_id }) => {
                state.secrets.keep(tenant_id, client_id, secret)
            }
            (
                Pending::CertificatePassword(password),
                RememberedSignIn::ClientCertificate { client_id, .. },
            ) => state
                .secrets
                .keep_certificate_password(tenant_id, client_id, password),
            _ => SecretPlacement::Keyring,
        }
    }

    /// A sign-in that did not prove itself leaves no refresh token behind.
    async fn abandon(&self) {
        if let Err(error) = self.credential.sign_out().await {
            crate::log_warn!("could not remove an unused sign-in from the keyring: {error}");
        }
    }
}

async fn person(
    state: &AppState,
    client: &SignInClient,
    signed_in: SignedIn,
) -> Result<Built, CommandError> {
    let account = signed_in.account.clone();
    let store: Arc<dyn keyblade_azure::TokenStore> = Arc::new(state.tokens.clone());
    let credential = KeybladeCredential::interactive(client, signed_in, store).await?;
    Ok(Built {
        credential,
        sign_in: RememberedSignIn::Person {
            account: account.clone(),
        },
        secret: Pending::Person(account),
    })
}

/// Proves the credential by listing subscriptions, so a sign-in that cannot reach Resource
/// Manager fails here rather than on the first blade.
async fn verify(
    account: &RememberedAccount,
    credential: KeybladeCredential,
    transport: HttpTransport,
) -> Result<Connected, CommandError> {
    let cloud = credential.cloud().as_ref().clone();
    let tenant_id = credential.tenant_id().to_owned();
    let azure = keyblade_azure::Session::new(credential, transport, LroSettings::default());
    azure.arm.list_subscriptions().await?;
    Ok(Connected {
        azure,
        cloud,
        tenant_id,
        account: account.label(),
        account_id: Some(account.id.clone()),
        is_demo: false,
    })
}

/// Signs in again as a remembered account, from what the keyring holds; never asks the
/// user. A person whose refresh token no longer works fails with
/// `azure.interactionRequired`.
pub async fn reconnect(
    state: &AppState,
    account: &RememberedAccount,
) -> Result<Connected, CommandError> {
    let cloud = Arc::new(connect::load_cloud(&account.cloud, &connect::env_trusted_hosts()).await?);
    let transport = HttpTransport::for_cloud(cloud.clone(), &connect::http_settings())?;
    let tenant_id = account.tenant_id.as_str();
    let credential = match &account.sign_in {
        RememberedSignIn::Person { account: person } => {
            let config = PublicClientConfig::new(cloud.clone())
                .with_tenant(&person.tenant_id)?
                .with_client_id(&person.client_id)?;
            let client = SignInClient::new(config, &transport);
            let store: Arc<dyn keyblade_azure::TokenStore> = Arc::new(state.tokens.clone());
            let credential = KeybladeCredential::remembered(&client, person.clone(), store)?;
            if tenant_id.eq_ignore_ascii_case(&person.tenant_id) {
                credential
            } else {
                credential.for_tenant(tenant_id)?
            }
        }
        RememberedSignIn::AzureCli {
            requested_tenant, ..
        } => {
            KeybladeCredential::azure_cli(
                cloud.clone(),
                AzureCliOptions {
                    tenant_id: requested_tenant.clone(),
                    executor: None,
                },
            )
            .await?
        }
        RememberedSignIn::ClientSecret { client_id } => {
            let secret = state
                .secrets
                .get(tenant_id, client_id)
                .map_err(|reason| missing_secret(account, &format!("cannot read it: {reason}")))?
                .ok_or_else(|| missing_secret(account, "it is no longer in the system keyring"))?;
            KeybladeCredential::client_secret(
                cloud.clone(),
                &transport,
                tenant_id,
                client_id,
                secret,
            )?
        }
        RememberedSignIn::ClientCertificate {
            client_id,
            certificate_file,
            has_password,
        } => {
            let password = if *has_password {
                Some(
                    state
                        .secrets
                        .certificate_password(tenant_id, client_id)
                        .map_err(|reason| {
                            missing_secret(account, &format!("cannot read its password: {reason}"))
                        })?
                        .ok_or_else(|| {
                            missing_secret(
                                account,
                                "its certificate's password is no longer in the system keyring",
                            )
                        })?,
                )
            } else {
                None
            };
            let certificate = read_certificate(certificate_file, password.as_deref())?;
            KeybladeCredential::client_certificate(
                cloud.clone(),
                &transport,
                tenant_id,
                client_id,
                certificate,
            )?
        }
    };
    verify(account, credential, transport).await
}

fn missing_secret(account: &RememberedAccount, why: &str) -> CommandError {
    CommandError::InvalidSignIn {
        what: format!("The sign-in of {}", account.label()),
        reason: format!("{why}. Sign in to Azure again with Add account."),
    }
}

/// Switches to a remembered account: its session from this run if there is one, otherwise
/// a new sign-in from the keyring. The current session stays if that fails.
pub async fn switch_account<R: Runtime>(
    app: &AppHandle<R>,
    account_id: &str,
) -> Result<(), CommandError> {
    let state = app.state::<AppState>();
    switch_account_in(&state, account_id).await?;
    notify(app);
    connect::retire_demo(&state).await;
    Ok(())
}

/// [`switch_account`] without the window.
pub async fn switch_account_in(state: &AppState, account_id: &str) -> Result<(), CommandError> {
    let Some(account) = state.accounts_snapshot().get(account_id).cloned() else {
        return Err(unknown_account());
    };
    let cached = lock(&state.sessions).get(account_id).cloned();
    let connected = match cached {
        Some(connected) => connected,
        None => {
            let connected = Arc::new(reconnect(state, &account).await?);
            lock(&state.sessions).insert(account.id.clone(), connected.clone());
            connected
        }
    };
    state.edit_accounts(|accounts| accounts.active = Some(account.id.clone()));
    state.set_session(Session::SignedIn(connected));
    Ok(())
}

fn unknown_account() -> CommandError {
    CommandError::InvalidSignIn {
        what: "The account".to_owned(),
        reason: "keyblade no longer remembers it (it was signed out). Choose another account, \
                 or sign in with Add account."
            .to_owned(),
    }
}

/// Signs an account out: forgets it and removes its keyring entries. When it was the one
/// in use, keyblade switches to the next remembered account, or the local demo tenant.
/// `None`: the account in use (or, on a sign-in from the environment, that session).
pub async fn sign_out<R: Runtime>(
    app: &AppHandle<R>,
    account_id: Option<String>,
) -> Result<(), CommandError> {
    let state = app.state::<AppState>();
    crate::log_info!(
        "signing out {}",
        account_id.as_deref().unwrap_or("the account in use")
    );
    if sign_out_in(&state, account_id).await? {
        connect::connect_in_background(app, state.accounts_snapshot().active_account().cloned());
    } else {
        notify(app);
    }
    Ok(())
}

/// [`sign_out`] without the window: `true` when the account was the one in use (so the
/// caller connects to the next one).
pub async fn sign_out_in(
    state: &AppState,
    account_id: Option<String>,
) -> Result<bool, CommandError> {
    let active_id = match state.session() {
        Session::SignedIn(connected) => connected.account_id.clone(),
        _ => state.accounts_snapshot().active,
    };
    let id = account_id.or_else(|| active_id.clone());
    let was_active = id.is_none() || id == active_id;
    if let Some(id) = &id {
        let Some(account) = state.edit_accounts(|accounts| accounts.remove(id)) else {
            return Err(unknown_account());
        };
        let cached = lock(&state.sessions).remove(id);
        forget_secrets(state, &account, cached.as_deref()).await;
    }
    Ok(was_active)
}

/// Goes to the local demo tenant, keeping every account remembered (and signed in for
/// this run): the account menu switches back.
pub fn use_demo_tenant<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    state.edit_accounts(|accounts| accounts.active = None);
    connect::connect_in_background(app, None);
}

async fn forget_secrets(
    state: &AppState,
    account: &RememberedAccount,
    session: Option<&Connected>,
) {
    let result = match &account.sign_in {
        RememberedSignIn::Person { account: person } => match session {
            Some(connected) => connected.azure.credential().sign_out().await,
            None => keyblade_azure::signin::sign_out(&state.tokens, person).await,
        }
        .map_err(|error| error.to_string()),
        RememberedSignIn::ClientSecret { client_id } => {
            state.secrets.forget(&account.tenant_id, client_id)
        }
        RememberedSignIn::ClientCertificate { client_id, .. } => state
            .secrets
            .forget_certificate_password(&account.tenant_id, client_id),
        RememberedSignIn::AzureCli { .. } => Ok(()),
    };
    if let Err(reason) = result {
        crate::log_warn!(
            "could not remove the sign-in of {} from the keyring: {reason}",
            account.label()
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Mutex;

    use keyblade_azure::transport::WireRequest;
    use keyblade_sandbox::{AdminApi, RunningSandbox, Sandbox, SandboxConfig};

    use super::*;
    use crate::dto::CloudChoice;
    use crate::secrets::SecretStore;
    use crate::secrets::testing::MapBackend;
    use crate::state::AppPaths;

    /// A sandbox with its admin API (to approve device codes), and a folder with its CA.
    struct Env {
        sandbox: RunningSandbox,
        dir: PathBuf,
        admin: HttpTransport,
    }

    impl Env {
        async fn start(name: &str) -> Env {
            let sandbox = Sandbox::start(SandboxConfig {
                port: 0,
                scenario: "demo".to_owned(),
                admin: AdminApi::Open,
                ..SandboxConfig::default()
            })
            .await
            .unwrap();
            let dir =
                std::env::temp_dir().join(format!("keyblade-signin-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("ca.pem"), sandbox.ca_pem()).unwrap();
            let admin = HttpTransport::without_tokens(
                &[sandbox.ca_pem().to_owned()],
                &connect::http_settings(),
            )
            .unwrap();
            Env {
                sandbox,
                dir,
                admin,
            }
        }

        fn cloud(&self) -> CloudChoice {
            CloudChoice::Custom {
                metadata_url: self.sandbox.metadata_url(),
                ca_file: Some(self.dir.join("ca.pem").display().to_string()),
            }
        }

        /// An app's state over `backend`, remembering accounts in the env's folder, as one
        /// run of the app.
        fn app(&self, backend: &Arc<MapBackend>) -> AppState {
            AppState::new(
                Session::SignedOut {
                    cloud: CloudSettings::azure_cloud(),
                    reason: String::new(),
                },
                SecretStore::new(backend.clone()),
                AppPaths {
                    data_dir: Some(self.dir.join("data")),
                    config_dir: Some(self.dir.join("config")),
                },
            )
        }

        async fn admin_post(&self, path: &str, body: serde_json::Value) -> u16 {
            let response = self
                .admin
                .send(WireRequest {
                    method: http::Method::POST,
                    url: Url::parse(&format!("{}{path}", self.sandbox.admin_url())).unwrap(),
                    headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                    body: serde_json::to_vec(&body).unwrap().into(),
                })
                .await
                .unwrap();
            response.status
        }

        fn request(&self, method: SignInMethodRequest) -> SignInRequest {
            SignInRequest {
                cloud: self.cloud(),
                operation_id: "op-1".to_owned(),
                method,
            }
        }
    }

    impl Drop for Env {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// Plays the window: records what the sign-in showed; as the browser, follows the
    /// sign-in page's redirect back to keyblade's loopback listener with an HTTP client.
    struct TestWindow {
        steps: Mutex<Vec<SignInStep>>,
        device_codes: tokio::sync::mpsc::UnboundedSender<String>,
        browser: Option<HttpTransport>,
    }

    impl TestWindow {
        fn new(
            browser: Option<HttpTransport>,
        ) -> (TestWindow, tokio::sync::mpsc::UnboundedReceiver<String>) {
            let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
            (
                TestWindow {
                    steps: Mutex::default(),
                    device_codes: sender,
                    browser,
                },
                receiver,
            )
        }

        fn steps(&self) -> Vec<SignInStep> {
            self.steps.lock().unwrap().clone()
        }
    }

    fn get(url: Url) -> WireRequest {
        WireRequest {
            method: http::Method::GET,
            url,
            headers: Vec::new(),
            body: Default::default(),
        }
    }

    #[async_trait::async_trait]
    impl SignInWindow for TestWindow {
        fn progress(&self, step: SignInStep) {
            if let SignInStep::DeviceCode { user_code, .. } = &step {
                let _ = self.device_codes.send(user_code.clone());
            }
            self.steps.lock().unwrap().push(step);
        }

        fn open_browser(&self, url: &Url) -> Result<(), String> {
            let Some(http) = self.browser.clone() else {
                return Err("no browser is installed".to_owned());
            };
            let url = url.clone();
            tokio::spawn(async move {
                let page = http.send(get(url)).await.unwrap();
                assert_eq!(page.status, 302, "the sign-in page sends the browser back");
                let back = Url::parse(page.header("location").unwrap()).unwrap();
                let done = http.send(get(back)).await.unwrap();
                assert_eq!(done.status, 200);
            });
            Ok(())
        }
    }

    fn device_code() -> SignInMethodRequest {
        SignInMethodRequest::DeviceCode {
            tenant: None,
            client_id: None,
        }
    }

    /// Approves the first device code the window shows, through the sandbox's admin API.
    async fn approve_when_shown(
        env: &Env,
        mut codes: tokio::sync::mpsc::UnboundedReceiver<String>,
    ) -> u16 {
        let code = codes.recv().await.unwrap();
        env.admin_post(
            "/devicecode/approve",
            serde_json::json!({ "userCode": code }),
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_device_code_sign_in_is_remembered_and_signs_in_again_from_the_keyring() {
        let env = Env::start("device").await;
        let backend = Arc::new(MapBackend::default());
        let app = env.app(&backend);
        let (window, codes) = TestWindow::new(None);
        let request = env.request(device_code());
        let (signed_in, approved) = tokio::join!(
            sign_in_with(&app, &window, &request),
            approve_when_shown(&env, codes)
        );
        assert_eq!(approved, 200);
        let new = signed_in.unwrap();
        assert_eq!(new.secret, SecretPlacement::Keyring);
        assert_eq!(new.connected.account, keyblade_sandbox::DEMO.user_name);
        assert!(matches!(window.steps().last(), Some(SignInStep::Verifying)));
        let Session::SignedIn(session) = app.session() else {
            panic!("signed in");
        };
        assert_eq!(session.account_id, new.connected.account_id);

        // The refresh token is in the keyring, one entry for the account and cloud; the
        // accounts file names the account and holds no token.
        let entries: Vec<String> = backend.entries.lock().unwrap().keys().cloned().collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert!(entries[0].starts_with("token/"), "{entries:?}");
        let file = std::fs::read_to_string(env.dir.join("config/accounts.json")).unwrap();
        let token = backend
            .entries
            .lock()
            .unwrap()
            .values()
            .next()
            .cloned()
            .unwrap();
        assert!(!file.contains(&token), "no refresh token in the file");
        assert!(file.contains("deviceCode"), "{file}");

        // The next run signs in from the keyring alone.
        let next_run = env.app(&backend);
        *lock(&next_run.accounts) = crate::accounts::AccountsFile::load(&env.dir.join("config"));
        let account = next_run
            .accounts_snapshot()
            .active_account()
            .cloned()
            .unwrap();
        let again = reconnect(&next_run, &account).await.unwrap();
        assert_eq!(again.account, keyblade_sandbox::DEMO.user_name);
        assert!(
            !again
                .azure
                .arm
                .list_subscriptions()
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_a_keyring_the_sign_in_lasts_this_run_only_and_says_so() {
        let env = Env::start("nokeyring").await;
        let backend = Arc::new(MapBackend {
            unavailable: true,
            ..MapBackend::default()
        });
        let app = env.app(&backend);
        let (window, codes) = TestWindow::new(None);
        let request = env.request(device_code());
        let (signed_in, _) = tokio::join!(
            sign_in_with(&app, &window, &request),
            approve_when_shown(&env, codes)
        );
        let SecretPlacement::MemoryOnly { reason } = signed_in.unwrap().secret else {
            panic!("memory only");
        };
        assert!(reason.contains("for this run only"), "{reason}");
        assert!(reason.contains("no system keyring"), "{reason}");
        // Nothing on disk holds it; a new run has to sign in again.
        let next_run = env.app(&backend);
        *lock(&next_run.accounts) = crate::accounts::AccountsFile::load(&env.dir.join("config"));
        let account = next_run
            .accounts_snapshot()
            .active_account()
            .cloned()
            .unwrap();
        let error = match reconnect(&next_run, &account).await {
            Ok(_) => panic!("the token did not outlive the run"),
            Err(error) => error,
        };
        assert_eq!(error.code(), "azure.tokenStore", "{error}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_browser_sign_in_comes_back_through_the_loopback_redirect() {
        let env = Env::start("browser").await;
        let backend = Arc::new(MapBackend::default());
        let app = env.app(&backend);
        let (window, _) = TestWindow::new(Some(env.admin.clone()));
        let request = env.request(SignInMethodRequest::Browser {
            tenant: None,
            client_id: None,
        });
        let new = sign_in_with(&app, &window, &request).await.unwrap();
        assert_eq!(new.connected.account, keyblade_sandbox::DEMO.user_name);
        assert!(matches!(
            window.steps().first(),
            Some(SignInStep::BrowserOpened { url }) if url.contains("code_challenge=")
        ));
        let summary = &app.accounts_snapshot().summaries()[0];
        assert_eq!(summary.method, crate::dto::AccountMethod::Browser);
        assert!(summary.active);
    }

    /// No browser: the window shows the URL to open by hand, and the sign-in waits for it
    /// until cancelled, which changes nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_a_browser_the_url_is_shown_and_cancel_changes_nothing() {
        let env = Env::start("nobrowser").await;
        let backend = Arc::new(MapBackend::default());
        let app = env.app(&backend);
        let (window, _) = TestWindow::new(None);
        let request = env.request(SignInMethodRequest::Browser {
            tenant: None,
            client_id: None,
        });
        let cancel_soon = async {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                if !window.steps().is_empty() && app.sign_ins.cancel("op-1") {
                    break;
                }
            }
        };
        let (outcome, ()) = tokio::join!(sign_in_with(&app, &window, &request), cancel_soon);
        let error = outcome.err().unwrap();
        assert_eq!(error.code(), "azure.signInCancelled", "{error}");
        assert!(matches!(
            window.steps().first(),
            Some(SignInStep::BrowserNotOpened { reason, .. }) if reason.contains("Open this address")
        ));
        assert!(app.accounts_snapshot().accounts.is_empty());
        assert!(backend.entries.lock().unwrap().is_empty());
        assert!(matches!(app.session(), Session::SignedOut { .. }));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wrong_client_secret_changes_nothing() {
        let env = Env::start("wrongsecret").await;
        let backend = Arc::new(MapBackend::default());
        let app = env.app(&backend);
        let (window, _) = TestWindow::new(None);
        let request = env.request(SignInMethodRequest::ClientSecret {
            tenant_id: keyblade_sandbox::DEMO.tenant_id.to_owned(),
            client_id: keyblade_sandbox::DEMO.client_id.to_owned(),
            client_secret: "not-the-secret".to_owned(),
        });
        let error = sign_in_with(&app, &window, &request).await.err().unwrap();
        assert!(error.code().starts_with("azure."), "{}", error.code());
        assert!(app.accounts_snapshot().accounts.is_empty());
        assert!(backend.entries.lock().unwrap().is_empty());
        assert!(!env.dir.join("config/accounts.json").exists());

        let good = env.request(SignInMethodRequest::ClientSecret {
            tenant_id: keyblade_sandbox::DEMO.tenant_id.to_owned(),
            client_id: keyblade_sandbox::DEMO.client_id.to_owned(),
            client_secret: keyblade_sandbox::DEMO.client_secret.to_owned(),
        });
        let new = sign_in_with(&app, &window, &good).await.unwrap();
        assert_eq!(new.secret, SecretPlacement::Keyring);
        assert_eq!(backend.entries.lock().unwrap().len(), 1);
    }

    /// Empty fields are refused before anything is sent.
    #[tokio::test]
    async fn empty_fields_are_refused_before_anything_is_sent() {
        let backend = Arc::new(MapBackend::default());
        let app = AppState::new(
            Session::SignedOut {
                cloud: CloudSettings::azure_cloud(),
                reason: String::new(),
            },
            SecretStore::new(backend),
            AppPaths::default(),
        );
        let (window, _) = TestWindow::new(None);
        let request = SignInRequest {
            // Nothing listens here: a request sent would fail differently.
            cloud: CloudChoice::Custom {
                metadata_url: "https://127.0.0.1:9/metadata/endpoints".to_owned(),
                ca_file: None,
            },
            operation_id: "op".to_owned(),
            method: SignInMethodRequest::ClientCertificate {
                tenant_id: "t".to_owned(),
                client_id: " ".to_owned(),
                certificate_file: "/tmp/x.pem".to_owned(),
                password: None,
            },
        };
        let error = sign_in_with(&app, &window, &request).await.err().unwrap();
        assert_eq!(error.code(), "session.invalidSignIn");
        assert!(
            error.to_string().starts_with("The client ID: it is empty"),
            "{error}"
        );
    }

    #[test]
    fn a_certificate_file_must_be_a_small_regular_file() {
        let error = match read_certificate("/dev/zero", None) {
            Ok(_) => panic!("a device is refused"),
            Err(error) => error,
        };
        assert!(error.to_string().contains("not a regular file"), "{error}");
        let error = match read_certificate("/nonexistent/app.pem", None) {
            Ok(_) => panic!("a missing file is refused"),
            Err(error) => error,
        };
        assert!(error.to_string().contains("cannot read it"), "{error}");
    }

    async fn admin_put(env: &Env, path: &str, body: serde_json::Value) -> u16 {
        env.admin
            .send(WireRequest {
                method: http::Method::PUT,
                url: Url::parse(&format!("{}{path}", env.sandbox.admin_url())).unwrap(),
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body: serde_json::to_vec(&body).unwrap().into(),
            })
            .await
            .unwrap()
            .status
    }

    async fn sign_in_person(env: &Env, app: &AppState, tenant: Option<&str>) -> NewSignIn {
        let (window, codes) = TestWindow::new(None);
        let request = env.request(SignInMethodRequest::DeviceCode {
            tenant: tenant.map(str::to_owned),
            client_id: None,
        });
        let (signed_in, approved) = tokio::join!(
            sign_in_with(app, &window, &request),
            approve_when_shown(env, codes)
        );
        assert_eq!(approved, 200);
        signed_in.unwrap()
    }

    /// A person and a service principal side by side: switching is instant (this run's
    /// sessions), signing one out removes its keyring entries and leaves the other.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn accounts_side_by_side_switch_and_sign_out_one_at_a_time() {
        let env = Env::start("accounts").await;
        let backend = Arc::new(MapBackend::default());
        let app = env.app(&backend);
        let person = sign_in_person(&env, &app, None).await;
        let (window, _) = TestWindow::new(None);
        let principal = sign_in_with(
            &app,
            &window,
            &env.request(SignInMethodRequest::ClientSecret {
                tenant_id: keyblade_sandbox::DEMO.tenant_id.to_owned(),
                client_id: keyblade_sandbox::DEMO.client_id.to_owned(),
                client_secret: keyblade_sandbox::DEMO.client_secret.to_owned(),
            }),
        )
        .await
        .unwrap();
        let summaries = app.accounts_snapshot().summaries();
        assert_eq!(summaries.len(), 2);
        assert!(summaries[1].active, "the newest sign-in is in use");
        assert_eq!(backend.entries.lock().unwrap().len(), 2, "token and secret");

        let person_id = person.connected.account_id.clone().unwrap();
        switch_account_in(&app, &person_id).await.unwrap();
        let Session::SignedIn(now) = app.session() else {
            panic!("signed in");
        };
        assert_eq!(now.account, keyblade_sandbox::DEMO.user_name);
        assert!(
            Arc::ptr_eq(&now, &person.connected),
            "the run's session, reused"
        );

        // Signing out the service principal (not in use) keeps the person in use.
        let principal_id = principal.connected.account_id.clone().unwrap();
        assert!(!sign_out_in(&app, Some(principal_id)).await.unwrap());
        let entries: Vec<String> = backend.entries.lock().unwrap().keys().cloned().collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert!(entries[0].starts_with("token/"));
        // Signing out the person in use removes its refresh token too.
        assert!(sign_out_in(&app, None).await.unwrap());
        assert!(backend.entries.lock().unwrap().is_empty());
        assert!(app.accounts_snapshot().accounts.is_empty());
        let file = crate::accounts::AccountsFile::load(&env.dir.join("config"));
        assert!(file.accounts.is_empty() && file.active.is_none());
    }

    /// The guest tenant that needs MFA is reported as skipped, not fatal; the switcher
    /// says it needs sign-in, switching to it asks for interaction, and signing in to it
    /// interactively works. Without MFA, switching uses the same refresh token.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_tenant_that_needs_mfa_is_skipped_and_can_be_signed_in_to() {
        use keyblade_sandbox::directory::OTHER_TENANT_ID;
        let env = Env::start("tenants").await;
        let backend = Arc::new(MapBackend::default());
        let app = env.app(&backend);

        let first = sign_in_person(&env, &app, None).await;
        assert!(first.skipped_tenants.is_empty());
        crate::tenants::switch_tenant_in(&app, OTHER_TENANT_ID)
            .await
            .unwrap();
        let Session::SignedIn(now) = app.session() else {
            panic!("signed in");
        };
        assert_eq!(now.tenant_id, OTHER_TENANT_ID);
        assert_eq!(
            app.accounts_snapshot().active_account().unwrap().tenant_id,
            OTHER_TENANT_ID,
            "the tenant is remembered for the next start"
        );
        crate::tenants::switch_tenant_in(&app, keyblade_sandbox::DEMO.tenant_id)
            .await
            .unwrap();

        assert_eq!(
            admin_put(
                &env,
                "/signin/mfa",
                serde_json::json!({"tenantId": OTHER_TENANT_ID, "required": true})
            )
            .await,
            200
        );
        let again = sign_in_person(&env, &app, None).await;
        let skipped: Vec<&str> = again
            .skipped_tenants
            .iter()
            .map(|t| t.tenant_id.as_str())
            .collect();
        assert_eq!(skipped, [OTHER_TENANT_ID]);
        let Session::SignedIn(connected) = app.session() else {
            panic!("signed in");
        };
        let tenants = crate::tenants::list_tenants(&connected).await.unwrap();
        assert!(tenants[0].current, "the tenant in use comes first");
        let other = tenants
            .iter()
            .find(|t| t.tenant_id == OTHER_TENANT_ID)
            .unwrap();
        assert!(
            matches!(
                &other.access,
                crate::dto::TenantAccessStatus::NeedsInteraction { .. }
            ),
            "{other:?}"
        );
        let error = crate::tenants::switch_tenant_in(&app, OTHER_TENANT_ID)
            .await
            .err()
            .unwrap();
        assert_eq!(error.code(), "azure.interactionRequired", "{error}");

        // Signing in to that tenant interactively satisfies its MFA.
        let in_other = sign_in_person(&env, &app, Some(OTHER_TENANT_ID)).await;
        assert_eq!(in_other.connected.tenant_id, OTHER_TENANT_ID);
    }
}
