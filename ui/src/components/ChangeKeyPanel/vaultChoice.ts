import type { OpenedVault } from '../../api/contract';
import type { KeyOption, KeyVersionOption, VaultOption } from '../../bindings';
import { formatTimestamp } from '../../model/encryptionText';

/** What is chosen in Select from Key Vault. A key without a version means automatic rotation. */
export interface VaultChoice {
  subscriptionId: string;
  vault: VaultOption | null;
  key: KeyOption | null;
  /** Null: no version picked, so the key is stored unversioned (unless `pinVersion`). */
  version: KeyVersionOption | null;
  /** Key version: "Use this version (manual rotation)" was chosen, so a version must be picked. */
  pinVersion?: boolean;
}

/**
 * The key URI a choice stands for: the version's when one is pinned, else the key's (unversioned), which only a
 * kind that follows new key versions may store (`allowUnversioned`); otherwise null until a version is picked.
 */
export function choiceKeyUri(choice: VaultChoice, allowUnversioned = true): string | null {
  if (choice.version !== null) return choice.version.kid;
  return allowUnversioned && choice.pinVersion !== true ? (choice.key?.kid ?? null) : null;
}

export function vaultOptionLabel(vault: VaultOption): string {
  if (isOpenedVault(vault)) return `${vault.name} (opened by URI)`;
  switch (vault.keys.status) {
    case 'allowed':
      return `${vault.name} (${vault.resourceGroup})`;
    case 'denied':
      return `${vault.name}: cannot list keys (${deniedShort(vault.keys.reasonCode)})`;
    case 'failed':
      return `${vault.name}: cannot list keys`;
  }
}

function deniedShort(reasonCode: string): string {
  switch (reasonCode) {
    case 'forbiddenByFirewall':
      return 'firewall';
    case 'forbiddenByRbac':
    case 'forbiddenByPolicy':
    case 'accessDenied':
      return 'no permission';
    default:
      return 'refused';
  }
}

export function keyOptionLabel(key: KeyOption): string {
  const notes: string[] = [];
  if (key.enabled === false) notes.push('disabled');
  if (key.expires !== null) notes.push(`expires ${formatTimestamp(key.expires)}`);
  if (key.managed) notes.push('managed by a certificate');
  return notes.length === 0 ? key.name : `${key.name} (${notes.join(', ')})`;
}

export function versionOptionLabel(version: KeyVersionOption): string {
  const notes: string[] = [];
  if (version.isLatest) notes.push('latest');
  if (version.created !== null) notes.push(`created ${formatTimestamp(version.created)}`);
  if (version.enabled === false) notes.push('disabled');
  return `${version.version}${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`;
}

/** The id an opened-by-URI vault has in the picker: it has no Resource Manager ID keyblade could read. */
export function openedVaultId(vaultUri: string): string {
  return `opened-by-uri:${vaultUri.toLowerCase()}`;
}

export function isOpenedVault(vault: VaultOption): boolean {
  return vault.id.startsWith('opened-by-uri:');
}

/**
 * A vault opened by its URI, as the picker's vault list holds it. Its keys were read, so listing them works; what
 * Resource Manager would say (resource group, soft delete…) is unknown, and preflight checks it.
 */
export function openedVaultOption(vault: OpenedVault, subscriptionId: string): VaultOption {
  return {
    id: openedVaultId(vault.vaultUri),
    name: vault.name,
    subscriptionId,
    resourceGroup: '',
    location: '',
    vaultUri: vault.vaultUri,
    permissionModel: 'rbac',
    softDelete: true,
    purgeProtection: true,
    networkRestricted: false,
    keys: { status: 'allowed' },
  };
}
