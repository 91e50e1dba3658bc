//! The Rust SDK keyblade uses for Container Registry (`azure_mgmt_containerregistry`
//! 0.21, on the legacy `azure_core` 0.21), unmodified, against the sandbox over
//! HTTPS: get, and update with polling of the long-running operation.
//!
//! What the SDK needs, and nothing else: a transport (`reqwest` 0.12) that
//! trusts the sandbox CA, and a `TokenCredential` that gets a token from the
//! sandbox's Entra ID (the 0.21 SDK has no credential for a custom authority).

use std::sync::Arc;
use std::time::Duration;

use azure_core_legacy::auth::{AccessToken, Secret, TokenCredential};
use azure_mgmt_containerregistry::models::{
    RegistryPropertiesUpdateParameters, RegistryUpdateParameters,
};
use keyblade_sandbox::scenario::demo::{
    PROD_REGISTRIES_GROUP, PROD_SUBSCRIPTION, READER_CLIENT_ID, READER_SECRET,
};
use keyblade_sandbox::{DEMO, RunningSandbox, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Client credentials against the sandbox authority, as azure_identity would do them.
#[derive(Debug)]
struct SandboxCredential {
    http: reqwest_legacy::Client,
    token_url: String,
    client_id: String,
    client_secret: String,
}

#[async_trait::async_trait]
impl TokenCredential for SandboxCredential {
    async fn get_token(&self, scopes: &[&str]) -> azure_core_legacy::Result<AccessToken> {
        let form: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", &self.client_secret)
            .append_pair("scope", &scopes.join(" "))
            .finish();
        let failure = |message: String| {
            azure_core_legacy::Error::message(
                azure_core_legacy::error::ErrorKind::Credential,
                message,
            )
        };
        let response = self
            .http
            .post(&self.token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| failure(format!("token request failed: {e}")))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| failure(format!("token response unreadable: {e}")))?;
        let token: Value = serde_json::from_slice(&body)
            .map_err(|e| failure(format!("token response is not JSON ({e}): status {status}")))?;
        let access = token["access_token"]
            .as_str()
            .ok_or_else(|| failure(format!("no access_token (status {status}): {token}")))?;
        let expires_in = token["expires_in"].as_i64().unwrap_or(3600);
        Ok(AccessToken::new(
            Secret::new(access.to_owned()),
            OffsetDateTime::now_utc() + Duration::from_secs(expires_in as u64),
        ))
    }

    async fn clear_cache(&self) -> azure_core_legacy::Result<()> {
        Ok(())
    }
}

