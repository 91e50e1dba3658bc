import type {
  EncryptionView,
  IdentityOptions,
  KeyOption,
  KeyUriInfo,
  KeyVersionOption,
  PlanStepView,
  PreflightReport,
  RotationView,
  VaultNameCheck,
  VaultOption,
} from '../bindings';
import { contosoProd, prodLanguage, prodRegistry, prodStorage, type CommandHandler } from './ipc';

// Fixtures for the Encryption blade and the Change key panel, shaped as the shell returns them.

const sub = contosoProd.subscriptionId;
export const vaultUri = 'https://kv-contoso.vault.azure.net/';
export const version1 = '0123456789abcdef0123456789abcdef';
export const version2 = 'fedcba9876543210fedcba9876543210';
export const identityId = `/subscriptions/${sub}/resourceGroups/rg-security/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-images`;

export const cmkView: EncryptionView = {
  kind: 'containerRegistry',
  registryId: prodRegistry.id,
  registryName: prodRegistry.name,
  resourceGroup: prodRegistry.resourceGroup,
  subscriptionId: sub,
  location: 'westeurope',
  sku: 'Premium',
  etag: '"etag-1"',
  keySource: 'customerManaged',
  key: {
    keyUri: `${vaultUri}keys/cmk-images`,
    versionedKeyUri: `${vaultUri}keys/cmk-images/${version1}`,
    vaultName: 'kv-contoso',
    vaultUri,
    vaultId: `/subscriptions/${sub}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-contoso`,
    keyName: 'cmk-images',
    versionInUse: version1,
    latestVersion: version1,
    newerVersion: null,
    rotation: 'automatic',
    lastRotation: '2026-05-12T14:02:00Z',
  },
  identity: {
    kind: 'userAssigned',
    name: 'id-images',
    resourceId: identityId,
    clientId: '11111111-2222-3333-4444-555555555555',
    principalId: '66666666-7777-8888-9999-000000000000',
    exists: true,
  },
  health: {
    status: 'healthy',
    summary: 'The identity can get, wrap and unwrap the key.',
    problems: [],
  },
  change: { allowed: true, reason: null },
  systemAssignedIdentity: null,
  checkedAt: '2026-05-13T09:00:00Z',
};

/** read_rotation's answer for `cmkView`: unversioned, on the latest version, no rotation policy. */
export const cmkRotation: RotationView = {
  resourceId: prodRegistry.id,
  kind: 'containerRegistry',
  key: {
    vaultName: 'kv-contoso',
    keyName: 'cmk-images',
    keyUri: cmkView.key?.keyUri ?? '',
    followsNewVersions: true,
    versionInUse: cmkView.key?.versionInUse ?? null,
    latestVersion: cmkView.key?.versionInUse ?? null,
    latestVersionUri: null,
    latestCreated: null,
    expires: null,
    versionsBehind: 0,
    lastRotation: '2026-05-12T14:02:00Z',
    policyReadable: true,
    policy: null,
    policyDescription: ['No rotation policy'],
    problem: null,
  },
};

export const noCmkReason =
  'Registry contosoimages was created with a Microsoft-managed key, and its encryption cannot be switched to a customer-managed key afterwards. A customer-managed key can be set only when a registry is created, and only on the Premium tier.';

export const mmkView: EncryptionView = {
  ...cmkView,
  keySource: 'microsoftManaged',
  key: null,
  identity: null,
  health: {
    status: 'notApplicable',
    summary: "The registry's data is encrypted with a Microsoft-managed key; there is no key of yours to reach.",
    problems: [],
  },
  change: { allowed: false, reason: noCmkReason },
};

export const basicView: EncryptionView = {
  ...mmkView,
  sku: 'Basic',
  change: {
    allowed: false,
    reason:
      'Registry contosoimages is on the Basic tier and was created with a Microsoft-managed key. A customer-managed key can be set only when a registry is created, and only on the Premium tier.',
  },
};

