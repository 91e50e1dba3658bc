//! Tenants for the app's tenant switcher, against the in-process sandbox, where the demo
//! user is a guest of the other built-in tenant: listing a person's tenants, switching a
//! sign-in to a guest tenant with the same refresh token, telling a tenant that wants MFA
//! (skipped, as `az login` does) from one that refuses the person, and service principals,
//! which cannot switch.

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use common::{Fixture, http_settings, lro_settings};
use keyblade_azure::transport::WireRequest;
use keyblade_azure::{
    CancelSignIn, HttpTransport, KeybladeCredential, MemoryTokenStore, PublicClientConfig, Session,
    SignInClient, SignInMethod, SignedIn, TenantAccess, TenantInfo, TokenStore,
    check_tenant_access,
};
use keyblade_sandbox::directory::{
    DEMO_TENANT_DOMAIN, DEMO_TENANT_ID, DEMO_USER_NAME, DEMO_USER_OBJECT_ID, OTHER_TENANT_DOMAIN,
    OTHER_TENANT_ID,
};
use keyblade_sandbox::scenario::{Step, apply_step};
use serde_json::{Value, json};
use url::Url;

/// A subscription of the other tenant, where the demo user (a guest there) is Reader.
const OTHER_SUBSCRIPTION: &str = "0f1e2d3c-4b5a-4968-8776-655443322110";
/// A tenant the demo user does not belong to.
const STRANGER_TENANT_ID: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

struct Env {
    fixture: Fixture,
    transport: HttpTransport,
    client: SignInClient,
    store: Arc<dyn TokenStore>,
}

impl Env {
    async fn start() -> Env {
        let fixture = Fixture::start().await;
        let cloud = Arc::new(fixture.cloud.clone());
        let transport =
            HttpTransport::for_cloud(cloud.clone(), &http_settings()).expect("transport builds");
        let client = SignInClient::new(PublicClientConfig::new(cloud), &transport);
        fixture.sandbox.with_world(|world| {
            for step in [
                json!({"subscription": {"id": OTHER_SUBSCRIPTION, "displayName": "Other Tenant Shared", "tenantId": OTHER_TENANT_ID}}),
                json!({"roleAssignment": {"scope": format!("/subscriptions/{OTHER_SUBSCRIPTION}"), "role": "Reader", "principalId": DEMO_USER_OBJECT_ID}}),
            ] {
                let step: Step = serde_json::from_value(step).expect("a scenario step");
                apply_step(world, &step).expect("the step applies");
            }
            world
                .directory
                .add_tenant(STRANGER_TENANT_ID, "Stranger", "stranger.onmicrosoft.com");
        });
        Env {
            fixture,
            transport,
            client,
            store: Arc::new(MemoryTokenStore::new()),
        }
    }

    /// The demo user, signed in with a device code to `client`'s tenant and approved in
    /// the sandbox's world as the demo user.
    async fn device_code(&self, client: &SignInClient) -> SignedIn {
        let flow = client.start_device_code().await.expect("device code");
        let code = flow.challenge().user_code.clone();
        self.fixture.sandbox.with_world(|world| {
            keyblade_sandbox::oracle::approve_device_code(world, &code, Some(DEMO_USER_OBJECT_ID))
                .expect("approved")
        });
        flow.finish_with_pause(&CancelSignIn::new(), instant)
            .await
            .expect("signed in")
    }

    /// The demo user's sign-in to the home tenant, as the app keeps it.
    async fn person(&self) -> KeybladeCredential {
        let signed_in = self.device_code(&self.client).await;
        KeybladeCredential::interactive(&self.client, signed_in, self.store.clone())
            .await
            .expect("credential")
    }

