//! What the app holds between commands: the cloud it talks to and the session.

use keyblade_azure::CloudSettings;

use crate::dto::{CloudSummary, SessionStatus};

pub struct AppState {
    cloud: CloudSettings,
    session: Session,
}

/// Who is signed in. Only signed out exists until Azure sign-in is built; adding the
/// signed-in variant makes every command that needs Azure handle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// `reason` is for the user: why there is no session and what to do next.
    SignedOut { reason: String },
}

impl Session {
    /// The session at start-up.
    pub fn signed_out() -> Session {
        Session::SignedOut {
            reason: "This version of keyblade cannot sign in to Azure yet: sign-in and the \
                     local sandbox's demo tenant come in a later version. Until then keyblade \
                     shows no subscriptions or resources rather than made-up ones."
                .to_owned(),
        }
    }

    pub fn status(&self) -> SessionStatus {
        match self {
            Session::SignedOut { reason } => SessionStatus::SignedOut {
                reason: reason.clone(),
            },
        }
    }
}

impl AppState {
    pub fn new(cloud: CloudSettings, session: Session) -> AppState {
        AppState { cloud, session }
    }

    pub fn cloud(&self) -> &CloudSettings {
        &self.cloud
    }

    pub fn session(&self) -> &Session {
        &self.session
    }
}

impl From<&CloudSettings> for CloudSummary {
    fn from(cloud: &CloudSettings) -> CloudSummary {
        CloudSummary {
            name: cloud.name().to_owned(),
            arm_endpoint: cloud.arm_endpoint().to_string(),
            key_vault_suffix: cloud.key_vault_suffix().to_string(),
        }
    }
}
