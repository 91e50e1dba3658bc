//! Resource Manager's error envelope, `{"error":{"code","message"}}`, and the
//! errors ARM itself (rather than a resource provider) returns, worded as Azure
//! words them so clients that match on codes or messages behave as they would
//! against Azure.

use http::StatusCode;
use serde_json::json;

use crate::http::Response;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Extra response headers, e.g. `Retry-After` on throttling.
    pub headers: Vec<(String, String)>,
    /// `error.details`, for services that explain an error in parts (Resource Graph).
    pub details: Vec<serde_json::Value>,
}

pub type ArmResult<T> = Result<T, ArmError>;

impl ArmError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code: code.to_owned(),
            message: message.into(),
            headers: Vec::new(),
            details: Vec::new(),
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        ArmError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        ArmError::new(StatusCode::CONFLICT, code, message)
    }

    pub fn missing_api_version() -> Self {
        ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    }

    pub fn invalid_api_version(version: &str) -> Self {
        ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are dates in the form \
                 'yyyy-mm-dd', optionally followed by '-preview'."
            ),
        )
    }

    pub fn subscription_not_found(subscription_id: &str) -> Self {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{subscription_id}' could not be found."),
        )
    }

    pub fn resource_group_not_found(resource_group: &str) -> Self {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{resource_group}' could not be found."),
        )
    }

    /// ARM's 404 for a resource that does not exist in an existing resource group.
    pub fn resource_not_found(full_type: &str, name: &str, resource_group: &str) -> Self {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource '{full_type}/{name}' under resource group '{resource_group}' was not found. \
                 For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        )
    }

    pub fn invalid_resource_type(namespace: &str, resource_type: &str, api_version: &str) -> Self {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            format!(
                "The resource type '{resource_type}' could not be found in the namespace '{namespace}' \
                 for api version '{api_version}'."
            ),
        )
    }

    pub fn no_registered_provider(namespace: &str, api_version: &str) -> Self {
        ArmError::bad_request(
            "NoRegisteredProviderFound",
            format!(
                "No registered resource provider found for location 'global' and API version \
                 '{api_version}' for type '{namespace}'. The sandbox serves Microsoft.ContainerRegistry, \
                 Microsoft.KeyVault, Microsoft.ManagedIdentity, Microsoft.Authorization, \
                 Microsoft.Storage, Microsoft.CognitiveServices, Microsoft.ResourceGraph and \
                 Microsoft.Resources."
            ),
        )
    }

    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        ArmError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "HttpMethodNotAllowed",
            format!("The HTTP method '{method}' is not supported on '{path}'."),
        )
    }

    /// The exact sentence Azure returns for a missing RBAC permission.
    pub fn authorization_failed(object_id: &str, action: &str, scope: &str) -> Self {
        ArmError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            format!(
                "The client '{object_id}' with object id '{object_id}' does not have authorization to perform \
                 action '{action}' over scope '{scope}' or the scope is invalid. If access was recently \
                 granted, please refresh your credentials."
            ),
        )
    }

    pub fn precondition_failed(header: &str, value: &str) -> Self {
        ArmError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            format!(
                "The condition specified using HTTP conditional header(s) is not met: {header}: {value}. \
                 Read the resource again to get its current ETag, then retry with that value."
            ),
        )
    }

    pub fn invalid_request_content(message: impl Into<String>) -> Self {
        ArmError::bad_request("InvalidRequestContent", message)
    }

    pub fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.code, "message": self.message}});
        if !self.details.is_empty() {
            body["error"]["details"] = serde_json::Value::Array(self.details);
        }
        let mut response = Response::json(self.status, &body);
        for (name, value) in &self.headers {
            response = response.with_header(name, value);
        }
        response
    }
}

impl std::fmt::Display for ArmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ArmError {}
