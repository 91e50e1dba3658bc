import type { IdentityOption, IdentityOptions } from '../../bindings';

export type IdentityLookup =
  | { kind: 'empty' }
  | { kind: 'found'; identity: IdentityOption; attached: boolean }
  | { kind: 'notFound'; message: string };

/**
 * Finds the user-assigned identity an admin typed by its client ID or its resource ID, among every identity the
 * account can read (the resource's attached ones and those of every subscription of its tenant): what `az acr
 * encryption rotate-key --identity` accepts, without scrolling a long list.
 */
export function lookUpIdentity(options: IdentityOptions, typed: string): IdentityLookup {
  const text = typed.trim();
  if (text === '') return { kind: 'empty' };
  const wanted = text.toLowerCase();
  const matches = (identity: IdentityOption) =>
    identity.resourceId.toLowerCase() === wanted || (identity.clientId?.toLowerCase() ?? '') === wanted;
  const attached = options.attached.find(matches);
  if (attached !== undefined) return { kind: 'found', identity: attached, attached: true };
  const available = options.available.find(matches);
  if (available !== undefined) return { kind: 'found', identity: available, attached: false };
  const looksLikeId = text.startsWith('/subscriptions/') || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
  return {
    kind: 'notFound',
    message: looksLikeId
      ? `No user-assigned identity you can read has the client ID or resource ID ${text}. Check that it exists in a subscription of this tenant that your account can read.`
      : 'Enter a client ID (a GUID) or a resource ID (/subscriptions/…/userAssignedIdentities/…).',
  };
}
