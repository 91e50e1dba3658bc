import { emit } from '@tauri-apps/api/event';
import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DesiredChange, EncryptionView, ResourceSummary, VaultNameCheck } from './bindings';
import { App } from './components/App';
import { ChangeKeyPanel } from './components/ChangeKeyPanel/ChangeKeyPanel';
import { KeyRotationSection } from './components/KeyRotation';
import { LifecycleReview } from './components/LifecycleReview';
import { keyChangeEntry, keyChangeUndo, newVersionEntry, notUndoable } from './components/HistoryBlade/historyFixtures';
import { NotificationsPanel } from './components/NotificationsPanel';
import { RestorePanel } from './components/RestorePanel';
import { RevokePanel } from './components/RevokePanel';
import type { AppNotification } from './state/notifications';
import { asIndexHtml, expectNoAxeViolations } from './test/axe';
import { cleanReport, cmkView, cognitiveView, encryptionHandlers, fixture, identities, keys, missingAccessReport, mmkView, revokedView, storageView, turnOffReport, vaults } from './test/encryption';
import { homeHandlers } from './test/home';
import { azureInfo, contosoDev, contosoProd, demoInfo, mockShell, prodLanguage, prodRegistry, prodStorage, rejectWith, signedInHandlers, signedOutHandlers, tenants, type CommandHandler } from './test/ipc';
import { renderApp, renderInFluent } from './test/render';
import { registryRules } from './test/kinds';
import { accountButtonName } from './test/names';

// An axe-core audit of every blade, panel and dialog, as the app shows them with the test fixtures. The rules that
// need real layout are off (see test/axe.ts: jsdom paints nothing, so colour contrast and target sizes cannot be
// judged there); every other rule runs, and an audit passes only with no violation at all.

// Generous: a loaded 2-core CI machine can take seconds per step; passing tests never wait this long.
const slow = { timeout: 10_000 };

type User = ReturnType<typeof renderApp>['user'];

/** The demo session with registry contosoimages to select; `view` is what get_encryption answers. */
function demoShell(view: () => EncryptionView, extra: Record<string, CommandHandler> = {}) {
  return mockShell({ ...signedInHandlers(demoInfo), ...encryptionHandlers(view), ...extra });
}

function menu() {
  return screen.getByRole('navigation', { name: 'Resource menu' });
}

async function selectRegistry(user: User) {
  await selectResource(user, prodRegistry);
}

async function selectResource(user: User, resource: ResourceSummary) {
  await screen.findByRole('button', { name: accountButtonName('Demo tenant') }, slow);
  await user.click(within(screen.getByRole('banner')).getByRole('button', { name: 'Select resource' }));
  const picker = await screen.findByRole('dialog', { name: 'Select a resource' });
  await user.selectOptions(await within(picker).findByRole('combobox', { name: /Subscription/ }), contosoProd.displayName);
  await user.click(await within(picker).findByRole('radio', { name: new RegExp(resource.name) }, slow));
  await user.click(within(picker).getByRole('button', { name: 'Select' }));
  await waitFor(() => {
    expect(screen.queryByRole('dialog', { name: 'Select a resource', hidden: true })).toBeNull();
  }, slow);
  // jsdom does not report the Select button's removal the way browsers do; moving focus releases the page.
  await user.tab();
}

async function openEncryption(user: User) {
  await user.click(within(menu()).getByRole('button', { name: 'Encryption' }));
  const commands = await screen.findByRole('toolbar', { name: 'Encryption commands' });
  const changeKey = within(commands).getByRole('button', { name: 'Change key' });
  await waitFor(() => {
    expect(changeKey).not.toHaveAttribute('aria-disabled', 'true');
  }, slow);
  return { commands, changeKey };
}

async function openChangeKey(user: User) {
  const { changeKey } = await openEncryption(user);
  await user.click(changeKey);
  return screen.findByRole('dialog', { name: 'Change key' }, slow);
}

beforeEach(() => {
  asIndexHtml();
});

