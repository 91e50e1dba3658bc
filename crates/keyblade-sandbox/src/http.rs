//! Transport-neutral request and response values: every handler is a plain
//! function from a `Request` (and the locked `World`) to a `Response`, so it can
//! be tested without sockets.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Lower-cased host name without the port, e.g. `localhost` or `myvault.vault.localhost`.
    pub host: String,
    /// The raw path, not normalised: Key Vault accepts `/keys/{n}/` and `/keys/{n}//wrapkey`.
    pub path: String,
    /// Query pairs, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    /// Query parameter by name, case-insensitively (`api-version`, `$filter`, `$skipToken`).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Path segments with empty ones dropped, as Azure's front ends treat `//`.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The body as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn empty(status: StatusCode) -> Self {
        Response {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    pub fn json(status: StatusCode, body: &Value) -> Self {
        let mut response = Response::empty(status);
        response.body = Bytes::from(body.to_string());
        response.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response
    }

    /// Adds a header; a value that is not a valid header value is dropped rather
    /// than panicking, since values can echo client input.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.insert(name, value);
        }
        self
    }
}

/// Who is calling, from a verified bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: String,
    /// The principal's object ID (`oid`): what role assignments and access policies name.
    pub object_id: String,
    /// The application (client) ID (`appid`/`azp`), for service principals and user sign-ins alike.
    pub app_id: String,
    pub audience: String,
    pub kind: PrincipalKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PrincipalKind {
    User,
    ServicePrincipal,
}
