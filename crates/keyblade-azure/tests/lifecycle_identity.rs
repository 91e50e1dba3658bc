//! The Identity blade's changes against the sandbox: planned, run, read back, and checked in
//! the sandbox's own stored state (and its verdict on the key's health where a key is used).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Fixture, Recorder, identity, registry};
use keyblade_azure::Session;
use keyblade_azure::arm::lro::ProgressUpdate;
use keyblade_azure::cancel::Cancel;
use keyblade_azure::encryption::lifecycle::{self, Confirmed, LifecycleOutcome, LifecyclePlanView};
use keyblade_core::ResourceId;
use keyblade_core::lifecycle::{IdentityAction, LifecycleAction};
use keyblade_core::preflight::FindingCode;
use keyblade_sandbox::scenario::demo::{PROD_DATA_GROUP, PROD_SUBSCRIPTION, SHARED_SUBSCRIPTION};
use serde_json::Value;

fn storage(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_DATA_GROUP}/providers/Microsoft.Storage/storageAccounts/{name}"
    )
}

fn cognitive(name: &str) -> String {
    format!(
        "/subscriptions/{SHARED_SUBSCRIPTION}/resourceGroups/rg-contoso-shared-ai/providers/Microsoft.CognitiveServices/accounts/{name}"
    )
}

fn action(change: IdentityAction) -> LifecycleAction {
    LifecycleAction::Identity { change }
}

async fn plan(session: &Session, id: &str, change: IdentityAction) -> LifecyclePlanView {
    lifecycle::plan(session, id, &action(change))
        .await
        .expect("planned")
}

async fn run(session: &Session, id: &str, change: IdentityAction) -> (LifecycleOutcome, Recorder) {
    let recorder = Recorder::default();
    let sink = recorder.sink();
    let outcome = lifecycle::run(
        session,
        id,
        &action(change),
        &Confirmed::review(),
        &sink,
        &Cancel::new(),
    )
    .await
    .expect("ran");
    (outcome, recorder)
}

fn stored_users(stored: &Value) -> Vec<String> {
    let mut users: Vec<String> = stored
        .pointer("/identity/userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|map| map.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    users.sort();
    users
}

fn stored_system(stored: &Value) -> bool {
    stored
        .pointer("/identity/type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"))
}

fn assert_applied(outcome: &LifecycleOutcome) -> String {
    match outcome {
        LifecycleOutcome::Applied { steps, message, .. } => {
            assert_eq!(steps.len(), 1, "{outcome:?}");
            message.clone()
        }
        other => panic!("expected applied, got {other:?}"),
    }
}

fn assert_refused_because_key_uses_it(plan: &LifecyclePlanView, outcome: &LifecycleOutcome) {
    assert!(!plan.can_run, "{plan:?}");
    assert!(plan.steps.is_empty());
    let finding = plan
        .findings
        .iter()
        .find(|f| f.code == FindingCode::IdentityInUseByEncryption)
        .unwrap_or_else(|| panic!("{:?}", plan.findings));
    assert!(
        finding.message.contains("the data would become unreadable"),
        "{}",
        finding.message
    );
    match outcome {
        LifecycleOutcome::Refused { findings } => {
            assert!(
                findings
                    .iter()
                    .any(|f| f.code == FindingCode::IdentityInUseByEncryption)
            )
        }
        other => panic!("expected refused, got {other:?}"),
    }
}

