//! Storage and Cognitive Services accounts against the sandbox: read in one shape, and
//! each write (turn customer-managed keys on, update the key version, turn them off)
//! checked through the sandbox's own stored state and its verdict on whether the identity
//! can use the key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Fixture, identity};
use keyblade_azure::arm::accounts::{
    Account, AccountChange, AccountEncryptionChange, AccountIdentityChoice, AccountKind,
};
use keyblade_azure::arm::lro::ProgressUpdate;
use keyblade_azure::arm::model::{EncryptionIdentity, IdentityChange, RegistryEncryption};
use keyblade_core::ResourceId;
use keyblade_sandbox::scenario::demo::{PROD_DATA_GROUP, PROD_SUBSCRIPTION, SHARED_SUBSCRIPTION};

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

fn ignore(_: ProgressUpdate) {}

fn client_id_of(account: &Account, resource_id: &str) -> String {
    account
        .identity
        .user_assigned
        .iter()
        .find(|a| a.resource_id.eq_ignore_ascii_case(resource_id))
        .and_then(|a| a.client_id.clone())
        .expect("the identity is attached and has a client ID")
}

#[tokio::test]
async fn accounts_of_both_kinds_are_listed_with_their_encryption() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let accounts = session
        .arm
        .list_accounts(AccountKind::Storage, PROD_SUBSCRIPTION)
        .await
        .unwrap();
    let names: Vec<&str> = accounts.iter().map(|a| a.id.name()).collect();
    assert_eq!(names, ["stcontosocmk", "stcontosoplain"]);
    let RegistryEncryption::CustomerManaged {
        key_identifier,
        key_rotation_enabled,
        identity: EncryptionIdentity::UserAssigned { resource_id, .. },
        versioned_key_identifier,
        ..
    } = &accounts[0].encryption
    else {
        panic!(
            "stcontosocmk uses a user-assigned identity: {:?}",
            accounts[0]
        );
    };
    assert!(
        key_identifier.ends_with("/keys/storage-cmk-key"),
        "{key_identifier}"
    );
    assert!(
        key_rotation_enabled,
        "an empty keyversion follows the newest"
    );
    assert!(versioned_key_identifier.is_some());
    assert!(resource_id.as_deref().unwrap().ends_with("/id-storage-cmk"));
    assert_eq!(accounts[1].encryption, RegistryEncryption::MicrosoftManaged);

    let cognitive_accounts = session
        .arm
        .list_accounts(AccountKind::CognitiveServices, SHARED_SUBSCRIPTION)
        .await
        .unwrap();
    let openai = cognitive_accounts
        .iter()
        .find(|a| a.id.name() == "cog-contoso-openai")
        .unwrap();
    let RegistryEncryption::CustomerManaged {
        key_rotation_enabled,
        versioned_key_identifier,
        ..
    } = &openai.encryption
    else {
        panic!("cog-contoso-openai uses CMK");
    };
    assert!(
        !key_rotation_enabled,
        "Cognitive Services never follows new versions"
    );
    assert!(versioned_key_identifier.is_some());
}

