import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { IdentityOption, IdentityOptions, VaultNameCheck, VaultOption } from '../../bindings';
import { cleanReport, cmkView, fixture, identities, keys, newKey, newVault, vaults, versions } from '../../test/encryption';
import { contosoProd, mockShell, type CommandHandler } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { ChangeKeyPanel } from './ChangeKeyPanel';
import { registryRules } from '../../test/kinds';

// "Create new" inside the Change key panel, and an identity not attached yet: what the panel does with them.

// Generous: a loaded 2-core CI machine can take seconds per step; passing tests never wait this long.
const slow = { timeout: 10_000 };

const spareIdentity: IdentityOption = {
  resourceId: `/subscriptions/${contosoProd.subscriptionId}/resourceGroups/rg-security/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-spare`,
  name: 'id-spare',
  subscriptionId: contosoProd.subscriptionId,
  subscriptionName: contosoProd.displayName,
  resourceGroup: 'rg-security',
  clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  principalId: 'ffffffff-0000-1111-2222-333333333333',
  exists: true,
};

const withSpare: IdentityOptions = { ...identities, available: [spareIdentity] };

function handlers(extra: Record<string, CommandHandler>): Record<string, CommandHandler> {
  return {
    list_subscriptions: () => [contosoProd],
    list_vaults: () => vaults,
    list_keys: (args) => (args.vaultUri === newVault.vaultUri ? [] : keys),
    list_key_versions: () => versions,
    list_identities: () => identities,
    preflight: () => cleanReport,
    check_vault_name: () => ({ status: 'available' }),
    ...extra,
  };
}

function renderPanel(commands: Record<string, CommandHandler>) {
  const shell = mockShell(commands);
  const rendered = renderInFluent(
    <ChangeKeyPanel open onClose={vi.fn()} view={cmkView} rules={registryRules} onSave={vi.fn()} keyVaultSuffix="vault.azure.net" />,
  );
  return { shell, panel: screen.getByRole('dialog', { name: 'Change key' }), ...rendered };
}

describe('Change key panel, Create new', () => {
  it('selects the key vault it created, then the key it created in it', async () => {
    const { user, panel, shell } = renderPanel(
      handlers({ create_vault: () => newVault, create_key: () => newKey }),
    );
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);

    await user.click(within(panel).getByRole('button', { name: 'Create new key vault' }));
    const vaultDialog = screen.getByRole('dialog', { name: 'Create a key vault' });
    // Defaults to the registry's resource group and location.
    expect(within(vaultDialog).getByRole('textbox', { name: /Resource group/ })).toHaveValue(cmkView.resourceGroup);
    expect(within(vaultDialog).getByRole('textbox', { name: /Location/ })).toHaveValue(cmkView.location);
    await user.click(within(vaultDialog).getByRole('textbox', { name: /^Name/ }));
    await user.paste('kv-images-01');
    await within(vaultDialog).findByText('The name is available.', {}, slow);
    await user.click(within(vaultDialog).getByRole('button', { name: 'Create' }));

    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Create a key vault' })).toBeNull();
    }, slow);
    expect(vault).toHaveValue(newVault.id);
    expect((vault as HTMLSelectElement).selectedOptions[0]).toHaveTextContent('kv-images-01');
    expect(shell.calls.find((c) => c.command === 'create_vault')?.args.request).toMatchObject({
      subscriptionId: cmkView.subscriptionId,
      resourceGroup: cmkView.resourceGroup,
      location: cmkView.location,
      name: 'kv-images-01',
    });

    // The new vault has no keys yet: create one.
    const key = await within(panel).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Create new key' }));
    const keyDialog = screen.getByRole('dialog', { name: 'Create a key in kv-images-01' });
    await user.click(within(keyDialog).getByRole('textbox', { name: /^Name/ }));
    await user.paste('cmk-new');
    await user.click(within(keyDialog).getByRole('button', { name: 'Create' }));

    await waitFor(() => {
      expect(key).toHaveValue(newKey.kid);
    }, slow);
    expect(shell.calls.find((c) => c.command === 'create_key')?.args.request).toEqual({
      vaultUri: newVault.vaultUri,
      name: 'cmk-new',
      size: 3072,
    });
    // The choice is complete: preflight runs on the new key.
    await waitFor(() => {
      expect(shell.calls.filter((c) => c.command === 'preflight').at(-1)?.args.desired).toMatchObject({
        keyUri: newKey.kid,
      });
    }, slow);
  });

  it('selects the vault of that name from the list instead of creating it (Select it), and closes the dialog', async () => {
    const kvContoso = fixture(vaults, 0);
    const { user, panel, shell } = renderPanel(
      handlers({ check_vault_name: () => ({ status: 'inSubscription', vault: kvContoso }) satisfies VaultNameCheck }),
    );
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Create new key vault' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key vault' });
    await user.click(within(dialog).getByRole('textbox', { name: /^Name/ }));
    await user.paste('kv-contoso');
    await user.click(await within(dialog).findByRole('button', { name: 'Select it' }, slow));

    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Create a key vault' })).toBeNull();
    }, slow);
    expect(vault).toHaveValue(kvContoso.id);
    expect(shell.calls.find((c) => c.command === 'check_vault_name')?.args).toEqual({
      subscriptionId: cmkView.subscriptionId,
      name: 'kv-contoso',
    });
    expect(shell.calls.map((c) => c.command)).not.toContain('create_vault');
    // Its keys are listed, to pick one.
    await waitFor(() => {
      expect(shell.calls.find((c) => c.command === 'list_keys')?.args).toEqual({ vaultUri: kvContoso.vaultUri });
    }, slow);
  });

  it('recovers a deleted vault (Recover it), selects it and closes the dialog', async () => {
    const recovered: VaultOption = { ...newVault, name: 'kv-old', id: newVault.id.replace('kv-images-01', 'kv-old'), vaultUri: 'https://kv-old.vault.azure.net/' };
    const { user, panel, shell } = renderPanel(
      handlers({
        check_vault_name: () =>
          ({
            status: 'softDeleted',
            location: 'westeurope',
            originalResourceGroup: 'rg-images',
            deletionDate: '2026-05-01T10:00:00Z',
            scheduledPurgeDate: '2026-07-30T10:00:00Z',
            canRecover: true,
          }) satisfies VaultNameCheck,
        recover_vault: () => recovered,
      }),
    );
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Create new key vault' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key vault' });
    await user.click(within(dialog).getByRole('textbox', { name: /^Name/ }));
    await user.paste('kv-old');
    await user.click(await within(dialog).findByRole('button', { name: 'Recover it' }, slow));

    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Create a key vault' })).toBeNull();
    }, slow);
    expect(vault).toHaveValue(recovered.id);
    expect((vault as HTMLSelectElement).selectedOptions[0]).toHaveTextContent('kv-old');
    expect(shell.calls.find((c) => c.command === 'recover_vault')?.args).toEqual({
      subscriptionId: cmkView.subscriptionId,
      name: 'kv-old',
      operationId: expect.stringMatching(/^recover-vault-/) as unknown,
    });
  });

  it('picks the key the vault already has instead of creating it again (Select it)', async () => {
    const { user, panel, shell } = renderPanel(handlers({}));
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, vaults[0]?.id ?? '');
    const key = await within(panel).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Create new key' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key in kv-contoso' });
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'cmk-images');
    expect(within(dialog).getByText(/^Key cmk-images already exists in this vault\./)).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Create' })).toBeDisabled();
    await user.click(within(dialog).getByRole('button', { name: 'Select it' }));

    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Create a key in kv-contoso' })).toBeNull();
    }, slow);
    expect(key).toHaveValue(keys[0]?.kid);
    expect(shell.calls.map((c) => c.command)).not.toContain('create_key');
  });

  it('keeps the previous choice when creating is cancelled', async () => {
    const { user, panel, shell } = renderPanel(handlers({}));
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, vaults[0]?.id ?? '');
    await user.click(within(panel).getByRole('button', { name: 'Create new key vault' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Create a key vault' })).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Create a key vault' })).toBeNull();
    }, slow);
    expect(vault).toHaveValue(vaults[0]?.id);
    expect(shell.calls.map((c) => c.command)).not.toContain('create_vault');
  });
});