export const revokedView: EncryptionView = {
  ...cmkView,
  health: {
    status: 'unhealthy',
    summary: 'The identity lacks get, wrapKey, unwrapKey on the key through the vault access policies.',
    problems: [
      {
        severity: 'error',
        code: 'access.missingPermissions',
        message: 'The identity lacks get, wrapKey, unwrapKey on the key through the vault access policies.',
        fix: 'Add an access policy: az keyvault set-policy --name kv-contoso --key-permissions get wrapKey unwrapKey',
      },
    ],
  },
};

export const vaults: VaultOption[] = [
  {
    id: `/subscriptions/${sub}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-contoso`,
    name: 'kv-contoso',
    subscriptionId: sub,
    resourceGroup: 'rg-security',
    location: 'westeurope',
    vaultUri,
    permissionModel: 'accessPolicies',
    softDelete: true,
    purgeProtection: true,
    networkRestricted: false,
    keys: { status: 'allowed' },
  },
  {
    id: `/subscriptions/${sub}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-locked`,
    name: 'kv-locked',
    subscriptionId: sub,
    resourceGroup: 'rg-security',
    location: 'westeurope',
    vaultUri: 'https://kv-locked.vault.azure.net/',
    permissionModel: 'rbac',
    softDelete: true,
    purgeProtection: true,
    networkRestricted: true,
    keys: {
      status: 'denied',
      reasonCode: 'forbiddenByFirewall',
      reason: "You cannot list keys in this vault: the vault's firewall does not allow your network address.",
    },
  },
];

export const keys: KeyOption[] = [
  {
    name: 'cmk-images',
    kid: `${vaultUri}keys/cmk-images`,
    enabled: true,
    expires: null,
    created: '2026-01-01T00:00:00Z',
    updated: '2026-01-01T00:00:00Z',
    managed: false,
  },
];

export const versions: KeyVersionOption[] = [
  {
    version: version2,
    kid: `${vaultUri}keys/cmk-images/${version2}`,
    enabled: true,
    notBefore: null,
    expires: null,
    created: '2026-05-01T00:00:00Z',
    isLatest: true,
  },
  {
    version: version1,
    kid: `${vaultUri}keys/cmk-images/${version1}`,
    enabled: true,
    notBefore: null,
    expires: null,
    created: '2026-01-01T00:00:00Z',
    isLatest: false,
  },
];

export const identities: IdentityOptions = {
  systemAssignedEnabled: false,
  systemAssignedPrincipalId: null,
  attached: [
    {
      resourceId: identityId,
      name: 'id-images',
      subscriptionId: sub,
      subscriptionName: 'Contoso Production',
      resourceGroup: 'rg-security',
      clientId: '11111111-2222-3333-4444-555555555555',
      principalId: '66666666-7777-8888-9999-000000000000',
      exists: true,
    },
  ],
  available: [],
  etag: '"etag-1"',
};

export const setKeyStep: PlanStepView = {
  kind: 'setEncryptionKey',
  title: 'Encrypt registry contosoimages with key cmk-images',
  method: 'PATCH',
  path: `${prodRegistry.id}?api-version=2023-07-01`,
  body: {},
  bodySummary: 'encryption.keyVaultProperties = {keyIdentifier: …}',
  azCommand: 'az acr encryption rotate-key --name contosoimages --key-encryption-key https://kv-contoso.vault.azure.net/keys/cmk-images',
};

export const cleanReport: PreflightReport = {
  canSave: true,
  keyUri: `${vaultUri}keys/cmk-images`,
  rotation: 'automatic',
  steps: [setKeyStep],
  findings: [
    {
      severity: 'info',
      code: 'rotation.automatic',
      message: 'The key URI has no version, so rotation is automatic.',
      fix: null,
    },
  ],
  grant: { status: 'notNeeded' },
  etag: '"etag-2"',
  vaultId: `/subscriptions/${sub}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-contoso`,
};

export const missingAccessReport: PreflightReport = {
  ...cleanReport,
  canSave: false,
  findings: [
    {
      severity: 'error',
      code: 'access.missingPermissions',
      message: 'The identity lacks get, wrapKey, unwrapKey on the key through the vault access policies.',
      fix: 'Select "Grant access" to let keyblade do it.',
    },
  ],
  grant: {
    status: 'allowed',
    action: 'add an access policy with get, wrapKey and unwrapKey for the identity to vault kv-contoso',
    azCommand: 'az keyvault set-policy --name kv-contoso --key-permissions get wrapKey unwrapKey',
  },
};

