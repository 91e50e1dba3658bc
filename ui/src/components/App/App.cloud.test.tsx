import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AppInfo } from '../../api/contract';
import { cleanReport, cmkView, identities, vaults } from '../../test/encryption';
import { contosoProd, demoInfo, mockShell, prodRegistry, signedInHandlers } from '../../test/ipc';
import { renderApp } from '../../test/render';
import { accountButtonName } from '../../test/names';

// Generous: a loaded 2-core CI machine can take seconds per step; passing tests never wait this long.
const slow = { timeout: 10_000 };

/** The demo tenant as the embedded sandbox reports it: Key Vault answers on vault.localhost. */
const sandboxInfo: AppInfo = {
  ...demoInfo,
  cloud: { name: 'keyblade sandbox', armEndpoint: 'https://localhost:8443/', keyVaultSuffix: 'vault.localhost:8443' },
};

describe('App on the sandbox cloud', () => {
  it("gives the Change key panel the cloud's Key Vault suffix", async () => {
    mockShell({
      ...signedInHandlers(sandboxInfo),
      get_encryption: () => cmkView,
      list_vaults: () => vaults,
      list_identities: () => identities,
      preflight: () => cleanReport,
      validate_key_uri: () => ({
        canonical: cmkView.key?.keyUri,
        vaultName: 'kv-contoso',
        vaultUrl: cmkView.key?.vaultUri,
        keyName: 'cmk-images',
        version: null,
        rotation: 'automatic',
        isManagedHsm: false,
      }),
    });
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('Demo tenant') }, slow);

    await user.click(within(screen.getByRole('banner')).getByRole('button', { name: 'Select resource' }));
    const picker = await screen.findByRole('dialog', { name: 'Select a resource' });
    await user.selectOptions(await within(picker).findByRole('combobox', { name: /Subscription/ }), contosoProd.displayName);
    await user.click(await within(picker).findByRole('radio', { name: new RegExp(prodRegistry.name) }, slow));
    await user.click(within(picker).getByRole('button', { name: 'Select' }));
    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Select a resource', hidden: true })).toBeNull();
    }, slow);
    // jsdom does not report the Select button's removal the way browsers do; moving focus releases the page.
    await user.tab();

    await user.click(within(screen.getByRole('navigation', { name: 'Resource menu' })).getByRole('button', { name: 'Encryption' }));
    const commands = await screen.findByRole('toolbar', { name: 'Encryption commands' });
    const changeKey = within(commands).getByRole('button', { name: 'Change key' });
    await waitFor(() => {
      expect(changeKey).not.toHaveAttribute('aria-disabled', 'true');
    }, slow);
    await user.click(changeKey);

    const panel = await screen.findByRole('dialog', { name: 'Change key' }, slow);
    await user.click(within(panel).getByRole('radio', { name: 'Enter key URI' }));
    expect(within(panel).getByText('https://{vault}.vault.localhost:8443/keys/{key}, with /{version} to pin a version.')).toBeInTheDocument();
  });
});
