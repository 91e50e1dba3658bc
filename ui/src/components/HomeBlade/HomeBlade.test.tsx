import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { HomeHealth, HomeListing, HomeRow } from '../../bindings';
import { App } from '../App';
import { cmkView } from '../../test/encryption';
import { demoInfo, mockShell, prodRegistry, signedInHandlers } from '../../test/ipc';
import { renderApp } from '../../test/render';
import { healthBatchSize } from './useHome';

const slow = { timeout: 10_000 };

function row(name: string, patch: Partial<HomeRow> = {}): HomeRow {
  return {
    id: `${prodRegistry.id.slice(0, prodRegistry.id.lastIndexOf('/') + 1)}${name}`,
    name,
    kind: 'containerRegistry',
    subscriptionId: prodRegistry.subscriptionId,
    subscriptionName: 'Contoso Production',
    resourceGroup: prodRegistry.resourceGroup,
    location: prodRegistry.location,
    keySource: 'customerManaged',
    key: {
      keyUri: 'https://kv.vault.azure.net/keys/k',
      vaultName: 'kv-contoso',
      vaultUri: 'https://kv.vault.azure.net/',
      keyName: 'cmk-images',
      version: null,
      rotation: 'automatic',
    },
    identity: { kind: 'userAssigned', name: 'id-acr' },
    unreadable: null,
    ...patch,
  };
}

const revokedReason = 'The identity id-acr has no get, wrapKey or unwrapKey on key cmk-images.';

function healthOf(r: HomeRow): HomeHealth {
  const revoked = r.name === 'crrevoked';
  return {
    id: r.id,
    health: { status: revoked ? 'unhealthy' : 'healthy', summary: revoked ? revokedReason : 'ok', problems: [] },
    key: {
      version: 'v1',
      expires: null,
      created: null,
      versionsBehind: 0,
      rotationPolicy: 'noPolicy',
      rotateAfter: null,
      unreadable: null,
    },
    checkedAt: new Date().toISOString(),
  };
}

describe('Home', () => {
  it('opens first, counts, filters by a count, and opens a row in its Encryption blade', async () => {
    const many = Array.from({ length: 120 }, (_, i) => row(`crfleet${String(i).padStart(3, '0')}`));
    const rows = [row(prodRegistry.name, { id: prodRegistry.id }), row('crrevoked'), ...many];
    const listing: HomeListing = { rows, subscriptions: 2, pages: 1 };
    const asked: string[][] = [];
    mockShell({
      ...signedInHandlers(demoInfo),
      list_home: () => listing,
      check_home_health: (args) => {
        const ids = args.resourceIds as string[];
        asked.push(ids);
        return ids.map((id) => healthOf(rows.find((r) => r.id === id) ?? row('unknown')));
      },
      get_encryption: () => cmkView,
    });
    const { user } = renderApp(<App />);
    const main = screen.getByRole('main');
    expect(await within(main).findByRole('heading', { level: 1, name: 'Home' }, slow)).toBeInTheDocument();
    const summary = await screen.findByLabelText('Summary', {}, slow);
    await waitFor(() => {
      expect(within(summary).getByRole('button', { name: '1 inaccessible' })).toBeInTheDocument();
    }, slow);
    expect(within(summary).getByRole('button', { name: '122 resources' })).toBeInTheDocument();
    expect(within(summary).getByRole('button', { name: '122 customer-managed' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Checked all 122 keys.');
    // Batches, the rows in view first: the first batch starts with the first rows of the table.
    expect(asked[0]).toHaveLength(healthBatchSize);
    expect(asked.flat()).toHaveLength(122);

    // Virtualised: far fewer rows in the DOM than in the table.
    const table = screen.getByRole('table', { name: 'Encrypted resources' });
    expect(within(table).getAllByRole('row').length).toBeLessThan(60);

    await user.click(within(summary).getByRole('button', { name: '1 inaccessible' }));
    expect(within(summary).getByRole('button', { name: '1 inaccessible' })).toHaveAttribute('aria-pressed', 'true');
    const shown = within(table).getAllByRole('row');
    expect(shown).toHaveLength(2);
    expect(shown[1]).toHaveTextContent(`Inaccessible: ${revokedReason}`);

    await user.click(within(table).getByRole('button', { name: 'crrevoked' }));
    expect(await within(main).findByRole('heading', { level: 1, name: /crrevoked \| Encryption/ }, slow)).toBeInTheDocument();

    // Back to Home: the filter is as it was left.
    await user.click(within(screen.getByRole('navigation', { name: 'Resource menu' })).getByRole('button', { name: 'Home' }));
    const again = await screen.findByLabelText('Summary', {}, slow);
    expect(within(again).getByRole('button', { name: '1 inaccessible' })).toHaveAttribute('aria-pressed', 'true');
    expect(within(screen.getByRole('table', { name: 'Encrypted resources' })).getAllByRole('row')).toHaveLength(2);
  }, 60_000);
});
