//! Turning on a vault's purge protection against the sandbox: planned, refused without the
//! confirmation it asks for, run, read back, and checked in the sandbox's stored vault.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Fixture, Recorder, route};
use keyblade_azure::Session;
use keyblade_azure::cancel::Cancel;
use keyblade_azure::encryption::lifecycle::{self, Confirmed, LifecycleOutcome};
use keyblade_core::lifecycle::protect::IRREVERSIBLE_ACKNOWLEDGEMENT;
use keyblade_core::lifecycle::{Confirmation, LifecycleAction};
use keyblade_core::preflight::{FindingCode, StepKind};
use keyblade_sandbox::FaultEffect;
use keyblade_sandbox::scenario::demo::{PROD_DATA_GROUP, PROD_SECURITY_GROUP, PROD_SUBSCRIPTION};
use serde_json::{Value, json};

fn storage(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_DATA_GROUP}/providers/Microsoft.Storage/storageAccounts/{name}"
    )
}

fn vault(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.KeyVault/vaults/{name}"
    )
}

fn protect(vault_id: &str) -> LifecycleAction {
    LifecycleAction::ProtectVault {
        vault_id: vault_id.to_owned(),
    }
}

async fn run(session: &Session, vault_id: &str, confirmed: &Confirmed) -> LifecycleOutcome {
    let recorder = Recorder::default();
    let sink = recorder.sink();
    lifecycle::run(
        session,
        &storage("stcontosoplain"),
        &protect(vault_id),
        confirmed,
        &sink,
        &Cancel::new(),
    )
    .await
    .expect("ran")
}

fn stored_purge_protection(fixture: &Fixture, vault_id: &str) -> Option<bool> {
    fixture
        .stored(vault_id)
        .pointer("/properties/enablePurgeProtection")
        .and_then(Value::as_bool)
}

/// kv-contoso-dev has soft delete and no purge protection: the review names one PATCH of
/// purge protection alone, asks for the vault's name and the irreversibility tick, and
/// nothing is sent until both are given; then the stored vault has purge protection, and a
/// second run finds nothing to do.
#[tokio::test]
async fn purge_protection_is_turned_on_only_with_the_name_and_the_acknowledgement() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = vault("kv-contoso-dev");
    assert_ne!(stored_purge_protection(&fixture, &id), Some(true));

    let review = lifecycle::plan(&session, &storage("stcontosoplain"), &protect(&id))
        .await
        .expect("planned");
    assert!(review.can_run, "{review:?}");
    assert_eq!(review.steps.len(), 1);
    let step = &review.steps[0];
    assert_eq!(step.kind, StepKind::ProtectVault);
    assert_eq!(step.method, "PATCH");
    assert_eq!(
        step.path,
        format!(
            "{id}?api-version={}",
            keyblade_core::preflight::KEY_VAULT_API_VERSION
        )
    );
    assert_eq!(
        step.body,
        json!({"properties": {"enablePurgeProtection": true}})
    );
    assert!(
        step.az_command
            .starts_with("az keyvault update --name kv-contoso-dev"),
        "{}",
        step.az_command
    );
    assert_eq!(
        review.confirmation,
        Confirmation::TypeNameAndAcknowledge {
            name: "kv-contoso-dev".to_owned(),
            acknowledgement: IRREVERSIBLE_ACKNOWLEDGEMENT.to_owned(),
        }
    );
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.code == FindingCode::VaultPurgeProtectionIrreversible),
        "{:?}",
        review.findings
    );

    for not_enough in [
        Confirmed::review(),
        Confirmed::name("kv-contoso-dev"),
        Confirmed::name_and_acknowledgement("stcontosoplain"),
    ] {
        let outcome = run(&session, &id, &not_enough).await;
        assert!(
            matches!(outcome, LifecycleOutcome::Refused { .. }),
            "{not_enough:?}: {outcome:?}"
        );
        assert_ne!(stored_purge_protection(&fixture, &id), Some(true));
    }

    let outcome = run(
        &session,
        &id,
        &Confirmed::name_and_acknowledgement("kv-contoso-dev"),
    )
    .await;
    let LifecycleOutcome::Applied { steps, message, .. } = &outcome else {
        panic!("expected applied, got {outcome:?}");
    };
    assert_eq!(steps.len(), 1);
    assert!(message.contains("purge protection on"), "{message}");
    assert_eq!(stored_purge_protection(&fixture, &id), Some(true));

    let again = run(&session, &id, &Confirmed::review()).await;
    assert!(
        matches!(again, LifecycleOutcome::Unchanged { .. }),
        "{again:?}"
    );
}

/// The PATCH takes effect but its answer is lost (a 500 after the write): the read-back
/// decides, so the outcome is Applied with Azure's answer quoted, and the PATCH went once.
#[tokio::test]
async fn a_protection_applied_then_answered_500_reads_back_as_applied() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = vault("kv-contoso-dev");
    fixture.fault(
        route(
            "PATCH",
            "/providers/Microsoft.KeyVault/vaults/kv-contoso-dev$",
        ),
        FaultEffect::ApplyThenStatus {
            status: 500,
            retry_after: None,
        },
        Some(5),
    );
    let outcome = run(
        &session,
        &id,
        &Confirmed::name_and_acknowledgement("kv-contoso-dev"),
    )
    .await;
    let LifecycleOutcome::Applied { message, .. } = &outcome else {
        panic!("expected applied, got {outcome:?}");
    };
    assert!(message.contains("Azure answered"), "{message}");
    assert_eq!(stored_purge_protection(&fixture, &id), Some(true));
    let left = fixture
        .sandbox
        .with_world(|world| world.faults.rules.first().and_then(|rule| rule.count));
    assert_eq!(left, Some(4), "the PATCH was sent once");
}

/// Azure refuses the PATCH (403, nothing written): Failed, unchanged, with what to do.
#[tokio::test]
async fn a_refused_protection_leaves_the_vault_as_it_was() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = vault("kv-contoso-dev");
    fixture.fault(
        route(
            "PATCH",
            "/providers/Microsoft.KeyVault/vaults/kv-contoso-dev$",
        ),
        FaultEffect::Status {
            status: 403,
            retry_after: None,
        },
        None,
    );
    let outcome = run(
        &session,
        &id,
        &Confirmed::name_and_acknowledgement("kv-contoso-dev"),
    )
    .await;
    let LifecycleOutcome::Failed {
        unchanged,
        what_to_do,
        ..
    } = &outcome
    else {
        panic!("expected failed, got {outcome:?}");
    };
    assert!(*unchanged);
    assert!(!what_to_do.is_empty());
    assert_ne!(stored_purge_protection(&fixture, &id), Some(true));
}
