//! Injected latency and failures, per route, configured at start (`--latency-ms`,
//! `--fault-rate`) or at runtime through the admin API.
//!
//! Request-level faults (latency, a status code, a connection reset) are applied
//! by the server before a handler runs. Operation-level faults (a slow
//! long-running operation, one that ends `Failed`) are taken by the Resource
//! Manager code when it starts a long-running operation: see
//! [`FaultRules::take_operation_fault`].

use std::time::Duration;

use http::StatusCode;
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

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

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FaultRules {
    pub rules: Vec<FaultRule>,
    /// Probability (0..=1) that any Resource Manager or Key Vault request fails
    /// with 429, 500 or 503 (chosen evenly).
    pub random_fault_rate: f64,
    /// Latency added to every request, in milliseconds.
    pub latency_ms: u64,
    #[serde(default)]
    next_id: u64,
}

/// One rule: which requests it matches and what it does to them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Assigned by [`FaultRules::add`]; ignored on input.
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
}

/// What the server does to a request before handling it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFaults {
    pub latency: Duration,
    pub action: Option<FaultAction>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    Respond {
        status: u16,
        retry_after: Option<u64>,
    },
    ConnectionReset,
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
        if let FaultEffect::Status { status, .. } = rule.effect
            && !(400..=599).contains(&status)
        {
            return Err(format!("status {status} is not an error status (400-599)"));
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
            let request_level = matches!(
                rule.effect,
                FaultEffect::Latency { .. }
                    | FaultEffect::Status { .. }
                    | FaultEffect::ConnectionReset
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
            let (status, retry_after) = match rng.gen_range(0..3) {
                0 => (429, Some(1)),
                1 => (500, None),
                _ => (503, Some(1)),
            };
            faults.action = Some(FaultAction::Respond {
                status,
                retry_after,
            });
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
}
