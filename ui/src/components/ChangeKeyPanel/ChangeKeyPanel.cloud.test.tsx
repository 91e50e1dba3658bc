import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { VaultOption } from '../../bindings';
import { cleanReport, cmkView, identities, vaults } from '../../test/encryption';
import { contosoProd, mockShell } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { ChangeKeyPanel } from './ChangeKeyPanel';
import { registryRules } from '../../test/kinds';

// Key URIs depend on the cloud: the panel's hints and prefills use the active cloud's Key Vault suffix.

// Generous: a loaded 2-core CI machine can take seconds per step; passing tests never wait this long.
const slow = { timeout: 10_000 };

/** A vault whose keys cannot be listed and whose URI Resource Manager did not give. */
const lockedWithoutUri: VaultOption = {
  ...(vaults[1] ?? (undefined as never)),
  id: `/subscriptions/${contosoProd.subscriptionId}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-hidden`,
  name: 'kv-hidden',
  vaultUri: null,
};

function renderPanel(keyVaultSuffix: string) {
  mockShell({
    list_subscriptions: () => [contosoProd],
    list_vaults: () => [lockedWithoutUri],
    list_identities: () => identities,
    preflight: () => cleanReport,
  });
  const rendered = renderInFluent(
    <ChangeKeyPanel
      open
      onClose={vi.fn()}
      view={cmkView}
        rules={registryRules}
      onSave={vi.fn()}
     
      keyVaultSuffix={keyVaultSuffix}
    />,
  );
  return { ...rendered, panel: screen.getByRole('dialog', { name: 'Change key' }) };
}

describe.each([
  { cloud: 'the sandbox', suffix: 'vault.localhost:8443' },
  { cloud: 'Azure China', suffix: 'vault.azure.cn' },
])('Change key panel in $cloud', ({ suffix }) => {
  it(`shows key URIs ending in ${suffix} in the Key URI hint`, async () => {
    const { user, panel } = renderPanel(suffix);
    await user.click(within(panel).getByRole('radio', { name: 'Enter key URI' }));
    const field = within(panel).getByRole('textbox', { name: /Key URI/ });
    const hint = `https://{vault}.${suffix}/keys/{key}, with /{version} to pin a version.`;
    expect(field).toHaveAccessibleDescription(new RegExp(hint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    expect(panel).not.toHaveTextContent('vault.azure.net');
  });

  it(`prefills Enter key URI with the vault's ${suffix} host when Azure gave no vault URI`, async () => {
    const { user, panel } = renderPanel(suffix);
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, lockedWithoutUri.id);
    await user.click(within(panel).getByRole('button', { name: 'Enter key URI instead' }));
    expect(within(panel).getByRole('textbox', { name: /Key URI/ })).toHaveValue(`https://kv-hidden.${suffix}/keys/`);
  });
});
