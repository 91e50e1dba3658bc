//! A new key version and the rotation policy against the sandbox: planned, run, read back,
//! and checked in the sandbox's own state; the sandbox clock is advanced through its admin
//! API to let the registries' automatic rotation run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use keyblade_azure::HttpTransport;
use keyblade_azure::encryption::lifecycle::rotation::read_rotation;
use keyblade_azure::encryption::lifecycle::{self, LifecycleOutcome};
use keyblade_azure::transport::WireRequest;
use keyblade_core::lifecycle::LifecycleAction;
use keyblade_core::lifecycle::rotation::RotationPolicy;
use keyblade_sandbox::oracle::{LifetimeActionType, LifetimeTrigger};
use keyblade_sandbox::scenario::demo::SHARED_SUBSCRIPTION;
use serde_json::json;
use url::Url;

use common::{Fixture, Recorder, http_settings, key_vault_properties, registry};

const SHARED_AI_GROUP: &str = "rg-contoso-shared-ai";
const PROD_VAULT: &str = "kv-contoso-prod-cmk";
const PROD_KEY: &str = "acr-prod-key";
const PINNED_KEY: &str = "acr-pinned-key";

fn cognitive(name: &str) -> String {
    format!(
        "/subscriptions/{SHARED_SUBSCRIPTION}/resourceGroups/{SHARED_AI_GROUP}/providers/Microsoft.CognitiveServices/accounts/{name}"
    )
}

/// Lets the registries' automatic rotation run once an hour of sandbox time, starting an
/// hour from now (the common fixture keeps it out of the way of other tests).
fn hourly_rotation(fixture: &Fixture) {
    fixture.sandbox.with_world(|world| {
        world.arm.settings.rotation_check_interval_secs = 3600;
        world.arm.next_rotation_sweep_ms = Some(world.clock.now_unix_ms() + 3_600_000);
    });
}

/// `POST /_sandbox/clock/advance`, as an admin tool would call it.
/// Runs `action` as the review's Run button does for a plan that asks only for a review.
async fn run_reviewed(
    session: &keyblade_azure::Session,
    id: &str,
    action: &LifecycleAction,
) -> Result<LifecycleOutcome, keyblade_azure::AzureError> {
    lifecycle::run(
        session,
        id,
        action,
        &lifecycle::Confirmed::review(),
        &keyblade_azure::arm::lro::NoProgress,
        &keyblade_azure::cancel::Cancel::new(),
    )
    .await
}

async fn advance_clock(fixture: &Fixture, duration: &str) {
    let transport =
        HttpTransport::without_tokens(&[fixture.sandbox.ca_pem().to_owned()], &http_settings())
            .expect("transport builds");
    let url = Url::parse(&format!("{}/clock/advance", fixture.sandbox.admin_url()))
        .expect("admin URL is a URL");
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some((name, value)) = fixture.sandbox.admin_key_header() {
        headers.push((name.to_owned(), value.to_owned()));
    }
    let response = transport
        .send(WireRequest {
            method: reqwest::Method::POST,
            url,
            headers,
            body: Bytes::from(json!({ "duration": duration }).to_string()),
        })
        .await
        .expect("the admin API answers");
    assert_eq!(
        response.status,
        200,
        "clock advance: {}",
        String::from_utf8_lossy(&response.body)
    );
}

