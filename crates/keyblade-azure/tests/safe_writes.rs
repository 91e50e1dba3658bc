//! Safe writes against the in-process sandbox: a "create" never replaces what exists, a
//! write that is not safe to repeat is sent once, and every save reports what the registry
//! read back shows (applied, unchanged, still in progress), also when Azure applied a write
//! and then failed to answer, when new access takes time to propagate, when an operation
//! outlasts keyblade's patience, and when the user cancels. Each result is checked through
//! the sandbox's own state.

use std::time::Duration;

use keyblade_azure::Session;
use keyblade_azure::arm::lro::{LroSettings, NoProgress, ProgressUpdate};
use keyblade_azure::encryption::{
    self, CancelSave, DesiredChange, IdentityChoice, NewKeyRequest, NewVaultRequest,
    PermissionModel, SaveOutcome, SaveSettings, VaultNameCheck,
};
use keyblade_core::ResourceId;
use keyblade_sandbox::FaultEffect;
use keyblade_sandbox::scenario::demo::{PROD_SECURITY_GROUP, PROD_SUBSCRIPTION};

mod common;
use common::{
    Fixture, Recorder, etag, http_settings, identity, key_vault_properties, lro_settings, registry,
    route, save_settings,
};

const REGISTRY_PATCH: &str = "/registries/crcontosoprod$";

fn vault_id(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.KeyVault/vaults/{name}"
    )
}

/// The stored resource as its exact JSON text: "unchanged" means byte for byte.
fn stored_text(fixture: &Fixture, id: &str) -> String {
    serde_json::to_string(&fixture.stored(id)).expect("JSON serialises")
}

/// A save whose waits fit a test: propagation retried for `propagation`, from 100 ms.
fn session_waiting(fixture: &Fixture, propagation: Duration, lro: LroSettings) -> Session {
    let demo = fixture.sandbox.demo_credentials();
    Session::client_secret(
        fixture.cloud.clone(),
        &http_settings(),
        lro,
        demo.tenant_id,
        demo.client_id,
        demo.client_secret.to_owned(),
    )
    .expect("demo sign-in builds")
    .with_save_settings(SaveSettings {
        propagation_timeout: propagation,
        settle_timeout: Duration::from_millis(300),
        ..save_settings()
    })
}

/// crcontosoprod moved from acr-prod-key to storage-cmk-key, same vault and identity.
fn other_key(fixture: &Fixture) -> DesiredChange {
    DesiredChange {
        key_source: Default::default(),
        key_uri: format!(
            "{}keys/storage-cmk-key",
            fixture.vault_uri_string("kv-contoso-prod-cmk")
        ),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&identity("id-acr-prod"))
                .expect("the demo identity ID parses"),
        },
        grant_access: false,
    }
}

async fn save(session: &Session, id: &str, desired: &DesiredChange) -> SaveOutcome {
    let view = encryption::load_view(session, id)
        .await
        .expect("the blade loads");
    encryption::save(
        session,
        id,
        desired,
        &etag(&view),
        &NoProgress,
        &CancelSave::new(),
    )
    .await
    .expect("the save runs")
}

fn assert_key_is(fixture: &Fixture, id: &str, key_uri: &str) {
    assert_eq!(
        key_vault_properties(&fixture.stored(id))["keyIdentifier"],
        key_uri,
        "the sandbox's registry has the key"
    );
}

/// How many more matching requests the sandbox's first fault rule applies to.
fn fault_uses_left(fixture: &Fixture) -> Option<u32> {
    fixture
        .sandbox
        .with_world(|world| world.faults.rules.first().and_then(|rule| rule.count))
}

