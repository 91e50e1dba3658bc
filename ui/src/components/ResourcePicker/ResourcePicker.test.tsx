import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { CommandError } from '../../bindings';
import {
  azureInfo,
  contosoDev,
  contosoProd,
  mockShell,
  prodRegistry,
  rejectWith,
  signedInHandlers,
  signedOutHandlers,
  signedOutReason,
} from '../../test/ipc';
import { renderApp } from '../../test/render';
import { accountButtonName } from '../../test/names';

async function openPicker(user: ReturnType<typeof renderApp>['user']) {
  await user.click(within(screen.getByRole('banner')).getByRole('button', { name: 'Select resource' }));
  return screen.findByRole('dialog', { name: 'Select a resource' });
}

/** Until the drawer's exit finishes, the rest of the page is hidden from assistive technology. */
async function waitForPickerToClose() {
  await waitFor(() => {
    expect(screen.queryByRole('dialog', { name: 'Select a resource', hidden: true })).toBeNull();
  });
}

function breadcrumb() {
  return screen.getByRole('navigation', { name: 'Breadcrumb' });
}

describe('resource picker', () => {
  it('shows the signed-out reason from app_info and lists nothing', async () => {
    const shell = mockShell(signedOutHandlers());
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('Signed out') });

    const picker = await openPicker(user);

    expect(within(picker).getByText(`Not signed in to Azure: ${signedOutReason}`)).toBeInTheDocument();
    expect(within(picker).queryByRole('combobox')).toBeNull();
    expect(within(picker).queryByRole('radio')).toBeNull();
    // Nothing was asked that could only fail.
    expect(shell.calls.map((c) => c.command)).toEqual(['app_info']);
  });

  it('lists subscriptions, then their resources, and selecting one updates the breadcrumb and blade', async () => {
    const shell = mockShell(signedInHandlers(azureInfo));
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') });
    expect(breadcrumb()).toHaveTextContent('Home');

    const picker = await openPicker(user);
    const subscription = await within(picker).findByRole('combobox', { name: /Subscription/ });
    expect(within(subscription).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Select a subscription',
      contosoProd.displayName,
      contosoDev.displayName,
    ]);
    expect(within(picker).getByRole('button', { name: 'Select' })).toBeDisabled();

    await user.selectOptions(subscription, contosoProd.displayName);
    const registry = await within(picker).findByRole('radio', { name: /contosoimages/ });
    // Sorted by name, with every kind shown until the type filter narrows it.
    expect(within(picker).getAllByRole('radio').map((r) => r.getAttribute('value'))).toHaveLength(3);
    expect(shell.calls).toContainEqual({
      command: 'list_resources',
      args: { subscriptionId: contosoProd.subscriptionId },
    });

    await user.click(registry);
    await user.click(within(picker).getByRole('button', { name: 'Select' }));

    await waitForPickerToClose();
    // jsdom does not report the focused Select button's removal the way browsers do, so Fluent's focus
    // manager keeps the page hidden until focus moves again (in Chromium focus returns to the trigger).
    await user.tab();
    const crumbs = within(breadcrumb()).getAllByRole('listitem').map((item) => item.textContent);
    expect(crumbs).toEqual([contosoProd.displayName, prodRegistry.resourceGroup, prodRegistry.name]);
    expect(within(breadcrumb()).getByText(prodRegistry.name)).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('heading', { level: 1, name: 'contosoimages | Overview' })).toBeInTheDocument();
    expect(screen.getByText(prodRegistry.id)).toBeInTheDocument();
  });

  it('filters resources by type and by name', async () => {
    mockShell(signedInHandlers(azureInfo));
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') });
    const picker = await openPicker(user);
    await user.selectOptions(
      await within(picker).findByRole('combobox', { name: /Subscription/ }),
      contosoProd.displayName,
    );
    await within(picker).findByRole('radio', { name: /contosoimages/ });

    await user.selectOptions(within(picker).getByRole('combobox', { name: 'Resource type' }), 'Storage accounts');
    expect(within(picker).getAllByRole('radio')).toEqual([within(picker).getByRole('radio', { name: /contosodata/ })]);

    await user.selectOptions(within(picker).getByRole('combobox', { name: 'Resource type' }), 'All resource types');
    await user.type(within(picker).getByRole('searchbox', { name: 'Filter by name' }), 'LANG');
    expect(within(picker).getAllByRole('radio')).toEqual([
      within(picker).getByRole('radio', { name: /contoso-language/ }),
    ]);

    await user.type(within(picker).getByRole('searchbox', { name: 'Filter by name' }), 'nothing');
    expect(within(picker).getByRole('heading', { name: 'No supported resources match the filter' })).toBeInTheDocument();
  });

  it('shows the CommandError when subscriptions cannot be listed, and retries', async () => {
    const throttled: CommandError = {
      code: 'arm.throttled',
      message: 'Azure Resource Manager is throttling requests. Wait a minute, then retry.',
      details: 'HTTP 429, Retry-After: 60',
    };
    let failures = 1;
    const handlers = signedInHandlers(azureInfo);
    const listSubscriptions = handlers.list_subscriptions;
    mockShell({
      ...handlers,
      list_subscriptions: (args) => {
        if (failures > 0) {
          failures -= 1;
          rejectWith(throttled);
        }
        return listSubscriptions?.(args);
      },
    });
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') });
    const picker = await openPicker(user);

    expect(await within(picker).findByText('Could not load subscriptions')).toBeInTheDocument();
    expect(within(picker).getByText(throttled.message)).toBeInTheDocument();
    expect(within(picker).getByText(/arm\.throttled/)).toBeInTheDocument();
    expect(within(picker).getByText(/Retry-After: 60/)).toBeInTheDocument();

    await user.click(within(picker).getByRole('button', { name: 'Retry' }));
    expect(await within(picker).findByRole('combobox', { name: /Subscription/ })).toBeInTheDocument();
    expect(within(picker).queryByText('Could not load subscriptions')).toBeNull();
  });

  it('takes the only subscription without asking', async () => {
    const handlers = signedInHandlers(azureInfo);
    mockShell({ ...handlers, list_subscriptions: () => [contosoDev] });
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') });
    const picker = await openPicker(user);

    expect(await within(picker).findByRole('radio', { name: /contosodevimages/ })).toBeInTheDocument();
    expect(within(picker).getByRole('combobox', { name: /Subscription/ })).toHaveValue(contosoDev.subscriptionId);
  });

  it('closes with Escape without changing the selection', async () => {
    mockShell(signedInHandlers(azureInfo));
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') });
    await openPicker(user);

    await user.keyboard('{Escape}');

    await waitForPickerToClose();
    expect(breadcrumb()).toHaveTextContent('Home');
    expect(within(screen.getByRole('banner')).getByRole('button', { name: 'Select resource' })).toHaveFocus();
  });
});
