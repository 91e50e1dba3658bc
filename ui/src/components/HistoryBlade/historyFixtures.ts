import type { HistoryEntry, LifecyclePlanView, UndoReview } from '../../bindings';
import { cleanReport } from '../../test/encryption';
import { prodRegistry } from '../../test/ipc';

// History entries and undo reviews as the shell answers them, for the blade's tests and the a11y audit.

const oldKey = 'https://kv-contoso.vault.azure.net/keys/cmk-images/0123456789abcdef0123456789abcdef';
const newKey = 'https://kv-contoso.vault.azure.net/keys/cmk-images';
const identityId =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-images';

export const keyChangeEntry: HistoryEntry = {
  id: 'h-1764874800000-0',
  time: '2026-12-04T19:00:00Z',
  account: 'demo-app',
  tenantId: '00000000-0000-0000-0000-00000000d3e0',
  resource: { id: prodRegistry.id, kind: 'containerRegistry', name: prodRegistry.name },
  title: 'Change key',
  change: {
    type: 'changeKey',
    before: { keySource: 'customerManaged', keyUri: oldKey, identity: { type: 'userAssigned', resourceId: identityId } },
    requested: { keySource: 'customerManaged', keyUri: newKey, identity: { type: 'userAssigned', resourceId: identityId } },
    after: { keySource: 'customerManaged', keyUri: newKey, identity: { type: 'userAssigned', resourceId: identityId } },
  },
  steps: [
    {
      kind: 'setEncryptionKey',
      title: 'Encrypt registry contosoimages with key cmk-images',
      method: 'PATCH',
      path: `${prodRegistry.id}?api-version=2025-04-01`,
      azCommand: `az acr encryption rotate-key --name ${prodRegistry.name} --key-encryption-key ${newKey}`,
      status: 'completed',
    },
  ],
  outcome: { status: 'applied', message: 'Read back with the new key and identity in place.' },
  undoOf: null,
};

export const disableKeyEntry: HistoryEntry = {
  ...keyChangeEntry,
  id: 'h-1764874900000-0',
  time: '2026-12-04T19:01:40Z',
  title: 'Revoke access: disable the key',
  change: { type: 'lifecycle', action: { action: 'revoke', way: 'disableKey' }, previousPolicy: null },
  steps: [
    {
      kind: 'disableKey',
      title: 'Disable key cmk-images',
      method: 'PATCH',
      path: 'https://kv-contoso.vault.azure.net/keys/cmk-images?api-version=7.4',
      azCommand: 'az keyvault key set-attributes --vault-name kv-contoso --name cmk-images --enabled false',
      status: 'completed',
    },
  ],
  outcome: { status: 'applied', message: 'The key is disabled; the registry cannot reach its data.' },
};

export const newVersionEntry: HistoryEntry = {
  ...disableKeyEntry,
  id: 'h-1764875000000-0',
  time: '2026-12-04T19:03:20Z',
  title: 'New key version',
  change: { type: 'lifecycle', action: { action: 'newKeyVersion' }, previousPolicy: null },
  outcome: { status: 'applied', message: 'Key cmk-images has a new version.' },
};

export const undoEntry: HistoryEntry = {
  ...keyChangeEntry,
  id: 'h-1764875100000-0',
  time: '2026-12-04T19:05:00Z',
  change: {
    type: 'changeKey',
    before: keyChangeEntry.change.type === 'changeKey' ? keyChangeEntry.change.after : null,
    requested: { keySource: 'customerManaged', keyUri: oldKey, identity: { type: 'userAssigned', resourceId: identityId } },
    after: { keySource: 'customerManaged', keyUri: oldKey, identity: { type: 'userAssigned', resourceId: identityId } },
  },
  undoOf: keyChangeEntry.id,
};

export const keyChangeUndo: UndoReview = {
  type: 'changeKey',
  entryId: keyChangeEntry.id,
  resource: keyChangeEntry.resource,
  desired: {
    keySource: 'customerManaged',
    keyUri: oldKey,
    identity: { type: 'userAssigned', resourceId: identityId },
    grantAccess: false,
  },
  report: { ...cleanReport, keyUri: oldKey, rotation: 'manual' },
};

export const notUndoable: UndoReview = {
  type: 'notUndoable',
  entryId: newVersionEntry.id,
  reason: 'A key version cannot be deleted. To stop using the new version, pin the previous version with Change key instead.',
};

export const enableKeyPlan: LifecyclePlanView = {
  resourceId: prodRegistry.id,
  action: { action: 'restore', fix: 'enableKey' },
  title: 'Restore access by enabling the key',
  summary: 'Enables key cmk-images; the registry can reach its data again.',
  steps: [
    {
      kind: 'enableKey',
      title: 'Enable key cmk-images',
      method: 'PATCH',
      path: 'https://kv-contoso.vault.azure.net/keys/cmk-images?api-version=7.4',
      body: { attributes: { enabled: true } },
      bodySummary: 'attributes.enabled = true',
      azCommand: 'az keyvault key set-attributes --vault-name kv-contoso --name cmk-images --enabled true',
    },
  ],
  findings: [],
  confirmation: { type: 'review' },
  affected: [],
  canRun: true,
};

export const lifecycleUndo: UndoReview = {
  type: 'lifecycle',
  entryId: disableKeyEntry.id,
  resource: disableKeyEntry.resource,
  plan: enableKeyPlan,
};
