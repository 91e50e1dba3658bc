//! The HTTPS server: one port, loopback only (127.0.0.1 and ::1), routing by
//! Host to Entra ID, Resource Manager, Key Vault and the admin API.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::admin::AdminApi;
use crate::clock::Clock;
use crate::entra::TokenProblem;
use crate::entra::directory::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, DEMO_USER_NAME, DEMO_USER_OBJECT_ID,
};
use crate::faults::{FaultAction, FaultRules, RandomFaultKind, RouteInfo, Service};
use crate::http::{Request, Response};
use crate::persist::Persister;
use crate::tls::CertificateAuthority;
use crate::world::{Endpoints, World};

const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// 0 picks a free port.
    pub port: u16,
    /// `demo`, `large`, `empty` or a scenario file path; used when there is no state file to load.
    pub scenario: String,
    /// Load from and persist to this file.
    pub state_file: Option<PathBuf>,
    /// Latency added to every request.
    pub latency_ms: u64,
    /// Probability that a Resource Manager or Key Vault request fails with a
    /// random fault, one of `fault_kinds`.
    pub fault_rate: f64,
    /// What a random fault may be (`--fault-kinds`); empty: 429, 500 or 503,
    /// none of which applies the request.
    pub fault_kinds: Vec<RandomFaultKind>,
    /// Sandbox seconds between a new grant (access policy entry, role
    /// assignment, system-assigned identity) and its effect; 0: at once.
    pub propagation_delay_secs: u64,
    /// Sandbox seconds per wall-clock second.
    pub clock_speed: f64,
    /// Who may use the admin API under `/_sandbox/`.
    pub admin: AdminApi,
    /// Make the key material a small world's keys lack in the background after start, so
    /// the first reads of their public keys do not each wait on RSA key generation (with
    /// the world locked), and persist it. Off by default: tests start many sandboxes and
    /// read few keys.
    pub pregenerate_keys: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            scenario: "demo".to_owned(),
            state_file: None,
            latency_ms: 0,
            fault_rate: 0.0,
            fault_kinds: Vec::new(),
            propagation_delay_secs: 0,
            clock_speed: 1.0,
            admin: AdminApi::Open,
            pregenerate_keys: false,
        }
    }
}

/// The demo service principal and user every scenario has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCredentials {
    pub tenant_id: &'static str,
    pub client_id: &'static str,
    pub client_secret: &'static str,
    pub user_name: &'static str,
    pub user_object_id: &'static str,
}

pub const DEMO: DemoCredentials = DemoCredentials {
    tenant_id: DEMO_TENANT_ID,
    client_id: DEMO_CLIENT_ID,
    client_secret: DEMO_CLIENT_SECRET,
    user_name: DEMO_USER_NAME,
    user_object_id: DEMO_USER_OBJECT_ID,
};

pub struct Sandbox;

