//! The Encryption blade's orchestration (`keyblade_azure::encryption`) against the
//! in-process sandbox's `demo` scenario: the view of every registry state, the pickers,
//! preflight, granting, saving (including faults and a stale ETag). After each write the
//! registry is checked through the sandbox itself (its stored resource and its CMK health
//! oracle), not through the code under test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyblade_azure::RequestLog;
use keyblade_azure::arm::lro::{NoProgress, ProgressUpdate};
use keyblade_azure::encryption::view::IdentityKind;
use keyblade_azure::encryption::{
    self, DesiredChange, GrantAvailability, GrantOutcome, HealthStatus, IdentityChangeOutcome,
    IdentityChoice, KeyListAccess, KeySource, NewKeyRequest, NewVaultRequest, PermissionModel,
    Rotation, SaveOutcome, StepKind,
};
use keyblade_core::ResourceId;
use keyblade_sandbox::FaultEffect;
use keyblade_sandbox::scenario::demo::{DEV_SUBSCRIPTION, PROD_SECURITY_GROUP, PROD_SUBSCRIPTION};
use serde_json::Value;

mod common;
use common::{Fixture, Recorder, etag, identity, key_vault_properties, registry, route};

fn codes(findings: &[encryption::FindingView]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

/// The writes that reached Azure are the reviewed plan's steps, in order, each with the
/// method, path, API version and body the review showed (reads and polls aside), the body's
/// `{systemAssignedPrincipalId}` being the principal the save turned on.
fn assert_sent_as_reviewed(
    log: &RequestLog,
    reviewed: &[encryption::PlanStepView],
    new_principal: Option<&str>,
) {
    let sent: Vec<(String, String, Value)> = log
        .requests()
        .into_iter()
        .filter(|request| request.method != "GET")
        .map(|request| {
            let body = serde_json::from_slice(&request.body).expect("a write's body is JSON");
            (request.method.clone(), request.path_and_query(), body)
        })
        .collect();
    let shown: Vec<(String, String, Value)> = reviewed
        .iter()
        .map(|step| {
            let mut body = step.body.to_string();
            if let Some(principal) = new_principal {
                body = body.replace("{systemAssignedPrincipalId}", principal);
            }
            let body = serde_json::from_str(&body).expect("a step's body is JSON");
            (step.method.clone(), step.path.clone(), body)
        })
        .collect();
    assert_eq!(sent, shown, "what was sent is not what was reviewed");
}

/// One row per demo registry state the blade must show.
struct ViewCase {
    registry: &'static str,
    source: KeySource,
    rotation: Option<Rotation>,
    identity: Option<(IdentityKind, &'static str, bool)>,
    health: HealthStatus,
    /// The code of the first problem, when not healthy.
    problem: Option<&'static str>,
    change_allowed: bool,
    /// Part of the reason Change key is refused.
    refusal: Option<&'static str>,
}

#[tokio::test]
async fn the_blade_shows_every_demo_registry_state() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let cmk = |registry, rotation, identity, health, problem| ViewCase {
        registry,
        source: KeySource::CustomerManaged,
        rotation: Some(rotation),
        identity: Some(identity),
        health,
        problem,
        change_allowed: true,
        refusal: None,
    };
    let user = |name| (IdentityKind::UserAssigned, name, true);
    let cases = [
        cmk(
            "crcontosoprod",
            Rotation::Automatic,
            user("id-acr-prod"),
            HealthStatus::Healthy,
            None,
        ),
        cmk(
            "crcontosopinned",
            Rotation::Manual,
            user("id-acr-prod"),
            HealthStatus::Healthy,
            None,
        ),
        cmk(
            "crcontosorbac",
            Rotation::Automatic,
            user("id-acr-rbac"),
            HealthStatus::Healthy,
            None,
        ),
        // The registry reaches its key through the vault firewall's trusted-services bypass,
        // which admits only its system-assigned identity; the signed-in user's own address is
        // outside the firewall, so keyblade cannot read the key and says it cannot tell.
        cmk(
            "crcontosofw",
            Rotation::Automatic,
            (IdentityKind::SystemAssigned, "crcontosofw", true),
            HealthStatus::Unknown,
            Some("key.unreadable"),
        ),
        cmk(
            "crcontosorevoked",
            Rotation::Automatic,
            user("id-acr-revoked"),
            HealthStatus::Unhealthy,
            Some("access.missingPermissions"),
        ),
        cmk(
            "crcontosodisabled",
            Rotation::Automatic,
            user("id-acr-disabled"),
            HealthStatus::Unhealthy,
            Some("key.disabled"),
        ),
        cmk(
            "crcontosoorphan",
            Rotation::Automatic,
            (IdentityKind::UserAssigned, "id-acr-orphan", false),
            HealthStatus::Unhealthy,
            Some("identity.deleted"),
        ),
        ViewCase {
            registry: "crcontosonocmk",
            source: KeySource::MicrosoftManaged,
            rotation: None,
            identity: None,
            health: HealthStatus::NotApplicable,
            problem: None,
            change_allowed: false,
            refusal: Some(
                "can be set only when a registry is created, and only on the Premium tier",
            ),
        },
        ViewCase {
            registry: "crcontosobasic",
            source: KeySource::MicrosoftManaged,
            rotation: None,
            identity: None,
            health: HealthStatus::NotApplicable,
            problem: None,
            change_allowed: false,
            refusal: Some("is on the Basic tier"),
        },
    ];
    for case in cases {
        let id = registry(case.registry);
        let view = encryption::load_view(&session, &id).await.unwrap();
        let name = case.registry;
        assert_eq!(view.key_source, case.source, "{name}");
        assert_eq!(
            view.key.as_ref().map(|k| k.rotation),
            case.rotation,
            "{name}"
        );
        assert_eq!(
            view.identity
                .as_ref()
                .map(|i| (i.kind, i.name.as_str(), i.exists)),
            case.identity,
            "{name}"
        );
        assert_eq!(view.health.status, case.health, "{name}: {:?}", view.health);
        assert_eq!(
            view.health.problems.first().map(|p| p.code.as_str()),
            case.problem,
            "{name}: {:?}",
            view.health
        );
        assert_eq!(view.change.allowed, case.change_allowed, "{name}");
        if let Some(refusal) = case.refusal {
            let reason = view.change.reason.as_deref().unwrap_or_default();
            assert!(reason.contains(refusal), "{name}: {reason}");
        }
        assert!(view.etag.is_some(), "{name}");
        // The sandbox decides independently whether the identity can reach the key; keyblade
        // must agree with it whenever it claims to know.
        if case.source == KeySource::CustomerManaged {
            let oracle = fixture.oracle_health(&id);
            let keyblade_verdict = match view.health.status {
                HealthStatus::Healthy => Some(true),
                HealthStatus::Unhealthy => Some(false),
                HealthStatus::Unknown | HealthStatus::NotApplicable => None,
            };
            if let Some(healthy) = keyblade_verdict {
                assert_eq!(
                    oracle == "accessible",
                    healthy,
                    "{name}: sandbox says {oracle}, keyblade says {:?}",
                    view.health
                );
            }
        }
    }

    // keyblade cannot see into the firewalled vault, but the registry itself gets through.
    assert_eq!(
        fixture.oracle_health(&registry("crcontosofw")),
        "accessible"
    );

    // The details of the auto-rotating and the pinned registry.
    let prod = encryption::load_view(&session, &registry("crcontosoprod"))
        .await
        .unwrap();
    let key = prod.key.unwrap();
    assert_eq!(key.vault_name, "kv-contoso-prod-cmk");
    assert_eq!(key.key_name, "acr-prod-key");
    assert!(
        key.vault_id
            .unwrap()
            .ends_with("/vaults/kv-contoso-prod-cmk")
    );
    assert!(key.last_rotation.is_some());
    let latest = fixture.latest_version("kv-contoso-prod-cmk", "acr-prod-key");
    assert_eq!(key.latest_version.as_deref(), Some(latest.as_str()));
    assert_ne!(
        key.version_in_use.as_deref(),
        Some(latest.as_str()),
        "the newest version is not picked up before the next rotation check"
    );
    let identity_view = prod.identity.unwrap();
    assert!(identity_view.client_id.is_some() && identity_view.principal_id.is_some());
    assert_eq!(
        identity_view.resource_id.as_deref(),
        Some(identity("id-acr-prod").as_str())
    );

    let pinned = encryption::load_view(&session, &registry("crcontosopinned"))
        .await
        .unwrap();
    let key = pinned.key.unwrap();
    assert_eq!(
        Some(key.key_uri.rsplit('/').next().unwrap()),
        key.version_in_use.as_deref(),
        "a pinned key uses the version in its URI"
    );
    assert_ne!(
        key.version_in_use, key.latest_version,
        "a newer version exists"
    );
}

#[tokio::test]
async fn pickers_list_what_the_change_key_panel_offers() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let subscriptions = encryption::list_subscriptions(&session).await.unwrap();
    for expected in [PROD_SUBSCRIPTION, DEV_SUBSCRIPTION] {
        assert!(
            subscriptions.iter().any(|s| s.subscription_id == expected),
            "{subscriptions:?}"
        );
    }

    let vaults = encryption::list_vaults(&session, PROD_SUBSCRIPTION)
        .await
        .unwrap();
    let vault = |name: &str| {
        vaults
            .iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("{name} is listed: {vaults:?}"))
    };
    match &vault("kv-contoso-firewall").keys {
        KeyListAccess::Denied {
            reason_code,
            reason,
        } => {
            assert_eq!(reason_code, "forbiddenByFirewall");
            assert!(reason.contains("firewall"), "{reason}");
        }
        other => panic!("the firewalled vault is listed with its reason, not {other:?}"),
    }
    assert!(vault("kv-contoso-firewall").network_restricted);
    assert!(matches!(
        vault("kv-contoso-prod-cmk").keys,
        KeyListAccess::Allowed
    ));
    assert_eq!(
        vault("kv-contoso-prod-rbac").permission_model,
        PermissionModel::Rbac
    );
    assert!(!vault("kv-contoso-dev").purge_protection);

    let reader_vaults = encryption::list_vaults(&fixture.reader(), PROD_SUBSCRIPTION)
        .await
        .unwrap();
    let reason_of = |name: &str| match &reader_vaults.iter().find(|v| v.name == name).unwrap().keys
    {
        KeyListAccess::Denied { reason_code, .. } => reason_code.clone(),
        other => panic!("{name}: expected a denial, got {other:?}"),
    };
    assert_eq!(reason_of("kv-contoso-prod-cmk"), "accessDenied");
    assert_eq!(reason_of("kv-contoso-prod-rbac"), "forbiddenByRbac");

    let cmk_vault = fixture.vault_uri_string("kv-contoso-prod-cmk");
    let keys = encryption::list_keys(&session, &cmk_vault).await.unwrap();
    let pinned_key = keys
        .iter()
        .find(|k| k.name == "acr-pinned-key")
        .expect("acr-pinned-key listed");
    assert!(
        !pinned_key.kid.contains("/acr-pinned-key/"),
        "a key is offered unversioned"
    );
    let versions = encryption::list_key_versions(&session, &cmk_vault, "acr-pinned-key")
        .await
        .unwrap();
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert!(versions[0].is_latest && !versions[1].is_latest);
    assert_eq!(
        versions[0].version,
        fixture.latest_version("kv-contoso-prod-cmk", "acr-pinned-key")
    );
    assert!(versions.windows(2).all(|w| w[0].created >= w[1].created));
    assert!(
        versions
            .iter()
            .all(|v| v.kid.ends_with(&v.version) && v.enabled == Some(true))
    );

    let identities = encryption::list_identities(&session, &registry("crcontosoprod"))
        .await
        .unwrap();
    let names = |list: &[encryption::IdentityOption]| -> Vec<String> {
        list.iter().map(|i| i.name.clone()).collect()
    };
    assert_eq!(names(&identities.attached), ["id-acr-prod"]);
    assert!(names(&identities.available).contains(&"id-acr-rbac".to_owned()));
    assert!(!names(&identities.available).contains(&"id-acr-prod".to_owned()));
    assert!(!identities.system_assigned_enabled);
    let orphan = encryption::list_identities(&session, &registry("crcontosoorphan"))
        .await
        .unwrap();
    assert_eq!(orphan.attached.len(), 1);
    assert!(!orphan.attached[0].exists, "the deleted identity is marked");
}

