import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { LifecycleOutcome, LifecyclePlanView, RestoreDiagnosis } from '../../bindings';
import { mockShell } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { RestorePanel } from './RestorePanel';

const resourceId =
  '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crcontosodisabled';

const disabled: RestoreDiagnosis = {
  resourceId,
  customerManaged: true,
  accessible: false,
  summary: 'The registry crcontosodisabled cannot reach its key, so its data is inaccessible: 1 cause found.',
  causes: [
    {
      code: 'key.disabled',
      severity: 'error',
      message: 'Key acr-disabled-key is disabled, so Key Vault refuses to wrap or unwrap with it.',
      fix: 'enableKey',
      whatToDo: 'Enable the key version the resource uses.',
    },
    {
      code: 'network.blocked',
      severity: 'error',
      message: 'Vault kv-contoso-dev does not let trusted Microsoft services bypass its firewall.',
      fix: null,
      whatToDo: 'Allow trusted services: az keyvault update --bypass AzureServices.',
    },
  ],
};

const accessible: RestoreDiagnosis = {
  ...disabled,
  accessible: true,
  summary: 'The registry crcontosodisabled can reach its key: its identity can get, wrap and unwrap it.',
  causes: [],
};

const enablePlan: LifecyclePlanView = {
  resourceId,
  action: { action: 'restore', fix: 'enableKey' },
  title: 'Restore access: enable the key',
  summary: 'Restoring access lets registry crcontosodisabled reach its key again.',
  steps: [
    {
      kind: 'enableKey',
      title: 'Enable version 77 of key acr-disabled-key in vault kv-contoso-dev',
      method: 'PATCH',
      path: 'https://kv-contoso-dev.vault.azure.net/keys/acr-disabled-key/77?api-version=7.4',
      body: { attributes: { enabled: true } },
      bodySummary: 'attributes.enabled = true',
      azCommand: 'az keyvault key set-attributes --vault-name kv-contoso-dev --name acr-disabled-key --version 77 --enabled true',
    },
  ],
  findings: [],
  confirmation: { type: 'review' },
  affected: [],
  canRun: true,
};

const applied: LifecycleOutcome = {
  status: 'applied',
  steps: enablePlan.steps,
  message: 'Access is restored: the registry\'s identity can get, wrap and unwrap the key, so its data is accessible again.',
  view: null,
};

describe('RestorePanel', () => {
  it('shows the causes with their fix, reviews and runs the fix, then checks again: accessible', async () => {
    let diagnoses = 0;
    const shell = mockShell({
      diagnose_access: () => {
        diagnoses += 1;
        return diagnoses === 1 ? disabled : accessible;
      },
      plan_lifecycle: () => enablePlan,
      run_lifecycle: () => applied,
    });
    const onDone = vi.fn();
    const { user } = renderInFluent(<RestorePanel resourceId={resourceId} onClose={vi.fn()} onDone={onDone} />);
    const panel = await screen.findByRole('dialog', { name: 'Restore access' });
    const causes = await within(panel).findByRole('list', { name: 'Why the key cannot be reached' });
    expect(within(causes).getByText(/acr-disabled-key is disabled/)).toBeTruthy();
    expect(within(causes).getByText(/does not let trusted Microsoft services bypass/)).toBeTruthy();
    expect(within(causes).getByText('keyblade cannot fix this for you.')).toBeTruthy();
    await user.click(within(causes).getByRole('button', { name: 'Enable the key' }));

    const review = await screen.findByRole('dialog', { name: 'Restore access: enable the key' });
    await user.click(within(review).getByRole('button', { name: 'Restore access' }));
    expect(await within(review).findByText(/so its data is accessible again/)).toBeTruthy();
    expect(onDone).toHaveBeenCalledWith(applied);
    expect(shell.calls.find((c) => c.command === 'run_lifecycle')?.args).toMatchObject({
      action: { action: 'restore', fix: 'enableKey' },
      confirmation: { typedName: '', acknowledged: false },
    });
    await user.click(within(review).getByRole('button', { name: 'Close' }));
    const again = await screen.findByRole('dialog', { name: 'Restore access' });
    expect(await within(again).findByText(/can reach its key/)).toBeTruthy();
    await waitFor(() => {
      expect(diagnoses).toBe(2);
    });
  });

  it('an accessible resource has nothing to restore', async () => {
    mockShell({ diagnose_access: () => accessible });
    renderInFluent(<RestorePanel resourceId={resourceId} onClose={vi.fn()} onDone={vi.fn()} />);
    expect(await screen.findByText('Accessible')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Why the key cannot be reached' })).toBeNull();
  });
});