/** What create_vault returns for "kv-images-01" in the registry's resource group: a new vault, no keys yet. */
export const newVault: VaultOption = {
  id: `/subscriptions/${sub}/resourceGroups/rg-images/providers/Microsoft.KeyVault/vaults/kv-images-01`,
  name: 'kv-images-01',
  subscriptionId: sub,
  resourceGroup: 'rg-images',
  location: 'westeurope',
  vaultUri: 'https://kv-images-01.vault.azure.net/',
  permissionModel: 'rbac',
  softDelete: true,
  purgeProtection: true,
  networkRestricted: false,
  keys: { status: 'allowed' },
};

/** What create_key returns for "cmk-new" in the new vault. */
export const newKey: KeyOption = {
  name: 'cmk-new',
  kid: 'https://kv-images-01.vault.azure.net/keys/cmk-new',
  enabled: true,
  expires: null,
  created: '2026-11-23T10:00:00Z',
  updated: '2026-11-23T10:00:00Z',
  managed: false,
};

/** A fixture list's item, for tests that need it by position (the list is fixed, so it is there). */
export function fixture<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`The fixture list has no item ${String(index)}.`);
  return item;
}

/** Storage account contosodata with a customer-managed key that follows new versions. */
export const storageView: EncryptionView = {
  ...cmkView,
  kind: 'storageAccount',
  registryId: prodStorage.id,
  registryName: prodStorage.name,
  resourceGroup: prodStorage.resourceGroup,
  sku: '',
};

/** Azure AI services account contoso-language, pinned to version1 while version2 is newer. */
export const cognitiveView: EncryptionView = {
  ...cmkView,
  kind: 'cognitiveServicesAccount',
  registryId: prodLanguage.id,
  registryName: prodLanguage.name,
  resourceGroup: prodLanguage.resourceGroup,
  sku: '',
  key: cmkView.key === null ? null : {
    ...cmkView.key,
    keyUri: `${vaultUri}keys/cmk-images/${version1}`,
    latestVersion: version2,
    newerVersion: version2,
    rotation: 'manual',
  },
};

/** What preflight answers for Microsoft-managed keys: one step, no key URI. */
export const turnOffReport: PreflightReport = {
  canSave: true,
  keyUri: '',
  rotation: 'automatic',
  steps: [
    {
      kind: 'useMicrosoftManagedKeys',
      title: 'Use Microsoft-managed keys for storage account contosodata',
      method: 'PATCH',
      path: `${prodStorage.id}?api-version=2023-05-01`,
      body: {},
      bodySummary: 'encryption.keySource = Microsoft.Storage',
      azCommand: 'az storage account update --name contosodata --encryption-key-source Microsoft.Storage',
    },
  ],
  findings: [],
  grant: { status: 'notNeeded' },
  etag: '"etag-3"',
  vaultId: null,
};

/** What validate_key_uri answers for a key URI typed into Change key: a key of kv-contoso, with its version if any. */
export function uriInfo(uri: string): KeyUriInfo {
  const version = /\/keys\/[^/]+\/([0-9a-f]{32})$/.exec(uri)?.[1] ?? null;
  return {
    canonical: uri,
    vaultName: 'kv-contoso',
    vaultUrl: vaultUri,
    keyName: 'cmk-images',
    version,
    rotation: version === null ? 'automatic' : 'manual',
    isManagedHsm: false,
  };
}

/** The Encryption blade and Change key's commands: `view` is what get_encryption answers; every check passes. */
export function encryptionHandlers(view: () => EncryptionView): Record<string, CommandHandler> {
  return {
    get_encryption: () => view(),
    list_identities: () => identities,
    list_vaults: () => vaults,
    list_keys: () => keys,
    list_key_versions: () => versions,
    preflight: () => cleanReport,
    validate_key_uri: (args) => uriInfo(String(args.input)),
    check_vault_name: () => ({ status: 'available' }) satisfies VaultNameCheck,
  };
}
