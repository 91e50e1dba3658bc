import { emit } from '@tauri-apps/api/event';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { CommandError, KeyOption, OperationProgress, VaultNameCheck, VaultOption } from '../../bindings';
import { formatDate } from '../../model/encryptionText';
import { fixture, keys, newKey, newVault, vaults } from '../../test/encryption';
import { contosoProd, mockShell, rejectWith, type CommandHandler } from '../../test/ipc';
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
  const onSelect = vi.fn();
  const rendered = renderInFluent(
    <CreateVaultDialog
      subscriptionId={contosoProd.subscriptionId}
      defaults={{ resourceGroup: 'rg-images', location: 'westeurope' }}
      onClose={onClose}
      onCreated={onCreated}
      onSelect={onSelect}
    />,
  );
  return { ...rendered, onClose, onCreated, onSelect, ...controls(screen.getByRole('dialog', { name: 'Create a key vault' })) };
}

function renderKeyDialog(existingKeys: readonly KeyOption[] = []) {
  const onClose = vi.fn();
  const onCreated = vi.fn();
  const onSelect = vi.fn();
  const onNameTaken = vi.fn();
  const rendered = renderInFluent(
    <CreateKeyDialog
      vaultName={newVault.name}
      vaultUri={newVault.vaultUri ?? ''}
      existingKeys={existingKeys}
      onClose={onClose}
      onCreated={onCreated}
      onSelect={onSelect}
      onNameTaken={onNameTaken}
    />,
  );
  return {
    ...rendered,
    onClose,
    onCreated,
    onSelect,
    onNameTaken,
    ...controls(screen.getByRole('dialog', { name: 'Create a key in kv-images-01' })),
  };
}

/** check_vault_name answering `available` for every name. */
const nameIsFree: Record<string, CommandHandler> = { check_vault_name: () => ({ status: 'available' }) satisfies VaultNameCheck };