#[tokio::test]
async fn create_new_key_vault_with_an_existing_name_writes_nothing() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let existing = vault_id("kv-contoso-prod-cmk");
    let before = stored_text(&fixture, &existing);

    match encryption::check_vault_name(&session, PROD_SUBSCRIPTION, "kv-contoso-prod-cmk")
        .await
        .unwrap()
    {
        VaultNameCheck::InSubscription { vault } => assert_eq!(vault.id, existing),
        other => panic!("expected the vault of the subscription, got {other:?}"),
    }
    // Exactly what the review of issue #7 did: same name, same group, RBAC.
    let refused = encryption::create_vault(
        &session,
        &NewVaultRequest {
            subscription_id: PROD_SUBSCRIPTION.to_owned(),
            resource_group: PROD_SECURITY_GROUP.to_owned(),
            name: "kv-contoso-prod-cmk".to_owned(),
            location: "eastus".to_owned(),
            permission_model: PermissionModel::Rbac,
        },
        &NoProgress,
    )
    .await
    .expect_err("an existing name is refused");
    assert_eq!(refused.code(), "azure.conflict");
    assert!(
        refused.to_string().contains("No vault was created"),
        "{refused}"
    );
    assert_eq!(
        stored_text(&fixture, &existing),
        before,
        "the vault is byte-for-byte unchanged"
    );
    assert_eq!(
        fixture.oracle_health(&registry("crcontosoprod")),
        "accessible"
    );
}

#[tokio::test]
async fn a_free_name_checks_available_and_a_soft_deleted_one_can_be_recovered() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    assert_eq!(
        encryption::check_vault_name(&session, PROD_SUBSCRIPTION, "kv-brand-new-1")
            .await
            .unwrap(),
        VaultNameCheck::Available
    );
    assert!(matches!(
        encryption::check_vault_name(&session, PROD_SUBSCRIPTION, "1-bad")
            .await
            .unwrap(),
        VaultNameCheck::Invalid { .. }
    ));

    // Soft-delete kv-contoso-dev in the sandbox, as `az keyvault delete` would.
    let id = vault_id("kv-contoso-dev");
    fixture.sandbox.with_world(|world| {
        let stored = world.arm.resource(&id).cloned().expect("the vault exists");
        let now_ms = world.clock.now_unix_ms();
        let now = world
            .clock
            .now()
            .format(&time::format_description::well_known::Rfc3339)
            .expect("a time formats");
        keyblade_sandbox::oracle::soft_delete_vault(world, &stored, now_ms, &now);
    });
    let check = encryption::check_vault_name(&session, PROD_SUBSCRIPTION, "kv-contoso-dev")
        .await
        .unwrap();
    let VaultNameCheck::SoftDeleted {
        can_recover,
        original_resource_group,
        scheduled_purge_date,
        ..
    } = check
    else {
        panic!("expected a soft-deleted vault, got {check:?}");
    };
    assert!(can_recover, "the demo owner may recover it");
    assert_eq!(
        original_resource_group.as_deref(),
        Some(PROD_SECURITY_GROUP)
    );
    assert!(scheduled_purge_date.is_some());

    let refused = encryption::create_vault(
        &session,
        &NewVaultRequest {
            subscription_id: PROD_SUBSCRIPTION.to_owned(),
            resource_group: PROD_SECURITY_GROUP.to_owned(),
            name: "kv-contoso-dev".to_owned(),
            location: "eastus".to_owned(),
            permission_model: PermissionModel::AccessPolicies,
        },
        &NoProgress,
    )
    .await
    .expect_err("a soft-deleted vault's name is refused");
    assert_eq!(refused.code(), "azure.conflict");

    // A live vault put back at the same ID meanwhile: the recovery PUT would land on it.
    let stored_body = |world: &keyblade_sandbox::oracle::World| {
        serde_json::to_string(&world.arm.resource(&id).map(|r| r.body.clone()))
            .expect("JSON serialises")
    };
    let live = fixture.sandbox.with_world(|world| {
        let body = world
            .arm
            .deleted_vaults
            .get("kv-contoso-dev")
            .map(|deleted| deleted.vault.clone())
            .expect("the vault is soft-deleted");
        world.arm.replace_body(&id, body);
        stored_body(world)
    });
    let refused =
        encryption::recover_vault(&session, PROD_SUBSCRIPTION, "kv-contoso-dev", &NoProgress)
            .await
            .expect_err("a recovery onto a live vault is refused");
    assert_eq!(refused.code(), "azure.conflict", "{refused}");
    assert_eq!(
        fixture.sandbox.with_world(|world| stored_body(world)),
        live,
        "the live vault is unchanged"
    );
    fixture.sandbox.with_world(|world| world.arm.remove(&id));

    let recovered =
        encryption::recover_vault(&session, PROD_SUBSCRIPTION, "kv-contoso-dev", &NoProgress)
            .await
            .unwrap();
    assert_eq!(recovered.id, id);
    let keys = encryption::list_keys(&session, recovered.vault_uri.as_deref().unwrap())
        .await
        .unwrap();
    assert!(
        keys.iter().any(|k| k.name == "acr-revoked-key"),
        "the recovered vault has its keys"
    );
}