#[tokio::test]
async fn create_new_vault_and_key() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let recorder = Recorder::default();
    for (name, model) in [
        ("kv-kb-new-policies", PermissionModel::AccessPolicies),
        ("kv-kb-new-rbac", PermissionModel::Rbac),
    ] {
        let created = encryption::create_vault(
            &session,
            &NewVaultRequest {
                subscription_id: PROD_SUBSCRIPTION.to_owned(),
                resource_group: PROD_SECURITY_GROUP.to_owned(),
                name: name.to_owned(),
                location: "eastus".to_owned(),
                permission_model: model,
            },
            &recorder.sink(),
        )
        .await
        .unwrap();
        assert!(created.soft_delete && created.purge_protection, "{name}");
        assert_eq!(created.permission_model, model);
        let stored = fixture.stored(&created.id);
        assert_eq!(
            stored["properties"]["enablePurgeProtection"], true,
            "{name}"
        );
        assert_ne!(stored["properties"]["enableSoftDelete"], false, "{name}");

        // Its creator can create keys in it at once.
        let vault_uri = created.vault_uri.clone().expect("a new vault has a URI");
        let key = encryption::create_key(
            &session,
            &NewKeyRequest {
                vault_uri: vault_uri.clone(),
                name: "cmk-1".to_owned(),
                size: 3072,
            },
        )
        .await
        .unwrap();
        assert!(key.kid.ends_with("/keys/cmk-1"), "{}", key.kid);
        let listed = encryption::list_keys(&session, &vault_uri).await.unwrap();
        assert_eq!(listed.len(), 1);
        let vaults = encryption::list_vaults(&session, PROD_SUBSCRIPTION)
            .await
            .unwrap();
        assert!(
            vaults
                .iter()
                .any(|v| v.name == name && v.keys == KeyListAccess::Allowed),
            "the new vault is listed with its key"
        );
    }
    assert!(matches!(
        recorder.updates().last(),
        Some(ProgressUpdate::Succeeded { .. })
    ));

    let refused = encryption::create_key(
        &session,
        &NewKeyRequest {
            vault_uri: fixture.vault_uri_string("kv-kb-new-rbac"),
            name: "small".to_owned(),
            size: 1024,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code(), "azure.invalidInput");
}

