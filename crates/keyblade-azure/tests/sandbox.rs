//! keyblade-azure against the in-process sandbox (`demo` scenario, port 0): every ARM and
//! Key Vault path, and the faults a save must survive.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keyblade_azure::arm::lro::{NoProgress, ProgressUpdate};
use keyblade_azure::arm::model::*;
use keyblade_azure::{
    AzureError, HttpSettings, HttpTransport, KeyVaultDenial, RetryPolicy, Session,
};
use keyblade_core::ResourceId;
use keyblade_sandbox::scenario::demo::{
    PROD_REGISTRIES_GROUP, PROD_SECURITY_GROUP, PROD_SUBSCRIPTION,
};
use keyblade_sandbox::{FaultEffect, RouteMatcher};
use url::Url;

mod common;
use common::{Fixture, http_settings, route};

impl Fixture {
    /// The vault's URI, as these tests hand it to keyblade's Key Vault client.
    fn vault_uri(&self, name: &str) -> Url {
        self.vault_url(name)
    }
}

fn registry_id(name: &str) -> ResourceId {
    ResourceId::parse(&format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/{name}"
    ))
    .expect("test resource IDs are valid")
}

fn vault_id(name: &str) -> ResourceId {
    ResourceId::parse(&format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.KeyVault/vaults/{name}"
    ))
    .expect("test resource IDs are valid")
}

fn identity_id(name: &str) -> ResourceId {
    ResourceId::parse(&format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    ))
    .expect("test resource IDs are valid")
}

fn customer_key(registry: &Registry) -> (String, Option<String>, EncryptionIdentity, bool) {
    match &registry.encryption {
        RegistryEncryption::CustomerManaged {
            key_identifier,
            versioned_key_identifier,
            identity,
            key_rotation_enabled,
            ..
        } => (
            key_identifier.clone(),
            versioned_key_identifier.clone(),
            identity.clone(),
            *key_rotation_enabled,
        ),
        RegistryEncryption::MicrosoftManaged => panic!("{} has no CMK", registry.id.name()),
    }
}

#[tokio::test]
async fn metadata_sign_in_and_subscriptions() {
    let fixture = Fixture::start().await;
    assert!(
        fixture
            .cloud
            .is_trusted_url(&fixture.vault_uri("kv-contoso-prod-cmk"))
    );
    let session = fixture.session();
    let subscriptions = session.arm.list_subscriptions().await.unwrap();
    assert!(
        subscriptions
            .iter()
            .any(|s| s.subscription_id == PROD_SUBSCRIPTION),
        "{subscriptions:?}"
    );
}

#[tokio::test]
async fn registries_show_their_encryption() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let listed = session
        .arm
        .list_registries(PROD_SUBSCRIPTION)
        .await
        .unwrap();
    assert!(listed.iter().any(|r| r.id.name() == "crcontosoprod"));

    let prod = session
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    assert!(prod.etag.is_some(), "a registry is read with its ETag");
    let (key, versioned, identity, rotation) = customer_key(&prod);
    assert!(key.contains("/keys/acr-prod-key"), "{key}");
    assert!(versioned.is_some_and(|v| v.starts_with(&key)));
    assert!(rotation, "an unversioned key rotates automatically");
    match identity {
        EncryptionIdentity::UserAssigned { resource_id, .. } => {
            assert!(resource_id.unwrap().ends_with("/id-acr-prod"))
        }
        other => panic!("expected the user-assigned identity, got {other:?}"),
    }

    let plain = session
        .arm
        .get_registry(&registry_id("crcontosonocmk"))
        .await
        .unwrap();
    assert_eq!(plain.encryption, RegistryEncryption::MicrosoftManaged);

    let missing = session
        .arm
        .get_registry(&registry_id("nope"))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), "azure.notFound", "{missing}");
}

