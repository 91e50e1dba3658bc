//! Signing in as a person against the in-process sandbox: the browser flow (PKCE, the
//! loopback redirect, `state`), the device-code flow (pending, `slow_down`, approval,
//! decline, expiry, cancel), the refresh-token credential (rotation, skew, expiry,
//! revocation, MFA, sign-out), the Azure CLI's sign-in, and a service principal's
//! certificate, each ending in real Resource Manager and Key Vault calls.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use common::{Fixture, http_settings, lro_settings};
use keyblade_azure::signin::claims::AccountClaims;
use keyblade_azure::signin::{InteractiveMethod, RefreshSettings};
use keyblade_azure::transport::WireRequest;
use keyblade_azure::{
    AzureCliOptions, AzureError, BrowserSignInSettings, CancelSignIn, HttpTransport,
    KeybladeCredential, MemoryTokenStore, Opener, PublicClientConfig, RefreshingCredential,
    Session, SignInClient, SignInMethod, SignedIn, TokenStore,
};
use keyblade_sandbox::directory::{
    DEMO_TENANT_ID, DEMO_USER_NAME, DEMO_USER_OBJECT_ID, OTHER_TENANT_ID,
};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use url::Url;

const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const CMK_VAULT: &str = "kv-contoso-prod-cmk";

struct Env {
    fixture: Fixture,
    transport: HttpTransport,
    client: SignInClient,
}

impl Env {
    async fn start() -> Env {
        let fixture = Fixture::start().await;
        let cloud = Arc::new(fixture.cloud.clone());
        let transport =
            HttpTransport::for_cloud(cloud.clone(), &http_settings()).expect("transport builds");
        let client = SignInClient::new(PublicClientConfig::new(cloud), &transport);
        Env {
            fixture,
            transport,
            client,
        }
    }

    fn cloud(&self) -> Arc<keyblade_azure::CloudSettings> {
        Arc::new(self.fixture.cloud.clone())
    }

    /// A client of the sandbox's own, as a browser or a test's admin tool would be: it
    /// trusts the sandbox's CA and sends no tokens.
    fn plain_http(&self) -> HttpTransport {
        HttpTransport::without_tokens(
            &[self.fixture.sandbox.ca_pem().to_owned()],
            &http_settings(),
        )
        .expect("transport builds")
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let url = Url::parse(&format!("{}{path}", self.fixture.sandbox.admin_url()))
            .expect("admin URL is a URL");
        let response = self
            .plain_http()
            .send(WireRequest {
                method,
                url,
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body: Bytes::from(body.to_string()),
            })
            .await
            .expect("the admin API answers");
        (
            response.status,
            serde_json::from_slice(&response.body).unwrap_or(Value::Null),
        )
    }

    fn session(&self, credential: KeybladeCredential) -> Session {
        Session::new(credential, self.transport.clone(), lro_settings())
    }

    fn vault_scope(&self) -> String {
        format!(
            "https://vault.localhost:{}/.default",
            self.fixture.sandbox.port()
        )
    }

    /// The demo user, signed in with a device code approved in the sandbox's world.
    async fn signed_in(&self) -> SignedIn {
        let flow = self.client.start_device_code().await.expect("device code");
        let code = flow.challenge().user_code.clone();
        self.fixture.sandbox.with_world(|world| {
            keyblade_sandbox::oracle::approve_device_code(world, &code, None).expect("approved")
        });
        flow.finish_with_pause(&CancelSignIn::new(), instant)
            .await
            .expect("signed in")
    }

    /// Every refresh token the sandbox issued, changed by `change`.
    fn change_refresh_tokens(&self, change: impl Fn(&mut keyblade_sandbox::oracle::RefreshToken)) {
        self.fixture
            .sandbox
            .with_world(|world| world.directory.refresh_tokens.iter_mut().for_each(change));
    }
}

async fn instant(_: Duration) {}

/// Proves a credential works: subscriptions from Resource Manager, keys from Key Vault.
async fn assert_reaches_arm_and_key_vault(env: &Env, credential: KeybladeCredential) {
    let session = env.session(credential);
    let subscriptions = session
        .arm
        .list_subscriptions()
        .await
        .expect("subscriptions");
    assert!(
        !subscriptions.is_empty(),
        "the demo user sees subscriptions"
    );
    let keys = session
        .keyvault
        .list_keys(&env.fixture.vault_url(CMK_VAULT))
        .await
        .expect("keys of the CMK vault");
    assert!(!keys.is_empty(), "the demo user may list the vault's keys");
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn with_query(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(key, old)| {
            let new = if key == name { value.to_owned() } else { old };
            (key, new)
        })
        .collect();
    let mut changed = url.clone();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    changed
}

// ---------------------------------------------------------------------------------------
// Browser

type Tamper = fn(Url) -> Url;

/// Plays the system browser: follows the sandbox's authorize endpoint (which signs in the
/// demo user without a page) to the loopback redirect and reads keyblade's answer page.
/// `authorize` and `redirect` let a test tamper with either leg, as an attacker could.
struct ScriptedBrowser {
    http: HttpTransport,
    authorize: Tamper,
    redirect: Tamper,
    opened: Mutex<Option<Url>>,
    visit: Mutex<Option<JoinHandle<(u16, String)>>>,
}

