import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { screen, waitFor, within } from '@testing-library/react';
import type React from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { DesiredChange, PreflightReport } from '../../bindings';
import { cleanReport, cmkView, identities, identityId, keys, missingAccessReport, uriInfo, vaults, vaultUri, version2, versions } from '../../test/encryption';
import { contosoProd, mockShell, rejectWith, type CommandHandler } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import type { AppNotification } from '../../state/notifications';
import { ChangeKeyPanel } from './ChangeKeyPanel';
import { registryRules } from '../../test/kinds';

const slow = { timeout: 10_000 };

function panelHandlers(preflight: (desired: DesiredChange) => PreflightReport): Record<string, CommandHandler> {
  return {
    list_subscriptions: () => [contosoProd],
    list_vaults: () => vaults,
    list_keys: () => keys,
    list_key_versions: () => versions,
    list_identities: () => identities,
    preflight: (args) => preflight(args.desired as DesiredChange),
    validate_key_uri: (args) => {
      const input = String(args.input);
      if (input.startsWith('http://')) {
        return rejectWith({
          code: 'keyUri.insecureScheme',
          message: 'The key URI uses `http://`, which is not encrypted. Key Vault accepts only HTTPS.',
          details: null,
        });
      }
      return uriInfo(input);
    },
  };
}

function renderPanel(handlers: Record<string, CommandHandler>, onSave = vi.fn()) {
  const shell = mockShell(handlers);
  const rendered = renderInFluent(
    <ChangeKeyPanel open onClose={vi.fn()} view={cmkView} rules={registryRules} onSave={onSave} keyVaultSuffix="vault.azure.net" />,
  );
  return { shell, onSave, ...rendered };
}

function panel() {
  return screen.getByRole('dialog', { name: 'Change key' });
}

function preflightCalls(shell: ReturnType<typeof mockShell>): DesiredChange[] {
  return shell.calls.filter((c) => c.command === 'preflight').map((c) => c.args.desired as DesiredChange);
}