#[tokio::test]
async fn vaults_identities_and_roles() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let vaults = session.arm.list_vaults(PROD_SUBSCRIPTION).await.unwrap();
    let named = |name: &str| {
        vaults
            .iter()
            .find(|v| v.id.name() == name)
            .unwrap_or_else(|| panic!("{name} listed"))
    };
    assert!(!named("kv-contoso-prod-cmk").enable_rbac_authorization);
    assert!(named("kv-contoso-prod-cmk").purge_protection_enabled);
    assert!(!named("kv-contoso-prod-cmk").access_policies.is_empty());
    assert!(named("kv-contoso-prod-rbac").enable_rbac_authorization);
    assert!(!named("kv-contoso-dev").purge_protection_enabled);
    let firewall = &named("kv-contoso-firewall").network;
    assert_eq!(firewall.default_action.as_deref(), Some("Deny"));
    assert_eq!(firewall.bypass.as_deref(), Some("AzureServices"));
    assert_eq!(firewall.ip_rules, vec!["203.0.113.0/24".to_owned()]);
    assert_eq!(
        named("kv-contoso-prod-cmk").tenant_id,
        fixture.sandbox.demo_credentials().tenant_id
    );

    let fetched = session
        .arm
        .get_vaults(&[vault_id("kv-contoso-dev"), vault_id("nope")])
        .await;
    assert_eq!(fetched[0].as_ref().unwrap().id.name(), "kv-contoso-dev");
    assert_eq!(fetched[1].as_ref().unwrap_err().code(), "azure.notFound");

    let identities = session
        .arm
        .list_user_assigned_identities(PROD_SUBSCRIPTION)
        .await
        .unwrap();
    let listed = identities
        .iter()
        .find(|i| i.id.name() == "id-acr-rbac")
        .expect("id-acr-rbac listed");
    let got = session
        .arm
        .get_identity(&identity_id("id-acr-rbac"))
        .await
        .unwrap();
    assert_eq!(&got, listed);
    let principal = got.principal_id.clone().expect("identity has a principal");
    assert!(got.client_id.is_some());

    let scope = vault_id("kv-contoso-prod-rbac").to_string();
    let assignments = session
        .arm
        .list_role_assignments(&scope, &AssignmentFilter::AtScope)
        .await
        .unwrap();
    let assignment = assignments
        .iter()
        .find(|a| a.principal_id == principal)
        .expect("the RBAC identity has a role on the vault");
    let definitions = session
        .arm
        .list_role_definitions(
            &scope,
            Some("roleName eq 'Key Vault Crypto Service Encryption User'"),
        )
        .await
        .unwrap();
    let role = definitions.first().expect("the built-in role is listed");
    assert!(
        assignment
            .role_definition_id
            .to_ascii_lowercase()
            .ends_with(&role.name.to_ascii_lowercase())
    );
    assert!(
        role.permissions
            .iter()
            .flat_map(|p| &p.data_actions)
            .any(|a| a.eq_ignore_ascii_case("Microsoft.KeyVault/vaults/keys/wrap/action"))
    );
}

