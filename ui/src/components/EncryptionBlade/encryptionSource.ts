import type { CommandError, EncryptionView } from '../../bindings';
import { resourceCommandBlocker } from '../../model/commandAvailability';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';

/**
 * Where the Encryption blade's data stands for the selected registry. The blade owns no fetching: its
 * parent reads the registry's encryption through the shell (`get_encryption`) and passes the outcome here.
 */
export type EncryptionSource =
  /** Nothing can read it; `reason` says so in the user's terms. */
  | { kind: 'unreadable'; reason: string }
  | { kind: 'loading' }
  | { kind: 'failed'; error: CommandError }
  | { kind: 'loaded'; view: EncryptionView };

/** Before anything was asked (no registry selected yet). */
export const encryptionUnreadable: EncryptionSource = {
  kind: 'unreadable',
  reason: 'No registry has been read yet.',
};

/** Which selected resources the blade can show. Only registries for now. */
export function encryptionUnsupportedReason(context: ResourceContext): string | null {
  if (context.kind !== 'resource' || context.selection.resource.kind === 'containerRegistry') {
    return null;
  }
  const kind = resourceKindNames[context.selection.resource.kind].pluralInSentence;
  return `keyblade does not manage the encryption of ${kind} yet. Select a container registry.`;
}

export interface EncryptionCommandState {
  /** Null when the command can run; otherwise the tooltip that says why not. */
  changeKeyBlocker: string | null;
  refreshBlocker: string | null;
}

export function encryptionCommandState(
  context: ResourceContext,
  source: EncryptionSource,
  canRefresh: boolean,
): EncryptionCommandState {
  const blocker =
    resourceCommandBlocker(context, 'a container registry') ?? encryptionUnsupportedReason(context);
  if (blocker !== null) {
    return { changeKeyBlocker: blocker, refreshBlocker: blocker };
  }
  switch (source.kind) {
    case 'unreadable':
      return { changeKeyBlocker: source.reason, refreshBlocker: source.reason };
    case 'loading':
      return {
        changeKeyBlocker: "Wait until the registry's encryption has loaded.",
        refreshBlocker: "The registry's encryption is loading.",
      };
    case 'failed':
      return {
        changeKeyBlocker: "The registry's encryption could not be read; refresh to try again.",
        refreshBlocker: canRefresh ? null : 'Refreshing is not available here.',
      };
    case 'loaded':
      return {
        changeKeyBlocker: source.view.change.allowed
          ? null
          : (source.view.change.reason ?? 'The key of this registry cannot be changed.'),
        refreshBlocker: canRefresh ? null : 'Refreshing is not available here.',
      };
  }
}
