//! The one error type every command returns.
//!
//! The UI receives it as `CommandError { code, message, details }`: `code` is stable and
//! machine-readable (the UI branches on it), `message` is shown to the user as is and says
//! what happened, why and what to do next, `details` carries optional technical detail.

use keyblade_core::KeyUriError;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A command that needs Azure was called while no one is signed in.
    #[error("You are not signed in to Azure, so keyblade cannot {action}. {reason}")]
    SignedOut {
        /// What the user asked for, phrased to follow "cannot", e.g. "list subscriptions".
        action: &'static str,
        /// Why there is no session and what to do about it, from the session state.
        reason: String,
    },

    /// A command that needs Azure was called while keyblade is still signing in.
    #[error("keyblade cannot {action} yet: {message} Wait a moment and try again.")]
    Connecting {
        action: &'static str,
        /// What is under way, e.g. "Starting the local demo tenant…".
        message: String,
    },

    /// The sign-in form was incomplete or pointed at something unusable.
    #[error("{what}: {reason}")]
    InvalidSignIn { what: String, reason: String },

    #[error(transparent)]
    KeyUri(#[from] KeyUriError),

    #[error(transparent)]
    Azure(#[from] keyblade_azure::AzureError),

    /// No history entry has this ID (the history was cleared, or the file set aside).
    #[error(
        "The history has no entry {id}: it may have been dropped as the oldest, or the \
         history file was unreadable and started again. Open History again to see what it holds."
    )]
    HistoryEntryNotFound { id: String },
}

impl CommandError {
    /// Stable identifier the UI branches on, e.g. `session.signedOut` or `keyUri.query`.
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::SignedOut { .. } => "session.signedOut",
            CommandError::Connecting { .. } => "session.connecting",
            CommandError::InvalidSignIn { .. } => "session.invalidSignIn",
            CommandError::KeyUri(error) => error.code(),
            CommandError::Azure(error) => error.code(),
            CommandError::HistoryEntryNotFound { .. } => "history.entryNotFound",
        }
    }

    /// Technical detail that helps a bug report but is not part of the message.
    pub fn details(&self) -> Option<String> {
        match self {
            CommandError::SignedOut { .. }
            | CommandError::Connecting { .. }
            | CommandError::InvalidSignIn { .. }
            | CommandError::KeyUri(_)
            | CommandError::Azure(_)
            | CommandError::HistoryEntryNotFound { .. } => None,
        }
    }

    pub fn to_wire(&self) -> WireError {
        WireError {
            code: self.code().to_owned(),
            message: self.to_string(),
            details: self.details(),
        }
    }
}

/// What every rejected `invoke` promise carries (the wire form of [`CommandError`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(rename = "CommandError")]
pub struct WireError {
    /// Stable and machine-readable, e.g. `session.signedOut`, `keyUri.insecureScheme`.
    pub code: String,
    /// For the user, as is: what happened, why, and what to do next.
    pub message: String,
    /// Optional technical detail (for example a service's error body), or `null`.
    pub details: Option<String>,
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_wire().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signed_out_serializes_as_code_message_details() {
        let error = CommandError::SignedOut {
            action: "list subscriptions",
            reason: "Sign-in is not available yet.".to_owned(),
        };
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({
                "code": "session.signedOut",
                "message": "You are not signed in to Azure, so keyblade cannot list subscriptions. \
                            Sign-in is not available yet.",
                "details": null,
            })
        );
    }

    #[test]
    fn azure_errors_keep_their_code_and_message() {
        let cases = [
            (
                keyblade_azure::AzureError::PreconditionFailed {
                    message: "etag".to_owned(),
                },
                "azure.preconditionFailed",
            ),
            (
                keyblade_azure::AzureError::AuthorizationFailed {
                    message: "no role.".to_owned(),
                },
                "azure.authorizationFailed",
            ),
        ];
        for (azure, code) in cases {
            let wire = serde_json::to_value(CommandError::from(azure.clone())).unwrap();
            assert_eq!(wire["code"], code);
            assert_eq!(wire["message"], azure.to_string());
        }
    }

    #[test]
    fn connecting_says_what_is_under_way() {
        let error = CommandError::Connecting {
            action: "list subscriptions",
            message: "Starting the local demo tenant…".to_owned(),
        };
        assert_eq!(error.code(), "session.connecting");
        assert_eq!(
            error.to_string(),
            "keyblade cannot list subscriptions yet: Starting the local demo tenant… Wait a \
             moment and try again."
        );
    }

    #[test]
    fn key_uri_errors_keep_their_code_and_message() {
        let cases = [
            ("http://v.vault.azure.net/keys/k", "keyUri.insecureScheme"),
            ("https://vault1.vault.azure.net/keys/k?x=1", "keyUri.query"),
            (
                "https://vault1.vault.azure.net/secrets/s",
                "keyUri.secretUri",
            ),
            ("", "keyUri.empty"),
        ];
        for (input, code) in cases {
            let core_error = keyblade_core::KeyUri::parse(input).unwrap_err();
            let wire = serde_json::to_value(CommandError::from(core_error.clone())).unwrap();
            assert_eq!(wire["code"], code, "input {input:?}");
            assert_eq!(wire["message"], core_error.to_string(), "input {input:?}");
            assert_eq!(wire["details"], serde_json::Value::Null, "input {input:?}");
            assert_eq!(
                wire.as_object().unwrap().len(),
                3,
                "only code, message, details"
            );
        }
    }
}
