import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AppInfo } from '../../api/contract';
import { azureInfo, contosoDev, contosoProd, graceAccount, mockShell, signedInHandlers, signedOutInfo, tenants } from '../../test/ipc';
import { renderApp } from '../../test/render';
import { accountButtonName } from '../../test/names';

const slow = { timeout: 10_000 };


async function openAccountMenu(user: ReturnType<typeof renderApp>['user']) {
  await user.click(await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') }, slow));
  return screen.findByRole('menu');
}

describe('accounts, tenants and the subscription filter', () => {
  it('opens the Sign in dialog at once, for the cloud app_info names, when signed out', async () => {
    const info: AppInfo = {
      ...signedOutInfo,
      signInCloud: { kind: 'custom', metadataUrl: 'https://management.local.azurestack.external/metadata/endpoints', caFile: '/etc/ca.pem' },
    };
    mockShell({ ...signedInHandlers(info) });
    renderApp();
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' }, slow);
    expect(within(dialog).getByRole('combobox', { name: /Cloud/ })).toHaveValue('custom');
    expect(within(dialog).getByRole('textbox', { name: /Metadata URL/ })).toHaveValue(
      'https://management.local.azurestack.external/metadata/endpoints',
    );
    expect(within(dialog).getByRole('textbox', { name: /CA certificate file/ })).toHaveValue('/etc/ca.pem');
    expect(within(dialog).getByRole('radio', { name: 'Browser' })).toBeChecked();
  });

  it('switches to another remembered account from the header', async () => {
    const shell = mockShell({ ...signedInHandlers(azureInfo), switch_account: () => azureInfo });
    const { user } = renderApp();
    const menu = await openAccountMenu(user);
    await user.click(within(menu).getByRole('menuitemradio', { name: new RegExp(graceAccount.label) }));
    await waitFor(() => {
      expect(shell.calls.find((c) => c.command === 'switch_account')?.args).toEqual({ accountId: graceAccount.id });
    });
  });

  it('lists tenants with their status, and offers Sign in to this tenant for one that needs it', async () => {
    mockShell({ ...signedInHandlers(azureInfo), list_tenants: () => tenants });
    const { user } = renderApp();
    const menu = await openAccountMenu(user);
    await user.click(within(menu).getByRole('menuitem', { name: 'Switch tenant…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Switch tenant' });
    const contoso = await within(dialog).findByRole('radio', { name: /Contoso/ }, slow);
    expect(contoso).toBeChecked();
    expect(within(dialog).getByRole('radio', { name: /55555555/ })).toBeDisabled();
    expect(dialog).toHaveTextContent('Your account is disabled in this tenant.');
    const fabrikam = within(dialog).getByRole('radio', { name: /Fabrikam/ });
    expect(fabrikam).toHaveAccessibleName(/Needs sign-in/);
    await user.click(fabrikam);
    await user.click(within(dialog).getByRole('button', { name: 'Sign in to this tenant' }));

    const signIn = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    expect(within(signIn).getByRole('radio', { name: 'Browser' })).toBeChecked();
    expect(within(signIn).getByRole('textbox', { name: /Tenant/ })).toHaveValue('44444444-0000-0000-0000-000000000000');
  });

  it('switches tenant, and offers the interactive sign-in when the shell says it needs one', async () => {
    const available = tenants.map((t) => (t.tenantId.startsWith('4444') ? { ...t, access: { status: 'available' as const } } : t));
    const shell = mockShell({
      ...signedInHandlers(azureInfo),
      list_tenants: () => available,
      switch_tenant: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the shell's wire format
        throw { code: 'azure.interactionRequired', message: 'Fabrikam needs you to sign in again (MFA).', details: null };
      },
    });
    const { user } = renderApp();
    const menu = await openAccountMenu(user);
    await user.click(within(menu).getByRole('menuitem', { name: 'Switch tenant…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Switch tenant' });
    await user.click(await within(dialog).findByRole('radio', { name: /Fabrikam/ }, slow));
    await user.click(within(dialog).getByRole('button', { name: 'Switch' }));
    expect(await within(dialog).findByText('Fabrikam needs you to sign in again (MFA).')).toBeInTheDocument();
    expect(shell.calls.find((c) => c.command === 'switch_tenant')?.args).toEqual({ tenantId: '44444444-0000-0000-0000-000000000000' });
    expect(within(dialog).getByRole('button', { name: 'Sign in to this tenant' })).toBeInTheDocument();
  });

  it('saves null when every subscription is checked, and the picker shows only the selected ones', async () => {
    let subscriptions = [contosoProd, { ...contosoDev, selected: false }];
    const shell = mockShell({
      ...signedInHandlers(azureInfo),
      list_subscriptions: () => subscriptions,
      set_subscription_filter: (args) => {
        subscriptions = subscriptions.map((s) => ({ ...s, selected: args.subscriptionIds === null }));
        return null;
      },
    });
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') }, slow);
    await user.click(within(screen.getByRole('banner')).getByRole('button', { name: 'Select resource' }));
    const picker = await screen.findByRole('dialog', { name: 'Select a resource' });
    expect(await within(picker).findByText(/Showing 1 of 2 subscriptions/, {}, slow)).toBeInTheDocument();
    // The only subscription in the filter is taken, as with a single subscription.
    expect(within(picker).getByRole('combobox', { name: /Subscription/ })).toHaveValue(contosoProd.subscriptionId);

    await user.click(within(picker).getByRole('button', { name: 'Filter subscriptions' }));
    const dialog = await screen.findByRole('dialog', { name: 'Filter subscriptions' });
    const dev = await within(dialog).findByRole('checkbox', { name: new RegExp(contosoDev.displayName) }, slow);
    expect(dev).not.toBeChecked();
    await user.type(within(dialog).getByRole('searchbox', { name: 'Filter by name or ID' }), 'dev');
    expect(within(dialog).queryByRole('checkbox', { name: new RegExp(contosoProd.displayName) })).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Select all' }));
    expect(dev).toBeChecked();
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => {
      expect(shell.calls.find((c) => c.command === 'set_subscription_filter')?.args).toEqual({ subscriptionIds: null });
    });
    expect(await within(picker).findByText(/Showing 2 of 2 subscriptions/, {}, slow)).toBeInTheDocument();
  });
});
