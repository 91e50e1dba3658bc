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

  it('keeps the full account as the session button name and tooltip when the label is cut short', () => {
    const account = 'service principal b3c1d2e4-5f60-4a71-8b92-c3d4e5f6a7b8';
    renderHeader({ session: { kind: 'signedIn', account, tenantId: 'tenant-1', isDemo: false } });
    const button = screen.getByRole('button', { name: `Session: ${account}` });
    expect(button).toHaveAttribute('title', account);
    // The header shows the client ID by its first digits; CSS may cut it shorter still.
    expect(button).toHaveTextContent(/^service principal b3c1d2e4…$/);
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