#[tokio::test]
async fn a_missing_permission_is_refused_then_granted_and_saved() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let before = key_vault_properties(&fixture.stored(&id)).clone();
    // id-acr-prod has no role on the RBAC vault.
    let desired = DesiredChange {
        key_source: Default::default(),
        key_uri: format!(
            "{}keys/acr-rbac-key",
            fixture.vault_uri_string("kv-contoso-prod-rbac")
        ),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&identity("id-acr-prod")).unwrap(),
        },
        grant_access: false,
    };
    let report = encryption::preflight(&session, &id, &desired)
        .await
        .unwrap();
    assert!(!report.can_save);
    assert_eq!(codes(&report.findings)[0], "access.missingPermissions");
    assert_eq!(report.rotation, Rotation::Automatic);
    match &report.grant {
        GrantAvailability::Allowed { az_command, .. } => {
            assert!(
                az_command.starts_with("az role assignment create"),
                "{az_command}"
            )
        }
        other => panic!("the demo owner may grant, got {other:?}"),
    }

    // The reader may see why, but not grant.
    let reader = fixture.reader();
    let reader_report = encryption::preflight(&reader, &id, &desired).await.unwrap();
    assert!(
        matches!(reader_report.grant, GrantAvailability::NotAllowed { .. }),
        "{:?}",
        reader_report.grant
    );
    assert!(matches!(
        encryption::grant_access(&reader, &id, &desired)
            .await
            .unwrap(),
        GrantOutcome::NotAllowed { .. }
    ));

    let view = encryption::load_view(&session, &id).await.unwrap();
    let refused = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &NoProgress,
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    match refused {
        SaveOutcome::Refused { findings } => {
            assert!(codes(&findings).contains(&"access.missingPermissions"))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        key_vault_properties(&fixture.stored(&id)),
        &before,
        "a refused save writes nothing"
    );

    match encryption::grant_access(&session, &id, &desired)
        .await
        .unwrap()
    {
        GrantOutcome::Granted { step, .. } => {
            assert_eq!(step.kind, StepKind::CreateRoleAssignment)
        }
        other => panic!("expected a grant, got {other:?}"),
    }
    let report = encryption::preflight(&session, &id, &desired)
        .await
        .unwrap();
    assert!(report.can_save, "{:?}", report.findings);
    assert_eq!(report.grant, GrantAvailability::NotNeeded);
    let kinds: Vec<StepKind> = report.steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [StepKind::SetEncryptionKey]);

    let saved = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &NoProgress,
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    let SaveOutcome::Applied { view, note, .. } = saved else {
        panic!("expected a save, got {saved:?}");
    };
    assert_eq!(note, None);
    assert_eq!(view.unwrap().health.status, HealthStatus::Healthy);
    let stored = fixture.stored(&id);
    assert_eq!(
        key_vault_properties(&stored)["keyIdentifier"],
        desired.key_uri.as_str()
    );
    assert_eq!(fixture.oracle_health(&id), "accessible");
}

