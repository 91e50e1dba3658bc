//! The sandbox-only admin API under `https://localhost:P/_sandbox/`.
//!
//! By default it is unauthenticated ([`AdminApi::Open`]): the sandbox listens on
//! loopback only, and everything here (reading state, minting tokens) is what a
//! local tester needs. Loopback is not a boundary against other local users or
//! a web page's scripts, though, and the admin API can mint tokens and rewrite
//! the whole state; so an embedding (the desktop app's demo) turns it off or
//! locks it with a secret ([`AdminApi`]). Nothing like it exists in Azure, so it
//! lives under a prefix no Azure API uses.

use std::time::Duration;

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::entra::directory::{DEMO_CLIENT_ID, DEMO_CLIENT_OBJECT_ID, DEMO_TENANT_ID};
use crate::entra::{ACCESS_TOKEN_LIFETIME, TokenRequest, issue_access_token, wall_clock_unix};
use crate::faults::{FaultRule, RandomFaultKind};
use crate::http::{Request, Response};
use crate::server::Shared;
use crate::world::World;

pub const PREFIX: &str = "/_sandbox";

/// The header that carries the secret of an [`AdminApi::Secret`] admin API.
pub const ADMIN_KEY_HEADER: &str = "x-sandbox-admin-key";

/// Who may use the admin API.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum AdminApi {
    /// Anyone who can reach the port (the standalone binary, tests).
    #[default]
    Open,
    /// Every `/_sandbox/` route answers 404, as if there were none.
    Off,
    /// Requests must carry [`ADMIN_KEY_HEADER`] with this secret, else 401.
    Secret(String),
}

/// Never prints the secret: configurations end up in logs and panic messages.
impl std::fmt::Debug for AdminApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminApi::Open => f.write_str("Open"),
            AdminApi::Off => f.write_str("Off"),
            AdminApi::Secret(_) => f.write_str("Secret(<redacted>)"),
        }
    }
}

/// The answer to an admin request that `admin` does not admit; `None` lets it through.
pub(crate) fn refusal(admin: &AdminApi, request: &Request) -> Option<Response> {
    match admin {
        AdminApi::Open => None,
        // Resource Manager's own answer for a path it does not serve, so the
        // admin API cannot be told apart from an absent route.
        AdminApi::Off => Some(crate::arm::not_found(&request.path).into_response()),
        AdminApi::Secret(secret) => {
            let given = request.header(ADMIN_KEY_HEADER).unwrap_or_default();
            if secrets_match(given, secret) {
                None
            } else {
                Some(Response::json(
                    StatusCode::UNAUTHORIZED,
                    &json!({"error": {
                        "code": "Unauthorized",
                        "message": format!("The sandbox admin API is locked: send the header '{ADMIN_KEY_HEADER}' with the admin secret."),
                    }}),
                ))
            }
        }
    }
}

/// Compares digests, not the strings, so the comparison's timing says nothing
/// about how much of the secret a guess got right.
fn secrets_match(given: &str, secret: &str) -> bool {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(given.as_bytes()) == Sha256::digest(secret.as_bytes())
}

fn ok(body: &Value) -> Response {
    Response::json(StatusCode::OK, body)
}

fn error(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
        _ => "BadRequest",
    };
    Response::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn body<T: for<'de> Deserialize<'de>>(request: &Request) -> Result<T, Response> {
    let value = request.json().map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("The body is not JSON: {e}"),
        )
    })?;
    let value = if value.is_null() { json!({}) } else { value };
    serde_json::from_value(value).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("The body is not valid here: {e}"),
        )
    })
}