describe('Change key panel', () => {
  it('Select from Key Vault: a key without a version is unversioned (automatic rotation); a version pins it', async () => {
    const { user, shell } = renderPanel(panelHandlers(() => cleanReport));
    expect(within(panel()).getByRole('radio', { name: 'Select from Key Vault' })).toBeChecked();

    const vault = await within(panel()).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    // A vault whose keys cannot be listed is offered with the reason.
    expect(within(vault).getByRole('option', { name: 'kv-locked: cannot list keys (firewall)' })).toBeInTheDocument();
    await user.selectOptions(vault, vaults[0]?.id ?? '');
    const key = await within(panel()).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.selectOptions(key, keys[0]?.kid ?? '');

    expect(await within(panel()).findByText(/^Unversioned: automatic rotation\./, {}, slow)).toBeInTheDocument();
    await waitFor(() => {
      expect(preflightCalls(shell).at(-1)).toEqual({
        keySource: 'customerManaged',
        keyUri: `${vaultUri}keys/cmk-images`,
        identity: { type: 'userAssigned', resourceId: identityId },
        grantAccess: false,
      });
    }, slow);
    expect(await within(panel()).findByRole('button', { name: 'Save' }, slow)).toBeEnabled();

    await user.selectOptions(within(panel()).getByRole('combobox', { name: /Version/ }), version2);
    expect(await within(panel()).findByText(/^Versioned: manual rotation\./, {}, slow)).toBeInTheDocument();
    await waitFor(() => {
      expect(preflightCalls(shell).at(-1)?.keyUri).toBe(`${vaultUri}keys/cmk-images/${version2}`);
    }, slow);
  });

  it('offers Enter key URI for a vault whose keys cannot be listed', async () => {
    const { user } = renderPanel(panelHandlers(() => cleanReport));
    const vault = await within(panel()).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, vaults[1]?.id ?? '');
    expect(within(panel()).getByText(/firewall does not allow your network address/)).toBeInTheDocument();
    await user.click(within(panel()).getByRole('button', { name: 'Enter key URI instead' }));
    expect(within(panel()).getByRole('radio', { name: 'Enter key URI' })).toBeChecked();
    expect(within(panel()).getByRole('textbox', { name: /Key URI/ })).toHaveValue('https://kv-locked.vault.azure.net/keys/');
  });

  it('Enter key URI: validates as the user types and says what the URI means', async () => {
    const { user } = renderPanel(panelHandlers(() => cleanReport));
    await user.click(within(panel()).getByRole('radio', { name: 'Enter key URI' }));
    const input = within(panel()).getByRole('textbox', { name: /Key URI/ });
    // Prefilled with the key in use, which is unversioned.
    expect(await within(panel()).findByText('Unversioned: automatic rotation', {}, slow)).toBeInTheDocument();

    await user.clear(input);
    await user.type(input, 'http://kv-contoso.vault.azure.net/keys/cmk-images');
    expect(await within(panel()).findByText(/uses `http:\/\/`, which is not encrypted/, {}, slow)).toBeInTheDocument();
    expect(within(panel()).getByRole('button', { name: 'Save' })).toBeDisabled();

    await user.clear(input);
    await user.type(input, `${vaultUri}keys/cmk-images/${version2}`);
    expect(await within(panel()).findByText('Versioned: manual rotation', {}, slow)).toBeInTheDocument();
    expect(within(panel()).queryByText(/not encrypted/)).toBeNull();
  });

  it('shows preflight errors with their fix, and they disable Save', async () => {
    const { user } = renderPanel(panelHandlers(() => ({ ...missingAccessReport, grant: { status: 'notNeeded' } })));
    await user.click(within(panel()).getByRole('radio', { name: 'Enter key URI' }));

    expect(await within(panel()).findByText(/The identity lacks get, wrapKey, unwrapKey/, {}, slow)).toBeInTheDocument();
    expect(within(panel()).getByText(/Fix: Select "Grant access"/)).toBeInTheDocument();
    const save = within(panel()).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription('Preflight found errors: fix them before saving (see Review).');
    // The plan and its az equivalent are shown all the same.
    expect(within(panel()).getByRole('list', { name: 'What will change' })).toHaveTextContent(
      'Encrypt registry contosoimages with key cmk-images',
    );
    expect(within(panel()).getByText(/az acr encryption rotate-key --name contosoimages/)).toBeInTheDocument();
  });

  it('grants missing access, then runs preflight again, which lets Save through', async () => {
    let granted = false;
    const handlers = panelHandlers(() => (granted ? cleanReport : missingAccessReport));
    handlers.grant_access = () => {
      granted = true;
      return {
        status: 'granted',
        step: missingAccessReport.steps[0],
        message: 'Done: keyblade added an access policy with get, wrapKey and unwrapKey for the identity to vault kv-contoso.',
      };
    };
    const { user, shell } = renderPanel(handlers);
    await user.click(within(panel()).getByRole('radio', { name: 'Enter key URI' }));

    await user.click(await within(panel()).findByRole('button', { name: 'Grant access' }, slow));
    expect(await within(panel()).findByText(/^Done: keyblade added an access policy/, {}, slow)).toBeInTheDocument();
    await waitFor(() => {
      expect(within(panel()).getByRole('button', { name: 'Save' })).toBeEnabled();
    }, slow);
    const commands = shell.calls.map((c) => c.command);
    const grantAt = commands.indexOf('grant_access');
    expect(grantAt).toBeGreaterThan(-1);
    expect(commands.slice(grantAt + 1)).toContain('preflight');
    expect(within(panel()).queryByText(/The identity lacks/)).toBeNull();
  });

  it('asks before turning on the system-assigned identity, then saves with the reviewed plan', async () => {
    const onSave = vi.fn();
    const { user, shell } = renderPanel(panelHandlers(() => cleanReport), onSave);
    await user.click(within(panel()).getByRole('radio', { name: 'Enter key URI' }));
    await user.click(within(panel()).getByRole('radio', { name: 'System assigned' }));

    const consent = await within(panel()).findByRole('checkbox', { name: /Turn on the system-assigned identity/ }, slow);
    await waitFor(() => {
      expect(preflightCalls(shell).at(-1)?.identity).toEqual({ type: 'systemAssigned' });
    }, slow);
    const save = within(panel()).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription(/tick "Turn on the system-assigned identity"/);

    await user.click(consent);
    await waitFor(() => {
      expect(save).toBeEnabled();
    }, slow);
    await user.click(save);
    expect(onSave).toHaveBeenCalledWith({
      registryId: cmkView.registryId,
      registryName: 'contosoimages',
      desired: {
        keySource: 'customerManaged',
        keyUri: `${vaultUri}keys/cmk-images`,
        identity: { type: 'systemAssigned' },
        grantAccess: false,
      },
      etag: '"etag-2"',
      planSteps: 1,
    });
  });

  it('while a save of the registry has not finished: shows it, offers Cancel save, and holds Save back', async () => {
    const onCancelSave = vi.fn();
    const shell = mockShell(panelHandlers(() => cleanReport));
    const cancel = { label: 'Cancel save', request: () => Promise.resolve(true), requested: false };
    const running: AppNotification = {
      id: 'save-1',
      title: 'Changing the key of contosoimages',
      message: "Set the registry's encryption key: Waiting for the new access to take effect. Next check in 10 s.",
      status: 'inProgress',
      progress: null,
      step: "Step 1 of 2: Set the registry's encryption key",
      subject: cmkView.registryId,
      cancel,
      createdAt: 0,
      updatedAt: 0,
      read: true,
    };
    const props = {
      open: true,
      onClose: vi.fn(),
      view: cmkView,
      rules: registryRules,
      onSave: vi.fn(),
      keyVaultSuffix: 'vault.azure.net',
      onCancelSave,
    };
    const { user, rerender } = renderInFluent(<ChangeKeyPanel {...props} runningSave={running} />);
    const bar = within(panel()).getByText('A save of this resource has not finished').closest('.fui-MessageBar');
    expect(bar).toHaveTextContent("Step 1 of 2: Set the registry's encryption key");
    expect(bar).toHaveTextContent(running.message);

    await user.click(within(panel()).getByRole('radio', { name: 'Enter key URI' }));
    await waitFor(() => {
      expect(preflightCalls(shell)).toHaveLength(1);
    }, slow);
    const save = within(panel()).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription(
      'A save of contosoimages has not finished: wait for it to end (see Notifications), or cancel it, before saving again.',
    );

    await user.click(within(panel()).getByRole('button', { name: 'Cancel save' }));
    expect(onCancelSave).toHaveBeenCalledWith('save-1');

    const wrap = (ui: React.ReactElement) => <FluentProvider theme={webLightTheme}>{ui}</FluentProvider>;
    rerender(wrap(<ChangeKeyPanel {...props} runningSave={{ ...running, cancel: { ...cancel, requested: true } }} />));
    expect(within(panel()).getByRole('button', { name: 'Cancel save' })).toBeDisabled();

    // The save ended: the bar goes, and Save follows preflight again.
    rerender(wrap(<ChangeKeyPanel {...props} runningSave={null} />));
    expect(within(panel()).queryByRole('button', { name: 'Cancel save' })).toBeNull();
    expect(within(panel()).queryByText('A save of this resource has not finished')).toBeNull();
    await waitFor(() => {
      expect(save).toBeEnabled();
    }, slow);
  });
});