#[tokio::test]
async fn save_an_unversioned_key_selected_from_key_vault() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let view = encryption::load_view(&session, &id).await.unwrap();

    // Subscription, then Key vault, then Key, without a Version.
    let vaults = encryption::list_vaults(&session, &view.subscription_id)
        .await
        .unwrap();
    let vault = vaults
        .iter()
        .find(|v| v.name == "kv-contoso-prod-cmk")
        .expect("the vault is listed");
    let keys = encryption::list_keys(&session, vault.vault_uri.as_deref().unwrap())
        .await
        .unwrap();
    let key = keys.iter().find(|k| k.name == "storage-cmk-key").unwrap();
    let desired = DesiredChange {
        key_source: Default::default(),
        key_uri: key.kid.clone(),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(
                view.identity
                    .as_ref()
                    .unwrap()
                    .resource_id
                    .as_deref()
                    .unwrap(),
            )
            .unwrap(),
        },
        grant_access: false,
    };
    let report = encryption::preflight(&session, &id, &desired)
        .await
        .unwrap();
    assert!(report.can_save, "{:?}", report.findings);
    assert!(codes(&report.findings).contains(&"rotation.automatic"));
    assert!(
        report.steps[0]
            .az_command
            .starts_with("az acr encryption rotate-key")
    );

    let recorder = Recorder::default();
    let saved = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &recorder.sink(),
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    let SaveOutcome::Applied { view, note, .. } = saved else {
        panic!("expected a save, got {saved:?}");
    };
    assert_eq!(note, None);
    let after = view.unwrap();
    assert_eq!(after.key.as_ref().unwrap().rotation, Rotation::Automatic);
    assert_eq!(after.health.status, HealthStatus::Healthy);

    let stored = fixture.stored(&id);
    let kv = key_vault_properties(&stored);
    assert_eq!(kv["keyIdentifier"], key.kid.as_str());
    assert_eq!(kv["keyRotationEnabled"], true);
    assert_eq!(
        kv["versionedKeyIdentifier"],
        format!(
            "{}/{}",
            key.kid,
            fixture.latest_version("kv-contoso-prod-cmk", "storage-cmk-key")
        )
    );
    assert_eq!(fixture.oracle_health(&id), "accessible");

    let updates = recorder.updates();
    let stages: Vec<(&str, &str)> = updates
        .iter()
        .filter_map(|u| match u {
            ProgressUpdate::Submitted { operation } => Some(("submitted", operation.as_str())),
            ProgressUpdate::Succeeded { operation } => Some(("succeeded", operation.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(stages.len(), 4, "{updates:?}");
    assert_eq!(stages[0].0, "submitted");
    assert!(
        stages[0]
            .1
            .starts_with("Encrypt registry crcontosoprod with key storage-cmk-key")
    );
    assert_eq!(
        stages[3],
        ("succeeded", "Verify the registry's new key and identity")
    );
}

#[tokio::test]
async fn save_a_versioned_key_turning_on_the_system_identity() {
    let fixture = Fixture::start().await;
    let (session, log) = fixture.recorded_session();
    let id = registry("crcontosopinned");
    let view = encryption::load_view(&session, &id).await.unwrap();
    assert!(view.system_assigned_identity.is_none());
    let vault_uri = fixture.vault_uri_string("kv-contoso-prod-cmk");
    let versions = encryption::list_key_versions(&session, &vault_uri, "acr-prod-key")
        .await
        .unwrap();
    let pinned = &versions[0];
    let mut desired = DesiredChange {
        key_source: Default::default(),
        key_uri: pinned.kid.clone(),
        identity: IdentityChoice::SystemAssigned,
        grant_access: false,
    };

    // Without "grant access", the new identity would have no access: refused.
    let report = encryption::preflight(&session, &id, &desired)
        .await
        .unwrap();
    assert!(!report.can_save);
    assert!(codes(&report.findings).contains(&"access.newIdentityHasNoAccess"));
    assert!(
        matches!(report.grant, GrantAvailability::AtSave { .. }),
        "{:?}",
        report.grant
    );
    assert!(matches!(
        encryption::grant_access(&session, &id, &desired)
            .await
            .unwrap(),
        GrantOutcome::AtSave { .. }
    ));

    desired.grant_access = true;
    let report = encryption::preflight(&session, &id, &desired)
        .await
        .unwrap();
    assert!(report.can_save, "{:?}", report.findings);
    assert_eq!(report.rotation, Rotation::Manual);
    let kinds: Vec<StepKind> = report.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::EnableSystemAssignedIdentity,
            StepKind::AddAccessPolicy,
            StepKind::SetEncryptionKey
        ]
    );

    log.clear();
    let saved = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &NoProgress,
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    let new_principal = fixture.stored(&id)["identity"]["principalId"].clone();
    assert_sent_as_reviewed(&log, &report.steps, new_principal.as_str());
    let SaveOutcome::Applied {
        view: after, note, ..
    } = saved
    else {
        panic!("expected a save, got {saved:?}");
    };
    assert_eq!(note, None);
    let after = after.unwrap();
    assert_eq!(
        after.health.status,
        HealthStatus::Healthy,
        "{:?}",
        after.health
    );
    assert_eq!(
        after.identity.as_ref().unwrap().kind,
        IdentityKind::SystemAssigned
    );

    let stored = fixture.stored(&id);
    let principal = stored["identity"]["principalId"]
        .as_str()
        .expect("the system-assigned identity is on");
    let identity_type = stored["identity"]["type"].as_str().unwrap();
    assert!(
        identity_type.contains("SystemAssigned") && identity_type.contains("UserAssigned"),
        "the user-assigned identity stays attached: {identity_type}"
    );
    let kv = key_vault_properties(&stored);
    assert_eq!(kv["keyIdentifier"], pinned.kid.as_str());
    assert_eq!(kv["versionedKeyIdentifier"], pinned.kid.as_str());
    assert_eq!(kv["keyRotationEnabled"], false);
    let vault = fixture.stored(
        &after
            .key
            .as_ref()
            .and_then(|k| k.vault_id.clone())
            .expect("the vault was found"),
    );
    let policy = vault["properties"]["accessPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["objectId"] == principal)
        .expect("the new identity got an access policy");
    for permission in ["get", "wrapKey", "unwrapKey"] {
        assert!(
            policy["permissions"]["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(permission))),
            "{permission}: {policy}"
        );
    }
    assert_eq!(fixture.oracle_health(&id), "accessible");
}

/// The role assignment Save creates is the one the review named (ARM makes the caller pick
/// its GUID), and every write goes out with the path and API version the review showed.
#[tokio::test]
async fn save_creates_the_role_assignment_the_review_named() {
    let fixture = Fixture::start().await;
    let (session, log) = fixture.recorded_session();
    let id = registry("crcontosopinned");
    let view = encryption::load_view(&session, &id).await.unwrap();
    assert!(view.system_assigned_identity.is_none());
    let desired = DesiredChange {
        key_source: Default::default(),
        key_uri: format!(
            "{}keys/acr-rbac-key",
            fixture.vault_uri_string("kv-contoso-prod-rbac")
        ),
        identity: IdentityChoice::SystemAssigned,
        grant_access: true,
    };
    let report = encryption::preflight(&session, &id, &desired)
        .await
        .unwrap();
    assert!(report.can_save, "{:?}", report.findings);
    let kinds: Vec<StepKind> = report.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::EnableSystemAssignedIdentity,
            StepKind::CreateRoleAssignment,
            StepKind::SetEncryptionKey
        ]
    );
    let reviewed_name = report.steps[1]
        .path
        .split('?')
        .next()
        .and_then(|path| path.rsplit('/').next())
        .expect("the step's path names the assignment")
        .to_owned();

    log.clear();
    // Each step is announced before its request is sent, so "step i of n has started"
    // reaches the notification while the step runs, not after it.
    let started: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let sink = {
        let (started, log) = (started.clone(), log.clone());
        move |update: ProgressUpdate| {
            if let ProgressUpdate::Submitted { operation } = update {
                let writes_sent = log
                    .requests()
                    .iter()
                    .filter(|request| request.method != "GET")
                    .count();
                started
                    .lock()
                    .expect("no test thread panicked")
                    .push((operation, writes_sent));
            }
        }
    };
    let saved = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &sink,
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    let SaveOutcome::Applied { note, .. } = saved else {
        panic!("expected a save, got {saved:?}");
    };
    assert_eq!(note, None);
    let principal = fixture.stored(&id)["identity"]["principalId"]
        .as_str()
        .expect("the system-assigned identity is on")
        .to_owned();
    assert_sent_as_reviewed(&log, &report.steps, Some(&principal));
    let mut announced: Vec<(String, usize)> = report
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| (step.title.clone(), index))
        .collect();
    announced.push(("Verify the registry's new key and identity".to_owned(), 3));
    assert_eq!(*started.lock().unwrap(), announced);

    let names: Vec<String> = fixture.sandbox.with_world(|world| {
        keyblade_sandbox::oracle::role_assignments_of(world, &principal)
            .iter()
            .map(|assignment| assignment.name.clone())
            .collect()
    });
    assert_eq!(names, [reviewed_name]);
    assert_eq!(fixture.oracle_health(&id), "accessible");
}

