//! Long-running Resource Manager operations: where to poll, what a poll answer means, and
//! how the caller hears about it.
//!
//! ARM's rules (Azure REST API guidelines, "asynchronous operations"): a 201/202 with
//! `Azure-AsyncOperation` is polled there until `status` is terminal; otherwise
//! `Location` is polled until it stops answering 202; otherwise a body whose
//! `provisioningState` is not terminal is polled at the resource itself. Each poll waits
//! as long as `Retry-After` says (capped), or a default.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use url::Url;

/// What the caller is told while an operation runs, e.g. for the notifications panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "stage", rename_all = "camelCase")]
pub enum ProgressUpdate {
    /// The request was accepted.
    Submitted {
        /// What is being done, as a title for the user (e.g. a plan step's).
        operation: String,
    },
    /// Still running; polled `polls` times, next look in `next_check_ms`.
    #[serde(rename_all = "camelCase")]
    Running {
        /// What is being done.
        operation: String,
        /// The operation's last `status` or `provisioningState`.
        status: String,
        /// How many polls so far.
        polls: u32,
        /// Milliseconds until the next poll.
        next_check_ms: u64,
    },
    /// Not sent again yet: waiting for Azure (a new grant to take effect, an unfinished
    /// operation to end). `reason` is a sentence for the user.
    #[serde(rename_all = "camelCase")]
    Waiting {
        /// What is being done.
        operation: String,
        /// Why it waits, a sentence for the user.
        reason: String,
        /// How many times it has looked so far.
        attempts: u32,
        /// Milliseconds until the next look.
        next_check_ms: u64,
    },
    /// It completed.
    Succeeded {
        /// What was done.
        operation: String,
    },
    /// It ended without completing.
    Failed {
        /// What was being done.
        operation: String,
        /// The error code, e.g. Azure's or keyblade's `code()`.
        code: String,
        /// What went wrong, for the user.
        message: String,
    },
}

/// A sink for progress updates. Closures work: `&|update| println!("{update:?}")`.
pub trait Progress: Send + Sync {
    /// Takes one update. Called from async code, so it should return quickly.
    fn report(&self, update: ProgressUpdate);
}

impl<F: Fn(ProgressUpdate) + Send + Sync> Progress for F {
    fn report(&self, update: ProgressUpdate) {
        self(update)
    }
}

/// Ignores progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _update: ProgressUpdate) {}
}

/// How to wait for long-running operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LroSettings {
    /// When the service gives no `Retry-After`.
    pub default_poll_interval: Duration,
    /// The longest wait between polls, whatever `Retry-After` says.
    pub max_poll_interval: Duration,
    /// Give up waiting (not the operation: it may still complete) after this long.
    pub timeout: Duration,
}

impl Default for LroSettings {
    fn default() -> Self {
        LroSettings {
            default_poll_interval: Duration::from_secs(2),
            max_poll_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl LroSettings {
    pub(crate) fn wait(&self, retry_after: Option<&str>) -> Duration {
        retry_after
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map_or(self.default_poll_interval, Duration::from_secs)
            .min(self.max_poll_interval)
    }
}

/// Where to look for the outcome of an accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PollTarget {
    AsyncOperation(Url),
    Location(Url),
    Resource,
}

/// The state an answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PollState {
    Running(String),
    Succeeded,
    Failed { code: String, message: String },
    Canceled,
}

/// Where to poll after the first response, or `None` when it is already final.
pub(crate) fn poll_target(
    status: u16,
    async_operation: Option<&str>,
    location: Option<&str>,
    body: &Value,
) -> Option<PollTarget> {
    if let Some(url) = async_operation.and_then(|u| Url::parse(u).ok()) {
        return Some(PollTarget::AsyncOperation(url));
    }
    if status == 202
        && let Some(url) = location.and_then(|u| Url::parse(u).ok())
    {
        return Some(PollTarget::Location(url));
    }
    match provisioning_state(body) {
        Some(PollState::Running(_)) => Some(PollTarget::Resource),
        _ if status == 202 => Some(PollTarget::Resource),
        _ => None,
    }
}

/// Reads an `Azure-AsyncOperation` status document.
pub(crate) fn async_operation_state(body: &Value) -> PollState {
    let status = body["status"].as_str().unwrap_or("InProgress");
    terminal_state(status, &body["error"]).unwrap_or_else(|| PollState::Running(status.to_owned()))
}

/// Reads a resource body's `properties.provisioningState`; `None` when it has none.
pub(crate) fn provisioning_state(body: &Value) -> Option<PollState> {
    let state = body["properties"]["provisioningState"].as_str()?;
    Some(
        terminal_state(state, &body["properties"]["error"])
            .unwrap_or_else(|| PollState::Running(state.to_owned())),
    )
}

fn terminal_state(state: &str, error: &Value) -> Option<PollState> {
    match state.to_ascii_lowercase().as_str() {
        "succeeded" => Some(PollState::Succeeded),
        "failed" => Some(PollState::Failed {
            code: error["code"]
                .as_str()
                .unwrap_or("OperationFailed")
                .to_owned(),
            message: error["message"]
                .as_str()
                .unwrap_or("Azure did not say why.")
                .to_owned(),
        }),
        "canceled" | "cancelled" => Some(PollState::Canceled),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn targets_follow_arm_precedence() {
        let running = json!({"properties": {"provisioningState": "Updating"}});
        let done = json!({"properties": {"provisioningState": "Succeeded"}});
        let op = "https://m/op/1?api-version=x";
        let loc = "https://m/loc/1";
        assert_eq!(
            poll_target(201, Some(op), Some(loc), &running),
            Some(PollTarget::AsyncOperation(Url::parse(op).unwrap()))
        );
        assert_eq!(
            poll_target(202, None, Some(loc), &Value::Null),
            Some(PollTarget::Location(Url::parse(loc).unwrap()))
        );
        assert_eq!(
            poll_target(200, None, Some(loc), &running),
            Some(PollTarget::Resource)
        );
        assert_eq!(poll_target(200, None, None, &done), None);
        assert_eq!(poll_target(200, None, None, &Value::Null), None);
        assert_eq!(
            poll_target(202, None, None, &Value::Null),
            Some(PollTarget::Resource)
        );
    }

    #[test]
    fn states_are_read_from_status_documents() {
        assert_eq!(
            async_operation_state(&json!({"status": "InProgress"})),
            PollState::Running("InProgress".into())
        );
        assert_eq!(
            async_operation_state(&json!({"status": "Succeeded"})),
            PollState::Succeeded
        );
        assert_eq!(
            async_operation_state(
                &json!({"status": "Failed", "error": {"code": "KeyVaultAccessDenied", "message": "no"}})
            ),
            PollState::Failed {
                code: "KeyVaultAccessDenied".into(),
                message: "no".into()
            }
        );
        assert_eq!(
            async_operation_state(&json!({"status": "Canceled"})),
            PollState::Canceled
        );
        assert_eq!(provisioning_state(&json!({})), None);
    }

    #[test]
    fn waits_honour_retry_after_with_a_cap() {
        let settings = LroSettings::default();
        assert_eq!(settings.wait(Some("5")), Duration::from_secs(5));
        assert_eq!(settings.wait(Some("600")), Duration::from_secs(30));
        assert_eq!(settings.wait(None), Duration::from_secs(2));
        assert_eq!(settings.wait(Some("x")), Duration::from_secs(2));
    }
}
