import { describe, expect, it } from 'vitest';
import type { IdentityOption, IdentityOptions } from '../../bindings';
import { lookUpIdentity } from './identityLookup';

const identity = (name: string, clientId: string | null, subscriptionId = 's1'): IdentityOption => ({
  resourceId: `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
  name,
  subscriptionId,
  resourceGroup: 'rg',
  subscriptionName: null,
  clientId,
  principalId: null,
  exists: true,
});

const attached = identity('id-attached', '11111111-1111-1111-1111-111111111111');
const other = identity('id-other-subscription', '22222222-2222-2222-2222-222222222222', 's2');
const options: IdentityOptions = {
  systemAssignedEnabled: false,
  systemAssignedPrincipalId: null,
  attached: [attached],
  available: [other],
  etag: null,
};

describe('lookUpIdentity', () => {
  it.each([
    ['', 'empty', null],
    ['  ', 'empty', null],
    ['11111111-1111-1111-1111-111111111111', 'found', 'id-attached'],
    ['22222222-2222-2222-2222-222222222222', 'found', 'id-other-subscription'],
    [' 22222222-2222-2222-2222-222222222222 ', 'found', 'id-other-subscription'],
    [other.resourceId.toUpperCase(), 'found', 'id-other-subscription'],
    ['33333333-3333-3333-3333-333333333333', 'notFound', null],
    ['id-attached', 'notFound', null],
  ])('%j is %s', (typed, kind, name) => {
    const result = lookUpIdentity(options, typed);
    expect(result.kind).toBe(kind);
    if (result.kind === 'found') expect(result.identity.name).toBe(name);
  });

  it('says whether the found identity is attached, and why nothing was found', () => {
    expect(lookUpIdentity(options, attached.resourceId)).toMatchObject({ kind: 'found', attached: true });
    expect(lookUpIdentity(options, other.clientId ?? '')).toMatchObject({ kind: 'found', attached: false });
    const unknown = lookUpIdentity(options, '33333333-3333-3333-3333-333333333333');
    expect(unknown.kind === 'notFound' && unknown.message).toMatch(/No user-assigned identity you can read/);
    const name = lookUpIdentity(options, 'id-attached');
    expect(name.kind === 'notFound' && name.message).toMatch(/Enter a client ID/);
  });
});
