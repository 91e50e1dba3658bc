//! `cargo xtask soak`: 100 consecutive saves through keyblade-azure against the sandbox with
//! random faults on 20% of Resource Manager and Key Vault requests, including the kinds where
//! Azure applies a write and then fails to answer (500, 504, a reset connection), and a
//! propagation delay on new access; one registry update in ten outlasts keyblade's wait for
//! its operation. Each save's reported outcome is compared with the
//! sandbox's real state; an unfinished save is watched until it settles, then compared.
//!
//! ```text
//! cargo bench -p keyblade-azure --bench soak
//! KEYBLADE_SOAK_SAVES=200 KEYBLADE_SOAK_FAULT_RATE=0.3 cargo bench -p keyblade-azure --bench soak
//! ```
//!
//! It exits non-zero when any report disagrees with the sandbox, any save was left
//! half-applied, or any save hung: those must be 0.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use keyblade_azure::arm::lro::{LroSettings, NoProgress};
use keyblade_azure::encryption::{
    self, CancelSave, DesiredChange, IdentityChoice, SaveOutcome, SaveSettings,
};
use keyblade_azure::{HttpSettings, RetryPolicy, Session, load_cloud_from_metadata_url};
use keyblade_core::ResourceId;
use keyblade_sandbox::scenario::demo::{
    PROD_REGISTRIES_GROUP, PROD_SECURITY_GROUP, PROD_SUBSCRIPTION,
};
use keyblade_sandbox::{
    FaultEffect, FaultRule, RandomFaultKind, RouteMatcher, RunningSandbox, Sandbox, SandboxConfig,
};
use serde_json::Value;
use url::Url;

/// A save that takes longer than this (the watch of an unfinished one included) hangs.
const HANG: Duration = Duration::from_secs(300);

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("{name} must be a number, not `{text}`")),
        Err(_) => Ok(default),
    }
}

/// The registry's key and the identity it reaches it with, as the sandbox stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Encryption {
    key: Option<String>,
    identity: Option<String>,
}

fn registry_id() -> String {
    format!(
        "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_REGISTRIES_GROUP}/providers/Microsoft.ContainerRegistry/registries/crcontosoprod"
    )
}

fn stored_encryption(sandbox: &RunningSandbox) -> (Encryption, Option<String>) {
    let stored = sandbox
        .with_world(|world| keyblade_sandbox::oracle::raw_resource(world, &registry_id()))
        .unwrap_or(Value::Null);
    let properties = &stored["properties"]["encryption"]["keyVaultProperties"];
    let text = |value: &Value| value.as_str().map(str::to_ascii_lowercase);
    (
        Encryption {
            key: text(&properties["keyIdentifier"]),
            identity: text(&properties["identity"]),
        },
        text(&stored["properties"]["provisioningState"]),
    )
}

/// The choices the soak cycles through: automatic and pinned keys, a user-assigned identity,
/// and the system-assigned one (granted in the same save, so new access must propagate).
fn choices(sandbox: &RunningSandbox) -> Result<Vec<DesiredChange>, String> {
    let vault = format!(
        "https://kv-contoso-prod-cmk.vault.localhost:{}/keys",
        sandbox.port()
    );
    let pinned = sandbox.with_world(|world| {
        world
            .vaults
            .key("kv-contoso-prod-cmk", "acr-pinned-key")
            .and_then(|key| key.current())
            .map(|version| version.version.clone())
            .unwrap_or_default()
    });
    let user = IdentityChoice::UserAssigned {
        resource_id: ResourceId::parse(&format!(
            "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr-prod"
        ))
        .map_err(|e| e.to_string())?,
    };
    let change = |key: String, identity: IdentityChoice| DesiredChange {
        key_source: Default::default(),
        key_uri: key,
        identity,
        grant_access: true,
    };
    Ok(vec![
        change(format!("{vault}/storage-cmk-key"), user.clone()),
        change(format!("{vault}/acr-prod-key"), user.clone()),
        change(format!("{vault}/acr-pinned-key/{pinned}"), user.clone()),
        change(format!("{vault}/openai-cmk-key"), user),
        change(
            format!("{vault}/storage-cmk-key"),
            IdentityChoice::SystemAssigned,
        ),
    ])
}

#[derive(Default)]
struct Tally {
    applied: u32,
    unchanged: u32,
    in_progress: u32,
    refused: u32,
    changed_elsewhere: u32,
    not_attempted: u32,
    mismatched: u32,
    half_applied: u32,
    hangs: u32,
}

