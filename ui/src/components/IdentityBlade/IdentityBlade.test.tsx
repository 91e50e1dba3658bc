import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { IdentityOptions } from '../../bindings';
import type { ResourceContext } from '../../model/resourceContext';
import { NotificationsProvider } from '../../state/notifications';
import { identities } from '../../test/encryption';
import { contosoProd, mockShell, prodRegistry } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { IdentityBlade } from './IdentityBlade';

const registry: ResourceContext = { kind: 'resource', selection: { subscription: contosoProd, resource: prodRegistry } };

describe('IdentityBlade', () => {
  it('shows System assigned Status Off with Turn on, turns it on, and lists user-assigned identities', async () => {
    let current: IdentityOptions = identities;
    const shell = mockShell({
      list_identities: () => current,
      enable_system_identity: () => {
        current = { ...identities, systemAssignedEnabled: true, systemAssignedPrincipalId: 'principal-1', etag: '"etag-2"' };
        return { status: 'changed', identities: current };
      },
    });
    const { user } = renderInFluent(
      <NotificationsProvider>
        <IdentityBlade context={registry} onOpenPicker={() => undefined} onRetrySession={() => undefined} />
      </NotificationsProvider>,
    );

    const system = await screen.findByRole('region', { name: 'System assigned' });
    expect(within(system).getByText('Off')).toBeInTheDocument();
    const users = screen.getByRole('region', { name: 'User assigned' });
    expect(within(users).getByRole('cell', { name: 'id-images' })).toBeInTheDocument();
    expect(within(users).getByRole('cell', { name: '11111111-2222-3333-4444-555555555555' })).toBeInTheDocument();

    await user.click(within(system).getByRole('button', { name: 'Turn on (Status On)' }));
    await waitFor(() => {
      expect(within(screen.getByRole('region', { name: 'System assigned' })).getByText('On')).toBeInTheDocument();
    });
    expect(screen.getByText('principal-1')).toBeInTheDocument();
    expect(shell.calls.find((c) => c.command === 'enable_system_identity')?.args).toMatchObject({
      registryId: prodRegistry.id,
      etag: '"etag-1"',
    });
  });
});
