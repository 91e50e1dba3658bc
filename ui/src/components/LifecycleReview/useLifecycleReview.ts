import { useCallback, useEffect, useRef, useState } from 'react';
import { cancelSave, newOperationId, onOperationProgress, toCommandError } from '../../api';
import { planLifecycle, runLifecycle } from '../../api/commands';
import type { CommandError, LifecycleAction, LifecycleOutcome, LifecyclePlanView } from '../../bindings';
import { confirmationGiven, confirmationSatisfied } from './lifecycleReview';

export type PlanState =
  | { status: 'planning' }
  | { status: 'failed'; error: CommandError }
  | { status: 'ready'; plan: LifecyclePlanView };

export type RunState =
  | { status: 'idle' }
  | { status: 'running'; operationId: string; step: string | null; message: string | null; cancelRequested: boolean }
  | { status: 'done'; outcome: LifecycleOutcome }
  | { status: 'failed'; error: CommandError };

export interface LifecycleReviewState {
  plan: PlanState;
  run: RunState;
  typed: string;
  setTyped: (value: string) => void;
  acknowledged: boolean;
  setAcknowledged: (value: boolean) => void;
  /** Whether the Run button may be pressed now. */
  canRun: boolean;
  /** Plans again (after a failure, or to see the state as it is now). */
  replan: () => void;
  /** Runs the reviewed action; `onDone` gets its outcome. */
  start: () => void;
  /** Asks the shell to stop waiting; the outcome is still what the read-back shows. */
  cancel: () => void;
}

/**
 * The state of a lifecycle review: plans `action` when mounted, then runs it once confirmed, following
 * its progress, and keeps the outcome the shell read back. Rendering is in LifecycleReview.
 */
export function useLifecycleReview(
  resourceId: string,
  action: LifecycleAction,
  onDone: (outcome: LifecycleOutcome) => void,
  /** The history entry this run undoes (History's Undo), recorded with the run. */
  undoOf: string | null = null,
): LifecycleReviewState {
  const [planned, setPlanned] = useState<{ request: string; state: PlanState } | null>(null);
  const [run, setRun] = useState<RunState>({ status: 'idle' });
  const [typed, setTyped] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const [planRound, setPlanRound] = useState(0);
  // The parent may build the action afresh on each render: plan again only when its content changes.
  const actionKey = JSON.stringify(action);
  const request = `${resourceId}\n${actionKey}\n${String(planRound)}`;
  // A plan answered for an earlier request is not this one's: until the new answer, it is planning.
  const plan: PlanState = planned?.request === request ? planned.state : { status: 'planning' };
  const onDoneRef = useRef(onDone);
  useEffect(() => {
    onDoneRef.current = onDone;
  });

  useEffect(() => {
    let current = true;
    planLifecycle(resourceId, JSON.parse(actionKey) as LifecycleAction).then(
      (view) => {
        if (current) setPlanned({ request, state: { status: 'ready', plan: view } });
      },
      (rejection: unknown) => {
        if (current) {
          setPlanned({ request, state: { status: 'failed', error: toCommandError(rejection, 'plan_lifecycle') } });
        }
      },
    );
    return () => {
      current = false;
    };
  }, [resourceId, actionKey, request]);

  const ready = plan.status === 'ready' ? plan.plan : null;
  const canRun =
    ready !== null &&
    ready.canRun &&
    run.status !== 'running' &&
    run.status !== 'done' &&
    confirmationSatisfied(ready.confirmation, typed, acknowledged);

  const start = useCallback(() => {
    if (!canRun) return;
    const operationId = newOperationId('lifecycle');
    setRun({ status: 'running', operationId, step: null, message: null, cancelRequested: false });
    const listening = onOperationProgress(operationId, (progress) => {
      setRun((previous) =>
        previous.status === 'running' && previous.operationId === operationId
          ? { ...previous, step: progress.step, message: progress.message }
          : previous,
      );
    });
    void (async () => {
      try {
        await listening.ready;
        const outcome = await runLifecycle(
          resourceId,
          ready.action,
          confirmationGiven(ready.confirmation, typed, acknowledged),
          operationId,
          undoOf,
        );
        setRun({ status: 'done', outcome });
        onDoneRef.current(outcome);
      } catch (rejection: unknown) {
        setRun({ status: 'failed', error: toCommandError(rejection, 'run_lifecycle') });
      } finally {
        listening.stop();
      }
    })();
  }, [acknowledged, canRun, ready, resourceId, typed, undoOf]);

  const cancel = useCallback(() => {
    if (run.status !== 'running') return;
    setRun({ ...run, cancelRequested: true });
    void cancelSave(run.operationId).catch(() => undefined);
  }, [run]);

  const replan = useCallback(() => {
    setRun({ status: 'idle' });
    setPlanRound((round) => round + 1);
  }, []);

  return { plan, run, typed, setTyped, acknowledged, setAcknowledged, canRun, replan, start, cancel };
}
