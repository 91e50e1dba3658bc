import { describe, expect, it } from 'vitest';
import type { EncryptionView } from '../../bindings';
import { cmkView } from '../../test/encryption';
import { encryptionFacts } from './encryptionFacts';

function value(view: EncryptionView, term: string): string | undefined {
  return encryptionFacts(view, null).find(([t]) => t === term)?.[1];
}

describe('encryptionFacts', () => {
  // Regression: an account reaching its key with its system-assigned identity showed "Client ID: Unknown", because
  // Resource Manager's identity block carries no client ID for it. Its object ID is shown instead, named as such.
  it('shows a system-assigned identity by its object (principal) ID, not an unknown client ID', () => {
    const identity = { kind: 'systemAssigned' as const, name: 'stcontoso', resourceId: null, clientId: null, principalId: 'p-system', exists: true };
    const system: EncryptionView = { ...cmkView, kind: 'storageAccount', identity };
    expect(value(system, 'Client ID')).toBeUndefined();
    expect(value(system, 'Object (principal) ID')).toBe('p-system');
    const off: EncryptionView = { ...system, identity: { ...identity, principalId: null, exists: false } };
    expect(value(off, 'Object (principal) ID')).toBe('Unknown (the identity is off)');
  });

  it('keeps the client ID of a user-assigned identity, and of a system-assigned one whose service stores it', () => {
    expect(value(cmkView, 'Client ID')).toBe('11111111-2222-3333-4444-555555555555');
    const stored: EncryptionView = {
      ...cmkView,
      identity: { kind: 'systemAssigned', name: 'contosoimages', resourceId: null, clientId: 'c-system', principalId: 'p', exists: true },
    };
    expect(value(stored, 'Client ID')).toBe('c-system');
  });
});
