//! keyblade behind an HTTP proxy: every request (cloud metadata, sign-in, Resource Manager,
//! Key Vault) goes through the proxy as a `CONNECT` tunnel, and hosts in NO_PROXY do not.
//!
//! The proxy is a small one of the test's own, which records each `CONNECT` target and
//! tunnels bytes both ways. Settings are given explicitly, never through the process
//! environment, which the tests running in parallel share.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Fixture, http_settings, lro_settings};
use keyblade_azure::{
    CancelSignIn, CloudSettings, HttpSettings, HttpTransport, KeybladeCredential, MemoryTokenStore,
    ProxySettings, PublicClientConfig, Session, SignInClient, load_cloud_from_metadata_url,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

const CMK_VAULT: &str = "kv-contoso-prod-cmk";

/// A forward proxy for HTTPS: answers `CONNECT host:port` by connecting there (resolving
/// `localhost` and `*.localhost` to loopback, as keyblade does) and relaying bytes.
struct ConnectProxy {
    port: u16,
    targets: Arc<Mutex<Vec<String>>>,
    heads: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    async fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("bound").port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (recorded, recorded_heads) = (targets.clone(), heads.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(tunnel(client, recorded.clone(), recorded_heads.clone()));
            }
        });
        ConnectProxy {
            port,
            targets,
            heads,
        }
    }

    /// The request heads received (CONNECT line and headers), for `Proxy-Authorization`.
    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("no panic").clone()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("no panic").clone()
    }
}

async fn tunnel(
    mut client: TcpStream,
    targets: Arc<Mutex<Vec<String>>>,
    heads: Arc<Mutex<Vec<String>>>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte up to the blank line: nothing of the tunnelled stream is read early.
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    heads.lock().expect("no panic").push(head.clone());
    let mut words = head.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        let _ = client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            .await;
        return;
    };
    targets.lock().expect("no panic").push(target.to_owned());
    let Some((host, port)) = target.rsplit_once(':') else {
        return;
    };
    let host = if host == "localhost" || host.ends_with(".localhost") {
        "127.0.0.1"
    } else {
        host
    };
    let Ok(mut upstream) = TcpStream::connect((host, port.parse().unwrap_or(443))).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .is_ok()
    {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

fn settings(proxy: ProxySettings) -> HttpSettings {
    HttpSettings {
        proxy,
        ..http_settings()
    }
}

async fn instant(_: Duration) {}

fn authority(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().expect("a host"),
        url.port_or_known_default().expect("a port")
    )
}

/// Loads the sandbox's cloud, signs in as the demo service principal and as the demo user
/// (device code), and lists subscriptions and a vault's keys, all with `http`.
async fn use_everything(fixture: &Fixture, http: &HttpSettings) -> CloudSettings {
    let cloud = load_cloud_from_metadata_url(
        &Url::parse(&fixture.sandbox.metadata_url()).expect("a URL"),
        vec![fixture.sandbox.ca_pem().to_owned()],
        http,
    )
    .await
    .expect("the metadata loads");

    let demo = fixture.sandbox.demo_credentials();
    let session = Session::client_secret(
        cloud.clone(),
        http,
        lro_settings(),
        demo.tenant_id,
        demo.client_id,
        demo.client_secret.to_owned(),
    )
    .expect("session");
    let subscriptions = session
        .arm
        .list_subscriptions()
        .await
        .expect("subscriptions");
    assert_eq!(subscriptions.len(), 3);
    let keys = session
        .keyvault
        .list_keys(&fixture.vault_url(CMK_VAULT))
        .await
        .expect("keys");
    assert!(!keys.is_empty());

    let shared = Arc::new(cloud.clone());
    let transport = HttpTransport::for_cloud(shared.clone(), http).expect("transport");
    let client = SignInClient::new(PublicClientConfig::new(shared), &transport);
    let flow = client.start_device_code().await.expect("device code");
    let code = flow.challenge().user_code.clone();
    fixture.sandbox.with_world(|world| {
        keyblade_sandbox::oracle::approve_device_code(world, &code, None).expect("approved")
    });
    let signed_in = flow
        .finish_with_pause(&CancelSignIn::new(), instant)
        .await
        .expect("signed in");
    let person =
        KeybladeCredential::interactive(&client, signed_in, Arc::new(MemoryTokenStore::new()))
            .await
            .expect("credential");
    let subscriptions = Session::new(person, transport, lro_settings())
        .arm
        .list_subscriptions()
        .await
        .expect("the person's subscriptions");
    assert_eq!(subscriptions.len(), 3);
    cloud
}

