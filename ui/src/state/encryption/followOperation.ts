import { newOperationId, onOperationProgress, toCommandError } from '../../api';
import type { CommandError } from '../../bindings';
import type { NotificationPatch, NotificationsApi } from '../notifications';

/**
 * Runs a long operation under a notification that follows its progress events, and ends the
 * notification with `describe(result)` or the error. Returns the result, or null when it failed.
 */
export async function followOperation<T>(
  notifications: Pick<NotificationsApi, 'post' | 'update'>,
  title: string,
  run: (operationId: string) => Promise<T>,
  describe: (result: T) => NotificationPatch,
  commandName: string,
): Promise<{ ok: true; value: T } | { ok: false; error: CommandError }> {
  const operationId = newOperationId(commandName);
  const id = notifications.post({ id: operationId, title, status: 'inProgress', progress: null });
  const listening = onOperationProgress(operationId, (progress) => {
    // One command, one step: Azure reports no fraction for it, so the bar stays indeterminate.
    notifications.update(id, { message: progress.message, step: progress.step });
  });
  try {
    await listening.ready;
    const value = await run(operationId);
    notifications.update(id, describe(value));
    return { ok: true, value };
  } catch (rejection: unknown) {
    const error = toCommandError(rejection, commandName);
    notifications.update(id, { status: 'failed', message: error.message });
    return { ok: false, error };
  } finally {
    listening.stop();
  }
}
