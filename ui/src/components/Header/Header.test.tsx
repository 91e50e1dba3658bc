import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { azureInfo, contosoProd, graceAccount, prodRegistry } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { Header, type HeaderProps } from './Header';
import { breadcrumbTrail } from './headerText';
import { accountButtonName } from '../../test/names';

function renderHeader(patch: Partial<HeaderProps> = {}) {
  const props: HeaderProps = {
    selection: null,
    session: { kind: 'signedOut', reason: 'no account.' },
    appInfo: null,
    unreadNotifications: 0,
    onOpenPicker: vi.fn(),
    onOpenNotifications: vi.fn(),
    onSignIn: vi.fn(),
    onUseDemo: vi.fn(),
    onSwitchAccount: vi.fn(),
    onSwitchTenant: vi.fn(),
    onFilterSubscriptions: vi.fn(),
    onSignOut: vi.fn(),
    onAbout: vi.fn(),
    ...patch,
  };
  return { props, ...renderInFluent(<Header {...props} />) };
}

describe('Header', () => {
  it('counts unread notifications in the bell button name and opens the panel', async () => {
    const { user, props } = renderHeader({ unreadNotifications: 3 });
    await user.click(screen.getByRole('button', { name: 'Notifications, 3 unread' }));
    expect(props.onOpenNotifications).toHaveBeenCalledOnce();
    expect(screen.getByText('3')).toBeInTheDocument();
  });

  it('shows no count when everything has been seen', () => {
    renderHeader({ unreadNotifications: 0 });
    expect(screen.getByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    expect(screen.queryByText('0')).toBeNull();
  });

  it('shows subscription, resource group and resource in the breadcrumb', () => {
    renderHeader({ selection: { subscription: contosoProd, resource: prodRegistry } });
    const crumbs = within(screen.getByRole('navigation', { name: 'Breadcrumb' })).getAllByRole('listitem');
    expect(crumbs.map((c) => c.textContent)).toEqual(['Contoso Production', 'rg-images', 'contosoimages']);
  });

  it('keeps the full account as the session button name and tooltip when the label is cut short', () => {
    const account = 'service principal b3c1d2e4-5f60-4a71-8b92-c3d4e5f6a7b8';
    renderHeader({ session: { kind: 'signedIn', account, tenantId: 'tenant-1', isDemo: false } });
    const button = screen.getByRole('button', { name: accountButtonName(account) });
    expect(button).toHaveAttribute('title', expect.stringContaining(account) as string);
    // The header shows the client ID by its first digits; CSS may cut it shorter still.
    expect(button).toHaveTextContent(/^service principal b3c1d2e4… tenant-1$/);
  });

  it('names every crumb in full, whatever the header has room to show', () => {
    const longName = 'contosoimagesregistryforproductionworkloads2026';
    renderHeader({
      selection: {
        subscription: { ...contosoProd, displayName: 'Contoso Production Workloads (EMEA) - Pay-As-You-Go' },
        resource: { ...prodRegistry, name: longName, resourceGroup: 'rg-container-images-production-westeurope-001' },
      },
    });
    const breadcrumb = screen.getByRole('navigation', { name: 'Breadcrumb' });
    const current = within(breadcrumb).getByText(longName);
    expect(current).toHaveAttribute('aria-current', 'page');
    expect(current).toHaveAttribute('title', longName);
    expect(within(breadcrumb).getByText('rg-container-images-production-westeurope-001')).toHaveAttribute(
      'title',
      'rg-container-images-production-westeurope-001',
    );
  });

  it('lists the remembered accounts with the active one checked, and switches to another', async () => {
    const { user, props } = renderHeader({
      session: { kind: 'signedIn', account: 'ada@contoso.com', tenantId: azureInfo.accounts[0]?.tenantId ?? '', isDemo: false, accountId: 'account-ada' },
      appInfo: azureInfo,
    });
    const button = screen.getByRole('button', { name: accountButtonName('ada@contoso.com') });
    // The tenant and the cloud are on the button too.
    expect(button).toHaveTextContent('72f988bf…');
    expect(button).toHaveTextContent('Azure public cloud');
    await user.click(button);
    const menu = await screen.findByRole('menu');
    const accounts = within(menu).getAllByRole('menuitemradio');
    expect(accounts.map((a) => a.getAttribute('aria-checked'))).toEqual(['true', 'false']);
    expect(accounts[1]).toHaveTextContent(`${graceAccount.label}33333333… · AzureCloud · Device code`);
    for (const name of ['Add account…', 'Switch tenant…', 'Filter subscriptions…', 'Sign out', 'Use local demo tenant']) {
      expect(within(menu).getByRole('menuitem', { name })).toBeInTheDocument();
    }
    expect(within(menu).getByText('Signed in as ada@contoso.com')).toBeInTheDocument();
    await user.click(within(menu).getByRole('menuitemradio', { name: new RegExp(graceAccount.label) }));
    expect(props.onSwitchAccount).toHaveBeenCalledWith(graceAccount.id);
  });

  it('offers Add account… and the demo tenant when signed out, and nothing that needs a session', async () => {
    const { user, props } = renderHeader();
    await user.click(screen.getByRole('button', { name: accountButtonName('Signed out') }));
    const menu = await screen.findByRole('menu');
    expect(within(menu).queryAllByRole('menuitemradio')).toEqual([]);
    for (const name of ['Switch tenant…', 'Filter subscriptions…', 'Sign out']) {
      expect(within(menu).getByRole('menuitem', { name })).toHaveAttribute('aria-disabled', 'true');
    }
    await user.click(within(menu).getByRole('menuitem', { name: 'Use local demo tenant' }));
    expect(props.onUseDemo).toHaveBeenCalledOnce();
    await user.click(screen.getByRole('button', { name: accountButtonName('Signed out') }));
    await user.click(await screen.findByRole('menuitem', { name: 'Add account…' }));
    expect(props.onSignIn).toHaveBeenCalledOnce();
  });

  it('signs the active account out from the menu', async () => {
    const { user, props } = renderHeader({
      session: { kind: 'signedIn', account: 'ada@contoso.com', tenantId: 't', isDemo: false, accountId: 'account-ada' },
      appInfo: azureInfo,
    });
    await user.click(screen.getByRole('button', { name: accountButtonName('ada@contoso.com') }));
    const signOut = await screen.findByRole('menuitem', { name: 'Sign out' });
    expect(signOut).toHaveAttribute('title', 'Sign out ada@contoso.com and forget its saved sign-in');
    await user.click(signOut);
    expect(props.onSignOut).toHaveBeenCalledOnce();
  });
});

describe('breadcrumbTrail', () => {
  it('is Home with nothing selected', () => {
    expect(breadcrumbTrail(null)).toEqual(['Home']);
  });
});
