import { emit } from '@tauri-apps/api/event';
import { act, screen, waitFor, within } from '@testing-library/react';
import type { AppInfo } from '../../bindings';
import { webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { describe, expect, it } from 'vitest';
import { azureInfo, demoInfo, mockShell, signedInHandlers, signedOutHandlers, signedOutReason } from '../../test/ipc';
import { fakeMediaQueries } from '../../test/matchMedia';
import { renderApp } from '../../test/render';
import { accountButtonName } from '../../test/names';

function resourceMenu() {
  return screen.getByRole('navigation', { name: 'Resource menu' });
}

describe('App shell', () => {
  it('renders the header, resource menu, and the Overview blade in the main region', async () => {
    mockShell(signedOutHandlers());
    renderApp();

    const header = screen.getByRole('banner');
    expect(within(header).getByText('keyblade')).toBeInTheDocument();
    expect(within(header).getByRole('navigation', { name: 'Breadcrumb' })).toHaveTextContent('Home');
    expect(within(header).getByRole('button', { name: 'Select resource' })).toBeInTheDocument();
    expect(within(header).getByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    expect(await within(header).findByRole('button', { name: accountButtonName('Signed out') })).toBeInTheDocument();

    const menu = resourceMenu();
    for (const entry of ['Overview', 'Settings', 'Identity', 'Encryption']) {
      expect(within(menu).getByRole('button', { name: entry })).toBeInTheDocument();
    }
    expect(within(menu).getByRole('button', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
    // The Overview blade's code loads on demand, so it appears a moment after the shell.
    expect(await within(screen.getByRole('main')).findByRole('heading', { level: 1, name: 'Overview' })).toBeInTheDocument();
  });

  it('shows the Encryption blade empty state with disabled commands after navigating by label', async () => {
    mockShell(signedInHandlers(azureInfo));
    const { user } = renderApp();

    await user.click(within(resourceMenu()).getByRole('button', { name: 'Encryption' }));

    const main = screen.getByRole('main');
    expect(await within(main).findByRole('heading', { level: 1, name: 'Encryption' })).toBeInTheDocument();
    expect(
      await within(main).findByRole('heading', { name: 'Select a resource to see its encryption' }),
    ).toBeInTheDocument();
    const commands = within(main).getByRole('toolbar', { name: 'Encryption commands' });
    for (const name of ['Change key', 'Refresh']) {
      expect(within(commands).getByRole('button', { name })).toHaveAttribute('aria-disabled', 'true');
    }
    expect(within(resourceMenu()).getByRole('button', { name: 'Encryption' })).toHaveAttribute('aria-current', 'page');

    // The empty state's button opens the picker.
    await user.click(within(main).getByRole('button', { name: 'Select a resource' }));
    expect(await screen.findByRole('dialog', { name: 'Select a resource' })).toBeInTheDocument();
  });

  it('explains why Change key is disabled, in a tooltip reachable from the keyboard', async () => {
    mockShell(signedInHandlers(azureInfo));
    const { user } = renderApp();
    await user.click(within(resourceMenu()).getByRole('button', { name: 'Encryption' }));
    await screen.findByRole('heading', { name: 'Select a resource to see its encryption' });

    // Clicking leaves focus on the menu entry; the blade's command bar is the next tab stop.
    await user.tab();
    expect(screen.getByRole('button', { name: 'Change key' })).toHaveFocus();
    expect(await screen.findByRole('tooltip')).toHaveTextContent('No resource selected. Select a resource first.');
  });

  it('shows the signed-out reason on the Encryption blade instead of any data', async () => {
    mockShell(signedOutHandlers());
    const { user } = renderApp();

    await user.click(within(resourceMenu()).getByRole('button', { name: 'Encryption' }));

    const main = screen.getByRole('main');
    expect(await within(main).findByRole('heading', { name: 'Not signed in to Azure' })).toBeInTheDocument();
    expect(within(main).getByText(signedOutReason)).toBeInTheDocument();
  });

  it('shows the demo banner only for the demo tenant', async () => {
    mockShell(signedInHandlers(demoInfo));
    renderApp();
    const banner = await screen.findByRole('region', { name: 'Demo tenant' });
    expect(banner).toHaveTextContent('Local demo tenant: nothing here touches Azure');
    // It cannot be dismissed: its only button is the way out of the demo.
    expect(within(banner).getAllByRole('button').map((b) => b.textContent)).toEqual(['Sign in to Azure']);
    expect(screen.getByRole('button', { name: accountButtonName('Demo tenant') })).toBeInTheDocument();
  });

  it('shows the demo tenant starting, then the demo once the shell says the session changed', async () => {
    let info: AppInfo = {
      ...demoInfo,
      session: { state: 'connecting', message: 'Starting the local demo tenant…' },
    };
    mockShell({ ...signedInHandlers(demoInfo), app_info: () => info });
    renderApp();
    expect(await screen.findByRole('button', { name: accountButtonName('Connecting…') })).toBeInTheDocument();
    expect(within(screen.getByRole('main')).getByText('Starting the local demo tenant…')).toBeInTheDocument();

    info = demoInfo;
    await act(async () => {
      await emit('session-changed');
    });
    expect(await screen.findByRole('region', { name: 'Demo tenant' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: accountButtonName('Demo tenant') })).toBeInTheDocument();
  });

  it('signs in to Azure from the demo banner, and says where the secret is kept', async () => {
    let info = demoInfo;
    const shell = mockShell({
      ...signedInHandlers(demoInfo),
      app_info: () => info,
      sign_in: () => {
        info = azureInfo;
        return {
          info: azureInfo,
          secret: {
            status: 'memoryOnly',
            reason: 'The client secret is kept in memory for this run only: no system keyring is available.',
          },
          skippedTenants: [],
        };
      },
    });
    const { user } = renderApp();
    const banner = await screen.findByRole('region', { name: 'Demo tenant' });
    await user.click(within(banner).getByRole('button', { name: 'Sign in to Azure' }));

    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    const signIn = within(dialog).getByRole('button', { name: 'Sign in' });
    await user.selectOptions(within(dialog).getByRole('combobox', { name: /Cloud/ }), 'azureChinaCloud');
    await user.click(within(dialog).getByRole('radio', { name: 'Service principal' }));
    expect(signIn).toBeDisabled();
    await user.type(within(dialog).getByRole('textbox', { name: /Tenant ID/ }), 'tenant-1');
    await user.type(within(dialog).getByRole('textbox', { name: /Client ID/ }), 'client-1');
    await user.type(within(dialog).getByLabelText(/Client secret/, { selector: 'input[type="password"]' }), 's3cret');
    await user.click(signIn);

    expect(await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Demo tenant' })).toBeNull();
    expect(shell.calls.find((c) => c.command === 'sign_in')?.args).toEqual({
      request: {
        cloud: { kind: 'azureChinaCloud' },
        operationId: expect.stringMatching(/^sign-in-/) as string,
        method: { method: 'clientSecret', tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 's3cret' },
      },
    });
    await user.click(screen.getByRole('button', { name: 'Notifications, 1 unread' }));
    const panel = await screen.findByRole('dialog', { name: 'Notifications' });
    expect(panel).toHaveTextContent('kept in memory for this run only');
  });

  it('shows no demo banner when signed in to Azure', async () => {
    mockShell(signedInHandlers(azureInfo));
    renderApp();
    expect(await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Demo tenant' })).toBeNull();
  });

  it('shows an error with the reason and a retry when the back end is unreachable', async () => {
    // No mockShell: like a plain browser, there is no Tauri IPC at all.
    const { user } = renderApp();

    expect(await screen.findByText("Could not read keyblade's status")).toBeInTheDocument();
    expect(screen.getByText(/The keyblade back end is not reachable/)).toBeInTheDocument();
    expect(screen.getByText(/ipc\.unavailable/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: accountButtonName('Not connected') })).toBeInTheDocument();

    const shell = mockShell(signedOutHandlers());
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('button', { name: accountButtonName('Signed out') })).toBeInTheDocument();
    expect(shell.calls.map((c) => c.command)).toEqual(['app_info']);
  });
});

describe('keyboard', () => {
  it('offers "Skip to main content" as the first tab stop, and it moves focus to the main region', async () => {
    mockShell(signedOutHandlers());
    const { user } = renderApp();

    await user.tab();
    const skip = screen.getByRole('link', { name: 'Skip to main content' });
    expect(skip).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(screen.getByRole('main')).toHaveFocus();
  });

  it('moves through the resource menu with the arrow keys', async () => {
    mockShell(signedOutHandlers());
    const { user } = renderApp();
    const menu = resourceMenu();
    // Skip link, then the header's four buttons (Select resource, History, Notifications, account), then the menu.
    await user.tab();
    await user.tab();
    await user.tab();
    await user.tab();
    await user.tab();
    await user.tab();
    // Home is the menu's first entry.
    expect(within(menu).getByRole('button', { name: 'Home' })).toHaveFocus();

    await user.keyboard('{ArrowDown}');
    expect(within(menu).getByRole('button', { name: 'Overview' })).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(within(menu).getByRole('button', { name: 'Settings' })).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(within(menu).getByRole('button', { name: 'Identity' })).toHaveFocus();
    await user.keyboard('{ArrowDown}{Enter}');
    expect(within(menu).getByRole('button', { name: 'Encryption' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('heading', { level: 1, name: 'Encryption' })).toBeInTheDocument();
  });

  it('closes the notifications panel with Escape and gives focus back to the bell', async () => {
    mockShell(signedOutHandlers());
    const { user } = renderApp();
    const bell = screen.getByRole('button', { name: 'Notifications' });

    await user.click(bell);
    const panel = await screen.findByRole('dialog', { name: 'Notifications' });
    expect(await within(panel).findByRole('heading', { name: 'No notifications' })).toBeInTheDocument();

    await user.keyboard('{Escape}');
    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Notifications' })).toBeNull();
    });
    expect(bell).toHaveFocus();
  });
});

describe('theme', () => {
  function themeVariables(): string {
    return [...document.querySelectorAll('style')]
      .flatMap((style) => [...(style.sheet?.cssRules ?? [])].map((rule) => rule.cssText))
      .join('\n');
  }

  it('follows the OS colour scheme, live', async () => {
    fakeMediaQueries.setPrefersDark(true);
    mockShell(signedOutHandlers());
    renderApp();
    await screen.findByRole('button', { name: accountButtonName('Signed out') });
    expect(themeVariables()).toContain(`--colorNeutralBackground1: ${webDarkTheme.colorNeutralBackground1}`);

    act(() => {
      fakeMediaQueries.setPrefersDark(false);
    });
    expect(themeVariables()).toContain(`--colorNeutralBackground1: ${webLightTheme.colorNeutralBackground1}`);
    expect(themeVariables()).not.toContain(`--colorNeutralBackground1: ${webDarkTheme.colorNeutralBackground1}`);
  });
});