pub(crate) struct Shared {
    world: Mutex<World>,
    pub(crate) ca: CertificateAuthority,
    pub(crate) config: SandboxConfig,
    persister: Option<Persister>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, World> {
        // A handler that panicked leaves the world as it was at the panic; the
        // sandbox keeps serving rather than failing every later request.
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A started sandbox. Dropping it stops the listeners.
pub struct RunningSandbox {
    endpoints: Endpoints,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// Awaited, not aborted, by `stop`: see [`Persister::run`].
    persister_task: Option<JoinHandle<()>>,
    ipv6_error: Option<String>,
    startup: Duration,
}

impl Sandbox {
    /// Binds the port, loads the state file or builds the scenario, and serves.
    pub async fn start(config: SandboxConfig) -> Result<RunningSandbox, String> {
        let started = Instant::now();
        if let AdminApi::Secret(secret) = &config.admin
            && secret.is_empty()
        {
            // An empty secret would admit a request with an empty header: refuse
            // the configuration rather than run an admin API that looks locked.
            return Err(
                "the admin API secret is empty; give a non-empty secret, or AdminApi::Off"
                    .to_owned(),
            );
        }
        let v4 = TcpListener::bind(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            config.port,
        ))
        .await
        .map_err(|e| format!("could not listen on 127.0.0.1:{}: {e}", config.port))?;
        let port = v4
            .local_addr()
            .map_err(|e| format!("could not read the bound port: {e}"))?
            .port();
        let (v6, ipv6_error) =
            match TcpListener::bind(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port)).await {
                Ok(listener) => (Some(listener), None),
                Err(e) => (
                    None,
                    Some(format!(
                        "could not listen on [::1]:{port} ({e}); serving on 127.0.0.1 only"
                    )),
                ),
            };
        let endpoints = Endpoints { port };

        let loaded = match &config.state_file {
            Some(path) => crate::persist::load(path, port)?,
            None => None,
        };
        let (world, ca) = match loaded {
            Some((mut world, ca)) => {
                world.faults.latency_ms = config.latency_ms;
                world.faults.random_fault_rate = config.fault_rate.clamp(0.0, 1.0);
                world.faults.random_fault_kinds = config.fault_kinds.clone();
                world.propagation.delay_secs = config.propagation_delay_secs;
                world.clock.set_speed(config.clock_speed);
                (world, ca)
            }
            None => {
                let ca = CertificateAuthority::generate()?;
                (build_world(&endpoints, &config, &config.scenario)?, ca)
            }
        };
        let tls = TlsAcceptor::from(ca.server_config()?);
        let persister = config.state_file.clone().map(Persister::new);
        if let Some(persister) = &persister {
            crate::persist::save(&persister.path, &world, &ca)?;
        }
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            ca,
            config,
            persister: persister.clone(),
        });

        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut tasks = vec![tokio::spawn(accept_loop(
            v4,
            tls.clone(),
            shared.clone(),
            shutdown_rx.clone(),
        ))];
        if let Some(v6) = v6 {
            tasks.push(tokio::spawn(accept_loop(
                v6,
                tls,
                shared.clone(),
                shutdown_rx.clone(),
            )));
        }
        if shared.config.pregenerate_keys {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || pregenerate_key_material(&shared));
        }
        let persister_task = persister.map(|persister| {
            let snapshot_source = shared.clone();
            tokio::spawn(persister.run(
                move || {
                    // Clone under the lock, serialise outside it: with the `large`
                    // scenario serialising takes far longer than cloning.
                    let world = snapshot_source.lock().clone();
                    crate::persist::serialise(&world, &snapshot_source.ca)
                },
                shutdown_rx.clone(),
            ))
        });
        Ok(RunningSandbox {
            endpoints,
            shared,
            shutdown,
            tasks,
            persister_task,
            ipv6_error,
            startup: started.elapsed(),
        })
    }
}

/// At most this many key versions get their material made ahead: the `large` scenario's
/// 100,000 keys stay lazy.
const PREGENERATE_AT_MOST: usize = 64;

/// Makes the material of each key version that lacks it, one at a time outside the world
/// lock (a request that needs one first makes it itself, and this one is then dropped),
/// then has the state written.
fn pregenerate_key_material(shared: &Shared) {
    let wanted = shared.lock().vaults.versions_without_material();
    if wanted.is_empty() || wanted.len() > PREGENERATE_AT_MOST {
        return;
    }
    let mut made = false;
    for version in &wanted {
        match version.generate() {
            Ok(material) => {
                made |= shared
                    .lock()
                    .vaults
                    .set_material_if_missing(version, material)
            }
            Err(error) => eprintln!("keyblade-sandbox: could not make a key's material: {error}"),
        }
    }
    if made && let Some(persister) = &shared.persister {
        persister.mark_dirty();
    }
}

/// A fresh world for `scenario`, with the configured clock and faults.
pub(crate) fn build_world(
    endpoints: &Endpoints,
    config: &SandboxConfig,
    scenario: &str,
) -> Result<World, String> {
    let mut world = World::new(
        endpoints.clone(),
        Clock::starting_now(config.clock_speed),
        FaultRules::new(config.latency_ms, config.fault_rate),
    )?;
    world.faults.random_fault_kinds = config.fault_kinds.clone();
    world.propagation.delay_secs = config.propagation_delay_secs;
    // The scenario's own grants are effective from the start anyway (a
    // scenario describes a settled tenant); the delay applies to later ones.
    crate::scenario::build(scenario, &mut world)
        .map_err(|e| format!("could not build the scenario '{scenario}': {e}"))?;
    Ok(world)
}

