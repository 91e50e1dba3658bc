import { mockIPC } from '@tauri-apps/api/mocks';
import type { AccountSummary, AppInfo, SubscriptionSummary, TenantSummary } from '../api/contract';
import type { CommandError, ResourceSummary } from '../bindings';
import { kindRows } from './kinds';

/**
 * Rejects the way the shell does: Tauri serializes the command's `Err` and the promise rejects with that
 * plain object, not an Error.
 */
export function rejectWith(error: CommandError): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- mirrors Tauri's wire format on purpose
  throw error;
}

export type CommandHandler = (args: Record<string, unknown>) => unknown;

export interface MockedShell {
  /** Every command the UI invoked, in order, with its arguments. */
  calls: { command: string; args: Record<string, unknown> }[];
}

/**
 * Stands in for the Tauri shell: each handler answers one command (return a value, or throw a
 * CommandError to reject). A command without a handler rejects, so an unexpected call fails the test.
 */
export function mockShell(handlers: Record<string, CommandHandler>): MockedShell {
  const shell: MockedShell = { calls: [] };
  // Events are mocked too: `emit` from a handler reaches the UI's `listen`ers, as the shell's events do.
  mockIPC((command, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    shell.calls.push({ command, args });
    const handler = handlers[command];
    if (handler === undefined) {
      rejectWith({
        code: 'test.unmockedCommand',
        message: `The test did not expect the command "${command}".`,
        details: null,
      });
    }
    return handler(args);
  }, { shouldMockEvents: true });
  return shell;
}

export const publicCloud = {
  name: 'Azure public cloud',
  armEndpoint: 'https://management.azure.com/',
  keyVaultSuffix: 'vault.azure.net',
};

export const signedOutReason = 'no Azure account is configured, and this build has no sign-in yet.';

/** What app_info adds to every answer: no remembered account, no cloud to sign in to at start. */
const noAccounts = {
  accounts: [],
  signInCloud: null,
  proxy: 'No proxy',
  dataFolder: null,
  commit: 'unknown',
  logFile: null,
  kinds: kindRows,
};

export const signedOutInfo: AppInfo = {
  version: '0.1.0',
  cloud: publicCloud,
  session: { state: 'signedOut', reason: signedOutReason },
  ...noAccounts,
};

export const demoInfo: AppInfo = {
  version: '0.1.0',
  cloud: { ...publicCloud, name: 'keyblade sandbox' },
  session: {
    state: 'signedIn',
    tenantId: '00000000-0000-0000-0000-00000000d3e0',
    account: 'demo-app',
    accountId: null,
    isDemo: true,
  },
  ...noAccounts,
};

export const adaAccount: AccountSummary = {
  id: 'account-ada',
  label: 'ada@contoso.com',
  displayName: 'Ada Lovelace',
  tenantId: '72f988bf-0000-0000-0000-000000000000',
  cloudName: 'AzureCloud',
  method: 'browser',
  active: true,
};

export const graceAccount: AccountSummary = {
  id: 'account-grace',
  label: 'grace@fabrikam.com',
  displayName: null,
  tenantId: '33333333-0000-0000-0000-000000000000',
  cloudName: 'AzureCloud',
  method: 'deviceCode',
  active: false,
};

export const azureInfo: AppInfo = {
  version: '0.1.0',
  cloud: publicCloud,
  session: {
    state: 'signedIn',
    tenantId: '72f988bf-0000-0000-0000-000000000000',
    account: 'ada@contoso.com',
    accountId: adaAccount.id,
    isDemo: false,
  },
  accounts: [adaAccount, graceAccount],
  signInCloud: null,
  proxy: 'No proxy',
  dataFolder: null,
  commit: 'unknown',
  logFile: null,
  kinds: kindRows,
};

export const contosoProd: SubscriptionSummary = {
  subscriptionId: '11111111-1111-1111-1111-111111111111',
  displayName: 'Contoso Production',
  tenantId: '72f988bf-0000-0000-0000-000000000000',
  state: 'Enabled',
  selected: true,
};

export const contosoDev: SubscriptionSummary = {
  subscriptionId: '22222222-2222-2222-2222-222222222222',
  displayName: 'Contoso Dev',
  tenantId: '72f988bf-0000-0000-0000-000000000000',
  state: 'Enabled',
  selected: true,
};

function resource(
  subscription: SubscriptionSummary,
  resourceGroup: string,
  name: string,
  kind: ResourceSummary['kind'],
): ResourceSummary {
  const provider = {
    containerRegistry: 'Microsoft.ContainerRegistry/registries',
    cognitiveServicesAccount: 'Microsoft.CognitiveServices/accounts',
    storageAccount: 'Microsoft.Storage/storageAccounts',
  }[kind];
  return {
    id: `/subscriptions/${subscription.subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}/${name}`,
    name,
    resourceGroup,
    kind,
    location: 'westeurope',
    subscriptionId: subscription.subscriptionId,
  };
}

export const prodRegistry = resource(contosoProd, 'rg-images', 'contosoimages', 'containerRegistry');
export const prodStorage = resource(contosoProd, 'rg-data', 'contosodata', 'storageAccount');
export const prodLanguage = resource(contosoProd, 'rg-ai', 'contoso-language', 'cognitiveServicesAccount');
export const devRegistry = resource(contosoDev, 'rg-dev', 'contosodevimages', 'containerRegistry');

/** A signed-in shell with two subscriptions and a few resources in each. */
export function signedInHandlers(info: AppInfo = azureInfo): Record<string, CommandHandler> {
  const resourcesBySubscription: Record<string, ResourceSummary[]> = {
    [contosoProd.subscriptionId]: [prodStorage, prodRegistry, prodLanguage],
    [contosoDev.subscriptionId]: [devRegistry],
  };
  return {
    app_info: () => info,
    list_subscriptions: () => [contosoProd, contosoDev],
    list_resources: (args) => resourcesBySubscription[String(args.subscriptionId)] ?? [],
    // Home lists in the background from the start; by default it finds nothing.
    list_home: () => ({ rows: [], subscriptions: 2, pages: 1 }),
    check_home_health: () => [],
  };
}

export const signedOutError: CommandError = {
  code: 'session.signedOut',
  message: 'Not signed in to Azure. Sign in first.',
  details: null,
};

export function signedOutHandlers(): Record<string, CommandHandler> {
  return {
    app_info: () => signedOutInfo,
    list_subscriptions: () => rejectWith(signedOutError),
    list_resources: () => rejectWith(signedOutError),
  };
}

/** The active account's tenants: the current one, one that needs MFA, one that refuses. */
export const tenants: TenantSummary[] = [
  {
    tenantId: '72f988bf-0000-0000-0000-000000000000',
    displayName: 'Contoso',
    defaultDomain: 'contoso.com',
    current: true,
    access: { status: 'available' },
  },
  {
    tenantId: '44444444-0000-0000-0000-000000000000',
    displayName: 'Fabrikam',
    defaultDomain: 'fabrikam.onmicrosoft.com',
    current: false,
    access: { status: 'needsInteraction', reason: 'Fabrikam requires multi-factor authentication.' },
  },
  {
    tenantId: '55555555-0000-0000-0000-000000000000',
    displayName: null,
    defaultDomain: null,
    current: false,
    access: { status: 'refused', reason: 'Your account is disabled in this tenant.' },
  },
];