pub(crate) fn handle(world: &mut World, shared: &Shared, request: &Request) -> Response {
    // The first segment is the prefix itself (`_sandbox`).
    let lower: Vec<String> = request
        .segments()
        .iter()
        .skip(1)
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let segments: Vec<&str> = lower.iter().map(String::as_str).collect();
    let result = match (&request.method, segments.as_slice()) {
        (&Method::GET, []) => Ok(index()),
        (&Method::GET, ["info"]) => Ok(info(world, shared)),
        (&Method::GET, ["ca.pem"]) => {
            let mut response = Response::empty(StatusCode::OK);
            response.body = bytes::Bytes::from(shared.ca.cert_pem.clone());
            Ok(response.with_header("content-type", "application/x-pem-file"))
        }
        (&Method::GET, ["health"]) => health(world, request),
        (&Method::GET, ["resource"]) => resource(world, request),
        (&Method::GET, ["clock"]) => Ok(ok(&clock_json(world))),
        (&Method::POST, ["clock", "advance"]) => advance_clock(world, request),
        (&Method::POST, ["clock", "speed"]) => set_clock_speed(world, request),
        (&Method::GET, ["faults"]) => Ok(ok(&json!(world.faults))),
        (&Method::POST, ["faults"]) => add_fault(world, request),
        (&Method::DELETE, ["faults"]) => {
            world.faults.clear();
            Ok(ok(&json!(world.faults)))
        }
        (&Method::PUT, ["faults", "settings"]) => fault_settings(world, request),
        (&Method::POST, ["faults", "random"]) => random_faults(world, request),
        (&Method::GET, ["propagation"]) => Ok(ok(&crate::propagation::status_json(world))),
        (&Method::POST, ["propagation"]) => set_propagation(world, request),
        (&Method::DELETE, ["faults", id]) => remove_fault(world, id),
        (&Method::GET, ["state"]) => Ok(ok(&json!(world))),
        (&Method::PUT, ["state"]) => replace_state(world, request),
        (&Method::POST, ["state", "reset"]) => reset_state(world, shared, request),
        (&Method::POST, ["token"]) => mint_token(world, request),
        (&Method::POST, ["devicecode", "approve"]) => approve_device_code(world, request),
        (&Method::POST, ["devicecode", "decline"]) => decline_device_code(world, request),
        (&Method::POST, ["signin", "revoke"]) => revoke_sign_in_sessions(world, request),
        (&Method::PUT, ["signin", "mfa"]) => require_mfa(world, request),
        (&Method::PUT, ["directory", "guests"]) => add_guest(world, request),
        (_, _) => Err(error(
            StatusCode::NOT_FOUND,
            &format!(
                "The admin API has no {} {}; GET {PREFIX} lists its endpoints.",
                request.method, request.path
            ),
        )),
    };
    result.unwrap_or_else(|response| response)
}

fn index() -> Response {
    ok(&json!({
        "endpoints": [
            "GET    /_sandbox/info                      endpoints, demo credentials",
            "GET    /_sandbox/ca.pem                    the CA certificate to trust",
            "GET    /_sandbox/health?resourceId=ID      CMK data health of a resource",
            "GET    /_sandbox/resource?id=ID            a Resource Manager resource as stored",
            "GET    /_sandbox/clock                     sandbox time",
            "POST   /_sandbox/clock/advance             {\"seconds\": N} or {\"duration\": \"P30D\"}",
            "POST   /_sandbox/clock/speed               {\"speed\": X}",
            "GET    /_sandbox/faults                    fault rules and settings",
            "POST   /_sandbox/faults                    add a rule: {\"match\": {...}, \"effect\": {...}, \"count\": N, \"probability\": P}",
            "PUT    /_sandbox/faults/settings           {\"latencyMs\": N, \"randomFaultRate\": R, \"randomFaultKinds\": [...]}",
            "POST   /_sandbox/faults/random             {\"rate\": R, \"kinds\": [\"throttle\", \"applyThen500\", ...]} sets the random fault mix",
            "DELETE /_sandbox/faults[/ID]               remove all rules, or one",
            "GET    /_sandbox/state                     the whole state",
            "PUT    /_sandbox/state                     replace the whole state",
            "POST   /_sandbox/state/reset               {\"scenario\": \"demo\"} rebuilds a scenario",
            "GET    /_sandbox/propagation               access propagation delay and grants not yet effective",
            "POST   /_sandbox/propagation               {\"seconds\": N} delays new grants N sandbox seconds (0: at once)",
            "POST   /_sandbox/token                     mint an access token (tests: expired, other audience, other tenant)",
            "POST   /_sandbox/devicecode/approve        {\"userCode\": \"...\"} approves a device-code sign-in",
            "POST   /_sandbox/devicecode/decline        {\"userCode\": \"...\"} declines it (polling gets authorization_declined)",
            "POST   /_sandbox/signin/revoke             {\"userObjectId\": \"...\"} revokes the user's refresh tokens (AADSTS50173)",
            "PUT    /_sandbox/signin/mfa                {\"tenantId\": \"...\", \"required\": true} requires MFA: older refresh tokens get AADSTS50076",
            "PUT    /_sandbox/directory/guests          {\"tenantId\": \"...\", \"userObjectId\": \"...\"} makes a user a guest of the tenant (its refresh tokens work there)",
        ]
    }))
}

