//! A new key version and the key's rotation policy.

use super::{LifecycleOutcome, LifecyclePlanView};
use crate::arm::lro::Progress;
use crate::cancel::Cancel;
use crate::{AzureError, Session};
use keyblade_core::lifecycle::LifecycleAction;

/// Plans it. Scaffolding until the action is built: refuses with a clear error.
pub async fn plan(
    _session: &Session,
    _resource_id: &str,
    _what: &LifecycleAction,
) -> Result<LifecyclePlanView, AzureError> {
    Err(not_built())
}

/// Runs it. Scaffolding until the action is built: refuses with a clear error.
pub async fn run(
    _session: &Session,
    _resource_id: &str,
    _what: &LifecycleAction,
    _confirmation: &super::Confirmed,
    _progress: &dyn Progress,
    _cancel: &Cancel,
) -> Result<LifecycleOutcome, AzureError> {
    Err(not_built())
}

fn not_built() -> AzureError {
    AzureError::InvalidInput {
        what: "This action".to_owned(),
        reason: "this build of keyblade cannot do it yet".to_owned(),
    }
}
