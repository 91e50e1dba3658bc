import type { CommandError, KeyOption, VaultNameCheck, VaultOption } from '../../bindings';
import { formatDate } from '../../model/encryptionText';

// What the Create new dialogs say about the name being typed, before anything is sent: pure, so every
// answer of `check_vault_name` maps to one text and one way out.

/** Where the check of the key vault name in the field stands. */
export type VaultNameCheckState =
  /** Nothing to ask: the field is empty, or the name breaks Azure's naming rule (the rule says why). */
  | { status: 'unchecked' }
  /** Typing has not paused yet, or the answer for this name has not arrived. */
  | { status: 'checking' }
  | { status: 'checked'; check: VaultNameCheck }
  | { status: 'failed'; error: CommandError };

/** What the user can do instead of creating, offered as a button under the field. */
export type NameFieldAction =
  | { kind: 'selectVault'; vault: VaultOption }
  | { kind: 'selectKey'; key: KeyOption }
  | { kind: 'recoverVault' }
  | { kind: 'checkAgain' };

/** The name field of a Create new dialog: Fluent `Field` validation, and whether Create may run. */
export interface NameField {
  validationState: 'none' | 'error' | 'success';
  message: string | null;
  action: NameFieldAction | null;
  canCreate: boolean;
}

export const checkingVaultName = 'Checking the name…';
export const vaultNameAvailable = 'The name is available.';

const blocked = (message: string, action: NameFieldAction | null = null): NameField => ({
  validationState: 'error',
  message,
  action,
  canCreate: false,
});

/**
 * The key vault name field. `ruleProblem` is why the name breaks Azure's naming rule (checked locally,
 * as the user types); only a name that passes is asked about, and only `available` lets Create run.
 */
export function vaultNameField(name: string, ruleProblem: string | null, check: VaultNameCheckState): NameField {
  if (name === '') return { validationState: 'none', message: null, action: null, canCreate: false };
  if (ruleProblem !== null) return blocked(ruleProblem);
  switch (check.status) {
    case 'unchecked':
    case 'checking':
      return { validationState: 'none', message: checkingVaultName, action: null, canCreate: false };
    case 'failed':
      return blocked(`keyblade could not check whether the name is free: ${check.error.message}`, { kind: 'checkAgain' });
    case 'checked':
      return checkedVaultName(name, check.check);
  }
}

function checkedVaultName(name: string, check: VaultNameCheck): NameField {
  switch (check.status) {
    case 'available':
      return { validationState: 'success', message: vaultNameAvailable, action: null, canCreate: true };
    case 'invalid':
      return blocked(check.reason);
    case 'inSubscription':
      return blocked(
        `A key vault named ${check.vault.name} already exists in resource group ${check.vault.resourceGroup}. Creating it would replace its access settings: pick it from the list instead.`,
        { kind: 'selectVault', vault: check.vault },
      );
    case 'softDeleted': {
      const deleted = check.deletionDate === null ? 'was deleted' : `was deleted on ${formatDate(check.deletionDate)}`;
      const kept =
        check.scheduledPurgeDate === null
          ? 'is kept until it is purged'
          : `is kept until ${formatDate(check.scheduledPurgeDate)}`;
      const taken = `${name} ${deleted} and ${kept}, so its name is taken.`;
      if (check.canRecover) return blocked(`${taken} Recover it to use it again, or choose another name.`, { kind: 'recoverVault' });
      const group =
        check.originalResourceGroup === null ? 'the resource group it was in' : `resource group ${check.originalResourceGroup}`;
      return blocked(`${taken} Ask someone with write access to ${group} to recover it, or choose another name.`);
    }
    case 'taken':
      return blocked(check.message);
  }
}

/**
 * The key name field: a key the vault already has (names are case-insensitive) would get a new version
 * rather than be created, so Create stays off and the existing key is offered instead.
 */
export function keyNameField(name: string, ruleProblem: string | null, existing: readonly KeyOption[]): NameField {
  if (name === '') return { validationState: 'none', message: null, action: null, canCreate: false };
  if (ruleProblem !== null) return blocked(ruleProblem);
  const same = existing.find((key) => key.name.toLowerCase() === name.toLowerCase());
  if (same === undefined) return { validationState: 'none', message: null, action: null, canCreate: true };
  return blocked(
    `Key ${same.name} already exists in this vault. Creating it again would add a new version, and every resource that uses ${same.name} without a version would move to it. Pick it from the list instead.`,
    { kind: 'selectKey', key: same },
  );
}
