import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { CommandError, KeyOption, VaultOption } from '../../bindings';
import { newKey, newVault } from '../../test/encryption';
import { contosoProd, mockShell, rejectWith } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { CreateKeyDialog, CreateVaultDialog } from './CreateDialogs';

// Generous: a loaded 2-core CI machine can take seconds per step; passing tests never wait this long.
const slow = { timeout: 10_000 };

const conflict: CommandError = {
  code: 'azure.conflict',
  message: 'The vault name kv-images-01 is already in use. Choose another name: vault names are unique across Azure.',
  details: 'HTTP 409 VaultAlreadyExists',
};

/** A command that answers only when the test says so, to look at the dialog while it waits. */
function held<T>() {
  let answer: (value: T) => void = () => undefined;
  const answered = new Promise<T>((resolve) => {
    answer = resolve;
  });
  return { handler: () => answered, answer };
}

/** The controls both Create new dialogs have. */
function controls(dialog: HTMLElement) {
  return {
    dialog,
    name: within(dialog).getByRole('textbox', { name: /^Name/ }),
    create: within(dialog).getByRole('button', { name: 'Create' }),
    cancel: within(dialog).getByRole('button', { name: 'Cancel' }),
  };
}

function renderVaultDialog() {
  const onClose = vi.fn();
  const onCreated = vi.fn();
  const rendered = renderInFluent(
    <CreateVaultDialog
      subscriptionId={contosoProd.subscriptionId}
      defaults={{ resourceGroup: 'rg-images', location: 'westeurope' }}
      onClose={onClose}
      onCreated={onCreated}
    />,
  );
  return { ...rendered, onClose, onCreated, ...controls(screen.getByRole('dialog', { name: 'Create a key vault' })) };
}

function renderKeyDialog() {
  const onClose = vi.fn();
  const onCreated = vi.fn();
  const rendered = renderInFluent(
    <CreateKeyDialog vaultName={newVault.name} vaultUri={newVault.vaultUri ?? ''} onClose={onClose} onCreated={onCreated} />,
  );
  return { ...rendered, onClose, onCreated, ...controls(screen.getByRole('dialog', { name: 'Create a key in kv-images-01' })) };
}

describe('Create a key vault', () => {
  it('says that soft delete and purge protection will be on', () => {
    mockShell({});
    const { dialog } = renderVaultDialog();
    expect(dialog).toHaveTextContent('Soft delete and purge protection are turned on');
  });

  it.each([
    ['kv', 'A key vault name has 3 to 24 characters; this one has 2.'],
    ['kv_images', 'Use only letters, digits and hyphens: "_" is not allowed.'],
    ['1kv-images', 'Start the name with a letter.'],
    ['kv-images-', 'End the name with a letter or a digit.'],
    ['kv--images', 'Use single hyphens: two in a row are not allowed.'],
    ['kv-images-for-the-contoso-prod', 'A key vault name has 3 to 24 characters; this one has 30.'],
  ])('explains why %s is not a key vault name, and Create stays disabled', async (typed, problem) => {
    const shell = mockShell({});
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, typed);
    expect(within(dialog).getByText(problem)).toBeInTheDocument();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(create).toBeDisabled();
    // Enter submits a form even with its button disabled: nothing may be sent all the same.
    await user.type(name, '{Enter}');
    expect(shell.calls).toEqual([]);
  });

  it('checks the resource group and location too', async () => {
    mockShell({});
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    expect(create).toBeEnabled();
    const resourceGroup = within(dialog).getByRole('textbox', { name: /Resource group/ });
    await user.type(resourceGroup, '.');
    expect(within(dialog).getByText('A resource group name cannot end with a period.')).toBeInTheDocument();
    expect(create).toBeDisabled();
    await user.type(resourceGroup, '{Backspace}');
    await user.clear(within(dialog).getByRole('textbox', { name: /Location/ }));
    expect(within(dialog).getByText('Enter a location, e.g. westeurope.')).toBeInTheDocument();
    expect(create).toBeDisabled();
  });

  it('creates the vault with the chosen settings, disabling the form while it runs', async () => {
    const creation = held<VaultOption>();
    const shell = mockShell({ create_vault: creation.handler });
    const { user, dialog, name, create, cancel, onCreated, onClose } = renderVaultDialog();
    expect(create).toBeDisabled();
    await user.type(name, '  kv-images-01 ');
    await user.click(within(dialog).getByRole('radio', { name: 'Vault access policy' }));
    await user.click(create);

    expect(await within(dialog).findByText('Creating the key vault…')).toBeInTheDocument();
    expect(create).toBeDisabled();
    expect(cancel).toBeDisabled();
    expect(name).toBeDisabled();
    expect(within(dialog).getByRole('radio', { name: 'Vault access policy' })).toBeDisabled();
    // Escape cannot abandon a command already sent.
    await user.keyboard('{Escape}');
    expect(onClose).not.toHaveBeenCalled();

    const [call] = shell.calls;
    expect(call?.command).toBe('create_vault');
    expect(call?.args).toEqual({
      request: {
        subscriptionId: contosoProd.subscriptionId,
        resourceGroup: 'rg-images',
        name: 'kv-images-01',
        location: 'westeurope',
        permissionModel: 'accessPolicies',
      },
      operationId: expect.stringMatching(/^create-vault-/) as unknown,
    });
    expect(onCreated).not.toHaveBeenCalled();

    creation.answer(newVault);
    await waitFor(() => {
      expect(onCreated).toHaveBeenCalledWith(newVault);
    });
  });

  it('shows why creating failed, and lets the user try again', async () => {
    let attempts = 0;
    mockShell({
      create_vault: () => {
        attempts += 1;
        return attempts === 1 ? rejectWith(conflict) : newVault;
      },
    });
    const { user, dialog, name, create, onCreated } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    await user.click(create);

    const alert = await within(dialog).findByText('Could not create the key vault');
    const bar = alert.closest('.fui-MessageBar');
    expect(bar).toHaveTextContent(conflict.message);
    expect(bar).toHaveTextContent('Error code: azure.conflict');
    expect(bar).toHaveTextContent('HTTP 409 VaultAlreadyExists');
    expect(onCreated).not.toHaveBeenCalled();
    expect(within(dialog).queryByText('Creating the key vault…')).toBeNull();
    expect(name).toBeEnabled();

    await user.click(create);
    await waitFor(() => {
      expect(onCreated).toHaveBeenCalledWith(newVault);
    });
    expect(within(dialog).queryByText('Could not create the key vault')).toBeNull();
  });
});