#[tokio::test]
async fn a_save_that_meets_a_503_still_ends_right() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let view = encryption::load_view(&session, &id).await.unwrap();
    let desired = DesiredChange {
        key_source: Default::default(),
        key_uri: format!(
            "{}keys/acr-pinned-key",
            fixture.vault_uri_string("kv-contoso-prod-cmk")
        ),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&identity("id-acr-prod")).unwrap(),
        },
        grant_access: false,
    };
    // The PATCH and the first poll of its operation are each answered 503 once.
    fixture.fault(
        route("PATCH", "(?i)/registries/crcontosoprod$"),
        FaultEffect::Status {
            status: 503,
            retry_after: Some(1),
        },
        Some(1),
    );
    fixture.fault(
        route("GET", "(?i)/registries/crcontosoprod/operationStatuses/"),
        FaultEffect::Status {
            status: 503,
            retry_after: Some(1),
        },
        Some(1),
    );
    let started = std::time::Instant::now();
    let saved = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &NoProgress,
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "both Retry-After waits were honoured"
    );
    let SaveOutcome::Applied { note, .. } = saved else {
        panic!("expected a save, got {saved:?}");
    };
    assert_eq!(note, None);
    let stored = fixture.stored(&id);
    assert_eq!(
        key_vault_properties(&stored)["keyIdentifier"],
        desired.key_uri.as_str()
    );
    assert_eq!(stored["properties"]["provisioningState"], "Succeeded");
    let faults_left = fixture.sandbox.with_world(|world| {
        world
            .faults
            .rules
            .iter()
            .filter(|r| r.count != Some(0))
            .count()
    });
    assert_eq!(faults_left, 0, "both faults were met");
}

