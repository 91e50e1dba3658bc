//! Resource Manager: the one module every ARM call goes through.
//!
//! It uses the generated `azure_mgmt_*` 0.21 crates (on azure_core 0.21, with keyblade's
//! transport, credential adapter and token-host guard) and returns keyblade's own types
//! ([`model`]). When the official `azure_resourcemanager_*` crates cover these resources,
//! only this module changes.
//!
//! Some calls do not go through a generated client, but through the same 0.21 pipeline by
//! hand (`Arm::send_raw`):
//! - the writes a save plan makes (registry PATCH, access policy, role assignment), so that
//!   their API versions are the ones keyblade-core's planner shows in the plan
//!   ([`keyblade_core::preflight::CONTAINER_REGISTRY_API_VERSION`] and its siblings), and
//!   because `azure_mgmt_containerregistry` 0.21 cannot send `If-Match` (its `update`
//!   builder has no header parameter), without which a save could overwrite a change made
//!   elsewhere since the registry was read;
//! - polling long-running operations, because the generated pollers neither report progress
//!   nor cap `Retry-After`, and treat a failed operation as an error without its reason.
//!
//! The generated packages below are the ones whose API versions equal the planner's, so
//! reads and writes of a resource agree on its shape.

mod access_removal;
pub mod accounts;
pub mod graph;
pub mod lro;
pub mod model;

use std::sync::Arc;
use std::time::Instant;

use azure_core_legacy::headers::HeaderName;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;
use url::Url;

use azure_mgmt_authorization::package_2022_04_01 as authz;
use azure_mgmt_containerregistry::package_2023_07 as acr;
use azure_mgmt_keyvault::package_preview_2022_02 as kv;
use azure_mgmt_msi::package_2023_01_31 as msi;
use azure_mgmt_subscription::package_2021_10 as subs;

use keyblade_core::ResourceId;

use crate::cache::Cache;
use crate::cloud::CloudSettings;
use crate::credential::KeybladeCredential;
use crate::error::AzureError;
use crate::paging::PageGuard;
use crate::transport::HttpTransport;

use lro::{LroSettings, PollState, PollTarget, Progress, ProgressUpdate};
use model::*;

/// The `api-version` of [`Arm::list_tenants`] (`GET /tenants`).
pub const TENANTS_API_VERSION: &str = "2022-12-01";

/// How many independent ARM calls run at once.
pub const CONCURRENCY: usize = 8;

use keyblade_core::preflight::{
    AUTHORIZATION_API_VERSION, CONTAINER_REGISTRY_API_VERSION as REGISTRY_API_VERSION,
    KEY_VAULT_API_VERSION as VAULT_API_VERSION,
};

/// A Resource Manager session: clients, the per-session cache and LRO settings.
pub struct Arm {
    cloud: Arc<CloudSettings>,
    credential: KeybladeCredential,
    pipeline: azure_core_legacy::Pipeline,
    registries: acr::Client,
    vaults: kv::Client,
    identities: msi::Client,
    authorization: authz::Client,
    subscriptions: subs::Client,
    lro: LroSettings,
    subscription_cache: Cache<Vec<Subscription>>,
    vault_cache: Cache<Vault>,
    vault_list_cache: Cache<Vec<Vault>>,
    identity_cache: Cache<UserAssignedIdentity>,
    identity_list_cache: Cache<Vec<UserAssignedIdentity>>,
    role_definition_cache: Cache<Vec<RoleDefinition>>,
    role_assignment_cache: Cache<Vec<RoleAssignment>>,
}

/// A response read whole.
struct Raw {
    status: u16,
    headers: azure_core_legacy::headers::Headers,
    body: Bytes,
}

