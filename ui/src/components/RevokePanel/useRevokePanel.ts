import { useCallback, useEffect, useState } from 'react';
import { toCommandError } from '../../api';
import { planLifecycle } from '../../api/commands';
import type { RevokeWay } from '../../bindings';
import { firstAvailable, optionFromPlan, revokeWays, type RevokeOption } from './revokeOptions';

export interface RevokePanelState {
  /** One per way, in order; each checked by planning it (nothing is written). */
  options: RevokeOption[];
  /** The way chosen; the first available one until the user chooses. */
  selected: RevokeWay | null;
  choose: (way: RevokeWay) => void;
  /** Whether the chosen way is shown in the review. */
  reviewing: boolean;
  review: () => void;
  back: () => void;
  /** Checks every way again. */
  recheck: () => void;
}

/**
 * The state of Revoke access: plans each of the four ways for the resource (so the panel can grey out those that do
 * not apply, with the reason), keeps the user's choice, and whether the review is open. Rendering is in RevokePanel.
 */
export function useRevokePanel(resourceId: string): RevokePanelState {
  const [round, setRound] = useState(0);
  const [checked, setChecked] = useState<{ key: string; options: RevokeOption[] } | null>(null);
  const [chosen, setChosen] = useState<RevokeWay | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const key = `${resourceId}\n${String(round)}`;

  useEffect(() => {
    let current = true;
    const settled: RevokeOption[] = revokeWays.map(({ way, label }) => ({ way, label, status: 'checking' }));
    revokeWays.forEach(({ way, label }, index) => {
      planLifecycle(resourceId, { action: 'revoke', way }).then(
        (plan) => {
          settled[index] = optionFromPlan(way, label, plan);
        },
        (rejection: unknown) => {
          settled[index] = {
            way,
            label,
            status: 'unavailable',
            reason: `keyblade could not check this way: ${toCommandError(rejection, 'plan_lifecycle').message}`,
          };
        },
      ).finally(() => {
        if (current) setChecked({ key, options: [...settled] });
      });
    });
    return () => {
      current = false;
    };
  }, [resourceId, key]);

  const options: RevokeOption[] =
    checked?.key === key ? checked.options : revokeWays.map(({ way, label }) => ({ way, label, status: 'checking' }));
  const chosenAvailable = options.some((o) => o.way === chosen && o.status === 'available');
  const selected = chosenAvailable ? chosen : firstAvailable(options);

  const choose = useCallback((way: RevokeWay) => {
    setChosen(way);
  }, []);
  const review = useCallback(() => {
    if (selected !== null) setReviewing(true);
  }, [selected]);
  const back = useCallback(() => {
    setReviewing(false);
  }, []);
  const recheck = useCallback(() => {
    setReviewing(false);
    setRound((r) => r + 1);
  }, []);

  return { options, selected, choose, reviewing, review, back, recheck };
}
