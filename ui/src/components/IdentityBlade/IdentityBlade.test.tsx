import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { IdentityOption, IdentityOptions, LifecycleAction, LifecyclePlanView, PlanStepView } from '../../bindings';
import type { ResourceContext } from '../../model/resourceContext';
import { NotificationsProvider } from '../../state/notifications';
import { identities } from '../../test/encryption';
import { contosoProd, mockShell, prodRegistry } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { IdentityBlade } from './IdentityBlade';
import { groupBySubscription } from './identityChanges';

const registry: ResourceContext = { kind: 'resource', selection: { subscription: contosoProd, resource: prodRegistry } };

const otherIdentity: IdentityOption = {
  resourceId: '/subscriptions/other/resourceGroups/rg-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shared',
  name: 'id-shared',
  subscriptionId: 'other',
  subscriptionName: 'Contoso Shared',
  resourceGroup: 'rg-shared',
  clientId: 'c-shared',
  principalId: 'p-shared',
  exists: true,
};

function step(kind: PlanStepView['kind'], title: string, azCommand: string): PlanStepView {
  return { kind, title, method: 'PATCH', path: `${prodRegistry.id}?api-version=2023-07-01`, body: {}, bodySummary: '', azCommand };
}

function planFor(action: LifecycleAction, overrides: Partial<LifecyclePlanView>): LifecyclePlanView {
  return {
    resourceId: prodRegistry.id,
    action,
    title: 'Review',
    summary: 'What the change does.',
    steps: [],
    findings: [],
    confirmation: { type: 'review' },
    affected: [],
    canRun: true,
    ...overrides,
  };
}

function renderBlade() {
  return renderInFluent(
    <NotificationsProvider>
      <IdentityBlade context={registry} onOpenPicker={() => undefined} onRetrySession={() => undefined} />
    </NotificationsProvider>,
  );
}

