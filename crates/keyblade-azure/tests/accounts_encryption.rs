//! The Encryption path (view, preflight, save) for Storage and Cognitive Services accounts
//! against the sandbox's demo scenario, each write checked in the sandbox's own stored state
//! and its own verdict on whether the identity can use the key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Fixture, etag, identity, registry, route};
use keyblade_azure::Session;
use keyblade_azure::encryption::{
    CancelSave, DesiredChange, HealthStatus, IdentityChangeOutcome, IdentityChoice, KeySource,
    NewKeyRequest, NewVaultRequest, PermissionModel, Rotation, SaveOutcome, Severity, StepKind,
    attach_identity, create_key, create_vault, load_view, preflight, save,
};
use keyblade_core::ResourceId;
use keyblade_core::ResourceKind;
use keyblade_core::preflight::FindingCode;
use keyblade_sandbox::FaultEffect;
use keyblade_sandbox::scenario::demo::{PROD_DATA_GROUP, PROD_SUBSCRIPTION, SHARED_SUBSCRIPTION};
use url::Url;

const SHARED_AI_GROUP: &str = "rg-contoso-shared-ai";

fn storage(name: &str) -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_DATA_GROUP}/providers/Microsoft.Storage/storageAccounts/{name}"
    )
}

fn cognitive(name: &str) -> String {
    format!(
        "/subscriptions/{SHARED_SUBSCRIPTION}/resourceGroups/{SHARED_AI_GROUP}/providers/Microsoft.CognitiveServices/accounts/{name}"
    )
}

fn ignore(_: keyblade_azure::arm::lro::ProgressUpdate) {}

fn customer_key(key_uri: String, identity_id: &str, grant_access: bool) -> DesiredChange {
    DesiredChange {
        key_source: KeySource::CustomerManaged,
        key_uri,
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(identity_id).expect("the demo identity ID parses"),
        },
        grant_access,
    }
}

fn microsoft_managed() -> DesiredChange {
    DesiredChange {
        key_source: KeySource::MicrosoftManaged,
        key_uri: String::new(),
        identity: IdentityChoice::SystemAssigned,
        grant_access: false,
    }
}

/// Saves with the view's ETag (empty when the service gives none).
async fn save_now(session: &Session, id: &str, desired: &DesiredChange) -> SaveOutcome {
    let view = load_view(session, id).await.unwrap();
    let etag = view.etag.clone().unwrap_or_default();
    save(session, id, desired, &etag, &ignore, &CancelSave::new())
        .await
        .unwrap()
}

fn applied(outcome: &SaveOutcome) -> &keyblade_azure::encryption::EncryptionView {
    match outcome {
        SaveOutcome::Applied {
            view: Some(view), ..
        } => view,
        other => panic!("expected applied with a view: {other:#?}"),
    }
}

async fn attach(session: &Session, id: &str, identity_id: &str) {
    let view = load_view(session, id).await.unwrap();
    let outcome = attach_identity(
        session,
        id,
        identity_id,
        &view.etag.unwrap_or_default(),
        &ignore,
    )
    .await
    .unwrap();
    assert!(
        matches!(outcome, IdentityChangeOutcome::Changed { .. }),
        "{outcome:?}"
    );
}

