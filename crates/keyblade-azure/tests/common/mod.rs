//! What the tests that run keyblade-azure against the in-process sandbox share: short retry
//! waits and fast polling, so a fault or a long-running operation costs milliseconds, not
//! the production defaults' seconds; and the [`Fixture`], a sandbox with the demo sign-ins.
//!
//! Each test crate uses a part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyblade_azure::arm::lro::{LroSettings, ProgressUpdate};
use keyblade_azure::encryption::{EncryptionView, SaveSettings};
use keyblade_azure::{
    CloudSettings, HttpSettings, HttpTransport, KeybladeCredential, ProxySettings, RequestLog,
    RetryPolicy, Session, load_cloud_from_metadata_url,
};
use keyblade_sandbox::scenario::demo::{
    PROD_REGISTRIES_GROUP, PROD_SECURITY_GROUP, PROD_SUBSCRIPTION,
};
use keyblade_sandbox::scenario::demo::{READER_CLIENT_ID, READER_SECRET};
use keyblade_sandbox::{
    FaultEffect, FaultRule, RouteMatcher, RunningSandbox, Sandbox, SandboxConfig,
};
use serde_json::Value;
use url::Url;

pub fn http_settings() -> HttpSettings {
    HttpSettings {
        retry: RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(2),
            base_backoff: Duration::from_millis(50),
        },
        // The sandbox is on loopback; a proxy in the developer's environment must not
        // carry these requests (tests/proxy.rs tests proxies).
        proxy: ProxySettings::none(),
        ..HttpSettings::default()
    }
}

pub fn lro_settings() -> LroSettings {
    LroSettings {
        default_poll_interval: Duration::from_millis(50),
        max_poll_interval: Duration::from_millis(200),
        timeout: Duration::from_secs(60),
    }
}

/// Save waits in milliseconds instead of the production defaults' seconds.
pub fn save_settings() -> SaveSettings {
    SaveSettings {
        propagation_timeout: Duration::from_secs(10),
        propagation_first_wait: Duration::from_millis(100),
        max_retry_wait: Duration::from_millis(400),
        settle_timeout: Duration::from_secs(10),
        watch_timeout: Duration::from_secs(60),
        watch_interval: Duration::from_millis(100),
    }
}

/// A sandbox of its own (`demo` scenario, port 0) and its cloud, as keyblade loads it.
pub struct Fixture {
    pub sandbox: RunningSandbox,
    pub cloud: CloudSettings,
}