describe('Change key panel: Key version', () => {
  it('offers the latest version or this version; this version waits for a version to be picked', async () => {
    const { user, shell } = renderPanel(panelHandlers(() => cleanReport));
    const vault = await within(panel()).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, vaults[0]?.id ?? '');
    const key = await within(panel()).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.selectOptions(key, keys[0]?.kid ?? '');

    const group = await within(panel()).findByRole('radiogroup', { name: 'Key version' }, slow);
    const latest = within(group).getByRole('radio', { name: /^Always use the latest version \(automatic rotation\)/ });
    const pinned = within(group).getByRole('radio', { name: /^Use this version \(manual rotation\)/ });
    expect(latest).toBeChecked();
    expect(within(group).getByText(/^The registry moves to each new key version by itself/)).toBeInTheDocument();
    await waitFor(() => {
      expect(preflightCalls(shell).at(-1)?.keyUri).toBe(`${vaultUri}keys/cmk-images`);
    }, slow);

    await user.click(pinned);
    expect(pinned).toBeChecked();
    expect(await within(panel()).findByText('Choose a key version to see what will change.', {}, slow)).toBeInTheDocument();
    const calls = preflightCalls(shell).length;
    await user.selectOptions(within(panel()).getByRole('combobox', { name: /Version/ }), version2);
    await waitFor(() => {
      expect(preflightCalls(shell).at(-1)?.keyUri).toBe(`${vaultUri}keys/cmk-images/${version2}`);
    }, slow);
    expect(preflightCalls(shell).length).toBeGreaterThan(calls);

    await user.click(latest);
    await waitFor(() => {
      expect(preflightCalls(shell).at(-1)?.keyUri).toBe(`${vaultUri}keys/cmk-images`);
    }, slow);
  });
});