/// Storage: the view of an account without CMK; CMK on with a user-assigned identity;
/// the same save again changes nothing; a key in another vault (granting the identity its
/// role there in the same save); back to Microsoft-managed keys.
#[tokio::test]
async fn a_storage_account_goes_through_the_encryption_path() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = storage("stcontosoplain");
    let uai = identity("id-storage-cmk");

    let view = load_view(&session, &id).await.unwrap();
    assert_eq!(view.kind, ResourceKind::StorageAccount);
    assert_eq!(view.registry_name, "stcontosoplain");
    assert_eq!(view.key_source, KeySource::MicrosoftManaged);
    assert_eq!(view.health.status, HealthStatus::NotApplicable);
    assert!(view.change.allowed, "{:?}", view.change);
    assert_eq!(
        serde_json::to_value(&view).unwrap()["kind"],
        "storageAccount"
    );

    // On: the identity is not attached yet, so the save attaches it first, as a planned step.
    let key = format!(
        "{}keys/storage-cmk-key",
        fixture.vault_uri_string("kv-contoso-prod-cmk")
    );
    let desired = customer_key(key.clone(), &uai, false);
    let report = preflight(&session, &id, &desired).await.unwrap();
    assert!(report.can_save, "{report:#?}");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == FindingCode::IdentityWillAttach),
        "{report:#?}"
    );
    assert_eq!(report.steps[0].kind, StepKind::AddUserAssignedIdentity);
    assert_eq!(report.rotation, Rotation::Automatic);
    assert!(
        report
            .steps
            .iter()
            .any(|s| s.kind == StepKind::SetEncryptionKey
                && s.body["properties"]["encryption"]["keyvaultproperties"]["keyname"]
                    == "storage-cmk-key"),
        "{report:#?}"
    );
    let outcome = save_now(&session, &id, &desired).await;
    let view = applied(&outcome);
    assert_eq!(view.key_source, KeySource::CustomerManaged);
    assert_eq!(view.health.status, HealthStatus::Healthy, "{view:#?}");
    let key_in_use = view.key.as_ref().unwrap();
    assert_eq!(key_in_use.rotation, Rotation::Automatic);
    assert_eq!(key_in_use.key_name, "storage-cmk-key");
    let stored = fixture.stored(&id);
    let encryption = &stored["properties"]["encryption"];
    assert_eq!(encryption["keySource"], "Microsoft.Keyvault", "{stored}");
    assert_eq!(
        encryption["keyvaultproperties"]["keyname"],
        "storage-cmk-key"
    );
    assert_eq!(encryption["keyvaultproperties"]["keyversion"], "");
    assert_eq!(
        encryption["identity"]["userAssignedIdentity"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        uai.to_ascii_lowercase()
    );
    assert_eq!(fixture.oracle_health(&id), "accessible");

    // The same again: nothing written.
    let again = save_now(&session, &id, &desired).await;
    assert!(matches!(again, SaveOutcome::Unchanged { .. }), "{again:#?}");

    // Another vault (RBAC): the save grants the identity its role there, then sets the key.
    let other = format!(
        "{}keys/acr-rbac-key",
        fixture.vault_uri_string("kv-contoso-prod-rbac")
    );
    let outcome = save_now(&session, &id, &customer_key(other, &uai, true)).await;
    let view = applied(&outcome);
    assert_eq!(
        view.key.as_ref().unwrap().vault_name,
        "kv-contoso-prod-rbac"
    );
    let stored = fixture.stored(&id);
    let properties = &stored["properties"]["encryption"]["keyvaultproperties"];
    assert!(
        properties["keyvaulturi"]
            .as_str()
            .unwrap()
            .contains("kv-contoso-prod-rbac"),
        "{stored}"
    );
    assert_eq!(properties["keyname"], "acr-rbac-key");
    assert_eq!(fixture.oracle_health(&id), "accessible");

    // Off.
    let report = preflight(&session, &id, &microsoft_managed())
        .await
        .unwrap();
    assert!(report.can_save, "{report:#?}");
    assert_eq!(
        report.steps.iter().map(|s| s.kind).collect::<Vec<_>>(),
        [StepKind::UseMicrosoftManagedKeys]
    );
    let outcome = save_now(&session, &id, &microsoft_managed()).await;
    let view = applied(&outcome);
    assert_eq!(view.key_source, KeySource::MicrosoftManaged);
    assert!(view.key.is_none());
    assert_eq!(
        fixture.stored(&id)["properties"]["encryption"]["keySource"],
        "Microsoft.Storage"
    );
    let again = save_now(&session, &id, &microsoft_managed()).await;
    assert!(matches!(again, SaveOutcome::Unchanged { .. }), "{again:#?}");
}