impl RunningSandbox {
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
    pub fn port(&self) -> u16 {
        self.endpoints.port
    }
    /// Resource Manager: `https://localhost:P`.
    pub fn arm_url(&self) -> String {
        self.endpoints.arm()
    }
    /// The Entra ID authority host: `https://localhost:P/` (append a tenant for an authority).
    pub fn authority_host(&self) -> String {
        self.endpoints.login()
    }
    pub fn metadata_url(&self) -> String {
        format!(
            "{}/metadata/endpoints?api-version=2022-09-01",
            self.endpoints.arm()
        )
    }
    /// `vault.localhost:P`.
    pub fn vault_suffix(&self) -> String {
        self.endpoints.vault_suffix()
    }
    /// The admin API base: `https://localhost:P/_sandbox` (see [`Self::admin_api`]
    /// for whether it answers).
    pub fn admin_url(&self) -> String {
        format!("{}{}", self.endpoints.arm(), crate::admin::PREFIX)
    }
    /// How the admin API is locked, as configured.
    pub fn admin_api(&self) -> &AdminApi {
        &self.shared.config.admin
    }
    /// The header an admin request must carry (name, value): `Some` only
    /// when the admin API is locked with a secret.
    pub fn admin_key_header(&self) -> Option<(&'static str, &str)> {
        match &self.shared.config.admin {
            AdminApi::Secret(secret) => Some((crate::admin::ADMIN_KEY_HEADER, secret.as_str())),
            AdminApi::Open | AdminApi::Off => None,
        }
    }
    /// The CA certificate (PEM) that clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.shared.ca.cert_pem
    }
    pub fn demo_credentials(&self) -> DemoCredentials {
        DEMO
    }
    /// Why `[::1]` is not served, if it is not.
    pub fn ipv6_error(&self) -> Option<&str> {
        self.ipv6_error.as_deref()
    }
    /// Time from `start` to listening, including building the scenario.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }
    /// Runs `f` on the locked world, for tests that read or arrange state
    /// directly (see [`crate::oracle`]); marks the state dirty.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let result = {
            let mut world = self.shared.lock();
            f(&mut world)
        };
        if let Some(persister) = &self.shared.persister {
            persister.mark_dirty();
        }
        result
    }
    /// Stops listening, closes connections and writes the state one last time.
    pub async fn stop(mut self) -> Result<(), String> {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
        if let Some(persister_task) = self.persister_task.take() {
            let _ = persister_task.await;
        }
        if let Some(persister) = &self.shared.persister {
            let world = self.shared.lock();
            crate::persist::save(&persister.path, &world, &self.shared.ca)?;
        }
        Ok(())
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.iter().chain(&self.persister_task) {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: TlsAcceptor,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of file descriptors and the like: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        tokio::spawn(serve_connection(
            stream,
            peer,
            tls.clone(),
            shared.clone(),
            shutdown.clone(),
        ));
    }
}

/// A failure that makes hyper drop the connection; with `SO_LINGER` 0 the
/// kernel then sends a TCP reset.
#[derive(Debug)]
struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ResetConnection {}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: TlsAcceptor,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    // A second handle on the socket, so a fault can set SO_LINGER 0 (reset on close).
    let (stream, socket_handle) = match stream.into_std().and_then(|s| {
        let handle = s.try_clone()?;
        Ok((TcpStream::from_std(s)?, Arc::new(handle)))
    }) {
        Ok(pair) => pair,
        Err(_) => return,
    };
    let Ok(Ok(tls_stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await
    else {
        return;
    };
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let shared = shared.clone();
        let socket_handle = socket_handle.clone();
        async move {
            let response = handle_request(request, peer, &shared).await;
            match response {
                Some(response) => Ok(response),
                None => {
                    let _ =
                        socket2::SockRef::from(&*socket_handle).set_linger(Some(Duration::ZERO));
                    Err(ResetConnection)
                }
            }
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(tls_stream), service);
    tokio::select! {
        _ = connection => {}
        _ = shutdown.changed() => {}
    }
}

/// Which front end a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Admin,
    Service(Service),
    Vault(String),
    UnknownHost(String),
}

fn classify(request: &Request) -> Route {
    let host = request.host.as_str();
    if matches!(host, "localhost" | "127.0.0.1" | "::1") {
        // Resource Manager's front end treats `//` as `/`; the Azure CLI sends
        // `//metadata/endpoints` when the registered endpoint ends in a slash.
        let path = collapse_slashes(&request.path);
        if path == crate::admin::PREFIX || path.starts_with(&format!("{}/", crate::admin::PREFIX)) {
            return Route::Admin;
        }
        if path.eq_ignore_ascii_case("/metadata/endpoints") {
            return Route::Service(Service::Metadata);
        }
        if crate::entra::is_entra_path(&path) {
            return Route::Service(Service::Entra);
        }
        return Route::Service(Service::Arm);
    }
    match host.strip_suffix(".vault.localhost") {
        Some(vault) if !vault.is_empty() && !vault.contains('.') => Route::Vault(vault.to_owned()),
        _ => Route::UnknownHost(host.to_owned()),
    }
}

