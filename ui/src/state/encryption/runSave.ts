import { newOperationId, onOperationProgress, saveEncryption, toCommandError } from '../../api';
import type { DesiredChange } from '../../bindings';
import { saveErrorNotice, saveOutcomeNotice, saveProgressPatch } from '../../model/saveOutcome';
import type { NotificationsApi } from '../notifications';

export interface SaveRequest {
  registryId: string;
  registryName: string;
  desired: DesiredChange;
  /** The ETag the plan was made from: the save refuses if the registry changed since. */
  etag: string;
  /** Steps in the reviewed plan; the verification counts as one more. */
  planSteps: number;
}

/**
 * Saves, following the shell's progress events in a notification in the bell panel, and ends it with
 * the verified result or what went wrong. Resolves when the save is over, whatever its outcome.
 */
export async function runSave(request: SaveRequest, notifications: Pick<NotificationsApi, 'post' | 'update'>) {
  const operationId = newOperationId('save');
  const stepCount = request.planSteps + 1;
  const id = notifications.post({
    id: operationId,
    title: `Changing the key of ${request.registryName}`,
    message: 'Checking the plan against the registry as it is now…',
    status: 'inProgress',
    // How long the check takes is unknown: an indeterminate bar until the first step finishes.
    progress: null,
  });
  const listening = onOperationProgress(operationId, (progress) => {
    notifications.update(id, saveProgressPatch(progress, stepCount));
  });
  try {
    await listening.ready;
    const outcome = await saveEncryption(request.registryId, request.desired, request.etag, operationId);
    notifications.update(id, saveOutcomeNotice(outcome));
  } catch (rejection: unknown) {
    notifications.update(id, saveErrorNotice(toCommandError(rejection, 'save_encryption')));
  } finally {
    listening.stop();
  }
}
