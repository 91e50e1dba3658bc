//! A started sandbox plus an HTTPS client that trusts its CA and resolves
//! `*.localhost` to loopback, as keyblade's own client must.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use keyblade_sandbox::directory::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID};
use keyblade_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const SUBSCRIPTION: &str = "11111111-2222-4333-8444-555555555555";
pub const GROUP: &str = "rg-platform";
/// A service principal with only `get` on the access-policy vault.
pub const LIMITED_CLIENT_ID: &str = "aaaaaaaa-0000-4000-8000-000000000001";
pub const LIMITED_OBJECT_ID: &str = "aaaaaaaa-0000-4000-8000-0000000000a1";
pub const LIMITED_SECRET: &str = "limited~secret";
/// A service principal with no access anywhere.
pub const NOBODY_CLIENT_ID: &str = "aaaaaaaa-0000-4000-8000-000000000002";
pub const NOBODY_OBJECT_ID: &str = "aaaaaaaa-0000-4000-8000-0000000000a2";
pub const NOBODY_SECRET: &str = "nobody~secret";

pub struct Harness {
    pub sandbox: RunningSandbox,
    pub client: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// Resolves every `*.localhost` name to 127.0.0.1.
struct LoopbackResolver;

impl reqwest::dns::Resolve for LoopbackResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            if host == "localhost" || host.ends_with(".localhost") {
                let addrs: reqwest::dns::Addrs = Box::new(std::iter::once(SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::LOCALHOST),
                    0,
                )));
                Ok(addrs)
            } else {
                Err(format!("test resolver: {host} is not a *.localhost name").into())
            }
        })
    }
}

pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn client_trusting(ca_pem: &str) -> reqwest::Client {
    install_crypto_provider();
    let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA PEM parses");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .dns_resolver(Arc::new(LoopbackResolver))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client builds")
}

/// The vaults and principals most tests use:
/// - `kv-policy`: access policies, purge protection; demo SP has all key permissions, LIMITED only `get`;
/// - `kv-rbac`: RBAC; demo SP is Key Vault Crypto Officer, LIMITED is Key Vault Reader;
/// - `kv-firewall`: access policies for the demo SP, network ACL deny with an IP rule that is not loopback;
/// - `kv-nopurge`: access policies, no purge protection, 7-day retention.
pub fn standard_steps() -> Value {
    let all_keys = keyblade_sandbox::scenario::demo::full_key_permissions();
    let policy_vault = |purge_protection: bool, retention: i64, acls: Value| {
        json!({
            "location": "westeurope",
            "properties": {
                "tenantId": DEMO_TENANT_ID,
                "sku": {"family": "A", "name": "standard"},
                "enableSoftDelete": true,
                "softDeleteRetentionInDays": retention,
                "enablePurgeProtection": if purge_protection { json!(true) } else { Value::Null },
                "networkAcls": acls,
                "accessPolicies": [
                    {"tenantId": DEMO_TENANT_ID, "objectId": keyblade_sandbox::directory::DEMO_CLIENT_OBJECT_ID,
                     "permissions": {"keys": all_keys, "secrets": [], "certificates": []}},
                    {"tenantId": DEMO_TENANT_ID, "objectId": LIMITED_OBJECT_ID,
                     "permissions": {"keys": ["get"], "secrets": [], "certificates": []}}
                ]
            }
        })
    };
    let vault_id = |name: &str| {
        format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults/{name}"
        )
    };
    json!({"steps": [
        {"subscription": {"id": SUBSCRIPTION, "displayName": "Platform tests"}},
        {"resourceGroup": {"subscription": SUBSCRIPTION, "name": GROUP, "location": "westeurope"}},
        {"servicePrincipal": {"clientId": LIMITED_CLIENT_ID, "objectId": LIMITED_OBJECT_ID, "displayName": "limited", "secret": LIMITED_SECRET}},
        {"servicePrincipal": {"clientId": NOBODY_CLIENT_ID, "objectId": NOBODY_OBJECT_ID, "displayName": "nobody", "secret": NOBODY_SECRET}},
        {"put": {"id": vault_id("kv-policy"), "body": policy_vault(true, 90, json!({"defaultAction": "Allow", "bypass": "AzureServices"}))}},
        {"put": {"id": vault_id("kv-nopurge"), "body": policy_vault(false, 7, json!({"defaultAction": "Allow", "bypass": "AzureServices"}))}},
        {"put": {"id": vault_id("kv-firewall"), "body": policy_vault(true, 90, json!({
            "defaultAction": "Deny", "bypass": "AzureServices",
            "ipRules": [{"value": "203.0.113.7"}], "virtualNetworkRules": []}))}},
        {"put": {"id": vault_id("kv-rbac"), "body": {
            "location": "westeurope",
            "properties": {"tenantId": DEMO_TENANT_ID, "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": true, "enablePurgeProtection": true, "accessPolicies": []}}}},
        {"roleAssignment": {"scope": vault_id("kv-rbac"), "role": "Key Vault Crypto Officer",
            "principalId": keyblade_sandbox::directory::DEMO_CLIENT_OBJECT_ID}},
        {"roleAssignment": {"scope": vault_id("kv-rbac"), "role": "Key Vault Reader", "principalId": LIMITED_OBJECT_ID}},
    ]})
}