fn collapse_slashes(path: &str) -> String {
    let mut collapsed = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && collapsed.ends_with('/')) {
            collapsed.push(c);
        }
    }
    collapsed
}

/// `None` asks for the connection to be reset.
async fn handle_request(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    shared: &Arc<Shared>,
) -> Option<hyper::Response<Full<Bytes>>> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Some(into_hyper(Response::json(
                StatusCode::PAYLOAD_TOO_LARGE,
                &json!({"error": {"code": "RequestEntityTooLarge", "message": format!("The request body is larger than {MAX_BODY_BYTES} bytes.")}}),
            )));
        }
    };
    let request_url = request_url(&parts);
    let request = to_request(&parts, body);
    let route = classify(&request);
    if route == Route::Admin
        && let Some(refused) = crate::admin::refusal(&shared.config.admin, &request)
    {
        return Some(into_hyper(decorate(refused, &request)));
    }

    let mut after_handling = None;
    let service = match &route {
        Route::Service(service) => Some(*service),
        Route::Vault(_) => Some(Service::KeyVault),
        Route::Admin | Route::UnknownHost(_) => None,
    };
    if let Some(service) = service {
        let faults = shared.lock().faults.on_request(&RouteInfo {
            service,
            method: request.method.as_str(),
            host: &request.host,
            path: &request.path,
        });
        if !faults.latency.is_zero() {
            tokio::time::sleep(faults.latency).await;
        }
        match faults.action {
            Some(FaultAction::ConnectionReset) => return None,
            Some(FaultAction::Respond {
                status,
                retry_after,
            }) => {
                let response = crate::faults::fault_response(service, status, retry_after);
                return Some(into_hyper(decorate(response, &request)));
            }
            other => after_handling = other,
        }
    }

    let peer_ip = match peer.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        other => other,
    };
    let response = {
        let mut world = shared.lock();
        world.tick();
        dispatch(&mut world, shared, &route, &request, peer_ip)
    };
    let mutating = !matches!(
        request.method,
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
    );
    // Marked before a write-then-fail fault drops the answer: the change was
    // made, so it must be persisted like any other.
    if mutating && let Some(persister) = &shared.persister {
        persister.mark_dirty();
    }
    let response = match (after_handling, service) {
        (Some(FaultAction::ApplyThenReset), _) => return None,
        (
            Some(FaultAction::ApplyThenRespond {
                status,
                retry_after,
            }),
            Some(service),
        ) => crate::faults::fault_response(service, status, retry_after),
        (Some(FaultAction::LoopNextLink), _) => {
            crate::faults::loop_next_link(response, &request_url)
        }
        (Some(FaultAction::OversizedBody { bytes }), _) => crate::faults::pad_body(response, bytes),
        _ => response,
    };
    Some(into_hyper(decorate(response, &request)))
}

/// The URL the client asked for, as it spelled it (host and port from `Host`,
/// path and query untouched): what a looping `nextLink` points back at.
fn request_url(parts: &http::request::Parts) -> String {
    let authority = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    format!("https://{authority}{path_and_query}")
}

fn dispatch(
    world: &mut World,
    shared: &Shared,
    route: &Route,
    request: &Request,
    peer: IpAddr,
) -> Response {
    match route {
        Route::Admin => crate::admin::handle(world, shared, request),
        Route::Service(Service::Metadata) => crate::arm::metadata_endpoints(world, request),
        Route::Service(Service::Entra) => crate::entra::handle(world, request).unwrap_or_else(|| {
            Response::json(
                StatusCode::NOT_FOUND,
                &json!({"error": "not_found", "error_description": format!("No Entra ID endpoint at {}.", request.path)}),
            )
        }),
        Route::Service(Service::Arm) => match authenticate_arm(world, request) {
            Ok(caller) => crate::arm::handle(world, &caller, request),
            Err(response) => response,
        },
        Route::Service(Service::KeyVault) | Route::Vault(_) => {
            let vault = match route {
                Route::Vault(name) => name.as_str(),
                _ => "",
            };
            crate::keyvault::handle(world, request, vault, peer)
        }
        Route::UnknownHost(host) => Response::json(
            StatusCode::MISDIRECTED_REQUEST,
            &json!({"error": {"code": "UnknownHost", "message": format!(
                "The sandbox serves localhost (Entra ID, Resource Manager) and {{vault}}.vault.localhost (Key Vault); '{host}' is neither."
            )}}),
        ),
    }
}