#[tokio::test]
async fn create_vault_grant_access_and_assign_roles() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let demo = fixture.sandbox.demo_credentials();
    let before = session
        .arm
        .list_vaults(PROD_SUBSCRIPTION)
        .await
        .unwrap()
        .len();
    let updates = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let updates = updates.clone();
        move |update: ProgressUpdate| updates.lock().unwrap().push(update)
    };
    let created = session
        .arm
        .create_vault(
            &NewVault {
                subscription_id: PROD_SUBSCRIPTION.to_owned(),
                resource_group: PROD_SECURITY_GROUP.to_owned(),
                name: "kv-keyblade-test".to_owned(),
                location: "eastus".to_owned(),
                tenant_id: demo.tenant_id.to_owned(),
                enable_rbac_authorization: false,
                access_policies: Vec::new(),
            },
            &sink,
        )
        .await
        .unwrap();
    assert!(created.soft_delete_enabled && created.purge_protection_enabled);
    assert!(matches!(
        updates.lock().unwrap().last(),
        Some(ProgressUpdate::Succeeded { .. })
    ));
    let after = session
        .arm
        .list_vaults(PROD_SUBSCRIPTION)
        .await
        .unwrap()
        .len();
    assert_eq!(
        after,
        before + 1,
        "creating a vault invalidates the cached list"
    );

    let identity = session
        .arm
        .get_identity(&identity_id("id-acr-prod"))
        .await
        .unwrap();
    let principal = identity.principal_id.unwrap();
    let granted = session
        .arm
        .add_access_policy(
            &created.id,
            &AccessPolicy {
                tenant_id: demo.tenant_id.to_owned(),
                object_id: principal.clone(),
                application_id: None,
                key_permissions: vec!["get".into(), "wrapKey".into(), "unwrapKey".into()],
            },
        )
        .await
        .unwrap();
    let entry = granted
        .access_policies
        .iter()
        .find(|p| p.object_id == principal)
        .expect("the access policy was added");
    assert!(
        entry
            .key_permissions
            .iter()
            .any(|p| p.eq_ignore_ascii_case("wrapKey"))
    );

    let scope = vault_id("kv-contoso-prod-rbac").to_string();
    let filter = AssignmentFilter::AssignedTo(principal.clone());
    let none_yet = session
        .arm
        .list_role_assignments(&scope, &filter)
        .await
        .unwrap();
    assert!(none_yet.is_empty(), "{none_yet:?}");
    let new = session
        .arm
        .create_role_assignment(&NewRoleAssignment {
            name: "0c0f2a6e-5b1d-4f6e-9a51-3f1d2c4b5a69".to_owned(),
            scope: scope.clone(),
            role_definition_id: "e147488a-f6f5-4113-8e2d-b22465e65bf6".to_owned(),
            principal_id: principal.clone(),
            principal_type: Some("ServicePrincipal".to_owned()),
        })
        .await
        .unwrap();
    assert_eq!(new.principal_id, principal);
    let now = session
        .arm
        .list_role_assignments(&scope, &filter)
        .await
        .unwrap();
    assert_eq!(now.len(), 1, "creating an assignment invalidates the cache");
}

#[tokio::test]
async fn key_vault_keys() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let vault = fixture.vault_uri("kv-contoso-prod-cmk");
    let keys = session.keyvault.list_keys(&vault).await.unwrap();
    assert!(
        keys.iter()
            .any(|k| k.name == "acr-prod-key" && k.version.is_none())
    );

    let key = session
        .keyvault
        .get_key(&vault, "acr-prod-key", None)
        .await
        .unwrap();
    assert_eq!(key.kty, "RSA");
    assert_eq!(key.key_size, Some(2048));
    assert!(key.enabled);
    assert!(
        key.key_ops.iter().any(|op| op == "wrapKey"),
        "{:?}",
        key.key_ops
    );
    let versions = session
        .keyvault
        .list_versions(&vault, "acr-prod-key")
        .await
        .unwrap();
    assert!(
        versions
            .iter()
            .any(|v| v.version.as_deref() == Some(key.version.as_str()))
    );

    let created = session
        .keyvault
        .create_rsa_key(&vault, "kb-new", 3072)
        .await
        .unwrap();
    assert_eq!(
        (created.kty.as_str(), created.key_size),
        ("RSA", Some(3072))
    );
    let rotated = session.keyvault.rotate_key(&vault, "kb-new").await.unwrap();
    assert_ne!(rotated.version, created.version);
    assert_eq!(
        session
            .keyvault
            .list_versions(&vault, "kb-new")
            .await
            .unwrap()
            .len(),
        2,
        "a write invalidates the cached version list"
    );
    let disabled = session
        .keyvault
        .set_enabled(&vault, "kb-new", Some(&created.version), false)
        .await
        .unwrap();
    assert!(!disabled.enabled);
    let again = session
        .keyvault
        .get_key(&vault, "kb-new", Some(&created.version))
        .await
        .unwrap();
    assert!(!again.enabled);

    let all = session
        .keyvault
        .list_keys_of_vaults(&[vault.clone(), fixture.vault_uri("kv-contoso-prod-rbac")])
        .await;
    assert!(all.iter().all(|(_, keys)| keys.is_ok()), "{all:?}");
}

