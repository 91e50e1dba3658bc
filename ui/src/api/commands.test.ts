import { describe, expect, it } from 'vitest';
import type { CommandError } from '../bindings';
import { demoInfo, mockShell, rejectWith } from '../test/ipc';
import { CommandFailure, UiErrorCode, toCommandError } from './commandError';
import { emit } from '@tauri-apps/api/event';
import type { SaveSettled } from '../bindings';
import { newVault } from '../test/encryption';
import {
  appInfo,
  cancelSave,
  checkVaultName,
  listResources,
  listSubscriptions,
  recoverVault,
  validateKeyUri,
} from './commands';
import { onSaveSettled } from './events';

async function rejection(promise: Promise<unknown>): Promise<CommandFailure> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof CommandFailure) return error;
    throw new Error(`rejected with something other than a CommandFailure: ${String(error)}`);
  }
  throw new Error('the promise resolved');
}

describe('api commands', () => {
  it('rejects with ipc.unavailable, saying what to do, when there is no Tauri back end', async () => {
    const failure = await rejection(appInfo());
    expect(failure.code).toBe(UiErrorCode.ipcUnavailable);
    expect(failure.message).toMatch(/running outside the keyblade app/);
    expect(failure.message).toMatch(/Start keyblade/);
    expect(failure.details).toBe('command: app_info');
  });

  it('invokes each command by its Rust name with camelCase arguments', async () => {
    const shell = mockShell({
      app_info: () => demoInfo,
      list_subscriptions: () => [],
      list_resources: () => [],
      validate_key_uri: () => ({
        canonical: 'https://v.vault.azure.net/keys/k',
        vaultName: 'v',
        vaultUrl: 'https://v.vault.azure.net/',
        keyName: 'k',
        version: null,
        rotation: 'automatic',
        isManagedHsm: false,
      }),
    });

    expect(await appInfo()).toEqual(demoInfo);
    await listSubscriptions();
    await listResources('sub-1');
    expect((await validateKeyUri('https://v.vault.azure.net/keys/k')).rotation).toBe('automatic');

    expect(shell.calls).toEqual([
      { command: 'app_info', args: {} },
      { command: 'list_subscriptions', args: {} },
      { command: 'list_resources', args: { subscriptionId: 'sub-1' } },
      { command: 'validate_key_uri', args: { input: 'https://v.vault.azure.net/keys/k' } },
    ]);
  });

  it('invokes the safe-write commands with their arguments', async () => {
    const shell = mockShell({
      cancel_save: () => false,
      check_vault_name: () => ({ status: 'available' }),
      recover_vault: () => newVault,
    });
    expect(await cancelSave('save-1')).toBe(false);
    expect(await checkVaultName('sub-1', 'kv-images-01')).toEqual({ status: 'available' });
    expect(await recoverVault('sub-1', 'kv-images-01', 'recover-vault-1')).toEqual(newVault);
    expect(shell.calls).toEqual([
      { command: 'cancel_save', args: { operationId: 'save-1' } },
      { command: 'check_vault_name', args: { subscriptionId: 'sub-1', name: 'kv-images-01' } },
      { command: 'recover_vault', args: { subscriptionId: 'sub-1', name: 'kv-images-01', operationId: 'recover-vault-1' } },
    ]);
  });

  it("hears one save's save-settled event, and nothing once stopped", async () => {
    mockShell({});
    const heard: SaveSettled[] = [];
    const listening = onSaveSettled('save-1', (settled) => {
      heard.push(settled);
    });
    await listening.ready;
    const mine: SaveSettled = { operationId: 'save-1', outcome: { Ok: { status: 'refused', findings: [] } } };
    await emit('save-settled', { ...mine, operationId: 'save-2' });
    await emit('save-settled', mine);
    listening.stop();
    await emit('save-settled', mine);
    expect(heard).toEqual([mine]);
  });

  it('passes the shell CommandError through unchanged', async () => {
    const insecure: CommandError = {
      code: 'keyUri.insecureScheme',
      message: 'Key URIs must use https://. Change http:// to https://.',
      details: null,
    };
    mockShell({ validate_key_uri: () => rejectWith(insecure) });

    const failure = await rejection(validateKeyUri('http://v.vault.azure.net/keys/k'));
    expect(failure).toBeInstanceOf(Error);
    expect(failure.toCommandError()).toEqual(insecure);
  });

  it('normalises a rejection that is not a CommandError (a panic, a missing command) into one', async () => {
    mockShell({
      list_subscriptions: () => {
        throw new Error('command list_subscriptions not found');
      },
    });
    const failure = await rejection(listSubscriptions());
    expect(failure.code).toBe(UiErrorCode.ipcUnexpected);
    expect(failure.message).toMatch(/"list_subscriptions"/);
    expect(failure.details).toBe('command list_subscriptions not found');
  });
});

describe('toCommandError', () => {
  it.each<{ name: string; rejection: unknown; expected: CommandError }>([
    {
      name: 'a CommandError',
      rejection: { code: 'session.signedOut', message: 'Sign in first.', details: 'x' },
      expected: { code: 'session.signedOut', message: 'Sign in first.', details: 'x' },
    },
    {
      name: 'a CommandError without details',
      rejection: { code: 'session.signedOut', message: 'Sign in first.' },
      expected: { code: 'session.signedOut', message: 'Sign in first.', details: null },
    },
    {
      name: 'a string',
      rejection: 'boom',
      expected: { code: UiErrorCode.ipcUnexpected, message: expect.any(String) as string, details: 'boom' },
    },
    {
      name: 'an object of another shape',
      rejection: { status: 500 },
      expected: { code: UiErrorCode.ipcUnexpected, message: expect.any(String) as string, details: '{"status":500}' },
    },
    {
      name: 'undefined',
      rejection: undefined,
      expected: { code: UiErrorCode.ipcUnexpected, message: expect.any(String) as string, details: 'undefined' },
    },
    {
      name: 'an object whose code is not a string',
      rejection: { code: 42, message: 'x', details: null },
      expected: {
        code: UiErrorCode.ipcUnexpected,
        message: expect.any(String) as string,
        details: '{"code":42,"message":"x","details":null}',
      },
    },
  ])('turns $name into a CommandError', ({ rejection, expected }) => {
    expect(toCommandError(rejection, 'app_info')).toEqual(expected);
  });
});
