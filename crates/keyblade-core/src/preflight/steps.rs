//! The calls a plan makes, as data: ARM request, a one-line summary of its body, and the
//! equivalent Azure CLI command so the user can see (or run) the same change.

use serde::Serialize;
use serde_json::{Value, json};

use crate::arm_id::ResourceId;
use crate::key_uri::KeyUri;
use crate::kind::{BodyShape, KindRules, ResourceKind};

use super::access::{CRYPTO_SERVICE_ENCRYPTION_USER, GRANTED_KEY_PERMISSIONS};

// The API versions of the calls a plan makes. keyblade-azure's executor sends each step's
// call with exactly these (it takes them from here), so the path the review shows is the
// path that is sent; its sandbox tests compare the requests on the wire with the plan.
// They are also the versions of the `azure_mgmt_*` packages it reads the same resources
// with, so a step's body has the shape its reads return.

/// `Microsoft.ContainerRegistry/registries`.
pub const CONTAINER_REGISTRY_API_VERSION: &str = "2023-07-01";
/// `Microsoft.CognitiveServices/accounts`.
pub const COGNITIVE_SERVICES_API_VERSION: &str = "2024-10-01";
/// `Microsoft.Storage/storageAccounts`.
pub const STORAGE_API_VERSION: &str = "2023-05-01";
/// `Microsoft.KeyVault/vaults` (Resource Manager, not the Key Vault data plane).
pub const KEY_VAULT_API_VERSION: &str = "2022-02-01-preview";
/// Key Vault's data plane (a key's versions, attributes, rotation policy, deleted keys): the
/// version every lifecycle key step names, and keyblade-azure sends them with.
pub const KEY_VAULT_DATA_API_VERSION: &str = "7.4";
/// `Microsoft.Authorization` (role assignments and definitions, permissions).
pub const AUTHORIZATION_API_VERSION: &str = "2022-04-01";

/// The HTTP method of a step's request, serialised upper-case (`PATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
}

/// What a step changes; keyblade-azure's executor branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// Turn on the resource's system-assigned identity (a PATCH of the resource).
    EnableSystemAssignedIdentity,
    /// Give the identity the key permissions a CMK needs with a vault access policy.
    AddAccessPolicy,
    /// Give the identity Key Vault Crypto Service Encryption User on the vault (RBAC vaults).
    CreateRoleAssignment,
    /// Point the resource's encryption at the key (a PATCH of the resource).
    SetEncryptionKey,
    /// Turn the customer-managed key off: back to Microsoft-managed keys (a PATCH of the
    /// resource; never planned for a registry).
    UseMicrosoftManagedKeys,
    // Key lifecycle steps (`crate::lifecycle`). Key Vault data-plane steps carry an
    // absolute `https://{vault}/keys/...` URL as their `path`; the rest are ARM paths.
    /// Create a new version of a key (`POST {vault}/keys/{name}/rotate` or `/create`).
    CreateKeyVersion,
    /// Replace a key's rotation policy (`PUT {vault}/keys/{name}/rotationpolicy`).
    SetRotationPolicy,
    /// Disable a key (`PATCH {vault}/keys/{name}` with `attributes.enabled = false`).
    DisableKey,
    /// Enable a key again.
    EnableKey,
    /// Delete a key (`DELETE {vault}/keys/{name}`); with soft delete it can be recovered.
    DeleteKey,
    /// Recover a soft-deleted key (`POST {vault}/deletedkeys/{name}/recover`).
    RecoverDeletedKey,
    /// Remove the identity's access policy (`PUT .../accessPolicies/remove`).
    RemoveAccessPolicy,
    /// Delete a role assignment (`DELETE .../roleAssignments/{id}`).
    DeleteRoleAssignment,
    /// Turn off the resource's system-assigned identity (a PATCH of the resource).
    DisableSystemAssignedIdentity,
    /// Attach a user-assigned identity to the resource (a PATCH of the resource).
    AddUserAssignedIdentity,
    /// Detach a user-assigned identity from the resource (a PATCH of the resource).
    RemoveUserAssignedIdentity,
    /// Turn on a vault's soft delete and purge protection (a PATCH of the vault).
    ProtectVault,
}

