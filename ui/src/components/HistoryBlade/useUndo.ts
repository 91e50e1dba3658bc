import { useCallback, useRef, useState } from 'react';
import { grantAccess, listHistory, planUndo, preflight } from '../../api/commands';
import { toCommandError } from '../../api';
import type { CommandError, GrantOutcome, HistoryEntry, PreflightReport, UndoReview } from '../../bindings';
import { runSave } from '../../state/encryption/runSave';
import type { NotificationsApi } from '../../state/notifications';

/** Where an undo stands, from planning its inverse to the entry that records how it ended. */
export type UndoState =
  | { status: 'planning'; entry: HistoryEntry }
  | { status: 'planFailed'; entry: HistoryEntry; error: CommandError }
  | { status: 'review'; entry: HistoryEntry; review: UndoReview }
  /** A key change back, saving (followed in its notification, where Cancel save is). */
  | { status: 'running'; entry: HistoryEntry; review: UndoReview }
  /** `recorded` is the history's entry of the undo (what the read-back showed); null if it was not recorded. */
  | { status: 'done'; entry: HistoryEntry; recorded: HistoryEntry | null };

export interface UndoApi {
  state: UndoState | null;
  /** Plans the undo of `entry` and shows its review. */
  start: (entry: HistoryEntry) => void;
  /** Plans it again (after a grant, or a failed plan). */
  replan: () => void;
  close: () => void;
  /** Change key: preflight again with "Grant access when saving" on or off. */
  setGrantAtSave: (on: boolean) => void;
  grantAtSave: boolean;
  grant: () => Promise<GrantOutcome | CommandError>;
  /** Saves the reviewed key change back; the history records it as the undo of the entry. */
  run: () => void;
  /** A lifecycle undo ran (in LifecycleReview, which plans, confirms and runs it); its record shows on close. */
  lifecycleDone: () => void;
}

/**
 * The Undo flow: plan the inverse of an entry (`plan_undo`: Change key's preflight, a lifecycle plan, or why it
 * cannot be undone), review it, run it with the ordinary `save_encryption` (followed in a notification, as every
 * save; a lifecycle action runs in LifecycleReview with `run_lifecycle`), then show the entry the history recorded
 * for it: what keyblade read back. `onRecorded` hears when the history changed.
 */
export function useUndo(notifications: Pick<NotificationsApi, 'post' | 'update'>, onRecorded: () => void): UndoApi {
  const [state, setState] = useState<UndoState | null>(null);
  const [grantAtSave, setGrantAtSaveState] = useState(false);
  // Answers for an undo the user has closed or replaced must not reopen it.
  const current = useRef(0);
  const lifecycleRan = useRef(false);

  const plan = useCallback((entry: HistoryEntry) => {
    const attempt = ++current.current;
    setState({ status: 'planning', entry });
    planUndo(entry.id).then(
      (review) => {
        if (attempt === current.current) setState({ status: 'review', entry, review });
      },
      (rejection: unknown) => {
        if (attempt === current.current) {
          setState({ status: 'planFailed', entry, error: toCommandError(rejection, 'plan_undo') });
        }
      },
    );
  }, []);

  const start = useCallback(
    (entry: HistoryEntry) => {
      setGrantAtSaveState(false);
      lifecycleRan.current = false;
      plan(entry);
    },
    [plan],
  );

  const replan = () => {
    if (state !== null) plan(state.entry);
  };

  const close = () => {
    // A lifecycle undo that ran shows its record once its review closes (the review showed the outcome).
    if (lifecycleRan.current && state?.status === 'review' && state.review.type === 'lifecycle') {
      lifecycleRan.current = false;
      void finish(state.entry, state.review.resource.id, ++current.current);
      return;
    }
    current.current++;
    setState(null);
  };

  const setGrantAtSave = (on: boolean) => {
    setGrantAtSaveState(on);
    if (state?.status !== 'review' || state.review.type !== 'changeKey') return;
    const { entry, review } = state;
    const attempt = ++current.current;
    const desired = { ...review.desired, grantAccess: on };
    preflight(review.resource.id, desired).then(
      (report: PreflightReport) => {
        if (attempt === current.current) setState({ status: 'review', entry, review: { ...review, desired, report } });
      },
      (rejection: unknown) => {
        if (attempt === current.current) {
          setState({ status: 'planFailed', entry, error: toCommandError(rejection, 'preflight') });
        }
      },
    );
  };

  const grant = async (): Promise<GrantOutcome | CommandError> => {
    if (state?.status !== 'review' || state.review.type !== 'changeKey') {
      return { code: 'ui.incomplete', message: 'There is no key change to grant access for.', details: null };
    }
    try {
      return await grantAccess(state.review.resource.id, state.review.desired);
    } catch (rejection: unknown) {
      return toCommandError(rejection, 'grant_access');
    }
  };

  const finish = async (entry: HistoryEntry, resourceId: string, attempt: number) => {
    onRecorded();
    let recorded: HistoryEntry | null = null;
    try {
      const entries = await listHistory(resourceId);
      recorded = entries.find((candidate) => candidate.undoOf === entry.id) ?? null;
    } catch {
      // The undo ran; only its record could not be read. The notification and the blade still say how it ended.
    }
    if (attempt === current.current) setState({ status: 'done', entry, recorded });
  };

  const run = () => {
    if (state?.status !== 'review' || state.review.type !== 'changeKey') return;
    const { entry, review } = state;
    const attempt = ++current.current;
    setState({ status: 'running', entry, review });
    // runSave ends every save in its notification, whatever happened; it does not reject.
    void runSave(
      {
        registryId: review.resource.id,
        registryName: review.resource.name,
        desired: review.desired,
        etag: review.report.etag ?? '',
        planSteps: review.report.steps.length,
        undoOf: entry.id,
      },
      notifications,
    ).then(() => finish(entry, review.resource.id, attempt));
  };

  const lifecycleDone = () => {
    lifecycleRan.current = true;
    onRecorded();
  };

  return {
    state,
    start,
    replan,
    close,
    setGrantAtSave,
    grantAtSave,
    grant,
    run,
    lifecycleDone,
  };
}