fn version_of(uri: &str) -> String {
    uri.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn codes(findings: &[keyblade_azure::encryption::FindingView]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

#[tokio::test]
async fn a_new_version_reaches_an_unversioned_registry_once_the_clock_moves() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let before = fixture.latest_version(PROD_VAULT, PROD_KEY);

    let plan = lifecycle::plan(&session, &id, &LifecycleAction::NewKeyVersion)
        .await
        .expect("plans");
    assert!(plan.can_run, "{:?}", plan.findings);
    assert_eq!(codes(&plan.findings), ["rotation.followsNewVersion"]);
    assert_eq!(plan.steps.len(), 1);
    let step = &plan.steps[0];
    assert_eq!(step.method, "POST");
    assert_eq!(
        step.path,
        format!(
            "{}keys/{PROD_KEY}/rotate?api-version=7.4",
            fixture.vault_uri_string(PROD_VAULT)
        )
    );
    assert_eq!(
        step.az_command,
        format!("az keyvault key rotate --vault-name {PROD_VAULT} --name {PROD_KEY}")
    );

    let recorder = Recorder::default();
    let outcome = lifecycle::run(
        &session,
        &id,
        &LifecycleAction::NewKeyVersion,
        &lifecycle::Confirmed::review(),
        &recorder.sink(),
        &keyblade_azure::cancel::Cancel::new(),
    )
    .await
    .expect("runs");
    let new_version = fixture.latest_version(PROD_VAULT, PROD_KEY);
    assert_ne!(new_version, before, "the sandbox has a new version");
    let LifecycleOutcome::Applied { message, view, .. } = &outcome else {
        panic!("applied: {outcome:?}");
    };
    assert!(message.contains(&new_version), "{message}");
    assert!(message.contains("within an hour"), "{message}");
    assert!(view.is_some(), "the blade is read back");
    assert!(
        recorder.updates().len() >= 4,
        "the call and its read-back are reported: {:?}",
        recorder.updates()
    );

    // Before the service's hourly check, the registry still uses its old version.
    let rotation = read_rotation(&session, &id).await.expect("reads");
    let key = rotation.key.expect("a customer-managed key");
    assert!(key.follows_new_versions);
    assert_eq!(key.latest_version.as_deref(), Some(new_version.as_str()));
    assert_ne!(key.version_in_use.as_deref(), Some(new_version.as_str()));
    assert!(key.versions_behind.is_some_and(|n| n >= 1), "{key:?}");
    assert!(key.policy_readable);

    hourly_rotation(&fixture);
    advance_clock(&fixture, "PT2H").await;
    let rotation = read_rotation(&session, &id).await.expect("reads");
    let key = rotation.key.expect("a customer-managed key");
    assert_eq!(key.version_in_use.as_deref(), Some(new_version.as_str()));
    assert_eq!(key.versions_behind, Some(0));
    assert!(key.last_rotation.is_some());
    let stored = fixture.stored(&id);
    let in_use = key_vault_properties(&stored)["versionedKeyIdentifier"]
        .as_str()
        .expect("a versioned key in use");
    assert_eq!(version_of(in_use), new_version, "the sandbox agrees");
}

#[tokio::test]
async fn a_pinned_registry_stays_on_its_version() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosopinned");
    let pinned_uri = key_vault_properties(&fixture.stored(&id))["keyIdentifier"]
        .as_str()
        .expect("a key")
        .to_owned();

    let plan = lifecycle::plan(&session, &id, &LifecycleAction::NewKeyVersion)
        .await
        .expect("plans");
    assert!(plan.can_run);
    assert_eq!(codes(&plan.findings), ["rotation.pinnedVersion"]);
    let outcome = run_reviewed(&session, &id, &LifecycleAction::NewKeyVersion)
        .await
        .expect("runs");
    let LifecycleOutcome::Applied { message, .. } = &outcome else {
        panic!("applied: {outcome:?}");
    };
    assert!(message.contains("Rotate to this version now"), "{message}");
    let new_version = fixture.latest_version(PROD_VAULT, PINNED_KEY);

    hourly_rotation(&fixture);
    advance_clock(&fixture, "PT2H").await;
    let rotation = read_rotation(&session, &id).await.expect("reads");
    let key = rotation.key.expect("a customer-managed key");
    assert!(!key.follows_new_versions);
    assert_eq!(key.version_in_use, Some(version_of(&pinned_uri)));
    assert_eq!(key.latest_version.as_deref(), Some(new_version.as_str()));
    assert!(key.versions_behind.is_some_and(|n| n >= 1), "{key:?}");
    assert!(
        key.latest_version_uri
            .as_deref()
            .is_some_and(|u| version_of(u) == new_version),
        "Rotate to this version now gets the newest versioned URI: {key:?}"
    );
    assert_eq!(
        key_vault_properties(&fixture.stored(&id))["keyIdentifier"].as_str(),
        Some(pinned_uri.as_str()),
        "the sandbox still has the pinned version"
    );
}