impl StepKind {
    /// The camelCase name used in serialised plans and test data.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::EnableSystemAssignedIdentity => "enableSystemAssignedIdentity",
            StepKind::AddAccessPolicy => "addAccessPolicy",
            StepKind::CreateRoleAssignment => "createRoleAssignment",
            StepKind::SetEncryptionKey => "setEncryptionKey",
            StepKind::UseMicrosoftManagedKeys => "useMicrosoftManagedKeys",
            StepKind::CreateKeyVersion => "createKeyVersion",
            StepKind::SetRotationPolicy => "setRotationPolicy",
            StepKind::DisableKey => "disableKey",
            StepKind::EnableKey => "enableKey",
            StepKind::DeleteKey => "deleteKey",
            StepKind::RecoverDeletedKey => "recoverDeletedKey",
            StepKind::RemoveAccessPolicy => "removeAccessPolicy",
            StepKind::DeleteRoleAssignment => "deleteRoleAssignment",
            StepKind::DisableSystemAssignedIdentity => "disableSystemAssignedIdentity",
            StepKind::AddUserAssignedIdentity => "addUserAssignedIdentity",
            StepKind::RemoveUserAssignedIdentity => "removeUserAssignedIdentity",
            StepKind::ProtectVault => "protectVault",
        }
    }
}

/// A value only known once an earlier step has run. Its [`token`](Self::token) appears
/// in the step's body; the executor replaces it before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Placeholder {
    /// The principal ID Entra assigns when the system-assigned identity is turned on:
    /// `identity.principalId` in the resource's response to that step.
    SystemAssignedPrincipalId,
}

impl Placeholder {
    /// The text that stands for the value in a step's body, e.g. `{systemAssignedPrincipalId}`.
    pub fn token(self) -> &'static str {
        match self {
            Placeholder::SystemAssignedPrincipalId => "{systemAssignedPrincipalId}",
        }
    }
}

/// One call to make, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanStep {
    /// What the step changes.
    pub kind: StepKind,
    /// What the step does, for the confirmation list.
    pub title: String,
    /// The request's method.
    pub method: HttpMethod,
    /// Path and query relative to the Resource Manager endpoint; for a Key Vault
    /// data-plane step (a key's versions, attributes, rotation policy), the absolute URL.
    pub path: String,
    /// The JSON body, exactly as sent once placeholders are replaced.
    pub body: Value,
    /// The body in one line, e.g. `identity.type = SystemAssigned`.
    pub body_summary: String,
    /// The same change with Azure CLI, ready to paste into a POSIX shell.
    pub az_command: String,
    /// The placeholders the body contains, which an earlier step's response fills in.
    pub placeholders: Vec<Placeholder>,
}

/// A principal to grant access to: known, or the system-assigned identity that an
/// earlier step turns on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Known(String),
    NewSystemAssigned {
        resource: ResourceId,
        kind: ResourceKind,
    },
}

impl Principal {
    fn body_value(&self) -> &str {
        match self {
            Principal::Known(id) => id,
            Principal::NewSystemAssigned { .. } => Placeholder::SystemAssignedPrincipalId.token(),
        }
    }

    fn az_value(&self) -> AzArg {
        match self {
            Principal::Known(id) => AzArg::Literal(id.clone()),
            Principal::NewSystemAssigned { resource, kind } => {
                let rules = KindRules::of(*kind);
                AzArg::Substitution(
                    AzCommand::new(rules.az_show_identity)
                        .option("--name", resource.name())
                        .option("--resource-group", resource.resource_group())
                        .option("--subscription", resource.subscription_id())
                        .option("--query", rules.az_principal_id_query)
                        .option("--output", "tsv"),
                )
            }
        }
    }

    fn placeholders(&self) -> Vec<Placeholder> {
        match self {
            Principal::Known(_) => Vec::new(),
            Principal::NewSystemAssigned { .. } => vec![Placeholder::SystemAssignedPrincipalId],
        }
    }
}

