use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyblade_sandbox::directory::{
    DEMO_CLIENT_ID, DEMO_CLIENT_OBJECT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, DEMO_USER_OBJECT_ID,
};
use reqwest::{Method, StatusCode};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::common::{Harness, claims};

const CLI_CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const REDIRECT: &str = "http://localhost:8400/";
const ARM_SCOPE: &str =
    "https://management.core.windows.net//.default offline_access openid profile";

#[tokio::test]
async fn openid_configuration_points_at_the_sandbox() {
    let harness = Harness::start().await;
    let port = harness.port();
    let reply = harness
        .send(
            Method::GET,
            &harness.url(&format!(
                "/{DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration"
            )),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let base = format!("https://localhost:{port}/{DEMO_TENANT_ID}");
    assert_eq!(reply.body["issuer"], format!("{base}/v2.0"));
    assert_eq!(
        reply.body["token_endpoint"],
        format!("{base}/oauth2/v2.0/token")
    );
    assert_eq!(
        reply.body["authorization_endpoint"],
        format!("{base}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        reply.body["device_authorization_endpoint"],
        format!("{base}/oauth2/v2.0/devicecode")
    );
    assert_eq!(
        reply.body["jwks_uri"],
        format!("{base}/discovery/v2.0/keys")
    );

    let organizations = harness
        .send(
            Method::GET,
            &harness.url("/organizations/v2.0/.well-known/openid-configuration"),
            None,
            None,
        )
        .await;
    assert_eq!(
        organizations.body["issuer"],
        format!("https://localhost:{port}/{{tenantid}}/v2.0")
    );
    assert_eq!(
        organizations.body["token_endpoint"],
        format!("https://localhost:{port}/organizations/oauth2/v2.0/token")
    );

    let unknown = harness
        .send(
            Method::GET,
            &harness
                .url("/00000000-0000-0000-0000-00000000dead/v2.0/.well-known/openid-configuration"),
            None,
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["error"], "invalid_tenant");
    assert!(
        unknown.body["error_description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("AADSTS90002:")
    );
}

#[tokio::test]
async fn client_credentials_tokens_carry_azure_claims_and_verify_with_the_jwks() {
    let harness = Harness::start().await;
    let token = harness.demo_arm_token().await;
    let claims = claims(&token);
    assert_eq!(claims["aud"], "https://management.core.windows.net/");
    assert_eq!(claims["tid"], DEMO_TENANT_ID);
    assert_eq!(claims["oid"], DEMO_CLIENT_OBJECT_ID);
    assert_eq!(claims["appid"], DEMO_CLIENT_ID);
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(
        claims["iss"],
        format!("https://localhost:{}/{DEMO_TENANT_ID}/", harness.port())
    );
    let lifetime = claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat");
    assert!((3000..=5400).contains(&lifetime), "{lifetime}");

    // Verify the signature with the JWKS only, as a resource server would.
    let jwks = harness
        .send(
            Method::GET,
            &harness.url(&format!("/{DEMO_TENANT_ID}/discovery/v2.0/keys")),
            None,
            None,
        )
        .await
        .body;
    let key = &jwks["keys"][0];
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().expect("header"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(header["kid"], key["kid"]);
    let number = |name: &str| {
        BigUint::from_bytes_be(
            &URL_SAFE_NO_PAD
                .decode(key[name].as_str().expect("member"))
                .expect("b64"),
        )
    };
    let public = RsaPublicKey::new(number("n"), number("e")).expect("public key");
    let (signed, signature) = token.rsplit_once('.').expect("signature");
    let signature = Signature::try_from(URL_SAFE_NO_PAD.decode(signature).expect("b64").as_slice())
        .expect("signature");
    VerifyingKey::<Sha256>::new(public)
        .verify(signed.as_bytes(), &signature)
        .expect("the token verifies with the published key");
}

#[tokio::test]
async fn client_credentials_failures_use_entra_errors() {
    let harness = Harness::start().await;
    let scope = "https://management.core.windows.net//.default";
    let cases: Vec<(&str, &str, &str, &str, StatusCode, &str, &str)> = vec![
        (
            DEMO_TENANT_ID,
            DEMO_CLIENT_ID,
            "wrong",
            scope,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS7000215:",
        ),
        (
            DEMO_TENANT_ID,
            "12345678-1234-4234-8234-123456789012",
            DEMO_CLIENT_SECRET,
            scope,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "AADSTS700016:",
        ),
        (
            DEMO_TENANT_ID,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            "https://management.core.windows.net//user_impersonation",
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "AADSTS1002012:",
        ),
        (
            DEMO_TENANT_ID,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            "https://storage.azure.com/.default",
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            "AADSTS500011:",
        ),
        // The demo app is registered in the demo tenant only.
        (
            keyblade_sandbox::directory::OTHER_TENANT_ID,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            scope,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "AADSTS700016:",
        ),
    ];
    for (tenant, client, secret, scope, status, error, code) in cases {
        let reply = harness
            .client_token(tenant, client, secret, scope)
            .await
            .expect_err("must fail");
        assert_eq!(reply.status, status, "{client}/{scope}: {}", reply.text);
        assert_eq!(reply.body["error"], error, "{}", reply.text);
        let description = reply.body["error_description"].as_str().unwrap_or_default();
        assert!(description.starts_with(code), "{description}");
        assert!(reply.body["error_codes"].is_array());
    }
    let missing = harness
        .form(
            &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
            &[("client_id", DEMO_CLIENT_ID)],
        )
        .await;
    assert_eq!(missing.body["error"], "invalid_request");
    assert!(missing.text.contains("AADSTS900144"));
}

fn pkce_pair() -> (String, String) {
    let verifier = "a-verifier-of-forty-three-characters-or-more-0123456789".to_owned();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

async fn authorize(harness: &Harness, challenge: &str, redirect: &str) -> reqwest::Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLI_CLIENT),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", ARM_SCOPE),
            ("state", "state-123"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("client_info", "1"),
        ])
        .finish();
    harness
        .client
        .get(harness.url(&format!("/organizations/oauth2/v2.0/authorize?{query}")))
        .send()
        .await
        .expect("authorize answers")
}

fn code_from(response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().expect("location");
    let url = url::Url::parse(location).expect("location is a URL");
    assert!(location.starts_with(REDIRECT), "{location}");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("state".to_owned(), "state-123".to_owned())),
        "{location}"
    );
    pairs
        .into_iter()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
}