/// Storage: on (attaching the identity in the same PATCH), pinned to a version, then off;
/// each checked in the sandbox.
#[tokio::test]
async fn a_storage_account_goes_through_every_step() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = storage("stcontosoplain");
    let account = session
        .arm
        .get_account(&ResourceId::parse(&id).unwrap())
        .await
        .unwrap();
    let uai = identity("id-storage-cmk");
    let vault = fixture.vault_uri_string("kv-contoso-prod-cmk");
    let turned_on = session
        .arm
        .update_account(
            &account,
            &AccountChange {
                identity: Some(IdentityChange {
                    system_assigned: false,
                    user_assigned: vec![uai.clone()],
                    detach: Vec::new(),
                }),
                encryption: Some(AccountEncryptionChange::CustomerManaged {
                    vault_uri: vault.clone(),
                    key_name: "storage-cmk-key".to_owned(),
                    key_version: None,
                    identity: AccountIdentityChoice::UserAssigned {
                        resource_id: uai.clone(),
                        client_id: String::new(),
                    },
                }),
            },
            &ignore,
        )
        .await
        .unwrap();
    let stored = fixture.stored(&id);
    let encryption = &stored["properties"]["encryption"];
    assert_eq!(encryption["keySource"], "Microsoft.Keyvault", "{stored}");
    assert_eq!(
        encryption["keyvaultproperties"]["keyname"],
        "storage-cmk-key"
    );
    assert_eq!(fixture.oracle_health(&id), "accessible");
    assert!(matches!(
        turned_on.encryption,
        RegistryEncryption::CustomerManaged {
            key_rotation_enabled: true,
            ..
        }
    ));

    // Update the key version: pin the newest one.
    let version = fixture.latest_version("kv-contoso-prod-cmk", "storage-cmk-key");
    let pinned = session
        .arm
        .update_account(
            &turned_on,
            &AccountChange {
                identity: None,
                encryption: Some(AccountEncryptionChange::CustomerManaged {
                    vault_uri: vault.clone(),
                    key_name: "storage-cmk-key".to_owned(),
                    key_version: Some(version.clone()),
                    identity: AccountIdentityChoice::UserAssigned {
                        resource_id: uai.clone(),
                        client_id: String::new(),
                    },
                }),
            },
            &ignore,
        )
        .await
        .unwrap();
    assert_eq!(
        fixture.stored(&id)["properties"]["encryption"]["keyvaultproperties"]["keyversion"],
        version.as_str()
    );
    assert!(matches!(
        pinned.encryption,
        RegistryEncryption::CustomerManaged {
            key_rotation_enabled: false,
            ..
        }
    ));

    // Off: back to Microsoft-managed keys.
    let off = session
        .arm
        .update_account(
            &pinned,
            &AccountChange {
                identity: None,
                encryption: Some(AccountEncryptionChange::MicrosoftManaged),
            },
            &ignore,
        )
        .await
        .unwrap();
    assert_eq!(off.encryption, RegistryEncryption::MicrosoftManaged);
    assert_eq!(
        fixture.stored(&id)["properties"]["encryption"]["keySource"],
        "Microsoft.Storage"
    );
}

/// Cognitive Services: on with a user-assigned identity (named by client ID), then off.
#[tokio::test]
async fn a_cognitive_services_account_turns_customer_managed_keys_on_and_off() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = cognitive("cog-contoso-language");
    let account = session
        .arm
        .get_account(&ResourceId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(account.encryption, RegistryEncryption::MicrosoftManaged);
    let uai = identity("id-openai-cmk");
    // Attach the identity first: its client ID is what the encryption names.
    let attached = session
        .arm
        .update_account(
            &account,
            &AccountChange {
                identity: Some(IdentityChange {
                    system_assigned: true,
                    user_assigned: vec![uai.clone()],
                    detach: Vec::new(),
                }),
                encryption: None,
            },
            &ignore,
        )
        .await
        .unwrap();
    let client_id = client_id_of(&attached, &uai);
    let version = fixture.latest_version("kv-contoso-prod-cmk", "openai-cmk-key");
    let turned_on = session
        .arm
        .update_account(
            &attached,
            &AccountChange {
                identity: None,
                encryption: Some(AccountEncryptionChange::CustomerManaged {
                    vault_uri: fixture.vault_uri_string("kv-contoso-prod-cmk"),
                    key_name: "openai-cmk-key".to_owned(),
                    key_version: Some(version.clone()),
                    identity: AccountIdentityChoice::UserAssigned {
                        resource_id: uai.clone(),
                        client_id: client_id.clone(),
                    },
                }),
            },
            &ignore,
        )
        .await
        .unwrap();
    let stored = fixture.stored(&id);
    let properties = &stored["properties"]["encryption"]["keyVaultProperties"];
    assert_eq!(properties["keyVersion"], version.as_str(), "{stored}");
    assert_eq!(properties["identityClientId"], client_id.as_str());
    assert_eq!(fixture.oracle_health(&id), "accessible");
    let RegistryEncryption::CustomerManaged {
        identity: EncryptionIdentity::UserAssigned { resource_id, .. },
        ..
    } = &turned_on.encryption
    else {
        panic!("customer-managed with the user-assigned identity");
    };
    assert_eq!(resource_id.as_deref(), Some(uai.as_str()));

    let off = session
        .arm
        .update_account(
            &turned_on,
            &AccountChange {
                identity: None,
                encryption: Some(AccountEncryptionChange::MicrosoftManaged),
            },
            &ignore,
        )
        .await
        .unwrap();
    assert_eq!(off.encryption, RegistryEncryption::MicrosoftManaged);
    assert_eq!(
        fixture.stored(&id)["properties"]["encryption"]["keySource"],
        "Microsoft.CognitiveServices"
    );
}
