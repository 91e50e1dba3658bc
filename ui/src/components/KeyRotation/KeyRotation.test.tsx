import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { KeyRotationView, RotationView } from '../../bindings';
import { mockShell } from '../../test/ipc';
import { registryRules } from '../../test/kinds';
import { renderInFluent } from '../../test/render';
import { KeyRotationSection } from './KeyRotationSection';
import { formFromPolicy, policyFromForm, validatePolicyForm, type RotationPolicyFormState } from './rotationPolicyForm';
import { followSentence, versionsBehindText } from './rotationText';

const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crcontosopinned';
const latestUri = 'https://kv-contoso.vault.azure.net/keys/cmk-images/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

const pinnedKey: KeyRotationView = {
  vaultName: 'kv-contoso',
  keyName: 'cmk-images',
  keyUri: 'https://kv-contoso.vault.azure.net/keys/cmk-images/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  followsNewVersions: false,
  versionInUse: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  latestVersion: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  latestVersionUri: latestUri,
  latestCreated: '2026-05-01T00:00:00Z',
  expires: null,
  versionsBehind: 2,
  lastRotation: null,
  policyReadable: true,
  policy: { rotateAfterCreate: 'P90D', rotateBeforeExpiry: null, notifyBeforeExpiry: 'P30D', expiryTime: 'P2Y' },
  policyDescription: [
    'Rotates every 90 days',
    'Notifies 30 days before it expires',
    'New versions expire 2 years after they are created',
  ],
  problem: null,
};

function rotation(key: KeyRotationView | null): RotationView {
  return { resourceId, kind: 'containerRegistry', key };
}

const form = (patch: Partial<RotationPolicyFormState>): RotationPolicyFormState => ({
  ...formFromPolicy(null),
  rotate: true,
  ...patch,
});

describe('the Edit rotation policy form', () => {
  it.each<[string, Partial<RotationPolicyFormState>, string | null, Record<string, string>]>([
    ['every 90 days', { rotateEvery: '90' }, 'P90D', {}],
    ['every 3 months', { rotateEvery: '3', rotateUnit: 'months' }, 'P3M', {}],
    ['every 1 year', { rotateEvery: '1', rotateUnit: 'years' }, 'P1Y', {}],
    ['every 3 days: too soon', { rotateEvery: '3' }, null, { rotateEvery: 'Key Vault rotates at most every 7 days.' }],
    ['not a number', { rotateEvery: 'ninety' }, null, { rotateEvery: 'Enter a whole number, e.g. 90.' }],
    [
      'expiry under 28 days',
      { expire: true, expireAfter: '20', expireUnit: 'days' },
      null,
      { expireAfter: 'New versions must live at least 28 days.' },
    ],
    ['notify 3 days before', { notify: true, notifyDays: '3' }, null, { notifyDays: 'Key Vault notifies at least 7 days before expiry.' }],
    [
      'notify longer than versions live',
      { notify: true, notifyDays: '60', expire: true, expireAfter: '1', expireUnit: 'months' },
      null,
      { notifyDays: 'Notify fewer days before expiry than versions live.' },
    ],
  ])('%s', (_name, patch, rotateAfterCreate, errors) => {
    const state = form(patch);
    expect(validatePolicyForm(state)).toEqual(errors);
    const policy = policyFromForm(state);
    if (rotateAfterCreate === null) expect(policy).toBeNull();
    else expect(policy?.rotateAfterCreate).toBe(rotateAfterCreate);
  });

  it('reads an existing policy and writes it back the same', () => {
    const policy = { rotateAfterCreate: 'P90D', rotateBeforeExpiry: null, notifyBeforeExpiry: 'P30D', expiryTime: 'P2Y' };
    expect(policyFromForm(formFromPolicy(policy))).toEqual(policy);
    expect(policyFromForm({ ...formFromPolicy(null), notify: false })).toEqual({
      rotateAfterCreate: null,
      rotateBeforeExpiry: null,
      notifyBeforeExpiry: null,
      expiryTime: null,
    });
  });
});