#[tokio::test]
async fn key_vault_denials_say_why() {
    let fixture = Fixture::start().await;
    let reader = fixture.reader();
    let reason = |result: Result<Vec<keyblade_azure::keyvault::KeyItem>, AzureError>| match result {
        Err(AzureError::KeyVaultDenied { reason, .. }) => reason,
        other => panic!("expected a Key Vault denial, got {other:?}"),
    };
    assert_eq!(
        reason(
            reader
                .keyvault
                .list_keys(&fixture.vault_uri("kv-contoso-prod-cmk"))
                .await
        ),
        KeyVaultDenial::AccessDenied
    );
    assert_eq!(
        reason(
            reader
                .keyvault
                .list_keys(&fixture.vault_uri("kv-contoso-prod-rbac"))
                .await
        ),
        KeyVaultDenial::ForbiddenByRbac
    );
    let session = fixture.session();
    let firewall = session
        .keyvault
        .list_keys(&fixture.vault_uri("kv-contoso-firewall"))
        .await;
    assert_eq!(reason(firewall), KeyVaultDenial::ForbiddenByFirewall);
}

#[tokio::test]
async fn reader_gets_authorization_failed() {
    let fixture = Fixture::start().await;
    let reader = fixture.reader();
    let registry = reader
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    let (key, ..) = customer_key(&registry);
    let error = reader
        .arm
        .update_registry(
            &registry,
            &RegistryChange {
                identity: None,
                encryption: Some(EncryptionChange {
                    key_identifier: key,
                    identity: EncryptionIdentityChoice::SystemAssigned,
                }),
            },
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "azure.authorizationFailed", "{error}");
}

async fn pin_to_current_version(
    session: &Session,
    registry: &Registry,
) -> Result<Registry, AzureError> {
    let (_, versioned, identity, _) = customer_key(registry);
    let client_id = match identity {
        EncryptionIdentity::UserAssigned { client_id, .. } => client_id,
        other => panic!("unexpected {other:?}"),
    };
    session
        .arm
        .update_registry(
            registry,
            &RegistryChange {
                identity: None,
                encryption: Some(EncryptionChange {
                    key_identifier: versioned.expect("a versioned key in use"),
                    identity: EncryptionIdentityChoice::UserAssigned { client_id },
                }),
            },
            &NoProgress,
        )
        .await
}

#[tokio::test]
async fn save_follows_the_operation_and_reports_progress() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let registry = session
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    let (_, versioned, identity, _) = customer_key(&registry);
    let EncryptionIdentity::UserAssigned { client_id, .. } = identity else {
        panic!("user-assigned identity expected");
    };
    let updates = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let updates = updates.clone();
        move |update: ProgressUpdate| updates.lock().unwrap().push(update)
    };
    let saved = session
        .arm
        .update_registry(
            &registry,
            &RegistryChange {
                identity: None,
                encryption: Some(EncryptionChange {
                    key_identifier: versioned.clone().unwrap(),
                    identity: EncryptionIdentityChoice::UserAssigned { client_id },
                }),
            },
            &sink,
        )
        .await
        .unwrap();
    let (key, _, _, rotation) = customer_key(&saved);
    assert_eq!(Some(key), versioned);
    assert!(!rotation, "a versioned key is rotated manually");
    assert_ne!(saved.etag, registry.etag);
    let updates = updates.lock().unwrap();
    assert!(
        matches!(updates.first(), Some(ProgressUpdate::Submitted { .. })),
        "{updates:?}"
    );
    assert!(
        matches!(updates.last(), Some(ProgressUpdate::Succeeded { .. })),
        "{updates:?}"
    );
}

#[tokio::test]
async fn a_stale_etag_overwrites_nothing() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let stale = session
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    let saved = pin_to_current_version(&session, &stale).await.unwrap();
    let error = session
        .arm
        .update_registry(
            &stale,
            &RegistryChange {
                identity: Some(IdentityChange {
                    system_assigned: true,
                    user_assigned: stale
                        .identity
                        .user_assigned
                        .iter()
                        .map(|i| i.resource_id.clone())
                        .collect(),
                    detach: Vec::new(),
                }),
                encryption: None,
            },
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "azure.preconditionFailed", "{error}");
    let now = session
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    assert_eq!(
        now.identity, saved.identity,
        "the stale write changed nothing"
    );
    assert_eq!(now.encryption, saved.encryption);
}

