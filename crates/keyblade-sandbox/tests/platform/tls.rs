use reqwest::StatusCode;

use super::common::{Harness, install_crypto_provider};

const OPENID: &str = "/5f1e0c1a-3d4b-4c8e-9a2f-6b7d8e9f0a1b/v2.0/.well-known/openid-configuration";

#[tokio::test]
async fn every_served_name_presents_a_certificate_the_ca_signed() {
    let harness = Harness::start().await;
    let port = harness.port();
    let mut urls = vec![
        format!("https://localhost:{port}{OPENID}"),
        format!("https://127.0.0.1:{port}{OPENID}"),
        format!("https://kv-policy.vault.localhost:{port}/keys?api-version=7.5"),
    ];
    if harness.sandbox.ipv6_error().is_none() {
        urls.push(format!("https://[::1]:{port}{OPENID}"));
    }
    for url in urls {
        let response = harness
            .client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(
            response.status() == StatusCode::OK || response.status() == StatusCode::UNAUTHORIZED,
            "{url}: {}",
            response.status()
        );
    }
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let harness = Harness::start().await;
    install_crypto_provider();
    // Trusts only an unrelated CA: the handshake must fail.
    let other = keyblade_sandbox::CertificateAuthority::generate().expect("CA");
    let stranger = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(other.cert_pem.as_bytes()).expect("pem")])
        .build()
        .expect("client");
    let error = stranger
        .get(harness.url(OPENID))
        .send()
        .await
        .expect_err("untrusted CA must fail");
    assert!(error.is_connect() || error.is_request(), "{error:?}");
}

#[tokio::test]
async fn plain_http_is_not_served() {
    let harness = Harness::start().await;
    let plain = reqwest::Client::new();
    let result = plain
        .get(format!("http://127.0.0.1:{}{OPENID}", harness.port()))
        .send()
        .await;
    // The TLS listener cannot parse a plain request: either the connection
    // fails or the answer is not a successful HTTP response.
    if let Ok(response) = result {
        assert!(!response.status().is_success());
    }
}

#[tokio::test]
async fn double_slashes_reach_the_same_routes() {
    // `az cloud register --endpoint-resource-manager https://localhost:P/` asks for
    // `//metadata/endpoints`; Resource Manager's front end treats `//` as `/`.
    let harness = Harness::start().await;
    let metadata = harness
        .client
        .get(harness.url("//metadata/endpoints?api-version=2022-09-01"))
        .send()
        .await
        .expect("answer");
    assert_eq!(metadata.status(), StatusCode::OK);
    let body: serde_json::Value = metadata.json().await.expect("json");
    assert_eq!(
        body["suffixes"]["keyVaultDns"],
        format!("vault.localhost:{}", harness.port())
    );
    let admin = harness
        .client
        .get(harness.url("//_sandbox//clock"))
        .send()
        .await
        .expect("answer");
    assert_eq!(admin.status(), StatusCode::OK);
}