/// Turn on the resource's system-assigned identity, keeping user-assigned ones. The body
/// is the same for every kind (ARM's common `identity` block); the CLI is the kind's.
pub fn enable_system_identity(
    resource: &ResourceId,
    rules: &KindRules,
    user_assigned: &[ResourceId],
) -> PlanStep {
    let body = if user_assigned.is_empty() {
        json!({ "identity": { "type": "SystemAssigned" } })
    } else {
        // A PATCH that changes the type must restate the user-assigned identities, or ARM
        // may read the new type as replacing them.
        let map: serde_json::Map<String, Value> = user_assigned
            .iter()
            .map(|id| (id.to_string(), json!({})))
            .collect();
        json!({ "identity": { "type": "SystemAssigned, UserAssigned", "userAssignedIdentities": map } })
    };
    let summary = if user_assigned.is_empty() {
        "identity.type = SystemAssigned".to_owned()
    } else {
        format!(
            "identity.type = SystemAssigned, UserAssigned (keeps {} user-assigned identit{})",
            user_assigned.len(),
            if user_assigned.len() == 1 { "y" } else { "ies" }
        )
    };
    let command = AzCommand::new(rules.az_assign_identity)
        .option("--name", resource.name())
        .option("--resource-group", resource.resource_group())
        .option("--subscription", resource.subscription_id());
    let command = match rules.kind {
        ResourceKind::ContainerRegistry => command.option("--identities", "[system]"),
        // `identity assign` turns the system-assigned identity on by itself.
        ResourceKind::CognitiveServicesAccount => command,
        // `az storage account update` restates the identity type, so it must keep the
        // user-assigned identity (the CLI takes one) when there is one.
        ResourceKind::StorageAccount => match user_assigned.first() {
            None => command.option("--identity-type", "SystemAssigned"),
            Some(first) => command
                .option("--identity-type", "SystemAssigned,UserAssigned")
                .option("--user-identity-id", first.as_str()),
        },
    };
    PlanStep {
        kind: StepKind::EnableSystemAssignedIdentity,
        title: format!(
            "Turn on the system-assigned managed identity of {} {}",
            rules.short_name,
            resource.name()
        ),
        method: HttpMethod::Patch,
        path: format!("{resource}?api-version={}", rules.api_version),
        body,
        body_summary: summary,
        az_command: command.render(),
        placeholders: Vec::new(),
    }
}

/// Access-policy vault: add get, wrapKey, unwrapKey and recover for the principal. ARM's
/// `add` operation merges into an existing entry; `az keyvault set-policy` replaces the
/// listed permission kind, so the CLI command restates the principal's current key
/// permissions.
pub fn add_access_policy(
    vault: &ResourceId,
    vault_tenant_id: &str,
    principal: &Principal,
    existing_key_permissions: &[String],
) -> PlanStep {
    let needed: Vec<&str> = GRANTED_KEY_PERMISSIONS.to_vec();
    let mut cli_permissions: Vec<String> = existing_key_permissions.to_vec();
    for permission in &needed {
        if !cli_permissions
            .iter()
            .any(|p| p.eq_ignore_ascii_case(permission) || p.eq_ignore_ascii_case("all"))
        {
            cli_permissions.push((*permission).to_owned());
        }
    }
    let mut command = AzCommand::new(&["az", "keyvault", "set-policy"])
        .option("--name", vault.name())
        .option("--resource-group", vault.resource_group())
        .option("--subscription", vault.subscription_id())
        .arg(AzArg::Literal("--object-id".to_owned()))
        .arg(principal.az_value())
        .arg(AzArg::Literal("--key-permissions".to_owned()));
    for permission in &cli_permissions {
        command = command.arg(AzArg::Literal(permission.clone()));
    }
    PlanStep {
        kind: StepKind::AddAccessPolicy,
        title: format!(
            "Allow the identity to get, wrap, unwrap and recover keys in vault {}",
            vault.name()
        ),
        method: HttpMethod::Put,
        path: format!("{vault}/accessPolicies/add?api-version={KEY_VAULT_API_VERSION}"),
        body: json!({
            "properties": {
                "accessPolicies": [{
                    "tenantId": vault_tenant_id,
                    "objectId": principal.body_value(),
                    "permissions": { "keys": needed }
                }]
            }
        }),
        body_summary: format!(
            "access policy for object {}: keys {}",
            principal.body_value(),
            needed.join(", ")
        ),
        az_command: command.render(),
        placeholders: principal.placeholders(),
    }
}

