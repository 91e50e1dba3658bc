//! How long the Encryption blade takes against the sandbox's `large` scenario (20
//! subscriptions × 50 vaults × 100 keys, 500 registries) with a fixed latency added to
//! every request, as a plain table: median, 95th percentile, min and max over N runs.
//!
//! ```text
//! cargo bench -p keyblade-azure --bench encryption            # 30 ms, default runs
//! KEYBLADE_BENCH_RUNS=30 KEYBLADE_BENCH_LATENCY_MS=50 cargo bench -p keyblade-azure --bench encryption
//! ```
//!
//! A plain binary rather than criterion: a save takes seconds (the service's long-running
//! operation), so criterion's sampling would take many minutes, and its dependency tree
//! costs more to build on a 2-core machine than this whole measurement.
//!
//! "Cold" runs use a new session (sign-in token, Key Vault challenge, empty caches): the
//! first time a user opens the thing. "Warm" runs reuse one session, as the app does after
//! the first look.

use std::future::Future;
use std::time::{Duration, Instant};

use keyblade_azure::arm::lro::{LroSettings, NoProgress};
use keyblade_azure::cancel::Cancel;
use keyblade_azure::encryption::{
    self, DesiredChange, HealthStatus, IdentityChoice, KeyListAccess, SaveOutcome,
};
use keyblade_azure::home;
use keyblade_azure::{
    CloudSettings, HttpSettings, HttpTransport, KeybladeCredential, RequestLog, Session,
    load_cloud_from_metadata_url,
};
use keyblade_core::ResourceId;
use keyblade_sandbox::scenario::large;
use keyblade_sandbox::{Sandbox, SandboxConfig};
use url::Url;

fn env_number(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("{name} must be a whole number, not `{text}`")),
        Err(_) => Ok(default),
    }
}

