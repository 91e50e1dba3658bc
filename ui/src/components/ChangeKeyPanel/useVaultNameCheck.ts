import { checkVaultName } from '../../api';
import type { VaultNameCheck } from '../../bindings';
import { useCommand } from '../../hooks/useCommand';
import { useDebounced } from '../../hooks/useDebounced';
import type { VaultNameCheckState } from './vaultNameCheck';

/** How long typing must pause before a key vault name is checked. */
export const vaultNameCheckDelayMs = 400;

/**
 * Checks `name` with `check_vault_name` once typing pauses, when `askable` (it passes the naming rule).
 * An answer is shown only for the name in the field: one for an earlier name is dropped.
 */
export function useVaultNameCheck(
  subscriptionId: string,
  name: string,
  askable: boolean,
): { state: VaultNameCheckState; checkAgain: () => void } {
  const wanted = askable ? name : null;
  const settled = useDebounced(wanted, vaultNameCheckDelayMs);
  const command = useCommand<VaultNameCheck>(
    settled === null ? null : `vault-name:${subscriptionId}:${settled}`,
    () => checkVaultName(subscriptionId, settled ?? ''),
    'check_vault_name',
  );
  const state = ((): VaultNameCheckState => {
    if (wanted === null) return { status: 'unchecked' };
    if (settled !== wanted) return { status: 'checking' };
    switch (command.state.status) {
      case 'idle':
      case 'loading':
        return { status: 'checking' };
      case 'failed':
        return { status: 'failed', error: command.state.error };
      case 'loaded':
        return { status: 'checked', check: command.state.value };
    }
  })();
  return { state, checkAgain: command.reload };
}
