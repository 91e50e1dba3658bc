import { describe, expect, it } from 'vitest';
import type { KeyInUse } from '../bindings';
import { cmkView, vaultUri, version1, version2 } from '../test/encryption';
import { cognitiveRules, kindRows, registryRules, storageRules } from '../test/kinds';
import { keyRotationText, kindDisplayName, kindRulesFor, newerVersionNotice, shortVersion } from './kindRules';

function keyOf(key: KeyInUse | null): KeyInUse {
  if (key === null) throw new Error('The fixture has a key.');
  return key;
}
const key = keyOf(cmkView.key);

describe('kindRulesFor', () => {
  it.each([
    { kind: 'containerRegistry', rules: registryRules },
    { kind: 'storageAccount', rules: storageRules },
    { kind: 'cognitiveServicesAccount', rules: cognitiveRules },
  ] as const)('finds the row of $kind in app_info', ({ kind, rules }) => {
    expect(kindRulesFor({ kinds: kindRows }, kind)).toBe(rules);
    expect(kindRulesFor(kindRows, kind)).toBe(rules);
  });

  it('answers null without app_info or without a row', () => {
    expect(kindRulesFor(null, 'storageAccount')).toBeNull();
    expect(kindRulesFor([registryRules], 'storageAccount')).toBeNull();
  });
});

describe('kind texts', () => {
  it.each([
    { rules: registryRules, name: 'Container registry', rotation: 'automatic', text: /^Automatic: follows new key versions \(the registry picks up a new version within an hour\)\.$/ },
    { rules: registryRules, name: 'Container registry', rotation: 'manual', text: /^Manual: stays on this version/ },
    { rules: storageRules, name: 'Storage account', rotation: 'automatic', text: /^Automatic: follows new key versions \(the storage account picks up a new version within 24 hours\)\.$/ },
    { rules: storageRules, name: 'Storage account', rotation: 'manual', text: /^Manual: stays on this version/ },
    { rules: cognitiveRules, name: 'Azure AI services account', rotation: 'automatic', text: /^Manual: Azure AI services accounts do not follow new key versions/ },
    { rules: cognitiveRules, name: 'Azure AI services account', rotation: 'manual', text: /^Manual: Azure AI services accounts do not follow new key versions/ },
  ] as const)('$name, $rotation key: display name and Key rotation', ({ rules, name, rotation, text }) => {
    expect(kindDisplayName(rules)).toBe(name);
    expect(keyRotationText(rules, { rotation })).toMatch(text);
  });
});

describe('newerVersionNotice', () => {
  it.each([
    { name: 'no key', key: null, notice: null },
    { name: 'no newer version', key: { ...key, newerVersion: null }, notice: null },
    {
      name: 'a newer version',
      key: { ...key, versionInUse: version1, newerVersion: version2 },
      notice: {
        message: `A newer version of the key exists (${shortVersion(version2)}). The Azure AI services account still uses ${shortVersion(version1)}.`,
        keyUri: `${vaultUri}keys/cmk-images/${version2}`,
      },
    },
    {
      name: 'a vault URI without its slash',
      key: { ...key, vaultUri: 'https://kv-contoso.vault.azure.net', newerVersion: version2 },
      notice: expect.objectContaining({ keyUri: `${vaultUri}keys/cmk-images/${version2}` }) as unknown,
    },
  ])('$name', ({ key: k, notice }) => {
    expect(newerVersionNotice(cognitiveRules, k)).toEqual(notice);
  });

  it('shortens a version to its first 8 characters', () => {
    expect(shortVersion(version2)).toBe('fedcba98…');
    expect(shortVersion('abc')).toBe('abc');
  });
});