/// Resource Manager's token check: its 401 bodies and `WWW-Authenticate` header.
fn authenticate_arm(world: &World, request: &Request) -> Result<crate::http::Caller, Response> {
    let unauthorized = |code: &str, message: String, description: &str| {
        Response::json(StatusCode::UNAUTHORIZED, &json!({"error": {"code": code, "message": message}})).with_header(
            "www-authenticate",
            &format!(
                "Bearer authorization_uri=\"{}\", error=\"invalid_token\", error_description=\"{description}\"",
                world.endpoints.login()
            ),
        )
    };
    let caller = crate::entra::authenticate(world, request).map_err(|problem| match problem {
        TokenProblem::Missing => unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.".to_owned(),
            "The authentication failed because of missing 'Authorization' header.",
        ),
        TokenProblem::NotBearer => unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.".to_owned(),
            "The authentication failed because of invalid 'Authorization' header.",
        ),
        TokenProblem::Invalid(detail) => unauthorized(
            "InvalidAuthenticationToken",
            format!("The access token is invalid: {detail}."),
            "The access token is invalid.",
        ),
        TokenProblem::Expired { expired_at, now } => unauthorized(
            "ExpiredAuthenticationToken",
            format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                arm_time(expired_at),
                arm_time(now)
            ),
            "The access token has expired.",
        ),
        TokenProblem::NotYetValid { not_before, now } => unauthorized(
            "InvalidAuthenticationToken",
            format!(
                "The access token is not yet valid: its start time '{}' is later than current UTC time '{}'.",
                arm_time(not_before),
                arm_time(now)
            ),
            "The access token is not yet valid.",
        ),
    })?;
    let audiences = crate::entra::arm_audiences(&world.endpoints);
    if !audiences
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&caller.audience))
    {
        let allowed: Vec<String> = audiences.iter().map(|a| format!("'{a}'")).collect();
        return Err(unauthorized(
            "InvalidAuthenticationTokenAudience",
            format!(
                "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences {}.",
                caller.audience,
                allowed.join(",")
            ),
            "The access token has been obtained for wrong audience or resource.",
        ));
    }
    Ok(caller)
}

/// Resource Manager's `M/d/yyyy h:mm:ss AM` UTC format.
fn arm_time(unix: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(unix) else {
        return unix.to_string();
    };
    let (hour12, meridiem) = match t.hour() {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{}/{}/{} {}:{:02}:{:02} {}",
        u8::from(t.month()),
        t.day(),
        t.year(),
        hour12,
        t.minute(),
        t.second(),
        meridiem
    )
}

fn to_request(parts: &http::request::Parts, body: Bytes) -> Request {
    let authority = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    Request {
        method: parts.method.clone(),
        host: host_without_port(&authority),
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers.clone(),
        body,
    }
}

/// `localhost:8443` → `localhost`; `[::1]:8443` → `::1`.
fn host_without_port(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_owned();
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_owned(),
        _ => authority,
    }
}

/// Headers every Azure front end sends.
fn decorate(mut response: Response, request: &Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    if !response.headers.contains_key("x-ms-request-id") {
        response = response.with_header("x-ms-request-id", &request_id);
    }
    let correlation = request
        .header("x-ms-correlation-request-id")
        .or_else(|| request.header("x-ms-client-request-id"))
        .map(str::to_owned)
        .unwrap_or(request_id);
    if !response.headers.contains_key("x-ms-correlation-request-id") {
        response = response.with_header("x-ms-correlation-request-id", &correlation);
    }
    if let Some(client_request_id) = request.header("x-ms-client-request-id")
        && !response.headers.contains_key("x-ms-client-request-id")
    {
        response = response.with_header("x-ms-client-request-id", client_request_id);
    }
    response
}

fn into_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(response.body));
    *out.status_mut() = response.status;
    *out.headers_mut() = response.headers;
    if !out.headers().contains_key(http::header::CACHE_CONTROL) {
        out.headers_mut().insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lose_their_ports() {
        for (authority, host) in [
            ("localhost:8443", "localhost"),
            ("MyVault.vault.localhost:8443", "myvault.vault.localhost"),
            ("[::1]:8443", "::1"),
            ("127.0.0.1", "127.0.0.1"),
        ] {
            assert_eq!(host_without_port(authority), host);
        }
    }

    #[test]
    fn arm_time_uses_twelve_hour_clock() {
        assert_eq!(arm_time(0), "1/1/1970 12:00:00 AM");
        assert_eq!(arm_time(13 * 3600 + 5), "1/1/1970 1:00:05 PM");
    }
}
