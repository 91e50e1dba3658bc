//! Revoke access and Restore access (`keyblade_azure::encryption::lifecycle::{revoke,
//! restore}`) against the in-process sandbox's `demo` scenario: each way to revoke, then the
//! fix Restore access offers for it, on a registry and a storage account, each step checked
//! through the sandbox itself (its CMK health oracle and stored state), not the code under
//! test; a delete that cannot be recovered refused without its confirmation; and the
//! diagnosis of the demo's broken registries.

use keyblade_azure::Session;
use keyblade_azure::arm::lro::NoProgress;
use keyblade_azure::cancel::Cancel;
use keyblade_azure::encryption::HealthStatus;
use keyblade_azure::encryption::lifecycle::{self, Confirmed, LifecycleOutcome, restore};
use keyblade_core::lifecycle::{Confirmation, LifecycleAction, RestoreFix, RevokeWay};
use keyblade_sandbox::scenario::demo::{PROD_DATA_GROUP, PROD_SUBSCRIPTION};

mod common;
use common::{Fixture, registry};

fn storage(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_DATA_GROUP}/providers/Microsoft.Storage/storageAccounts/{name}"
    )
}

fn name_of(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

async fn revoke(session: &Session, id: &str, way: RevokeWay) -> LifecycleOutcome {
    let action = LifecycleAction::Revoke { way };
    let plan = lifecycle::plan(session, id, &action)
        .await
        .expect("revoke plans");
    assert!(plan.can_run, "{way:?} on {id}: {:?}", plan.findings);
    assert_eq!(
        plan.confirmation,
        Confirmation::TypeName {
            name: name_of(id).to_owned()
        }
    );
    assert!(
        plan.summary.contains("until access is restored"),
        "{}",
        plan.summary
    );
    // A wrong name changes nothing.
    let refused = lifecycle::run(
        session,
        id,
        &action,
        &Confirmed::name("not-the-name"),
        &NoProgress,
        &Cancel::new(),
    )
    .await
    .expect("runs");
    assert!(
        matches!(&refused, LifecycleOutcome::Refused { findings } if findings[0].code.as_str() == "lifecycle.confirmationMismatch"),
        "{refused:?}"
    );
    lifecycle::run(
        session,
        id,
        &action,
        &Confirmed::name(name_of(id)),
        &NoProgress,
        &Cancel::new(),
    )
    .await
    .expect("revoke runs")
}

async fn restore_with(session: &Session, id: &str, fix: RestoreFix) -> LifecycleOutcome {
    let action = LifecycleAction::Restore { fix };
    let plan = lifecycle::plan(session, id, &action)
        .await
        .expect("restore plans");
    assert!(plan.can_run, "{fix:?} on {id}: {:?}", plan.findings);
    assert_eq!(plan.confirmation, Confirmation::Review);
    lifecycle::run(
        session,
        id,
        &action,
        &Confirmed::review(),
        &NoProgress,
        &Cancel::new(),
    )
    .await
    .expect("restore runs")
}

fn assert_applied(outcome: &LifecycleOutcome, health: HealthStatus) {
    match outcome {
        LifecycleOutcome::Applied { view, message, .. } => {
            let view = view.as_ref().expect("the blade was read back");
            assert_eq!(view.health.status, health, "{message}");
        }
        other => panic!("not applied: {other:?}"),
    }
}

/// Revokes `way`, checks the data is inaccessible (oracle and blade), diagnoses, restores
/// with the fix the diagnosis offers, and checks the data is accessible again.
async fn revoke_then_restore(
    fixture: &Fixture,
    session: &Session,
    id: &str,
    way: RevokeWay,
    expected_cause: &str,
    fix: RestoreFix,
) {
    assert_eq!(
        fixture.oracle_health(id),
        "accessible",
        "{id} starts healthy"
    );
    let outcome = revoke(session, id, way).await;
    assert_applied(&outcome, HealthStatus::Unhealthy);
    let oracle = fixture.oracle_health(id);
    assert!(oracle.starts_with("inaccessible"), "{way:?}: {oracle}");

    let diagnosis = restore::diagnose(session, id).await.expect("diagnoses");
    assert!(!diagnosis.accessible, "{diagnosis:?}");
    let cause = diagnosis
        .causes
        .iter()
        .find(|c| c.code.as_str() == expected_cause)
        .unwrap_or_else(|| panic!("{way:?}: no {expected_cause} in {diagnosis:?}"));
    assert_eq!(cause.fix, Some(fix), "{cause:?}");

    let outcome = restore_with(session, id, fix).await;
    assert_applied(&outcome, HealthStatus::Healthy);
    assert_eq!(fixture.oracle_health(id), "accessible", "{fix:?} on {id}");
    let diagnosis = restore::diagnose(session, id).await.expect("diagnoses");
    assert!(diagnosis.accessible, "{diagnosis:?}");
}

#[tokio::test]
async fn a_registry_revoked_each_way_and_restored() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    revoke_then_restore(
        &fixture,
        &session,
        &id,
        RevokeWay::RemoveAccessPolicy,
        "access.missingPermissions",
        RestoreFix::AddAccessPolicy,
    )
    .await;
    revoke_then_restore(
        &fixture,
        &session,
        &id,
        RevokeWay::DisableKey,
        "key.disabled",
        RestoreFix::EnableKey,
    )
    .await;
    revoke_then_restore(
        &fixture,
        &session,
        &id,
        RevokeWay::DeleteKey,
        "restore.keyDeleted",
        RestoreFix::RecoverKey,
    )
    .await;
    // The role way does not apply to an access-policy vault.
    let plan = lifecycle::plan(
        &session,
        &id,
        &LifecycleAction::Revoke {
            way: RevokeWay::RemoveRoleAssignment,
        },
    )
    .await
    .expect("plans");
    assert!(!plan.can_run);
    assert_eq!(plan.findings[0].code.as_str(), "revoke.wayNotApplicable");
    assert!(plan.steps.is_empty());
}