impl ScriptedBrowser {
    fn new(env: &Env) -> ScriptedBrowser {
        ScriptedBrowser::tampering(env, |url| url, |url| url)
    }

    fn tampering(env: &Env, authorize: Tamper, redirect: Tamper) -> ScriptedBrowser {
        ScriptedBrowser {
            http: env.plain_http(),
            authorize,
            redirect,
            opened: Mutex::new(None),
            visit: Mutex::new(None),
        }
    }

    fn opened(&self) -> Url {
        self.opened
            .lock()
            .expect("no panic")
            .clone()
            .expect("the browser was opened")
    }

    /// The status and HTML keyblade answered the redirect with.
    async fn page(&self) -> (u16, String) {
        let visit = self.visit.lock().expect("no panic").take();
        visit.expect("visited").await.expect("the visit ran")
    }
}

fn get(url: Url) -> WireRequest {
    WireRequest {
        method: reqwest::Method::GET,
        url,
        headers: Vec::new(),
        body: Bytes::new(),
    }
}

#[async_trait::async_trait]
impl Opener for ScriptedBrowser {
    async fn open(&self, url: &Url) -> Result<(), String> {
        *self.opened.lock().expect("no panic") = Some(url.clone());
        let (http, authorize, redirect) = (self.http.clone(), self.authorize, self.redirect);
        let url = url.clone();
        // A browser opens in the background: `open` returns at once.
        let visit = tokio::spawn(async move {
            let sign_in = http
                .send(get(authorize(url)))
                .await
                .expect("authorize answers");
            assert_eq!(sign_in.status, 302, "authorize redirects back");
            let location = sign_in.header("location").expect("a Location").to_owned();
            let back = redirect(Url::parse(&location).expect("Location is a URL"));
            assert_eq!(back.host_str(), Some("localhost"), "{back}");
            let page = http.send(get(back)).await.expect("keyblade answers");
            (
                page.status,
                String::from_utf8_lossy(&page.body).into_owned(),
            )
        });
        *self.visit.lock().expect("no panic") = Some(visit);
        Ok(())
    }
}

#[tokio::test]
async fn browser_sign_in_with_pkce_reaches_resource_manager_and_key_vault() {
    let env = Env::start().await;
    let browser = ScriptedBrowser::new(&env);
    let signed_in = env
        .client
        .sign_in_with_browser(
            &browser,
            &BrowserSignInSettings::default(),
            &CancelSignIn::new(),
        )
        .await
        .expect("signed in");

    // What keyblade asked Entra ID for.
    let authorize = browser.opened();
    assert_eq!(
        authorize.path(),
        "/organizations/oauth2/v2.0/authorize",
        "{authorize}"
    );
    assert_eq!(query(&authorize, "client_id").as_deref(), Some(AZURE_CLI));
    assert_eq!(query(&authorize, "response_type").as_deref(), Some("code"));
    assert_eq!(
        query(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let challenge = query(&authorize, "code_challenge").expect("a PKCE challenge");
    assert_eq!(challenge.len(), 43, "base64url SHA-256: {challenge}");
    assert!(query(&authorize, "state").is_some_and(|state| state.len() >= 16));
    let redirect = Url::parse(&query(&authorize, "redirect_uri").expect("redirect_uri"))
        .expect("redirect is a URL");
    assert_eq!(redirect.scheme(), "http");
    assert_eq!(redirect.host_str(), Some("localhost"));
    assert!(redirect.port().is_some_and(|port| port > 0));
    let scopes = query(&authorize, "scope").expect("scope");
    assert!(
        scopes.contains("/.default") && scopes.contains("offline_access"),
        "{scopes}"
    );

    let (status, page) = browser.page().await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(
            "You are signed in to keyblade. You can close this tab and go back to keyblade."
        ),
        "{page}"
    );

    assert_eq!(signed_in.account.username, DEMO_USER_NAME);
    assert_eq!(signed_in.account.tenant_id, DEMO_TENANT_ID);
    assert_eq!(signed_in.account.object_id, DEMO_USER_OBJECT_ID);
    assert_eq!(signed_in.account.display_name.as_deref(), Some("Demo User"));
    assert_eq!(signed_in.account.method, InteractiveMethod::Browser);
    let printed = format!("{signed_in:?}");
    assert!(printed.contains(DEMO_USER_NAME), "{printed}");

    let store = Arc::new(MemoryTokenStore::new());
    let account = signed_in.account.clone();
    let credential = KeybladeCredential::interactive(&env.client, signed_in, store.clone())
        .await
        .expect("credential");
    assert_eq!(
        credential.method(),
        &SignInMethod::Browser {
            tenant_id: DEMO_TENANT_ID.to_owned(),
            account: DEMO_USER_NAME.to_owned(),
        }
    );
    assert_eq!(credential.tenant_id(), DEMO_TENANT_ID);
    assert_eq!(store.keys(), vec![account.store_key()]);
    let stored = store
        .get(&account.store_key())
        .await
        .expect("store works")
        .expect("refresh token stored");
    assert!(!format!("{credential:?} {store:?}").contains(stored.secret()));
    assert_reaches_arm_and_key_vault(&env, credential.clone()).await;

    // Sign-out: the store entry goes, and nothing works without a new sign-in.
    credential.sign_out().await.expect("signed out");
    assert!(store.keys().is_empty());
    let error = env
        .session(credential)
        .arm
        .list_subscriptions()
        .await
        .expect_err("signed out");
    assert_eq!(error.code(), "azure.interactionRequired", "{error}");
    assert!(error.to_string().contains(DEMO_USER_NAME), "{error}");
}

#[tokio::test]
async fn a_state_that_does_not_match_is_refused_and_its_code_never_redeemed() {
    let env = Env::start().await;
    let browser = ScriptedBrowser::tampering(
        &env,
        |url| url,
        |url| with_query(&url, "state", "attacker-chosen-state"),
    );
    let error = env
        .client
        .sign_in_with_browser(
            &browser,
            &BrowserSignInSettings::default(),
            &CancelSignIn::new(),
        )
        .await
        .expect_err("refused");
    assert_eq!(error, AzureError::StateMismatch);
    assert_eq!(error.code(), "azure.signInStateMismatch");
    let (status, page) = browser.page().await;
    assert_eq!(status, 400);
    assert!(
        page.contains("Sign-in failed") && page.contains("did not match"),
        "{page}"
    );
    let redeemed = env.fixture.sandbox.with_world(|world| {
        world
            .directory
            .auth_codes
            .iter()
            .map(|code| code.redeemed)
            .collect::<Vec<_>>()
    });
    assert_eq!(
        redeemed,
        vec![false],
        "the code was issued and never redeemed"
    );
}

#[tokio::test]
async fn a_code_for_another_pkce_challenge_is_refused_by_entra() {
    let env = Env::start().await;
    // The authorize request's challenge is swapped for one whose verifier keyblade does not
    // have (an injected code): the sandbox checks keyblade's verifier against it.
    let browser = ScriptedBrowser::tampering(
        &env,
        |url| {
            let other = URL_SAFE_NO_PAD.encode(ring::digest::digest(
                &ring::digest::SHA256,
                b"a-verifier-keyblade-never-saw-0123456789-abcdefgh",
            ));
            with_query(&url, "code_challenge", &other)
        },
        |url| url,
    );
    let error = env
        .client
        .sign_in_with_browser(
            &browser,
            &BrowserSignInSettings::default(),
            &CancelSignIn::new(),
        )
        .await
        .expect_err("refused");
    match &error {
        AzureError::SignInRefused { error, aadsts, .. } => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(*aadsts, Some(501_481));
        }
        other => panic!("expected the sandbox's PKCE refusal, got {other:?}"),
    }
    let (status, page) = browser.page().await;
    assert_eq!(status, 400);
    assert!(page.contains("AADSTS501481"), "{page}");
}

