import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { LifecycleOutcome, LifecyclePlanView, RevokeWay } from '../../bindings';
import { mockShell } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { RevokePanel } from './RevokePanel';
import { optionFromPlan } from './revokeOptions';

const resourceId =
  '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/crcontosoprod';

function plan(way: RevokeWay, overrides: Partial<LifecyclePlanView> = {}): LifecyclePlanView {
  return {
    resourceId,
    action: { action: 'revoke', way },
    title: 'Revoke access by disabling the key',
    summary: 'Revoking access blocks access to all of registry crcontosoprod\'s data until access is restored.',
    steps: [
      {
        kind: 'disableKey',
        title: 'Disable version 0a1b of key cmk-images in vault kv-contoso',
        method: 'PATCH',
        path: 'https://kv-contoso.vault.azure.net/keys/cmk-images/0a1b?api-version=7.4',
        body: { attributes: { enabled: false } },
        bodySummary: 'attributes.enabled = false',
        azCommand: 'az keyvault key set-attributes --vault-name kv-contoso --name cmk-images --version 0a1b --enabled false',
      },
    ],
    findings: [
      {
        severity: 'warning',
        code: 'revoke.dataInaccessible',
        message: 'After this, the registry crcontosoprod cannot unwrap its data encryption key.',
        fix: 'To give access back later, use Restore access, Enable the key.',
      },
    ],
    confirmation: { type: 'typeName', name: 'crcontosoprod' },
    affected: [],
    canRun: true,
    ...overrides,
  };
}

const refusedRole = (way: RevokeWay) =>
  plan(way, {
    canRun: false,
    steps: [],
    findings: [
      {
        severity: 'error',
        code: 'revoke.wayNotApplicable',
        message: 'Vault kv-contoso uses access policies, so role assignments do not give keys to anyone there.',
        fix: 'Choose Remove the access policy, or disable the key.',
      },
    ],
  });

const applied: LifecycleOutcome = {
  status: 'applied',
  steps: [],
  message: 'Access is revoked: the registry\'s data is inaccessible. Key cmk-images is disabled.',
  view: null,
};

describe('RevokePanel', () => {
  it('offers the ways that apply, greys out the others with the reason, then reviews and runs the chosen one', async () => {
    const shell = mockShell({
      plan_lifecycle: (args) => {
        const way = (args.action as { way: RevokeWay }).way;
        return way === 'removeRoleAssignment' ? refusedRole(way) : plan(way);
      },
      run_lifecycle: () => applied,
    });
    const onDone = vi.fn();
    const { user } = renderInFluent(
      <RevokePanel resourceId={resourceId} resourceName="crcontosoprod" onClose={vi.fn()} onDone={onDone} />,
    );
    const panel = await screen.findByRole('dialog', { name: 'Revoke access' });
    expect(within(panel).getByText(/blocks access to all of crcontosoprod's data until access is restored/)).toBeTruthy();
    const group = within(panel).getByRole('radiogroup', { name: 'How to revoke' });
    const role = await within(group).findByRole('radio', { name: 'Remove the role assignment' });
    await waitFor(() => {
      expect(role.hasAttribute('disabled')).toBe(true);
    });
    expect(within(panel).getByText(/uses access policies, so role assignments do not give keys/)).toBeTruthy();
    // The first way that applies is preselected.
    await waitFor(() => {
      expect(within(group).getByRole<HTMLInputElement>('radio', { name: 'Remove the access policy' }).checked).toBe(true);
    });
    await user.click(within(group).getByRole('radio', { name: 'Disable the key' }));
    await user.click(within(panel).getByRole('button', { name: 'Review' }));

    const review = await screen.findByRole('dialog', { name: 'Revoke access by disabling the key' });
    const run = within(review).getByRole('button', { name: 'Revoke access' });
    expect(run.hasAttribute('disabled')).toBe(true);
    await user.type(within(review).getByRole('textbox', { name: /Type the resource name to confirm/ }), 'crcontosoprod');
    await user.click(run);
    expect(await within(review).findByText(/Key cmk-images is disabled/)).toBeTruthy();
    expect(onDone).toHaveBeenCalledWith(applied);
    const sent = shell.calls.find((c) => c.command === 'run_lifecycle');
    expect(sent?.args).toMatchObject({ action: { action: 'revoke', way: 'disableKey' }, confirmation: { typedName: 'crcontosoprod', acknowledged: false } });
  });

  it('says so when no way applies, and Review stays disabled', async () => {
    mockShell({ plan_lifecycle: (args) => refusedRole((args.action as { way: RevokeWay }).way) });
    renderInFluent(<RevokePanel resourceId={resourceId} resourceName="crcontosoprod" onClose={vi.fn()} onDone={vi.fn()} />);
    expect(await screen.findByText(/No way to revoke applies to crcontosoprod now/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Review' }).hasAttribute('disabled')).toBe(true);
  });
});

describe('optionFromPlan', () => {
  it('an unrecoverable delete is available, with the warning as its note', () => {
    const option = optionFromPlan(
      'deleteKey',
      'Delete the key',
      plan('deleteKey', {
        findings: [
          {
            severity: 'warning',
            code: 'revoke.keyUnrecoverable',
            message: 'Vault kv-contoso has soft delete off: the deleted key is gone at once.',
            fix: 'Turn soft delete on first.',
          },
        ],
      }),
    );
    expect(option).toEqual({
      way: 'deleteKey',
      label: 'Delete the key',
      status: 'available',
      note: 'Vault kv-contoso has soft delete off: the deleted key is gone at once.',
    });
  });
});