/// Cognitive Services: the CMK account's view says when a newer key version exists, the
/// key version is updated, an unversioned key is refused; the account without CMK is
/// refused the demo vault (another region), gets a key from a new vault in its own
/// region, and goes back to Microsoft-managed keys.
#[tokio::test]
async fn cognitive_services_accounts_go_through_the_encryption_path() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let openai = cognitive("cog-contoso-openai");
    let uai = identity("id-openai-cmk");
    let vault = fixture.vault_uri_string("kv-contoso-prod-cmk");

    let view = load_view(&session, &openai).await.unwrap();
    assert_eq!(view.kind, ResourceKind::CognitiveServicesAccount);
    assert_eq!(view.key_source, KeySource::CustomerManaged);
    assert!(view.change.allowed, "{:?}", view.change);
    assert_eq!(view.health.status, HealthStatus::Healthy, "{view:#?}");
    let key = view.key.clone().unwrap();
    assert_eq!(key.rotation, Rotation::Manual);
    assert_eq!(key.newer_version, None, "{key:#?}");
    assert_eq!(
        view.identity.as_ref().unwrap().resource_id.as_deref(),
        Some(uai.as_str())
    );

    // A new key version: the account stays on its version, and the view says so.
    let rotated = session
        .keyvault
        .rotate_key(&Url::parse(&vault).unwrap(), "openai-cmk-key")
        .await
        .unwrap();
    let view = load_view(&session, &openai).await.unwrap();
    let key = view.key.clone().unwrap();
    assert_eq!(
        key.newer_version.as_deref(),
        Some(rotated.version.to_ascii_lowercase().as_str()),
        "{key:#?}"
    );
    assert_ne!(key.version_in_use, key.newer_version);

    // Refused: Azure AI services needs a versioned key.
    let unversioned = customer_key(format!("{vault}keys/openai-cmk-key"), &uai, false);
    let before = fixture.stored(&openai);
    match save_now(&session, &openai, &unversioned).await {
        SaveOutcome::Refused { findings } => assert!(
            findings
                .iter()
                .any(|f| f.code == FindingCode::CognitiveUnversionedKey
                    && f.severity == Severity::Error),
            "{findings:#?}"
        ),
        other => panic!("refused: {other:#?}"),
    }
    assert_eq!(fixture.stored(&openai), before);

    // Update the key version. The demo's vault is in eastus and the account in
    // swedencentral: Azure AI services takes a key only from a vault in its region.
    let newest = format!("{vault}keys/openai-cmk-key/{}", rotated.version);
    let report = preflight(
        &session,
        &openai,
        &customer_key(newest.clone(), &uai, false),
    )
    .await
    .unwrap();
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == FindingCode::VaultOtherRegion),
        "{report:#?}"
    );
    assert!(!report.can_save);

    // A vault in the account's region, with a key; the save grants the identity access.
    let new_vault = create_vault(
        &session,
        &NewVaultRequest {
            subscription_id: SHARED_SUBSCRIPTION.to_owned(),
            resource_group: SHARED_AI_GROUP.to_owned(),
            name: "kv-contoso-ai-swc".to_owned(),
            location: "swedencentral".to_owned(),
            permission_model: PermissionModel::AccessPolicies,
        },
        &ignore,
    )
    .await
    .unwrap();
    let new_vault_uri = new_vault.vault_uri.clone().unwrap();
    let new_key = create_key(
        &session,
        &NewKeyRequest {
            vault_uri: new_vault_uri.clone(),
            name: "openai-swc-key".to_owned(),
            size: 2048,
        },
    )
    .await
    .unwrap();

    // Switch the CMK account to a key in the other vault (its current version).
    let first_version = fixture.latest_version("kv-contoso-ai-swc", "openai-swc-key");
    let outcome = save_now(
        &session,
        &openai,
        &customer_key(format!("{}/{first_version}", new_key.kid), &uai, true),
    )
    .await;
    let view = applied(&outcome);
    assert_eq!(view.health.status, HealthStatus::Healthy, "{view:#?}");
    assert_eq!(view.key.as_ref().unwrap().newer_version, None);
    let stored = fixture.stored(&openai);
    let properties = &stored["properties"]["encryption"]["keyVaultProperties"];
    assert_eq!(properties["keyName"], "openai-swc-key", "{stored}");
    assert!(
        properties["keyVaultUri"]
            .as_str()
            .unwrap()
            .contains("kv-contoso-ai-swc")
    );
    assert_eq!(properties["keyVersion"], first_version.as_str());
    assert_eq!(fixture.oracle_health(&openai), "accessible");

    // Update the key version: a new version of the new key, then pin it.
    let newer = session
        .keyvault
        .rotate_key(&Url::parse(&new_vault_uri).unwrap(), "openai-swc-key")
        .await
        .unwrap();
    let view = load_view(&session, &openai).await.unwrap();
    assert_eq!(
        view.key.as_ref().unwrap().newer_version.as_deref(),
        Some(newer.version.to_ascii_lowercase().as_str())
    );
    let outcome = save_now(
        &session,
        &openai,
        &customer_key(newer.kid.clone(), &uai, false),
    )
    .await;
    let view = applied(&outcome);
    assert_eq!(view.key.as_ref().unwrap().newer_version, None, "{view:#?}");
    assert_eq!(
        fixture.stored(&openai)["properties"]["encryption"]["keyVaultProperties"]["keyVersion"],
        newer.version.as_str()
    );
    assert_eq!(fixture.oracle_health(&openai), "accessible");

    // The account without CMK: on with the user-assigned identity, then off.
    let language = cognitive("cog-contoso-language");
    let view = load_view(&session, &language).await.unwrap();
    assert_eq!(view.key_source, KeySource::MicrosoftManaged);
    assert!(view.system_assigned_identity.is_some());
    assert!(view.change.allowed);
    let demo_key = customer_key(
        format!(
            "{vault}keys/openai-cmk-key/{}",
            fixture.latest_version("kv-contoso-prod-cmk", "openai-cmk-key")
        ),
        &uai,
        false,
    );
    attach(&session, &language, &uai).await;
    match save_now(&session, &language, &demo_key).await {
        SaveOutcome::Refused { findings } => assert!(
            findings
                .iter()
                .any(|f| f.code == FindingCode::VaultOtherRegion),
            "{findings:#?}"
        ),
        other => panic!("refused: {other:#?}"),
    }
    let outcome = save_now(
        &session,
        &language,
        &customer_key(newer.kid.clone(), &uai, false),
    )
    .await;
    let view = applied(&outcome);
    assert_eq!(view.key_source, KeySource::CustomerManaged);
    assert_eq!(view.health.status, HealthStatus::Healthy, "{view:#?}");
    let stored = fixture.stored(&language);
    let encryption = &stored["properties"]["encryption"];
    assert_eq!(encryption["keySource"], "Microsoft.KeyVault", "{stored}");
    let client_id = view.identity.as_ref().unwrap().client_id.clone().unwrap();
    assert_eq!(
        encryption["keyVaultProperties"]["identityClientId"],
        client_id.as_str()
    );
    assert_eq!(fixture.oracle_health(&language), "accessible");

    let outcome = save_now(&session, &language, &microsoft_managed()).await;
    assert_eq!(applied(&outcome).key_source, KeySource::MicrosoftManaged);
    assert_eq!(
        fixture.stored(&language)["properties"]["encryption"]["keySource"],
        "Microsoft.CognitiveServices"
    );
}

