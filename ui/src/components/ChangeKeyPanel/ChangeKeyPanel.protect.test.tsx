import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { LifecycleAction, LifecyclePlanView, PreflightReport, VaultOption } from '../../bindings';
import { cleanReport, identities, keys, storageView, vaults, versions } from '../../test/encryption';
import { contosoProd, mockShell } from '../../test/ipc';
import { storageRules } from '../../test/kinds';
import { renderInFluent } from '../../test/render';
import { ChangeKeyPanel } from './ChangeKeyPanel';

const slow = { timeout: 10_000 };

const [firstVault] = vaults;
if (firstVault === undefined) throw new Error('the test data has a vault');
const unprotected: VaultOption = { ...firstVault, purgeProtection: false };

const blockedReport: PreflightReport = {
  ...cleanReport,
  canSave: false,
  vaultId: unprotected.id,
  findings: [
    {
      severity: 'error',
      code: 'vault.purgeProtectionOff',
      message: 'Vault kv-contoso does not have purge protection.',
      fix: 'Turn purge protection on (it cannot be turned off again).',
    },
  ],
};

const protectPlan: LifecyclePlanView = {
  resourceId: storageView.registryId,
  action: { action: 'protectVault', vaultId: unprotected.id },
  title: 'Turn on purge protection for vault kv-contoso',
  summary: 'Turns on purge protection for vault kv-contoso.',
  steps: [
    {
      kind: 'protectVault',
      title: 'Turn on purge protection for vault kv-contoso',
      method: 'PATCH',
      path: `${unprotected.id}?api-version=2022-02-01-preview`,
      body: { properties: { enablePurgeProtection: true } },
      bodySummary: 'properties.enablePurgeProtection = true',
      azCommand: 'az keyvault update --name kv-contoso --enable-purge-protection true',
    },
  ],
  findings: [],
  confirmation: {
    type: 'typeNameAndAcknowledge',
    name: 'kv-contoso',
    acknowledgement: 'I understand purge protection cannot be turned off again',
  },
  affected: [],
  canRun: true,
};

describe('Change key: a vault without purge protection', () => {
  it('offers Turn on purge protection in the vault warning and the preflight finding, runs the review, then reads the vaults and preflight again', async () => {
    let protectedNow = false;
    const shell = mockShell({
      list_subscriptions: () => [contosoProd],
      list_vaults: () => [protectedNow ? { ...unprotected, purgeProtection: true } : unprotected],
      list_keys: () => keys,
      list_key_versions: () => versions,
      list_identities: () => identities,
      preflight: () => (protectedNow ? { ...cleanReport, vaultId: unprotected.id } : blockedReport),
      plan_lifecycle: () => protectPlan,
      run_lifecycle: () => {
        protectedNow = true;
        return {
          status: 'applied',
          steps: protectPlan.steps,
          message: 'Vault kv-contoso now has soft delete (90 days) and purge protection on.',
          view: null,
        };
      },
    });
    const { user } = renderInFluent(
      <ChangeKeyPanel
        open
        onClose={vi.fn()}
        view={storageView}
        rules={storageRules}
        onSave={vi.fn()}
        keyVaultSuffix="vault.azure.net"
      />,
    );
    const panel = screen.getByRole('dialog', { name: 'Change key' });
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, unprotected.id);
    expect(await within(panel).findByText(/Vault kv-contoso has purge protection off/, {}, slow)).toBeInTheDocument();
    const key = await within(panel).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.selectOptions(key, keys[0]?.kid ?? '');
    await within(panel).findByText('Vault kv-contoso does not have purge protection.', {}, slow);
    const offers = within(panel).getAllByRole('button', { name: 'Turn on purge protection' });
    expect(offers).toHaveLength(2);
    expect(within(panel).getByRole('button', { name: 'Save' })).toBeDisabled();
    const preflightsBefore = shell.calls.filter((c) => c.command === 'preflight').length;
    const listsBefore = shell.calls.filter((c) => c.command === 'list_vaults').length;

    const [, inReview] = offers;
    if (inReview === undefined) throw new Error('two offers');
    await user.click(inReview);
    const review = await screen.findByRole('dialog', { name: 'Turn on purge protection for vault kv-contoso' }, slow);
    const planned = shell.calls.find((c) => c.command === 'plan_lifecycle');
    expect(planned?.args.action as LifecycleAction).toEqual({ action: 'protectVault', vaultId: unprotected.id });
    const run = within(review).getByRole('button', { name: 'Turn on purge protection' });
    expect(run).toBeDisabled();
    await user.type(within(review).getByRole('textbox', { name: /Type the resource name to confirm/ }), 'kv-contoso');
    expect(run).toBeDisabled();
    await user.click(within(review).getByRole('checkbox', { name: 'I understand purge protection cannot be turned off again' }));
    expect(run).toBeEnabled();
    await user.click(run);
    expect(await within(review).findByText(/now has soft delete \(90 days\) and purge protection on/, {}, slow)).toBeInTheDocument();

    await waitFor(() => {
      expect(shell.calls.filter((c) => c.command === 'preflight').length).toBeGreaterThan(preflightsBefore);
      expect(shell.calls.filter((c) => c.command === 'list_vaults').length).toBeGreaterThan(listsBefore);
    }, slow);
    await user.click(within(review).getByRole('button', { name: 'Close' }));
    await waitFor(() => {
      expect(within(panel).queryByText(/has purge protection off/)).toBeNull();
      expect(within(panel).queryByRole('button', { name: 'Turn on purge protection' })).toBeNull();
    }, slow);
  });
});
