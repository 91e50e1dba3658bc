import { cancelSave, newOperationId, onOperationProgress, onSaveSettled, saveEncryption, toCommandError } from '../../api';
import type { DesiredChange, SaveOutcome, SaveSettled } from '../../bindings';
import { saveErrorNotice, saveOutcomeNotice, saveProgressPatch, saveSettledNotice } from '../../model/saveOutcome';
import type { NotificationCancelDraft, NotificationsApi } from '../notifications';

export interface SaveRequest {
  registryId: string;
  registryName: string;
  desired: DesiredChange;
  /** The ETag the plan was made from: the save refuses if the registry changed since. */
  etag: string;
  /** Steps in the reviewed plan; the verification counts as one more. */
  planSteps: number;
  /** The history entry this save undoes (History's Undo). */
  undoOf?: string | undefined;
}

export interface SaveHooks {
  /**
   * Called each time the save has an answer keyblade read back (when `save_encryption` answers, and again
   * when a save that answered `inProgress` settles, or fails to): the blade reads the registry again.
   */
  onOutcome?: () => void;
}

/** The accessible name of the Cancel button on a save's notification (and in Change key). */
export const cancelSaveLabel = 'Cancel save';

/**
 * Saves, following the shell's progress events in a notification in the bell panel, and ends it with
 * what keyblade read back or what went wrong. A save that answers `inProgress` stays in progress while the
 * shell watches it, until its `save-settled` event. The notification's Cancel asks the shell to stop
 * waiting (`cancel_save`); the save still ends with what the read-back shows. Resolves when the save is
 * over, whatever its outcome.
 */
export async function runSave(
  request: SaveRequest,
  notifications: Pick<NotificationsApi, 'post' | 'update'>,
  hooks: SaveHooks = {},
): Promise<void> {
  const operationId = newOperationId('save');
  const stepCount = request.planSteps + 1;
  const cancel: NotificationCancelDraft = { label: cancelSaveLabel, request: () => cancelSave(operationId) };
  const id = notifications.post({
    id: operationId,
    title: `Changing the key of ${request.registryName}`,
    message: 'Checking the plan against the registry as it is now…',
    status: 'inProgress',
    // How long the check takes is unknown: an indeterminate bar until the first step finishes.
    progress: null,
    subject: request.registryId,
    cancel,
  });
  const listening = onOperationProgress(operationId, (progress) => {
    notifications.update(id, saveProgressPatch(progress, stepCount));
  });
  // Listen for the end of an unfinished save before the save starts: the shell may settle it at once
  // (a cancelled watch), even before `save_encryption`'s answer reaches the window.
  let settle: (settled: SaveSettled) => void = () => undefined;
  const settled = new Promise<SaveSettled>((resolve) => {
    settle = resolve;
  });
  const settling = onSaveSettled(operationId, (event) => {
    settle(event);
  });
  try {
    await Promise.all([listening.ready, settling.ready]);
    let outcome: SaveOutcome;
    try {
      outcome = await saveEncryption(request.registryId, request.desired, request.etag, operationId, request.undoOf ?? null);
    } catch (rejection: unknown) {
      notifications.update(id, saveErrorNotice(toCommandError(rejection, 'save_encryption')));
      hooks.onOutcome?.();
      return;
    }
    if (outcome.status !== 'inProgress' || !outcome.watching) {
      notifications.update(id, saveOutcomeNotice(outcome));
      hooks.onOutcome?.();
      return;
    }
    // The shell now watches the registry in the background, under the same operation id: a fresh Cancel
    // stops that watch (a Cancel asked during the save has been answered by this outcome).
    listening.stop();
    notifications.update(id, { ...saveOutcomeNotice(outcome), cancel });
    hooks.onOutcome?.();
    notifications.update(id, saveSettledNotice(await settled));
    hooks.onOutcome?.();
  } finally {
    listening.stop();
    settling.stop();
  }
}