describe('rotation text', () => {
  it.each<[number | null, string]>([
    [null, 'Unknown'],
    [0, 'Up to date'],
    [1, '1 version behind'],
    [3, '3 versions behind'],
  ])('%s versions behind reads %s', (n, text) => {
    expect(versionsBehindText({ ...pinnedKey, versionsBehind: n })).toBe(text);
  });

  it('says how each key takes new versions', () => {
    expect(followSentence({ ...pinnedKey, followsNewVersions: true }, registryRules)).toMatch(
      /^The registry uses the key without a version: it picks up each new version by itself, usually within an hour\. It has not moved to a new version yet\.$/,
    );
    expect(followSentence({ ...pinnedKey, followsNewVersions: true, lastRotation: '2026-05-12T14:02:00Z' }, registryRules, 'en-US')).toMatch(
      /It last did on May 12, 2026/,
    );
    expect(followSentence(pinnedKey, registryRules)).toMatch(/stays on it: new versions are not picked up/);
  });
});

describe('KeyRotationSection', () => {
  it('shows versions, how far behind, Rotate to this version now, the policy in words, and edits the policy', async () => {
    mockShell({ read_rotation: () => rotation(pinnedKey) });
    const onRotate = vi.fn();
    const onReviewPolicy = vi.fn();
    const { user } = renderInFluent(
      <KeyRotationSection
        resourceId={resourceId}
        reloadKey="1"
        rules={registryRules}
        onRotateToVersion={onRotate}
        onReviewPolicy={onReviewPolicy}
      />,
    );
    const section = await screen.findByRole('region', { name: 'Key rotation' });
    expect(within(section).getByText('Version in use')).toBeTruthy();
    expect(within(section).getByText('2 versions behind')).toBeTruthy();
    await user.click(within(section).getByRole('button', { name: 'Rotate to this version now' }));
    expect(onRotate).toHaveBeenCalledWith(latestUri);

    const policy = screen.getByRole('region', { name: 'Rotation policy' });
    const words = within(policy).getByRole('list', { name: 'Rotation policy in words' });
    expect(within(words).getByText('Rotates every 90 days')).toBeTruthy();
    expect(within(policy).getByText(/pins a key version/)).toBeTruthy();

    await user.click(within(policy).getByRole('button', { name: 'Edit rotation policy' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit rotation policy of cmk-images' });
    const every = within(dialog).getByRole('textbox', { name: 'Rotate every' });
    await user.clear(every);
    await user.type(every, '3');
    expect(within(dialog).getByText('Key Vault rotates at most every 7 days.')).toBeTruthy();
    expect(within(dialog).getByRole('button', { name: 'Review' }).hasAttribute('disabled')).toBe(true);
    await user.type(every, '0');
    await user.click(within(dialog).getByRole('button', { name: 'Review' }));
    await waitFor(() => {
      expect(onReviewPolicy).toHaveBeenCalledWith({
        rotateAfterCreate: 'P30D',
        rotateBeforeExpiry: null,
        notifyBeforeExpiry: 'P30D',
        expiryTime: 'P2Y',
      });
    });
  });

  it('says which permission is missing when the policy cannot be read', async () => {
    mockShell({
      read_rotation: () =>
        rotation({
          ...pinnedKey,
          followsNewVersions: true,
          versionsBehind: 0,
          policyReadable: false,
          policy: null,
          policyDescription: [],
          problem: 'You may not read the rotation policy of key cmk-images: your account lacks the key permission "getrotationpolicy".',
        }),
    });
    renderInFluent(
      <KeyRotationSection resourceId={resourceId} reloadKey="1" rules={registryRules} onReviewPolicy={vi.fn()} />,
    );
    expect(await screen.findByText('The rotation policy cannot be read')).toBeTruthy();
    expect(screen.getByText(/lacks the key permission "getrotationpolicy"/)).toBeTruthy();
    expect(screen.getByText('Up to date')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Rotate to this version now' })).toBeNull();
  });
});
