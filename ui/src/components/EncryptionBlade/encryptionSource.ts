import type { CommandError, EncryptionView, KindRules } from '../../bindings';
import { resourceCommandBlocker } from '../../model/commandAvailability';
import { kindRulesFor } from '../../model/kindRules';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames } from '../../model/resources';

/**
 * Where the Encryption blade's data stands for the selected resource. The blade owns no fetching: its
 * parent reads the resource's encryption through the shell (`get_encryption`) and passes the outcome here.
 */
export type EncryptionSource =
  /** Nothing can read it; `reason` says so in the user's terms. */
  | { kind: 'unreadable'; reason: string }
  | { kind: 'loading' }
  | { kind: 'failed'; error: CommandError }
  | { kind: 'loaded'; view: EncryptionView };

/** Before anything was asked (no resource selected yet). */
export const encryptionUnreadable: EncryptionSource = {
  kind: 'unreadable',
  reason: 'No resource has been read yet.',
};

/**
 * Which selected resources the blade can show: the kinds app_info's `kinds` table has a row for (all three with
 * this back end). Null when the blade can show it, or nothing is selected.
 */
export function encryptionUnsupportedReason(context: ResourceContext, kinds: readonly KindRules[]): string | null {
  if (context.kind !== 'resource' || kindRulesFor(kinds, context.selection.resource.kind) !== null) {
    return null;
  }
  const kind = resourceKindNames[context.selection.resource.kind].pluralInSentence;
  return `This version of keyblade does not manage the encryption of ${kind}. Select another resource.`;
}

/** How the blade's sentences name the selected resource: its kind's short name ("storage account"). */
function subject(context: ResourceContext, kinds: readonly KindRules[]): string {
  if (context.kind !== 'resource') return 'resource';
  return kindRulesFor(kinds, context.selection.resource.kind)?.shortName ?? 'resource';
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
  kinds: readonly KindRules[],
): EncryptionCommandState {
  const blocker = resourceCommandBlocker(context, 'a resource') ?? encryptionUnsupportedReason(context, kinds);
  const name = subject(context, kinds);
  if (blocker !== null) {
    return { changeKeyBlocker: blocker, refreshBlocker: blocker };
  }
  switch (source.kind) {
    case 'unreadable':
      return { changeKeyBlocker: source.reason, refreshBlocker: source.reason };
    case 'loading':
      return {
        changeKeyBlocker: `Wait until the ${name}'s encryption has loaded.`,
        refreshBlocker: `The ${name}'s encryption is loading.`,
      };
    case 'failed':
      return {
        changeKeyBlocker: `The ${name}'s encryption could not be read; refresh to try again.`,
        refreshBlocker: canRefresh ? null : 'Refreshing is not available here.',
      };
    case 'loaded':
      return {
        changeKeyBlocker: source.view.change.allowed
          ? null
          : (source.view.change.reason ?? `The key of this ${name} cannot be changed.`),
        refreshBlocker: canRefresh ? null : 'Refreshing is not available here.',
      };
  }
}

/**
 * Why Revoke access and Restore access cannot be offered now (null when they can): they need the resource's
 * encryption loaded, with a customer-managed key.
 */
export function keyAccessBlocker(
  context: ResourceContext,
  source: EncryptionSource,
  kinds: readonly KindRules[],
): string | null {
  const state = encryptionCommandState(context, source, true, kinds);
  if (source.kind !== 'loaded') return state.changeKeyBlocker;
  if (source.view.keySource === 'microsoftManaged') {
    return `The ${subject(context, kinds)} uses Microsoft-managed keys: there is no key of yours whose access could change.`;
  }
  return null;
}