impl Raw {
    fn header(&self, name: &'static str) -> Option<&str> {
        self.headers
            .get_optional_str(&HeaderName::from_static(name))
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

fn legacy(error: azure_core_legacy::Error) -> AzureError {
    AzureError::from_legacy(error)
}

/// A write's body as JSON, without null members.
///
/// The generated models write read-only properties they do not have as `null` (e.g. a key's
/// `lastKeyRotationTimestamp`, an assignment's `createdOn`). In a PATCH a null means "remove
/// this" (JSON merge patch), which keyblade never means; and without them the body sent is
/// the body the plan showed.
fn encode(body: &impl serde::Serialize) -> Result<Vec<u8>, AzureError> {
    fn without_nulls(value: Value) -> Value {
        match value {
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .filter(|(_, member)| !member.is_null())
                    .map(|(name, member)| (name, without_nulls(member)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
            other => other,
        }
    }
    serde_json::to_value(body)
        .and_then(|value| serde_json::to_vec(&without_nulls(value)))
        .map_err(|e| AzureError::Other(format!("could not encode the request: {e}")))
}

fn json_error(what: &str, error: serde_json::Error) -> AzureError {
    AzureError::InvalidResponse {
        what: what.to_owned(),
        reason: error.to_string(),
    }
}

impl Arm {
    /// Builds the Resource Manager clients for the credential's cloud over `transport`.
    pub fn new(credential: KeybladeCredential, transport: &HttpTransport, lro: LroSettings) -> Arm {
        let cloud = credential.cloud().clone();
        let endpoint = cloud.arm_endpoint().clone();
        let scopes = vec![cloud.arm_scope()];
        let token = credential.legacy();
        let options = || transport.legacy_options();
        Arm {
            pipeline: azure_core_legacy::Pipeline::new(
                option_env!("CARGO_PKG_NAME"),
                option_env!("CARGO_PKG_VERSION"),
                options(),
                Vec::new(),
                Vec::new(),
            ),
            registries: acr::Client::new(
                endpoint.clone(),
                token.clone(),
                scopes.clone(),
                options(),
            ),
            vaults: kv::Client::new(endpoint.clone(), token.clone(), scopes.clone(), options()),
            identities: msi::Client::new(
                endpoint.clone(),
                token.clone(),
                scopes.clone(),
                options(),
            ),
            authorization: authz::Client::new(
                endpoint.clone(),
                token.clone(),
                scopes.clone(),
                options(),
            ),
            subscriptions: subs::Client::new(endpoint, token, scopes, options()),
            cloud,
            credential,
            lro,
            subscription_cache: Cache::default(),
            vault_cache: Cache::default(),
            vault_list_cache: Cache::default(),
            identity_cache: Cache::default(),
            identity_list_cache: Cache::default(),
            role_definition_cache: Cache::default(),
            role_assignment_cache: Cache::default(),
        }
    }

    /// The cloud this client talks to.
    pub fn cloud(&self) -> &CloudSettings {
        &self.cloud
    }

    /// Forgets everything cached (the user's "Refresh").
    pub fn invalidate_all(&self) {
        self.subscription_cache.clear();
        self.vault_cache.clear();
        self.vault_list_cache.clear();
        self.identity_cache.clear();
        self.identity_list_cache.clear();
        self.role_definition_cache.clear();
        self.role_assignment_cache.clear();
    }

    // -- subscriptions -------------------------------------------------------------------

    /// The subscriptions the signed-in identity can see (cached).
    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, AzureError> {
        if let Some(cached) = self.subscription_cache.get("") {
            return Ok(cached);
        }
        let pages = self
            .subscriptions
            .subscriptions_client()
            .list()
            .into_stream();
        let mut pages = GuardedPages::new(pages, "the subscriptions");
        let mut found = Vec::new();
        while let Some(page) = pages.next().await? {
            for item in page.value {
                found.push(model::subscription_from(item)?);
            }
        }
        found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        self.subscription_cache.put("", found.clone());
        Ok(found)
    }

    /// The tenants the signed-in identity belongs to (a person's home and guest tenants; a
    /// service principal's own), sorted by name. Not cached: the switcher asks rarely, and a
    /// new invitation should show at once.
    ///
    /// Read with `api-version` [`TENANTS_API_VERSION`] by hand: the generated
    /// `azure_mgmt_subscription` 2021-10 model declares `domains` a string where Azure sends
    /// an array, so its client cannot read the answer.
    pub async fn list_tenants(&self) -> Result<Vec<TenantInfo>, AzureError> {
        let mut url = self.resource_url("/tenants", TENANTS_API_VERSION)?;
        let mut pages = PageGuard::starting_at("your tenants", &url);
        let mut found: Vec<TenantInfo> = Vec::new();
        loop {
            let page = self
                .send_raw(azure_core_legacy::Method::Get, url.clone(), None, &[])
                .await?;
            let json = page.json();
            for item in json["value"].as_array().into_iter().flatten() {
                let text = |name: &str| {
                    item[name]
                        .as_str()
                        .map(str::trim)
                        .filter(|text| !text.is_empty())
                        .map(str::to_owned)
                };
                let Some(tenant_id) = text("tenantId") else {
                    return Err(AzureError::InvalidResponse {
                        what: "the list of your tenants".to_owned(),
                        reason: "an entry has no tenantId".to_owned(),
                    });
                };
                let tenant_id = tenant_id.to_ascii_lowercase();
                if found.iter().all(|known| known.tenant_id != tenant_id) {
                    found.push(TenantInfo {
                        tenant_id,
                        display_name: text("displayName"),
                        default_domain: text("defaultDomain"),
                    });
                }
            }
            let next = json["nextLink"].as_str();
            if !pages.after_page(next)? {
                break;
            }
            url =
                Url::parse(next.unwrap_or_default()).map_err(|e| AzureError::InvalidResponse {
                    what: "the list of your tenants".to_owned(),
                    reason: format!("its nextLink is not a URL: {e}"),
                })?;
        }
        found.sort_by(|a, b| {
            let name = |t: &TenantInfo| t.display_name.clone().unwrap_or_default().to_lowercase();
            name(a)
                .cmp(&name(b))
                .then_with(|| a.tenant_id.cmp(&b.tenant_id))
        });
        Ok(found)
    }

    // -- container registries ------------------------------------------------------------

    /// The registries of a subscription, all pages.
    pub async fn list_registries(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<Registry>, AzureError> {
        let pages = self
            .registries
            .registries_client()
            .list(subscription_id)
            .into_stream();
        let mut pages = GuardedPages::new(pages, "the subscription's container registries");
        let mut found = Vec::new();
        while let Some(page) = pages.next().await? {
            for item in page.value {
                found.push(model::registry_from(item, None)?);
            }
        }
        Ok(found)
    }

    /// Reads a registry fresh (never from the cache: a save needs its current ETag).
    pub async fn get_registry(&self, id: &ResourceId) -> Result<Registry, AzureError> {
        expect_type(id, "Microsoft.ContainerRegistry", "registries")?;
        let response = self
            .registries
            .registries_client()
            .get(id.subscription_id(), id.resource_group(), id.name())
            .send()
            .await
            .map_err(legacy)?;
        let (_, headers, body) = response.into_raw_response().deconstruct();
        let body = body.collect().await.map_err(legacy)?;
        let value: Value =
            serde_json::from_slice(&body).map_err(|e| json_error("a registry", e))?;
        let etag = headers
            .get_optional_string(&HeaderName::from_static("etag"))
            .or_else(|| value["etag"].as_str().map(str::to_owned));
        let sdk: acr::models::Registry =
            serde_json::from_value(value).map_err(|e| json_error("a registry", e))?;
        model::registry_from(sdk, etag)
    }

    /// Changes a registry's identity and/or encryption in one PATCH, sent with `If-Match`
    /// set to the ETag `registry` was read with, follows the long-running operation, and
    /// returns the registry as read back afterwards.
    ///
    /// A registry changed elsewhere since it was read gets
    /// [`AzureError::PreconditionFailed`] and nothing is written. A failed operation gets
    /// [`AzureError::OperationFailed`] with Azure's reason.
    pub async fn update_registry(
        &self,
        registry: &Registry,
        change: &RegistryChange,
        progress: &dyn Progress,
    ) -> Result<Registry, AzureError> {
        let etag = registry
            .etag
            .as_deref()
            .ok_or_else(|| AzureError::InvalidInput {
                what: format!("The registry {}", registry.id.name()),
                reason: "it was read without an ETag, so a save could overwrite someone else's \
                     change. Reload it and try again."
                    .to_owned(),
            })?;
        let body = encode(&model::registry_update_from(change))?;
        let url = self.resource_url(registry.id.as_str(), REGISTRY_API_VERSION)?;
        let operation = format!("Update registry {}", registry.id.name());
        let first = self
            .send_raw(
                azure_core_legacy::Method::Patch,
                url.clone(),
                Some(body),
                &[("if-match", etag)],
            )
            .await?;
        progress.report(ProgressUpdate::Submitted {
            operation: operation.clone(),
        });
        self.await_operation(&operation, &first, &url, progress)
            .await?;
        self.get_registry(&registry.id).await
    }

    // -- key vaults ----------------------------------------------------------------------

    /// The key vaults of a subscription, all pages (cached).
    pub async fn list_vaults(&self, subscription_id: &str) -> Result<Vec<Vault>, AzureError> {
        let key = format!("/subscriptions/{subscription_id}/");
        if let Some(cached) = self.vault_list_cache.get(&key) {
            return Ok(cached);
        }
        let pages = self
            .vaults
            .vaults_client()
            .list_by_subscription(subscription_id)
            .into_stream();
        let mut pages = GuardedPages::new(pages, "the subscription's key vaults");
        let mut found = Vec::new();
        while let Some(page) = pages.next().await? {
            for item in page.value {
                let vault = model::vault_from(item)?;
                self.vault_cache.put(vault.id.as_str(), vault.clone());
                found.push(vault);
            }
        }
        found.sort_by(|a, b| {
            a.id.name()
                .to_ascii_lowercase()
                .cmp(&b.id.name().to_ascii_lowercase())
        });
        self.vault_list_cache.put(&key, found.clone());
        Ok(found)
    }

    /// A key vault's settings (cached; listing the subscription's vaults fills the cache).
    pub async fn get_vault(&self, id: &ResourceId) -> Result<Vault, AzureError> {
        expect_type(id, "Microsoft.KeyVault", "vaults")?;
        if let Some(cached) = self.vault_cache.get(id.as_str()) {
            return Ok(cached);
        }
        let sdk = self
            .vaults
            .vaults_client()
            .get(id.resource_group(), id.name(), id.subscription_id())
            .await
            .map_err(legacy)?;
        let vault = model::vault_from(sdk)?;
        self.vault_cache.put(id.as_str(), vault.clone());
        Ok(vault)
    }

    /// Several vaults at once, at most [`CONCURRENCY`] in flight, in the order asked.
    pub async fn get_vaults(&self, ids: &[ResourceId]) -> Vec<Result<Vault, AzureError>> {
        buffered_in_order(ids.iter().map(|id| self.get_vault(id)).collect()).await
    }

    /// The vault of a subscription whose URI has this host (e.g. from a key URI).
    pub async fn find_vault_by_host(
        &self,
        subscription_id: &str,
        vault_host: &str,
    ) -> Result<Option<Vault>, AzureError> {
        Ok(self
            .list_vaults(subscription_id)
            .await?
            .into_iter()
            .find(|vault| {
                vault
                    .vault_uri
                    .as_deref()
                    .and_then(|uri| Url::parse(uri).ok())
                    .and_then(|uri| uri.host_str().map(str::to_ascii_lowercase))
                    .is_some_and(|host| host == vault_host.to_ascii_lowercase())
            }))
    }

    /// Whether a vault may be created with this name (`checkNameAvailability`). Not cached:
    /// it is asked right before a create.
    pub async fn check_vault_name(
        &self,
        subscription_id: &str,
        name: &str,
    ) -> Result<NameAvailability, AzureError> {
        let url = self.resource_url(
            &format!("/subscriptions/{subscription_id}/providers/Microsoft.KeyVault/checkNameAvailability"),
            VAULT_API_VERSION,
        )?;
        let body = serde_json::json!({"name": name, "type": "Microsoft.KeyVault/vaults"});
        let answer = self
            .send_raw(
                azure_core_legacy::Method::Post,
                url,
                Some(encode(&body)?),
                &[],
            )
            .await?;
        let json = answer.json();
        let name_available =
            json["nameAvailable"]
                .as_bool()
                .ok_or_else(|| AzureError::InvalidResponse {
                    what: "a vault name check".to_owned(),
                    reason: "it has no nameAvailable".to_owned(),
                })?;
        Ok(NameAvailability {
            name_available,
            reason: json["reason"].as_str().map(str::to_owned),
            message: json["message"].as_str().map(str::to_owned),
        })
    }

    /// The soft-deleted vaults of a subscription, all pages. Not cached.
    pub async fn list_deleted_vaults(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<DeletedVault>, AzureError> {
        let mut url = self.resource_url(
            &format!("/subscriptions/{subscription_id}/providers/Microsoft.KeyVault/deletedVaults"),
            VAULT_API_VERSION,
        )?;
        let mut found = Vec::new();
        let mut pages = crate::paging::PageGuard::starting_at("the deleted key vaults", &url);
        loop {
            let page = self
                .send_raw(azure_core_legacy::Method::Get, url.clone(), None, &[])
                .await?;
            let json = page.json();
            for item in json["value"].as_array().into_iter().flatten() {
                let properties = &item["properties"];
                let text = |value: &Value| value.as_str().map(str::to_owned);
                found.push(DeletedVault {
                    name: text(&item["name"]).unwrap_or_default(),
                    location: text(&properties["location"]).unwrap_or_default(),
                    vault_id: text(&properties["vaultId"]),
                    deletion_date: text(&properties["deletionDate"]),
                    scheduled_purge_date: text(&properties["scheduledPurgeDate"]),
                    purge_protection_enabled: properties["purgeProtectionEnabled"]
                        .as_bool()
                        .unwrap_or(false),
                });
            }
            let next = json["nextLink"].as_str();
            if !pages.after_page(next)? {
                return Ok(found);
            }
            url =
                Url::parse(next.unwrap_or_default()).map_err(|e| AzureError::InvalidResponse {
                    what: "a deleted-vault list".to_owned(),
                    reason: format!("its nextLink is not a URL: {e}"),
                })?;
        }
    }

    /// Proves that creating `name` at `id` would make a new vault and replace nothing: the
    /// name is free everywhere (live or soft-deleted, any subscription), and nothing answers
    /// at the exact ID. A PUT to an existing vault would replace its access policies and
    /// permission model, cutting off every resource whose key is in it.
    async fn prove_vault_absent(&self, new: &NewVault, id: &str) -> Result<(), AzureError> {
        let availability = self
            .check_vault_name(&new.subscription_id, &new.name)
            .await?;
        if !availability.name_available {
            return Err(AzureError::Conflict {
                code: availability
                    .reason
                    .unwrap_or_else(|| "AlreadyExists".to_owned()),
                message: format!(
                    "No vault was created: the name {} is taken ({}). Pick the existing vault \
                     from the list, or choose another name.",
                    new.name,
                    availability
                        .message
                        .unwrap_or_else(|| "vault names are global".to_owned())
                ),
            });
        }
        self.prove_no_vault_at(id, "created").await
    }

    /// Proves that nothing answers at the vault ID `id` (a fresh GET, never the cache, must
    /// say 404), so a PUT there cannot replace a live vault. `verb` names the write refused.
    async fn prove_no_vault_at(&self, id: &str, verb: &str) -> Result<(), AzureError> {
        let url = self.resource_url(id, VAULT_API_VERSION)?;
        match self
            .send_raw(azure_core_legacy::Method::Get, url, None, &[])
            .await
        {
            Err(AzureError::NotFound { .. }) => Ok(()),
            Err(other) => Err(other),
            Ok(_) => {
                let vault = ResourceId::parse(id)?;
                Err(AzureError::Conflict {
                    code: "AlreadyExists".to_owned(),
                    message: format!(
                        "No vault was {verb}: {} already exists in resource group {}. Pick it \
                         from the list instead.",
                        vault.name(),
                        vault.resource_group()
                    ),
                })
            }
        }
    }

    /// Creates a key vault with soft delete and purge protection on, and waits until it is
    /// provisioned. Refuses, without writing, when the name is taken: see
    /// `Arm::prove_vault_absent`.
    pub async fn create_vault(
        &self,
        new: &NewVault,
        progress: &dyn Progress,
    ) -> Result<Vault, AzureError> {
        let id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}",
            new.subscription_id, new.resource_group, new.name
        );
        self.prove_vault_absent(new, &id).await?;
        let operation = format!("Create key vault {}", new.name);
        let response = self
            .vaults
            .vaults_client()
            .create_or_update(
                &new.resource_group,
                &new.name,
                model::new_vault_parameters(new),
                &new.subscription_id,
            )
            .send()
            .await
            .map_err(legacy)?;
        let first = read_raw(response.into_raw_response()).await?;
        progress.report(ProgressUpdate::Submitted {
            operation: operation.clone(),
        });
        let url = self.resource_url(&id, VAULT_API_VERSION)?;
        self.await_operation(&operation, &first, &url, progress)
            .await?;
        self.vault_list_cache
            .invalidate(&format!("/subscriptions/{}/", new.subscription_id));
        self.vault_cache.invalidate(&id);
        self.get_vault(&ResourceId::parse(&id)?).await
    }

    /// Recovers a soft-deleted vault at the ID it had (`createMode: recover`), with its
    /// settings, access policies and keys as they were, and waits until it is provisioned.
    pub async fn recover_vault(
        &self,
        deleted: &DeletedVault,
        tenant_id: &str,
        progress: &dyn Progress,
    ) -> Result<Vault, AzureError> {
        let id = ResourceId::parse(deleted.vault_id.as_deref().ok_or_else(|| {
            AzureError::InvalidResponse {
                what: format!("deleted vault {}", deleted.name),
                reason: "it does not say which resource ID it had".to_owned(),
            }
        })?)?;
        expect_type(&id, "Microsoft.KeyVault", "vaults")?;
        // A recovery is a PUT too: it must not land on a vault made since under that name.
        self.prove_no_vault_at(id.as_str(), "recovered").await?;
        let url = self.resource_url(id.as_str(), VAULT_API_VERSION)?;
        let body = serde_json::json!({
            "location": deleted.location,
            "properties": {
                "tenantId": tenant_id,
                "sku": {"family": "A", "name": "standard"},
                "createMode": "recover"
            }
        });
        let operation = format!("Recover key vault {}", deleted.name);
        let first = self
            .send_raw(
                azure_core_legacy::Method::Put,
                url.clone(),
                Some(encode(&body)?),
                &[],
            )
            .await?;
        progress.report(ProgressUpdate::Submitted {
            operation: operation.clone(),
        });
        self.await_operation(&operation, &first, &url, progress)
            .await?;
        self.forget_vault(&id);
        self.get_vault(&id).await
    }

    /// Turns on a vault's purge protection, and its soft delete when `soft_delete` (a PATCH
    /// naming only those), returning the vault as read afterwards. Key Vault refuses to
    /// turn either off again, so nothing here can.
    pub async fn protect_vault(
        &self,
        vault: &ResourceId,
        soft_delete: bool,
    ) -> Result<Vault, AzureError> {
        expect_type(vault, "Microsoft.KeyVault", "vaults")?;
        let mut properties = kv::models::VaultPatchProperties::new();
        properties.enable_purge_protection = Some(true);
        properties.enable_soft_delete = soft_delete.then_some(true);
        let parameters = kv::models::VaultPatchParameters {
            tags: None,
            properties: Some(properties),
        };
        let url = self.resource_url(vault.as_str(), VAULT_API_VERSION)?;
        self.change_vault(
            vault,
            azure_core_legacy::Method::Patch,
            url,
            encode(&parameters)?,
        )
        .await
    }

    /// Sends one change of a vault and reads the vault back. Even a failed answer may come
    /// after the change was made, so the vault is read afresh either way.
    pub(crate) async fn change_vault(
        &self,
        vault: &ResourceId,
        method: azure_core_legacy::Method,
        url: Url,
        body: Vec<u8>,
    ) -> Result<Vault, AzureError> {
        let sent = self.send_raw(method, url, Some(body), &[]).await;
        self.forget_vault(vault);
        sent?;
        self.get_vault(vault).await
    }

    /// Adds (merges) an access policy entry, returning the vault as it is afterwards.
    pub async fn add_access_policy(
        &self,
        vault: &ResourceId,
        policy: &AccessPolicy,
    ) -> Result<Vault, AzureError> {
        expect_type(vault, "Microsoft.KeyVault", "vaults")?;
        let parameters =
            kv::models::VaultAccessPolicyParameters::new(kv::models::VaultAccessPolicyProperties {
                access_policies: vec![model::access_policy_entry(policy)],
            });
        let url = self.resource_url(&format!("{vault}/accessPolicies/add"), VAULT_API_VERSION)?;
        self.change_vault(
            vault,
            azure_core_legacy::Method::Put,
            url,
            encode(&parameters)?,
        )
        .await
    }

    fn forget_vault(&self, vault: &ResourceId) {
        self.vault_cache.invalidate(vault.as_str());
        self.forget_vaults_of(vault.subscription_id());
    }

    /// Forgets the cached vault list of a subscription (a vault may have been made there
    /// elsewhere), leaving every other cached read in place.
    pub fn forget_vaults_of(&self, subscription_id: &str) {
        self.vault_list_cache
            .invalidate(&format!("/subscriptions/{subscription_id}/"));
    }

    // -- role-based access control -------------------------------------------------------

    /// Role assignments at a scope (cached per scope and filter).
    pub async fn list_role_assignments(
        &self,
        scope: &str,
        filter: &AssignmentFilter,
    ) -> Result<Vec<RoleAssignment>, AzureError> {
        let filter_text = match filter {
            AssignmentFilter::All => None,
            AssignmentFilter::AtScope => Some("atScope()".to_owned()),
            AssignmentFilter::AssignedTo(principal) => {
                Some(format!("assignedTo('{}')", principal.replace('\'', "")))
            }
        };
        let key = format!("{scope}|{}", filter_text.as_deref().unwrap_or(""));
        if let Some(cached) = self.role_assignment_cache.get(&key) {
            return Ok(cached);
        }
        let mut builder = self
            .authorization
            .role_assignments_client()
            .list_for_scope(scope.trim_start_matches('/'));
        if let Some(filter_text) = filter_text {
            builder = builder.filter(filter_text);
        }
        let mut pages = GuardedPages::new(builder.into_stream(), "the role assignments");
        let mut found = Vec::new();
        while let Some(page) = pages.next().await? {
            for item in page.value {
                found.push(model::role_assignment_from(item)?);
            }
        }
        self.role_assignment_cache.put(&key, found.clone());
        Ok(found)
    }

    /// Grants a role to a principal at a scope.
    pub async fn create_role_assignment(
        &self,
        new: &NewRoleAssignment,
    ) -> Result<RoleAssignment, AzureError> {
        let scope = new.scope.trim_start_matches('/');
        let role_definition_id = if new.role_definition_id.starts_with('/') {
            new.role_definition_id.clone()
        } else {
            let subscription = scope
                .split('/')
                .nth(1)
                .filter(|_| scope.to_ascii_lowercase().starts_with("subscriptions/"))
                .ok_or_else(|| AzureError::InvalidInput {
                    what: "The role".to_owned(),
                    reason: "give its full ID when the scope is not in a subscription".to_owned(),
                })?;
            format!(
                "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{}",
                new.role_definition_id
            )
        };
        let mut properties = authz::models::RoleAssignmentProperties::new(
            role_definition_id,
            new.principal_id.clone(),
        );
        if let Some(kind) = &new.principal_type {
            properties.principal_type = Some(
                serde_json::from_value(Value::String(kind.clone())).map_err(|_| {
                    AzureError::InvalidInput {
                        what: format!("The principal type `{kind}`"),
                        reason: "use User, Group or ServicePrincipal".to_owned(),
                    }
                })?,
            );
        }
        let url = self.resource_url(
            &format!(
                "/{scope}/providers/Microsoft.Authorization/roleAssignments/{}",
                new.name
            ),
            AUTHORIZATION_API_VERSION,
        )?;
        let answer = self
            .send_raw(
                azure_core_legacy::Method::Put,
                url,
                Some(encode(
                    &authz::models::RoleAssignmentCreateParameters::new(properties),
                )?),
                &[],
            )
            .await?;
        self.role_assignment_cache.clear();
        let created: authz::models::RoleAssignment =
            serde_json::from_slice(&answer.body).map_err(|e| json_error("a role assignment", e))?;
        model::role_assignment_from(created)
    }

    /// Role definitions usable at a scope, with their data actions (cached per scope and
    /// filter, e.g. `roleName eq 'Key Vault Crypto Service Encryption User'`).
    pub async fn list_role_definitions(
        &self,
        scope: &str,
        filter: Option<&str>,
    ) -> Result<Vec<RoleDefinition>, AzureError> {
        let key = format!("{scope}|{}", filter.unwrap_or(""));
        if let Some(cached) = self.role_definition_cache.get(&key) {
            return Ok(cached);
        }
        let mut builder = self
            .authorization
            .role_definitions_client()
            .list(scope.trim_start_matches('/'));
        if let Some(filter) = filter {
            builder = builder.filter(filter);
        }
        let mut pages = GuardedPages::new(builder.into_stream(), "the role definitions");
        let mut found = Vec::new();
        while let Some(page) = pages.next().await? {
            for item in page.value {
                found.push(model::role_definition_from(item)?);
            }
        }
        self.role_definition_cache.put(&key, found.clone());
        Ok(found)
    }

    /// What the signed-in identity may do at a scope: the permission blocks of the roles
    /// assigned to it there, directly, inherited or through groups (Resource Manager's
    /// `{scope}/providers/Microsoft.Authorization/permissions`). Not cached: it answers "may
    /// I do this now?" right before a write.
    pub async fn caller_permissions(&self, scope: &str) -> Result<Vec<RolePermission>, AzureError> {
        let path = format!(
            "{}/providers/Microsoft.Authorization/permissions",
            scope.trim_end_matches('/')
        );
        let mut url = self.resource_url(&path, AUTHORIZATION_API_VERSION)?;
        let mut guard = PageGuard::starting_at("your permissions", &url);
        let mut found = Vec::new();
        loop {
            let page = self
                .send_raw(azure_core_legacy::Method::Get, url, None, &[])
                .await?;
            let result: authz::models::PermissionGetResult = serde_json::from_slice(&page.body)
                .map_err(|e| json_error("a permissions list", e))?;
            let more = guard.after_page(result.next_link.as_deref())?;
            found.extend(result.value.into_iter().map(|p| RolePermission {
                actions: p.actions,
                not_actions: p.not_actions,
                data_actions: p.data_actions,
                not_data_actions: p.not_data_actions,
            }));
            match result.next_link.filter(|_| more) {
                Some(next) => {
                    url = Url::parse(&next).map_err(|e| AzureError::InvalidResponse {
                        what: "a permissions list".to_owned(),
                        reason: format!("its nextLink is not a URL: {e}"),
                    })?;
                }
                None => return Ok(found),
            }
        }
    }

    // -- managed identities --------------------------------------------------------------

    /// The user-assigned identities of a subscription, all pages (cached).
    pub async fn list_user_assigned_identities(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<UserAssignedIdentity>, AzureError> {
        let key = format!("/subscriptions/{subscription_id}/");
        if let Some(cached) = self.identity_list_cache.get(&key) {
            return Ok(cached);
        }
        let pages = self
            .identities
            .user_assigned_identities_client()
            .list_by_subscription(subscription_id)
            .into_stream();
        let mut pages = GuardedPages::new(pages, "the subscription's managed identities");
        let mut found = Vec::new();
        while let Some(page) = pages.next().await? {
            for item in page.value {
                let identity = model::identity_from(item)?;
                self.identity_cache
                    .put(identity.id.as_str(), identity.clone());
                found.push(identity);
            }
        }
        self.identity_list_cache.put(&key, found.clone());
        Ok(found)
    }

    /// One user-assigned identity (cached).
    pub async fn get_identity(&self, id: &ResourceId) -> Result<UserAssignedIdentity, AzureError> {
        expect_type(id, "Microsoft.ManagedIdentity", "userAssignedIdentities")?;
        if let Some(cached) = self.identity_cache.get(id.as_str()) {
            return Ok(cached);
        }
        let sdk = self
            .identities
            .user_assigned_identities_client()
            .get(id.subscription_id(), id.resource_group(), id.name())
            .await
            .map_err(legacy)?;
        let identity = model::identity_from(sdk)?;
        self.identity_cache.put(id.as_str(), identity.clone());
        Ok(identity)
    }

    /// Several identities at once, at most [`CONCURRENCY`] in flight, in the order asked.
    pub async fn get_identities(
        &self,
        ids: &[ResourceId],
    ) -> Vec<Result<UserAssignedIdentity, AzureError>> {
        buffered_in_order(ids.iter().map(|id| self.get_identity(id)).collect()).await
    }

    // -- plumbing ------------------------------------------------------------------------

    fn resource_url(&self, path: &str, api_version: &str) -> Result<Url, AzureError> {
        let mut url = self.cloud.arm_endpoint().clone();
        if !path.starts_with('/') {
            return Err(AzureError::InvalidInput {
                what: format!("The resource path `{path}`"),
                reason: "it must start with /".to_owned(),
            });
        }
        url.set_path(path);
        url.set_query(None);
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
        Ok(url)
    }

    /// Sends one request through the same azure_core 0.21 pipeline as the generated clients
    /// (token stash, guard, keyblade transport). Error statuses come back as errors.
    async fn send_raw(
        &self,
        method: azure_core_legacy::Method,
        url: Url,
        body: Option<Vec<u8>>,
        headers: &[(&'static str, &str)],
    ) -> Result<Raw, AzureError> {
        let token = self.credential.token(&[&self.cloud.arm_scope()]).await?;
        let mut request = azure_core_legacy::Request::new(url, method);
        request.insert_header(
            azure_core_legacy::headers::AUTHORIZATION,
            format!("Bearer {}", token.token.secret()),
        );
        request.insert_header("accept", "application/json");
        for (name, value) in headers {
            request.insert_header(*name, (*value).to_owned());
        }
        if let Some(body) = body {
            request.insert_header("content-type", "application/json");
            request.set_body(Bytes::from(body));
        }
        let response = self
            .pipeline
            .send(&azure_core_legacy::Context::new(), &mut request)
            .await
            .map_err(legacy)?;
        read_raw(response).await
    }

    /// Follows a long-running operation from its first response until it ends.
    async fn await_operation(
        &self,
        operation: &str,
        first: &Raw,
        resource_url: &Url,
        progress: &dyn Progress,
    ) -> Result<(), AzureError> {
        let started = Instant::now();
        let Some(target) = lro::poll_target(
            first.status,
            first.header("azure-asyncoperation"),
            first.header("location"),
            &first.json(),
        ) else {
            return finish(operation, lro::provisioning_state(&first.json()), progress);
        };
        let mut retry_after = first.header("retry-after").map(str::to_owned);
        let mut polls = 0u32;
        let mut status = "Accepted".to_owned();
        loop {
            let wait = self.lro.wait(retry_after.as_deref());
            if started.elapsed() + wait > self.lro.timeout {
                return Err(AzureError::OperationTimedOut {
                    waited_seconds: started.elapsed().as_secs(),
                });
            }
            progress.report(ProgressUpdate::Running {
                operation: operation.to_owned(),
                status: status.clone(),
                polls,
                next_check_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            });
            tokio::time::sleep(wait).await;
            polls += 1;
            let poll_url = match &target {
                PollTarget::AsyncOperation(url) | PollTarget::Location(url) => url.clone(),
                PollTarget::Resource => resource_url.clone(),
            };
            let answer = self
                .send_raw(azure_core_legacy::Method::Get, poll_url, None, &[])
                .await?;
            retry_after = answer.header("retry-after").map(str::to_owned);
            let state = match &target {
                PollTarget::AsyncOperation(_) => lro::async_operation_state(&answer.json()),
                PollTarget::Location(_) if answer.status == 202 => {
                    PollState::Running("Accepted".to_owned())
                }
                PollTarget::Location(_) => PollState::Succeeded,
                PollTarget::Resource => {
                    lro::provisioning_state(&answer.json()).unwrap_or(PollState::Succeeded)
                }
            };
            match state {
                PollState::Running(now) => status = now,
                terminal => return finish(operation, Some(terminal), progress),
            }
        }
    }
}

/// The pages of a generated client's list (an azure_core 0.21 `Pageable` stream), bounded by
/// a [`PageGuard`]: each page's `nextLink` is checked before the stream is asked for the page
/// it names, so a list whose links repeat, or never end, stops without requesting more.
struct GuardedPages<S> {
    pages: S,
    guard: PageGuard,
    done: bool,
}

impl<S> GuardedPages<S> {
    fn new(pages: S, list: &str) -> GuardedPages<S> {
        GuardedPages {
            pages,
            guard: PageGuard::new(list),
            done: false,
        }
    }

    /// The next page, or `None` after the last.
    async fn next<P>(&mut self) -> Result<Option<P>, AzureError>
    where
        S: futures::Stream<Item = azure_core_legacy::Result<P>> + Unpin,
        P: azure_core_legacy::Continuable<Continuation = String>,
    {
        if self.done {
            return Ok(None);
        }
        let Some(page) = self.pages.next().await else {
            self.done = true;
            return Ok(None);
        };
        // After an error no further page is requested, whoever calls again.
        let checked = page
            .map_err(legacy)
            .and_then(|page| Ok((self.guard.after_page(page.continuation().as_deref())?, page)));
        match checked {
            Ok((more, page)) => {
                self.done = !more;
                Ok(Some(page))
            }
            Err(error) => {
                self.done = true;
                Err(error)
            }
        }
    }
}

/// Runs the futures at most [`CONCURRENCY`] at a time and returns their outputs in order.
///
/// The futures are made before streaming them (they do nothing until polled) rather than
/// by a closure over `&ResourceId` inside the stream: a future holding such a closure is
/// not provably `Send` (rust-lang/rust#64552), and the desktop shell awaits these on a
/// multi-threaded runtime.
async fn buffered_in_order<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    futures::stream::iter(futures)
        .buffered(CONCURRENCY)
        .collect()
        .await
}

fn finish(
    operation: &str,
    state: Option<PollState>,
    progress: &dyn Progress,
) -> Result<(), AzureError> {
    match state {
        None | Some(PollState::Succeeded) | Some(PollState::Running(_)) => {
            progress.report(ProgressUpdate::Succeeded {
                operation: operation.to_owned(),
            });
            Ok(())
        }
        Some(PollState::Failed { code, message }) => {
            progress.report(ProgressUpdate::Failed {
                operation: operation.to_owned(),
                code: code.clone(),
                message: message.clone(),
            });
            Err(AzureError::OperationFailed { code, message })
        }
        Some(PollState::Canceled) => {
            progress.report(ProgressUpdate::Failed {
                operation: operation.to_owned(),
                code: "Canceled".to_owned(),
                message: "The operation was canceled.".to_owned(),
            });
            Err(AzureError::OperationCanceled)
        }
    }
}

async fn read_raw(response: azure_core_legacy::Response) -> Result<Raw, AzureError> {
    let (status, headers, body) = response.deconstruct();
    let body = body.collect().await.map_err(legacy)?;
    Ok(Raw {
        status: u16::from(status),
        headers,
        body,
    })
}
