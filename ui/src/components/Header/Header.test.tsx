import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { contosoProd, prodRegistry } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { Header, type HeaderProps } from './Header';
import { breadcrumbTrail } from './headerText';

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

  it('describes the session in a popover from the session button', async () => {
    const { user } = renderHeader({
      session: { kind: 'signedIn', account: 'demo-app', tenantId: 'tenant-1', isDemo: true },
      appInfo: {
        version: '0.1.0',
        cloud: { name: 'keyblade sandbox', armEndpoint: 'https://localhost:8443/', keyVaultSuffix: 'vault.localhost' },
        session: { state: 'signedIn', account: 'demo-app', tenantId: 'tenant-1', isDemo: true },
      },
    });
    await user.click(screen.getByRole('button', { name: 'Session: Demo tenant' }));
    const details = await screen.findByRole('dialog', { name: 'Session details' });
    expect(details).toHaveTextContent('Nothing here touches Azure');
    expect(details).toHaveTextContent('keyblade sandbox');
    expect(details).toHaveTextContent('tenant-1');

    // Focus moves into the popover, so a screen reader reads it; Escape brings focus back.
    expect(within(details).getByRole('button', { name: 'Sign in to Azure' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Session details', hidden: true })).toBeNull();
    expect(screen.getByRole('button', { name: 'Session: Demo tenant' })).toHaveFocus();
  });

  it('closes the session popover from its Close button', async () => {
    const { user } = renderHeader();
    await user.click(screen.getByRole('button', { name: 'Session: Signed out' }));
    const details = await screen.findByRole('dialog', { name: 'Session details' });
    expect(details).toHaveTextContent('no account.');
    await user.click(within(details).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog', { name: 'Session details', hidden: true })).toBeNull();
  });
});

describe('breadcrumbTrail', () => {
  it('is Home with nothing selected', () => {
    expect(breadcrumbTrail(null)).toEqual(['Home']);
  });
});