/// An Azure AI services account without a customer-managed key: its system-assigned
/// identity goes, and the sandbox's stored account has no identity left.
#[tokio::test]
async fn turns_off_a_system_assigned_identity_that_encryption_does_not_use() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = cognitive("cog-contoso-language");
    assert!(stored_system(&fixture.stored(&id)));
    let review = plan(&session, &id, IdentityAction::TurnOffSystemAssigned).await;
    assert!(review.can_run, "{review:?}");
    assert_eq!(review.steps.len(), 1);
    assert_eq!(
        review.steps[0].body,
        serde_json::json!({"identity": {"type": "None"}})
    );
    assert!(
        review.steps[0].az_command.starts_with(
            "az cognitiveservices account identity remove --name cog-contoso-language"
        )
    );
    let (outcome, recorder) = run(&session, &id, IdentityAction::TurnOffSystemAssigned).await;
    let message = assert_applied(&outcome);
    assert!(message.contains("is off"), "{message}");
    let stored = fixture.stored(&id);
    assert!(!stored_system(&stored), "{stored}");
    assert!(stored_users(&stored).is_empty());
    let updates = recorder.updates();
    assert!(
        matches!(updates.first(), Some(ProgressUpdate::Submitted { operation }) if operation.starts_with("Turn off the system-assigned"))
    );
    assert!(
        matches!(updates.last(), Some(ProgressUpdate::Succeeded { operation }) if operation.starts_with("Verify the identities"))
    );
    // Again: nothing to do, nothing sent.
    let (again, _) = run(&session, &id, IdentityAction::TurnOffSystemAssigned).await;
    assert!(
        matches!(again, LifecycleOutcome::Unchanged { .. }),
        "{again:?}"
    );
}

/// crcontosofw reaches its key with its system-assigned identity: turning it off is refused
/// before anything is sent, and the registry keeps it (and its key) in the sandbox.
#[tokio::test]
async fn refuses_to_turn_off_the_system_assigned_identity_the_key_uses() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosofw");
    let before = fixture.stored(&id);
    let review = plan(&session, &id, IdentityAction::TurnOffSystemAssigned).await;
    let (outcome, _) = run(&session, &id, IdentityAction::TurnOffSystemAssigned).await;
    assert_refused_because_key_uses_it(&review, &outcome);
    let after = fixture.stored(&id);
    assert!(stored_system(&after));
    assert_eq!(before["etag"], after["etag"], "nothing was written");
    assert_eq!(fixture.oracle_health(&id), "accessible");
}

/// id-acr-prod lives in the production subscription; cog-contoso-language in the shared
/// one. It is attached next to the system-assigned identity, then removed again.
#[tokio::test]
async fn adds_a_user_assigned_identity_from_another_subscription_and_removes_it() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = cognitive("cog-contoso-language");
    let uai = identity("id-acr-prod");
    let add = IdentityAction::AddUserAssigned {
        resource_id: uai.clone(),
    };
    let review = plan(&session, &id, add.clone()).await;
    assert!(review.can_run, "{review:?}");
    assert_eq!(
        review.steps[0].body["identity"]["type"],
        "SystemAssigned, UserAssigned"
    );
    let (outcome, _) = run(&session, &id, add.clone()).await;
    assert_applied(&outcome);
    let stored = fixture.stored(&id);
    assert!(stored_system(&stored), "the system-assigned identity stays");
    assert_eq!(stored_users(&stored), [uai.to_ascii_lowercase()]);
    let (again, _) = run(&session, &id, add).await;
    assert!(
        matches!(again, LifecycleOutcome::Unchanged { .. }),
        "{again:?}"
    );

    let remove = IdentityAction::RemoveUserAssigned {
        resource_id: uai.clone(),
    };
    let review = plan(&session, &id, remove.clone()).await;
    assert!(review.can_run, "{review:?}");
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.code == FindingCode::IdentityWillDetach)
    );
    let (outcome, _) = run(&session, &id, remove).await;
    assert_applied(&outcome);
    let stored = fixture.stored(&id);
    assert!(stored_system(&stored));
    assert!(stored_users(&stored).is_empty(), "{stored}");
}

