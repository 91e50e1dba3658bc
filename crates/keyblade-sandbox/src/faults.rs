//! Injected latency and failures, per route, configured at start (`--latency-ms`,
//! `--fault-rate`) or at runtime through the admin API.
//!
//! Request-level faults are applied by the server around the handler: latency,
//! a status code and a connection reset before it runs (the request is not
//! handled); the write-then-fail faults (`applyThenStatus`, `applyThenReset`)
//! and the response faults (`loopNextLink`, `oversizedBody`) after it ran, so
//! the request's change is made and only the answer is lost or spoiled. That is
//! the failure a client's retry logic must survive: a 500 or a reset after the
//! service committed a write. Operation-level faults (a slow long-running
//! operation, one that ends `Failed`) are taken by the Resource Manager code
//! when it starts a long-running operation: see
//! [`FaultRules::take_operation_fault`].

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::http::Response;

/// Which front end a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Service {
    /// `https://localhost:P/{tenant}/...` (Entra ID).
    Entra,
    /// `https://localhost:P/subscriptions/...`, `/tenants`, `/providers/...` (Resource Manager).
    Arm,
    /// `https://localhost:P/metadata/endpoints`.
    Metadata,
    /// `https://{vault}.vault.localhost:P/...`.
    KeyVault,
}

/// The largest `oversizedBody` padding a rule may ask for: the body is built in
/// memory, so a typo must not take the sandbox's memory with it.
pub const MAX_OVERSIZED_BODY_BYTES: usize = 256 * 1024 * 1024;

/// The JSON member `oversizedBody` adds to an object body.
pub const PADDING_MEMBER: &str = "sandboxPadding";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FaultRules {
    pub rules: Vec<FaultRule>,
    /// Probability (0..=1) that any Resource Manager or Key Vault request fails
    /// with one of `random_fault_kinds`, chosen evenly.
    pub random_fault_rate: f64,
    /// What a random fault may be; empty means the original mix, which never
    /// applies the request: `throttle`, `serverError`, `unavailable`. Opt in
    /// to the write-then-fail kinds by naming them. (Absent in older state
    /// files, which load with the original mix.)
    #[serde(default)]
    pub random_fault_kinds: Vec<RandomFaultKind>,
    /// Latency added to every request, in milliseconds.
    pub latency_ms: u64,
    #[serde(default)]
    next_id: u64,
}

/// One rule: which requests it matches and what it does to them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Assigned when the rule is added; ignored on input.
    #[serde(default)]
    pub id: u64,
    #[serde(default, rename = "match")]
    pub matcher: RouteMatcher,
    pub effect: FaultEffect,
    /// How many more matching requests the rule applies to; `None`: unlimited.
    #[serde(default)]
    pub count: Option<u32>,
    /// Probability (0..=1) that a matching request is affected; `None`: always.
    #[serde(default)]
    pub probability: Option<f64>,
}

