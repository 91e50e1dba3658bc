import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DesiredChange, EncryptionView, ResourceSummary } from '../../bindings';
import { cleanReport, cognitiveView, identities, storageView, turnOffReport, uriInfo, vaults, vaultUri, version2 } from '../../test/encryption';
import { azureInfo, contosoProd, mockShell, prodLanguage, prodStorage, signedInHandlers, type CommandHandler } from '../../test/ipc';
import { renderApp } from '../../test/render';

// The Encryption blade and Change key for the accounts: a storage account turned back to Microsoft-managed keys,
// and an Azure AI services account moved to its key's newer version.

const slow = { timeout: 10_000 };

type User = ReturnType<typeof renderApp>['user'];

function shellFor(view: EncryptionView, extra: Record<string, CommandHandler> = {}) {
  return mockShell({
    ...signedInHandlers(azureInfo),
    get_encryption: () => view,
    list_subscriptions: () => [contosoProd],
    list_vaults: () => vaults,
    list_identities: () => identities,
    validate_key_uri: (args) => uriInfo(String(args.input)),
    ...extra,
  });
}

async function openEncryptionOf(user: User, resource: ResourceSummary) {
  await screen.findByRole('button', { name: /^Account: / }, slow);
  await user.click(within(screen.getByRole('banner')).getByRole('button', { name: 'Select resource' }));
  const picker = await screen.findByRole('dialog', { name: 'Select a resource' });
  await user.selectOptions(await within(picker).findByRole('combobox', { name: /Subscription/ }), contosoProd.displayName);
  await user.click(await within(picker).findByRole('radio', { name: new RegExp(resource.name) }, slow));
  await user.click(within(picker).getByRole('button', { name: 'Select' }));
  await waitFor(() => {
    expect(screen.queryByRole('dialog', { name: 'Select a resource', hidden: true })).toBeNull();
  }, slow);
  await user.tab();
  await user.click(within(screen.getByRole('navigation', { name: 'Resource menu' })).getByRole('button', { name: 'Encryption' }));
  const commands = await screen.findByRole('toolbar', { name: 'Encryption commands' });
  const changeKey = within(commands).getByRole('button', { name: 'Change key' });
  await waitFor(() => {
    expect(changeKey).not.toHaveAttribute('aria-disabled', 'true');
  }, slow);
  return changeKey;
}

describe('App: accounts', () => {
  it('storage: Microsoft-managed keys are previewed, and saved only after Turn off is confirmed', async () => {
    const shell = shellFor(storageView, {
      preflight: (args) => ((args.desired as DesiredChange).keySource === 'microsoftManaged' ? turnOffReport : cleanReport),
      save_encryption: () => ({ status: 'applied', steps: turnOffReport.steps, view: storageView, note: null }),
    });
    const { user } = renderApp();
    const changeKey = await openEncryptionOf(user, prodStorage);
    expect(screen.getByRole('heading', { level: 1, name: 'contosodata | Encryption' })).toBeInTheDocument();
    expect(screen.getAllByText('Storage account')[0]).toBeInTheDocument();

    await user.click(changeKey);
    const panel = await screen.findByRole('dialog', { name: 'Change key' }, slow);
    await user.click(within(panel).getByRole('radio', { name: 'Microsoft-managed keys' }));
    expect(within(panel).getByText(/Azure encrypts the data with a key it manages/)).toBeInTheDocument();
    expect(within(panel).queryByRole('radio', { name: 'Enter key URI' })).toBeNull();
    expect(within(panel).queryByRole('radio', { name: 'System assigned' })).toBeNull();
    await within(panel).findByText('Use Microsoft-managed keys for storage account contosodata', {}, slow);
    expect(within(panel).queryByText(/Key URI to store/)).toBeNull();
    const previews = shell.calls.filter((c) => c.command === 'preflight').map((c) => c.args.desired as DesiredChange);
    expect(previews.at(-1)).toMatchObject({ keySource: 'microsoftManaged', keyUri: '', grantAccess: false });

    const save = within(panel).getByRole('button', { name: 'Save' });
    await waitFor(() => {
      expect(save).toBeEnabled();
    }, slow);
    await user.click(save);
    let confirm = await screen.findByRole('alertdialog', { name: 'Turn off customer-managed keys?' });
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => {
      expect(screen.queryByRole('alertdialog')).toBeNull();
    }, slow);
    expect(shell.calls.some((c) => c.command === 'save_encryption')).toBe(false);
    // jsdom leaves the panel aria-hidden after the alert dialog above it closes (tabster releases it on focus
    // events jsdom does not send), so Save is found with hidden: true; the click is the user's click.
    await user.click(within(panel).getByRole('button', { name: 'Save', hidden: true }));
    confirm = await screen.findByRole('alertdialog', { name: 'Turn off customer-managed keys?' });
    await user.click(within(confirm).getByRole('button', { name: 'Turn off' }));
    await waitFor(() => {
      expect(shell.calls.some((c) => c.command === 'save_encryption')).toBe(true);
    }, slow);
    const saved = shell.calls.find((c) => c.command === 'save_encryption')?.args;
    expect(saved?.registryId).toBe(prodStorage.id);
    expect(saved?.desired).toMatchObject({ keySource: 'microsoftManaged', keyUri: '', grantAccess: false });
  });

  it('Azure AI services: Update key version opens Change key with the newer version’s URI', async () => {
    const shell = shellFor(cognitiveView, { preflight: () => cleanReport });
    const { user } = renderApp();
    await openEncryptionOf(user, prodLanguage);
    expect(screen.getByText(/A newer version of the key exists \(fedcba98…\)\. The Azure AI services account still uses 01234567…\./)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Update key version' }));
    const panel = await screen.findByRole('dialog', { name: 'Change key' }, slow);
    expect(within(panel).getByRole('radio', { name: 'Enter key URI' })).toBeChecked();
    const newerUri = `${vaultUri}keys/cmk-images/${version2}`;
    expect(within(panel).getByRole('textbox', { name: /Key URI/ })).toHaveValue(newerUri);
    await waitFor(() => {
      const previews = shell.calls.filter((c) => c.command === 'preflight').map((c) => c.args.desired as DesiredChange);
      expect(previews.at(-1)).toMatchObject({ keySource: 'customerManaged', keyUri: newerUri });
    }, slow);
  });
});