struct Row {
    operation: String,
    samples: Vec<Duration>,
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    // Nearest rank: the smallest sample with at least `fraction` of the samples at or below it.
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn millis(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

impl Row {
    fn print(&self) {
        let mut sorted = self.samples.clone();
        sorted.sort();
        if sorted.is_empty() {
            return;
        }
        println!(
            "| {:<62} | {:>4} | {:>8} | {:>8} | {:>8} | {:>8} |",
            self.operation,
            sorted.len(),
            millis(percentile(&sorted, 0.5)),
            millis(percentile(&sorted, 0.95)),
            millis(sorted[0]),
            millis(sorted[sorted.len() - 1]),
        );
    }
}

/// Times `runs` calls of `run(i)`.
async fn measure<F, Fut>(operation: &str, runs: u64, mut run: F) -> Result<Row, String>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<Duration, String>>,
{
    let mut samples = Vec::new();
    for i in 0..runs {
        samples.push(run(i).await?);
    }
    let row = Row {
        operation: operation.to_owned(),
        samples,
    };
    row.print();
    Ok(row)
}

struct Bench {
    cloud: CloudSettings,
}

impl Bench {
    fn session(&self) -> Result<Session, String> {
        let demo = keyblade_sandbox::DEMO;
        Session::client_secret(
            self.cloud.clone(),
            &HttpSettings::default(),
            LroSettings::default(),
            demo.tenant_id,
            demo.client_id,
            demo.client_secret.to_owned(),
        )
        .map_err(|e| e.to_string())
    }

    /// A new session whose transport records every request it sends.
    fn recorded_session(&self) -> Result<(Session, RequestLog), String> {
        let demo = keyblade_sandbox::DEMO;
        let cloud = std::sync::Arc::new(self.cloud.clone());
        let log = RequestLog::default();
        let transport = HttpTransport::for_cloud(cloud.clone(), &HttpSettings::default())
            .map_err(|e| e.to_string())?
            .with_request_log(log.clone());
        let credential = KeybladeCredential::client_secret(
            cloud,
            &transport,
            demo.tenant_id,
            demo.client_id,
            demo.client_secret.to_owned(),
        )
        .map_err(|e| e.to_string())?;
        Ok((
            Session::new(credential, transport, LroSettings::default()),
            log,
        ))
    }
}

/// Resource Manager and Key Vault requests in a log (sign-in requests left out).
fn count_requests(log: &RequestLog) -> (usize, usize) {
    let requests = log.requests();
    let key_vault = requests
        .iter()
        .filter(|r| r.url.host_str().unwrap_or_default().contains(".vault."))
        .count();
    let sign_in = requests
        .iter()
        .filter(|r| r.url.path().contains("/oauth2/"))
        .count();
    (requests.len() - key_vault - sign_in, key_vault)
}

/// Home against the large scenario: the Resource Graph listing (first page, all pages), the
/// health of every resource, and how many requests each takes.
async fn home_rows(bench: &Bench, runs: u64) -> Result<Vec<String>, String> {
    let resources = large::SUBSCRIPTIONS * large::REGISTRIES_PER_SUBSCRIPTION;
    let cmk = large::SUBSCRIPTIONS * large::REGISTRIES_PER_SUBSCRIPTION.div_ceil(2);
    // Warm-up, untimed: the sandbox makes each key's material on its first read.
    let warm_up = bench.session()?;
    let listing = home::list_encrypted_resources(&warm_up, None, &|_| {})
        .await
        .map_err(|e| e.to_string())?;
    let ids: Vec<String> = listing.rows.iter().map(|r| r.id.clone()).collect();
    home::check_health(&warm_up, &ids, false, &|_| {}, &Cancel::new()).await;

    let mut notes = Vec::new();
    for (label, page_size) in [("pages of 1000", 1000u32), ("pages of 100", 100)] {
        let counts = std::sync::Mutex::new((0, 0, 0));
        measure(
            &format!("Home: first page of rows (Resource Graph, {label}), cold"),
            runs,
            |_| {
                let recorded = bench.recorded_session();
                let counts = &counts;
                async move {
                    let (session, log) = recorded?;
                    let started = Instant::now();
                    let first: std::sync::Mutex<Option<Duration>> = Default::default();
                    let listing =
                        home::list_encrypted_resources_by(&session, None, page_size, &|_| {
                            let mut first = first.lock().unwrap_or_else(|e| e.into_inner());
                            first.get_or_insert(started.elapsed());
                        })
                        .await
                        .map_err(|e| e.to_string())?;
                    if listing.rows.len() != resources {
                        return Err(format!("Home listed {} rows", listing.rows.len()));
                    }
                    *counts.lock().unwrap_or_else(|e| e.into_inner()) = (
                        listing.pages as usize,
                        count_requests(&log).0,
                        started.elapsed().as_millis() as usize,
                    );
                    let first = first
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .unwrap_or_default();
                    Ok(first)
                }
            },
        )
        .await?;
        let counts = *counts.lock().unwrap_or_else(|e| e.into_inner());
        notes.push(format!(
            "Home listing of {resources} resources in {label}: {} Resource Graph pages, {} ARM \
             requests in all (the subscription list and one POST per page), all pages in {} ms",
            counts.0, counts.1, counts.2
        ));
    }
    let health_counts = std::sync::Mutex::new((0, 0));
    measure(
        &format!("Home: health of all {resources} resources, cold"),
        runs,
        |_| {
            let recorded = bench.recorded_session();
            let health_counts = &health_counts;
            async move {
                let (session, log) = recorded?;
                let listing = home::list_encrypted_resources(&session, None, &|_| {})
                    .await
                    .map_err(|e| e.to_string())?;
                let ids: Vec<String> = listing.rows.iter().map(|r| r.id.clone()).collect();
                log.clear();
                let (elapsed, checked) = timed(async {
                    Ok::<_, String>(
                        home::check_health(&session, &ids, false, &|_| {}, &Cancel::new()).await,
                    )
                })
                .await?;
                let healthy = checked
                    .iter()
                    .filter(|h| h.health.status == HealthStatus::Healthy)
                    .count();
                if checked.len() != resources || healthy != cmk {
                    return Err(format!(
                        "checked {} resources, {healthy} healthy",
                        checked.len()
                    ));
                }
                *health_counts.lock().unwrap_or_else(|e| e.into_inner()) = count_requests(&log);
                Ok(elapsed)
            }
        },
    )
    .await?;
    let health_counts = *health_counts.lock().unwrap_or_else(|e| e.into_inner());
    notes.push(format!(
        "Home health of {resources} resources ({} with a customer-managed key, in {} vaults): \
         {} ARM requests (vault lists per subscription, identities), {} Key Vault requests",
        cmk,
        large::SUBSCRIPTIONS,
        health_counts.0,
        health_counts.1
    ));
    Ok(notes)
}

fn registry_id(subscription: usize, registry: usize) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/{}",
        large::subscription_id(subscription),
        large::registry_name(subscription, registry)
    )
}

fn identity_id(subscription: usize) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-keys/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-large-{subscription:02}",
        large::subscription_id(subscription)
    )
}

async fn timed<T, E: std::fmt::Display>(
    future: impl Future<Output = Result<T, E>>,
) -> Result<(Duration, T), String> {
    let started = Instant::now();
    let value = future.await.map_err(|e| e.to_string())?;
    Ok((started.elapsed(), value))
}

