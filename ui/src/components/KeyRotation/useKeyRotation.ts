import { useEffect, useState } from 'react';
import { toCommandError } from '../../api';
import { readRotation } from '../../api/commands';
import type { CommandError, RotationView } from '../../bindings';

export type RotationState =
  | { status: 'loading' }
  | { status: 'failed'; error: CommandError }
  | { status: 'loaded'; rotation: RotationView };

/**
 * The rotation of the resource's key (read_rotation), read again whenever `reloadKey` changes (the blade passes
 * the time it read the encryption, so Refresh and a finished change read it again) or `retry` is called.
 */
export function useKeyRotation(resourceId: string, reloadKey: string): { state: RotationState; retry: () => void } {
  const [round, setRound] = useState(0);
  const request = `${resourceId}\n${reloadKey}\n${String(round)}`;
  const [answer, setAnswer] = useState<{ request: string; state: RotationState } | null>(null);
  useEffect(() => {
    let current = true;
    readRotation(resourceId).then(
      (rotation) => {
        if (current) setAnswer({ request, state: { status: 'loaded', rotation } });
      },
      (rejection: unknown) => {
        if (current) setAnswer({ request, state: { status: 'failed', error: toCommandError(rejection, 'read_rotation') } });
      },
    );
    return () => {
      current = false;
    };
  }, [resourceId, request]);
  // Until the answer for this request arrives, the last one stays on screen only if it was for the same resource.
  const state: RotationState =
    answer?.request === request
      ? answer.state
      : answer !== null && answer.state.status === 'loaded' && answer.state.rotation.resourceId === resourceId
        ? answer.state
        : { status: 'loading' };
  return {
    state,
    retry: () => {
      setRound((r) => r + 1);
    },
  };
}