struct Unopenable;

#[async_trait::async_trait]
impl Opener for Unopenable {
    async fn open(&self, _: &Url) -> Result<(), String> {
        Err("no browser is installed".to_owned())
    }
}

struct Ignored;

#[async_trait::async_trait]
impl Opener for Ignored {
    async fn open(&self, _: &Url) -> Result<(), String> {
        Ok(())
    }
}

#[tokio::test]
async fn a_browser_sign_in_ends_on_cancel_timeout_or_no_browser() {
    let env = Env::start().await;
    let cancel = CancelSignIn::new();
    let cancelling = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            cancel.cancel();
        }
    });
    let error = env
        .client
        .sign_in_with_browser(&Ignored, &BrowserSignInSettings::default(), &cancel)
        .await
        .expect_err("cancelled");
    assert_eq!(error, AzureError::SignInCancelled);
    cancelling.await.expect("ran");

    let quick = BrowserSignInSettings {
        timeout: Duration::from_millis(200),
        ..BrowserSignInSettings::default()
    };
    let error = env
        .client
        .sign_in_with_browser(&Ignored, &quick, &CancelSignIn::new())
        .await
        .expect_err("timed out");
    assert_eq!(error.code(), "azure.signInExpired");
    assert!(error.to_string().contains("in the browser"), "{error}");

    let error = env
        .client
        .sign_in_with_browser(
            &Unopenable,
            &BrowserSignInSettings::default(),
            &CancelSignIn::new(),
        )
        .await
        .expect_err("no browser");
    assert_eq!(error.code(), "azure.browserNotOpened");
    assert!(
        error.to_string().contains("no browser is installed"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------
// Device code

#[tokio::test]
async fn device_code_waits_slows_down_when_told_and_signs_in_once_approved() {
    let env = Env::start().await;
    let flow = env.client.start_device_code().await.expect("device code");
    let challenge = flow.challenge().clone();
    assert_eq!(
        challenge.verification_uri.as_str(),
        format!(
            "https://localhost:{}/devicelogin",
            env.fixture.sandbox.port()
        )
    );
    assert_eq!(challenge.interval, Duration::from_secs(5));
    assert!(challenge.message.contains(&challenge.user_code));
    let lifetime = challenge.expires_at - time::OffsetDateTime::now_utc();
    assert!(
        lifetime > time::Duration::minutes(14) && lifetime <= time::Duration::minutes(15),
        "{lifetime}"
    );
    assert!(!format!("{flow:?}").contains("device_code\":"));

    // Pauses take no time, so the second poll comes too soon: the sandbox says `slow_down`
    // (RFC 8628 section 3.5), and keyblade waits 5 s longer from then on. The user approves
    // (through the admin API) during that longer wait.
    let pauses = Arc::new(Mutex::new(Vec::new()));
    let admin = env.plain_http();
    let approve_url = Url::parse(&format!(
        "{}/devicecode/approve",
        env.fixture.sandbox.admin_url()
    ))
    .expect("URL");
    let pause = {
        let pauses = pauses.clone();
        let user_code = challenge.user_code.clone();
        move |wait: Duration| {
            let (pauses, admin, url, user_code) = (
                pauses.clone(),
                admin.clone(),
                approve_url.clone(),
                user_code.clone(),
            );
            async move {
                let count = {
                    let mut pauses = pauses.lock().expect("no panic");
                    pauses.push(wait);
                    pauses.len()
                };
                if count == 2 {
                    let approved = admin
                        .send(WireRequest {
                            method: reqwest::Method::POST,
                            url,
                            headers: vec![(
                                "content-type".to_owned(),
                                "application/json".to_owned(),
                            )],
                            body: Bytes::from(json!({ "userCode": user_code }).to_string()),
                        })
                        .await
                        .expect("admin answers");
                    assert_eq!(approved.status, 200);
                }
            }
        }
    };
    let signed_in = flow
        .finish_with_pause(&CancelSignIn::new(), pause)
        .await
        .expect("signed in");
    assert_eq!(
        *pauses.lock().expect("no panic"),
        vec![Duration::from_secs(5), Duration::from_secs(10)],
        "pending keeps the interval; slow_down adds 5 s"
    );
    assert_eq!(signed_in.account.username, DEMO_USER_NAME);
    assert_eq!(signed_in.account.method, InteractiveMethod::DeviceCode);

    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let credential = KeybladeCredential::interactive(&env.client, signed_in, store)
        .await
        .expect("credential");
    assert!(
        matches!(credential.method(), SignInMethod::DeviceCode { account, .. } if account == DEMO_USER_NAME)
    );
    assert_reaches_arm_and_key_vault(&env, credential).await;
}

#[tokio::test]
async fn a_declined_device_code_ends_as_declined() {
    let env = Env::start().await;
    let flow = env.client.start_device_code().await.expect("device code");
    let (status, body) = env
        .admin(
            reqwest::Method::POST,
            "/devicecode/decline",
            json!({ "userCode": flow.challenge().user_code }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let error = flow
        .finish_with_pause(&CancelSignIn::new(), instant)
        .await
        .expect_err("declined");
    assert_eq!(error.code(), "azure.signInDeclined", "{error}");
    assert!(error.to_string().contains("declined"), "{error}");
}

#[tokio::test]
async fn an_expired_device_code_ends_as_expired() {
    let env = Env::start().await;
    let flow = env.client.start_device_code().await.expect("device code");
    let user_code = flow.challenge().user_code.clone();
    // The code's fifteen minutes pass at the sandbox.
    env.fixture.sandbox.with_world(|world| {
        for code in &mut world.directory.device_codes {
            if code.user_code == user_code {
                code.expires_at = keyblade_sandbox::oracle::wall_clock_unix() - 1;
            }
        }
    });
    let error = flow
        .finish_with_pause(&CancelSignIn::new(), instant)
        .await
        .expect_err("expired");
    assert_eq!(
        error,
        AzureError::SignInExpired {
            what: "code".to_owned(),
            minutes: 15
        }
    );
    assert!(error.to_string().contains("15 min"), "{error}");
}

#[tokio::test]
async fn a_device_code_sign_in_can_be_cancelled_while_it_waits() {
    let env = Env::start().await;
    let flow = env.client.start_device_code().await.expect("device code");
    let cancel = CancelSignIn::new();
    let pause = {
        let cancel = cancel.clone();
        move |_: Duration| {
            let cancel = cancel.clone();
            async move {
                cancel.cancel();
                std::future::pending::<()>().await;
            }
        }
    };
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        flow.finish_with_pause(&cancel, pause),
    )
    .await
    .expect("cancel ends it at once")
    .expect_err("cancelled");
    assert_eq!(error, AzureError::SignInCancelled);
    assert_eq!(error.code(), "azure.signInCancelled");
}

// ---------------------------------------------------------------------------------------
// Refresh tokens

#[tokio::test]
async fn tokens_come_from_the_refresh_token_which_is_stored_back_when_rotated() {
    let env = Env::start().await;
    let signed_in = env.signed_in().await;
    let account = signed_in.account.clone();
    let store = Arc::new(MemoryTokenStore::new());
    let credential = RefreshingCredential::signed_in(
        env.client.clone(),
        signed_in,
        store.clone(),
        RefreshSettings::default(),
    )
    .await
    .expect("credential");
    let stored = || async {
        store
            .get(&account.store_key())
            .await
            .expect("store works")
            .expect("stored")
    };
    let first = stored().await;

    // Resource Manager: the sign-in's own token, nothing sent.
    let arm_scope = env.fixture.cloud.arm_scope();
    let arm = credential.token(&[&arm_scope]).await.expect("ARM token");
    assert_eq!(stored().await, first, "no refresh for a token in hand");
    assert_eq!(claims(arm.token.secret())["oid"], DEMO_USER_OBJECT_ID);

    // Key Vault: a token for the vault's audience, from the refresh token, which the
    // sandbox (like Entra ID) rotates; the new one is kept.
    let vault_scope = env.vault_scope();
    let vault = credential
        .token(&[&vault_scope])
        .await
        .expect("vault token");
    assert_eq!(
        claims(vault.token.secret())["aud"],
        format!("https://vault.localhost:{}", env.fixture.sandbox.port())
    );
    let second = stored().await;
    assert_ne!(second, first, "the rotated refresh token is stored");
    let again = credential.token(&[&vault_scope]).await.expect("cached");
    assert_eq!(again.token, vault.token, "a fresh token is reused");

    // A token within the skew of its expiry is renewed: with a skew longer than a token's
    // life (3599 s), every request renews.
    let eager = RefreshingCredential::new(
        env.client.clone(),
        account.clone(),
        store.clone(),
        RefreshSettings {
            skew: Duration::from_secs(2 * 3600),
        },
    )
    .expect("credential");
    let one = eager.token(&[&arm_scope]).await.expect("token");
    let two = eager.token(&[&arm_scope]).await.expect("token");
    assert_ne!(one.token, two.token, "renewed, not reused");
    assert_ne!(
        stored().await,
        second,
        "each renewal stores the rotated refresh token"
    );

    // A later run, from the store alone.
    let remembered = KeybladeCredential::remembered(&env.client, account.clone(), store.clone())
        .expect("remembered");
    assert_eq!(remembered.account(), Some(&account));
    assert_reaches_arm_and_key_vault(&env, remembered).await;
}

#[tokio::test]
async fn a_refresh_token_that_stops_working_asks_for_the_person_again() {
    let env = Env::start().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let vault_scope = env.vault_scope();
    let fresh_credential = |store: Arc<dyn TokenStore>| async {
        let signed_in = env.signed_in().await;
        RefreshingCredential::signed_in(
            env.client.clone(),
            signed_in,
            store,
            RefreshSettings::default(),
        )
        .await
        .expect("credential")
    };
    let reason_of = |error: AzureError| match error {
        AzureError::InteractionRequired { account, reason } => {
            assert_eq!(account, DEMO_USER_NAME);
            reason
        }
        other => panic!("expected InteractionRequired, got {other:?}"),
    };

    // Expired (90 days without use at Entra ID).
    let credential = fresh_credential(store.clone()).await;
    env.change_refresh_tokens(|token| {
        token.expires_at = keyblade_sandbox::oracle::wall_clock_unix() - 1
    });
    let error = credential
        .token(&[&vault_scope])
        .await
        .expect_err("expired");
    assert_eq!(error.code(), "azure.interactionRequired");
    let reason = reason_of(error);
    assert!(
        reason.contains("expired") && reason.contains("AADSTS70008"),
        "{reason}"
    );

    // Revoked by an administrator.
    let credential = fresh_credential(store.clone()).await;
    let (status, body) = env
        .admin(
            reqwest::Method::POST,
            "/signin/revoke",
            json!({ "userObjectId": DEMO_USER_OBJECT_ID }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let reason = reason_of(
        credential
            .token(&[&vault_scope])
            .await
            .expect_err("revoked"),
    );
    assert!(
        reason.contains("revoked") && reason.contains("AADSTS50173"),
        "{reason}"
    );

    // The tenant starts requiring MFA: the old sign-in had none...
    let credential = fresh_credential(store.clone()).await;
    let (status, body) = env
        .admin(
            reqwest::Method::PUT,
            "/signin/mfa",
            json!({ "tenantId": DEMO_TENANT_ID, "required": true }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let reason = reason_of(credential.token(&[&vault_scope]).await.expect_err("MFA"));
    assert!(
        reason.contains("multifactor") && reason.contains("AADSTS50076"),
        "{reason}"
    );
    // ...and an interactive sign-in (which performs it) works again.
    let credential = fresh_credential(store.clone()).await;
    credential
        .token(&[&vault_scope])
        .await
        .expect("a new sign-in satisfies the policy");

    // Signed out: nothing stored.
    credential.sign_out().await.expect("signed out");
    let reason = reason_of(
        credential
            .token(&[&vault_scope])
            .await
            .expect_err("signed out"),
    );
    assert!(reason.contains("no sign-in stored"), "{reason}");
}

#[tokio::test]
async fn a_remembered_sign_in_must_match_the_cloud_and_client() {
    let env = Env::start().await;
    let signed_in = env.signed_in().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let mut other_client = signed_in.account.clone();
    other_client.client_id = "1950a258-227b-4e31-a9cf-717495945fc2".to_owned();
    let error = KeybladeCredential::remembered(&env.client, other_client, store.clone())
        .expect_err("another client's refresh token");
    assert_eq!(error.code(), "azure.invalidInput");
    let mut other_cloud = signed_in.account.clone();
    other_cloud.cloud = "AzureChinaCloud".to_owned();
    let error = KeybladeCredential::remembered(&env.client, other_cloud, store)
        .expect_err("another cloud's sign-in");
    assert!(error.to_string().contains("AzureChinaCloud"), "{error}");
}

#[tokio::test]
async fn sign_in_goes_to_the_chosen_tenant_and_entra_s_refusals_say_so() {
    let env = Env::start().await;
    let config = PublicClientConfig::new(env.cloud())
        .with_tenant(OTHER_TENANT_ID)
        .expect("tenant");
    let client = SignInClient::new(config, &env.transport);
    // The other tenant's demo user signs in; its home tenant is the other tenant.
    let flow = client.start_device_code().await.expect("device code");
    let code = flow.challenge().user_code.clone();
    env.fixture.sandbox.with_world(|world| {
        keyblade_sandbox::oracle::approve_device_code(world, &code, None).expect("approved")
    });
    let signed_in = flow
        .finish_with_pause(&CancelSignIn::new(), instant)
        .await
        .expect("signed in");
    assert_eq!(signed_in.account.tenant_id, OTHER_TENANT_ID);

    // An unknown tenant is Entra's refusal, said as such.
    let config = PublicClientConfig::new(env.cloud())
        .with_tenant("00000000-0000-4000-8000-000000000000")
        .expect("tenant");
    let error = SignInClient::new(config, &env.transport)
        .start_device_code()
        .await
        .expect_err("no such tenant");
    match error {
        AzureError::SignInRefused { aadsts, .. } => assert_eq!(aadsts, Some(90_002)),
        other => panic!("expected SignInRefused, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Azure CLI (the fake `az` builds exit statuses the Unix way)

#[cfg(unix)]
mod azure_cli {
    use super::*;

    /// Plays `az account get-access-token`: answers with tokens the sandbox minted for the demo
    /// user, or fails as `az` does.
    #[derive(Debug)]
    struct FakeAz {
        answer: FakeAnswer,
        tokens: Vec<(String, String)>,
        runs: Mutex<Vec<String>>,
    }

    #[derive(Debug, Clone, Copy)]
    enum FakeAnswer {
        Tokens,
        NotInstalled,
        NotLoggedIn,
    }

    #[async_trait::async_trait]
    impl azure_identity::Executor for FakeAz {
        async fn run(
            &self,
            _program: &std::ffi::OsStr,
            args: &[&std::ffi::OsStr],
        ) -> std::io::Result<std::process::Output> {
            use std::os::unix::process::ExitStatusExt as _;
            let command = args
                .last()
                .map(|arg| arg.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.runs.lock().expect("no panic").push(command.clone());
            let output = |code: i32, stdout: String, stderr: &str| std::process::Output {
                status: std::process::ExitStatus::from_raw(code << 8),
                stdout: stdout.into_bytes(),
                stderr: stderr.as_bytes().to_vec(),
            };
            Ok(match self.answer {
                FakeAnswer::NotInstalled => output(127, String::new(), "/bin/sh: 1: az: not found"),
                FakeAnswer::NotLoggedIn => output(
                    1,
                    String::new(),
                    "ERROR: Please run 'az login' to setup account.",
                ),
                FakeAnswer::Tokens => {
                    let scope = command
                        .split(" --scope ")
                        .nth(1)
                        .and_then(|rest| rest.split(' ').next())
                        .unwrap_or_default();
                    let token = self
                        .tokens
                        .iter()
                        .find(|(known, _)| known == scope)
                        .map(|(_, token)| token.clone())
                        .unwrap_or_default();
                    let expires_on = time::OffsetDateTime::now_utc().unix_timestamp() + 3000;
                    output(
                    0,
                    json!({"accessToken": token, "expires_on": expires_on, "tokenType": "Bearer"})
                        .to_string(),
                    "",
                )
                }
            })
        }
    }

    impl Env {
        /// A delegated token for the demo user and the Azure CLI's client, minted by the
        /// sandbox's admin API as Entra ID would issue it to `az`.
        async fn cli_token(&self, audience: &str) -> String {
            let (status, body) = self
                .admin(
                    reqwest::Method::POST,
                    "/token",
                    json!({
                        "objectId": DEMO_USER_OBJECT_ID,
                        "appId": AZURE_CLI,
                        "audience": audience,
                        "scopes": "user_impersonation",
                    }),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            body["access_token"].as_str().expect("a token").to_owned()
        }

        async fn fake_az(&self, answer: FakeAnswer) -> Arc<FakeAz> {
            let arm_scope = self.fixture.cloud.arm_scope();
            let arm_audience = self.fixture.cloud.arm_audience().to_owned();
            let vault_scope = self.vault_scope();
            let vault_audience = vault_scope.trim_end_matches("/.default").to_owned();
            Arc::new(FakeAz {
                answer,
                tokens: vec![
                    (arm_scope, self.cli_token(&arm_audience).await),
                    (vault_scope, self.cli_token(&vault_audience).await),
                ],
                runs: Mutex::new(Vec::new()),
            })
        }
    }

    #[tokio::test]
    async fn the_azure_cli_s_sign_in_is_reused_and_its_failures_say_what_to_do() {
        let env = Env::start().await;
        let az = env.fake_az(FakeAnswer::Tokens).await;
        let credential = KeybladeCredential::azure_cli(
            env.cloud(),
            AzureCliOptions {
                executor: Some(az.clone()),
                ..AzureCliOptions::default()
            },
        )
        .await
        .expect("the CLI's sign-in");
        assert_eq!(
            credential.method(),
            &SignInMethod::AzureCli {
                tenant_id: DEMO_TENANT_ID.to_owned(),
                account: DEMO_USER_NAME.to_owned(),
            }
        );
        assert_reaches_arm_and_key_vault(&env, credential.clone()).await;
        env.session(credential.clone())
            .arm
            .list_subscriptions()
            .await
            .expect("again");
        let runs = az.runs.lock().expect("no panic").clone();
        assert_eq!(
            runs.len(),
            2,
            "one `az` run per scope, then cached: {runs:?}"
        );
        assert!(
            runs[0].contains("az account get-access-token -o json --scope"),
            "{runs:?}"
        );

        // Another tenant: `az account get-access-token --tenant`, with a cache of its own.
        let other = credential.for_tenant(OTHER_TENANT_ID).expect("switched");
        assert_eq!(
            other.method(),
            &SignInMethod::AzureCli {
                tenant_id: OTHER_TENANT_ID.to_owned(),
                account: DEMO_USER_NAME.to_owned(),
            }
        );
        other
            .token(&[&env.fixture.cloud.arm_scope()])
            .await
            .expect("a token from az");
        let runs = az.runs.lock().expect("no panic").clone();
        assert_eq!(runs.len(), 3, "{runs:?}");
        assert!(
            runs[2].contains(&format!("--tenant {OTHER_TENANT_ID}")),
            "{runs:?}"
        );

        for (answer, code, says) in [
            (
                FakeAnswer::NotInstalled,
                "azure.azureCliNotFound",
                "Install the Azure CLI",
            ),
            (
                FakeAnswer::NotLoggedIn,
                "azure.azureCliNotLoggedIn",
                "az login",
            ),
        ] {
            let error = KeybladeCredential::azure_cli(
                env.cloud(),
                AzureCliOptions {
                    executor: Some(env.fake_az(answer).await),
                    ..AzureCliOptions::default()
                },
            )
            .await
            .expect_err("fails");
            assert_eq!(error.code(), code, "{error}");
            assert!(error.to_string().contains(says), "{error}");
        }
    }
}

#[tokio::test]
async fn tokens_print_as_redacted() {
    let env = Env::start().await;
    let signed_in = env.signed_in().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let credential = KeybladeCredential::interactive(&env.client, signed_in, store.clone())
        .await
        .expect("credential");
    let arm_scope = env.fixture.cloud.arm_scope();
    let token = credential.token(&[&arm_scope]).await.expect("token");
    let printed = format!("{credential:?} {store:?} {:?} {token:?}", env.client);
    assert!(!printed.contains(token.token.secret()), "{printed}");
    let stored = store
        .get(&credential.account().expect("a person").store_key())
        .await
        .expect("get")
        .expect("stored");
    assert!(!printed.contains(stored.secret()), "{printed}");
    assert!(AccountClaims::from_jwt(token.token.secret()).is_some());
}

// ---------------------------------------------------------------------------------------
// Service principal with a certificate

/// A self-signed RSA certificate and its PKCS#8 key, as PEM.
fn rsa_certificate() -> (String, String) {
    use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("an RSA key");
    let key_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .expect("PKCS#8")
        .to_string();
    let signing = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&key_pem, &rcgen::PKCS_RSA_SHA256)
        .expect("rcgen reads the key");
    let certificate = rcgen::CertificateParams::new(vec!["keyblade-test".to_owned()])
        .expect("params")
        .self_signed(&signing)
        .expect("self-signed");
    (certificate.pem(), key_pem)
}

#[tokio::test]
async fn a_service_principal_signs_in_with_its_certificate() {
    use keyblade_azure::ClientCertificate;
    use keyblade_sandbox::directory::DEMO_CLIENT_ID;

    let env = Env::start().await;
    let (certificate_pem, key_pem) = rsa_certificate();
    let certificate = ClientCertificate::from_pem(&certificate_pem, &key_pem).expect("read");
    let combined = format!("{certificate_pem}\n{key_pem}");
    assert_eq!(
        ClientCertificate::from_pem(&combined, &combined)
            .expect("one PEM file")
            .thumbprint(),
        certificate.thumbprint()
    );
    assert!(
        !format!("{certificate:?}").contains("PRIVATE"),
        "{certificate:?}"
    );
    let sign_in = |certificate: ClientCertificate| {
        KeybladeCredential::client_certificate(
            env.cloud(),
            &env.transport,
            DEMO_TENANT_ID,
            DEMO_CLIENT_ID,
            certificate,
        )
        .expect("credential")
    };

    // Not registered on the application yet: Entra's refusal.
    let error = sign_in(certificate.clone())
        .token(&[&env.fixture.cloud.arm_scope()])
        .await
        .expect_err("unknown certificate");
    assert!(error.to_string().contains("AADSTS700027"), "{error}");

    let x5t = env.fixture.sandbox.with_world(|world| {
        world
            .directory
            .add_certificate(DEMO_TENANT_ID, DEMO_CLIENT_ID, &certificate_pem)
            .expect("registered")
    });
    assert_eq!(x5t, certificate.thumbprint());
    let credential = sign_in(certificate);
    assert_eq!(
        credential.method(),
        &SignInMethod::ClientCertificate {
            tenant_id: DEMO_TENANT_ID.to_owned(),
            client_id: DEMO_CLIENT_ID.to_owned(),
        }
    );
    assert_reaches_arm_and_key_vault(&env, credential).await;

    // A key that is not the certificate's is caught before anything is sent.
    let (_, other_key) = rsa_certificate();
    let error = ClientCertificate::from_pem(&certificate_pem, &other_key).expect_err("mismatch");
    assert!(error.to_string().contains("does not belong"), "{error}");
}

/// A PKCS#12 file holding `entries`, written as a Windows export would be (the writer's
/// defaults: AES-256 with PBKDF2 and an HMAC-SHA256 MAC keyed by the password).
fn pfx(entries: Vec<(&str, p12_keystore::KeyStoreEntry)>, password: &str) -> Vec<u8> {
    let mut store = p12_keystore::KeyStore::new();
    for (alias, entry) in entries {
        store.add_entry(alias, entry);
    }
    store.writer(password).write().expect("a PFX")
}

fn der_of(certificate_pem: &str, key_pem: &str) -> (Vec<u8>, Vec<u8>) {
    use rustls_pki_types::pem::PemObject as _;
    let certificate = rustls_pki_types::CertificateDer::from_pem_slice(certificate_pem.as_bytes())
        .expect("certificate PEM");
    let key = rustls_pki_types::PrivatePkcs8KeyDer::from_pem_slice(key_pem.as_bytes())
        .expect("PKCS#8 PEM");
    (
        certificate.as_ref().to_vec(),
        key.secret_pkcs8_der().to_vec(),
    )
}

#[tokio::test]
async fn a_service_principal_signs_in_with_a_pfx_file() {
    use keyblade_azure::ClientCertificate;
    use keyblade_sandbox::directory::DEMO_CLIENT_ID;
    use p12_keystore::{Certificate, KeyStoreEntry, PrivateKeyChain};

    let env = Env::start().await;
    let (certificate_pem, key_pem) = rsa_certificate();
    let (certificate_der, key_der) = der_of(&certificate_pem, &key_pem);
    let certificate = || Certificate::from_der(&certificate_der).expect("a certificate");
    let password = "Pfx-p@ssw0rd";
    let with_key = pfx(
        vec![(
            "keyblade-test",
            KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(&key_der, b"1", [certificate()])),
        )],
        password,
    );

    let from_pfx = ClientCertificate::from_pfx(&with_key, password).expect("read");
    let from_pem = ClientCertificate::from_pem(&certificate_pem, &key_pem).expect("read");
    assert_eq!(from_pfx.thumbprint(), from_pem.thumbprint());

    // A wrong password, a file of certificates only, and something else: each says so.
    let error = ClientCertificate::from_pfx(&with_key, "wrong").expect_err("wrong password");
    assert_eq!(error.code(), "azure.invalidInput");
    assert!(error.to_string().contains("password"), "{error}");
    let no_key = pfx(
        vec![("only-cert", KeyStoreEntry::Certificate(certificate()))],
        password,
    );
    let error = ClientCertificate::from_pfx(&no_key, password).expect_err("no key");
    assert!(error.to_string().contains("no private key"), "{error}");
    let error = ClientCertificate::from_pfx(certificate_pem.as_bytes(), password)
        .expect_err("PEM is not PFX");
    assert!(error.to_string().contains("PKCS#12"), "{error}");

    // Registered on the application, it signs in and reaches Azure.
    env.fixture.sandbox.with_world(|world| {
        world
            .directory
            .add_certificate(DEMO_TENANT_ID, DEMO_CLIENT_ID, &certificate_pem)
            .expect("registered")
    });
    let credential = KeybladeCredential::client_certificate(
        env.cloud(),
        &env.transport,
        DEMO_TENANT_ID,
        DEMO_CLIENT_ID,
        from_pfx,
    )
    .expect("credential");
    assert_reaches_arm_and_key_vault(&env, credential).await;
}

/// A PFX as OpenSSL's `-legacy` export (and older Windows) writes it: 3DES and RC2 (PBES1),
/// an HMAC-SHA1 MAC. Skipped where no `openssl` is installed.
#[tokio::test]
async fn a_legacy_pfx_from_openssl_is_read() {
    use keyblade_azure::ClientCertificate;

    let (certificate_pem, key_pem) = rsa_certificate();
    let dir = std::env::temp_dir().join(format!("keyblade-pfx-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let (cert_path, key_path, pfx_path) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("cert.pfx"),
    );
    std::fs::write(&cert_path, &certificate_pem).expect("written");
    std::fs::write(&key_path, &key_pem).expect("written");
    let run = |extra: &[&str]| {
        std::process::Command::new("openssl")
            .args(["pkcs12", "-export", "-passout", "pass:legacy-pw", "-in"])
            .arg(&cert_path)
            .arg("-inkey")
            .arg(&key_path)
            .arg("-out")
            .arg(&pfx_path)
            .args(extra)
            .status()
    };
    // OpenSSL 3 needs `-legacy` for these algorithms; OpenSSL 1.1 uses them by default.
    let made = match run(&["-legacy"]) {
        Ok(status) if status.success() => true,
        Ok(_) => run(&[]).is_ok_and(|status| status.success()),
        Err(_) => false,
    };
    if !made {
        eprintln!("skipped: no openssl to write a legacy PFX");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let bytes = std::fs::read(&pfx_path).expect("the PFX");
    let _ = std::fs::remove_dir_all(&dir);
    let from_pfx = ClientCertificate::from_pfx(&bytes, "legacy-pw").expect("a legacy PFX");
    let from_pem = ClientCertificate::from_pem(&certificate_pem, &key_pem).expect("read");
    assert_eq!(from_pfx.thumbprint(), from_pem.thumbprint());
    let error = ClientCertificate::from_pfx(&bytes, "nope").expect_err("wrong password");
    assert!(error.to_string().contains("password"), "{error}");
}