// axe audits the whole document, a few seconds each on 2 cores; the dialog walks below run
// it seven or more times, so they get more than the default 30 s.
describe('accessibility audit (axe-core)', { timeout: 90_000 }, () => {
  it('the app shell with the Overview blade, signed in to the demo tenant', async () => {
    demoShell(() => cmkView);
    const { user } = renderApp();
    await screen.findByRole('region', { name: 'Demo tenant' }, slow);
    await expectNoAxeViolations();

    await selectRegistry(user);
    await within(screen.getByRole('main')).findByRole('heading', { name: 'Essentials' }, slow);
    await expectNoAxeViolations();
  });

  it('Home with its table, counts, filters and the export dialog', async () => {
    mockShell({ ...signedInHandlers(demoInfo), ...homeHandlers() });
    const { user } = renderApp(<App />);
    await screen.findByRole('table', { name: 'Encrypted resources' }, slow);
    await screen.findByText('Checked all 1 key.', {}, slow);
    await expectNoAxeViolations();
    await user.click(screen.getByRole('button', { name: 'Export' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Save as CSV…' }));
    await screen.findByRole('dialog', { name: 'Save as CSV' }, slow);
    await expectNoAxeViolations();
  });

  it('the app shell signed out, on each blade, and with the back end unreachable', async () => {
    mockShell(signedOutHandlers());
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('Signed out') }, slow);
    await expectNoAxeViolations();
    for (const blade of ['Identity', 'Encryption']) {
      await user.click(within(menu()).getByRole('button', { name: blade }));
      await within(screen.getByRole('main')).findByRole('heading', { name: 'Not signed in to Azure' }, slow);
      await expectNoAxeViolations();
    }
  });

  it("the bell's tooltip", async () => {
    mockShell(signedOutHandlers());
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('Signed out') }, slow);
    await user.hover(screen.getByRole('button', { name: 'Notifications' }));
    await screen.findByRole('tooltip', {}, slow);
    await expectNoAxeViolations();
  });

  it('the app shell when the back end is unreachable', async () => {
    // No mockShell: like a plain browser, there is no Tauri IPC at all.
    renderApp();
    await screen.findByText("Could not read keyblade's status", {}, slow);
    await expectNoAxeViolations();
  });

  it('the Encryption blade of a registry without a customer-managed key, and the tooltip of its disabled Change key', async () => {
    demoShell(() => mmkView);
    const { user } = renderApp();
    await selectRegistry(user);
    await user.click(within(menu()).getByRole('button', { name: 'Encryption' }));
    await screen.findAllByText(/Microsoft-managed key/, {}, slow);
    await expectNoAxeViolations();
    const changeKey = within(screen.getByRole('toolbar', { name: 'Encryption commands' })).getByRole('button', { name: 'Change key' });
    await user.hover(changeKey);
    await screen.findByRole('tooltip', {}, slow);
    await expectNoAxeViolations();
  });

  it('the Identity blade', async () => {
    demoShell(() => cmkView);
    const { user } = renderApp();
    await selectRegistry(user);
    await user.click(within(menu()).getByRole('button', { name: 'Identity' }));
    await screen.findByRole('region', { name: 'User assigned' }, slow);
    await expectNoAxeViolations();
  });

  it('the Identity blade: Status On with Save, the Add user assigned managed identity panel, and a refused review', async () => {
    const shared = {
      ...identities.attached[0],
      resourceId: '/subscriptions/other/resourceGroups/rg-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shared',
      name: 'id-shared',
      subscriptionId: 'other',
      subscriptionName: 'Contoso Shared',
    } as (typeof identities.attached)[number];
    demoShell(() => cmkView, {
      list_identities: () => ({ ...identities, available: [shared] }),
      plan_lifecycle: () => ({
        resourceId: prodRegistry.id,
        action: { action: 'identity', change: { type: 'removeUserAssigned', resourceId: identities.attached[0]?.resourceId ?? '' } },
        title: 'Remove user-assigned identity id-images from contosoimages',
        summary: 'Refused: the customer-managed key of contosoimages is reached with id-images.',
        steps: [],
        findings: [
          {
            severity: 'error',
            code: 'identity.inUseByEncryption',
            message: 'Removing it would cut the registry off from its key: the data would become unreadable.',
            fix: 'Move encryption to another identity first (Encryption, Change key, Identity), then remove id-images.',
          },
        ],
        confirmation: { type: 'review' },
        affected: [],
        canRun: false,
      }),
    });
    const { user } = renderApp();
    await selectRegistry(user);
    await user.click(within(menu()).getByRole('button', { name: 'Identity' }));
    const system = await screen.findByRole('region', { name: 'System assigned' }, slow);
    await user.click(within(system).getByRole('radio', { name: 'On' }));
    await expectNoAxeViolations();
    const users = screen.getByRole('region', { name: 'User assigned' });
    await user.click(within(users).getByRole('button', { name: 'Add' }));
    const panel = await screen.findByRole('dialog', { name: 'Add user assigned managed identity' }, slow);
    await user.click(within(panel).getByRole('radio', { name: /id-shared/ }));
    await expectNoAxeViolations(panel);
    await user.click(within(panel).getByRole('button', { name: 'Cancel' }));
    await user.click(within(screen.getByRole('region', { name: 'User assigned' })).getByRole('button', { name: 'Remove id-images' }));
    const review = await screen.findByRole('dialog', { name: 'Remove user-assigned identity id-images from contosoimages' }, slow);
    await within(review).findByText(/the data would become unreadable/);
    await expectNoAxeViolations(review);
  });

  it('the Encryption blade, healthy then unhealthy', async () => {
    let view = cmkView;
    demoShell(() => view);
    const { user } = renderApp();
    await selectRegistry(user);
    const { commands } = await openEncryption(user);
    await screen.findByText(cmkView.health.summary, {}, slow);
    await expectNoAxeViolations();

    view = revokedView;
    await user.click(within(commands).getByRole('button', { name: 'Refresh' }));
    await screen.findByText(/az keyvault set-policy/, {}, slow);
    await expectNoAxeViolations();
  });

  it('the Encryption blade of a storage account and of an Azure AI services account with a newer key version', async () => {
    let view = storageView;
    demoShell(() => view);
    const { user } = renderApp();
    await selectResource(user, prodStorage);
    await openEncryption(user);
    await screen.findByText(storageView.health.summary, {}, slow);
    await expectNoAxeViolations();

    view = cognitiveView;
    await selectResource(user, prodLanguage);
    await screen.findByRole('button', { name: 'Update key version' }, slow);
    await expectNoAxeViolations();
  });

  it('the Change key panel of a storage account: Microsoft-managed keys, and the Turn off customer-managed keys? dialog', async () => {
    demoShell(() => storageView, {
      preflight: (args) => ((args.desired as DesiredChange).keySource === 'microsoftManaged' ? turnOffReport : cleanReport),
    });
    const { user } = renderApp();
    await selectResource(user, prodStorage);
    const panel = await openChangeKey(user);
    await user.click(within(panel).getByRole('radio', { name: 'Microsoft-managed keys' }));
    const save = within(panel).getByRole('button', { name: 'Save' });
    await waitFor(() => {
      expect(save).toBeEnabled();
    }, slow);
    await expectNoAxeViolations();
    await user.click(save);
    await screen.findByRole('alertdialog', { name: 'Turn off customer-managed keys?' }, slow);
    await expectNoAxeViolations();
  });

  it('the resource picker panel, listing resources', async () => {
    demoShell(() => cmkView);
    const { user } = renderApp();
    await screen.findByRole('button', { name: accountButtonName('Demo tenant') }, slow);
    await user.click(within(screen.getByRole('banner')).getByRole('button', { name: 'Select resource' }));
    const picker = await screen.findByRole('dialog', { name: 'Select a resource' });
    await user.selectOptions(await within(picker).findByRole('combobox', { name: /Subscription/ }), contosoProd.displayName);
    await user.click(await within(picker).findByRole('radio', { name: new RegExp(prodRegistry.name) }, slow));
    await expectNoAxeViolations();
  });

  it('the Sign in to Azure dialog, then the Notifications panel in the page', async () => {
    let info = demoInfo;
    demoShell(() => cmkView, {
      app_info: () => info,
      sign_in: () => {
        info = azureInfo;
        return {
          info: azureInfo,
          secret: { status: 'memoryOnly', reason: 'The client secret is kept in memory for this run only: no system keyring is available.' },
          skippedTenants: [],
        };
      },
    });
    const { user } = renderApp();
    const banner = await screen.findByRole('region', { name: 'Demo tenant' }, slow);
    await user.click(within(banner).getByRole('button', { name: 'Sign in to Azure' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    await expectNoAxeViolations();
    await user.click(within(dialog).getByRole('button', { name: 'Advanced' }));
    await within(dialog).findByRole('textbox', { name: /Client ID/ });
    await expectNoAxeViolations();
    await user.click(within(dialog).getByRole('radio', { name: 'Service principal' }));
    await user.type(within(dialog).getByRole('textbox', { name: /Tenant ID/ }), 'tenant-1');
    await user.type(within(dialog).getByRole('textbox', { name: /Client ID/ }), 'client-1');
    await user.type(within(dialog).getByLabelText(/Client secret/, { selector: 'input[type="password"]' }), 's3cret');
    await expectNoAxeViolations();

    // Signing in posts a notification: the bell's panel in the page, with it.
    await user.click(within(dialog).getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') }, slow);
    await user.click(screen.getByRole('button', { name: 'Notifications, 1 unread' }));
    const panel = await screen.findByRole('dialog', { name: 'Notifications' });
    await within(panel).findByRole('listitem');
    await expectNoAxeViolations();
  });

  it('the Change key panel: Select from Key Vault, with its review (Grant access)', async () => {
    demoShell(() => cmkView, { preflight: () => missingAccessReport });
    const { user } = renderApp();
    await selectRegistry(user);
    const panel = await openChangeKey(user);
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, fixture(vaults, 0).id);
    const key = await within(panel).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.selectOptions(key, fixture(keys, 0).kid);
    await within(panel).findByRole('button', { name: 'Grant access' }, slow);
    await expectNoAxeViolations();
  });

  it('the account menu, the Switch tenant and Filter subscriptions dialogs', async () => {
    mockShell({
      ...signedInHandlers(azureInfo),
      list_tenants: () => tenants,
      list_subscriptions: () => [contosoProd, { ...contosoDev, selected: false }],
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') }, slow));
    let menu = await screen.findByRole('menu');
    await expectNoAxeViolations();
    await user.click(within(menu).getByRole('menuitem', { name: 'Switch tenant…' }));
    const switcher = await screen.findByRole('dialog', { name: 'Switch tenant' });
    await user.click(await within(switcher).findByRole('radio', { name: /Fabrikam/ }, slow));
    await expectNoAxeViolations();
    await user.click(within(switcher).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Switch tenant', hidden: true })).toBeNull();
    }, slow);

    // As after the resource picker: moving focus releases the page jsdom kept hidden behind the dialog.
    await user.tab();
    await user.click(await screen.findByRole('button', { name: accountButtonName('ada@contoso.com') }, slow));
    menu = await screen.findByRole('menu');
    await user.click(within(menu).getByRole('menuitem', { name: 'Filter subscriptions…' }));
    const filter = await screen.findByRole('dialog', { name: 'Filter subscriptions' });
    await within(filter).findByRole('checkbox', { name: new RegExp(contosoDev.displayName) }, slow);
    await expectNoAxeViolations();
  });

  it('the Sign in to Azure dialog showing a device code', async () => {
    let operationId = '';
    mockShell({
      ...signedInHandlers(demoInfo),
      sign_in: (args) => {
        operationId = (args.request as { operationId: string }).operationId;
        return new Promise(() => undefined);
      },
    });
    const { user } = renderApp();
    const banner = await screen.findByRole('region', { name: 'Demo tenant' }, slow);
    await user.click(within(banner).getByRole('button', { name: 'Sign in to Azure' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to Azure' });
    await user.click(within(dialog).getByRole('radio', { name: 'Device code' }));
    await user.click(within(dialog).getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(operationId).not.toBe('');
    }, slow);
    await act(async () => {
      await emit('sign-in-progress', {
        operationId,
        step: { step: 'deviceCode', userCode: 'F7QK-2XPL', verificationUri: 'https://microsoft.com/devicelogin', expiresAt: '2026-01-01T10:15:00Z', message: 'Enter the code.' },
      });
    });
    await within(dialog).findByRole('status', { name: 'Device code' }, slow);
    await expectNoAxeViolations();
  });

  it('the Open key vault by URI dialog', async () => {
    demoShell(() => cmkView);
    const { user } = renderApp();
    await selectRegistry(user);
    const panel = await openChangeKey(user);
    await user.click(await within(panel).findByRole('button', { name: 'Open key vault by URI' }, slow));
    const dialog = await screen.findByRole('dialog', { name: 'Open key vault by URI' });
    await user.type(within(dialog).getByRole('textbox', { name: /Key vault URI/ }), 'https://kv-other.vault.azure.net/');
    await expectNoAxeViolations();
  });

  it('the Change key panel: Enter key URI, with its review', async () => {
    demoShell(() => cmkView);
    const { user } = renderApp();
    await selectRegistry(user);
    const panel = await openChangeKey(user);
    await user.click(within(panel).getByRole('radio', { name: 'Enter key URI' }));
    const save = within(panel).getByRole('button', { name: 'Save' });
    await waitFor(() => {
      expect(save).toBeEnabled();
    }, slow);
    await expectNoAxeViolations();
  });

  it('the Create a key vault dialog: its name check messages and Select it', async () => {
    let check: VaultNameCheck = { status: 'available' };
    demoShell(() => cmkView, { check_vault_name: () => check });
    const { user } = renderApp();
    await selectRegistry(user);
    const panel = await openChangeKey(user);
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Create new key vault' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key vault' });
    await expectNoAxeViolations();

    const name = within(dialog).getByRole('textbox', { name: /^Name/ });
    await user.click(name);
    await user.paste('kv-images-01');
    await within(dialog).findByText('The name is available.', {}, slow);
    await expectNoAxeViolations();

    // An invalid name says why, on the field.
    await user.clear(name);
    await user.paste('-');
    await waitFor(() => {
      expect(name).toHaveAttribute('aria-invalid', 'true');
    }, slow);
    await expectNoAxeViolations();

    // Each answer of the name check, with the button it offers.
    const answers: { check: VaultNameCheck; name: string; shows: () => Promise<HTMLElement> }[] = [
      {
        check: { status: 'inSubscription', vault: fixture(vaults, 0) },
        name: 'kv-contoso',
        shows: () => within(dialog).findByRole('button', { name: 'Select it' }, slow),
      },
      {
        check: {
          status: 'softDeleted',
          location: 'westeurope',
          originalResourceGroup: 'rg-old',
          deletionDate: '2026-05-01T10:00:00Z',
          scheduledPurgeDate: '2026-07-30T10:00:00Z',
          canRecover: true,
        },
        name: 'kv-old',
        shows: () => within(dialog).findByRole('button', { name: 'Recover it' }, slow),
      },
      {
        check: { status: 'taken', message: 'The name kv-taken is used by a vault in another subscription.' },
        name: 'kv-taken',
        shows: () => within(dialog).findByText(/kv-taken is used by a vault in another subscription/, {}, slow),
      },
      {
        check: { status: 'invalid', reason: 'A vault name cannot end with a hyphen.' },
        name: 'kv-bad-name',
        shows: () => within(dialog).findByText(/cannot end with a hyphen/, {}, slow),
      },
    ];
    for (const answer of answers) {
      check = answer.check;
      await user.clear(name);
      await user.paste(answer.name);
      await answer.shows();
      await expectNoAxeViolations();
    }
  });

  it('the Create a key vault dialog: a name check that failed, with Check the name again', async () => {
    demoShell(() => cmkView, {
      check_vault_name: () =>
        rejectWith({ code: 'azure.unreachable', message: 'Could not reach management.azure.com.', details: null }),
    });
    const { user } = renderApp();
    await selectRegistry(user);
    const panel = await openChangeKey(user);
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Create new key vault' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key vault' });
    await user.click(within(dialog).getByRole('textbox', { name: /^Name/ }));
    await user.paste('kv-images-01');
    await within(dialog).findByRole('button', { name: 'Check the name again' }, slow);
    await expectNoAxeViolations();
  });

  it('the Create a key dialog', async () => {
    demoShell(() => cmkView);
    const { user } = renderApp();
    await selectRegistry(user);
    const panel = await openChangeKey(user);
    const vault = await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    await waitFor(() => {
      expect(vault).toBeEnabled();
    }, slow);
    await user.selectOptions(vault, fixture(vaults, 0).id);
    const key = await within(panel).findByRole('combobox', { name: /^Key(?! vault)/ }, slow);
    await waitFor(() => {
      expect(key).toBeEnabled();
    }, slow);
    await user.click(within(panel).getByRole('button', { name: 'Create new key' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key in kv-contoso' });
    await expectNoAxeViolations();
    // A name the vault already has: the warning and its Select it.
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'cmk-images');
    await within(dialog).findByRole('button', { name: 'Select it' });
    await expectNoAxeViolations();
  });
});

const now = new Date(2026, 5, 14, 15, 30).getTime();

function notification(patch: Partial<AppNotification> & Pick<AppNotification, 'id' | 'title' | 'status'>): AppNotification {
  return { message: '', progress: null, step: null, subject: null, cancel: null, createdAt: now, updatedAt: now, read: false, ...patch };
}

const runningSave = notification({
  id: 'save',
  title: 'Changing the key of contosoimages',
  status: 'inProgress',
  step: "Step 1 of 2: Turn on the registry's system-assigned identity",
  progress: 0.4,
  message: 'Azure reports InProgress (checked 2 times).',
  subject: prodRegistry.id,
  cancel: { label: 'Cancel save', request: () => Promise.resolve(true), requested: false },
});

describe('accessibility audit (axe-core): the Change key panel with a save still running', () => {
  it('shows the save with Cancel save', async () => {
    demoShell(() => cmkView);
    renderInFluent(
      <ChangeKeyPanel
        open
        onClose={vi.fn()}
        view={cmkView}
        rules={registryRules}
        onSave={vi.fn()}
       
        keyVaultSuffix="vault.azure.net"
        runningSave={runningSave}
        onCancelSave={vi.fn()}
      />,
    );
    const panel = screen.getByRole('dialog', { name: 'Change key' });
    await within(panel).findByRole('button', { name: 'Cancel save' }, slow);
    await within(panel).findByRole('combobox', { name: /Key vault/ }, slow);
    // The panel alone (it is rendered without the page around it, so the page-level rules do not apply).
    await expectNoAxeViolations(panel);
  });
});

describe('accessibility audit (axe-core): the Notifications panel', () => {
  it('with running and finished notifications, one with Cancel save', async () => {
    const notifications: AppNotification[] = [
      runningSave,
      notification({ id: 'vaults', title: 'Reading vaults', status: 'inProgress' }),
      notification({ id: 'saved', title: 'Key changed on contosodev', status: 'succeeded', read: true }),
      notification({ id: 'warned', title: 'The save of contosodata ended unknown', status: 'warning', message: 'Check the registry.' }),
      notification({ id: 'failed', title: 'Could not change the key of contosodata', status: 'failed', message: 'The identity lacks wrapKey.' }),
    ];
    renderInFluent(
      <NotificationsPanel open notifications={notifications} now={() => now} onClose={vi.fn()} onDismiss={vi.fn()} onDismissFinished={vi.fn()} onCancel={vi.fn()} />,
    );
    const panel = screen.getByRole('dialog', { name: 'Notifications' });
    expect(within(panel).getByRole('button', { name: 'Cancel save' })).toBeInTheDocument();
    // The panel alone (it is rendered without the page around it, so the page-level rules do not apply).
    await expectNoAxeViolations(panel);
  });

  it('with none', async () => {
    renderInFluent(
      <NotificationsPanel open notifications={[]} onClose={vi.fn()} onDismiss={vi.fn()} onDismissFinished={vi.fn()} onCancel={vi.fn()} />,
    );
    const panel = screen.getByRole('dialog', { name: 'Notifications' });
    await within(panel).findByRole('heading', { name: 'No notifications' });
    await expectNoAxeViolations(panel);
  });
});

describe('accessibility audit (axe-core): the lifecycle review (LifecycleReview)', () => {
  const reviewStep = {
    kind: 'createKeyVersion' as const,
    title: 'Create a new version of key cmk-images',
    method: 'POST',
    path: 'https://kv-contoso.vault.azure.net/keys/cmk-images/rotate?api-version=7.4',
    body: null,
    bodySummary: '',
    azCommand: 'az keyvault key rotate --vault-name kv-contoso --name cmk-images',
  };
  it('a plan with findings, affected resources and a typed confirmation, then its outcome', async () => {
    demoShell(() => cmkView, {
      plan_lifecycle: () => ({
        resourceId: prodRegistry.id,
        action: { action: 'newKeyVersion' },
        title: 'Create a new version of cmk-images',
        summary: 'Key Vault adds a new version of the key.',
        steps: [reviewStep],
        findings: [
          { severity: 'warning', code: 'rotation.pinnedVersion', message: 'The registry pins a version.', fix: 'Rotate to this version now.' },
          { severity: 'info', code: 'rotation.followsWithinHour', message: 'Others pick it up within an hour.', fix: null },
        ],
        confirmation: { type: 'typeNameAndAcknowledge', name: 'contosoimages', acknowledgement: 'I understand' },
        affected: [{ id: prodStorage.id, kind: 'storageAccount', name: prodStorage.name, reason: 'also uses key cmk-images' }],
        canRun: true,
      }),
      run_lifecycle: () => ({ status: 'applied', steps: [reviewStep], message: 'Key cmk-images has a new latest version.', view: null }),
    });
    const { user } = renderInFluent(
      <LifecycleReview resourceId={prodRegistry.id} action={{ action: 'newKeyVersion' }} verb="Create version" onClose={vi.fn()} onDone={vi.fn()} />,
    );
    const panel = await screen.findByRole('dialog', { name: 'Create a new version of cmk-images' }, slow);
    await within(panel).findByRole('textbox', { name: /Type the resource name to confirm/ });
    await expectNoAxeViolations(panel);
    await user.type(within(panel).getByRole('textbox', { name: /Type the resource name to confirm/ }), 'contosoimages');
    await user.click(within(panel).getByRole('checkbox', { name: 'I understand' }));
    await user.click(within(panel).getByRole('button', { name: 'Create version' }));
    await within(panel).findByText('Key cmk-images has a new latest version.', {}, slow);
    await expectNoAxeViolations(panel);
  });
});

describe('accessibility audit (axe-core): History', () => {
  it('the History blade in the app shell, an entry\'s details, the undo review and a change that cannot be undone', { timeout: 90_000 }, async () => {
    demoShell(() => cmkView, {
      list_history: () => [newVersionEntry, keyChangeEntry],
      plan_undo: (args) => (args.entryId === keyChangeEntry.id ? keyChangeUndo : notUndoable),
    });
    const { user } = renderApp();
    await selectRegistry(user);
    await user.click(within(menu()).getByRole('button', { name: 'History' }));
    await screen.findByRole('table', { name: 'Changes' }, slow);
    await expectNoAxeViolations();

    await user.click(screen.getByRole('button', { name: 'Change key' }));
    const details = await screen.findByRole('dialog', { name: 'Change details' }, slow);
    await within(details).findByRole('heading', { name: 'Before' });
    await expectNoAxeViolations();

    await user.click(within(details).getByRole('button', { name: 'Undo' }));
    const undo = await screen.findByRole('dialog', { name: 'Undo change' }, slow);
    await within(undo).findByText(/Key URI to store/, {}, slow);
    await expectNoAxeViolations();

    await user.click(within(undo).getByRole('button', { name: 'Cancel' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Change details' })).getByRole('button', { name: 'Close' }));
    await waitFor(() => {
      expect(screen.queryByRole('dialog', { name: 'Change details' })).toBeNull();
    }, slow);
    await user.click(screen.getByRole('button', { name: 'New key version' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Change details' }, slow)).getByRole('button', { name: 'Undo' }));
    await within(await screen.findByRole('dialog', { name: 'Undo change' })).findByText('This change cannot be undone', {}, slow);
    await expectNoAxeViolations();
  });
});

describe('accessibility audit (axe-core): Revoke access and Restore access', () => {
  const disableStep = {
    kind: 'disableKey' as const,
    title: 'Disable version 0a1b of key cmk-images in vault kv-contoso',
    method: 'PATCH',
    path: 'https://kv-contoso.vault.azure.net/keys/cmk-images/0a1b?api-version=7.4',
    body: { attributes: { enabled: false } },
    bodySummary: 'attributes.enabled = false',
    azCommand: 'az keyvault key set-attributes --vault-name kv-contoso --name cmk-images --version 0a1b --enabled false',
  };
  it('the choice of way (one greyed out with its reason) and its review', async () => {
    demoShell(() => cmkView, {
      plan_lifecycle: (args) => {
        const way = (args.action as { way: string }).way;
        const refused = way === 'removeRoleAssignment';
        return {
          resourceId: prodRegistry.id,
          action: { action: 'revoke', way },
          title: 'Revoke access by disabling the key',
          summary: "Revoking access blocks access to all of registry contosoimages's data until access is restored.",
          steps: refused ? [] : [disableStep],
          findings: refused
            ? [{ severity: 'error', code: 'revoke.wayNotApplicable', message: 'Vault kv-contoso uses access policies.', fix: 'Choose Remove the access policy.' }]
            : [{ severity: 'warning', code: 'revoke.dataInaccessible', message: 'All of its data is inaccessible until access is restored.', fix: 'Use Restore access.' }],
          confirmation: { type: 'typeName', name: 'contosoimages' },
          affected: [],
          canRun: !refused,
        };
      },
    });
    const { user } = renderInFluent(
      <RevokePanel resourceId={prodRegistry.id} resourceName="contosoimages" onClose={vi.fn()} onDone={vi.fn()} />,
    );
    const panel = await screen.findByRole('dialog', { name: 'Revoke access' }, slow);
    await within(panel).findByText('Vault kv-contoso uses access policies.', {}, slow);
    await expectNoAxeViolations(panel);
    await user.click(within(panel).getByRole('radio', { name: 'Disable the key' }));
    await user.click(within(panel).getByRole('button', { name: 'Review' }));
    const review = await screen.findByRole('dialog', { name: 'Revoke access by disabling the key' }, slow);
    await within(review).findByRole('textbox', { name: /Type the resource name to confirm/ });
    await expectNoAxeViolations(review);
  });

  it('the diagnosis with a fix and a cause keyblade cannot fix', async () => {
    demoShell(() => revokedView, {
      diagnose_access: () => ({
        resourceId: prodRegistry.id,
        customerManaged: true,
        accessible: false,
        summary: 'The registry contosoimages cannot reach its key, so its data is inaccessible: 2 causes found.',
        causes: [
          { code: 'access.missingPermissions', severity: 'error', message: 'The identity lacks get, wrapKey, unwrapKey on the key.', fix: 'addAccessPolicy', whatToDo: 'Give the identity get, wrapKey and unwrapKey again.' },
          { code: 'network.blocked', severity: 'error', message: 'The vault firewall blocks the service.', fix: null, whatToDo: 'Allow trusted services.' },
        ],
      }),
    });
    renderInFluent(<RestorePanel resourceId={prodRegistry.id} onClose={vi.fn()} onDone={vi.fn()} />);
    const panel = await screen.findByRole('dialog', { name: 'Restore access' }, slow);
    await within(panel).findByRole('button', { name: 'Add the access policy' }, slow);
    await expectNoAxeViolations(panel);
  });
});

describe('accessibility audit (axe-core): key rotation on the Encryption blade', () => {
  it('the Key rotation and Rotation policy sections of a pinned registry, then the Edit rotation policy dialog', async () => {
    mockShell({
      read_rotation: () => ({
        resourceId: prodRegistry.id,
        kind: 'containerRegistry',
        key: {
          vaultName: 'kv-contoso',
          keyName: 'cmk-images',
          keyUri: `${cmkView.key?.vaultUri ?? ''}keys/cmk-images/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`,
          followsNewVersions: false,
          versionInUse: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
          latestVersion: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
          latestVersionUri: `${cmkView.key?.vaultUri ?? ''}keys/cmk-images/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`,
          latestCreated: null,
          expires: '2028-05-12T14:02:00Z',
          versionsBehind: 1,
          lastRotation: null,
          policyReadable: false,
          policy: null,
          policyDescription: [],
          problem: 'You may not read the rotation policy of key cmk-images: your account lacks the key permission "getrotationpolicy".',
        },
      }),
    });
    const { user, container } = renderInFluent(
      <main>
        <KeyRotationSection resourceId={prodRegistry.id} reloadKey="1" rules={registryRules} onRotateToVersion={vi.fn()} onReviewPolicy={vi.fn()} />
      </main>,
    );
    await screen.findByRole('button', { name: 'Rotate to this version now' }, slow);
    await expectNoAxeViolations(container);
    await user.click(screen.getByRole('button', { name: 'Edit rotation policy' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit rotation policy of cmk-images' });
    await expectNoAxeViolations(dialog);
  });
});
