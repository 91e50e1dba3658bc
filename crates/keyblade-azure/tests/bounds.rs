//! Safe writes and bounded reads, against a local fake server that misbehaves on purpose
//! (the sandbox behaves like Azure, so it cannot stall mid-body or page forever):
//!
//! - a write that may have been applied (500/504, timeout) is not sent again; a read is;
//! - one attempt is bounded in time, headers and body together;
//! - a response body is bounded in size, declared or not;
//! - a list whose `nextLink` loops stops, in Resource Manager and in Key Vault;
//! - a custom cloud's endpoints must be on its metadata host unless confirmed.
//!
//! The fake speaks HTTP/1.1 on blocking threads, plain or over rustls with a certificate
//! from the sandbox's CA; every connection answers one request and closes.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use bytes::Bytes;
use keyblade_azure::arm::lro::LroSettings;
use keyblade_azure::transport::WireRequest;
use keyblade_azure::{
    AzureError, CloudMetadataError, CloudSettings, HttpSettings, HttpTransport, KeybladeCredential,
    RetryPolicy, Session, SignInMethod, load_cloud_from_metadata_url,
    load_cloud_from_metadata_url_trusting,
};
use keyblade_sandbox::CertificateAuthority;
use url::Url;

// ---------------------------------------------------------------------------------------
// The fake server

/// One request, as the fake saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    host: String,
    path: String,
    authorized: bool,
}

/// What the fake does with a request.
enum Reply {
    /// Send these bytes, then close.
    Bytes(Vec<u8>),
    /// Send these bytes, then send nothing more and keep the connection open.
    Stall(Vec<u8>),
    /// Send this head (chunked), then chunks until the client hangs up.
    Endless(Vec<u8>),
}

type Handler = dyn Fn(&Seen, u16) -> Reply + Send + Sync;

struct Fake {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    fn plain(handler: impl Fn(&Seen, u16) -> Reply + Send + Sync + 'static) -> Fake {
        Fake::start(None, Arc::new(handler))
    }

    fn tls(
        ca: &CertificateAuthority,
        handler: impl Fn(&Seen, u16) -> Reply + Send + Sync + 'static,
    ) -> Fake {
        let config = ca.server_config().expect("server certificate");
        Fake::start(Some(config), Arc::new(handler))
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (handler, log, tls) = (handler.clone(), log.clone(), tls.clone());
                thread::spawn(move || match tls {
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        serve(
                            rustls::StreamOwned::new(connection, stream),
                            port,
                            &*handler,
                            &log,
                        );
                    }
                    None => serve(stream, port, &*handler, &log),
                });
            }
        });
        Fake { port, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }

    fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://127.0.0.1:{}{path}", self.port)).expect("a URL")
    }
}

fn serve(mut stream: impl Read + Write, port: u16, handler: &Handler, log: &Mutex<Vec<Seen>>) {
    let Some(seen) = read_request(&mut stream) else {
        return;
    };
    log.lock().expect("log").push(seen.clone());
    match handler(&seen, port) {
        Reply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
        }
        Reply::Stall(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            thread::sleep(Duration::from_secs(60));
        }
        Reply::Endless(head) => {
            if stream.write_all(&head).is_err() {
                return;
            }
            let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
            while stream.write_all(chunk.as_bytes()).is_ok() {}
        }
    }
}

/// Reads a request head and its `Content-Length` body.
fn read_request(stream: &mut impl Read) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut buffer).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.clone())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = data.len() - (head_end + 4);
    while body < length {
        let read = stream.read(&mut buffer).ok().filter(|n| *n > 0)?;
        body += read;
    }
    Some(Seen {
        method,
        host: header("host").unwrap_or_default(),
        path,
        authorized: header("authorization").is_some(),
    })
}

fn response(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text.into_bytes()
}

fn json(body: &str) -> Reply {
    Reply::Bytes(response(
        "200 OK",
        &[("content-type", "application/json")],
        body,
    ))
}