#[tokio::test]
async fn create_new_key_with_an_existing_name_adds_no_version() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let versions = || {
        fixture.sandbox.with_world(|world| {
            world
                .vaults
                .key("kv-contoso-prod-cmk", "storage-cmk-key")
                .map(|key| key.versions.len())
        })
    };
    let before = versions();
    let refused = encryption::create_key(
        &session,
        &NewKeyRequest {
            vault_uri: fixture.vault_uri_string("kv-contoso-prod-cmk"),
            name: "storage-cmk-key".to_owned(),
            size: 2048,
        },
    )
    .await
    .expect_err("an existing key name is refused");
    assert_eq!(refused.code(), "azure.conflict");
    assert!(refused.to_string().contains("new version"), "{refused}");
    assert_eq!(versions(), before, "no version was added");

    // Names and vault hosts are checked before anything is sent.
    for (vault_uri, name, code) in [
        (
            fixture.vault_uri_string("kv-contoso-prod-cmk"),
            "bad_name",
            "azure.invalidInput",
        ),
        (
            "https://evil.example.com/".to_owned(),
            "fine-name",
            "azure.untrustedVaultHost",
        ),
    ] {
        let refused = encryption::create_key(
            &session,
            &NewKeyRequest {
                vault_uri,
                name: name.to_owned(),
                size: 2048,
            },
        )
        .await
        .expect_err("bad input is refused");
        assert_eq!(refused.code(), code, "{refused}");
    }
}

#[tokio::test]
async fn a_patch_applied_then_answered_500_is_sent_once_and_reported_applied() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let desired = other_key(&fixture);
    fixture.fault(
        route("PATCH", REGISTRY_PATCH),
        FaultEffect::ApplyThenStatus {
            status: 500,
            retry_after: None,
        },
        Some(5),
    );
    let outcome = save(&session, &id, &desired).await;
    assert_eq!(
        fault_uses_left(&fixture),
        Some(4),
        "the PATCH was not sent again after its 500"
    );
    let SaveOutcome::Applied { note, .. } = outcome else {
        panic!("expected the read-back to show the change, got {outcome:?}");
    };
    assert!(
        note.as_deref().is_some_and(|n| n.contains("500")),
        "{note:?}"
    );
    assert_key_is(&fixture, &id, &desired.key_uri);
}

#[tokio::test]
async fn a_patch_whose_connection_is_reset_after_applying_is_read_back() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let desired = other_key(&fixture);
    fixture.fault(
        route("PATCH", REGISTRY_PATCH),
        FaultEffect::ApplyThenReset,
        Some(5),
    );
    let outcome = save(&session, &id, &desired).await;
    assert_eq!(fault_uses_left(&fixture), Some(4), "sent once");
    assert!(
        matches!(outcome, SaveOutcome::Applied { note: Some(_), .. }),
        "{outcome:?}"
    );
    assert_key_is(&fixture, &id, &desired.key_uri);
}