fn info(world: &World, shared: &Shared) -> Response {
    let endpoints = &world.endpoints;
    ok(&json!({
        "resourceManager": endpoints.arm(),
        "authorityHost": endpoints.login(),
        "metadata": format!("{}/metadata/endpoints?api-version=2022-09-01", endpoints.arm()),
        "keyVaultDnsSuffix": endpoints.vault_suffix(),
        "keyVaultResource": endpoints.vault_resource(),
        "armAudiences": crate::entra::arm_audiences(endpoints),
        "demo": {
            "tenantId": crate::server::DEMO.tenant_id,
            "clientId": crate::server::DEMO.client_id,
            "clientSecret": crate::server::DEMO.client_secret,
            "userName": crate::server::DEMO.user_name,
        },
        "scenario": shared.config.scenario,
        "stateFile": shared.config.state_file.as_ref().map(|p| p.display().to_string()),
        "clock": clock_json(world),
    }))
}

fn health(world: &World, request: &Request) -> Result<Response, Response> {
    let id = request.query_param("resourceId").ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            "Pass the resource ID as ?resourceId=...",
        )
    })?;
    crate::cmk::health(world, id)
        .map(|health| ok(&health))
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                &format!("The sandbox has no resource '{id}'."),
            )
        })
}

fn resource(world: &World, request: &Request) -> Result<Response, Response> {
    let id = request
        .query_param("id")
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "Pass the resource ID as ?id=..."))?;
    crate::arm::raw_resource(world, id)
        .map(|resource| ok(&resource))
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                &format!("The sandbox has no resource '{id}'."),
            )
        })
}

fn clock_json(world: &World) -> Value {
    let now = world.clock.now();
    json!({
        "now": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "nowUnix": world.clock.now_unix(),
        "speed": world.clock.speed(),
    })
}

#[derive(Deserialize)]
struct Advance {
    seconds: Option<u64>,
    duration: Option<String>,
}

fn advance_clock(world: &mut World, request: &Request) -> Result<Response, Response> {
    let advance: Advance = body(request)?;
    let seconds = match (advance.seconds, advance.duration.as_deref()) {
        (Some(seconds), None) => seconds,
        (None, Some(duration)) => {
            let now = world.clock.now_unix();
            let later =
                crate::keyvault::rotation::add_iso_duration(now, duration).ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        &format!("'{duration}' is not an ISO 8601 duration such as P30D or PT6H."),
                    )
                })?;
            u64::try_from(later - now).unwrap_or(0)
        }
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Give exactly one of \"seconds\" or \"duration\".",
            ));
        }
    };
    world.clock.advance(Duration::from_secs(seconds));
    world.tick();
    Ok(ok(&clock_json(world)))
}

#[derive(Deserialize)]
struct Speed {
    speed: f64,
}

fn set_clock_speed(world: &mut World, request: &Request) -> Result<Response, Response> {
    let speed: Speed = body(request)?;
    if !speed.speed.is_finite() || speed.speed < 0.0 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "The speed must be a finite number of at least 0.",
        ));
    }
    world.clock.set_speed(speed.speed);
    Ok(ok(&clock_json(world)))
}

