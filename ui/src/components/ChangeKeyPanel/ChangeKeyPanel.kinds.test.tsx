import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { DesiredChange, EncryptionView, KindRules } from '../../bindings';
import { cleanReport, cmkView, cognitiveView, encryptionHandlers, identities, keys, storageView, uriInfo, vaults, vaultUri, versions } from '../../test/encryption';
import { contosoProd, mockShell } from '../../test/ipc';
import { cognitiveRules, registryRules, storageRules } from '../../test/kinds';
import { renderInFluent } from '../../test/render';
import { ChangeKeyPanel } from './ChangeKeyPanel';

const slow = { timeout: 10_000 };

function renderPanel(view: EncryptionView, rules: KindRules) {
  const shell = mockShell({ list_subscriptions: () => [contosoProd], ...encryptionHandlers(() => view) });
  const rendered = renderInFluent(
    <ChangeKeyPanel open onClose={vi.fn()} view={view} rules={rules} onSave={vi.fn()} keyVaultSuffix="vault.azure.net" />,
  );
  const panel = screen.getByRole('dialog', { name: 'Change key' });
  const previews = () => shell.calls.filter((c) => c.command === 'preflight').map((c) => c.args.desired as DesiredChange);
  return { ...rendered, panel, previews };
}

describe('Change key panel, per kind', () => {
  it.each([
    { name: 'a registry', view: cmkView, rules: registryRules, encryptionType: false },
    { name: 'a storage account', view: storageView, rules: storageRules, encryptionType: true },
    { name: 'an Azure AI services account', view: cognitiveView, rules: cognitiveRules, encryptionType: true },
  ])('offers Encryption type for $name: $encryptionType', ({ view, rules, encryptionType }) => {
    const { panel } = renderPanel(view, rules);
    expect(within(panel).queryByRole('radiogroup', { name: 'Encryption type' }) !== null).toBe(encryptionType);
    expect(within(panel).queryByRole('radio', { name: 'Microsoft-managed keys' }) !== null).toBe(encryptionType);
    expect(within(panel).getByRole('radio', { name: 'Select from Key Vault' })).toBeChecked();
  });

  it('storage: Customer-managed keys is the default, and Microsoft-managed keys hides the key and identity', async () => {
    const { user, panel, previews } = renderPanel(storageView, storageRules);
    expect(within(panel).getByRole('radio', { name: 'Customer-managed keys' })).toBeChecked();
    await user.click(within(panel).getByRole('radio', { name: 'Microsoft-managed keys' }));
    expect(within(panel).getByText('Azure encrypts the data with a key it manages. Nothing in your key vault is used after this.')).toBeInTheDocument();
    expect(within(panel).queryByRole('radiogroup', { name: 'Encryption key' })).toBeNull();
    expect(within(panel).queryByRole('radiogroup', { name: 'Identity type' })).toBeNull();
    await waitFor(() => {
      expect(previews().at(-1)?.keySource).toBe('microsoftManaged');
    }, slow);
  });

  it('Azure AI services: the Version list has no automatic option, and says why', async () => {
    const { user, panel, previews } = renderPanel(cognitiveView, cognitiveRules);
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, vaults[0]?.id ?? '');
    const key = await within(panel).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.selectOptions(key, keys[0]?.kid ?? '');
    const version = await within(panel).findByRole('combobox', { name: /Version/ }, slow);
    expect(within(version).queryByRole('option', { name: /automatic rotation/ })).toBeNull();
    expect(within(version).getByRole('option', { name: 'Select a version' })).toBeInTheDocument();
    expect(within(panel).getAllByText(/Azure AI services accounts do not follow new key versions, so choose a specific version/)[0]).toBeInTheDocument();
    expect(within(panel).getByText('Choose a key version to see what will change.')).toBeInTheDocument();
    expect(previews()).toEqual([]);
    expect(within(panel).getByRole('button', { name: 'Save' })).toBeDisabled();
  });

  it('Azure AI services: an unversioned key URI is explained, not previewed', async () => {
    const { user, panel, previews } = renderPanel(cognitiveView, cognitiveRules);
    await user.click(within(panel).getByRole('radio', { name: 'Enter key URI' }));
    const uri = within(panel).getByRole('textbox', { name: /Key URI/ });
    await user.clear(uri);
    await user.type(uri, `${vaultUri}keys/cmk-images`);
    expect(await within(panel).findByText(/enter the URI of a key version/, {}, slow)).toBeInTheDocument();
    expect(uri).toHaveAttribute('aria-invalid', 'true');
    expect(previews()).toEqual([]);
  });

  it('opens on Enter key URI, prefilled, for Update key version', () => {
    const newer = `${vaultUri}keys/cmk-images/${versions[0]?.version ?? ''}`;
    mockShell({ list_subscriptions: () => [contosoProd], list_identities: () => identities, validate_key_uri: (args) => uriInfo(String(args.input)), preflight: () => cleanReport });
    renderInFluent(
      <ChangeKeyPanel open onClose={vi.fn()} view={cognitiveView} rules={cognitiveRules} initialKeyUri={newer} onSave={vi.fn()} keyVaultSuffix="vault.azure.net" />,
    );
    const panel = screen.getByRole('dialog', { name: 'Change key' });
    expect(within(panel).getByRole('radio', { name: 'Enter key URI' })).toBeChecked();
    expect(within(panel).getByRole('textbox', { name: /Key URI/ })).toHaveValue(newer);
  });
});