#[tokio::test]
async fn a_412_after_our_own_write_is_not_called_changed_elsewhere() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let desired = other_key(&fixture);
    // The write lands, and the answer that comes back is a precondition failure (as when a
    // proxy resent it): the registry shows what was asked, so the save was applied.
    fixture.fault(
        route("PATCH", REGISTRY_PATCH),
        FaultEffect::ApplyThenStatus {
            status: 412,
            retry_after: None,
        },
        Some(1),
    );
    let outcome = save(&session, &id, &desired).await;
    assert!(
        matches!(outcome, SaveOutcome::Applied { .. }),
        "{outcome:?}"
    );
    assert_key_is(&fixture, &id, &desired.key_uri);
}

#[tokio::test]
async fn a_500_that_did_not_apply_reports_unchanged() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let before = key_vault_properties(&fixture.stored(&id)).clone();
    fixture.fault(
        route("PATCH", REGISTRY_PATCH),
        FaultEffect::Status {
            status: 500,
            retry_after: None,
        },
        Some(5),
    );
    let outcome = save(&session, &id, &other_key(&fixture)).await;
    assert_eq!(fault_uses_left(&fixture), Some(4), "sent once");
    let SaveOutcome::Failed {
        encryption_unchanged,
        ..
    } = outcome
    else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert!(encryption_unchanged);
    assert_eq!(key_vault_properties(&fixture.stored(&id)), &before);
}

#[tokio::test]
async fn a_reset_on_an_operation_poll_is_asked_again() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let desired = other_key(&fixture);
    fixture.fault(
        route("PATCH", REGISTRY_PATCH),
        FaultEffect::SlowOperation { extra_seconds: 20 },
        Some(1),
    );
    fixture.fault(
        route("GET", "(?i)operation"),
        FaultEffect::ConnectionReset,
        Some(1),
    );
    let outcome = save(&session, &id, &desired).await;
    assert!(
        matches!(outcome, SaveOutcome::Applied { note: None, .. }),
        "{outcome:?}"
    );
    assert_key_is(&fixture, &id, &desired.key_uri);
}

#[tokio::test]
async fn an_operation_that_outlasts_the_wait_is_in_progress_then_settles() {
    let fixture = Fixture::start().await;
    let lro = LroSettings {
        timeout: Duration::from_millis(600),
        ..lro_settings()
    };
    let session = session_waiting(&fixture, Duration::from_secs(5), lro);
    let id = registry("crcontosoprod");
    let desired = other_key(&fixture);
    // 150 sandbox seconds: 3 s of wall time at the fixture's clock speed.
    fixture.fault(
        route("PATCH", REGISTRY_PATCH),
        FaultEffect::SlowOperation { extra_seconds: 150 },
        Some(1),
    );
    let outcome = save(&session, &id, &desired).await;
    let SaveOutcome::InProgress {
        watch,
        provisioning_state,
        reason,
        watching,
        ..
    } = outcome
    else {
        panic!("expected a save still in progress, got {outcome:?}");
    };
    assert_eq!(provisioning_state.as_deref(), Some("Updating"), "{reason}");
    assert!(watching, "an unfinished save is watched");
    assert!(!reason.contains("unchanged"), "{reason}");

    let settled = encryption::watch_until_settled(&session, &watch, &CancelSave::new())
        .await
        .unwrap();
    assert!(
        matches!(settled, SaveOutcome::Applied { .. }),
        "{settled:?}"
    );
    assert_key_is(&fixture, &id, &desired.key_uri);
}

#[tokio::test]
async fn cancel_stops_waiting_and_says_what_the_registry_shows() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let desired = other_key(&fixture);
    fixture.fault(
        route("PATCH", REGISTRY_PATCH),
        FaultEffect::SlowOperation {
            extra_seconds: 100_000,
        },
        Some(1),
    );
    let view = encryption::load_view(&session, &id).await.unwrap();
    let cancel = CancelSave::new();
    let canceller = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(700)).await;
            cancel.cancel();
        })
    };
    let started = std::time::Instant::now();
    let outcome = encryption::save(&session, &id, &desired, &etag(&view), &NoProgress, &cancel)
        .await
        .unwrap();
    canceller.await.expect("the canceller ran");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cancel stopped the wait"
    );
    // The PATCH was accepted and its operation still runs: the truth is "in progress".
    let SaveOutcome::InProgress {
        provisioning_state,
        watching,
        reason,
        ..
    } = outcome
    else {
        panic!("expected in progress, got {outcome:?}");
    };
    assert_eq!(provisioning_state.as_deref(), Some("Updating"));
    assert!(!watching, "a cancelled save is not watched");
    assert!(reason.contains("stopped watching"), "{reason}");
    let stored = fixture.stored(&id);
    assert_eq!(stored["properties"]["provisioningState"], "Updating");
}