describe('Change key panel, an identity not attached yet', () => {
  it('offers it under Not attached yet, finds it by its client ID too, and lets Save attach it as the first reviewed step; nothing is written from the panel', async () => {
    const attachStep = {
      kind: 'addUserAssignedIdentity' as const,
      title: 'Attach user-assigned identity id-spare to registry contosoimages',
      method: 'PATCH',
      path: `${cmkView.registryId}?api-version=2023-07-01`,
      body: {},
      bodySummary: 'identity.type = UserAssigned (user-assigned: id-images, id-spare)',
      azCommand: `az acr identity assign --name contosoimages --identities ${spareIdentity.resourceId}`,
    };
    const { user, panel, shell } = renderPanel(
      handlers({
        list_identities: () => withSpare,
        preflight: () => ({ ...cleanReport, steps: [attachStep, ...cleanReport.steps] }),
        validate_key_uri: (args) => ({
          canonical: String(args.input),
          vaultName: 'kv-contoso',
          vaultUrl: cmkView.key?.vaultUri ?? '',
          keyName: 'cmk-images',
          version: null,
          rotation: 'automatic',
          isManagedHsm: false,
        }),
      }),
    );
    // The key in use, as Enter key URI prefills it.
    await user.click(within(panel).getByRole('radio', { name: 'Enter key URI' }));
    const identity = await within(panel).findByRole<HTMLSelectElement>('combobox', { name: /User-assigned identity/ }, slow);
    expect(within(panel).queryByRole('button', { name: 'Attach' })).toBeNull();
    const group = within(identity).getByRole('group', { name: 'Not attached yet (Save attaches it)' });
    expect(within(group).getByRole('option', { name: 'id-spare (rg-security, Contoso Production)' })).toBeInTheDocument();
    // Typed by its client ID rather than picked from the list (rotate-key's --identity); an unknown one is said so.
    const typed = within(panel).getByRole('textbox', { name: /Or enter a client ID or resource ID/ });
    await user.type(typed, '99999999-9999-9999-9999-999999999999');
    await user.click(within(panel).getByRole('button', { name: 'Use this identity' }));
    expect(await within(panel).findByText(/No user-assigned identity you can read has the client ID/)).toBeInTheDocument();
    await user.clear(typed);
    await user.type(typed, spareIdentity.clientId ?? '');
    await user.click(within(panel).getByRole('button', { name: 'Use this identity' }));
    await waitFor(() => {
      expect(identity).toHaveValue(spareIdentity.resourceId);
    }, slow);
    expect(await within(panel).findByText(/Save attaches it first, as the first step of the review/)).toBeInTheDocument();
    const planned = await within(panel).findByRole('list', { name: 'What will change' }, slow);
    await waitFor(() => {
      expect(within(planned).getAllByRole('listitem')[0]).toHaveTextContent(attachStep.title);
    }, slow);
    await waitFor(() => {
      expect(
        shell.calls.some(
          (c) =>
            c.command === 'preflight' &&
            JSON.stringify(c.args).includes(spareIdentity.resourceId),
        ),
      ).toBe(true);
    }, slow);
    expect(shell.calls.map((c) => c.command)).not.toContain('attach_identity');
  });
});
