import { useCallback, useEffect, useState } from 'react';
import { toCommandError } from '../../api';
import { diagnoseAccess } from '../../api/commands';
import type { CommandError, LifecycleOutcome, RestoreDiagnosis, RestoreFix } from '../../bindings';

export type DiagnosisState =
  | { status: 'checking' }
  | { status: 'failed'; error: CommandError }
  | { status: 'ready'; diagnosis: RestoreDiagnosis };

export interface RestorePanelState {
  diagnosis: DiagnosisState;
  /** The fix being reviewed, if any. */
  fix: RestoreFix | null;
  choose: (fix: RestoreFix) => void;
  back: () => void;
  /** Diagnoses again (after a fix ran, or to see the resource as it is now). */
  recheck: () => void;
  /** A fix ran: back to the diagnosis, checked again, so it says whether the data is accessible now. */
  finished: (outcome: LifecycleOutcome) => void;
  /** The last fix's outcome, shown above the new diagnosis. */
  lastOutcome: LifecycleOutcome | null;
}

/**
 * The state of Restore access: diagnoses why the resource cannot reach its key, keeps the fix chosen for review,
 * and diagnoses again after it ran. Rendering is in RestorePanel.
 */
export function useRestorePanel(resourceId: string): RestorePanelState {
  const [round, setRound] = useState(0);
  const [answer, setAnswer] = useState<{ key: string; state: DiagnosisState } | null>(null);
  const [fix, setFix] = useState<RestoreFix | null>(null);
  const [lastOutcome, setLastOutcome] = useState<LifecycleOutcome | null>(null);
  const key = `${resourceId}\n${String(round)}`;

  useEffect(() => {
    let current = true;
    diagnoseAccess(resourceId).then(
      (diagnosis) => {
        if (current) setAnswer({ key, state: { status: 'ready', diagnosis } });
      },
      (rejection: unknown) => {
        if (current) setAnswer({ key, state: { status: 'failed', error: toCommandError(rejection, 'diagnose_access') } });
      },
    );
    return () => {
      current = false;
    };
  }, [resourceId, key]);

  const diagnosis: DiagnosisState = answer?.key === key ? answer.state : { status: 'checking' };
  const choose = useCallback((chosen: RestoreFix) => {
    setFix(chosen);
  }, []);
  const back = useCallback(() => {
    setFix(null);
  }, []);
  const recheck = useCallback(() => {
    setRound((r) => r + 1);
  }, []);
  const finished = useCallback((outcome: LifecycleOutcome) => {
    setLastOutcome(outcome);
  }, []);
  return { diagnosis, fix, choose, back, recheck, finished, lastOutcome };
}