#[tokio::test]
async fn a_cancel_before_the_first_write_leaves_the_registry_unchanged() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let before = key_vault_properties(&fixture.stored(&id)).clone();
    let view = encryption::load_view(&session, &id).await.unwrap();
    let cancel = CancelSave::new();
    cancel.cancel();
    let outcome = encryption::save(
        &session,
        &id,
        &other_key(&fixture),
        &etag(&view),
        &NoProgress,
        &cancel,
    )
    .await
    .unwrap();
    assert!(
        matches!(
            outcome,
            SaveOutcome::Failed {
                encryption_unchanged: true,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(key_vault_properties(&fixture.stored(&id)), &before);
}

/// id-acr-prod moved to the RBAC vault's key, granting it the role in the same save.
fn rbac_key_with_grant(fixture: &Fixture) -> DesiredChange {
    DesiredChange {
        key_source: Default::default(),
        key_uri: format!(
            "{}keys/acr-rbac-key",
            fixture.vault_uri_string("kv-contoso-prod-rbac")
        ),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&identity("id-acr-prod"))
                .expect("the demo identity ID parses"),
        },
        grant_access: true,
    }
}

fn set_propagation_delay(fixture: &Fixture, seconds: u64) {
    fixture
        .sandbox
        .with_world(|world| world.propagation.delay_secs = seconds);
}

#[tokio::test]
async fn the_key_step_waits_for_new_access_to_take_effect() {
    let fixture = Fixture::start().await;
    // 100 sandbox seconds: 2 s of wall time at the fixture's clock speed.
    set_propagation_delay(&fixture, 100);
    let session = session_waiting(&fixture, Duration::from_secs(30), lro_settings());
    let id = registry("crcontosoprod");
    let desired = rbac_key_with_grant(&fixture);
    let view = encryption::load_view(&session, &id).await.unwrap();
    let recorder = Recorder::default();
    let outcome = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &recorder.sink(),
        &CancelSave::new(),
    )
    .await
    .unwrap();
    assert!(
        matches!(outcome, SaveOutcome::Applied { .. }),
        "{outcome:?}"
    );
    assert!(
        recorder.updates().iter().any(|update| matches!(
            update,
            ProgressUpdate::Waiting { reason, .. } if reason == "Waiting for the new access to take effect"
        )),
        "the wait was shown"
    );
    assert_key_is(&fixture, &id, &desired.key_uri);
    assert_eq!(fixture.oracle_health(&id), "accessible");
}

#[tokio::test]
async fn waiting_for_new_access_has_a_limit() {
    let fixture = Fixture::start().await;
    set_propagation_delay(&fixture, 1_000_000);
    let session = session_waiting(&fixture, Duration::from_secs(1), lro_settings());
    let id = registry("crcontosoprod");
    let before = key_vault_properties(&fixture.stored(&id)).clone();
    let started = std::time::Instant::now();
    let outcome = save(&session, &id, &rbac_key_with_grant(&fixture)).await;
    assert!(started.elapsed() < Duration::from_secs(20), "bounded");
    let SaveOutcome::Failed {
        encryption_unchanged,
        what_to_do,
        completed_steps,
        ..
    } = outcome
    else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert!(encryption_unchanged);
    assert!(what_to_do.contains("did not take effect"), "{what_to_do}");
    assert_eq!(completed_steps.len(), 1, "the grant stays");
    assert_eq!(key_vault_properties(&fixture.stored(&id)), &before);
}