// ---------------------------------------------------------------------------------------
// Transport bounds, over plain HTTP (no token, so the token-host guard does not apply)

fn settings() -> HttpSettings {
    HttpSettings {
        retry: RetryPolicy {
            max_retries: 2,
            max_wait: Duration::from_millis(50),
            base_backoff: Duration::from_millis(5),
        },
        attempt_timeout: Duration::from_millis(400),
        max_body_bytes: 64 * 1024,
        ..HttpSettings::default()
    }
}

fn transport(settings: &HttpSettings) -> HttpTransport {
    HttpTransport::without_tokens(&[], settings).expect("transport")
}

fn request(method: &str, url: Url) -> WireRequest {
    WireRequest {
        method: reqwest::Method::from_bytes(method.as_bytes()).expect("a method"),
        url,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body: if matches!(method, "GET" | "HEAD" | "DELETE") {
            Bytes::new()
        } else {
            Bytes::from_static(b"{\"properties\":{}}")
        },
    }
}

/// Sends `method` to a fake answering every request with `reply` and returns the outcome
/// and how many requests reached the fake.
async fn send_to(
    method: &str,
    settings: &HttpSettings,
    reply: impl Fn() -> Reply + Send + Sync + 'static,
) -> (
    Result<keyblade_azure::transport::WireResponse, AzureError>,
    usize,
) {
    let fake = Fake::plain(move |_, _| reply());
    let outcome = transport(settings)
        .send(request(method, fake.url("/resource")))
        .await;
    (outcome, fake.seen().len())
}

fn stalled_body() -> Reply {
    // Headers promise 100 bytes; 10 come, then nothing.
    let mut bytes = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n".to_vec();
    bytes.extend_from_slice(b"0123456789");
    Reply::Stall(bytes)
}

#[tokio::test]
async fn a_read_whose_body_stalls_times_out_and_is_tried_again() {
    let started = Instant::now();
    let (outcome, requests) = send_to("GET", &settings(), stalled_body).await;
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            &error,
            AzureError::TimedOut {
                host,
                seconds: 1,
                may_have_applied: false,
            } if host.starts_with("127.0.0.1:")
        ),
        "{error:?}"
    );
    assert_eq!(error.code(), "azure.timedOut");
    assert_eq!(requests, 3, "the first attempt and two retries");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        started.elapsed()
    );
    assert!(!error.to_string().contains("may or may not"), "{error}");
}