/// RBAC vault: assign Key Vault Crypto Service Encryption User at the vault's scope.
pub fn create_role_assignment(
    vault: &ResourceId,
    principal: &Principal,
    assignment_name: &str,
) -> PlanStep {
    let role_definition_id = format!(
        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{CRYPTO_SERVICE_ENCRYPTION_USER}",
        vault.subscription_id()
    );
    PlanStep {
        kind: StepKind::CreateRoleAssignment,
        title: format!(
            "Assign the role Key Vault Crypto Service Encryption User on vault {} to the identity",
            vault.name()
        ),
        method: HttpMethod::Put,
        path: format!(
            "{vault}/providers/Microsoft.Authorization/roleAssignments/{assignment_name}?api-version={AUTHORIZATION_API_VERSION}"
        ),
        body: json!({
            "properties": {
                "roleDefinitionId": role_definition_id,
                "principalId": principal.body_value(),
                "principalType": "ServicePrincipal"
            }
        }),
        body_summary: format!(
            "role Key Vault Crypto Service Encryption User for principal {} at the vault",
            principal.body_value()
        ),
        az_command: AzCommand::new(&["az", "role", "assignment", "create"])
            .arg(AzArg::Literal("--assignee-object-id".to_owned()))
            .arg(principal.az_value())
            .option("--assignee-principal-type", "ServicePrincipal")
            .option("--role", CRYPTO_SERVICE_ENCRYPTION_USER)
            .option("--scope", vault.as_str())
            .render(),
        placeholders: principal.placeholders(),
    }
}

/// Container Registry: point encryption at the key, used through the identity
/// (`identity` is a user-assigned identity's client ID, or `system`).
pub fn set_registry_key(registry: &ResourceId, key_uri: &KeyUri, identity: &str) -> PlanStep {
    let cli_identity = if identity == "system" {
        "[system]"
    } else {
        identity
    };
    PlanStep {
        kind: StepKind::SetEncryptionKey,
        title: format!(
            "Encrypt registry {} with key {} ({})",
            registry.name(),
            key_uri.key_name(),
            match key_uri.version() {
                Some(version) => format!("version {version}, rotated manually"),
                None => "latest version, rotated automatically".to_owned(),
            }
        ),
        method: HttpMethod::Patch,
        path: format!("{registry}?api-version={CONTAINER_REGISTRY_API_VERSION}"),
        body: json!({
            "properties": {
                "encryption": {
                    "status": "enabled",
                    "keyVaultProperties": {
                        "keyIdentifier": key_uri.to_string(),
                        "identity": identity
                    }
                }
            }
        }),
        body_summary: format!(
            "encryption.keyVaultProperties = {{keyIdentifier: {key_uri}, identity: {identity}}}"
        ),
        az_command: AzCommand::new(&["az", "acr", "encryption", "rotate-key"])
            .option("--name", registry.name())
            .option("--resource-group", registry.resource_group())
            .option("--subscription", registry.subscription_id())
            .option("--key-encryption-key", &key_uri.to_string())
            .option("--identity", cli_identity)
            .render(),
        placeholders: Vec::new(),
    }
}

/// The identity an Azure AI services or storage account reaches its key with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyIdentity {
    /// The account's system-assigned identity (named by leaving the identity out).
    SystemAssigned,
    /// A user-assigned identity attached to the account.
    UserAssigned {
        /// Its client ID (Azure AI services' `identityClientId`).
        client_id: String,
        /// Its resource ID (storage's `encryption.identity.userAssignedIdentity`).
        resource_id: ResourceId,
    },
}

