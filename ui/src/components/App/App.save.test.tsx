import { emit } from '@tauri-apps/api/event';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SaveOutcome, SaveSettled } from '../../bindings';
import { cleanReport, cmkView, identities, setKeyStep, vaults } from '../../test/encryption';
import { azureInfo, contosoProd, mockShell, prodRegistry, signedInHandlers } from '../../test/ipc';
import { renderApp } from '../../test/render';

// Generous: a loaded 2-core CI machine can take seconds per step; passing tests never wait this long.
const slow = { timeout: 10_000 };

const unfinished: SaveOutcome = {
  status: 'inProgress',
  completedSteps: [],
  reason:
    'Step 1 of 1 (Encrypt registry contosoimages with key cmk-images) has not finished: it had not finished after keyblade waited 120 s. Azure reports the registry as Updating; keyblade keeps watching and will say how it ends.',
  provisioningState: 'Updating',
  watch: {
    registryId: cmkView.registryId,
    desired: { keySource: 'customerManaged', keyUri: cleanReport.keyUri, identity: { type: 'userAssigned', resourceId: cmkView.identity?.resourceId ?? '' }, grantAccess: false },
    beforeKey: null,
    beforeIdentity: null,
    step: setKeyStep,
    stepNumber: 1,
    stepCount: 1,
  },
  watching: true,
};

describe('App: a save that has not finished when it answers', () => {
  it('follows it in the bell and in Change key, with Cancel save, and reads the registry again when it settles', async () => {
    const shell = mockShell({
      ...signedInHandlers(azureInfo),
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
      save_encryption: () => unfinished,
      cancel_save: () => true,
    });
    const encryptionReads = () => shell.calls.filter((c) => c.command === 'get_encryption');
    const { user } = renderApp();
    await screen.findByRole('button', { name: /^Account: / }, slow);

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

    // Save the key the registry has, entered as its URI: preflight allows it.
    await user.click(changeKey);
    let panel = await screen.findByRole('dialog', { name: 'Change key' }, slow);
    await user.click(within(panel).getByRole('radio', { name: 'Enter key URI' }));
    const save = within(panel).getByRole('button', { name: 'Save' });
    await waitFor(() => {
      expect(save).toBeEnabled();
    }, slow);
    await user.click(save);
    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Change key' })).toBeNull();
    }, slow);
    const operationId = String(shell.calls.find((c) => c.command === 'save_encryption')?.args.operationId);

    // The save answered "in progress": the blade reads the registry as it is now.
    await waitFor(() => {
      expect(encryptionReads().at(-1)?.args).toEqual({ registryId: cmkView.registryId, fresh: true });
    }, slow);
    const readsBeforeSettle = encryptionReads().length;

    // Change key, opened again, shows the save and can cancel it; Save waits.
    const changeKeyAgain = within(screen.getByRole('toolbar', { name: 'Encryption commands' })).getByRole('button', { name: 'Change key' });
    await waitFor(() => {
      expect(changeKeyAgain).not.toHaveAttribute('aria-disabled', 'true');
    }, slow);
    await user.click(changeKeyAgain);
    panel = await screen.findByRole('dialog', { name: 'Change key' }, slow);
    expect(within(panel).getByText('A save of this resource has not finished')).toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: 'Save' })).toBeDisabled();
    await user.click(within(panel).getByRole('button', { name: 'Cancel save' }));
    expect(shell.calls.filter((c) => c.command === 'cancel_save').map((c) => c.args)).toEqual([{ operationId }]);
    await waitFor(() => {
      expect(within(panel).getByRole('button', { name: 'Cancel save' })).toBeDisabled();
    }, slow);

    // The watch ends: the notification says how, the panel lets Save through again, the blade reads again.
    const applied: SaveSettled = {
      operationId,
      outcome: { Ok: { status: 'applied', steps: [setKeyStep], view: cmkView, note: null } },
    };
    await emit('save-settled', applied);
    await waitFor(() => {
      expect(within(panel).queryByText('A save of this resource has not finished')).toBeNull();
    }, slow);
    expect(within(panel).queryByRole('button', { name: 'Cancel save' })).toBeNull();
    await waitFor(() => {
      expect(encryptionReads().length).toBeGreaterThan(readsBeforeSettle);
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Close Change key' }));

    await user.click(screen.getByRole('button', { name: /^Notifications/ }));
    const bell = await screen.findByRole('dialog', { name: 'Notifications' });
    const item = within(bell).getByRole('listitem', { name: 'Changing the key of contosoimages' });
    expect(item).toHaveTextContent(/Saved and verified: keyblade read it back and it uses key cmk-images in kv-contoso/);
    expect(item).toHaveTextContent('Succeeded');
    expect(within(item).queryByRole('button', { name: 'Cancel save' })).toBeNull();
  });
});
