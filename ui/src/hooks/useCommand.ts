import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CommandError } from '../bindings';
import { toCommandError } from '../api';

/** The state of one back-end request as the UI shows it. */
export type Loadable<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'loaded'; value: T }
  | { status: 'failed'; error: CommandError };

interface Settled<T> {
  key: string;
  attempt: number;
  outcome: { status: 'loaded'; value: T } | { status: 'failed'; error: CommandError };
}

/**
 * Runs `run` whenever `key` changes (null means "nothing to ask yet") and on `reload()`.
 *
 * The result is stored with the key and attempt it answers, and the returned state is derived from that,
 * so a slow answer to an old key can never be shown for a new one, and "loading" needs no extra render.
 */
export function useCommand<T>(
  key: string | null,
  run: () => Promise<T>,
  commandName: string,
): { state: Loadable<T>; reload: () => void } {
  const [attempt, setAttempt] = useState(0);
  const [settled, setSettled] = useState<Settled<T> | null>(null);
  const runRef = useRef(run);

  useEffect(() => {
    runRef.current = run;
  });

  useEffect(() => {
    if (key === null) {
      return;
    }
    let current = true;
    runRef.current().then(
      (value) => {
        if (current) setSettled({ key, attempt, outcome: { status: 'loaded', value } });
      },
      (rejection: unknown) => {
        if (current) {
          setSettled({ key, attempt, outcome: { status: 'failed', error: toCommandError(rejection, commandName) } });
        }
      },
    );
    return () => {
      current = false;
    };
  }, [key, attempt, commandName]);

  const reload = useCallback(() => {
    setAttempt((n) => n + 1);
  }, []);

  const state = useMemo((): Loadable<T> => {
    if (key === null) return { status: 'idle' };
    if (settled?.key === key && settled.attempt === attempt) return settled.outcome;
    return { status: 'loading' };
  }, [key, attempt, settled]);
  return { state, reload };
}