/// What the outcome claims the registry now holds: `true` the change, `false` the state
/// before, `None` nothing (still running, which the soak settles first).
fn claims_applied(outcome: &SaveOutcome) -> Option<bool> {
    match outcome {
        SaveOutcome::Applied { .. } => Some(true),
        SaveOutcome::Unchanged { .. }
        | SaveOutcome::Refused { .. }
        | SaveOutcome::ChangedElsewhere { .. } => Some(false),
        SaveOutcome::Failed {
            encryption_unchanged,
            ..
        } => encryption_unchanged.then_some(false),
        SaveOutcome::InProgress { .. } => None,
    }
}

fn label(outcome: &SaveOutcome) -> String {
    match outcome {
        SaveOutcome::Applied { note: Some(_), .. } => {
            "applied (an answer was lost; read back)".to_owned()
        }
        SaveOutcome::Failed {
            encryption_unchanged: true,
            error,
            step_number,
            ..
        } => format!("failed at step {step_number}, unchanged ({})", error.code),
        other => label_kind(other).to_owned(),
    }
}

fn label_kind(outcome: &SaveOutcome) -> &'static str {
    match outcome {
        SaveOutcome::Applied { .. } => "applied",
        SaveOutcome::Unchanged { .. } => "unchanged",
        SaveOutcome::InProgress { .. } => "in progress",
        SaveOutcome::Refused { .. } => "refused",
        SaveOutcome::ChangedElsewhere { .. } => "changed elsewhere",
        SaveOutcome::Failed {
            encryption_unchanged: true,
            ..
        } => "failed, unchanged",
        SaveOutcome::Failed { .. } => "failed, half-applied",
    }
}

/// Whether the sandbox's stored identity value is the one `desired` names.
fn identity_matches(stored: Option<&str>, desired: &DesiredChange, user_client_id: &str) -> bool {
    match &desired.identity {
        // ACR stores `system` or the system identity's client ID: anything but the UAI's.
        IdentityChoice::SystemAssigned => stored.is_some_and(|s| s != user_client_id),
        IdentityChoice::UserAssigned { .. } => stored == Some(user_client_id),
    }
}

fn same_key(stored: Option<&str>, desired: &DesiredChange) -> bool {
    stored == Some(desired.key_uri.to_ascii_lowercase().as_str())
}