async fn run() -> Result<(), String> {
    let runs = env_number("KEYBLADE_BENCH_RUNS", 20)?;
    let save_runs = env_number("KEYBLADE_BENCH_SAVE_RUNS", 10)?;
    let latency_ms = env_number("KEYBLADE_BENCH_LATENCY_MS", 30)?;
    let started = Instant::now();
    let sandbox = Sandbox::start(SandboxConfig {
        scenario: "large".to_owned(),
        latency_ms,
        ..SandboxConfig::default()
    })
    .await?;
    let startup = started.elapsed();
    let cloud = load_cloud_from_metadata_url(
        &Url::parse(&sandbox.metadata_url()).map_err(|e| e.to_string())?,
        vec![sandbox.ca_pem().to_owned()],
        &HttpSettings::default(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let bench = Bench { cloud };
    let operation_ms = sandbox.with_world(|world| world.arm.settings.operation_duration_ms);

    println!(
        "keyblade-azure encryption benchmark: sandbox `large` ({} subscriptions × {} vaults × {} \
         keys, {} registries), {latency_ms} ms latency per request, registry operations take \
         {operation_ms} ms; sandbox started in {}",
        large::SUBSCRIPTIONS,
        large::VAULTS_PER_SUBSCRIPTION,
        large::KEYS_PER_VAULT,
        large::SUBSCRIPTIONS * large::REGISTRIES_PER_SUBSCRIPTION,
        millis(startup)
    );
    println!();
    println!(
        "| {:<62} | {:>4} | {:>8} | {:>8} | {:>8} | {:>8} |",
        "operation", "runs", "median", "p95", "min", "max"
    );
    println!(
        "|{:-<64}|{:->6}|{:->10}|{:->10}|{:->10}|{:->10}|",
        "", "", "", "", "", ""
    );

    // The blade: CMK registries are the even ones, spread over the subscriptions.
    let cmk_registry =
        |i: u64| registry_id(i as usize % large::SUBSCRIPTIONS, (i as usize * 2) % 24);
    // The sandbox makes a key's material on its first read (so that the scenario builds in
    // seconds); read every key the runs use once, so that the sandbox's RSA key generation
    // is not timed as keyblade's.
    let warm_up = bench.session()?;
    for i in 0..runs {
        encryption::load_view(&warm_up, &cmk_registry(i))
            .await
            .map_err(|e| e.to_string())?;
    }
    measure(
        "Encryption blade (load_view), cold: new session",
        runs,
        |i| {
            let id = cmk_registry(i);
            let session = bench.session();
            async move {
                let session = session?;
                let (elapsed, view) = timed(encryption::load_view(&session, &id)).await?;
                if view.health.status != HealthStatus::Healthy {
                    return Err(format!("{id} is not healthy: {:?}", view.health));
                }
                Ok(elapsed)
            }
        },
    )
    .await?;
    let warm = bench.session()?;
    encryption::load_view(&warm, &cmk_registry(0))
        .await
        .map_err(|e| e.to_string())?;
    measure(
        "Encryption blade (load_view), warm: same session",
        runs,
        |_| {
            let id = cmk_registry(0);
            let session = &warm;
            async move { Ok(timed(encryption::load_view(session, &id)).await?.0) }
        },
    )
    .await?;

    let subscription = large::subscription_id(3);
    measure("50 key vaults, ARM list only, cold", runs, |_| {
        let session = bench.session();
        let subscription = subscription.clone();
        async move {
            let session = session?;
            let (elapsed, vaults) = timed(session.arm.list_vaults(&subscription)).await?;
            if vaults.len() != large::VAULTS_PER_SUBSCRIPTION {
                return Err(format!("listed {} vaults", vaults.len()));
            }
            Ok(elapsed)
        }
    })
    .await?;
    measure(
        "50 key vaults with key-listing access (list_vaults), cold",
        runs,
        |_| {
            let session = bench.session();
            let subscription = subscription.clone();
            async move {
                let session = session?;
                let (elapsed, vaults) =
                    timed(encryption::list_vaults(&session, &subscription)).await?;
                let listable = vaults
                    .iter()
                    .filter(|v| matches!(v.keys, KeyListAccess::Allowed))
                    .count();
                if listable != large::VAULTS_PER_SUBSCRIPTION {
                    return Err(format!("{listable} vaults could have their keys listed"));
                }
                Ok(elapsed)
            }
        },
    )
    .await?;
    // The same with the sign-in's tokens and connections already there (the app's case once
    // anything has been read): only the lists are read again.
    let warm_vaults = bench.session()?;
    encryption::list_vaults(&warm_vaults, &subscription)
        .await
        .map_err(|e| e.to_string())?;
    measure(
        "50 key vaults with key-listing access (list_vaults), warm",
        runs,
        |_| {
            let session = &warm_vaults;
            let subscription = subscription.clone();
            async move {
                session.invalidate_all();
                Ok(timed(encryption::list_vaults(session, &subscription))
                    .await?
                    .0)
            }
        },
    )
    .await?;
    let vault_uri = sandbox.endpoints().vault_uri(&large::vault_name(5, 7));
    // The vault list checks access with each vault's first page and reads the rest in the
    // background: the key picker a person opens next (here half a second later) should
    // answer from what that read kept.
    measure(
        "100 keys of a vault, 0.5 s after the vault list (list_keys)",
        runs,
        |_| {
            let session = bench.session();
            let subscription = subscription.clone();
            async move {
                let session = session?;
                let vaults = encryption::list_vaults(&session, &subscription)
                    .await
                    .map_err(|e| e.to_string())?;
                // A vault of the list just read: the one a person picks next.
                let vault_uri = vaults
                    .get(7)
                    .and_then(|vault| vault.vault_uri.clone())
                    .ok_or("the vault list has no eighth vault with a URI")?;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let (elapsed, keys) = timed(encryption::list_keys(&session, &vault_uri)).await?;
                if keys.len() != large::KEYS_PER_VAULT {
                    return Err(format!("listed {} keys", keys.len()));
                }
                Ok(elapsed)
            }
        },
    )
    .await?;
    measure("100 keys of a vault (list_keys), cold", runs, |_| {
        let session = bench.session();
        let vault_uri = vault_uri.clone();
        async move {
            let session = session?;
            let (elapsed, keys) = timed(encryption::list_keys(&session, &vault_uri)).await?;
            if keys.len() != large::KEYS_PER_VAULT {
                return Err(format!("listed {} keys", keys.len()));
            }
            Ok(elapsed)
        }
    })
    .await?;
    let versions_session = bench.session()?;
    measure("versions of a key (list_key_versions), warm", runs, |i| {
        let session = &versions_session;
        let vault_uri = vault_uri.clone();
        async move {
            session.invalidate_all();
            let key = format!("key-{:03}", i % 100);
            Ok(
                timed(encryption::list_key_versions(session, &vault_uri, &key))
                    .await?
                    .0,
            )
        }
    })
    .await?;

    let home_runs = env_number("KEYBLADE_BENCH_HOME_RUNS", 3)?;
    let notes = home_rows(&bench, home_runs).await?;

    // Change key: preflight, then Save until verified, alternating two keys of the vault the
    // registry's identity may use.
    let session = bench.session()?;
    let registry = registry_id(1, 0);
    let first_vault = sandbox.endpoints().vault_uri(&large::vault_name(1, 0));
    let identity = IdentityChoice::UserAssigned {
        resource_id: ResourceId::parse(&identity_id(1)).map_err(|e| e.to_string())?,
    };
    let desired = |i: u64| DesiredChange {
        key_source: Default::default(),
        key_uri: format!("{first_vault}keys/key-{:03}", 1 + i % 2),
        identity: identity.clone(),
        grant_access: false,
    };
    for i in 0..2 {
        encryption::preflight(&session, &registry, &desired(i))
            .await
            .map_err(|e| e.to_string())?;
    }
    for i in 0..2 {
        encryption::preflight(&session, &registry, &desired(i))
            .await
            .map_err(|e| e.to_string())?;
    }
    measure("preflight of a key change, warm", runs, |i| {
        let session = &session;
        let registry = registry.clone();
        let desired = desired(i);
        async move {
            let (elapsed, report) =
                timed(encryption::preflight(session, &registry, &desired)).await?;
            if !report.can_save {
                return Err(format!("preflight refused: {:?}", report.findings));
            }
            Ok(elapsed)
        }
    })
    .await?;
    let save_row = |label: &'static str| {
        let session = &session;
        let registry = registry.clone();
        move |i: u64| {
            let registry = registry.clone();
            let desired = desired(i);
            async move {
                let view = encryption::load_view(session, &registry)
                    .await
                    .map_err(|e| e.to_string())?;
                let etag = view.etag.ok_or("the registry has no ETag")?;
                let (elapsed, outcome) = timed(encryption::save(
                    session,
                    &registry,
                    &desired,
                    &etag,
                    &NoProgress,
                    &encryption::CancelSave::new(),
                ))
                .await?;
                match outcome {
                    SaveOutcome::Applied { .. } => Ok(elapsed),
                    other => Err(format!("{label}: the save ended {other:?}")),
                }
            }
        }
    };
    measure(
        &format!("Save → verified ({operation_ms} ms registry operation)"),
        save_runs,
        save_row("save"),
    )
    .await?;
    sandbox.with_world(|world| world.arm.settings.operation_duration_ms = 0);
    measure(
        "Save → verified (instant operation: Retry-After 1 s floor)",
        save_runs,
        save_row("instant save"),
    )
    .await?;
    println!();
    for note in notes {
        println!("{note}");
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the async runtime: {e}"))?;
    runtime.block_on(run())
}
