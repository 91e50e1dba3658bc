import { emit } from '@tauri-apps/api/event';
import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { OperationProgress, SaveOutcome } from '../../bindings';
import { cleanReport, cmkView } from '../../test/encryption';
import { mockShell, rejectWith } from '../../test/ipc';
import { NotificationsProvider, useNotifications, type AppNotification } from '../notifications';
import { runSave, type SaveRequest } from './runSave';

const request: SaveRequest = {
  registryId: cmkView.registryId,
  registryName: cmkView.registryName,
  desired: { keyUri: cleanReport.keyUri, identity: { type: 'systemAssigned' }, grantAccess: false },
  etag: '"etag-2"',
  planSteps: 2,
};

function progress(operationId: string, patch: Partial<OperationProgress>): OperationProgress {
  return { operationId, stage: 'running', step: 'step', message: '', completedSteps: 0, ...patch };
}

function notificationsHook() {
  return renderHook(() => useNotifications(), { wrapper: NotificationsProvider });
}

describe('runSave', () => {
  it('follows the save in a notification, step by step, and ends with the verified result', async () => {
    const seen: Pick<AppNotification, 'message' | 'progress' | 'status'>[] = [];
    let release: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { result } = notificationsHook();
    const shell = mockShell({
      save_encryption: async (args) => {
        const id = String(args.operationId);
        await emit('operation-progress', progress(id, { stage: 'submitted', message: 'Turn on the identity…' }));
        await emit('operation-progress', progress(id, { stage: 'succeeded', message: 'Done: Turn on the identity.', completedSteps: 1 }));
        // Another operation's events are not this notification's business.
        await emit('operation-progress', progress('other', { message: 'Unrelated', completedSteps: 3 }));
        await finished;
        const saved: SaveOutcome = { status: 'saved', steps: cleanReport.steps, verified: true, mismatches: [], view: cmkView };
        return saved;
      },
    });

    let done: Promise<void> = Promise.resolve();
    act(() => {
      done = runSave(request, result.current);
    });
    await waitFor(() => {
      const [current] = result.current.notifications;
      expect(current?.message).toBe('Done: Turn on the identity.');
    });
    const [during] = result.current.notifications;
    seen.push({ message: during?.message ?? '', progress: during?.progress ?? null, status: during?.status ?? 'info' });
    expect(seen[0]).toEqual({ message: 'Done: Turn on the identity.', progress: 1 / 3, status: 'inProgress' });
    expect(during?.title).toBe('Changing the key of contosoimages');

    release();
    await act(async () => {
      await done;
    });
    const [after] = result.current.notifications;
    expect(after?.status).toBe('succeeded');
    expect(after?.message).toMatch(/^Saved and verified: keyblade read the registry back and it uses key cmk-images in kv-contoso \(automatic rotation\) through id-images\./);
    const save = shell.calls.find((c) => c.command === 'save_encryption');
    expect(save?.args).toMatchObject({ registryId: request.registryId, desired: request.desired, etag: '"etag-2"' });
  });

  it('shows an indeterminate bar and the step running until a step finishes, then the share done', async () => {
    let operationId = '';
    let release: (outcome: SaveOutcome) => void = () => undefined;
    const { result } = notificationsHook();
    mockShell({
      save_encryption: (args) => {
        operationId = String(args.operationId);
        return new Promise<SaveOutcome>((resolve) => {
          release = resolve;
        });
      },
    });
    const current = () => result.current.notifications[0];
    const report = async (patch: Partial<OperationProgress>) => {
      await act(async () => {
        await emit('operation-progress', progress(operationId, patch));
      });
    };

    let done: Promise<void> = Promise.resolve();
    act(() => {
      done = runSave(request, result.current);
    });
    // Nothing has run yet: how far along the save is, is unknown, not 0.
    expect(current()).toMatchObject({ status: 'inProgress', progress: null, step: null });
    await waitFor(() => {
      expect(operationId).not.toBe('');
    });

    await report({ stage: 'submitted', step: 'Turn on the identity', message: 'Turn on the identity…' });
    expect(current()).toMatchObject({ progress: null, step: 'Step 1 of 3: Turn on the identity', message: 'Turn on the identity…' });
    await report({ stage: 'running', step: 'Turn on the identity', message: 'Turn on the identity: Azure reports InProgress (checked 1 time).' });
    expect(current()).toMatchObject({ progress: null, step: 'Step 1 of 3: Turn on the identity' });

    await report({ stage: 'succeeded', step: 'Turn on the identity', message: 'Done: Turn on the identity.', completedSteps: 1 });
    expect(current()).toMatchObject({ progress: 1 / 3, step: 'Step 1 of 3: Turn on the identity' });
    await report({ stage: 'submitted', step: 'Set the encryption key', message: 'Set the encryption key…', completedSteps: 1 });
    expect(current()).toMatchObject({ progress: 1 / 3, step: 'Step 2 of 3: Set the encryption key' });

    await act(async () => {
      release({ status: 'saved', steps: cleanReport.steps, verified: true, mismatches: [], view: cmkView });
      await done;
    });
    expect(current()).toMatchObject({ status: 'succeeded', progress: null, step: null });
  });

  it.each<{ name: string; outcome: SaveOutcome; status: string; message: RegExp }>([
    {
      name: 'a registry changed elsewhere (412)',
      outcome: { status: 'changedElsewhere', message: 'Reload the Encryption blade and save again.', completedSteps: [] },
      status: 'failed',
      message: /^Nothing was changed: the registry was changed elsewhere after keyblade read it\. Reload/,
    },
    {
      name: 'a failed step',
      outcome: {
        status: 'failed',
        failedStep: cleanReport.steps[0] ?? (undefined as never),
        stepNumber: 1,
        stepCount: 1,
        completedSteps: [],
        error: { code: 'azure.operationFailed', message: 'The change did not complete.' },
        encryptionUnchanged: true,
        summary: "Step 1 of 1 failed: Encrypt registry. The registry's encryption is unchanged (keyblade read it back).",
        whatToDo: 'Fix the cause Azure gives, run preflight again and save.',
        view: null,
      },
      status: 'failed',
      message: /^Step 1 of 1 failed: .* unchanged .* The change did not complete\. Fix the cause/,
    },
    {
      name: 'a save preflight refused',
      outcome: {
        status: 'refused',
        findings: [{ severity: 'error', code: 'key.disabled', message: 'The key is disabled.', fix: null }],
      },
      status: 'failed',
      message: /^Nothing was changed: preflight found 1 error when saving\. The key is disabled\./,
    },
    {
      name: 'nothing to change',
      outcome: { status: 'unchanged', view: cmkView },
      status: 'info',
      message: /^Nothing was changed: the registry already uses this key and identity\.$/,
    },
  ])('ends the notification clearly for $name', async ({ outcome, status, message }) => {
    const { result } = notificationsHook();
    mockShell({ save_encryption: () => outcome });
    await act(async () => {
      await runSave(request, result.current);
    });
    expect(result.current.notifications[0]?.status).toBe(status);
    expect(result.current.notifications[0]?.message).toMatch(message);
  });

  it('says nothing was changed when the shell refuses before writing', async () => {
    const { result } = notificationsHook();
    mockShell({
      save_encryption: () =>
        rejectWith({ code: 'azure.unreachable', message: 'Could not reach management.azure.com.', details: null }),
    });
    await act(async () => {
      await runSave(request, result.current);
    });
    expect(result.current.notifications[0]).toMatchObject({
      status: 'failed',
      message: 'Nothing was changed: Could not reach management.azure.com.',
    });
  });
});