#[tokio::test]
async fn a_rotation_policy_is_saved_and_read_back() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let id = registry("crcontosoprod");
    let policy = RotationPolicy {
        rotate_after_create: Some("P90D".to_owned()),
        rotate_before_expiry: None,
        notify_before_expiry: Some("P30D".to_owned()),
        expiry_time: Some("P2Y".to_owned()),
    };
    let action = LifecycleAction::SetRotationPolicy {
        policy: policy.clone(),
    };

    // What the history keeps so the change can be undone: the policy before it.
    let before = keyblade_azure::encryption::history::previous_policy(&session, &id, &action)
        .await
        .expect("the policy before the change is read");
    assert_ne!(before, policy);

    let plan = lifecycle::plan(&session, &id, &action)
        .await
        .expect("plans");
    assert!(plan.can_run, "{:?}", plan.findings);
    assert_eq!(plan.steps[0].method, "PUT");
    assert!(
        plan.steps[0]
            .path
            .ends_with("/keys/acr-prod-key/rotationpolicy?api-version=7.4")
    );
    let outcome = run_reviewed(&session, &id, &action).await.expect("runs");
    assert!(
        matches!(outcome, LifecycleOutcome::Applied { .. }),
        "{outcome:?}"
    );

    let stored = fixture.sandbox.with_world(|world| {
        world
            .vaults
            .key(PROD_VAULT, PROD_KEY)
            .and_then(|k| k.rotation_policy.clone())
            .expect("the sandbox has a policy")
    });
    assert_eq!(stored.expiry_time.as_deref(), Some("P2Y"));
    assert!(
        stored
            .lifetime_actions
            .iter()
            .any(|a| a.action == LifetimeActionType::Rotate
                && a.trigger == LifetimeTrigger::TimeAfterCreate("P90D".to_owned()))
    );
    assert!(
        stored
            .lifetime_actions
            .iter()
            .any(|a| a.action == LifetimeActionType::Notify
                && a.trigger == LifetimeTrigger::TimeBeforeExpiry("P30D".to_owned()))
    );

    let key = read_rotation(&session, &id)
        .await
        .expect("reads")
        .key
        .expect("a key");
    assert_eq!(key.policy.as_ref(), Some(&policy));
    assert_eq!(
        key.policy_description,
        [
            "Rotates every 90 days",
            "Notifies 30 days before it expires",
            "New versions expire 2 years after they are created"
        ]
    );

    // Now the previous policy for an undo is the one just saved.
    assert_eq!(
        keyblade_azure::encryption::history::previous_policy(&session, &id, &action).await,
        Some(policy.clone())
    );

    // The same policy again writes nothing.
    let again = run_reviewed(&session, &id, &action).await.expect("runs");
    assert!(
        matches!(again, LifecycleOutcome::Unchanged { .. }),
        "{again:?}"
    );

    // Key Vault's minimums are checked before anything is sent.
    let too_soon = LifecycleAction::SetRotationPolicy {
        policy: RotationPolicy {
            rotate_after_create: Some("P3D".to_owned()),
            ..RotationPolicy::default()
        },
    };
    let refused = run_reviewed(&session, &id, &too_soon).await.expect("runs");
    let LifecycleOutcome::Refused { findings } = &refused else {
        panic!("refused: {refused:?}");
    };
    assert!(codes(findings).contains(&"rotation.policyInvalid"));
    let unchanged = fixture.sandbox.with_world(|world| {
        world
            .vaults
            .key(PROD_VAULT, PROD_KEY)
            .and_then(|k| k.rotation_policy.clone())
    });
    assert_eq!(
        unchanged.map(|p| p.expiry_time),
        Some(Some("P2Y".to_owned()))
    );
}

#[tokio::test]
async fn a_caller_without_the_permission_is_told_which_one() {
    let fixture = Fixture::start().await;
    let reader = fixture.reader();
    let id = registry("crcontosoprod");

    let key = read_rotation(&reader, &id)
        .await
        .expect("a missing permission is not an error")
        .key
        .expect("a key");
    assert!(!key.policy_readable);
    assert!(key.policy.is_none());
    let problem = key.problem.expect("the missing permission is said");
    assert!(problem.contains("getrotationpolicy"), "{problem}");

    let plan = lifecycle::plan(&reader, &id, &LifecycleAction::NewKeyVersion)
        .await
        .expect("plans");
    assert!(!plan.can_run);
    assert!(
        codes(&plan.findings).contains(&"rotation.permissionMissing"),
        "{:?}",
        plan.findings
    );
    let before = fixture.latest_version(PROD_VAULT, PROD_KEY);
    let outcome = run_reviewed(&reader, &id, &LifecycleAction::NewKeyVersion)
        .await
        .expect("runs");
    assert!(
        matches!(outcome, LifecycleOutcome::Refused { .. }),
        "{outcome:?}"
    );
    assert_eq!(fixture.latest_version(PROD_VAULT, PROD_KEY), before);
}

#[tokio::test]
async fn other_kinds_say_what_they_do_with_a_new_version() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let openai = cognitive("cog-contoso-openai");
    let plan = lifecycle::plan(&session, &openai, &LifecycleAction::NewKeyVersion)
        .await
        .expect("plans");
    assert!(plan.can_run, "{:?}", plan.findings);
    assert!(
        codes(&plan.findings).contains(&"rotation.needsVersionUpdate"),
        "{:?}",
        plan.findings
    );

    let nocmk = registry("crcontosonocmk");
    let plan = lifecycle::plan(&session, &nocmk, &LifecycleAction::NewKeyVersion)
        .await
        .expect("plans");
    assert!(!plan.can_run);
    assert_eq!(codes(&plan.findings), ["rotation.noCustomerManagedKey"]);
    let rotation = read_rotation(&session, &nocmk).await.expect("reads");
    assert!(rotation.key.is_none());

    let disabled = registry("crcontosodisabled");
    let plan = lifecycle::plan(&session, &disabled, &LifecycleAction::NewKeyVersion)
        .await
        .expect("plans");
    assert!(
        codes(&plan.findings).contains(&"key.disabled"),
        "{:?}",
        plan.findings
    );
}