/// Azure AI services or storage: turn the customer-managed key on, or change the key or
/// its version, in the kind's body shape. Cognitive needs a versioned `key_uri` (the
/// planner refuses an unversioned one); storage follows new versions when it has none.
pub fn set_account_key(
    account: &ResourceId,
    rules: &KindRules,
    key_uri: &KeyUri,
    identity: &KeyIdentity,
) -> PlanStep {
    let key_source = rules.key_vault_key_source.unwrap_or("Microsoft.KeyVault");
    let version = key_uri.version().map(|v| v.as_str().to_owned());
    let vault_url = key_uri.vault_url();
    let base = AzCommand::new(rules.az_set_key)
        .option("--name", account.name())
        .option("--resource-group", account.resource_group())
        .option("--subscription", account.subscription_id());
    let (encryption, summary, command) = if rules.body_shape == BodyShape::StorageKeyvaultproperties
    {
        // Storage writes the vault URI without its trailing slash and an empty version for
        // "follow the latest".
        let vault_uri = vault_url.trim_end_matches('/').to_owned();
        let version = version.unwrap_or_default();
        let user_assigned = match identity {
            KeyIdentity::SystemAssigned => None,
            KeyIdentity::UserAssigned { resource_id, .. } => Some(resource_id.to_string()),
        };
        let mut encryption = json!({
            "keySource": key_source,
            "keyvaultproperties": {
                "keyvaulturi": vault_uri,
                "keyname": key_uri.key_name(),
                "keyversion": version
            },
            // An empty block names the system-assigned identity, replacing a user-assigned
            // one set before.
            "identity": {}
        });
        if let Some(id) = &user_assigned {
            encryption["identity"] = json!({ "userAssignedIdentity": id });
        }
        let mut command = base
            .option("--encryption-key-source", key_source)
            .option("--encryption-key-vault", &vault_uri)
            .option("--encryption-key-name", key_uri.key_name())
            .option("--encryption-key-version", &version);
        if let Some(id) = &user_assigned {
            // Only names the identity for the key; the account's identity block (already
            // holding it) is left as it is.
            command = command.option("--key-vault-user-identity-id", id);
        }
        let summary = format!(
            "encryption.keyvaultproperties = {{keyvaulturi: {vault_uri}, keyname: {}, keyversion: {}}}, identity: {}",
            key_uri.key_name(),
            if version.is_empty() {
                "(latest)"
            } else {
                &version
            },
            user_assigned.as_deref().unwrap_or("system-assigned")
        );
        (encryption, summary, command)
    } else {
        let mut properties = json!({
            "keyVaultUri": vault_url,
            "keyName": key_uri.key_name(),
            "keyVersion": version.clone().unwrap_or_default()
        });
        if let KeyIdentity::UserAssigned { client_id, .. } = identity {
            properties["identityClientId"] = json!(client_id);
        }
        let encryption = json!({ "keySource": key_source, "keyVaultProperties": properties });
        let summary = format!(
            "encryption.keyVaultProperties = {{keyVaultUri: {vault_url}, keyName: {}, keyVersion: {}{}}}",
            key_uri.key_name(),
            version.as_deref().unwrap_or(""),
            match identity {
                KeyIdentity::SystemAssigned => String::new(),
                KeyIdentity::UserAssigned { client_id, .. } =>
                    format!(", identityClientId: {client_id}"),
            }
        );
        let command = base.option("--encryption", &encryption.to_string());
        (encryption, summary, command)
    };
    PlanStep {
        kind: StepKind::SetEncryptionKey,
        title: format!(
            "Encrypt {} {} with key {} ({})",
            rules.short_name,
            account.name(),
            key_uri.key_name(),
            match key_uri.version() {
                Some(version) => format!("version {version}, rotated manually"),
                None => "latest version, rotated automatically".to_owned(),
            }
        ),
        method: HttpMethod::Patch,
        path: format!("{account}?api-version={}", rules.api_version),
        body: json!({ "properties": { "encryption": encryption } }),
        body_summary: summary,
        az_command: command.render(),
        placeholders: Vec::new(),
    }
}