#[tokio::test]
async fn a_registry_changed_elsewhere_is_not_overwritten() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let stale = encryption::load_view(&session, &id).await.unwrap();

    // Someone else attaches an identity meanwhile (through keyblade's own identity action,
    // which is guarded by the same ETag).
    let other = fixture.session();
    let changed = encryption::attach_identity(
        &other,
        &id,
        &identity("id-acr-rbac"),
        &etag(&stale),
        &NoProgress,
    )
    .await
    .unwrap();
    let IdentityChangeOutcome::Changed { identities } = changed else {
        panic!("expected the attach to succeed, got {changed:?}");
    };
    assert_eq!(identities.attached.len(), 2);
    let after_other = fixture.stored(&id);

    let desired = DesiredChange {
        key_source: Default::default(),
        key_uri: format!(
            "{}keys/acr-pinned-key",
            fixture.vault_uri_string("kv-contoso-prod-cmk")
        ),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&identity("id-acr-prod")).unwrap(),
        },
        grant_access: false,
    };
    let outcome = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&stale),
        &NoProgress,
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    match outcome {
        SaveOutcome::ChangedElsewhere {
            message,
            completed_steps,
        } => {
            assert!(message.contains("changed elsewhere"), "{message}");
            assert!(completed_steps.is_empty());
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let now = fixture.stored(&id);
    assert_eq!(
        now["identity"], after_other["identity"],
        "the other change stays"
    );
    assert_eq!(
        key_vault_properties(&now),
        key_vault_properties(&after_other)
    );

    // The identity action refuses a stale ETag the same way.
    let refused = encryption::enable_system_identity(&session, &id, &etag(&stale), &NoProgress)
        .await
        .unwrap();
    assert!(matches!(
        refused,
        IdentityChangeOutcome::ChangedElsewhere { .. }
    ));
    assert!(fixture.stored(&id)["identity"]["principalId"].is_null());
}

#[tokio::test]
async fn a_failed_step_says_which_and_that_encryption_is_unchanged() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let before = key_vault_properties(&fixture.stored(&id)).clone();
    let view = encryption::load_view(&session, &id).await.unwrap();
    fixture.fault(
        route("PATCH", "(?i)/registries/crcontosoprod$"),
        FaultEffect::FailOperation {
            code: "InternalServerError".into(),
            message: "injected by the test".into(),
        },
        Some(1),
    );
    let desired = DesiredChange {
        key_source: Default::default(),
        key_uri: format!(
            "{}keys/acr-pinned-key",
            fixture.vault_uri_string("kv-contoso-prod-cmk")
        ),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&identity("id-acr-prod")).unwrap(),
        },
        grant_access: false,
    };
    let recorder = Recorder::default();
    let outcome = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &recorder.sink(),
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    let SaveOutcome::Failed {
        failed_step,
        step_number,
        step_count,
        error,
        encryption_unchanged,
        summary,
        view: after,
        ..
    } = outcome
    else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert_eq!(failed_step.kind, StepKind::SetEncryptionKey);
    assert_eq!((step_number, step_count), (1, 1));
    assert_eq!(error.code, "azure.operationFailed");
    assert!(
        error.message.contains("injected by the test"),
        "{}",
        error.message
    );
    assert!(encryption_unchanged);
    assert!(summary.contains("unchanged"), "{summary}");
    assert_eq!(after.unwrap().health.status, HealthStatus::Healthy);
    assert!(matches!(
        recorder.updates().last(),
        Some(ProgressUpdate::Failed { .. })
    ));
    let now = key_vault_properties(&fixture.stored(&id)).clone();
    assert_eq!(now["keyIdentifier"], before["keyIdentifier"]);
    assert_eq!(now["identity"], before["identity"]);
}