impl Fixture {
    pub async fn start() -> Fixture {
        let sandbox = Sandbox::start(SandboxConfig {
            clock_speed: 50.0,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        // Automatic rotation changes a registry's ETag; keep it out of the way of tests
        // that compare ETags (one sweep per ~2 000 000 sandbox seconds is never).
        sandbox.with_world(|world| world.arm.settings.rotation_check_interval_secs = 2_000_000);
        let cloud = load_cloud_from_metadata_url(
            &Url::parse(&sandbox.metadata_url()).expect("metadata URL is a URL"),
            vec![sandbox.ca_pem().to_owned()],
            &http_settings(),
        )
        .await
        .expect("sandbox metadata loads");
        Fixture { sandbox, cloud }
    }

    /// The demo sign-in (owner of the demo subscriptions).
    pub fn session(&self) -> Session {
        self.session_with(http_settings())
    }

    pub fn session_with(&self, http: HttpSettings) -> Session {
        let demo = self.sandbox.demo_credentials();
        Session::client_secret(
            self.cloud.clone(),
            &http,
            lro_settings(),
            demo.tenant_id,
            demo.client_id,
            demo.client_secret.to_owned(),
        )
        .expect("demo sign-in builds")
        .with_save_settings(save_settings())
    }

    /// The demo sign-in over a transport that records every Azure call it sends.
    pub fn recorded_session(&self) -> (Session, RequestLog) {
        let demo = self.sandbox.demo_credentials();
        let cloud = Arc::new(self.cloud.clone());
        let log = RequestLog::default();
        let transport = HttpTransport::for_cloud(cloud.clone(), &http_settings())
            .expect("transport builds")
            .with_request_log(log.clone());
        let credential = KeybladeCredential::client_secret(
            cloud,
            &transport,
            demo.tenant_id,
            demo.client_id,
            demo.client_secret.to_owned(),
        )
        .expect("demo sign-in builds");
        (
            Session::new(credential, transport, lro_settings()).with_save_settings(save_settings()),
            log,
        )
    }

    /// The demo reader: may read everything, change nothing.
    pub fn reader(&self) -> Session {
        Session::client_secret(
            self.cloud.clone(),
            &http_settings(),
            lro_settings(),
            self.sandbox.demo_credentials().tenant_id,
            READER_CLIENT_ID,
            READER_SECRET.to_owned(),
        )
        .expect("reader sign-in builds")
    }

    /// Makes the sandbox answer matching requests with `effect`, `count` times (or always).
    pub fn fault(&self, matcher: RouteMatcher, effect: FaultEffect, count: Option<u32>) {
        self.sandbox.with_world(|world| {
            world
                .faults
                .add(FaultRule {
                    id: 0,
                    matcher,
                    effect,
                    count,
                    probability: None,
                })
                .expect("fault rule is valid")
        });
    }

    /// `https://{name}.vault.localhost:{port}/`.
    pub fn vault_url(&self, name: &str) -> Url {
        Url::parse(&format!(
            "https://{name}.vault.localhost:{}/",
            self.sandbox.port()
        ))
        .expect("vault URI is a URL")
    }
}

/// Requests with this method whose path matches `path_regex`.
pub fn route(method: &str, path_regex: &str) -> RouteMatcher {
    RouteMatcher {
        method: Some(method.to_owned()),
        path_regex: Some(path_regex.to_owned()),
        ..RouteMatcher::default()
    }
}

/// Reading the sandbox's own state, to check a write without the code under test.
impl Fixture {
    /// The resource as the sandbox stores it.
    pub fn stored(&self, id: &str) -> Value {
        self.sandbox
            .with_world(|world| keyblade_sandbox::oracle::raw_resource(world, id))
            .unwrap_or_else(|| panic!("the sandbox has {id}"))
    }

    /// The sandbox's own verdict on the registry's CMK health (`accessible` or
    /// `inaccessible: why`).
    pub fn oracle_health(&self, id: &str) -> String {
        self.sandbox
            .with_world(|world| keyblade_sandbox::oracle::cmk_health(world, id))
            .and_then(|health| health["health"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("the sandbox has {id}"))
    }

    pub fn vault_uri_string(&self, name: &str) -> String {
        self.vault_url(name).to_string()
    }

    /// The newest version of a key in the sandbox's key store.
    pub fn latest_version(&self, vault: &str, key: &str) -> String {
        self.sandbox.with_world(|world| {
            world
                .vaults
                .key(vault, key)
                .and_then(|k| k.current())
                .map(|v| v.version.clone())
                .unwrap_or_else(|| panic!("{vault}/{key} exists"))
        })
    }
}

pub fn registry(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/{name}"
    )
}

pub fn identity(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
}

pub fn key_vault_properties(stored: &Value) -> &Value {
    &stored["properties"]["encryption"]["keyVaultProperties"]
}

/// Collects progress updates.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<ProgressUpdate>>>);

impl Recorder {
    pub fn sink(&self) -> impl Fn(ProgressUpdate) + Send + Sync + use<> {
        let updates = self.0.clone();
        move |update| {
            updates
                .lock()
                .expect("no test thread panicked")
                .push(update)
        }
    }

    pub fn updates(&self) -> Vec<ProgressUpdate> {
        self.0.lock().expect("no test thread panicked").clone()
    }
}

pub fn etag(view: &EncryptionView) -> String {
    view.etag
        .clone()
        .expect("the registry was read with an ETag")
}