    fn session(&self, credential: KeybladeCredential) -> Session {
        Session::new(credential, self.transport.clone(), lro_settings())
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let url = Url::parse(&format!("{}{path}", self.fixture.sandbox.admin_url()))
            .expect("admin URL is a URL");
        let response = HttpTransport::without_tokens(
            &[self.fixture.sandbox.ca_pem().to_owned()],
            &http_settings(),
        )
        .expect("transport builds")
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

    async fn require_mfa(&self, tenant_id: &str) {
        let (status, body) = self
            .admin(
                reqwest::Method::PUT,
                "/signin/mfa",
                json!({ "tenantId": tenant_id, "required": true }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn instant(_: Duration) {}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

#[tokio::test]
async fn a_person_lists_home_and_guest_tenants() {
    let env = Env::start().await;
    let person = env.person().await;
    let tenants = env.session(person.clone()).arm.list_tenants().await;
    let expected = vec![
        TenantInfo {
            tenant_id: DEMO_TENANT_ID.to_owned(),
            display_name: Some("Keyblade Demo".to_owned()),
            default_domain: Some(DEMO_TENANT_DOMAIN.to_owned()),
        },
        TenantInfo {
            tenant_id: OTHER_TENANT_ID.to_owned(),
            display_name: Some("Other Tenant".to_owned()),
            default_domain: Some(OTHER_TENANT_DOMAIN.to_owned()),
        },
    ];
    assert_eq!(tenants.expect("tenants"), expected);
    assert_eq!(
        serde_json::to_value(&expected[0]).expect("JSON"),
        json!({"tenantId": DEMO_TENANT_ID, "displayName": "Keyblade Demo", "defaultDomain": DEMO_TENANT_DOMAIN})
    );

    // The same list from the guest tenant's side.
    let guest = person.for_tenant(OTHER_TENANT_ID).expect("switched");
    let tenants = env.session(guest).arm.list_tenants().await;
    assert_eq!(tenants.expect("tenants"), expected);

    // A service principal sees its own tenant only.
    let tenants = env.fixture.session().arm.list_tenants().await;
    let ids: Vec<String> = tenants
        .expect("tenants")
        .into_iter()
        .map(|t| t.tenant_id)
        .collect();
    assert_eq!(ids, [DEMO_TENANT_ID]);

    // An invitation made in the directory shows at once.
    let (status, body) = env
        .admin(
            reqwest::Method::PUT,
            "/directory/guests",
            json!({ "tenantId": STRANGER_TENANT_ID, "userObjectId": DEMO_USER_OBJECT_ID }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let tenants = env.session(person).arm.list_tenants().await;
    assert_eq!(tenants.expect("tenants").len(), 3);
}

#[tokio::test]
async fn the_same_sign_in_works_in_a_guest_tenant() {
    let env = Env::start().await;
    let person = env.person().await;
    let home_key = person.account().expect("a person").store_key();
    let guest = person.for_tenant(OTHER_TENANT_ID).expect("switched");
    assert_eq!(guest.tenant_id(), OTHER_TENANT_ID);
    assert_eq!(
        guest.method(),
        &SignInMethod::DeviceCode {
            tenant_id: OTHER_TENANT_ID.to_owned(),
            account: DEMO_USER_NAME.to_owned(),
        }
    );
    assert_eq!(guest.account(), person.account(), "still the same person");

    // Tokens for the guest tenant, from the home sign-in's refresh token.
    let arm_scope = env.fixture.cloud.arm_scope();
    let token = guest.token(&[&arm_scope]).await.expect("a guest token");
    let token_claims = claims(token.token.secret());
    assert_eq!(token_claims["tid"], OTHER_TENANT_ID);
    assert_eq!(token_claims["oid"], DEMO_USER_OBJECT_ID);
    // Each tenant has its own tokens: the home credential's cached one is not handed out.
    let home_token = person.token(&[&arm_scope]).await.expect("a home token");
    assert_eq!(claims(home_token.token.secret())["tid"], DEMO_TENANT_ID);

    let subscriptions = env
        .session(guest.clone())
        .arm
        .list_subscriptions()
        .await
        .expect("the guest tenant's subscriptions");
    let ids: Vec<&str> = subscriptions
        .iter()
        .map(|s| s.subscription_id.as_str())
        .collect();
    assert_eq!(ids, [OTHER_SUBSCRIPTION]);
    let home = env
        .session(person.clone())
        .arm
        .list_subscriptions()
        .await
        .expect("the home tenant's subscriptions");
    assert_eq!(home.len(), 3, "{home:?}");

    // One sign-in stays stored, the home account's, holding the rotated refresh token.
    let stored = env
        .store
        .get(&home_key)
        .await
        .expect("store")
        .expect("kept");
    let newest = env.fixture.sandbox.with_world(|world| {
        world
            .directory
            .refresh_tokens
            .last()
            .map(|t| t.token.clone())
            .expect("issued")
    });
    assert_eq!(stored.secret(), newest, "the rotated token is stored back");
    // A later run, from the store alone, in either tenant.
    let account = person.account().expect("a person").clone();
    let home_after = KeybladeCredential::remembered(&env.client, account, env.store.clone())
        .expect("remembered");
    let guest_after = home_after
        .for_tenant(OTHER_TENANT_ID)
        .expect("switched again");
    for credential in [home_after, guest_after] {
        credential
            .token(&[&arm_scope])
            .await
            .expect("the rotated token works in both tenants");
    }
}

#[tokio::test]
async fn a_tenant_that_wants_mfa_needs_interaction_and_the_others_stay_available() {
    let env = Env::start().await;
    let person = env.person().await;
    assert_eq!(
        check_tenant_access(&person, OTHER_TENANT_ID).await,
        TenantAccess::Available
    );

    env.require_mfa(OTHER_TENANT_ID).await;
    match check_tenant_access(&person, OTHER_TENANT_ID).await {
        TenantAccess::NeedsInteraction { reason } => assert!(
            reason.contains("AADSTS50076") && reason.contains("az login"),
            "{reason}"
        ),
        other => panic!("expected NeedsInteraction, got {other:?}"),
    }
    assert_eq!(
        check_tenant_access(&person, DEMO_TENANT_ID).await,
        TenantAccess::Available,
        "the home tenant has no such policy"
    );
    let error = person
        .for_tenant(OTHER_TENANT_ID)
        .expect("switched")
        .token(&[&env.fixture.cloud.arm_scope()])
        .await
        .expect_err("MFA");
    assert_eq!(error.code(), "azure.interactionRequired");

    // Signing in to the guest tenant interactively performs MFA there.
    let config = PublicClientConfig::new(Arc::new(env.fixture.cloud.clone()))
        .with_tenant(OTHER_TENANT_ID)
        .expect("tenant");
    let client = SignInClient::new(config, &env.transport);
    let signed_in = env.device_code(&client).await;
    assert_eq!(signed_in.account.tenant_id, OTHER_TENANT_ID);
    assert_eq!(signed_in.account.username, DEMO_USER_NAME);
    let guest = KeybladeCredential::interactive(&client, signed_in, env.store.clone())
        .await
        .expect("credential");
    assert_eq!(
        check_tenant_access(&guest, OTHER_TENANT_ID).await,
        TenantAccess::Available
    );
    let subscriptions = env
        .session(guest)
        .arm
        .list_subscriptions()
        .await
        .expect("subscriptions after MFA");
    assert_eq!(subscriptions.len(), 1);
}

#[tokio::test]
async fn a_tenant_the_person_is_not_in_refuses() {
    let env = Env::start().await;
    let person = env.person().await;
    match check_tenant_access(&person, STRANGER_TENANT_ID).await {
        TenantAccess::Refused { reason } => {
            assert!(reason.contains("AADSTS50020"), "{reason}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    match check_tenant_access(&person, "00000000-0000-4000-8000-000000000000").await {
        TenantAccess::Refused { reason } => {
            assert!(reason.contains("AADSTS90002"), "{reason}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    match check_tenant_access(&person, "not/a/tenant").await {
        TenantAccess::Refused { reason } => assert!(reason.contains("tenant"), "{reason}"),
        other => panic!("expected Refused, got {other:?}"),
    }
    // Nothing was lost: the home tenant still works.
    assert_eq!(
        check_tenant_access(&person, DEMO_TENANT_ID).await,
        TenantAccess::Available
    );
}

#[tokio::test]
async fn a_service_principal_cannot_switch_tenants() {
    let env = Env::start().await;
    let demo = env.fixture.sandbox.demo_credentials();
    let credential = KeybladeCredential::client_secret(
        Arc::new(env.fixture.cloud.clone()),
        &env.transport,
        demo.tenant_id,
        demo.client_id,
        demo.client_secret.to_owned(),
    )
    .expect("credential");
    let error = credential
        .for_tenant(OTHER_TENANT_ID)
        .expect_err("one tenant only");
    assert_eq!(error.code(), "azure.tenantSwitchUnsupported");
    let message = error.to_string();
    assert!(
        message.contains(OTHER_TENANT_ID) && message.contains("Sign in again"),
        "{message}"
    );
    match check_tenant_access(&credential, OTHER_TENANT_ID).await {
        TenantAccess::Refused { reason } => assert_eq!(reason, message),
        other => panic!("expected Refused, got {other:?}"),
    }
    // Its own tenant is no switch at all.
    assert_eq!(
        check_tenant_access(&credential, DEMO_TENANT_ID).await,
        TenantAccess::Available
    );
}