impl Harness {
    /// A sandbox with the `empty` scenario plus [`standard_steps`].
    pub async fn start() -> Harness {
        Harness::start_with(SandboxConfig {
            scenario: "empty".to_owned(),
            ..SandboxConfig::default()
        })
        .await
    }

    pub async fn start_with(config: SandboxConfig) -> Harness {
        let needs_steps =
            config.state_file.as_ref().is_none_or(|p| !p.exists()) && config.scenario == "empty";
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        if needs_steps {
            let file: keyblade_sandbox::scenario::ScenarioFile =
                serde_json::from_value(standard_steps()).expect("steps deserialise");
            sandbox
                .with_world(|world| keyblade_sandbox::scenario::apply(world, &file.steps))
                .expect("standard steps apply");
        }
        let client = client_trusting(sandbox.ca_pem());
        Harness { sandbox, client }
    }

    pub fn port(&self) -> u16 {
        self.sandbox.port()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port())
    }

    pub fn vault_url(&self, vault: &str, path: &str) -> String {
        format!("https://{vault}.vault.localhost:{}{path}", self.port())
    }

    pub fn vault_scope(&self) -> String {
        format!("https://vault.localhost:{}/.default", self.port())
    }

    pub fn vault_id(&self, vault: &str) -> String {
        format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults/{vault}"
        )
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body reads");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn form(&self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().copied())
            .finish();
        let response = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("token endpoint answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body reads");
        Reply {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    /// A client-credentials token, or the error reply.
    pub async fn client_token(
        &self,
        tenant: &str,
        client_id: &str,
        secret: &str,
        scope: &str,
    ) -> Result<String, Reply> {
        let reply = self
            .form(
                &format!("/{tenant}/oauth2/v2.0/token"),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("scope", scope),
                ],
            )
            .await;
        match reply.body.get("access_token").and_then(Value::as_str) {
            Some(token) if reply.status == StatusCode::OK => Ok(token.to_owned()),
            _ => Err(reply),
        }
    }

    pub async fn demo_vault_token(&self) -> String {
        self.client_token(
            DEMO_TENANT_ID,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            &self.vault_scope(),
        )
        .await
        .unwrap_or_else(|r| panic!("demo token: {}", r.text))
    }

    pub async fn demo_arm_token(&self) -> String {
        self.client_token(
            DEMO_TENANT_ID,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            "https://management.core.windows.net//.default",
        )
        .await
        .unwrap_or_else(|r| panic!("demo token: {}", r.text))
    }

    pub async fn vault_token_for(&self, client_id: &str, secret: &str) -> String {
        self.client_token(DEMO_TENANT_ID, client_id, secret, &self.vault_scope())
            .await
            .unwrap_or_else(|r| panic!("token for {client_id}: {}", r.text))
    }

    /// Key Vault request with `api-version=7.5` appended.
    pub async fn kv(
        &self,
        method: Method,
        vault: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Reply {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = self.vault_url(vault, &format!("{path}{separator}api-version=7.5"));
        self.send(method, &url, Some(token), body).await
    }

    /// Key Vault `GET` with `api-version=7.5` appended.
    pub async fn kv_get(&self, vault: &str, path: &str, token: &str) -> Reply {
        self.kv(Method::GET, vault, path, token, None).await
    }

    /// Moves the sandbox clock: `{"seconds": N}` or `{"duration": "P30D"}`.
    pub async fn advance_clock(&self, by: Value) -> Reply {
        self.admin(Method::POST, "/clock/advance", Some(by)).await
    }

    /// Adds a fault rule through the admin API.
    pub async fn add_fault(&self, rule: Value) -> Reply {
        self.admin(Method::POST, "/faults", Some(rule)).await
    }

    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.send(method, &self.url(&format!("/_sandbox{path}")), None, body)
            .await
    }

    pub async fn create_rsa_key(&self, vault: &str, name: &str, token: &str) -> Value {
        let reply = self
            .kv(
                Method::POST,
                vault,
                &format!("/keys/{name}/create"),
                token,
                Some(json!({"kty": "RSA", "key_size": 2048})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body
    }
}

/// The claims of a JWT, without verifying it.
pub fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("payload is base64url");
    serde_json::from_slice(&bytes).expect("payload is JSON")
}

/// The last path segment of a `kid`: the version.
pub fn version_of(kid: &str) -> String {
    kid.rsplit('/').next().expect("kid has segments").to_owned()
}