describe('IdentityBlade', () => {
  it('turns the system-assigned identity on through the review: Status On, Save, Turn on, read back', async () => {
    let current: IdentityOptions = identities;
    const shell = mockShell({
      list_identities: () => current,
      plan_lifecycle: (args) =>
        planFor(args.action as LifecycleAction, {
          title: 'Turn on the system-assigned identity of contosoimages',
          steps: [step('enableSystemAssignedIdentity', 'Turn on the system-assigned managed identity', "az acr identity assign --identities '[system]'")],
        }),
      run_lifecycle: () => {
        current = { ...identities, systemAssignedEnabled: true, systemAssignedPrincipalId: 'principal-1' };
        return { status: 'applied', steps: [], message: 'Read back: the system-assigned identity is on.', view: null };
      },
    });
    const { user } = renderBlade();

    const system = await screen.findByRole('region', { name: 'System assigned' });
    const status = within(system).getByRole('radiogroup', { name: 'Status' });
    expect(within(status).getByRole('radio', { name: 'Off' })).toBeChecked();
    expect(within(system).getByRole('button', { name: 'Save' })).toBeDisabled();
    await user.click(within(status).getByRole('radio', { name: 'On' }));
    await user.click(within(system).getByRole('button', { name: 'Save' }));

    const review = await screen.findByRole('dialog', { name: 'Turn on the system-assigned identity of contosoimages' });
    expect(within(review).getByText("az acr identity assign --identities '[system]'")).toBeInTheDocument();
    expect(shell.calls.some((c) => c.command === 'run_lifecycle')).toBe(false);
    await user.click(within(review).getByRole('button', { name: 'Turn on' }));
    await within(review).findByText('Read back: the system-assigned identity is on.');
    await user.click(within(review).getByRole('button', { name: 'Close' }));
    expect(shell.calls.find((c) => c.command === 'run_lifecycle')?.args).toMatchObject({
      resourceId: prodRegistry.id,
      action: { action: 'identity', change: { type: 'turnOnSystemAssigned' } },
      confirmation: { typedName: '', acknowledged: false },
    });
    await waitFor(() => {
      expect(within(screen.getByRole('region', { name: 'System assigned' })).getByRole('radio', { name: 'On' })).toBeChecked();
    });
    expect(screen.getByText('principal-1')).toBeInTheDocument();
  });

  it('shows why removing the identity the key uses is refused, and sends nothing', async () => {
    const shell = mockShell({
      list_identities: () => identities,
      plan_lifecycle: (args) =>
        planFor(args.action as LifecycleAction, {
          title: 'Remove user-assigned identity id-images from contosoimages',
          canRun: false,
          findings: [
            {
              severity: 'error',
              code: 'identity.inUseByEncryption',
              message:
                'The container registry contosoimages reaches its customer-managed key with the user-assigned identity id-images. Removing it would cut the registry off from its key: the data would become unreadable.',
              fix: 'Move encryption to another identity first (Encryption, Change key, Identity), then remove id-images.',
            },
          ],
        }),
    });
    const { user } = renderBlade();
    const users = await screen.findByRole('region', { name: 'User assigned' });
    await user.click(within(users).getByRole('button', { name: 'Remove id-images' }));
    const review = await screen.findByRole('dialog', { name: 'Remove user-assigned identity id-images from contosoimages' });
    expect(within(review).getByText(/the data would become unreadable/)).toBeInTheDocument();
    expect(within(review).getByRole('button', { name: 'Remove' })).toBeDisabled();
    expect(shell.calls.find((c) => c.command === 'plan_lifecycle')?.args).toMatchObject({
      action: { action: 'identity', change: { type: 'removeUserAssigned', resourceId: identities.attached[0]?.resourceId } },
    });
    expect(shell.calls.some((c) => c.command === 'run_lifecycle')).toBe(false);
  });

  it('adds a user-assigned identity of another subscription from the Add panel, through the review', async () => {
    let current: IdentityOptions = { ...identities, available: [otherIdentity] };
    const shell = mockShell({
      list_identities: () => current,
      plan_lifecycle: (args) =>
        planFor(args.action as LifecycleAction, {
          title: 'Add user-assigned identity id-shared to contosoimages',
          steps: [step('addUserAssignedIdentity', 'Attach user-assigned identity id-shared', 'az acr identity assign --identities id-shared')],
        }),
      run_lifecycle: () => {
        current = { ...identities, attached: [...identities.attached, otherIdentity], available: [] };
        return { status: 'applied', steps: [], message: 'Read back: id-images and id-shared are attached.', view: null };
      },
    });
    const { user } = renderBlade();
    const users = await screen.findByRole('region', { name: 'User assigned' });
    await user.click(within(users).getByRole('button', { name: 'Add' }));
    const panel = await screen.findByRole('dialog', { name: 'Add user assigned managed identity' });
    expect(within(panel).getByRole('button', { name: 'Add' })).toBeDisabled();
    await user.selectOptions(within(panel).getByRole('combobox', { name: 'Subscription' }), 'Contoso Shared');
    await user.click(within(panel).getByRole('radio', { name: 'id-shared (rg-shared, Contoso Shared)' }));
    await user.click(within(panel).getByRole('button', { name: 'Add' }));

    const review = await screen.findByRole('dialog', { name: 'Add user-assigned identity id-shared to contosoimages' });
    await within(review).findByText('az acr identity assign --identities id-shared');
    await user.click(within(review).getByRole('button', { name: 'Add' }));
    await within(review).findByText('Read back: id-images and id-shared are attached.');
    await user.click(within(review).getByRole('button', { name: 'Close' }));
    expect(shell.calls.find((c) => c.command === 'run_lifecycle')?.args).toMatchObject({
      action: { action: 'identity', change: { type: 'addUserAssigned', resourceId: otherIdentity.resourceId } },
    });
    const after = await screen.findByRole('region', { name: 'User assigned' });
    await within(after).findByRole('cell', { name: 'id-shared' });
    expect(within(after).getByRole('cell', { name: 'Contoso Shared' })).toBeInTheDocument();
  });

  it('Discard puts the Status back without planning anything', async () => {
    const shell = mockShell({ list_identities: () => identities });
    const { user } = renderBlade();
    const system = await screen.findByRole('region', { name: 'System assigned' });
    await user.click(within(system).getByRole('radio', { name: 'On' }));
    await user.click(within(system).getByRole('button', { name: 'Discard' }));
    expect(within(system).getByRole('radio', { name: 'Off' })).toBeChecked();
    expect(shell.calls.some((c) => c.command === 'plan_lifecycle')).toBe(false);
  });
});

describe('groupBySubscription', () => {
  it('groups by subscription name (or ID when unnamed), sorted', () => {
    const unnamed = { ...otherIdentity, resourceId: '/x/b', name: 'b', subscriptionId: 'zzz', subscriptionName: null };
    const second = { ...otherIdentity, resourceId: '/x/a', name: 'a' };
    const groups = groupBySubscription([otherIdentity, unnamed, second]);
    expect(groups.map((g) => g.subscription)).toEqual(['Contoso Shared', 'zzz']);
    expect(groups[0]?.identities.map((i) => i.name)).toEqual(['a', 'id-shared']);
  });
});