/// Removing one of two user-assigned identities detaches only that one (a `null` entry in
/// the PATCH): the identity the key uses stays, and the key stays reachable.
#[tokio::test]
async fn removing_one_identity_keeps_the_others_and_the_key() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = cognitive("cog-contoso-openai");
    let key_identity = identity("id-openai-cmk");
    let extra = identity("id-acr-rbac");
    let (added, _) = run(
        &session,
        &id,
        IdentityAction::AddUserAssigned {
            resource_id: extra.clone(),
        },
    )
    .await;
    assert_applied(&added);
    let mut both = vec![
        key_identity.to_ascii_lowercase(),
        extra.to_ascii_lowercase(),
    ];
    both.sort();
    assert_eq!(stored_users(&fixture.stored(&id)), both);

    let remove = IdentityAction::RemoveUserAssigned {
        resource_id: extra.clone(),
    };
    let review = plan(&session, &id, remove.clone()).await;
    assert_eq!(
        review.steps[0].body["identity"]["userAssignedIdentities"][&extra],
        Value::Null
    );
    let (removed, _) = run(&session, &id, remove).await;
    assert_applied(&removed);
    assert_eq!(
        stored_users(&fixture.stored(&id)),
        [key_identity.to_ascii_lowercase()]
    );
    assert_eq!(fixture.oracle_health(&id), "accessible");
}

/// The identity each kind's key is reached with cannot be removed: the registry names it by
/// client ID, Storage by resource ID, Azure AI services by client ID.
#[tokio::test]
async fn refuses_to_remove_the_identity_the_key_uses() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    for (id, uai) in [
        (registry("crcontosoprod"), identity("id-acr-prod")),
        (storage("stcontosocmk"), identity("id-storage-cmk")),
        (cognitive("cog-contoso-openai"), identity("id-openai-cmk")),
    ] {
        let before = fixture.stored(&id);
        let remove = IdentityAction::RemoveUserAssigned {
            resource_id: uai.clone(),
        };
        let review = plan(&session, &id, remove.clone()).await;
        let (outcome, _) = run(&session, &id, remove).await;
        assert_refused_because_key_uses_it(&review, &outcome);
        let after = fixture.stored(&id);
        assert_eq!(stored_users(&after), [uai.to_ascii_lowercase()], "{id}");
        assert_eq!(before["etag"], after["etag"], "{id}: nothing was written");
    }
}

/// Storage without identities: the system-assigned identity is turned on, a user-assigned
/// one added (Storage's spelling of the pair), then the system-assigned one turned off
/// again with the user-assigned one kept.
#[tokio::test]
async fn a_storage_account_goes_through_every_identity_change() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = storage("stcontosoplain");
    let uai = identity("id-storage-cmk");
    let (on, _) = run(&session, &id, IdentityAction::TurnOnSystemAssigned).await;
    assert_applied(&on);
    assert!(stored_system(&fixture.stored(&id)));

    let add = IdentityAction::AddUserAssigned {
        resource_id: uai.clone(),
    };
    let review = plan(&session, &id, add.clone()).await;
    assert_eq!(
        review.steps[0].body["identity"]["type"],
        "SystemAssigned,UserAssigned"
    );
    assert!(
        review.steps[0]
            .az_command
            .starts_with("az storage account update --name stcontosoplain")
    );
    let (added, _) = run(&session, &id, add).await;
    assert_applied(&added);

    let (off, _) = run(&session, &id, IdentityAction::TurnOffSystemAssigned).await;
    assert_applied(&off);
    let stored = fixture.stored(&id);
    assert!(!stored_system(&stored), "{stored}");
    assert_eq!(stored_users(&stored), [uai.to_ascii_lowercase()]);
}

/// A deleted identity is refused with its reason; nothing is written.
#[tokio::test]
async fn refuses_to_add_a_deleted_identity() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosonocmk");
    let add = IdentityAction::AddUserAssigned {
        resource_id: identity("id-acr-orphan"),
    };
    let review = plan(&session, &id, add.clone()).await;
    assert!(!review.can_run);
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.code == FindingCode::IdentityDeleted)
    );
    let (outcome, _) = run(&session, &id, add).await;
    assert!(
        matches!(outcome, LifecycleOutcome::Refused { .. }),
        "{outcome:?}"
    );
}