/// Back to Microsoft-managed keys: `encryption.keySource` set to the kind's platform
/// source. Only for kinds whose rules allow it (`can_disable`).
pub fn use_microsoft_managed_keys(resource: &ResourceId, rules: &KindRules) -> PlanStep {
    let key_source = rules.platform_key_source.unwrap_or("Microsoft.Storage");
    let encryption = json!({ "keySource": key_source });
    let base = AzCommand::new(rules.az_set_key)
        .option("--name", resource.name())
        .option("--resource-group", resource.resource_group())
        .option("--subscription", resource.subscription_id());
    let command = match rules.body_shape {
        BodyShape::StorageKeyvaultproperties => base.option("--encryption-key-source", key_source),
        _ => base.option("--encryption", &encryption.to_string()),
    };
    PlanStep {
        kind: StepKind::UseMicrosoftManagedKeys,
        title: format!(
            "Encrypt {} {} with Microsoft-managed keys",
            rules.short_name,
            resource.name()
        ),
        method: HttpMethod::Patch,
        path: format!("{resource}?api-version={}", rules.api_version),
        body: json!({ "properties": { "encryption": encryption } }),
        body_summary: format!("encryption.keySource = {key_source}"),
        az_command: command.render(),
        placeholders: Vec::new(),
    }
}

/// One word of a CLI command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzArg {
    /// A word as it is (quoted when rendered if it needs to be).
    Literal(String),
    /// `"$(command)"`: the output of another command, e.g. an ID not known yet.
    Substitution(AzCommand),
}

/// An Azure CLI command line, rendered for a POSIX shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzCommand {
    args: Vec<AzArg>,
}

impl AzCommand {
    /// A command from its leading words, e.g. `["az", "acr", "encryption", "rotate-key"]`.
    pub fn new(words: &[&str]) -> AzCommand {
        AzCommand {
            args: words
                .iter()
                .map(|w| AzArg::Literal((*w).to_owned()))
                .collect(),
        }
    }

    /// Appends one word.
    pub fn arg(mut self, arg: AzArg) -> AzCommand {
        self.args.push(arg);
        self
    }

    /// Appends a flag and its value, e.g. `--name crcontoso`.
    pub fn option(self, flag: &str, value: &str) -> AzCommand {
        self.arg(AzArg::Literal(flag.to_owned()))
            .arg(AzArg::Literal(value.to_owned()))
    }

