import type {
  Confirmed,
  DesiredChange,
  EncryptionView,
  GrantOutcome,
  HistoryEntry,
  HomeHealth,
  HomeListing,
  IdentityOptions,
  KeyOption,
  KeyUriInfo,
  KeyVersionOption,
  LifecycleAction,
  LifecycleOutcome,
  LifecyclePlanView,
  NewKeyRequest,
  NewVaultRequest,
  PreflightReport,
  ResourceSummary,
  RestoreDiagnosis,
  RotationView,
  SaveOutcome,
  UndoReview,
  VaultNameCheck,
  VaultOption,
} from '../bindings';
import type {
  AppInfo,
  OpenedVault,
  SignInOutcome,
  SignInRequest,
  SubscriptionSummary,
  TenantSummary,
} from './contract';
import { call } from './transport';

// One wrapper per `#[tauri::command]` of the shell (see IPC contract). Argument names are camelCase:
// Tauri maps them to the Rust snake_case parameters.

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

/** What a bug report needs, as text (version, commit, cloud, proxy, session, the log's last lines; no secrets). */
export function diagnostics(): Promise<string> {
  return call<string>('diagnostics');
}

/** Rejects with `session.signedOut` while no one is signed in. */
export function listSubscriptions(): Promise<SubscriptionSummary[]> {
  return call<SubscriptionSummary[]>('list_subscriptions');
}

/** Rejects with `session.signedOut` while no one is signed in. */
export function listResources(subscriptionId: string): Promise<ResourceSummary[]> {
  return call<ResourceSummary[]>('list_resources', { subscriptionId });
}

/** Rejects with the KeyUriError code (for example `keyUri.insecureScheme`) and a user-facing message. */
export function validateKeyUri(input: string): Promise<KeyUriInfo> {
  return call<KeyUriInfo>('validate_key_uri', { input });
}

/**
 * Runs until the sign-in finishes: the browser came back, the device code was approved, or `cancelSignIn`
 * (then it rejects with `azure.signInCancelled`). Its steps arrive as `sign-in-progress` events tagged with
 * `request.operationId`.
 */
export function signIn(request: SignInRequest): Promise<SignInOutcome> {
  return call<SignInOutcome>('sign_in', { request });
}

/** Stops the sign-in running under `operationId`; false when none runs. */
export function cancelSignIn(operationId: string): Promise<boolean> {
  return call<boolean>('cancel_sign_in', { operationId });
}

/**
 * Signs an account out and removes its keyring entries; null is the active one, after which keyblade uses the
 * next remembered account or the local demo tenant (connecting in the background).
 */
export function signOut(accountId: string | null): Promise<AppInfo> {
  return call<AppInfo>('sign_out', { accountId });
}

/** Goes to the local demo tenant and keeps every account remembered; connects in the background. */
export function openDemoTenant(): Promise<AppInfo> {
  return call<AppInfo>('use_demo_tenant');
}

/** Makes a remembered account the active one. */
export function switchAccount(accountId: string): Promise<AppInfo> {
  return call<AppInfo>('switch_account', { accountId });
}

/** The tenants of the active account, each with whether keyblade can use it without asking. */
export function listTenants(): Promise<TenantSummary[]> {
  return call<TenantSummary[]>('list_tenants');
}

/**
 * Switches the active account to another of its tenants. Rejects with `azure.interactionRequired` when the tenant
 * needs an interactive sign-in, `azure.tenantSwitchUnsupported` for a service principal.
 */
export function switchTenant(tenantId: string): Promise<AppInfo> {
  return call<AppInfo>('switch_tenant', { tenantId });
}

/** The subscriptions the resource picker loads, remembered for the active account; null is all of them. */
export function setSubscriptionFilter(subscriptionIds: string[] | null): Promise<void> {
  return call<undefined>('set_subscription_filter', { subscriptionIds });
}

/** Opens a key vault by its URI (its host must be the active cloud's Key Vault) and reads its keys. */
export function openKeyVault(vaultUri: string): Promise<OpenedVault> {
  return call<OpenedVault>('open_key_vault', { vaultUri });
}

/** The registry's Encryption blade. `fresh` forgets cached reads first (Refresh). */
export function getEncryption(registryId: string, fresh: boolean): Promise<EncryptionView> {
  return call<EncryptionView>('get_encryption', { registryId, fresh });
}

/** The plan, its `az` equivalent and the findings for a change. Writes nothing. */
export function preflight(registryId: string, desired: DesiredChange): Promise<PreflightReport> {
  return call<PreflightReport>('preflight', { registryId, desired });
}

export function grantAccess(registryId: string, desired: DesiredChange): Promise<GrantOutcome> {
  return call<GrantOutcome>('grant_access', { registryId, desired });
}

/** Saves the change; progress arrives as `operation-progress` events tagged with `operationId`. */
export function saveEncryption(
  registryId: string,
  desired: DesiredChange,
  etag: string,
  operationId: string,
  /** The history entry this save undoes (History's Undo); the shell records the save as its undo. */
  undoOf: string | null = null,
): Promise<SaveOutcome> {
  return call<SaveOutcome>('save_encryption', {
    registryId,
    desired,
    etag,
    operationId,
    ...(undoOf === null ? {} : { undoOf }),
  });
}

