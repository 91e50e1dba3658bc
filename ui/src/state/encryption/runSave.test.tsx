import { emit } from '@tauri-apps/api/event';
import { act, renderHook, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { NotificationsPanel } from '../../components/NotificationsPanel';
import type { OperationProgress, SaveOutcome, SaveSettled } from '../../bindings';
import { cleanReport, cmkView, setKeyStep } from '../../test/encryption';
import { mockShell, rejectWith } from '../../test/ipc';
import { renderInFluent } from '../../test/render';
import { NotificationsProvider, useNotifications, type AppNotification, type NotificationsApi } from '../notifications';
import { runSave, type SaveRequest } from './runSave';

const request: SaveRequest = {
  registryId: cmkView.registryId,
  registryName: cmkView.registryName,
  desired: { keySource: 'customerManaged', keyUri: cleanReport.keyUri, identity: { type: 'systemAssigned' }, grantAccess: false },
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
        const applied: SaveOutcome = { status: 'applied', steps: cleanReport.steps, view: cmkView, note: null };
        return applied;
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
    expect(after?.message).toMatch(/^Saved and verified: keyblade read it back and it uses key cmk-images in kv-contoso \(automatic rotation\) through id-images\./);
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
      release({ status: 'applied', steps: cleanReport.steps, view: cmkView, note: null });
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
        mismatches: [],
        summary: "Step 1 of 1 failed: Encrypt registry. The registry's encryption is unchanged (keyblade read it back).",
        whatToDo: 'Fix the cause Azure gives, run preflight again and save.',
        view: null,
      },
      status: 'failed',
      message: /^Nothing was changed: Step 1 of 1 failed: .* unchanged .* The change did not complete\. Fix the cause/,
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

  it('ends at once, as a warning, an unfinished save that nobody watches (it was cancelled)', async () => {
    const { result } = notificationsHook();
    mockShell({ save_encryption: () => ({ ...unfinished, watching: false }) });
    await act(async () => {
      await runSave(request, result.current);
    });
    expect(result.current.notifications[0]).toMatchObject({ status: 'warning' });
    expect(result.current.notifications[0]?.message).toMatch(/^Not finished: /);
    expect(result.current.notifications[0]?.cancel ?? null).toBeNull();
  });

  it('keeps an unfinished save in progress, then ends the same notification when it settles', async () => {
    let operationId = '';
    const { result } = notificationsHook();
    const shell = mockShell({
      save_encryption: (args) => {
        operationId = String(args.operationId);
        return unfinished;
      },
    });
    const onOutcome = vi.fn();
    let done: Promise<void> = Promise.resolve();
    act(() => {
      done = runSave(request, result.current, { onOutcome });
    });
    await waitFor(() => {
      expect(result.current.notifications[0]?.message).toMatch(/^Not finished yet: /);
    });
    expect(result.current.notifications).toHaveLength(1);
    expect(result.current.notifications[0]).toMatchObject({
      id: operationId,
      status: 'inProgress',
      message: `Not finished yet: ${unfinished.reason} This notification updates when the save ends.`,
      cancel: { label: 'Cancel save', requested: false },
    });
    // The blade reads the registry as it is now.
    expect(onOutcome).toHaveBeenCalledTimes(1);

    // Another save's end is not this one's.
    await act(async () => {
      await emit('save-settled', { operationId: 'save-other', outcome: { Ok: applied } } satisfies SaveSettled);
    });
    expect(result.current.notifications[0]?.status).toBe('inProgress');

    await act(async () => {
      await emit('save-settled', { operationId, outcome: { Ok: applied } } satisfies SaveSettled);
      await done;
    });
    expect(result.current.notifications).toHaveLength(1);
    expect(result.current.notifications[0]).toMatchObject({
      id: operationId,
      status: 'succeeded',
      message: expect.stringMatching(/^Saved and verified: keyblade read it back and it uses key cmk-images/) as unknown,
      cancel: null,
    });
    expect(onOutcome).toHaveBeenCalledTimes(2);
    expect(shell.calls.map((c) => c.command)).toEqual(['save_encryption']);

    // Done listening: a late event changes nothing.
    await act(async () => {
      await emit('save-settled', { operationId, outcome: { Ok: failedOutcome } } satisfies SaveSettled);
    });
    expect(result.current.notifications[0]?.status).toBe('succeeded');
  });

  it('does not miss a save that settles before its answer arrives', async () => {
    const { result } = notificationsHook();
    mockShell({
      save_encryption: async (args) => {
        await emit('save-settled', {
          operationId: String(args.operationId),
          outcome: { Err: { code: 'azure.unreachable', message: 'Could not reach management.azure.com.', details: null } },
        } satisfies SaveSettled);
        return unfinished;
      },
    });
    await act(async () => {
      await runSave(request, result.current);
    });
    expect(result.current.notifications[0]).toMatchObject({
      status: 'warning',
      message: expect.stringMatching(/^keyblade could not tell how the save ended: Could not reach management\.azure\.com\./) as unknown,
    });
  });

  it('cancels a running save and then its watch from the notification, with the operation id, until it ends', async () => {
    let operationId = '';
    let answer: (outcome: SaveOutcome) => void = () => undefined;
    const shell = mockShell({
      save_encryption: (args) => {
        operationId = String(args.operationId);
        return new Promise<SaveOutcome>((resolve) => {
          answer = resolve;
        });
      },
      // The shell stops the save from waiting, and it answers with what it read back: still unfinished.
      // Asked again, it stops the background watch, which settles with what it last read.
      cancel_save: () => {
        answer(unfinished);
        return true;
      },
    });
    const { user, api } = renderBell();
    let done: Promise<void> = Promise.resolve();
    act(() => {
      done = runSave(request, api());
    });
    const bell = screen.getByRole('dialog', { name: 'Notifications' });
    const cancelButton = () => within(bell).queryByRole('button', { name: 'Cancel save' });

    await user.click(await within(bell).findByRole('button', { name: 'Cancel save' }));
    await waitFor(() => {
      expect(within(bell).getByRole('listitem')).toHaveTextContent('Not finished yet: ');
    });
    expect(shell.calls.filter((c) => c.command === 'cancel_save').map((c) => c.args)).toEqual([{ operationId }]);

    // The shell watches the unfinished save now: Cancel save is offered again, and stops that watch.
    const again = cancelButton();
    expect(again).toBeEnabled();
    await user.click(again ?? bell);
    expect(shell.calls.filter((c) => c.command === 'cancel_save').map((c) => c.args)).toEqual([{ operationId }, { operationId }]);
    await waitFor(() => {
      expect(cancelButton()).toBeDisabled();
    });
    expect(within(bell).getByRole('listitem')).toHaveTextContent('Cancelling: keyblade stops waiting');

    await act(async () => {
      await emit('save-settled', { operationId, outcome: { Ok: unfinished } } satisfies SaveSettled);
      await done;
    });
    expect(api().notifications[0]).toMatchObject({ status: 'warning', cancel: null });
    expect(cancelButton()).toBeNull();
    expect(within(bell).getByRole('listitem')).toHaveTextContent('Not finished when keyblade stopped watching');
    expect(within(bell).getByRole('button', { name: /^Dismiss notification: / })).toBeInTheDocument();
  });

  it('offers Cancel again when the shell says nothing was running', async () => {
    const { result } = notificationsHook();
    let answer: (outcome: SaveOutcome) => void = () => undefined;
    let operationId = '';
    mockShell({
      save_encryption: (args) => {
        operationId = String(args.operationId);
        return new Promise<SaveOutcome>((resolve) => {
          answer = resolve;
        });
      },
      cancel_save: () => false,
    });
    let done: Promise<void> = Promise.resolve();
    act(() => {
      done = runSave(request, result.current);
    });
    await waitFor(() => {
      expect(operationId).not.toBe('');
    });
    act(() => {
      result.current.cancel(operationId);
    });
    await waitFor(() => {
      expect(result.current.notifications[0]?.cancel).toMatchObject({ requested: false });
    });
    await act(async () => {
      answer(applied);
      await done;
    });
    expect(result.current.notifications[0]).toMatchObject({ status: 'succeeded', cancel: null });
  });
});