async fn sandbox() -> RunningSandbox {
    Sandbox::start(SandboxConfig {
        port: 0,
        scenario: "demo".to_owned(),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn http(sandbox: &RunningSandbox) -> reqwest_legacy::Client {
    let ca = reqwest_legacy::Certificate::from_pem(sandbox.ca_pem().as_bytes()).expect("CA PEM");
    reqwest_legacy::Client::builder()
        .add_root_certificate(ca)
        .build()
        .expect("reqwest client")
}

fn client(
    sandbox: &RunningSandbox,
    client_id: &str,
    secret: &str,
) -> azure_mgmt_containerregistry::Client {
    let http = http(sandbox);
    let credential = Arc::new(SandboxCredential {
        http: http.clone(),
        token_url: format!("{}/{}/oauth2/v2.0/token", sandbox.arm_url(), DEMO.tenant_id),
        client_id: client_id.to_owned(),
        client_secret: secret.to_owned(),
    });
    let endpoint = azure_core_legacy::Url::parse(&sandbox.arm_url()).expect("ARM URL");
    azure_mgmt_containerregistry::Client::builder(credential)
        .endpoint(endpoint)
        .transport(azure_core_legacy::TransportOptions::new(Arc::new(http)))
        .retry(azure_core_legacy::RetryOptions::none())
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_gets_a_cmk_registry_and_updates_it_through_the_long_running_operation() {
    let sandbox = sandbox().await;
    let client = client(&sandbox, DEMO.client_id, DEMO.client_secret);
    let registries = client.registries_client();

    let registry = registries
        .get(PROD_SUBSCRIPTION, PROD_REGISTRIES_GROUP, "crcontosoprod")
        .await
        .expect("get succeeds");
    let encryption = registry
        .properties
        .as_ref()
        .and_then(|p| p.encryption.as_ref())
        .expect("encryption");
    let kv = encryption
        .key_vault_properties
        .as_ref()
        .expect("keyVaultProperties");
    assert_eq!(kv.key_rotation_enabled, Some(true));
    assert!(
        kv.versioned_key_identifier
            .as_deref()
            .unwrap_or_default()
            .contains("/keys/acr-prod-key/")
    );
    assert!(kv.last_key_rotation_timestamp.is_some());
    assert_eq!(
        registry.sku.name,
        azure_mgmt_containerregistry::models::sku::Name::Premium
    );

    let mut update = RegistryUpdateParameters::new();
    update.tags = Some(json!({"team": "platform", "changed-by": "sdk"}));
    let mut properties = RegistryPropertiesUpdateParameters::new();
    properties.admin_user_enabled = Some(true);
    update.properties = Some(properties);
    let started = std::time::Instant::now();
    let updated = registries
        .update(
            PROD_SUBSCRIPTION,
            PROD_REGISTRIES_GROUP,
            "crcontosoprod",
            update,
        )
        .await
        .expect("update completes");
    let waited = started.elapsed();
    let updated_properties = updated.properties.as_ref().expect("properties");
    assert_eq!(updated_properties.admin_user_enabled, Some(true));
    assert_eq!(
        updated_properties.provisioning_state,
        Some(
            azure_mgmt_containerregistry::models::registry_properties::ProvisioningState::Succeeded
        )
    );
    assert_eq!(
        updated
            .resource
            .tags
            .as_ref()
            .and_then(|t| t.get("changed-by"))
            .and_then(Value::as_str),
        Some("sdk")
    );
    // The SDK waited for the operation (2 s of sandbox time) by polling, guided by Retry-After.
    assert!(
        waited >= Duration::from_millis(1500),
        "returned after {waited:?}"
    );
    let operations = sandbox.with_world(|w| w.arm.operations.values().filter(|op| op.done).count());
    assert_eq!(operations, 1);
    // The CMK configuration survived the SDK's partial body.
    let after = sandbox.with_world(|w| {
        keyblade_sandbox::oracle::raw_resource(w, &registry.resource.id.clone().unwrap_or_default())
    });
    assert_eq!(
        after
            .as_ref()
            .and_then(|r| r.pointer("/properties/encryption/status"))
            .and_then(Value::as_str),
        Some("enabled")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_sees_a_failed_operation_and_a_readers_refusal() {
    let sandbox = sandbox().await;
    sandbox.with_world(|w| {
        let rule: keyblade_sandbox::FaultRule = serde_json::from_value(json!({
            "match": {"method": "PATCH", "pathPrefix": "/subscriptions/"},
            "effect": {"kind": "failOperation", "code": "InternalServerError", "message": "injected by the test"},
            "count": 1
        }))
        .expect("rule");
        w.faults.add(rule).expect("added");
    });
    let client = client(&sandbox, DEMO.client_id, DEMO.client_secret);
    let failed = tag_registry(&client, "crcontosonocmk", json!({"try": "1"})).await;
    let error = failed.expect_err("the operation ends Failed");
    assert!(
        error.to_string().contains("Long running operation failed"),
        "{error}"
    );

    let reader = client_for_reader(&sandbox);
    let refused = tag_registry(&reader, "crcontosonocmk", json!({"try": "2"}))
        .await
        .expect_err("a Reader may not update");
    let text = format!("{refused:?}");
    assert!(
        text.contains("403") || text.contains("Forbidden") || text.contains("AuthorizationFailed"),
        "{text}"
    );
    let read = reader
        .registries_client()
        .get(PROD_SUBSCRIPTION, PROD_REGISTRIES_GROUP, "crcontosonocmk")
        .await
        .expect("a Reader may read");
    assert_eq!(read.resource.name.as_deref(), Some("crcontosonocmk"));
}

/// Sets a demo registry's tags through the SDK (a PATCH, so a long-running operation).
async fn tag_registry(
    client: &azure_mgmt_containerregistry::Client,
    name: &str,
    tags: Value,
) -> azure_core_legacy::Result<azure_mgmt_containerregistry::models::Registry> {
    let mut update = RegistryUpdateParameters::new();
    update.tags = Some(tags);
    client
        .registries_client()
        .update(PROD_SUBSCRIPTION, PROD_REGISTRIES_GROUP, name, update)
        .await
}

fn client_for_reader(sandbox: &RunningSandbox) -> azure_mgmt_containerregistry::Client {
    client(sandbox, READER_CLIENT_ID, READER_SECRET)
}
