import type { KindRules, ResourceKind } from '../bindings';

// app_info's `kinds`, as the Rust table (crates/keyblade-core/src/kind.rs, `KindRules::ALL`) serialises them.

export const registryRules: KindRules = {
  kind: 'containerRegistry',
  armType: 'Microsoft.ContainerRegistry/registries',
  displayName: 'container registry',
  shortName: 'registry',
  apiVersion: '2023-07-01',
  systemAssignedIdentity: true,
  userAssignedIdentity: true,
  identityReference: 'clientId',
  followsNewVersions: true,
  canDisable: false,
  canEnableAfterCreation: false,
  keyVaultKeySource: null,
  platformKeySource: null,
  vaultSameTenant: true,
  vaultSameRegion: false,
  bodyShape: 'registryKeyVaultProperties',
  azSetKey: ['az', 'acr', 'encryption', 'rotate-key'],
  azAssignIdentity: ['az', 'acr', 'identity', 'assign'],
  azShowIdentity: ['az', 'acr', 'identity', 'show'],
  azPrincipalIdQuery: 'principalId',
  softDelete: 'warning',
  purgeProtection: 'warning',
  userAssignedIsTrustedService: false,
  automaticRotation: 'within an hour',
};

export const cognitiveRules: KindRules = {
  kind: 'cognitiveServicesAccount',
  armType: 'Microsoft.CognitiveServices/accounts',
  displayName: 'Azure AI services account',
  shortName: 'Azure AI services account',
  apiVersion: '2024-10-01',
  systemAssignedIdentity: true,
  userAssignedIdentity: true,
  identityReference: 'clientId',
  followsNewVersions: false,
  canDisable: true,
  canEnableAfterCreation: true,
  keyVaultKeySource: 'Microsoft.KeyVault',
  platformKeySource: 'Microsoft.CognitiveServices',
  vaultSameTenant: true,
  vaultSameRegion: true,
  bodyShape: 'cognitiveKeyVaultProperties',
  azSetKey: ['az', 'cognitiveservices', 'account', 'update'],
  azAssignIdentity: ['az', 'cognitiveservices', 'account', 'identity', 'assign'],
  azShowIdentity: ['az', 'cognitiveservices', 'account', 'identity', 'show'],
  azPrincipalIdQuery: 'principalId',
  softDelete: 'error',
  purgeProtection: 'error',
  userAssignedIsTrustedService: false,
  automaticRotation: 'when the service next checks the vault',
};

export const storageRules: KindRules = {
  kind: 'storageAccount',
  armType: 'Microsoft.Storage/storageAccounts',
  displayName: 'storage account',
  shortName: 'storage account',
  apiVersion: '2023-05-01',
  systemAssignedIdentity: true,
  userAssignedIdentity: true,
  identityReference: 'resourceId',
  followsNewVersions: true,
  canDisable: true,
  canEnableAfterCreation: true,
  keyVaultKeySource: 'Microsoft.Keyvault',
  platformKeySource: 'Microsoft.Storage',
  vaultSameTenant: true,
  vaultSameRegion: false,
  bodyShape: 'storageKeyvaultproperties',
  azSetKey: ['az', 'storage', 'account', 'update'],
  azAssignIdentity: ['az', 'storage', 'account', 'update'],
  azShowIdentity: ['az', 'storage', 'account', 'show'],
  azPrincipalIdQuery: 'identity.principalId',
  softDelete: 'error',
  purgeProtection: 'error',
  userAssignedIsTrustedService: false,
  automaticRotation: 'within 24 hours',
};

/** The three rows, in the Rust table's order. */
export const kindRows: KindRules[] = [registryRules, cognitiveRules, storageRules];

export function rulesOf(kind: ResourceKind): KindRules {
  const rules = kindRows.find((row) => row.kind === kind);
  if (rules === undefined) throw new Error(`No kind row for ${kind}.`);
  return rules;
}
