//! Home against the sandbox: the one Resource Graph query and its paging, the rows it makes,
//! and the health of every row state, checked against the sandbox's own verdict.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::Mutex;

use common::Fixture;
use keyblade_azure::arm::graph::ENCRYPTED_RESOURCES_QUERY;
use keyblade_azure::cancel::Cancel;
use keyblade_azure::encryption::Rotation;
use keyblade_azure::encryption::view::{HealthStatus, IdentityKind, KeySource};
use keyblade_azure::home::{self, HomeHealth, HomeListing, HomeRow, RotationPolicyStatus};
use keyblade_core::ResourceKind;
use keyblade_sandbox::scenario::demo::{DEV_SUBSCRIPTION, PROD_SUBSCRIPTION, SHARED_SUBSCRIPTION};

fn all_subscriptions() -> Vec<String> {
    [PROD_SUBSCRIPTION, DEV_SUBSCRIPTION, SHARED_SUBSCRIPTION]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

fn row<'a>(rows: &'a [HomeRow], name: &str) -> &'a HomeRow {
    rows.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("{name} is listed"))
}

/// What the sandbox's resources are, from its own store: every registry, storage account
/// and Cognitive Services account of the subscriptions.
fn sandbox_resource_ids(fixture: &Fixture) -> Vec<String> {
    let mut ids: Vec<String> = fixture.sandbox.with_world(|world| {
        all_subscriptions()
            .iter()
            .flat_map(|s| {
                world
                    .arm
                    .resources_under(&format!("/subscriptions/{s}"), None)
                    .filter(|r| {
                        let t = r.resource_type().to_ascii_lowercase();
                        t == "microsoft.containerregistry/registries"
                            || t == "microsoft.storage/storageaccounts"
                            || t == "microsoft.cognitiveservices/accounts"
                    })
                    .map(|r| r.id().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    ids.sort();
    ids
}

/// The listed resource IDs, lower-cased and sorted, as [`sandbox_resource_ids`] gives them.
fn listed_ids(listing: &HomeListing) -> Vec<String> {
    let mut ids: Vec<String> = listing
        .rows
        .iter()
        .map(|r| r.id.to_ascii_lowercase())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_query_pages_through_every_encrypted_resource() {
    let fixture = Fixture::start().await;
    let (session, log) = fixture.recorded_session();
    let expected = sandbox_resource_ids(&fixture);
    assert!(expected.len() > 10, "the demo has many resources");

    // Pages of 4 rows: the listing follows $skipToken to the end, one POST per page.
    log.clear();
    let progress: Mutex<Vec<u32>> = Mutex::default();
    let listing = home::list_encrypted_resources_by(&session, None, 4, &|p| {
        progress.lock().unwrap().push(p.rows);
    })
    .await
    .expect("Home lists");
    assert_eq!(
        listed_ids(&listing),
        expected,
        "every resource once, nothing else"
    );
    let pages = expected.len().div_ceil(4);
    assert_eq!(listing.pages as usize, pages);
    assert_eq!(listing.subscriptions, 3);
    let graph_posts: Vec<_> = log
        .requests()
        .into_iter()
        .filter(|r| {
            r.url
                .path()
                .ends_with("/providers/Microsoft.ResourceGraph/resources")
        })
        .collect();
    assert_eq!(graph_posts.len(), pages, "one request per page");
    assert!(graph_posts.iter().all(|r| r.method == "POST"));
    assert!(
        graph_posts
            .iter()
            .all(|r| r.path_and_query().contains("api-version=2022-10-01"))
    );
    let arm_gets_of_resources = log
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.url.path().contains("/registries/"))
        .count();
    assert_eq!(arm_gets_of_resources, 0, "no GET per resource");
    assert_eq!(progress.lock().unwrap().len(), pages);
    assert_eq!(
        *progress.lock().unwrap().last().unwrap() as usize,
        expected.len()
    );
    // Ordered by name.
    let names: Vec<String> = listing.rows.iter().map(|r| r.name.to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // The same query, one page of everything, gives the same rows.
    let one = session
        .arm
        .resource_graph_page(ENCRYPTED_RESOURCES_QUERY, &all_subscriptions(), 1000, None)
        .await
        .expect("the query runs in one page");
    assert_eq!(one.rows.len(), expected.len());
    assert_eq!(one.skip_token, None);
    assert_eq!(one.total_records, Some(expected.len() as u64));

    // The subscription filter narrows the search.
    let dev =
        home::list_encrypted_resources(&session, Some(&[DEV_SUBSCRIPTION.to_uppercase()]), &|_| {})
            .await
            .expect("Home lists one subscription");
    assert_eq!(dev.subscriptions, 1);
    assert!(!dev.rows.is_empty());
    assert!(
        dev.rows
            .iter()
            .all(|r| r.subscription_id.eq_ignore_ascii_case(DEV_SUBSCRIPTION))
    );
    let none = home::list_encrypted_resources(&session, Some(&[]), &|_| {})
        .await
        .expect("no subscription, no rows");
    assert!(none.rows.is_empty());
    assert_eq!(none.pages, 0);
    fixture.sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_say_how_each_resource_is_encrypted() {
    let fixture = Fixture::start().await;
    let session = fixture.session();
    let listing = home::list_encrypted_resources(&session, None, &|_| {})
        .await
        .expect("Home lists");
    let rows = &listing.rows;

    let prod = row(rows, "crcontosoprod");
    assert_eq!(prod.kind, ResourceKind::ContainerRegistry);
    assert_eq!(prod.key_source, KeySource::CustomerManaged);
    assert_eq!(
        prod.subscription_name.as_deref(),
        Some("Contoso Production")
    );
    assert!(
        prod.resource_group
            .eq_ignore_ascii_case("rg-contoso-registries")
            || !prod.resource_group.is_empty()
    );
    let key = prod.key.as_ref().expect("a key");
    assert_eq!(key.rotation, Rotation::Automatic);
    assert_eq!(key.vault_name, "kv-contoso-prod-cmk");
    assert!(!prod.location.is_empty());
    assert!(prod.identity.is_some());

    let pinned = row(rows, "crcontosopinned");
    let key = pinned.key.as_ref().expect("a key");
    assert_eq!(key.rotation, Rotation::Manual);
    assert!(key.version.is_some(), "a pinned key names its version");

    let fw = row(rows, "crcontosofw");
    assert_eq!(
        fw.identity.as_ref().map(|i| i.kind),
        Some(IdentityKind::SystemAssigned)
    );

    let plain = row(rows, "crcontosonocmk");
    assert_eq!(plain.key_source, KeySource::MicrosoftManaged);
    assert!(plain.key.is_none() && plain.identity.is_none());

    let storage = row(rows, "stcontosocmk");
    assert_eq!(storage.kind, ResourceKind::StorageAccount);
    assert_eq!(storage.key_source, KeySource::CustomerManaged);
    let ai = row(rows, "cog-contoso-openai");
    assert_eq!(ai.kind, ResourceKind::CognitiveServicesAccount);
    assert_eq!(ai.key_source, KeySource::CustomerManaged);
    assert_eq!(
        row(rows, "stcontosoplain").key_source,
        KeySource::MicrosoftManaged
    );
    assert_eq!(
        row(rows, "cog-contoso-language").key_source,
        KeySource::MicrosoftManaged
    );
    assert!(rows.iter().all(|r| r.unreadable.is_none()), "{rows:#?}");
    fixture.sandbox.stop().await.unwrap();
}

async fn health_of(
    session: &keyblade_azure::Session,
    rows: &[HomeRow],
) -> HashMap<String, HomeHealth> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let progress: Mutex<Vec<(u32, u32)>> = Mutex::default();
    let checked = home::check_health(
        session,
        &ids,
        false,
        &|p| progress.lock().unwrap().push((p.checked, p.total)),
        &Cancel::new(),
    )
    .await;
    assert_eq!(checked.len(), ids.len(), "every resource checked");
    let progress = progress.lock().unwrap();
    assert_eq!(progress.len(), ids.len());
    assert_eq!(progress.last(), Some(&(ids.len() as u32, ids.len() as u32)));
    let names: HashMap<String, String> = rows
        .iter()
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    checked
        .into_iter()
        .map(|h| (names[&h.id].clone(), h))
        .collect()
}

/// Every row state, with the blade's rules; the sandbox's own verdict agrees on each
/// customer-managed key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_of_every_row_state_follows_the_blade_and_the_sandbox() {
    let fixture = Fixture::start().await;
    let (session, log) = fixture.recorded_session();
    let listing = home::list_encrypted_resources(&session, None, &|_| {})
        .await
        .expect("Home lists");
    log.clear();
    let health = health_of(&session, &listing.rows).await;
    let requests = log.requests();

    use HealthStatus::*;
    let table: &[(&str, HealthStatus)] = &[
        ("crcontosoprod", Healthy),
        ("crcontosopinned", Healthy),
        ("crcontosorbac", Healthy),
        // The vault's firewall admits the registry (trusted services) but not keyblade:
        // unknown, with why, as the blade says.
        ("crcontosofw", Unknown),
        ("crcontosorevoked", Unhealthy),
        ("crcontosodisabled", Unhealthy),
        ("crcontosoorphan", Unhealthy),
        ("crcontosonocmk", NotApplicable),
        ("crcontosobasic", NotApplicable),
        ("stcontosocmk", Healthy),
        ("stcontosoplain", NotApplicable),
        ("cog-contoso-openai", Healthy),
        ("cog-contoso-language", NotApplicable),
    ];
    for (name, status) in table {
        let h = &health[*name];
        assert_eq!(h.health.status, *status, "{name}: {:?}", h.health);
        let id = &h.id;
        let oracle = fixture.oracle_health(id);
        match status {
            Healthy => assert_eq!(oracle, "accessible", "{name}"),
            Unhealthy => assert!(oracle.starts_with("inaccessible"), "{name}: {oracle}"),
            Unknown => assert!(
                h.health.summary.contains("firewall"),
                "{name}: {:?}",
                h.health
            ),
            _ => assert!(oracle.starts_with("not applicable"), "{name}: {oracle}"),
        }
        if *status == NotApplicable {
            assert!(h.key.is_none(), "{name}");
        }
    }
    // The reason is the blade's own.
    let revoked = &health["crcontosorevoked"];
    let view = keyblade_azure::encryption::load_view(&session, &revoked.id)
        .await
        .expect("the blade loads");
    assert_eq!(view.health.summary, revoked.health.summary);
    assert!(!revoked.health.problems.is_empty());

    // Key lifecycle: the production registry follows its key, which has a newer version
    // not yet picked up; the pinned one names its version.
    let prod = health["crcontosoprod"].key.as_ref().expect("key facts");
    assert!(prod.unreadable.is_none(), "{prod:?}");
    assert!(prod.created.is_some());
    assert!(prod.versions_behind.is_some());
    assert_ne!(prod.rotation_policy, RotationPolicyStatus::Unknown);
    let pinned = health["crcontosopinned"].key.as_ref().expect("key facts");
    assert!(pinned.versions_behind.unwrap_or(0) >= 1, "{pinned:?}");

    // Resource Manager was not asked once per resource: no resource GETs, no permission
    // checks; vault lists, identities and role assignments are read once per subscription,
    // identity or vault.
    let arm: Vec<_> = requests
        .iter()
        .filter(|r| !r.url.host_str().unwrap_or_default().contains(".vault."))
        .filter(|r| !r.url.path().contains("/oauth2/"))
        .collect();
    assert!(
        arm.iter().all(|r| !r.url.path().contains("/registries/")
            && !r.url.path().contains("/storageAccounts/")
            && !r.url.path().ends_with("/permissions")),
        "{:#?}",
        arm.iter().map(|r| r.path_and_query()).collect::<Vec<_>>()
    );
    let mut paths: Vec<String> = arm.iter().map(|r| r.path_and_query()).collect();
    paths.sort();
    let mut distinct = paths.clone();
    distinct.dedup();
    for path in &distinct {
        // Once; a read that failed (the deleted identity's 404) is not cached, so the check
        // that needs it reads it once more.
        let times = paths.iter().filter(|p| *p == path).count();
        let limit = if path.contains("id-acr-orphan") { 2 } else { 1 };
        assert!(times <= limit, "{path} read {times} times");
    }

    // Cached: a second check asks nothing; a refresh asks again.
    log.clear();
    health_of(&session, &listing.rows).await;
    assert!(log.requests().is_empty(), "{:?}", log.requests());
    fixture.sandbox.stop().await.unwrap();
}

/// A principal that cannot read the vaults sees "unknown" with the reason, not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vault_you_cannot_read_is_unknown_with_the_reason() {
    let fixture = Fixture::start().await;
    let session = fixture.reader();
    let listing = home::list_encrypted_resources(&session, None, &|_| {})
        .await
        .expect("a reader lists");
    let health = health_of(&session, &listing.rows).await;
    let prod = &health["crcontosoprod"];
    assert_eq!(
        prod.health.status,
        HealthStatus::Unknown,
        "{:?}",
        prod.health
    );
    assert!(!prod.health.summary.is_empty());
    let not_listed = home::check_health(
        &session,
        &[
            "/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerRegistry/registries/z"
                .to_owned(),
        ],
        false,
        &|_| {},
        &Cancel::new(),
    )
    .await;
    assert_eq!(not_listed[0].health.status, HealthStatus::Unknown);
    assert!(not_listed[0].health.summary.contains("Refresh"));
    // A cancelled check stops before asking anything.
    let cancel = Cancel::new();
    cancel.cancel();
    let ids: Vec<String> = listing.rows.iter().map(|r| r.id.clone()).collect();
    let none = home::check_health(&session, &ids, true, &|_| {}, &cancel).await;
    assert!(none.is_empty());
    let _ = IdentityKind::UserAssigned;
    fixture.sandbox.stop().await.unwrap();
}

/// The listing and first health check started at sign-in: handed over to the first listing
/// only, if it asks with the filter it was made with, and the check's results are what the window's own check then reads,
/// without asking Azure again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prefetch_made_at_sign_in_is_handed_over_once_and_its_health_reused() {
    let fixture = Fixture::start().await;
    let (session, log) = fixture.recorded_session();
    let session = std::sync::Arc::new(session);
    let (prefetch, work) = home::Prefetch::start(session.clone(), None);
    tokio::spawn(work);

    let listing = prefetch
        .take_listing(None)
        .await
        .expect("the prefetched listing");
    assert_eq!(listed_ids(&listing), sandbox_resource_ids(&fixture));
    assert!(
        prefetch.take_listing(None).await.is_none(),
        "handed over once: the next listing asks Resource Graph"
    );
    let (other, work) = home::Prefetch::start(session.clone(), None);
    tokio::spawn(work);
    let prod_only = [PROD_SUBSCRIPTION.to_owned()];
    assert!(
        other.take_listing(Some(&prod_only)).await.is_none(),
        "made for every subscription, not handed over for another filter"
    );
    assert!(
        other.take_listing(None).await.is_none(),
        "only the first listing after sign-in may use it"
    );
    other.checked(&Cancel::new()).await;

    prefetch.checked(&Cancel::new()).await;
    let customer_managed: Vec<String> = listing
        .rows
        .iter()
        .filter(|r| r.key_source == KeySource::CustomerManaged)
        .map(|r| r.id.clone())
        .collect();
    assert!(customer_managed.len() >= 8, "{customer_managed:?}");
    log.clear();
    let reused =
        home::check_health(&session, &customer_managed, false, &|_| {}, &Cancel::new()).await;
    assert!(
        log.requests().is_empty(),
        "the window's check read the prefetch's results: {:?}",
        log.requests()
    );
    let fresh =
        home::check_health(&session, &customer_managed, true, &|_| {}, &Cancel::new()).await;
    let status = |checked: &[HomeHealth]| -> Vec<(String, HealthStatus)> {
        checked
            .iter()
            .map(|h| (h.id.clone(), h.health.status))
            .collect()
    };
    assert_eq!(status(&reused), status(&fresh));
    fixture.sandbox.stop().await.unwrap();
}