#[tokio::test]
async fn a_registry_in_an_rbac_vault_loses_and_regains_its_role() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosorbac");
    revoke_then_restore(
        &fixture,
        &session,
        &id,
        RevokeWay::RemoveRoleAssignment,
        "access.missingPermissions",
        RestoreFix::AddRoleAssignment,
    )
    .await;
}

#[tokio::test]
async fn a_storage_account_revoked_and_restored() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = storage("stcontosocmk");
    revoke_then_restore(
        &fixture,
        &session,
        &id,
        RevokeWay::DisableKey,
        "key.disabled",
        RestoreFix::EnableKey,
    )
    .await;
    revoke_then_restore(
        &fixture,
        &session,
        &id,
        RevokeWay::RemoveAccessPolicy,
        "access.missingPermissions",
        RestoreFix::AddAccessPolicy,
    )
    .await;
}

#[tokio::test]
async fn a_delete_that_cannot_be_recovered_needs_its_confirmation() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    // A vault from before soft delete was mandatory.
    fixture.sandbox.with_world(|world| {
        let vault = world
            .arm
            .resources
            .values()
            .find(|r| {
                r.id()
                    .to_ascii_lowercase()
                    .ends_with("/vaults/kv-contoso-prod-cmk")
            })
            .map(|r| (r.id().to_owned(), r.body.clone()))
            .expect("the demo vault");
        let mut body = vault.1;
        body["properties"]["enableSoftDelete"] = serde_json::json!(false);
        body["properties"]["enablePurgeProtection"] = serde_json::json!(false);
        world.arm.replace_body(&vault.0, body);
    });
    let action = LifecycleAction::Revoke {
        way: RevokeWay::DeleteKey,
    };
    let plan = lifecycle::plan(&session, &id, &action)
        .await
        .expect("plans");
    assert_eq!(
        plan.confirmation,
        Confirmation::TypeNameAndAcknowledge {
            name: "crcontosoprod".to_owned(),
            acknowledgement: "I understand this key cannot be recovered".to_owned(),
        }
    );
    assert!(
        plan.findings
            .iter()
            .any(|f| f.code.as_str() == "revoke.keyUnrecoverable"),
        "{:?}",
        plan.findings
    );
    // A wrong name, no name, or the right name without the acknowledgement ticked.
    for given in [
        Confirmed::name(""),
        Confirmed::name("crcontoso"),
        Confirmed::name("crcontosoprod"),
        Confirmed::name_and_acknowledgement("crcontoso"),
    ] {
        let outcome = lifecycle::run(&session, &id, &action, &given, &NoProgress, &Cancel::new())
            .await
            .expect("runs");
        assert!(
            matches!(outcome, LifecycleOutcome::Refused { .. }),
            "{outcome:?}"
        );
    }
    assert_eq!(
        fixture.oracle_health(&id),
        "accessible",
        "nothing was deleted"
    );
}

