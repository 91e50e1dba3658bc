import { describe, expect, it } from 'vitest';
import type { KeyOption, KeyVersionOption, KindRules } from '../../bindings';
import { choiceKeyUri, type VaultChoice } from './vaultChoice';
import { identityId } from '../../test/encryption';
import { cognitiveRules, registryRules, storageRules } from '../../test/kinds';
import {
  desiredChange,
  identityTypes,
  incompleteReason,
  initialIdentityDraft,
  keyUriProblem,
  keyVersionChoices,
  keyVersionMode,
  offersEncryptionType,
  saveNeedsConfirmation,
  versionRule,
} from './changeKeyForm';

describe('the Change key form per kind', () => {
  it.each([
    { rules: registryRules, encryptionType: false, unversioned: true },
    { rules: storageRules, encryptionType: true, unversioned: true },
    { rules: cognitiveRules, encryptionType: true, unversioned: false },
  ])('$rules.kind: Encryption type $encryptionType, unversioned keys $unversioned', ({ rules, encryptionType, unversioned }) => {
    expect(offersEncryptionType(rules)).toBe(encryptionType);
    const versions = versionRule(rules);
    expect(versions.allowUnversioned).toBe(unversioned);
    expect(versions.explanation === null).toBe(unversioned);
    expect(keyUriProblem(rules, { version: null }) === null).toBe(unversioned);
    expect(keyUriProblem(rules, { version: 'fedcba9876543210fedcba9876543210' })).toBeNull();
  });

  it('explains why a cognitive account needs a version', () => {
    expect(versionRule(cognitiveRules).explanation).toMatch(/^Azure AI services accounts do not follow new key versions, so choose a specific version/);
    expect(keyUriProblem(cognitiveRules, { version: null })).toMatch(/enter the URI of a key version/);
    expect(versionRule(storageRules).unversionedHint).toMatch(/^Unversioned: automatic rotation\. The storage account moves .* within 24 hours\.$/);
  });

  it.each<{ name: string; rules: KindRules; types: string[] }>([
    { name: 'both identities', rules: registryRules, types: ['userAssigned', 'systemAssigned'] },
    { name: 'system-assigned only', rules: { ...storageRules, userAssignedIdentity: false }, types: ['systemAssigned'] },
    { name: 'user-assigned only', rules: { ...storageRules, systemAssignedIdentity: false }, types: ['userAssigned'] },
  ])('offers $name', ({ rules, types }) => {
    expect(identityTypes(rules)).toEqual(types);
  });

  it.each([
    { name: 'the system-assigned identity in use', rules: registryRules, inUse: { kind: 'systemAssigned', resourceId: null }, choice: { type: 'systemAssigned' } },
    { name: 'a user-assigned identity in use', rules: registryRules, inUse: { kind: 'userAssigned', resourceId: identityId }, choice: { type: 'userAssigned', resourceId: identityId } },
    { name: 'no identity', rules: registryRules, inUse: null, choice: { type: 'userAssigned', resourceId: null } },
    { name: 'a kind without user-assigned identities', rules: { ...storageRules, userAssignedIdentity: false }, inUse: { kind: 'userAssigned', resourceId: identityId }, choice: { type: 'systemAssigned' } },
  ] as const)('starts with $name', ({ rules, inUse, choice }) => {
    expect(initialIdentityDraft(rules, inUse)).toEqual(choice);
  });
});