#[tokio::test]
async fn a_failed_operation_leaves_the_registry_as_it_was() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let before = session
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    fixture.fault(
        route("PATCH", "(?i)/registries/crcontosoprod$"),
        FaultEffect::FailOperation {
            code: "InternalServerError".into(),
            message: "injected by the test".into(),
        },
        Some(1),
    );
    let error = pin_to_current_version(&session, &before).await.unwrap_err();
    match &error {
        AzureError::OperationFailed { code, message } => {
            assert_eq!(code, "InternalServerError");
            assert!(message.contains("injected"), "{message}");
        }
        other => panic!("expected OperationFailed, got {other:?}"),
    }
    let after = session
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    assert_eq!(after.encryption, before.encryption);
}

#[tokio::test]
async fn throttling_and_unavailability_are_retried_after_retry_after() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    fixture.fault(
        route("GET", "(?i)/registries/crcontosoprod$"),
        FaultEffect::Status {
            status: 429,
            retry_after: Some(1),
        },
        Some(1),
    );
    let started = Instant::now();
    session
        .arm
        .get_registry(&registry_id("crcontosoprod"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );

    fixture.fault(
        RouteMatcher {
            host: Some("kv-contoso-prod-cmk.vault.localhost".into()),
            ..RouteMatcher::default()
        },
        FaultEffect::Status {
            status: 503,
            retry_after: Some(1),
        },
        Some(1),
    );
    session
        .keyvault
        .list_keys(&fixture.vault_uri("kv-contoso-prod-cmk"))
        .await
        .unwrap();

    // Still throttled after the last retry: a typed error, nothing more sent.
    let impatient = fixture.session_with(HttpSettings {
        retry: RetryPolicy {
            max_retries: 1,
            max_wait: Duration::from_millis(100),
            base_backoff: Duration::from_millis(10),
        },
        ..HttpSettings::default()
    });
    fixture.fault(
        RouteMatcher {
            path_regex: Some("(?i)/registries/crcontosonocmk$".into()),
            ..RouteMatcher::default()
        },
        FaultEffect::Status {
            status: 503,
            retry_after: Some(30),
        },
        None,
    );
    let started = Instant::now();
    let error = impatient
        .arm
        .get_registry(&registry_id("crcontosonocmk"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AzureError::Throttled {
                status: 503,
                retries: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the wait was capped"
    );
}

#[tokio::test]
async fn tokens_go_only_to_hosts_of_the_cloud() {
    let fixture = Fixture::start().await;
    // A listener that must never see a connection: same machine, another port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let foreign = Url::parse(&format!(
        "https://localhost:{}/subscriptions?api-version=2022-12-01",
        listener.local_addr().unwrap().port()
    ))
    .unwrap();
    let transport =
        HttpTransport::for_cloud(Arc::new(fixture.cloud.clone()), &http_settings()).unwrap();

    // azure_core 1.x pipeline.
    let pipeline = azure_core::http::Pipeline::new(
        None,
        None,
        transport.core_options(),
        Vec::new(),
        Vec::new(),
        None,
    );
    let mut request =
        azure_core::http::Request::new(foreign.clone(), azure_core::http::Method::Get);
    request.insert_header("authorization", "Bearer not-for-you");
    let error = pipeline
        .send(&azure_core::http::Context::new(), &mut request, None)
        .await
        .unwrap_err();
    assert_eq!(
        AzureError::from_core(error).code(),
        "azure.untrustedTokenHost"
    );

    // azure_core 0.21 pipeline, through a generated client.
    let session = fixture.session();
    let client = azure_mgmt_subscription::package_2021_10::Client::new(
        foreign.clone(),
        session.credential().legacy(),
        vec![fixture.cloud.arm_scope()],
        transport.legacy_options(),
    );
    let mut pages = client.subscriptions_client().list().into_stream();
    let error = futures::StreamExt::next(&mut pages)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        AzureError::from_legacy(error).code(),
        "azure.untrustedTokenHost"
    );

    let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(accepted.is_err(), "no connection reached the foreign host");
}