/// All given conditions must hold; an empty matcher matches every request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RouteMatcher {
    /// HTTP method, case-insensitive.
    pub method: Option<String>,
    pub service: Option<Service>,
    /// Host name without port, case-insensitive, e.g. `myvault.vault.localhost`.
    pub host: Option<String>,
    /// Path prefix, case-insensitive.
    pub path_prefix: Option<String>,
    /// Regular expression the whole path must match somewhere in (regex-lite syntax).
    pub path_regex: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FaultEffect {
    /// Delay the response.
    #[serde(rename_all = "camelCase")]
    Latency { ms: u64 },
    /// Answer with this status (429, 500, 503, ...) and the service's error body;
    /// `retryAfter` seconds go in `Retry-After`.
    #[serde(rename_all = "camelCase")]
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Close the TCP connection with a reset, without a response.
    ConnectionReset,
    /// A long-running operation started by a matching request stays `InProgress`
    /// this many sandbox seconds longer than usual.
    #[serde(rename_all = "camelCase")]
    SlowOperation { extra_seconds: u64 },
    /// A long-running operation started by a matching request ends `Failed`.
    #[serde(rename_all = "camelCase")]
    FailOperation { code: String, message: String },
    /// Handle the request normally (a write takes effect, the ETag changes),
    /// then answer `status` with the service's error body instead of the real
    /// answer: the client cannot tell whether its write happened.
    #[serde(rename_all = "camelCase")]
    ApplyThenStatus {
        status: u16,
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Handle the request normally, then reset the connection with no answer.
    ApplyThenReset,
    /// On a list response (`{"value": [...]}`), point `nextLink` (or
    /// `@odata.nextLink`, whichever the response uses) at the request's own
    /// URL, so a client that follows links without noticing loops forever.
    LoopNextLink,
    /// Pad the JSON response body to at least `bytes` bytes: an object gets an
    /// extra member (`sandboxPadding`) with a long string, other JSON trailing
    /// whitespace. Still valid JSON; empty bodies are left alone.
    #[serde(rename_all = "camelCase")]
    OversizedBody { bytes: usize },
}

/// What a random fault (`random_fault_rate`) may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RandomFaultKind {
    /// 429 with `Retry-After: 1`, not handled.
    #[serde(rename = "throttle")]
    Throttle,
    /// 503 with `Retry-After: 1`, not handled.
    #[serde(rename = "unavailable")]
    Unavailable,
    /// 500, not handled.
    #[serde(rename = "serverError")]
    ServerError,
    /// Handled, then 500.
    #[serde(rename = "applyThen500")]
    ApplyThen500,
    /// Handled, then 504 (a gateway timeout: the classic "did it happen?").
    #[serde(rename = "applyThen504")]
    ApplyThen504,
    /// Handled, then the connection is reset.
    #[serde(rename = "applyThenReset")]
    ApplyThenReset,
    /// The connection is reset, not handled.
    #[serde(rename = "reset")]
    Reset,
}

impl RandomFaultKind {
    pub const ALL: [RandomFaultKind; 7] = [
        RandomFaultKind::Throttle,
        RandomFaultKind::Unavailable,
        RandomFaultKind::ServerError,
        RandomFaultKind::ApplyThen500,
        RandomFaultKind::ApplyThen504,
        RandomFaultKind::ApplyThenReset,
        RandomFaultKind::Reset,
    ];

    /// The mix when none is configured: what `--fault-rate` always did.
    pub const DEFAULT_MIX: [RandomFaultKind; 3] = [
        RandomFaultKind::Throttle,
        RandomFaultKind::ServerError,
        RandomFaultKind::Unavailable,
    ];

    /// The name used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            RandomFaultKind::Throttle => "throttle",
            RandomFaultKind::Unavailable => "unavailable",
            RandomFaultKind::ServerError => "serverError",
            RandomFaultKind::ApplyThen500 => "applyThen500",
            RandomFaultKind::ApplyThen504 => "applyThen504",
            RandomFaultKind::ApplyThenReset => "applyThenReset",
            RandomFaultKind::Reset => "reset",
        }
    }

    fn action(self) -> FaultAction {
        match self {
            RandomFaultKind::Throttle => FaultAction::Respond {
                status: 429,
                retry_after: Some(1),
            },
            RandomFaultKind::Unavailable => FaultAction::Respond {
                status: 503,
                retry_after: Some(1),
            },
            RandomFaultKind::ServerError => FaultAction::Respond {
                status: 500,
                retry_after: None,
            },
            RandomFaultKind::ApplyThen500 => FaultAction::ApplyThenRespond {
                status: 500,
                retry_after: None,
            },
            RandomFaultKind::ApplyThen504 => FaultAction::ApplyThenRespond {
                status: 504,
                retry_after: None,
            },
            RandomFaultKind::ApplyThenReset => FaultAction::ApplyThenReset,
            RandomFaultKind::Reset => FaultAction::ConnectionReset,
        }
    }
}

impl std::fmt::Display for RandomFaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for RandomFaultKind {
    type Err = String;

    /// Case-insensitive, so `--fault-kinds applythen500` works too.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        RandomFaultKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let names: Vec<&str> = RandomFaultKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "'{text}' is not a random fault kind; use {}",
                    names.join(", ")
                )
            })
    }
}