/** The bell's panel on the notifications store, as the app wires it; `api()` is the store now. */
function renderBell() {
  let current: NotificationsApi | null = null;
  function Bell() {
    const api = useNotifications();
    current = api;
    return (
      <NotificationsPanel
        open
        notifications={api.notifications}
        onClose={vi.fn()}
        onDismiss={api.dismiss}
        onDismissFinished={api.dismissFinished}
        onCancel={api.cancel}
      />
    );
  }
  const rendered = renderInFluent(
    <NotificationsProvider>
      <Bell />
    </NotificationsProvider>,
  );
  const api = (): NotificationsApi => {
    if (current === null) throw new Error('the bell has not rendered');
    return current;
  };
  return { ...rendered, api };
}

const applied: SaveOutcome = { status: 'applied', steps: cleanReport.steps, view: cmkView, note: null };

const unfinished: Extract<SaveOutcome, { status: 'inProgress' }> = {
  status: 'inProgress',
  completedSteps: [],
  reason:
    'Step 1 of 1 (Encrypt registry contosoimages with key cmk-images) has not finished: the save was cancelled. Azure reports the registry as Updating; keyblade keeps watching and will say how it ends.',
  provisioningState: 'Updating',
  watch: {
    registryId: request.registryId,
    desired: request.desired,
    beforeKey: null,
    beforeIdentity: null,
    step: setKeyStep,
    stepNumber: 1,
    stepCount: 1,
  },
  watching: true,
};

const failedOutcome: SaveOutcome = {
  status: 'failed',
  failedStep: setKeyStep,
  stepNumber: 1,
  stepCount: 1,
  completedSteps: [],
  error: { code: 'azure.operationFailed', message: 'The change did not complete.' },
  encryptionUnchanged: true,
  mismatches: [],
  summary: 'Step 1 of 1 failed.',
  whatToDo: 'Save again.',
  view: null,
};