/// A registry cannot go back to Microsoft-managed keys: refused, nothing written.
#[tokio::test]
async fn a_registry_is_refused_microsoft_managed_keys() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let view = load_view(&session, &id).await.unwrap();
    assert_eq!(view.kind, ResourceKind::ContainerRegistry);
    let before = fixture.stored(&id);
    let outcome = save(
        &session,
        &id,
        &microsoft_managed(),
        &etag(&view),
        &ignore,
        &CancelSave::new(),
    )
    .await
    .unwrap();
    match outcome {
        SaveOutcome::Refused { findings } => assert!(
            findings
                .iter()
                .any(|f| f.code == FindingCode::PlanDisableNotSupported),
            "{findings:#?}"
        ),
        other => panic!("refused: {other:#?}"),
    }
    assert_eq!(fixture.stored(&id), before);
}

/// A refused account write: the save says which step failed and, read back, that the
/// account's encryption is unchanged.
#[tokio::test]
async fn a_failed_account_write_leaves_the_account_unchanged() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = storage("stcontosoplain");
    let uai = identity("id-storage-cmk");
    attach(&session, &id, &uai).await;
    let before = fixture.stored(&id)["properties"]["encryption"].clone();
    fixture.fault(
        route("PATCH", "(?i)/storageAccounts/stcontosoplain$"),
        FaultEffect::Status {
            status: 400,
            retry_after: None,
        },
        Some(1),
    );
    let desired = customer_key(
        format!(
            "{}keys/storage-cmk-key",
            fixture.vault_uri_string("kv-contoso-prod-cmk")
        ),
        &uai,
        false,
    );
    match save_now(&session, &id, &desired).await {
        SaveOutcome::Failed {
            failed_step,
            encryption_unchanged,
            view,
            ..
        } => {
            assert_eq!(failed_step.kind, StepKind::SetEncryptionKey);
            assert!(encryption_unchanged);
            assert_eq!(view.unwrap().key_source, KeySource::MicrosoftManaged);
        }
        other => panic!("failed: {other:#?}"),
    }
    assert_eq!(fixture.stored(&id)["properties"]["encryption"], before);
}