/// What the server does to a request before handling it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFaults {
    pub latency: Duration,
    pub action: Option<FaultAction>,
}

/// One request-level fault. The first two replace handling; the others run
/// after the handler.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer with this status instead of handling the request.
    Respond {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Reset the connection instead of handling the request.
    ConnectionReset,
    /// Handle the request, then answer with this status instead.
    ApplyThenRespond {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Handle the request, then reset the connection.
    ApplyThenReset,
    /// Handle the request, then point a list's `nextLink` at the request URL.
    LoopNextLink,
    /// Handle the request, then pad the body to at least this many bytes.
    OversizedBody { bytes: usize },
}

// The server matches on the action itself; this names the split for tests.
#[cfg(test)]
impl FaultAction {
    /// Whether the handler runs (and its changes stick) under this fault.
    pub fn handles_request(&self) -> bool {
        !matches!(
            self,
            FaultAction::Respond { .. } | FaultAction::ConnectionReset
        )
    }
}

/// What a long-running operation must do, taken by the Resource Manager code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationFault {
    Slow { extra_seconds: u64 },
    Fail { code: String, message: String },
}

/// What the matcher sees of a request.
#[derive(Debug, Clone, Copy)]
pub struct RouteInfo<'a> {
    pub service: Service,
    pub method: &'a str,
    pub host: &'a str,
    pub path: &'a str,
}

impl RouteMatcher {
    pub fn matches(&self, route: &RouteInfo<'_>) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(route.method))
            && self.service.is_none_or(|s| s == route.service)
            && self
                .host
                .as_deref()
                .is_none_or(|h| h.eq_ignore_ascii_case(route.host))
            && self.path_prefix.as_deref().is_none_or(|p| {
                route.path.len() >= p.len()
                    && route.path.is_char_boundary(p.len())
                    && route.path[..p.len()].eq_ignore_ascii_case(p)
            })
            && self
                .path_regex
                .as_deref()
                .is_none_or(|r| regex_lite::Regex::new(r).is_ok_and(|re| re.is_match(route.path)))
    }
}

impl FaultRules {
    pub fn new(latency_ms: u64, random_fault_rate: f64) -> Self {
        FaultRules {
            rules: Vec::new(),
            random_fault_rate: random_fault_rate.clamp(0.0, 1.0),
            random_fault_kinds: Vec::new(),
            latency_ms,
            next_id: 0,
        }
    }

