import type { HomeHealth, HomeListing, HomeRow } from '../bindings';
import { vaultUri } from './encryption';
import { contosoProd, prodRegistry, prodStorage, type CommandHandler } from './ipc';

// Home's fixtures, shaped as list_home and check_home_health answer: a registry with a customer-managed key
// that has lost access to it, and a storage account on Microsoft-managed keys.

export const homeRegistryRow: HomeRow = {
  id: prodRegistry.id,
  name: prodRegistry.name,
  kind: prodRegistry.kind,
  subscriptionId: prodRegistry.subscriptionId,
  subscriptionName: contosoProd.displayName,
  resourceGroup: prodRegistry.resourceGroup,
  location: prodRegistry.location,
  keySource: 'customerManaged',
  key: {
    keyUri: `${vaultUri}keys/cmk-images`,
    vaultName: 'kv-contoso',
    vaultUri,
    keyName: 'cmk-images',
    version: null,
    rotation: 'automatic',
  },
  identity: { kind: 'userAssigned', name: 'id-acr' },
  unreadable: null,
};

export const homeStorageRow: HomeRow = {
  ...homeRegistryRow,
  id: prodStorage.id,
  name: prodStorage.name,
  kind: prodStorage.kind,
  resourceGroup: prodStorage.resourceGroup,
  keySource: 'microsoftManaged',
  key: null,
  identity: null,
};

export const homeListing: HomeListing = { rows: [homeRegistryRow, homeStorageRow], subscriptions: 2, pages: 1 };

/** The registry's key health: unreachable, one version behind. */
export function homeRegistryHealth(): HomeHealth {
  return {
    id: homeRegistryRow.id,
    health: { status: 'unhealthy', summary: 'The identity cannot reach the key.', problems: [] },
    key: { version: 'v1', expires: null, created: null, versionsBehind: 1, rotationPolicy: 'noPolicy', rotateAfter: null, unreadable: null },
    checkedAt: new Date().toISOString(),
  };
}

/** Home listing `homeListing`, with its one key checked. */
export function homeHandlers(): Record<string, CommandHandler> {
  return {
    list_home: () => homeListing,
    check_home_health: () => [homeRegistryHealth()],
  };
}