describe('Create a key', () => {
  it.each([
    { typed: 'cmk_images', problem: 'Use only letters, digits and hyphens: "_" is not allowed.' },
    { typed: 'cmk images', problem: 'Use only letters, digits and hyphens: a space is not allowed.' },
    { typed: 'x'.repeat(128), problem: 'A key name has at most 127 characters; this one has 128.' },
  ])('explains a bad key name: $problem', async ({ typed, problem }) => {
    mockShell({});
    const { user, dialog, name, create } = renderKeyDialog();
    await user.click(name);
    await user.paste(typed);
    expect(within(dialog).getByText(problem)).toBeInTheDocument();
    expect(create).toBeDisabled();
  });

  it('creates an RSA key of the chosen size in the vault, disabling the form while it runs', async () => {
    const creation = held<KeyOption>();
    const shell = mockShell({ create_key: creation.handler });
    const { user, dialog, name, create, onCreated } = renderKeyDialog();
    const size = within(dialog).getByRole('combobox', { name: 'RSA key size' });
    expect(size).toHaveValue('3072');
    await user.type(name, 'cmk-new');
    await user.selectOptions(size, '4096');
    await user.click(create);

    expect(await within(dialog).findByText('Creating the key…')).toBeInTheDocument();
    expect(create).toBeDisabled();
    expect(size).toBeDisabled();
    expect(shell.calls).toEqual([
      { command: 'create_key', args: { request: { vaultUri: newVault.vaultUri, name: 'cmk-new', size: 4096 } } },
    ]);

    creation.answer(newKey);
    await waitFor(() => {
      expect(onCreated).toHaveBeenCalledWith(newKey);
    });
  });

  it('shows the error when the vault refuses', async () => {
    const forbidden: CommandError = {
      code: 'keyVault.forbidden',
      message:
        'You may not create keys in kv-images-01: the vault lets you list keys but not create them. Ask for the Key Vault Crypto Officer role.',
      details: null,
    };
    mockShell({ create_key: () => rejectWith(forbidden) });
    const { user, dialog, name, create, onCreated } = renderKeyDialog();
    await user.type(name, 'cmk-new');
    await user.click(create);
    const bar = (await within(dialog).findByText('Could not create the key', {}, slow)).closest('.fui-MessageBar');
    expect(bar).toHaveTextContent(forbidden.message);
    expect(bar).toHaveTextContent('Error code: keyVault.forbidden');
    expect(create).toBeEnabled();
    expect(onCreated).not.toHaveBeenCalled();
  });
});