#[tokio::test]
async fn every_request_goes_through_the_proxy() {
    let fixture = Fixture::start().await;
    let proxy = ConnectProxy::start().await;
    let http = settings(ProxySettings::explicit(&proxy.url(), None).expect("a proxy URL"));
    let cloud = use_everything(&fixture, &http).await;

    let targets = proxy.targets();
    let port = fixture.sandbox.port();
    let metadata = Url::parse(&fixture.sandbox.metadata_url()).expect("a URL");
    for expected in [
        authority(&metadata),
        authority(cloud.arm_endpoint()),
        authority(cloud.authority_host()),
        format!("{CMK_VAULT}.vault.localhost:{port}"),
    ] {
        assert!(
            targets.contains(&expected),
            "no CONNECT to {expected}: {targets:?}"
        );
    }
    assert!(
        targets
            .iter()
            .all(|target| target.ends_with(&format!(":{port}"))),
        "only the sandbox was reached: {targets:?}"
    );
}

#[tokio::test]
async fn hosts_in_no_proxy_are_reached_directly() {
    let fixture = Fixture::start().await;
    let proxy = ConnectProxy::start().await;
    let url = proxy.url();
    // As the environment would say it: `localhost` covers `*.localhost` (vaults) too.
    let http = settings(ProxySettings::from_lookup(|name| match name {
        "HTTPS_PROXY" => Some(url.clone()),
        "NO_PROXY" => Some("localhost, 127.0.0.1".to_owned()),
        _ => None,
    }));
    assert_eq!(
        http.proxy.describe(),
        format!("{url} (from HTTPS_PROXY), not for localhost, 127.0.0.1 (NO_PROXY)")
    );
    use_everything(&fixture, &http).await;
    assert_eq!(proxy.targets(), Vec::<String>::new(), "nothing proxied");
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_clear_error() {
    let fixture = Fixture::start().await;
    // A port nothing listens on: bound, then released.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        listener.local_addr().expect("bound").port()
    };
    let http = settings(
        ProxySettings::explicit(&format!("http://127.0.0.1:{port}"), None).expect("a URL"),
    );
    let error = load_cloud_from_metadata_url(
        &Url::parse(&fixture.sandbox.metadata_url()).expect("a URL"),
        vec![fixture.sandbox.ca_pem().to_owned()],
        &http,
    )
    .await
    .expect_err("no proxy there");
    assert_eq!(error.code(), "azure.unreachable", "{error}");
    assert!(
        error.to_string().contains(&format!(
            "proxy: http://127.0.0.1:{port} (from keyblade's settings)"
        )),
        "the proxy is named: {error}"
    );
}

#[tokio::test]
async fn a_proxy_s_credentials_are_sent_to_it_and_shown_nowhere() {
    use base64::Engine as _;

    let fixture = Fixture::start().await;
    let proxy = ConnectProxy::start().await;
    let proxy_settings =
        ProxySettings::explicit(&format!("http://ada:s3cr3t@127.0.0.1:{}", proxy.port), None)
            .expect("a proxy URL");
    assert_eq!(
        proxy_settings.describe(),
        format!(
            "http://***@127.0.0.1:{} (from keyblade's settings)",
            proxy.port
        )
    );
    let http = settings(proxy_settings);
    assert!(!format!("{http:?}").contains("s3cr3t"), "{http:?}");
    load_cloud_from_metadata_url(
        &Url::parse(&fixture.sandbox.metadata_url()).expect("a URL"),
        vec![fixture.sandbox.ca_pem().to_owned()],
        &http,
    )
    .await
    .expect("the metadata loads through the proxy");
    let basic = format!(
        "basic {}",
        base64::engine::general_purpose::STANDARD.encode("ada:s3cr3t")
    );
    let heads = proxy.heads();
    assert!(!heads.is_empty());
    for head in heads {
        assert!(
            head.to_ascii_lowercase().contains(&format!(
                "proxy-authorization: {}",
                basic.to_ascii_lowercase()
            )),
            "{head}"
        );
    }
}