/// The reader may read everything and change nothing: Azure refuses the write, and the
/// outcome says the resource is unchanged (read back) and what to ask for.
#[tokio::test]
async fn a_refused_write_is_reported_unchanged() {
    let fixture = Fixture::start().await;
    let session = fixture.reader();
    let id = cognitive("cog-contoso-language");
    let (outcome, _) = run(&session, &id, IdentityAction::TurnOffSystemAssigned).await;
    match outcome {
        LifecycleOutcome::Failed {
            unchanged,
            what_to_do,
            ..
        } => {
            assert!(unchanged);
            assert!(what_to_do.contains("Contributor"), "{what_to_do}");
        }
        other => panic!("expected failed, got {other:?}"),
    }
    assert!(stored_system(&fixture.stored(&id)));
}

/// The picker offers identities of every subscription of the tenant: an account in the
/// shared subscription sees the production subscription's identities, named by subscription.
#[tokio::test]
async fn the_picker_lists_identities_of_every_subscription() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let options =
        keyblade_azure::encryption::list_identities(&session, &cognitive("cog-contoso-language"))
            .await
            .unwrap();
    let prod = options
        .available
        .iter()
        .find(|i| i.name == "id-acr-prod")
        .expect("an identity of the production subscription is offered");
    assert!(prod.subscription_id.eq_ignore_ascii_case(PROD_SUBSCRIPTION));
    assert!(prod.subscription_name.is_some(), "{prod:?}");
    assert!(options.system_assigned_enabled);
    assert!(options.attached.is_empty());
}

/// Change key with a user-assigned identity that is not attached yet (id-openai-cmk, of the
/// production subscription, for cog-contoso-language in the shared one): preflight plans the
/// attach as the first reviewed step, and Save runs it, then sets the key; the sandbox shows
/// the identity attached, the key in place and reachable.
#[tokio::test]
async fn change_key_attaches_the_chosen_identity_as_its_first_step() {
    use keyblade_azure::encryption::{
        CancelSave, DesiredChange, IdentityChoice, KeySource, SaveOutcome, StepKind, load_view,
        preflight, save,
    };
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = cognitive("cog-contoso-language");
    let uai = identity("id-openai-cmk");
    let version = fixture.latest_version("kv-contoso-ai", "ai-cmk-key");
    let desired = DesiredChange {
        key_source: KeySource::CustomerManaged,
        key_uri: format!(
            "{}keys/ai-cmk-key/{version}",
            fixture.vault_uri_string("kv-contoso-ai")
        ),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&uai).unwrap(),
        },
        grant_access: false,
    };
    let report = preflight(&session, &id, &desired).await.unwrap();
    assert!(report.can_save, "{:#?}", report.findings);
    let kinds: Vec<StepKind> = report.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::AddUserAssignedIdentity,
            StepKind::SetEncryptionKey
        ]
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == FindingCode::IdentityWillAttach)
    );
    let view = load_view(&session, &id).await.unwrap();
    let outcome = save(
        &session,
        &id,
        &desired,
        &view.etag.clone().unwrap_or_default(),
        &|_: ProgressUpdate| {},
        &CancelSave::new(),
    )
    .await
    .unwrap();
    let SaveOutcome::Applied { steps, .. } = &outcome else {
        panic!("expected applied: {outcome:#?}");
    };
    assert_eq!(steps.len(), 2);
    let stored = fixture.stored(&id);
    assert!(stored_system(&stored), "the system-assigned identity stays");
    assert_eq!(stored_users(&stored), [uai.to_ascii_lowercase()]);
    assert!(
        stored["properties"]["encryption"]["keyVaultProperties"]["identityClientId"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{stored}"
    );
    assert_eq!(fixture.oracle_health(&id), "accessible");
}
