//! Restoring a resource's access to its key: why it cannot reach the key ([`diagnose`]),
//! and the fix that matches ([`plan`], [`run`]).
//!
//! The causes come from keyblade-core's [`keyblade_core::lifecycle::restore::diagnose`],
//! the same rules as the Encryption blade's data health, over the same facts, plus what a
//! health check does not need: whether a missing key sits among the vault's deleted keys.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use keyblade_core::KindRules;
use keyblade_core::lifecycle::restore::{AccessProblem, DeletedKey, RestoreInput};
use keyblade_core::lifecycle::revoke::encryption_principal;
use keyblade_core::lifecycle::{LifecyclePlan, RestoreFix};
use keyblade_core::preflight::{CRYPTO_SERVICE_ENCRYPTION_USER, CurrentEncryption, KeyLookup};

use super::revoke::{Current, ReadBack, current, execute, health_words};
use super::{LifecycleOutcome, LifecyclePlanView};
use crate::arm::lro::Progress;
use crate::cancel::Cancel;
use crate::encryption::view::HealthStatus;
use crate::{AzureError, Session};

/// Why a resource cannot reach its key, for Restore access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RestoreDiagnosis {
    /// The resource diagnosed.
    pub resource_id: String,
    /// Whether the resource uses a customer-managed key at all.
    pub customer_managed: bool,
    /// Whether nothing stands between the identity and the key.
    pub accessible: bool,
    /// One sentence on what was found.
    pub summary: String,
    /// The causes, errors first, each with the fix Restore access offers (or none).
    pub causes: Vec<AccessProblem>,
}

/// What restore plans from: the resource now, and the deleted key when the key is missing.
async fn restore_input(session: &Session, current: &Current) -> RestoreInput {
    let deleted_key = match (&current.input.facts.key, &current.key_uri) {
        (KeyLookup::NotFound, Some(uri)) => match Url::parse(&uri.vault_url()) {
            Ok(vault) => session
                .keyvault
                .get_deleted_key(&vault, uri.key_name())
                .await
                .ok()
                .map(|deleted| DeletedKey {
                    deleted_date: deleted.deleted_date,
                    scheduled_purge_date: deleted.scheduled_purge_date,
                }),
            Err(_) => None,
        },
        _ => None,
    };
    RestoreInput {
        resource: current.input.resource.clone(),
        key_uri: current.key_uri.clone(),
        identity: current.identity.clone(),
        facts: current.input.facts.clone(),
        deleted_key,
    }
}

/// The name of the role assignment a restore creates: derived from what it grants (the
/// resource and its ETag, the principal, the vault), so the review and the run name the
/// same assignment, and a grant repeated after a failure PUTs the same one again.
fn role_assignment_name(current: &Current, input: &RestoreInput) -> String {
    let principal = encryption_principal(&input.resource, &input.facts).unwrap_or_default();
    let vault = input
        .facts
        .vault
        .as_ref()
        .map(|v| v.id.to_string())
        .unwrap_or_default();
    let text = format!(
        "keyblade:restore?role={CRYPTO_SERVICE_ENCRYPTION_USER}&resource={}&etag={}\
         &principal={principal}&vault={vault}",
        input.resource.id,
        current.etag.as_deref().unwrap_or_default(),
    )
    .to_ascii_lowercase();
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, text.as_bytes()).to_string()
}

/// Finds why the resource cannot reach its key: each cause with its fix and a sentence.
/// Writes nothing.
pub async fn diagnose(
    session: &Session,
    resource_id: &str,
) -> Result<RestoreDiagnosis, AzureError> {
    let current = current(session, resource_id).await?;
    let input = restore_input(session, &current).await;
    let causes = keyblade_core::lifecycle::restore::diagnose(&input, OffsetDateTime::now_utc());
    let rules = KindRules::of(input.resource.kind);
    let name = input.resource.id.name().to_owned();
    let customer_managed = matches!(
        input.resource.encryption,
        CurrentEncryption::CustomerManaged { .. }
    );
    let errors = causes
        .iter()
        .filter(|c| c.severity == keyblade_core::preflight::Severity::Error)
        .count();
    let summary = if !customer_managed {
        format!(
            "The {} {name} uses Microsoft-managed keys: there is no key of yours to restore \
             access to.",
            rules.short_name
        )
    } else if causes.is_empty() {
        format!(
            "The {} {name} can reach its key: its identity can get, wrap and unwrap it.",
            rules.short_name
        )
    } else if errors == 0 {
        format!(
            "keyblade could not check everything about {name}'s key: {}",
            causes[0].message
        )
    } else {
        format!(
            "The {} {name} cannot reach its key, so its data is inaccessible: {} cause{} \
             found.",
            rules.short_name,
            errors,
            if errors == 1 { "" } else { "s" }
        )
    };
    Ok(RestoreDiagnosis {
        resource_id: resource_id.to_owned(),
        customer_managed,
        accessible: customer_managed && errors == 0,
        summary,
        causes,
    })
}

async fn plan_core(
    session: &Session,
    resource_id: &str,
    fix: RestoreFix,
) -> Result<(LifecyclePlan, &'static str), AzureError> {
    let current = current(session, resource_id).await?;
    let input = restore_input(session, &current).await;
    let name = role_assignment_name(&current, &input);
    let plan =
        keyblade_core::lifecycle::restore::plan(fix, &input, &name, OffsetDateTime::now_utc());
    Ok((plan, KindRules::of(input.resource.kind).short_name))
}

/// Plans `fix`: the review. Writes nothing.
pub async fn plan(
    session: &Session,
    resource_id: &str,
    fix: RestoreFix,
) -> Result<LifecyclePlanView, AzureError> {
    let (plan, _) = plan_core(session, resource_id, fix).await?;
    Ok(LifecyclePlanView::new(resource_id, &plan))
}

/// Runs `fix`: plans again from fresh facts, refuses when it no longer answers a cause,
/// runs the steps, then reads the blade back until it shows the data accessible again
/// (bounded by the session's settle time).
pub async fn run(
    session: &Session,
    resource_id: &str,
    fix: RestoreFix,
    confirmation: &super::Confirmed,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<LifecycleOutcome, AzureError> {
    session.invalidate_all();
    let (plan, noun) = plan_core(session, resource_id, fix).await?;
    let grants = matches!(
        fix,
        RestoreFix::AddAccessPolicy | RestoreFix::AddRoleAssignment | RestoreFix::AttachIdentity
    );
    execute(
        session,
        resource_id,
        &plan,
        confirmation,
        progress,
        cancel,
        &ReadBack {
            title: format!("Verify that the {noun}'s data is accessible"),
            done: |view| view.health.status == HealthStatus::Healthy,
            applied: |view| {
                let noun = KindRules::of(view.kind).short_name;
                if grants {
                    format!(
                        "Access is restored: the {noun}'s identity has get, wrapKey and \
                         unwrapKey on the key again, so its data is accessible again. Key Vault \
                         can take a few minutes to apply new access; until then the service \
                         may still be refused."
                    )
                } else {
                    format!(
                        "Access is restored: the {noun}'s identity can get, wrap and unwrap \
                         the key, so its data is accessible again."
                    )
                }
            },
            not_yet: |view| {
                format!(
                    "Azure accepted every step, but the {} still reads as {}: {}",
                    KindRules::of(view.kind).short_name,
                    health_words(view.health.status),
                    view.health.summary
                )
            },
        },
    )
    .await
}
