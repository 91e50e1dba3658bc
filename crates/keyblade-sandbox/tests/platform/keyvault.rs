//! The Key Vault keys data plane: shapes, paging, versions, attributes,
//! deletion and recovery, wrap/unwrap.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use rsa::{BigUint, Oaep, RsaPublicKey};
use serde_json::{Value, json};

use super::common::{Harness, version_of};

#[tokio::test]
async fn created_keys_have_key_vault_shapes() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    let port = harness.port();
    let reply = harness
        .kv(
            Method::POST,
            "kv-policy",
            "/keys/CreateSoftKeyTest/create",
            &token,
            Some(
                json!({"kty": "RSA", "key_size": 2048, "key_ops": ["wrapKey", "unwrapKey"],
                        "attributes": {}, "tags": {"purpose": "unit test"}}),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let kid = reply.body["key"]["kid"].as_str().expect("kid");
    let prefix = format!("https://kv-policy.vault.localhost:{port}/keys/CreateSoftKeyTest/");
    assert!(kid.starts_with(&prefix), "{kid}");
    let version = version_of(kid);
    assert_eq!(version.len(), 32);
    assert!(
        version
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(reply.body["key"]["kty"], "RSA");
    assert_eq!(
        reply.body["key"]["key_ops"],
        json!(["wrapKey", "unwrapKey"])
    );
    assert_eq!(reply.body["key"]["e"], "AQAB");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(reply.body["key"]["n"].as_str().expect("n"))
            .expect("b64")
            .len(),
        256
    );
    let attributes = &reply.body["attributes"];
    assert_eq!(attributes["enabled"], true);
    assert!(attributes["created"].is_i64() && attributes["updated"].is_i64());
    assert_eq!(attributes["recoveryLevel"], "Recoverable");
    assert_eq!(attributes["recoverableDays"], 90);
    assert_eq!(reply.body["tags"], json!({"purpose": "unit test"}));

    // Unversioned GET, the odd trailing-slash path, and a versioned GET agree.
    for path in [
        "/keys/CreateSoftKeyTest",
        "/keys/createsoftkeytest/",
        &format!("/keys/CreateSoftKeyTest/{version}"),
    ] {
        let got = harness.kv_get("kv-policy", path, &token).await;
        assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.text);
        assert_eq!(got.body["key"]["kid"], kid, "{path}");
        assert_eq!(got.body["key"]["n"], reply.body["key"]["n"], "{path}");
    }

    let ec = harness
        .kv(
            Method::POST,
            "kv-nopurge",
            "/keys/ec-key/create",
            &token,
            Some(json!({"kty": "EC", "crv": "P-256"})),
        )
        .await;
    assert_eq!(ec.status, StatusCode::OK, "{}", ec.text);
    assert_eq!(ec.body["key"]["crv"], "P-256");
    assert_eq!(
        ec.body["attributes"]["recoveryLevel"],
        "CustomizedRecoverable+Purgeable"
    );
    assert_eq!(ec.body["attributes"]["recoverableDays"], 7);
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(ec.body["key"]["x"].as_str().expect("x"))
            .expect("b64")
            .len(),
        32
    );

    let hsm = harness
        .kv(
            Method::POST,
            "kv-nopurge",
            "/keys/hsm-key/create",
            &token,
            Some(json!({"kty": "RSA-HSM", "key_size": 3072})),
        )
        .await;
    assert_eq!(hsm.status, StatusCode::OK, "{}", hsm.text);
    assert_eq!(hsm.body["key"]["kty"], "RSA-HSM");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(hsm.body["key"]["n"].as_str().expect("n"))
            .expect("b64")
            .len(),
        384
    );

    let bad = harness
        .kv(
            Method::POST,
            "kv-nopurge",
            "/keys/bad-key/create",
            &token,
            Some(json!({"kty": "oct"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"]["code"], "BadParameter");
}

#[tokio::test]
async fn missing_keys_and_versions_are_key_not_found() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    harness.create_rsa_key("kv-policy", "present", &token).await;
    for path in [
        "/keys/absent",
        "/keys/present/00000000000000000000000000000000",
        "/deletedkeys/absent",
    ] {
        let reply = harness.kv_get("kv-policy", path, &token).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body["error"]["code"], "KeyNotFound", "{path}");
    }
    let reply = harness.kv_get("no-such-vault", "/keys", &token).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_page_with_next_links() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    for name in ["k1", "k2", "k3"] {
        harness.create_rsa_key("kv-nopurge", name, &token).await;
    }
    let mut url = harness.vault_url("kv-nopurge", "/keys?api-version=7.5&maxresults=2");
    let mut kids = Vec::new();
    let mut pages = 0;
    loop {
        let reply = harness.send(Method::GET, &url, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        pages += 1;
        for item in reply.body["value"].as_array().expect("value") {
            assert!(item["attributes"]["enabled"].is_boolean());
            assert!(
                item.get("key").is_none(),
                "list items carry no key material"
            );
            kids.push(item["kid"].as_str().expect("kid").to_owned());
        }
        match reply.body["nextLink"].as_str() {
            Some(next) => {
                assert!(next.contains("$skiptoken="), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let port = harness.port();
    assert_eq!(
        kids,
        ["k1", "k2", "k3"].map(|k| format!("https://kv-nopurge.vault.localhost:{port}/keys/{k}"))
    );

    let bad = harness
        .kv_get("kv-nopurge", "/keys?maxresults=26", &token)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let unsupported = harness
        .send(
            Method::GET,
            &harness.vault_url("kv-nopurge", "/keys?api-version=7.9"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(unsupported.status, StatusCode::BAD_REQUEST);
    assert!(
        unsupported.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("(7.9) is not recognized")
    );
    for version in ["7.4", "2025-07-01", "2026-05-01-preview"] {
        let ok = harness
            .send(
                Method::GET,
                &harness.vault_url("kv-nopurge", &format!("/keys?api-version={version}")),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{version}");
    }
}

#[tokio::test]
async fn rotate_adds_versions_and_update_changes_attributes() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    let first = harness
        .create_rsa_key("kv-policy", "rotating", &token)
        .await;
    let rotated = harness
        .kv(
            Method::POST,
            "kv-policy",
            "/keys/rotating/rotate",
            &token,
            None,
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    assert_ne!(rotated.body["key"]["kid"], first["key"]["kid"]);
    assert_ne!(
        rotated.body["key"]["n"], first["key"]["n"],
        "a rotation makes new key material"
    );

    let versions = harness
        .kv_get("kv-policy", "/keys/rotating/versions", &token)
        .await;
    let kids: Vec<&str> = versions.body["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|v| v["kid"].as_str().expect("kid"))
        .collect();
    assert_eq!(
        kids,
        [
            first["key"]["kid"].as_str().expect("kid"),
            rotated.body["key"]["kid"].as_str().expect("kid")
        ]
    );

    let latest = harness.kv_get("kv-policy", "/keys/rotating", &token).await;
    assert_eq!(latest.body["key"]["kid"], rotated.body["key"]["kid"]);

    let old_version = version_of(first["key"]["kid"].as_str().expect("kid"));
    let updated = harness
        .kv(
            Method::PATCH,
            "kv-policy",
            &format!("/keys/rotating/{old_version}"),
            &token,
            Some(json!({"attributes": {"enabled": false, "exp": 4_102_444_800_i64}, "tags": {"state": "retired"}})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["attributes"]["enabled"], false);
    assert_eq!(updated.body["attributes"]["exp"], 4_102_444_800_i64);
    assert_eq!(updated.body["tags"]["state"], "retired");
    let still_latest = harness.kv_get("kv-policy", "/keys/rotating", &token).await;
    assert_eq!(
        still_latest.body["attributes"]["enabled"], true,
        "only the old version was disabled"
    );
}

async fn wrap(
    harness: &Harness,
    token: &str,
    path: &str,
    alg: &str,
    value: &[u8],
) -> (StatusCode, Value) {
    let reply = harness
        .kv(
            Method::POST,
            "kv-policy",
            path,
            token,
            Some(json!({"alg": alg, "value": URL_SAFE_NO_PAD.encode(value)})),
        )
        .await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn wrap_and_unwrap_do_real_rsa_oaep() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    let key = harness.create_rsa_key("kv-policy", "kek", &token).await;
    let kid = key["key"]["kid"].as_str().expect("kid").to_owned();
    let version = version_of(&kid);
    let cek = [42u8; 32];

    for alg in ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"] {
        let (status, wrapped) = wrap(
            &harness,
            &token,
            &format!("/keys/kek/{version}/wrapkey"),
            alg,
            &cek,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{alg}: {wrapped}");
        assert_eq!(wrapped["kid"], kid.as_str());
        let ciphertext = URL_SAFE_NO_PAD
            .decode(wrapped["value"].as_str().expect("value"))
            .expect("b64");
        assert_eq!(ciphertext.len(), 256);
        let (status, unwrapped) = wrap(
            &harness,
            &token,
            &format!("/keys/kek/{version}/unwrapkey"),
            alg,
            &ciphertext,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{alg}: {unwrapped}");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(unwrapped["value"].as_str().expect("value"))
                .expect("b64"),
            cek
        );
    }

    // Wrapped locally with the published public key (RFC 8017 OAEP with SHA-256),
    // unwrapped by the vault: the sandbox does standard OAEP.
    let number = |name: &str| {
        BigUint::from_bytes_be(
            &URL_SAFE_NO_PAD
                .decode(key["key"][name].as_str().expect("member"))
                .expect("b64"),
        )
    };
    let public = RsaPublicKey::new(number("n"), number("e")).expect("public key");
    let local = public
        .encrypt(&mut rand::thread_rng(), Oaep::new::<sha2::Sha256>(), &cek)
        .expect("local wrap");
    // The odd `//wrapkey` form (empty version) means the current version.
    let (status, unwrapped) = wrap(
        &harness,
        &token,
        "/keys/kek//unwrapkey",
        "RSA-OAEP-256",
        &local,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{unwrapped}");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(unwrapped["value"].as_str().expect("value"))
            .expect("b64"),
        cek
    );

    let (status, body) = wrap(&harness, &token, "/keys/kek/unwrapkey", "RSA-OAEP", &local).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "wrong padding must not unwrap: {body}"
    );
    let (status, _) = wrap(&harness, &token, "/keys/kek/wrapkey", "A256KW", &cek).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unusable_keys_refuse_crypto_with_reasons() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    let cek = [1u8; 32];
    harness
        .create_rsa_key("kv-policy", "disabled", &token)
        .await;
    harness
        .kv(
            Method::PATCH,
            "kv-policy",
            "/keys/disabled",
            &token,
            Some(json!({"attributes": {"enabled": false}})),
        )
        .await;
    let expired = harness
        .kv(
            Method::POST,
            "kv-policy",
            "/keys/expired/create",
            &token,
            Some(json!({"kty": "RSA", "attributes": {"exp": 1_000_000}})),
        )
        .await;
    assert_eq!(expired.status, StatusCode::OK);
    let sign_only = harness
        .kv(
            Method::POST,
            "kv-policy",
            "/keys/sign-only/create",
            &token,
            Some(json!({"kty": "RSA", "key_ops": ["sign", "verify"]})),
        )
        .await;
    assert_eq!(sign_only.status, StatusCode::OK);

    for (name, inner) in [
        ("disabled", "KeyDisabled"),
        ("expired", "KeyExpired"),
        ("sign-only", "KeyOperationForbidden"),
    ] {
        let (status, body) = wrap(
            &harness,
            &token,
            &format!("/keys/{name}/wrapkey"),
            "RSA-OAEP",
            &cek,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["error"]["code"], "Forbidden");
        assert_eq!(body["error"]["innererror"]["code"], inner, "{name}");
    }
    // A disabled key can still be read.
    let got = harness.kv_get("kv-policy", "/keys/disabled", &token).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["attributes"]["enabled"], false);
}

#[tokio::test]
async fn deleted_keys_can_be_recovered_and_purged_unless_protected() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    let port = harness.port();

    let created = harness.create_rsa_key("kv-policy", "doomed", &token).await;
    let deleted = harness
        .kv(Method::DELETE, "kv-policy", "/keys/doomed", &token, None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(
        deleted.body["recoveryId"],
        format!("https://kv-policy.vault.localhost:{port}/deletedkeys/doomed")
    );
    let deleted_date = deleted.body["deletedDate"].as_i64().expect("deletedDate");
    assert_eq!(
        deleted.body["scheduledPurgeDate"]
            .as_i64()
            .expect("purge date")
            - deleted_date,
        90 * 86_400
    );
    assert_eq!(deleted.body["key"]["kid"], created["key"]["kid"]);

    assert_eq!(
        harness
            .kv_get("kv-policy", "/keys/doomed", &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let listed = harness.kv_get("kv-policy", "/deletedkeys", &token).await;
    assert_eq!(
        listed.body["value"][0]["kid"],
        format!("https://kv-policy.vault.localhost:{port}/keys/doomed")
    );
    let got = harness
        .kv_get("kv-policy", "/deletedkeys/doomed", &token)
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["key"]["n"], created["key"]["n"]);

    let reuse = harness
        .kv(
            Method::POST,
            "kv-policy",
            "/keys/doomed/create",
            &token,
            Some(json!({"kty": "RSA"})),
        )
        .await;
    assert_eq!(reuse.status, StatusCode::CONFLICT);

    let purge = harness
        .kv(
            Method::DELETE,
            "kv-policy",
            "/deletedkeys/doomed",
            &token,
            None,
        )
        .await;
    assert_eq!(
        purge.status,
        StatusCode::FORBIDDEN,
        "purge protection: {}",
        purge.text
    );
    assert_eq!(
        purge.body["error"]["innererror"]["code"],
        "ForbiddenByPolicy"
    );

    let recovered = harness
        .kv(
            Method::POST,
            "kv-policy",
            "/deletedkeys/doomed/recover",
            &token,
            None,
        )
        .await;
    assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.text);
    assert_eq!(recovered.body["key"]["kid"], created["key"]["kid"]);
    assert_eq!(
        harness
            .kv_get("kv-policy", "/keys/doomed", &token)
            .await
            .status,
        StatusCode::OK
    );

    // Without purge protection a purge frees the name at once.
    harness.create_rsa_key("kv-nopurge", "gone", &token).await;
    harness
        .kv(Method::DELETE, "kv-nopurge", "/keys/gone", &token, None)
        .await;
    let purge = harness
        .kv(
            Method::DELETE,
            "kv-nopurge",
            "/deletedkeys/gone",
            &token,
            None,
        )
        .await;
    assert_eq!(purge.status, StatusCode::NO_CONTENT, "{}", purge.text);
    assert_eq!(
        harness
            .kv_get("kv-nopurge", "/deletedkeys/gone", &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    harness.create_rsa_key("kv-nopurge", "gone", &token).await;
}

#[tokio::test]
async fn deleted_keys_are_purged_when_retention_ends() {
    let harness = Harness::start().await;
    let token = harness.demo_vault_token().await;
    harness
        .create_rsa_key("kv-nopurge", "short-lived", &token)
        .await;
    harness
        .kv(
            Method::DELETE,
            "kv-nopurge",
            "/keys/short-lived",
            &token,
            None,
        )
        .await;
    assert_eq!(
        harness
            .kv_get("kv-nopurge", "/deletedkeys/short-lived", &token)
            .await
            .status,
        StatusCode::OK
    );
    let advanced = harness.advance_clock(json!({"duration": "P8D"})).await;
    assert_eq!(advanced.status, StatusCode::OK, "{}", advanced.text);
    assert_eq!(
        harness
            .kv_get("kv-nopurge", "/deletedkeys/short-lived", &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