    /// Adds a rule after checking it; returns its ID.
    pub fn add(&mut self, mut rule: FaultRule) -> Result<u64, String> {
        if let Some(regex) = &rule.matcher.path_regex {
            regex_lite::Regex::new(regex)
                .map_err(|e| format!("pathRegex is not a valid regular expression: {e}"))?;
        }
        if let FaultEffect::Status { status, .. } | FaultEffect::ApplyThenStatus { status, .. } =
            rule.effect
            && !(400..=599).contains(&status)
        {
            return Err(format!("status {status} is not an error status (400-599)"));
        }
        if let FaultEffect::OversizedBody { bytes } = rule.effect
            && bytes > MAX_OVERSIZED_BODY_BYTES
        {
            return Err(format!(
                "oversizedBody bytes {bytes} is above the sandbox's limit of {MAX_OVERSIZED_BODY_BYTES}"
            ));
        }
        if let Some(p) = rule.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(format!("probability {p} is outside 0..=1"));
        }
        self.next_id += 1;
        rule.id = self.next_id;
        self.rules.push(rule);
        Ok(self.next_id)
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        before != self.rules.len()
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Latency and the first matching request-level failure, consuming counts.
    pub fn on_request(&mut self, route: &RouteInfo<'_>) -> RequestFaults {
        let mut faults = RequestFaults {
            latency: Duration::from_millis(self.latency_ms),
            action: None,
        };
        let mut rng = rand::thread_rng();
        for rule in &mut self.rules {
            let request_level = !matches!(
                rule.effect,
                FaultEffect::SlowOperation { .. } | FaultEffect::FailOperation { .. }
            );
            if !request_level || rule.count == Some(0) || !rule.matcher.matches(route) {
                continue;
            }
            if faults.action.is_some() && !matches!(rule.effect, FaultEffect::Latency { .. }) {
                continue;
            }
            if rule
                .probability
                .is_some_and(|p| !rng.gen_bool(p.clamp(0.0, 1.0)))
            {
                continue;
            }
            if let Some(count) = rule.count.as_mut() {
                *count -= 1;
            }
            match &rule.effect {
                FaultEffect::Latency { ms } => faults.latency += Duration::from_millis(*ms),
                FaultEffect::Status {
                    status,
                    retry_after,
                } => {
                    faults.action = Some(FaultAction::Respond {
                        status: *status,
                        retry_after: *retry_after,
                    });
                }
                FaultEffect::ConnectionReset => faults.action = Some(FaultAction::ConnectionReset),
                FaultEffect::ApplyThenStatus {
                    status,
                    retry_after,
                } => {
                    faults.action = Some(FaultAction::ApplyThenRespond {
                        status: *status,
                        retry_after: *retry_after,
                    });
                }
                FaultEffect::ApplyThenReset => faults.action = Some(FaultAction::ApplyThenReset),
                FaultEffect::LoopNextLink => faults.action = Some(FaultAction::LoopNextLink),
                FaultEffect::OversizedBody { bytes } => {
                    faults.action = Some(FaultAction::OversizedBody { bytes: *bytes });
                }
                FaultEffect::SlowOperation { .. } | FaultEffect::FailOperation { .. } => {}
            }
        }
        self.rules.retain(|r| r.count != Some(0));
        let random_applies = matches!(route.service, Service::Arm | Service::KeyVault);
        if faults.action.is_none()
            && random_applies
            && self.random_fault_rate > 0.0
            && rng.gen_bool(self.random_fault_rate)
        {
            let kinds: &[RandomFaultKind] = if self.random_fault_kinds.is_empty() {
                &RandomFaultKind::DEFAULT_MIX
            } else {
                &self.random_fault_kinds
            };
            let kind = kinds[rng.gen_range(0..kinds.len())];
            faults.action = Some(kind.action());
        }
        faults
    }

    /// The operation-level fault for a long-running operation that `route`
    /// starts, consuming one count of the rule. Resource Manager calls this.
    pub fn take_operation_fault(&mut self, route: &RouteInfo<'_>) -> Option<OperationFault> {
        let mut rng = rand::thread_rng();
        let rule = self.rules.iter_mut().find(|rule| {
            matches!(
                rule.effect,
                FaultEffect::SlowOperation { .. } | FaultEffect::FailOperation { .. }
            ) && rule.count != Some(0)
                && rule.matcher.matches(route)
                && rule
                    .probability
                    .is_none_or(|p| rng.gen_bool(p.clamp(0.0, 1.0)))
        })?;
        if let Some(count) = rule.count.as_mut() {
            *count -= 1;
        }
        let fault = match &rule.effect {
            FaultEffect::SlowOperation { extra_seconds } => OperationFault::Slow {
                extra_seconds: *extra_seconds,
            },
            FaultEffect::FailOperation { code, message } => OperationFault::Fail {
                code: code.clone(),
                message: message.clone(),
            },
            _ => return None,
        };
        self.rules.retain(|r| r.count != Some(0));
        Some(fault)
    }
}