#[tokio::test]
async fn saving_what_is_already_there_writes_nothing() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let view = encryption::load_view(&session, &id).await.unwrap();
    let desired = DesiredChange {
        key_source: Default::default(),
        key_uri: view.key.as_ref().unwrap().key_uri.clone(),
        identity: IdentityChoice::UserAssigned {
            resource_id: ResourceId::parse(&identity("id-acr-prod")).unwrap(),
        },
        grant_access: false,
    };
    let report = encryption::preflight(&session, &id, &desired)
        .await
        .unwrap();
    assert!(report.steps.is_empty());
    assert!(codes(&report.findings).contains(&"plan.noChange"));
    let outcome = encryption::save(
        &session,
        &id,
        &desired,
        &etag(&view),
        &NoProgress,
        &encryption::CancelSave::new(),
    )
    .await
    .unwrap();
    let SaveOutcome::Unchanged { view: after } = outcome else {
        panic!("expected no change, got {outcome:?}");
    };
    assert_eq!(after.etag, view.etag, "nothing was written");

    let invalid = encryption::preflight(
        &session,
        &id,
        &DesiredChange {
            key_source: Default::default(),
            key_uri: "https://kv-contoso-prod-cmk.vault.azure.net/secrets/x".to_owned(),
            ..desired
        },
    )
    .await
    .unwrap_err();
    assert_eq!(invalid.code(), "azure.invalidInput", "{invalid}");
}