#[tokio::test]
async fn a_write_whose_answer_stalls_times_out_once_and_says_it_may_have_been_applied() {
    for method in ["POST", "PATCH"] {
        let (outcome, requests) = send_to(method, &settings(), stalled_body).await;
        let error = outcome.unwrap_err();
        assert!(
            matches!(
                error,
                AzureError::TimedOut {
                    may_have_applied: true,
                    seconds: 1,
                    ..
                }
            ),
            "{method}: {error:?}"
        );
        assert_eq!(requests, 1, "{method} is not sent again");
        let message = error.to_string();
        assert!(
            message.contains("did not answer within 1 s")
                && message.contains("may or may not have been applied"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn headers_that_never_come_time_out_too() {
    let (outcome, requests) = send_to("PUT", &settings(), || Reply::Stall(Vec::new())).await;
    assert_eq!(outcome.unwrap_err().code(), "azure.timedOut");
    assert_eq!(requests, 3, "PUT is idempotent: retried");
}

#[tokio::test]
async fn server_errors_after_a_write_are_not_sent_again() {
    for (status, method, expected_requests) in [
        ("500 Internal Server Error", "GET", 3),
        ("500 Internal Server Error", "PUT", 3),
        ("500 Internal Server Error", "DELETE", 3),
        ("500 Internal Server Error", "POST", 1),
        ("500 Internal Server Error", "PATCH", 1),
        ("504 Gateway Timeout", "PATCH", 1),
        ("502 Bad Gateway", "POST", 1),
        ("408 Request Timeout", "POST", 1),
        // Throttled or unavailable: Azure refused before acting, so any method is retried.
        ("503 Service Unavailable", "POST", 3),
        ("429 Too Many Requests", "PATCH", 3),
    ] {
        let (outcome, requests) = send_to(method, &settings(), move || {
            Reply::Bytes(response(
                status,
                &[("retry-after-ms", "1")],
                r#"{"error":{"code":"X","message":"y"}}"#,
            ))
        })
        .await;
        assert_eq!(requests, expected_requests, "{status} after {method}");
        match outcome {
            Ok(answer) => assert_eq!(
                answer.status.to_string(),
                status[..3],
                "{status} after {method}"
            ),
            Err(error) => assert_eq!(error.code(), "azure.throttled", "{status} {method}"),
        }
    }
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_reading_it() {
    let started = Instant::now();
    let (outcome, _) = send_to("GET", &settings(), || {
        // Claims a gibibyte and sends none of it: only the declaration can be refused.
        Reply::Stall(b"HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\n".to_vec())
    })
    .await;
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            error,
            AzureError::ResponseTooLarge {
                limit_bytes: 65536,
                may_have_applied: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.code(), "azure.responseTooLarge");
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "refused at once, not after the attempt timeout"
    );
}

#[tokio::test]
async fn an_endless_body_stops_at_the_limit() {
    let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    let (outcome, requests) =
        send_to("POST", &settings(), move || Reply::Endless(head.clone())).await;
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            error,
            AzureError::ResponseTooLarge {
                may_have_applied: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(requests, 1);
    assert!(
        error.to_string().contains("The change reached the service"),
        "{error}"
    );
}

#[tokio::test]
async fn a_body_within_the_limit_is_read_whole() {
    let limit = settings().max_body_bytes;
    for size in [0, 1000, limit] {
        let body = "y".repeat(size);
        let (outcome, _) = send_to("GET", &settings(), move || {
            Reply::Bytes(response("200 OK", &[], &body))
        })
        .await;
        assert_eq!(outcome.unwrap().body.len(), size);
    }
}

// ---------------------------------------------------------------------------------------
// Paging, over HTTPS with a token, through the SDK clients keyblade uses

#[derive(Debug)]
struct FakeToken;

#[async_trait::async_trait]
impl TokenCredential for FakeToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            "fake-token",
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

/// A cloud whose Resource Manager and sign-in are the fake (`localhost:P`) and whose vaults
/// are `*.vault.localhost:P`, trusting the fake's CA.
fn fake_cloud(ca: &CertificateAuthority, port: u16) -> CloudSettings {
    let json = include_str!("data/metadata/sandbox.json").replace("8443", &port.to_string());
    CloudSettings::from_metadata(&json, vec![ca.cert_pem.clone()]).expect("cloud")
}

fn fake_session(ca: &CertificateAuthority, port: u16) -> Session {
    let cloud = Arc::new(fake_cloud(ca, port));
    let transport = HttpTransport::for_cloud(cloud.clone(), &settings()).expect("transport");
    let credential = KeybladeCredential::from_token_credential(
        cloud,
        SignInMethod::ClientSecret {
            tenant_id: "t".to_owned(),
            client_id: "c".to_owned(),
        },
        Arc::new(FakeToken),
    );
    Session::new(credential, transport, LroSettings::default())
}

#[tokio::test]
async fn a_resource_manager_list_whose_next_link_loops_stops() {
    let ca = CertificateAuthority::generate().unwrap();
    let fake = Fake::tls(&ca, |_, port| {
        // Every page links to the same "next" page: the list would never end.
        json(&format!(
            r#"{{"value":[{{"subscriptionId":"s1","displayName":"One"}}],
                "nextLink":"https://localhost:{port}/subscriptions?api-version=2021-10-01&$skiptoken=again"}}"#
        ))
    });
    let session = fake_session(&ca, fake.port);
    let error = tokio::time::timeout(Duration::from_secs(20), session.arm.list_subscriptions())
        .await
        .expect("the list ends")
        .unwrap_err();
    assert_eq!(error.code(), "azure.pagingLoop", "{error}");
    assert!(error.to_string().contains("the subscriptions"), "{error}");
    let seen = fake.seen();
    assert_eq!(
        seen.len(),
        2,
        "the first page and the one its link named, no more: {seen:?}"
    );
    assert!(seen.iter().all(|s| s.authorized && s.method == "GET"));
}

#[tokio::test]
async fn a_key_vault_list_whose_next_link_loops_stops() {
    let ca = CertificateAuthority::generate().unwrap();
    let fake = Fake::tls(&ca, |seen, port| {
        if !seen.authorized {
            // Key Vault's challenge: where to get a token, for which resource.
            let challenge = format!(
                "Bearer authorization=\"https://localhost:{port}/t\", resource=\"https://vault.localhost:{port}\""
            );
            return Reply::Bytes(response(
                "401 Unauthorized",
                &[("www-authenticate", &challenge)],
                r#"{"error":{"code":"Unauthorized","message":"no token"}}"#,
            ));
        }
        // Two pages linking to each other.
        let next = if seen.path.contains("skiptoken=b") {
            "a"
        } else {
            "b"
        };
        json(&format!(
            r#"{{"value":[{{"kid":"https://kv.vault.localhost:{port}/keys/k-{next}","attributes":{{"enabled":true}}}}],
                "nextLink":"https://kv.vault.localhost:{port}/keys?api-version=2025-07-01&$skiptoken={next}"}}"#
        ))
    });
    let session = fake_session(&ca, fake.port);
    let vault = Url::parse(&format!("https://kv.vault.localhost:{}/", fake.port)).unwrap();
    let error = tokio::time::timeout(Duration::from_secs(20), session.keyvault.list_keys(&vault))
        .await
        .expect("the list ends")
        .unwrap_err();
    assert_eq!(error.code(), "azure.pagingLoop", "{error}");
    assert!(
        error
            .to_string()
            .contains("the keys of the key vault \"kv\""),
        "{error}"
    );
    let pages: Vec<Seen> = fake.seen().into_iter().filter(|s| s.authorized).collect();
    assert_eq!(pages.len(), 3, "pages a, b and a again: {pages:?}");
    assert!(
        pages
            .iter()
            .all(|s| s.host.starts_with("kv.vault.localhost"))
    );
}

// ---------------------------------------------------------------------------------------
// A custom cloud's endpoints

#[tokio::test]
async fn a_cloud_whose_sign_in_is_on_another_host_needs_confirmation() {
    let ca = CertificateAuthority::generate().unwrap();
    let fake = Fake::tls(&ca, |_, port| {
        json(&format!(
            r#"{{"name":"Elsewhere","resourceManager":"https://localhost:{port}/",
                "authentication":{{"loginEndpoint":"https://login.example.net/","audiences":["https://localhost:{port}/"]}},
                "suffixes":{{"keyVaultDns":"vault.localhost:{port}"}}}}"#
        ))
    });
    let url = Url::parse(&format!(
        "https://localhost:{}/metadata/endpoints",
        fake.port
    ))
    .unwrap();
    let ca_pems = vec![ca.cert_pem.clone()];

    let refused = load_cloud_from_metadata_url(&url, ca_pems.clone(), &settings())
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        AzureError::Cloud(CloudMetadataError::ForeignEndpoints {
            metadata_host: format!("localhost:{}", fake.port),
            hosts: vec!["login.example.net".to_owned()],
        })
    );
    assert!(
        refused
            .to_string()
            .contains("KEYBLADE_CLOUD_TRUSTED_HOSTS=login.example.net"),
        "{refused}"
    );

    let cloud = load_cloud_from_metadata_url_trusting(
        &url,
        ca_pems,
        &["login.example.net".to_owned()],
        &settings(),
    )
    .await
    .expect("confirmed");
    assert_eq!(
        cloud.authority_host().as_str(),
        "https://login.example.net/"
    );
}