#[tokio::test]
async fn authorization_code_with_pkce_signs_in_the_demo_user() {
    let harness = Harness::start().await;
    let (verifier, challenge) = pkce_pair();
    let response = authorize(&harness, &challenge, REDIRECT).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let code = code_from(&response);

    let token_path = "/organizations/oauth2/v2.0/token";
    let exchange = |code: String, verifier: String| {
        let harness = &harness;
        async move {
            harness
                .form(
                    token_path,
                    &[
                        ("grant_type", "authorization_code"),
                        ("client_id", CLI_CLIENT),
                        ("code", &code),
                        ("redirect_uri", REDIRECT),
                        ("code_verifier", &verifier),
                        ("scope", ARM_SCOPE),
                        ("client_info", "1"),
                    ],
                )
                .await
        }
    };
    let reply = exchange(code.clone(), verifier.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let access = claims(reply.body["access_token"].as_str().expect("access token"));
    assert_eq!(access["oid"], DEMO_USER_OBJECT_ID);
    assert_eq!(access["scp"], "user_impersonation");
    assert_eq!(access["appid"], CLI_CLIENT);
    let id_token = claims(reply.body["id_token"].as_str().expect("id token"));
    assert_eq!(id_token["aud"], CLI_CLIENT);
    assert_eq!(
        id_token["iss"],
        format!("https://localhost:{}/{DEMO_TENANT_ID}/v2.0", harness.port())
    );
    let client_info: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(reply.body["client_info"].as_str().expect("client_info"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(
        client_info,
        json!({"uid": DEMO_USER_OBJECT_ID, "utid": DEMO_TENANT_ID})
    );

    let replay = exchange(code, verifier).await;
    assert_eq!(replay.body["error"], "invalid_grant");
    assert!(replay.text.contains("AADSTS54005"), "{}", replay.text);

    // The refresh token gets a Key Vault token for the same user.
    let refreshed = harness
        .form(
            token_path,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLI_CLIENT),
                (
                    "refresh_token",
                    reply.body["refresh_token"].as_str().expect("refresh token"),
                ),
                (
                    "scope",
                    &format!("{} offline_access", harness.vault_scope()),
                ),
            ],
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let access = claims(
        refreshed.body["access_token"]
            .as_str()
            .expect("access token"),
    );
    assert_eq!(
        access["aud"],
        format!("https://vault.localhost:{}", harness.port())
    );
    assert_eq!(access["oid"], DEMO_USER_OBJECT_ID);
}

#[tokio::test]
async fn pkce_mismatch_and_missing_verifier_are_refused() {
    let harness = Harness::start().await;
    let (_, challenge) = pkce_pair();
    for (verifier, expected) in [
        (Some("not-the-verifier"), "AADSTS501481"),
        (None, "AADSTS900144"),
    ] {
        let code = code_from(&authorize(&harness, &challenge, REDIRECT).await);
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("client_id", CLI_CLIENT),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ];
        if let Some(verifier) = verifier {
            pairs.push(("code_verifier", verifier));
        }
        let reply = harness
            .form("/organizations/oauth2/v2.0/token", &pairs)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.text.contains(expected), "{}", reply.text);
    }
}