#[tokio::test]
async fn the_demos_broken_registries_are_diagnosed() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    for (name, code, fix) in [
        (
            "crcontosorevoked",
            "access.missingPermissions",
            Some(RestoreFix::AddAccessPolicy),
        ),
        (
            "crcontosodisabled",
            "key.disabled",
            Some(RestoreFix::EnableKey),
        ),
        ("crcontosoorphan", "identity.deleted", None),
    ] {
        let diagnosis = restore::diagnose(&session, &registry(name))
            .await
            .expect("diagnoses");
        assert!(!diagnosis.accessible, "{name}: {diagnosis:?}");
        let first = &diagnosis.causes[0];
        assert_eq!(
            (first.code.as_str(), first.fix),
            (code, fix),
            "{name}: {diagnosis:?}"
        );
        assert!(first.what_to_do.is_some(), "{name}");
    }
    // Each fix the diagnosis offers works.
    for (name, fix) in [
        ("crcontosorevoked", RestoreFix::AddAccessPolicy),
        ("crcontosodisabled", RestoreFix::EnableKey),
    ] {
        let id = registry(name);
        assert!(fixture.oracle_health(&id).starts_with("inaccessible"));
        let outcome = restore_with(&session, &id, fix).await;
        assert_applied(&outcome, HealthStatus::Healthy);
        assert_eq!(fixture.oracle_health(&id), "accessible", "{name}");
    }
    // A fix that answers no cause is refused.
    let plan = lifecycle::plan(
        &session,
        &registry("crcontosoorphan"),
        &LifecycleAction::Restore {
            fix: RestoreFix::EnableKey,
        },
    )
    .await
    .expect("plans");
    assert!(!plan.can_run);
    assert_eq!(plan.findings[0].code.as_str(), "restore.fixDoesNotMatch");
}

#[tokio::test]
async fn a_restored_grant_waits_on_propagation_and_says_so() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosorevoked");
    fixture
        .sandbox
        .with_world(|world| world.propagation.delay_secs = 600);
    let outcome = restore_with(&session, &id, RestoreFix::AddAccessPolicy).await;
    let LifecycleOutcome::Applied { message, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(message.contains("few minutes"), "{message}");
    // The grant is stored at once but works only once it has propagated.
    assert!(fixture.oracle_health(&id).starts_with("inaccessible"));
    fixture.sandbox.with_world(|world| {
        world.clock.advance(std::time::Duration::from_secs(601));
    });
    assert_eq!(fixture.oracle_health(&id), "accessible");
}

#[tokio::test]
async fn an_identity_removed_from_the_registry_is_attached_again() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    // Someone detached the user-assigned identity the key is reached with (the registry
    // keeps naming it by client ID).
    fixture.sandbox.with_world(|world| {
        let mut body = world.arm.resource(&id).expect("the registry").body.clone();
        body["identity"] = serde_json::json!({"type": "None"});
        world.arm.replace_body(&id, body);
    });
    assert!(fixture.oracle_health(&id).starts_with("inaccessible"));
    let diagnosis = restore::diagnose(&session, &id).await.expect("diagnoses");
    let first = &diagnosis.causes[0];
    assert_eq!(
        (first.code.as_str(), first.fix),
        ("identity.notAttached", Some(RestoreFix::AttachIdentity)),
        "{diagnosis:?}"
    );
    let outcome = restore_with(&session, &id, RestoreFix::AttachIdentity).await;
    assert_applied(&outcome, HealthStatus::Healthy);
    assert_eq!(fixture.oracle_health(&id), "accessible");
    let stored = fixture.stored(&id);
    assert!(
        stored["identity"]["userAssignedIdentities"]
            .as_object()
            .is_some_and(|map| map.keys().any(|k| k.ends_with("/id-acr-prod"))),
        "{stored}"
    );
}