describe('desiredChange', () => {
  const keyUri = 'https://kv-contoso.vault.azure.net/keys/cmk-images';
  it.each([
    {
      name: 'a customer-managed key',
      input: { keySource: 'customerManaged', keyUri, identity: { type: 'systemAssigned' }, grantAccess: true },
      desired: { keySource: 'customerManaged', keyUri, identity: { type: 'systemAssigned' }, grantAccess: true },
    },
    { name: 'no key yet', input: { keySource: 'customerManaged', keyUri: null, identity: { type: 'systemAssigned' }, grantAccess: false }, desired: null },
    { name: 'no identity yet', input: { keySource: 'customerManaged', keyUri, identity: null, grantAccess: false }, desired: null },
    {
      name: 'Microsoft-managed keys, whatever the key and grant',
      input: { keySource: 'microsoftManaged', keyUri, identity: { type: 'userAssigned', resourceId: identityId }, grantAccess: true },
      desired: { keySource: 'microsoftManaged', keyUri: '', identity: { type: 'userAssigned', resourceId: identityId }, grantAccess: false },
    },
    {
      name: 'Microsoft-managed keys without an identity chosen',
      input: { keySource: 'microsoftManaged', keyUri: null, identity: null, grantAccess: false },
      desired: { keySource: 'microsoftManaged', keyUri: '', identity: { type: 'systemAssigned' }, grantAccess: false },
    },
  ] as const)('$name', ({ input, desired }) => {
    const change = desiredChange(input);
    expect(change).toEqual(desired);
    expect(saveNeedsConfirmation(change)).toBe(input.keySource === 'microsoftManaged');
  });

  it.each([
    { keyUri: null, withoutVersion: false, reason: /^Choose a key \(or enter a valid key URI\)/ },
    { keyUri: null, withoutVersion: true, reason: /^Choose a key version/ },
    { keyUri, withoutVersion: false, reason: /^Choose the identity the storage account uses/ },
  ])('says what is missing: $reason', ({ keyUri: uri, withoutVersion, reason }) => {
    expect(incompleteReason(storageRules, uri, withoutVersion)).toMatch(reason);
  });
});

describe('Key version: the latest version or this version', () => {
  it.each<{ name: string; rules: KindRules; offered: boolean }>([
    { name: 'a registry', rules: registryRules, offered: true },
    { name: 'a storage account', rules: storageRules, offered: true },
    { name: 'an Azure AI services account (a version is required)', rules: cognitiveRules, offered: false },
  ])('is offered for $name: $offered', ({ rules, offered }) => {
    const choices = keyVersionChoices(rules);
    expect(choices !== null).toBe(offered);
    expect(versionRule(rules).choices).toEqual(choices);
    if (choices !== null) {
      expect(choices.map((c) => c.label)).toEqual([
        'Always use the latest version (automatic rotation)',
        'Use this version (manual rotation)',
      ]);
      expect(choices[0]?.sentence).toMatch(new RegExp(`^The ${rules.shortName} moves to each new key version by itself`));
      expect(choices[1]?.sentence).toMatch(/new versions are not picked up\.$/);
    }
  });

  const key = { kid: 'https://kv.vault.azure.net/keys/k' } as KeyOption;
  const version = { kid: 'https://kv.vault.azure.net/keys/k/v2', version: 'v2' } as KeyVersionOption;
  it.each<{ name: string; choice: Pick<VaultChoice, 'version' | 'pinVersion'>; allowUnversioned: boolean; mode: string; uri: string | null }>([
    { name: 'no version, latest', choice: { version: null }, allowUnversioned: true, mode: 'latest', uri: key.kid },
    { name: 'this version, none picked yet', choice: { version: null, pinVersion: true }, allowUnversioned: true, mode: 'pinned', uri: null },
    { name: 'a version picked', choice: { version, pinVersion: true }, allowUnversioned: true, mode: 'pinned', uri: version.kid },
    { name: 'a version picked from the list alone', choice: { version }, allowUnversioned: true, mode: 'pinned', uri: version.kid },
    { name: 'a kind that needs a version, none picked', choice: { version: null }, allowUnversioned: false, mode: 'latest', uri: null },
  ])('$name', ({ choice, allowUnversioned, mode, uri }) => {
    const full: VaultChoice = { subscriptionId: 's', vault: null, key, ...choice };
    expect(keyVersionMode(full)).toBe(mode);
    expect(choiceKeyUri(full, allowUnversioned)).toBe(uri);
  });
});