    /// Words that need no quoting stay bare; anything else is single-quoted, so values
    /// from Azure (names, URIs, `[system]`) reach `az` exactly as they are.
    pub fn render(&self) -> String {
        self.args
            .iter()
            .map(|arg| match arg {
                AzArg::Literal(text) => shell_quote(text),
                AzArg::Substitution(command) => format!("\"$({})\"", command.render()),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn shell_quote(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if bare {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> ResourceId {
        ResourceId::parse(
            "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/reg1",
        )
        .unwrap()
    }

    fn vault() -> ResourceId {
        ResourceId::parse(
            "/subscriptions/s2/resourceGroups/kv-rg/providers/Microsoft.KeyVault/vaults/kv1",
        )
        .unwrap()
    }

    #[test]
    fn quoting_leaves_plain_words_bare_and_quotes_the_rest() {
        assert_eq!(shell_quote("reg1"), "reg1");
        assert_eq!(
            shell_quote("https://kv1.vault.azure.net/keys/k1"),
            "https://kv1.vault.azure.net/keys/k1"
        );
        assert_eq!(shell_quote("[system]"), "'[system]'");
        assert_eq!(shell_quote("my group"), "'my group'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(shell_quote("a;b"), "'a;b'");
    }

    #[test]
    fn set_key_renders_rotate_key_with_client_id_or_system() {
        let uri = KeyUri::parse("https://kv1.vault.azure.net/keys/k1").unwrap();
        let step = set_registry_key(&registry(), &uri, "11111111-1111-1111-1111-111111111111");
        assert_eq!(
            step.az_command,
            "az acr encryption rotate-key --name reg1 --resource-group rg1 --subscription s1 \
             --key-encryption-key https://kv1.vault.azure.net/keys/k1 \
             --identity 11111111-1111-1111-1111-111111111111"
        );
        assert_eq!(step.method, HttpMethod::Patch);
        assert_eq!(
            step.path,
            "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/reg1?api-version=2023-07-01"
        );
        assert_eq!(
            step.body["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"],
            "https://kv1.vault.azure.net/keys/k1"
        );
        let system = set_registry_key(&registry(), &uri, "system");
        assert!(system.az_command.ends_with("--identity '[system]'"));
        assert_eq!(
            system.body["properties"]["encryption"]["keyVaultProperties"]["identity"],
            "system"
        );
    }

    #[test]
    fn enabling_system_identity_keeps_user_assigned_ones() {
        let rules = KindRules::of(ResourceKind::ContainerRegistry);
        let plain = enable_system_identity(&registry(), rules, &[]);
        assert_eq!(plain.body, json!({"identity": {"type": "SystemAssigned"}}));
        assert_eq!(
            plain.az_command,
            "az acr identity assign --name reg1 --resource-group rg1 --subscription s1 --identities '[system]'"
        );
        let uai = ResourceId::parse(
            "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
        )
        .unwrap();
        let both = enable_system_identity(&registry(), rules, std::slice::from_ref(&uai));
        assert_eq!(
            both.body["identity"]["type"],
            "SystemAssigned, UserAssigned"
        );
        assert_eq!(
            both.body["identity"]["userAssignedIdentities"][uai.as_str()],
            json!({})
        );
    }

    #[test]
    fn access_policy_cli_restates_existing_permissions() {
        let step = add_access_policy(
            &vault(),
            "t1",
            &Principal::Known("p1".into()),
            &["list".into(), "Get".into()],
        );
        assert_eq!(
            step.az_command,
            "az keyvault set-policy --name kv1 --resource-group kv-rg --subscription s2 \
             --object-id p1 --key-permissions list Get wrapKey unwrapKey recover"
        );
        assert_eq!(
            step.path,
            "/subscriptions/s2/resourceGroups/kv-rg/providers/Microsoft.KeyVault/vaults/kv1/accessPolicies/add?api-version=2022-02-01-preview"
        );
        assert_eq!(
            step.body["properties"]["accessPolicies"][0]["permissions"]["keys"],
            json!(["get", "wrapKey", "unwrapKey", "recover"])
        );
        assert!(step.placeholders.is_empty());
    }

    #[test]
    fn grants_to_a_new_system_identity_use_a_placeholder_and_a_substitution() {
        let principal = Principal::NewSystemAssigned {
            resource: registry(),
            kind: ResourceKind::ContainerRegistry,
        };
        let step = create_role_assignment(&vault(), &principal, "0000-guid");
        assert_eq!(
            step.az_command,
            "az role assignment create --assignee-object-id \
             \"$(az acr identity show --name reg1 --resource-group rg1 --subscription s1 --query principalId --output tsv)\" \
             --assignee-principal-type ServicePrincipal --role e147488a-f6f5-4113-8e2d-b22465e65bf6 \
             --scope /subscriptions/s2/resourceGroups/kv-rg/providers/Microsoft.KeyVault/vaults/kv1"
        );
        assert_eq!(
            step.body["properties"]["principalId"],
            "{systemAssignedPrincipalId}"
        );
        assert_eq!(
            step.body["properties"]["roleDefinitionId"],
            "/subscriptions/s2/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6"
        );
        assert_eq!(
            step.placeholders,
            vec![Placeholder::SystemAssignedPrincipalId]
        );
        assert!(
            step.path
                .ends_with("/roleAssignments/0000-guid?api-version=2022-04-01")
        );
    }
}