/** The name field's message: what Fluent shows under the field. */
function nameMessage(dialog: HTMLElement, text: string) {
  return within(dialog).findByText(text, {}, slow);
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
    const shell = mockShell(nameIsFree);
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, typed);
    expect(within(dialog).getByText(problem)).toBeInTheDocument();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(create).toBeDisabled();
    // Enter submits a form even with its button disabled: nothing may be sent all the same.
    await user.type(name, '{Enter}');
    expect(shell.calls.map((c) => c.command)).not.toContain('create_vault');
    // A name that breaks the rule is not asked about (a name typed on the way may have been).
    expect(shell.calls.filter((c) => c.args.name === typed)).toEqual([]);
  });

  it('checks the resource group and location too', async () => {
    mockShell(nameIsFree);
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    await nameMessage(dialog, 'The name is available.');
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
    const shell = mockShell({ ...nameIsFree, create_vault: creation.handler });
    const { user, dialog, name, create, cancel, onCreated, onClose } = renderVaultDialog();
    expect(create).toBeDisabled();
    await user.type(name, '  kv-images-01 ');
    await user.click(within(dialog).getByRole('radio', { name: 'Vault access policy' }));
    await nameMessage(dialog, 'The name is available.');
    await user.click(create);

    expect(await within(dialog).findByText('Creating the key vault…')).toBeInTheDocument();
    expect(create).toBeDisabled();
    expect(cancel).toBeDisabled();
    expect(name).toBeDisabled();
    expect(within(dialog).getByRole('radio', { name: 'Vault access policy' })).toBeDisabled();
    // Escape cannot abandon a command already sent.
    await user.keyboard('{Escape}');
    expect(onClose).not.toHaveBeenCalled();

    const call = shell.calls.find((c) => c.command === 'create_vault');
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
    const outage: CommandError = {
      code: 'azure.unreachable',
      message: 'Could not reach management.azure.com. Check your network connection, then try again.',
      details: null,
    };
    let attempts = 0;
    mockShell({
      ...nameIsFree,
      create_vault: () => {
        attempts += 1;
        return attempts === 1 ? rejectWith(outage) : newVault;
      },
    });
    const { user, dialog, name, create, onCreated } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    await nameMessage(dialog, 'The name is available.');
    await user.click(create);

    const alert = await within(dialog).findByText('Could not create the key vault');
    const bar = alert.closest('.fui-MessageBar');
    expect(bar).toHaveTextContent(outage.message);
    expect(bar).toHaveTextContent('Error code: azure.unreachable');
    expect(onCreated).not.toHaveBeenCalled();
    expect(within(dialog).queryByText('Creating the key vault…')).toBeNull();
    expect(name).toBeEnabled();

    await user.click(create);
    await waitFor(() => {
      expect(onCreated).toHaveBeenCalledWith(newVault);
    });
    expect(within(dialog).queryByText('Could not create the key vault')).toBeNull();
  });

  it('keeps the dialog open with the message when the name was taken since it was checked, and checks it again', async () => {
    const answers: VaultNameCheck[] = [{ status: 'available' }, { status: 'taken', message: conflict.message }];
    const shell = mockShell({
      check_vault_name: () => answers.shift() ?? { status: 'available' },
      create_vault: () => rejectWith(conflict),
    });
    const { user, dialog, name, create, onCreated, onClose } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    await nameMessage(dialog, 'The name is available.');
    await user.click(create);

    const bar = (await within(dialog).findByText('Could not create the key vault', {}, slow)).closest('.fui-MessageBar');
    expect(bar).toHaveTextContent(conflict.message);
    expect(bar).toHaveTextContent('Error code: azure.conflict');
    // The field says so too, from a fresh check, and Create stays off.
    await waitFor(() => {
      expect(shell.calls.filter((c) => c.command === 'check_vault_name')).toHaveLength(2);
    }, slow);
    await waitFor(() => {
      expect(within(dialog).getAllByText(conflict.message)).toHaveLength(2);
    }, slow);
    expect(create).toBeDisabled();
    expect(onCreated).not.toHaveBeenCalled();
    expect(onClose).not.toHaveBeenCalled();
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

describe('Create a key vault: the name check', () => {
  const kvContoso = fixture(vaults, 0);

  it('checks a name once typing pauses, says so meanwhile, and enables Create only when it is available', async () => {
    const check = held<VaultNameCheck>();
    const shell = mockShell({ check_vault_name: check.handler });
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    expect(within(dialog).getByText('Checking the name…')).toBeInTheDocument();
    expect(create).toBeDisabled();
    await waitFor(() => {
      expect(shell.calls.filter((c) => c.command === 'check_vault_name')).toHaveLength(1);
    }, slow);
    // Only the name typing settled on is asked about.
    expect(shell.calls).toEqual([
      { command: 'check_vault_name', args: { subscriptionId: contosoProd.subscriptionId, name: 'kv-images-01' } },
    ]);
    expect(create).toBeDisabled();

    check.answer({ status: 'available' });
    expect(await nameMessage(dialog, 'The name is available.')).toBeInTheDocument();
    expect(name).not.toHaveAttribute('aria-invalid', 'true');
    expect(create).toBeEnabled();
  });

  it('ignores the answer for a name no longer in the field', async () => {
    const pending = new Map<string, (check: VaultNameCheck) => void>();
    const shell = mockShell({
      check_vault_name: (args) =>
        new Promise<VaultNameCheck>((resolve) => {
          pending.set(String(args.name), resolve);
        }),
    });
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, 'kv-images-0');
    await waitFor(() => {
      expect(pending.has('kv-images-0')).toBe(true);
    }, slow);
    await user.type(name, '1');
    await waitFor(() => {
      expect(pending.has('kv-images-01')).toBe(true);
    }, slow);

    // The old name's answer arrives last but one: it says nothing about kv-images-01.
    pending.get('kv-images-0')?.({ status: 'available' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(within(dialog).queryByText('The name is available.')).toBeNull();
    expect(within(dialog).getByText('Checking the name…')).toBeInTheDocument();
    expect(create).toBeDisabled();

    pending.get('kv-images-01')?.({ status: 'taken', message: conflict.message });
    expect(await nameMessage(dialog, conflict.message)).toBeInTheDocument();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(create).toBeDisabled();
    expect(shell.calls.map((c) => c.args.name)).toEqual(['kv-images-0', 'kv-images-01']);
  });

  it.each<{ name: string; check: VaultNameCheck; message: string }>([
    {
      name: 'a name Azure refuses',
      check: { status: 'invalid', reason: 'The name kv-images-01 is reserved by Azure. Choose another name.' },
      message: 'The name kv-images-01 is reserved by Azure. Choose another name.',
    },
    {
      name: 'a name someone else uses',
      check: { status: 'taken', message: 'The name kv-images-01 is used by a key vault you cannot see. Choose another name: vault names are unique across Azure.' },
      message: 'The name kv-images-01 is used by a key vault you cannot see. Choose another name: vault names are unique across Azure.',
    },
  ])('says why Create is off for $name', async ({ check, message }) => {
    mockShell({ check_vault_name: () => check });
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    expect(await nameMessage(dialog, message)).toBeInTheDocument();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(create).toBeDisabled();
    expect(within(dialog).queryByRole('button', { name: /Select it|Recover it/ })).toBeNull();
  });

  it("offers the subscription's vault of that name instead: Select it", async () => {
    mockShell({ check_vault_name: () => ({ status: 'inSubscription', vault: kvContoso }) satisfies VaultNameCheck });
    const { user, dialog, name, create, onSelect, onCreated } = renderVaultDialog();
    await user.type(name, 'kv-contoso');
    expect(
      await nameMessage(
        dialog,
        'A key vault named kv-contoso already exists in resource group rg-security. Creating it would replace its access settings: pick it from the list instead.',
      ),
    ).toBeInTheDocument();
    expect(create).toBeDisabled();
    await user.click(within(dialog).getByRole('button', { name: 'Select it' }));
    expect(onSelect).toHaveBeenCalledWith(kvContoso);
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('recovers a deleted vault of that name, showing its progress, then selects it', async () => {
    const recovered = { ...newVault, name: 'kv-old', id: newVault.id.replace('kv-images-01', 'kv-old') };
    const recovery = held<VaultOption>();
    const shell = mockShell({
      check_vault_name: () =>
        ({
          status: 'softDeleted',
          location: 'westeurope',
          originalResourceGroup: 'rg-old',
          deletionDate: '2026-05-01T10:00:00Z',
          scheduledPurgeDate: '2026-07-30T10:00:00Z',
          canRecover: true,
        }) satisfies VaultNameCheck,
      recover_vault: recovery.handler,
    });
    const { user, dialog, name, create, cancel, onSelect } = renderVaultDialog();
    await user.type(name, 'kv-old');
    expect(
      await nameMessage(
        dialog,
        `kv-old was deleted on ${formatDate('2026-05-01T10:00:00Z')} and is kept until ${formatDate('2026-07-30T10:00:00Z')}, so its name is taken. Recover it to use it again, or choose another name.`,
      ),
    ).toBeInTheDocument();
    expect(create).toBeDisabled();

    await user.click(within(dialog).getByRole('button', { name: 'Recover it' }));
    expect(await within(dialog).findByText('Recovering kv-old…')).toBeInTheDocument();
    const call = shell.calls.find((c) => c.command === 'recover_vault');
    expect(call?.args).toEqual({
      subscriptionId: contosoProd.subscriptionId,
      name: 'kv-old',
      operationId: expect.stringMatching(/^recover-vault-/) as unknown,
    });
    expect(within(dialog).getByRole('button', { name: 'Recover it' })).toBeDisabled();
    expect(cancel).toBeDisabled();
    expect(name).toBeDisabled();

    const progress: OperationProgress = {
      operationId: String(call?.args.operationId),
      stage: 'running',
      step: 'Recover key vault kv-old',
      message: 'Recover key vault kv-old: Azure reports Recovering (checked 1 time).',
      completedSteps: 0,
    };
    await emit('operation-progress', progress);
    expect(await within(dialog).findByText(progress.message)).toBeInTheDocument();

    recovery.answer(recovered);
    await waitFor(() => {
      expect(onSelect).toHaveBeenCalledWith(recovered);
    }, slow);
  });

  it('says who can recover a deleted vault when you cannot, and offers no Recover', async () => {
    mockShell({
      check_vault_name: () =>
        ({
          status: 'softDeleted',
          location: 'westeurope',
          originalResourceGroup: 'rg-old',
          deletionDate: '2026-05-01T10:00:00Z',
          scheduledPurgeDate: '2026-07-30T10:00:00Z',
          canRecover: false,
        }) satisfies VaultNameCheck,
    });
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, 'kv-old');
    expect(
      await nameMessage(
        dialog,
        `kv-old was deleted on ${formatDate('2026-05-01T10:00:00Z')} and is kept until ${formatDate('2026-07-30T10:00:00Z')}, so its name is taken. Ask someone with write access to resource group rg-old to recover it, or choose another name.`,
      ),
    ).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'Recover it' })).toBeNull();
    expect(create).toBeDisabled();
  });

  it('shows why recovering failed, in the dialog', async () => {
    const refused: CommandError = {
      code: 'azure.forbidden',
      message: 'You may not recover kv-old: you need Microsoft.KeyVault/vaults/write on resource group rg-old.',
      details: null,
    };
    mockShell({
      check_vault_name: () =>
        ({
          status: 'softDeleted',
          location: 'westeurope',
          originalResourceGroup: 'rg-old',
          deletionDate: null,
          scheduledPurgeDate: null,
          canRecover: true,
        }) satisfies VaultNameCheck,
      recover_vault: () => rejectWith(refused),
    });
    const { user, dialog, name, onSelect } = renderVaultDialog();
    await user.type(name, 'kv-old');
    expect(
      await nameMessage(dialog, 'kv-old was deleted and is kept until it is purged, so its name is taken. Recover it to use it again, or choose another name.'),
    ).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Recover it' }));
    const bar = (await within(dialog).findByText('Could not recover the key vault', {}, slow)).closest('.fui-MessageBar');
    expect(bar).toHaveTextContent(refused.message);
    expect(name).toBeEnabled();
    expect(onSelect).not.toHaveBeenCalled();
  });

  it('says when the name could not be checked, and checks it again on request', async () => {
    let attempts = 0;
    const shell = mockShell({
      check_vault_name: () => {
        attempts += 1;
        return attempts === 1
          ? rejectWith({ code: 'azure.unreachable', message: 'Could not reach management.azure.com.', details: null })
          : ({ status: 'available' } satisfies VaultNameCheck);
      },
    });
    const { user, dialog, name, create } = renderVaultDialog();
    await user.type(name, 'kv-images-01');
    expect(
      await nameMessage(dialog, 'keyblade could not check whether the name is free: Could not reach management.azure.com.'),
    ).toBeInTheDocument();
    expect(create).toBeDisabled();
    await user.click(within(dialog).getByRole('button', { name: 'Check the name again' }));
    expect(await nameMessage(dialog, 'The name is available.')).toBeInTheDocument();
    expect(create).toBeEnabled();
    expect(shell.calls.filter((c) => c.command === 'check_vault_name')).toHaveLength(2);
  });
});

describe('Create a key: a name the vault already has', () => {
  const existing = fixture(keys, 0);
  const warning =
    'Key cmk-images already exists in this vault. Creating it again would add a new version, and every resource that uses cmk-images without a version would move to it. Pick it from the list instead.';

  it('warns as the user types, whatever the case, keeps Create off and offers the key: Select it', async () => {
    const shell = mockShell({});
    const { user, dialog, name, create, onSelect, onCreated } = renderKeyDialog(keys);
    await user.type(name, 'CMK-Images');
    expect(within(dialog).getByText(warning)).toBeInTheDocument();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(create).toBeDisabled();
    await user.type(name, '{Enter}');
    expect(shell.calls).toEqual([]);

    await user.click(within(dialog).getByRole('button', { name: 'Select it' }));
    expect(onSelect).toHaveBeenCalledWith(existing);
    expect(onCreated).not.toHaveBeenCalled();

    // Another name is fine again.
    await user.type(name, '-2');
    expect(within(dialog).queryByText(warning)).toBeNull();
    expect(within(dialog).queryByRole('button', { name: 'Select it' })).toBeNull();
    expect(create).toBeEnabled();
  });

  it('shows the vault’s refusal of a key it already has, and has the keys read again', async () => {
    const exists: CommandError = {
      code: 'azure.conflict',
      message:
        'Vault kv-images-01 already has a key named cmk-new. Creating it again would add a new version of it: pick it from the list instead, or choose another name.',
      details: null,
    };
    mockShell({ create_key: () => rejectWith(exists) });
    const { user, dialog, name, create, onCreated, onNameTaken } = renderKeyDialog();
    await user.type(name, 'cmk-new');
    await user.click(create);
    const bar = (await within(dialog).findByText('Could not create the key', {}, slow)).closest('.fui-MessageBar');
    expect(bar).toHaveTextContent(exists.message);
    expect(onNameTaken).toHaveBeenCalledTimes(1);
    expect(onCreated).not.toHaveBeenCalled();
  });
});