/// The error response a status fault produces, shaped like the service's own errors.
pub fn fault_response(service: Service, status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let body = match service {
        Service::Entra => {
            let error = if status == StatusCode::TOO_MANY_REQUESTS {
                "temporarily_unavailable"
            } else {
                "server_error"
            };
            json!({
                "error": error,
                "error_description": format!(
                    "AADSTS90033: A transient error has occurred. Please try again. (sandbox fault injection: HTTP {})",
                    status.as_u16()
                ),
                "error_codes": [90033],
            })
        }
        Service::KeyVault => {
            let (code, message) = match status {
                StatusCode::TOO_MANY_REQUESTS => (
                    "Throttled",
                    "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached (sandbox fault injection)",
                ),
                StatusCode::SERVICE_UNAVAILABLE => (
                    "ServiceUnavailable",
                    "The service is temporarily unavailable (sandbox fault injection).",
                ),
                StatusCode::GATEWAY_TIMEOUT => (
                    "GatewayTimeout",
                    "The service did not answer in time; the request may or may not have been processed (sandbox fault injection).",
                ),
                StatusCode::CONFLICT => (
                    "Conflict",
                    "The request conflicts with the current state of the object (sandbox fault injection).",
                ),
                _ => (
                    "InternalServerError",
                    "The server encountered an internal error (sandbox fault injection).",
                ),
            };
            json!({ "error": { "code": code, "message": message } })
        }
        Service::Arm | Service::Metadata => {
            let (code, message) = match status {
                StatusCode::TOO_MANY_REQUESTS => (
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation type. Retry after the time in the Retry-After header (sandbox fault injection).",
                ),
                StatusCode::SERVICE_UNAVAILABLE => (
                    "ServiceUnavailable",
                    "The service is temporarily unavailable; retry the request (sandbox fault injection).",
                ),
                StatusCode::GATEWAY_TIMEOUT => (
                    "GatewayTimeout",
                    "The gateway did not receive a response within the specified time period (sandbox fault injection).",
                ),
                // What a write-then-fail 412 or 409 says: the codes clients branch on.
                StatusCode::PRECONDITION_FAILED => (
                    "PreconditionFailed",
                    "The condition specified using HTTP conditional header(s) is not met (sandbox fault injection).",
                ),
                StatusCode::CONFLICT => (
                    "Conflict",
                    "The request conflicts with the current state of the resource (sandbox fault injection).",
                ),
                _ => (
                    "InternalServerError",
                    "Encountered internal server error (sandbox fault injection).",
                ),
            };
            json!({ "error": { "code": code, "message": message } })
        }
    };
    let mut response = Response::json(status, &body);
    if let Some(seconds) = retry_after {
        response = response.with_header("retry-after", &seconds.to_string());
    }
    response
}

/// `loopNextLink`: a successful JSON list response (an object with a `value`
/// array) gets its next link set to `request_url`: `@odata.nextLink` if the
/// body has that member, else `nextLink` (added if absent). Anything else is
/// returned unchanged.
pub fn loop_next_link(mut response: Response, request_url: &str) -> Response {
    if !response.status.is_success() {
        return response;
    }
    let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(&response.body) else {
        return response;
    };
    if !body.get("value").is_some_and(Value::is_array) {
        return response;
    }
    let member = if body.contains_key("@odata.nextLink") {
        "@odata.nextLink"
    } else {
        "nextLink"
    };
    body.insert(member.to_owned(), Value::String(request_url.to_owned()));
    response.body = Bytes::from(Value::Object(body).to_string());
    response
}