#[tokio::test]
async fn authorize_refuses_non_loopback_redirects_and_unknown_clients() {
    let harness = Harness::start().await;
    let (_, challenge) = pkce_pair();
    let response = authorize(&harness, &challenge, "https://evil.example.com/callback").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    assert!(response.text().await.expect("body").contains("AADSTS50011"));

    let unknown = harness
        .client
        .get(harness.url(&format!(
            "/{DEMO_TENANT_ID}/oauth2/v2.0/authorize?client_id=99999999-9999-4999-8999-999999999999&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A1%2F"
        )))
        .send()
        .await
        .expect("answer");
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(unknown.text().await.expect("body").contains("AADSTS700016"));
}

#[tokio::test]
async fn device_code_flow_is_pending_until_approved() {
    let harness = Harness::start().await;
    let start = harness
        .form(
            "/organizations/oauth2/v2.0/devicecode",
            &[("client_id", CLI_CLIENT), ("scope", ARM_SCOPE)],
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text);
    let device_code = start.body["device_code"]
        .as_str()
        .expect("device_code")
        .to_owned();
    let user_code = start.body["user_code"]
        .as_str()
        .expect("user_code")
        .to_owned();
    assert_eq!(start.body["verification_uri"], harness.url("/devicelogin"));
    assert!(
        start.body["message"]
            .as_str()
            .expect("message")
            .contains(&user_code)
    );

    let poll_pairs = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", CLI_CLIENT),
        ("device_code", device_code.as_str()),
    ];
    let poll = || harness.form("/organizations/oauth2/v2.0/token", &poll_pairs);
    let pending = poll().await;
    assert_eq!(pending.status, StatusCode::BAD_REQUEST);
    assert_eq!(pending.body["error"], "authorization_pending");
    assert!(pending.text.contains("AADSTS70016"));

    // The verification page signs in the demo user.
    let page = harness
        .client
        .post(harness.url("/devicelogin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("otc={user_code}"))
        .send()
        .await
        .expect("page answers");
    assert_eq!(page.status(), StatusCode::OK);

    let done = poll().await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(
        claims(done.body["access_token"].as_str().expect("token"))["oid"],
        DEMO_USER_OBJECT_ID
    );
    // A device code is good for one sign-in.
    assert_eq!(poll().await.body["error"], "invalid_grant");
}

/// Starts a device-code sign-in; returns (device_code, user_code).
async fn start_device_code(harness: &Harness) -> (String, String) {
    let start = harness
        .form(
            "/organizations/oauth2/v2.0/devicecode",
            &[("client_id", CLI_CLIENT), ("scope", ARM_SCOPE)],
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text);
    let text = |name: &str| start.body[name].as_str().expect(name).to_owned();
    (text("device_code"), text("user_code"))
}

async fn poll_device_code(harness: &Harness, device_code: &str) -> super::common::Reply {
    harness
        .form(
            "/organizations/oauth2/v2.0/token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", CLI_CLIENT),
                ("device_code", device_code),
            ],
        )
        .await
}