async fn run() -> Result<bool, String> {
    let saves: u32 = env_number("KEYBLADE_SOAK_SAVES", 100)?;
    let fault_rate: f64 = env_number("KEYBLADE_SOAK_FAULT_RATE", 0.2)?;
    let propagation_secs: u64 = env_number("KEYBLADE_SOAK_PROPAGATION_SECS", 30)?;
    let sandbox = Sandbox::start(SandboxConfig {
        clock_speed: 20.0,
        ..SandboxConfig::default()
    })
    .await?;
    sandbox.with_world(|world| {
        // Automatic rotation would move the registry's version under the soak's feet.
        world.arm.settings.rotation_check_interval_secs = 2_000_000;
    });
    let http = HttpSettings {
        retry: RetryPolicy {
            max_retries: 4,
            max_wait: Duration::from_secs(2),
            base_backoff: Duration::from_millis(100),
        },
        ..HttpSettings::default()
    };
    let cloud = load_cloud_from_metadata_url(
        &Url::parse(&sandbox.metadata_url()).map_err(|e| e.to_string())?,
        vec![sandbox.ca_pem().to_owned()],
        &http,
    )
    .await
    .map_err(|e| e.to_string())?;
    let demo = sandbox.demo_credentials();
    let session = Session::client_secret(
        cloud,
        &http,
        LroSettings {
            default_poll_interval: Duration::from_millis(200),
            max_poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(3),
        },
        demo.tenant_id,
        demo.client_id,
        demo.client_secret.to_owned(),
    )
    .map_err(|e| e.to_string())?
    .with_save_settings(SaveSettings {
        propagation_timeout: Duration::from_secs(30),
        propagation_first_wait: Duration::from_millis(250),
        max_retry_wait: Duration::from_secs(2),
        settle_timeout: Duration::from_secs(1),
        watch_timeout: Duration::from_secs(120),
        watch_interval: Duration::from_millis(250),
    });
    let user_client_id = sandbox
        .with_world(|world| {
            keyblade_sandbox::oracle::raw_resource(
                world,
                &format!(
                    "/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/{PROD_SECURITY_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr-prod"
                ),
            )
        })
        .and_then(|identity| identity["properties"]["clientId"].as_str().map(str::to_ascii_lowercase))
        .ok_or("the demo has id-acr-prod")?;
    let choices = choices(&sandbox)?;
    sandbox.with_world(|world| {
        // One registry update in ten outlasts keyblade's wait for its operation (100
        // sandbox seconds are 5 s here, the wait is 3 s): those saves end "in progress" and
        // are settled by the watch.
        let slow = world.faults.add(FaultRule {
            id: 0,
            matcher: RouteMatcher {
                method: Some("PATCH".to_owned()),
                path_regex: Some("/registries/crcontosoprod$".to_owned()),
                ..RouteMatcher::default()
            },
            effect: FaultEffect::SlowOperation { extra_seconds: 100 },
            count: None,
            probability: Some(0.1),
        });
        if let Err(error) = slow {
            eprintln!("soak: the slow-operation rule was refused: {error}");
        }
        world.faults.random_fault_rate = fault_rate;
        world.faults.random_fault_kinds = RandomFaultKind::ALL.to_vec();
        world.propagation.delay_secs = propagation_secs;
    });
    println!(
        "soak: {saves} saves of crcontosoprod, {:.0}% random faults ({}), new access takes {propagation_secs} sandbox s",
        fault_rate * 100.0,
        RandomFaultKind::ALL.map(RandomFaultKind::name).join(", ")
    );

    let started = Instant::now();
    let mut tally = Tally::default();
    for index in 0..saves {
        let desired = &choices[index as usize % choices.len()];
        let (before, _) = stored_encryption(&sandbox);
        let attempt = tokio::time::timeout(HANG, async {
            let view = encryption::load_view(&session, &registry_id()).await?;
            let etag = view.etag.clone().unwrap_or_default();
            let outcome = encryption::save(
                &session,
                &registry_id(),
                desired,
                &etag,
                &NoProgress,
                &CancelSave::new(),
            )
            .await?;
            let settled = match &outcome {
                SaveOutcome::InProgress { watch, .. } => Some(
                    encryption::watch_until_settled(&session, watch, &CancelSave::new()).await?,
                ),
                _ => None,
            };
            Ok::<_, keyblade_azure::AzureError>((outcome, settled))
        })
        .await;
        let (after, provisioning) = stored_encryption(&sandbox);
        let is_before = after == before;
        let is_desired = same_key(after.key.as_deref(), desired)
            && identity_matches(after.identity.as_deref(), desired, &user_client_id);
        let verdict = match attempt {
            Err(_) => {
                tally.hangs += 1;
                "HANG".to_owned()
            }
            Ok(Err(error)) => {
                // Nothing was attempted: the registry or its facts could not be read.
                tally.not_attempted += 1;
                if !is_before {
                    tally.mismatched += 1;
                }
                format!("not attempted ({})", error.code())
            }
            Ok(Ok((outcome, settled))) => {
                if matches!(outcome, SaveOutcome::InProgress { .. }) {
                    tally.in_progress += 1;
                }
                let last = settled.as_ref().unwrap_or(&outcome);
                match last {
                    SaveOutcome::Applied { .. } => tally.applied += 1,
                    SaveOutcome::Refused { .. } => tally.refused += 1,
                    SaveOutcome::ChangedElsewhere { .. } => tally.changed_elsewhere += 1,
                    SaveOutcome::InProgress { .. } => {}
                    _ => tally.unchanged += 1,
                }
                let agrees = match claims_applied(last) {
                    Some(true) => is_desired,
                    Some(false) => is_before,
                    // Still running after the watch: only honest if the sandbox says so.
                    None => provisioning.as_deref().is_some_and(|p| p != "succeeded"),
                };
                if !agrees {
                    tally.mismatched += 1;
                }
                format!(
                    "{}{}{}",
                    label(&outcome),
                    settled
                        .as_ref()
                        .map(|s| format!(" → {}", label(s)))
                        .unwrap_or_default(),
                    if agrees { "" } else { "  MISMATCH" }
                )
            }
        };
        if !is_before && !is_desired {
            tally.half_applied += 1;
        }
        println!("save {:>3}: {verdict}", index + 1);
    }
    sandbox.with_world(|world| world.faults.random_fault_rate = 0.0);
    let elapsed = started.elapsed();
    println!();
    println!(
        "saves                     {saves} in {:.1} s",
        elapsed.as_secs_f64()
    );
    println!("applied                   {}", tally.applied);
    println!("unchanged                 {}", tally.unchanged);
    println!("in progress (then settled) {}", tally.in_progress);
    println!("refused                   {}", tally.refused);
    println!("changed elsewhere         {}", tally.changed_elsewhere);
    println!("not attempted             {}", tally.not_attempted);
    println!("mismatched reports        {} (must be 0)", tally.mismatched);
    println!(
        "half-applied              {} (must be 0)",
        tally.half_applied
    );
    println!("hangs                     {} (must be 0)", tally.hangs);
    sandbox.stop().await?;
    Ok(tally.mismatched == 0 && tally.half_applied == 0 && tally.hangs == 0)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; nothing here takes arguments.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("soak: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "soak: FAILED: a report disagreed with the sandbox, a save was half-applied, or a save hung"
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("soak: error: {error}");
            ExitCode::FAILURE
        }
    }
}