fn add_fault(world: &mut World, request: &Request) -> Result<Response, Response> {
    let rule: FaultRule = body(request)?;
    let id = world
        .faults
        .add(rule)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &e))?;
    Ok(Response::json(StatusCode::CREATED, &json!({ "id": id })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FaultSettings {
    latency_ms: Option<u64>,
    random_fault_rate: Option<f64>,
    random_fault_kinds: Option<Vec<RandomFaultKind>>,
}

fn checked_rate(rate: f64, name: &str) -> Result<f64, Response> {
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            &format!("{name} must be between 0 and 1."),
        ))
    }
}

fn fault_settings(world: &mut World, request: &Request) -> Result<Response, Response> {
    let settings: FaultSettings = body(request)?;
    // Checked before anything changes: a refused request changes nothing.
    let rate = settings
        .random_fault_rate
        .map(|rate| checked_rate(rate, "randomFaultRate"))
        .transpose()?;
    if let Some(latency) = settings.latency_ms {
        world.faults.latency_ms = latency;
    }
    if let Some(rate) = rate {
        world.faults.random_fault_rate = rate;
    }
    if let Some(kinds) = settings.random_fault_kinds {
        world.faults.random_fault_kinds = kinds;
    }
    Ok(ok(&json!(world.faults)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RandomFaults {
    rate: f64,
    /// Absent or empty: the original mix (429, 500, 503, none applied).
    #[serde(default)]
    kinds: Vec<RandomFaultKind>,
}

/// `POST /_sandbox/faults/random`: the whole random mix at once.
fn random_faults(world: &mut World, request: &Request) -> Result<Response, Response> {
    let random: RandomFaults = body(request)?;
    world.faults.random_fault_rate = checked_rate(random.rate, "rate")?;
    world.faults.random_fault_kinds = random.kinds;
    Ok(ok(&json!(world.faults)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PropagationSetting {
    seconds: u64,
}

/// `POST /_sandbox/propagation`: applies to grants made from now on; grants
/// already waiting keep the time they were given.
fn set_propagation(world: &mut World, request: &Request) -> Result<Response, Response> {
    let setting: PropagationSetting = body(request)?;
    world.propagation.delay_secs = setting.seconds;
    Ok(ok(&crate::propagation::status_json(world)))
}

fn remove_fault(world: &mut World, id: &str) -> Result<Response, Response> {
    let id: u64 = id.parse().map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("'{id}' is not a fault rule ID."),
        )
    })?;
    if world.faults.remove(id) {
        Ok(Response::empty(StatusCode::NO_CONTENT))
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            &format!("There is no fault rule {id}."),
        ))
    }
}

fn replace_state(world: &mut World, request: &Request) -> Result<Response, Response> {
    let mut replacement: World = body(request)?;
    replacement.endpoints = world.endpoints.clone();
    replacement.clock.resume_not_before_wall_clock();
    *world = replacement;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
struct Reset {
    scenario: Option<String>,
}

fn reset_state(
    world: &mut World,
    shared: &Shared,
    request: &Request,
) -> Result<Response, Response> {
    let reset: Reset = body(request)?;
    let scenario = reset
        .scenario
        .unwrap_or_else(|| shared.config.scenario.clone());
    let mut fresh = crate::server::build_world(&world.endpoints, &shared.config, &scenario)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &e))?;
    // Tokens issued before the reset stay valid: clients need not sign in again.
    fresh.directory.signing_key = world.directory.signing_key.clone();
    *world = fresh;
    Ok(ok(&json!({ "scenario": scenario })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MintToken {
    tenant_id: Option<String>,
    object_id: Option<String>,
    app_id: Option<String>,
    /// Defaults to the Resource Manager audience.
    audience: Option<String>,
    /// Delegated scopes (`scp`); absent for an app-only token.
    scopes: Option<String>,
    /// Negative values make an already expired token.
    lifetime_seconds: Option<i64>,
}

fn mint_token(world: &World, request: &Request) -> Result<Response, Response> {
    let mint: MintToken = body(request)?;
    let tenant_id = mint.tenant_id.unwrap_or_else(|| DEMO_TENANT_ID.to_owned());
    let object_id = mint
        .object_id
        .unwrap_or_else(|| DEMO_CLIENT_OBJECT_ID.to_owned());
    let app_id = mint.app_id.unwrap_or_else(|| {
        world
            .directory
            .service_principal(&object_id)
            .map_or_else(|| DEMO_CLIENT_ID.to_owned(), |sp| sp.app_id.clone())
    });
    let audience = mint
        .audience
        .unwrap_or_else(|| crate::entra::arm_audiences(&world.endpoints)[0].clone());
    let lifetime = mint.lifetime_seconds.unwrap_or(ACCESS_TOKEN_LIFETIME);
    let now = wall_clock_unix();
    // An expired token must also have been issued in the past.
    let issued_at = if lifetime <= 0 {
        now + lifetime - 3600
    } else {
        now
    };
    let lifetime = if lifetime <= 0 { 3600 } else { lifetime };
    let token = issue_access_token(
        world,
        &TokenRequest {
            tenant_id: &tenant_id,
            object_id: &object_id,
            app_id: &app_id,
            audience: &audience,
            delegated_scopes: mint.scopes.as_deref(),
            issued_at,
            lifetime,
        },
    )
    .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e))?;
    Ok(ok(
        &json!({ "access_token": token, "expires_on": issued_at + lifetime }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Approve {
    user_code: String,
    user_object_id: Option<String>,
}

fn approve_device_code(world: &mut World, request: &Request) -> Result<Response, Response> {
    let approve: Approve = body(request)?;
    let user = crate::entra::approve_device_code(
        world,
        &approve.user_code,
        approve.user_object_id.as_deref(),
    )
    .map_err(|e| error(StatusCode::BAD_REQUEST, &e))?;
    Ok(ok(&json!({ "approvedAs": user })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Decline {
    user_code: String,
}

fn decline_device_code(world: &mut World, request: &Request) -> Result<Response, Response> {
    let decline: Decline = body(request)?;
    crate::entra::decline_device_code(world, &decline.user_code)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &e))?;
    Ok(ok(&json!({ "declined": decline.user_code })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Revoke {
    /// Absent: the demo user.
    user_object_id: Option<String>,
}

/// `POST /_sandbox/signin/revoke`: Entra's "revoke sessions" for a user.
fn revoke_sign_in_sessions(world: &mut World, request: &Request) -> Result<Response, Response> {
    let revoke: Revoke = body(request)?;
    let user = revoke
        .user_object_id
        .unwrap_or_else(|| crate::entra::directory::DEMO_USER_OBJECT_ID.to_owned());
    if world.directory.user(&user).is_none() {
        return Err(error(
            StatusCode::NOT_FOUND,
            &format!("The sandbox has no user '{user}'."),
        ));
    }
    let revoked = world.directory.revoke_sign_in_sessions(&user);
    Ok(ok(
        &json!({ "userObjectId": user, "revokedRefreshTokens": revoked }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequireMfa {
    /// Absent: the demo tenant.
    tenant_id: Option<String>,
    required: bool,
}

/// `PUT /_sandbox/signin/mfa`: a tenant's "require multifactor authentication" policy.
fn require_mfa(world: &mut World, request: &Request) -> Result<Response, Response> {
    let setting: RequireMfa = body(request)?;
    let tenant = setting
        .tenant_id
        .unwrap_or_else(|| DEMO_TENANT_ID.to_owned());
    if !world.directory.set_mfa_required(&tenant, setting.required) {
        return Err(error(
            StatusCode::NOT_FOUND,
            &format!("The sandbox has no tenant '{tenant}'."),
        ));
    }
    Ok(ok(
        &json!({ "tenantId": tenant, "mfaRequired": setting.required }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddGuest {
    tenant_id: String,
    user_object_id: String,
}

/// `PUT /_sandbox/directory/guests`: invites a user into another tenant (Entra B2B).
fn add_guest(world: &mut World, request: &Request) -> Result<Response, Response> {
    let guest: AddGuest = body(request)?;
    world
        .directory
        .add_guest(&guest.tenant_id, &guest.user_object_id)
        .map_err(|e| error(StatusCode::NOT_FOUND, &e))?;
    Ok(ok(
        &json!({ "tenantId": guest.tenant_id, "userObjectId": guest.user_object_id }),
    ))
}