#[tokio::test]
async fn polling_faster_than_the_interval_is_told_to_slow_down() {
    let harness = Harness::start().await;
    let (device_code, user_code) = start_device_code(&harness).await;
    // The first poll may come at once; the next within the 5 s interval is too soon, and
    // each slow_down adds 5 s to what the code requires (RFC 8628 section 3.5).
    assert_eq!(
        poll_device_code(&harness, &device_code).await.body["error"],
        "authorization_pending"
    );
    let slow = poll_device_code(&harness, &device_code).await;
    assert_eq!(slow.status, StatusCode::BAD_REQUEST);
    assert_eq!(slow.body["error"], "slow_down");
    assert!(slow.text.contains("wait 10 seconds"), "{}", slow.text);
    let slower = poll_device_code(&harness, &device_code).await;
    assert!(slower.text.contains("wait 15 seconds"), "{}", slower.text);
    // An approved code answers with tokens however soon it is polled.
    let approved = harness
        .admin(
            Method::POST,
            "/devicecode/approve",
            Some(json!({ "userCode": user_code })),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let done = poll_device_code(&harness, &device_code).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
}

#[tokio::test]
async fn a_declined_device_code_answers_authorization_declined_once() {
    let harness = Harness::start().await;
    let (device_code, user_code) = start_device_code(&harness).await;
    let declined = harness
        .admin(
            Method::POST,
            "/devicecode/decline",
            Some(json!({ "userCode": user_code })),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.text);
    let reply = poll_device_code(&harness, &device_code).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "authorization_declined");
    assert!(reply.text.contains("AADSTS65004"), "{}", reply.text);
    // The sign-in is over: the code is gone, and cannot be approved or declined again.
    assert_eq!(
        poll_device_code(&harness, &device_code).await.body["error"],
        "invalid_grant"
    );
    let again = harness
        .admin(
            Method::POST,
            "/devicecode/decline",
            Some(json!({ "userCode": user_code })),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
}

/// A refresh token of the demo user from a device-code sign-in.
async fn demo_refresh_token(harness: &Harness) -> String {
    let (device_code, user_code) = start_device_code(harness).await;
    let approved = harness
        .admin(
            Method::POST,
            "/devicecode/approve",
            Some(json!({ "userCode": user_code })),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let done = poll_device_code(harness, &device_code).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    done.body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned()
}

async fn refresh(harness: &Harness, refresh_token: &str) -> super::common::Reply {
    harness
        .form(
            &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLI_CLIENT),
                ("refresh_token", refresh_token),
                (
                    "scope",
                    &format!("{} offline_access", harness.vault_scope()),
                ),
            ],
        )
        .await
}

#[tokio::test]
async fn revoked_sessions_and_a_new_mfa_policy_refuse_old_refresh_tokens() {
    let harness = Harness::start().await;

    let revoked = demo_refresh_token(&harness).await;
    let reply = harness
        .admin(
            Method::POST,
            "/signin/revoke",
            Some(json!({ "userObjectId": DEMO_USER_OBJECT_ID })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["revokedRefreshTokens"], 1);
    let refused = refresh(&harness, &revoked).await;
    assert_eq!(refused.body["error"], "invalid_grant");
    assert_eq!(refused.body["error_codes"], json!([50173]));

    // Signed in before the tenant required MFA: refused with Conditional Access's answer.
    let before = demo_refresh_token(&harness).await;
    let reply = harness
        .admin(
            Method::PUT,
            "/signin/mfa",
            Some(json!({ "tenantId": DEMO_TENANT_ID, "required": true })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let refused = refresh(&harness, &before).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["error"], "invalid_grant");
    assert_eq!(refused.body["error_codes"], json!([50076]));
    assert_eq!(refused.body["suberror"], "basic_action");
    assert!(refused.body["claims"].is_string());
    // Signed in after: the sandbox performed MFA, and its refreshed tokens keep it.
    let after = demo_refresh_token(&harness).await;
    let reply = refresh(&harness, &after).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let rotated = reply.body["refresh_token"].as_str().expect("rotated");
    assert_eq!(refresh(&harness, rotated).await.status, StatusCode::OK);

    let unknown = harness
        .admin(
            Method::PUT,
            "/signin/mfa",
            Some(json!({ "tenantId": "00000000-0000-4000-8000-000000000000", "required": true })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
}