/// `oversizedBody`: pads a JSON body to at least `bytes` bytes and keeps it
/// valid JSON. An object gets a [`PADDING_MEMBER`] string (what a huge real
/// field looks like to a parser); other JSON gets trailing whitespace, which
/// JSON allows. Empty and non-JSON bodies are returned unchanged.
pub fn pad_body(mut response: Response, bytes: usize) -> Response {
    if response.body.is_empty() || response.body.len() >= bytes {
        return response;
    }
    let Ok(value) = serde_json::from_slice::<Value>(&response.body) else {
        return response;
    };
    let padded = match value {
        Value::Object(mut body) => {
            body.insert(PADDING_MEMBER.to_owned(), Value::String(String::new()));
            let unpadded = Value::Object(body.clone()).to_string().len();
            let filler = "x".repeat(bytes.saturating_sub(unpadded));
            body.insert(PADDING_MEMBER.to_owned(), Value::String(filler));
            Value::Object(body).to_string().into_bytes()
        }
        _ => {
            let mut text = response.body.to_vec();
            text.resize(bytes, b' ');
            text
        }
    };
    response.body = Bytes::from(padded);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> RouteInfo<'_> {
        RouteInfo {
            service: Service::Arm,
            method: "GET",
            host: "localhost",
            path,
        }
    }

    #[test]
    fn counted_rules_expire_and_non_matching_routes_pass() {
        let mut faults = FaultRules::default();
        faults
            .add(FaultRule {
                id: 0,
                matcher: RouteMatcher {
                    path_prefix: Some("/subscriptions".into()),
                    ..RouteMatcher::default()
                },
                effect: FaultEffect::Status {
                    status: 429,
                    retry_after: Some(2),
                },
                count: Some(2),
                probability: None,
            })
            .expect("valid rule");
        let expected = Some(FaultAction::Respond {
            status: 429,
            retry_after: Some(2),
        });
        assert_eq!(faults.on_request(&route("/tenants")).action, None);
        assert_eq!(
            faults.on_request(&route("/subscriptions/x")).action,
            expected
        );
        assert_eq!(
            faults.on_request(&route("/SUBSCRIPTIONS/x")).action,
            expected
        );
        assert_eq!(faults.on_request(&route("/subscriptions/x")).action, None);
        assert!(faults.rules.is_empty());
    }

    #[test]
    fn operation_faults_are_left_for_resource_manager() {
        let mut faults = FaultRules::default();
        faults
            .add(FaultRule {
                id: 0,
                matcher: RouteMatcher::default(),
                effect: FaultEffect::FailOperation {
                    code: "InternalServerError".into(),
                    message: "boom".into(),
                },
                count: Some(1),
                probability: None,
            })
            .expect("valid rule");
        assert_eq!(faults.on_request(&route("/x")), RequestFaults::default());
        assert!(matches!(
            faults.take_operation_fault(&route("/x")),
            Some(OperationFault::Fail { .. })
        ));
        assert_eq!(faults.take_operation_fault(&route("/x")), None);
    }

    #[test]
    fn invalid_rules_are_refused() {
        let mut faults = FaultRules::default();
        let bad_regex = FaultRule {
            id: 0,
            matcher: RouteMatcher {
                path_regex: Some("(".into()),
                ..RouteMatcher::default()
            },
            effect: FaultEffect::ConnectionReset,
            count: None,
            probability: None,
        };
        assert!(faults.add(bad_regex).is_err());
    }

    #[test]
    fn write_then_fail_rules_let_the_request_through_first() {
        let mut faults = FaultRules::default();
        for effect in [
            FaultEffect::ApplyThenStatus {
                status: 504,
                retry_after: None,
            },
            FaultEffect::ApplyThenReset,
            FaultEffect::LoopNextLink,
            FaultEffect::OversizedBody { bytes: 10 },
        ] {
            faults
                .add(FaultRule {
                    id: 0,
                    matcher: RouteMatcher::default(),
                    effect,
                    count: Some(1),
                    probability: None,
                })
                .expect("valid rule");
        }
        let expected = [
            FaultAction::ApplyThenRespond {
                status: 504,
                retry_after: None,
            },
            FaultAction::ApplyThenReset,
            FaultAction::LoopNextLink,
            FaultAction::OversizedBody { bytes: 10 },
        ];
        for action in expected {
            let got = faults.on_request(&route("/x")).action.expect("a fault");
            assert!(got.handles_request(), "{got:?}");
            assert_eq!(got, action);
        }
        assert!(faults.rules.is_empty());
        let refused = faults.add(FaultRule {
            id: 0,
            matcher: RouteMatcher::default(),
            effect: FaultEffect::ApplyThenStatus {
                status: 200,
                retry_after: None,
            },
            count: None,
            probability: None,
        });
        assert!(refused.is_err());
    }

    #[test]
    fn effects_read_their_documented_json() {
        for (text, effect) in [
            (
                r#"{"kind":"applyThenStatus","status":500}"#,
                FaultEffect::ApplyThenStatus {
                    status: 500,
                    retry_after: None,
                },
            ),
            (r#"{"kind":"applyThenReset"}"#, FaultEffect::ApplyThenReset),
            (r#"{"kind":"loopNextLink"}"#, FaultEffect::LoopNextLink),
            (
                r#"{"kind":"oversizedBody","bytes":4096}"#,
                FaultEffect::OversizedBody { bytes: 4096 },
            ),
        ] {
            let parsed: FaultEffect = serde_json::from_str(text).expect(text);
            assert_eq!(parsed, effect);
        }
    }

    #[test]
    fn random_kinds_parse_by_name_and_only_the_chosen_ones_happen() {
        let kinds: Vec<RandomFaultKind> = ["throttle", "APPLYTHEN500", " reset "]
            .iter()
            .map(|k| k.parse().expect(k))
            .collect();
        assert_eq!(
            kinds,
            [
                RandomFaultKind::Throttle,
                RandomFaultKind::ApplyThen500,
                RandomFaultKind::Reset
            ]
        );
        assert!("explode".parse::<RandomFaultKind>().is_err());
        for kind in RandomFaultKind::ALL {
            let json = serde_json::to_value(kind).expect("serialises");
            assert_eq!(json, kind.name());
        }

        let mut faults = FaultRules::new(0, 1.0);
        faults.random_fault_kinds = vec![RandomFaultKind::ApplyThenReset];
        for _ in 0..20 {
            assert_eq!(
                faults.on_request(&route("/x")).action,
                Some(FaultAction::ApplyThenReset)
            );
        }
        let entra = RouteInfo {
            service: Service::Entra,
            ..route("/t/oauth2/v2.0/token")
        };
        assert_eq!(faults.on_request(&entra).action, None, "sign-in is spared");

        let mut default_mix = FaultRules::new(0, 1.0);
        for _ in 0..50 {
            let action = default_mix.on_request(&route("/x")).action.expect("fault");
            assert!(!action.handles_request(), "{action:?}");
        }
    }

    fn json_response(body: Value) -> Response {
        Response::json(StatusCode::OK, &body)
    }

    fn body_of(response: &Response) -> Value {
        serde_json::from_slice(&response.body).expect("JSON")
    }

    #[test]
    fn looped_next_links_use_the_member_the_list_has() {
        let url = "https://localhost:1/subscriptions?api-version=2022-12-01";
        let arm = loop_next_link(json_response(json!({"value": []})), url);
        assert_eq!(body_of(&arm)["nextLink"], url);
        let odata = loop_next_link(
            json_response(json!({"value": [1], "@odata.nextLink": "https://elsewhere"})),
            url,
        );
        assert_eq!(body_of(&odata)["@odata.nextLink"], url);
        assert!(body_of(&odata).get("nextLink").is_none());
        let not_a_list = loop_next_link(json_response(json!({"id": "x"})), url);
        assert_eq!(body_of(&not_a_list), json!({"id": "x"}));
        let error = loop_next_link(
            Response::json(StatusCode::NOT_FOUND, &json!({"value": []})),
            url,
        );
        assert!(body_of(&error).get("nextLink").is_none());
    }

    #[test]
    fn padding_reaches_the_size_and_stays_json() {
        let object = pad_body(json_response(json!({"a": 1})), 1000);
        assert!(object.body.len() >= 1000);
        assert!(object.body.len() <= 1001, "{}", object.body.len());
        assert_eq!(body_of(&object)["a"], 1);
        let array = pad_body(json_response(json!([1, 2])), 500);
        assert_eq!(array.body.len(), 500);
        assert_eq!(body_of(&array), json!([1, 2]));
        let empty = pad_body(Response::empty(StatusCode::NO_CONTENT), 500);
        assert!(empty.body.is_empty());
    }

    #[test]
    fn fault_bodies_name_the_status() {
        let code = |service, status| {
            let response = fault_response(service, status, None);
            assert_eq!(response.status.as_u16(), status);
            body_of(&response)["error"]["code"].clone()
        };
        assert_eq!(code(Service::Arm, 412), "PreconditionFailed");
        assert_eq!(code(Service::Arm, 409), "Conflict");
        assert_eq!(code(Service::Arm, 504), "GatewayTimeout");
        assert_eq!(code(Service::Arm, 500), "InternalServerError");
        assert_eq!(code(Service::KeyVault, 504), "GatewayTimeout");
        assert_eq!(code(Service::KeyVault, 429), "Throttled");
    }
}