/**
 * Stops a running save from waiting, or the background watch of a save that answered `inProgress`.
 * The save still ends (its promise, or its `save-settled` event) with what the read-back shows.
 * False when nothing runs under `operationId` any more.
 */
export function cancelSave(operationId: string): Promise<boolean> {
  return call<boolean>('cancel_save', { operationId });
}

/** The review of a key lifecycle action (new key version, rotation policy, revoke, restore, identity). Writes nothing. */
export function planLifecycle(resourceId: string, action: LifecycleAction): Promise<LifecyclePlanView> {
  return call<LifecyclePlanView>('plan_lifecycle', { resourceId, action });
}

/**
 * Runs a key lifecycle action after planning it again; `confirmation` is what the user typed (empty when the plan
 * asks only for a review). Progress arrives as `operation-progress` events under `operationId`; `cancelSave` stops it.
 */
export function runLifecycle(
  resourceId: string,
  action: LifecycleAction,
  confirmation: Confirmed,
  operationId: string,
  /** The history entry this run undoes (History's Undo); the shell records the run as its undo. */
  undoOf: string | null = null,
): Promise<LifecycleOutcome> {
  return call<LifecycleOutcome>('run_lifecycle', {
    resourceId,
    action,
    confirmation,
    operationId,
    ...(undoOf === null ? {} : { undoOf }),
  });
}

/** The recorded changes of one resource (of every resource for null), newest first. */
export function listHistory(resourceId: string | null): Promise<HistoryEntry[]> {
  return call<HistoryEntry[]>('list_history', { resourceId });
}

/** One history entry; rejects with `history.entryNotFound` when the history no longer holds it. */
export function getHistoryEntry(id: string): Promise<HistoryEntry> {
  return call<HistoryEntry>('get_history_entry', { id });
}

/** The review of undoing a history entry (Change key's preflight, a lifecycle plan, or why it cannot be undone). */
export function planUndo(entryId: string): Promise<UndoReview> {
  return call<UndoReview>('plan_undo', { entryId });
}

/** Why the resource cannot reach its key: each cause with the fix Restore access offers. Writes nothing. */
export function diagnoseAccess(resourceId: string): Promise<RestoreDiagnosis> {
  return call<RestoreDiagnosis>('diagnose_access', { resourceId });
}

/**
 * How the resource's key rotates: version in use and latest, versions behind, last rotation, the rotation policy in
 * words. A policy the account may not read comes back as `policyReadable: false` with the missing permission said.
 */
export function readRotation(resourceId: string): Promise<RotationView> {
  return call<RotationView>('read_rotation', { resourceId });
}

export function listVaults(subscriptionId: string): Promise<VaultOption[]> {
  return call<VaultOption[]>('list_vaults', { subscriptionId });
}

export function listKeys(vaultUri: string): Promise<KeyOption[]> {
  return call<KeyOption[]>('list_keys', { vaultUri });
}

/** Newest first. */
export function listKeyVersions(vaultUri: string, keyName: string): Promise<KeyVersionOption[]> {
  return call<KeyVersionOption[]>('list_key_versions', { vaultUri, keyName });
}

/** Rejects with `azure.conflict` (a message to show as is) when the name is taken; nothing is written then. */
export function createVault(request: NewVaultRequest, operationId: string): Promise<VaultOption> {
  return call<VaultOption>('create_vault', { request, operationId });
}

/** Whether "Create new" key vault may use `name` (vault names are unique across Azure). Writes nothing. */
export function checkVaultName(subscriptionId: string, name: string): Promise<VaultNameCheck> {
  return call<VaultNameCheck>('check_vault_name', { subscriptionId, name });
}

/** Recovers the subscription's soft-deleted vault `name`; progress arrives as `operation-progress` events. */
export function recoverVault(subscriptionId: string, name: string, operationId: string): Promise<VaultOption> {
  return call<VaultOption>('recover_vault', { subscriptionId, name, operationId });
}

/**
 * Rejects with `azure.conflict` (a message to show as is) when the vault has a key of that name: Key Vault
 * would otherwise add a version to it silently.
 */
export function createKey(request: NewKeyRequest): Promise<KeyOption> {
  return call<KeyOption>('create_key', { request });
}

export function listIdentities(registryId: string): Promise<IdentityOptions> {
  return call<IdentityOptions>('list_identities', { registryId });
}

/** Every encrypted resource of the account's subscriptions (one Resource Graph query); `fresh` forgets cached reads. */
export function listHome(fresh: boolean): Promise<HomeListing> {
  return call<HomeListing>('list_home', { fresh });
}

/**
 * The health of `resourceIds` (from the last `listHome`), cached unless `refresh`; progress arrives as
 * `home-health-progress` events. `cancelHomeHealth(operationId)` stops it; what was checked is returned.
 */
export function checkHomeHealth(resourceIds: string[], refresh: boolean, operationId: string): Promise<HomeHealth[]> {
  return call<HomeHealth[]>('check_home_health', { resourceIds, refresh, operationId });
}

export function cancelHomeHealth(operationId: string): Promise<boolean> {
  return call<boolean>('cancel_home_health', { operationId });
}

/** Writes an export of Home's table to `path` (a bare name goes to Downloads); resolves with the path written. */
export function saveHomeExport(path: string, contents: string): Promise<string> {
  return call<string>('save_home_export', { path, contents });
}
