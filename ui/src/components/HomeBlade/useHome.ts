import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  cancelHomeHealth,
  checkHomeHealth,
  listHome,
  newOperationId,
  onHomeHealthProgress,
  onHomeListingProgress,
  toCommandError,
} from '../../api';
import type { CommandError, HomeHealth, HomeListing, ListingProgress } from '../../bindings';
import type { HomeEntry } from './homeTable';

/** How many resources one health check asks for: the visible rows go first in each batch. */
export const healthBatchSize = 40;

export type HomeListingState =
  | { status: 'idle' }
  | { status: 'loading'; progress: ListingProgress | null }
  | { status: 'loaded'; listing: HomeListing }
  | { status: 'failed'; error: CommandError };

export interface HealthRun {
  /** Customer-managed keys checked so far (of this listing). */
  checked: number;
  /** Customer-managed keys to check. */
  total: number;
  running: boolean;
  /** The user stopped the check. */
  cancelled: boolean;
}

export interface HomeState {
  listing: HomeListingState;
  entries: HomeEntry[];
  run: HealthRun;
  /** Why a health check failed as a whole (one resource's trouble is in its row). */
  healthError: CommandError | null;
  /** Lists again and checks every key again, ignoring what was cached. */
  refresh: () => void;
  /** Stops checking; rows checked so far keep their health. */
  cancel: () => void;
  /** Checks the rest after a cancel or a failure. */
  resume: () => void;
  /** The rows on screen, checked before the others. */
  setVisible: (ids: readonly string[]) => void;
}

/** A value that belongs to one listing (`key`); anything stored for an older listing reads as absent. */
interface Keyed<T> {
  key: string;
  value: T;
}

function forKey<T>(keyed: Keyed<T> | null, key: string | null): T | undefined {
  return keyed !== null && keyed.key === key ? keyed.value : undefined;
}

const noHealth: ReadonlyMap<string, HomeHealth> = new Map();

/**
 * Home's data: the listing (one Resource Graph query, `list_home`) and the health of each customer-managed
 * key, checked in batches with the rows on screen first. `sessionKey` is null until signed in; a new key lists
 * again.
 */
export function useHome(sessionKey: string | null): HomeState {
  const [generation, setGeneration] = useState(0);
  const listingKey = sessionKey === null ? null : `${sessionKey}#${String(generation)}`;
  const [settled, setSettled] = useState<Keyed<HomeListingState> | null>(null);
  const [listingProgress, setListingProgress] = useState<Keyed<ListingProgress> | null>(null);
  const [healthByKey, setHealthByKey] = useState<Keyed<ReadonlyMap<string, HomeHealth>> | null>(null);
  const [runState, setRunState] = useState<Keyed<{ running: boolean; inBatch: number }> | null>(null);
  const [cancelledFor, setCancelledFor] = useState<Keyed<boolean> | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [healthError, setHealthError] = useState<Keyed<CommandError> | null>(null);
  const visible = useRef<readonly string[]>([]);
  const operation = useRef<string | null>(null);
  const fresh = useRef(false);

  const health = forKey(healthByKey, listingKey) ?? noHealth;
  const healthRef = useRef(health);
  useEffect(() => {
    healthRef.current = health;
  }, [health]);
  const cancelled = forKey(cancelledFor, listingKey) ?? false;

  useEffect(() => {
    if (listingKey === null) return;
    let current = true;
    const progress = onHomeListingProgress((p) => {
      if (current) setListingProgress({ key: listingKey, value: p });
    });
    const isFresh = fresh.current;
    fresh.current = false;
    void progress.ready
      .then(() => listHome(isFresh))
      .then(
        (value) => {
          if (current) setSettled({ key: listingKey, value: { status: 'loaded', listing: value } });
        },
        (rejection: unknown) => {
          if (current) {
            setSettled({ key: listingKey, value: { status: 'failed', error: toCommandError(rejection, 'list_home') } });
          }
        },
      )
      .finally(() => {
        progress.stop();
      });
    return () => {
      current = false;
      progress.stop();
    };
  }, [listingKey]);

  const listing = useMemo<HomeListingState>(
    () =>
      listingKey === null
        ? { status: 'idle' }
        : (forKey(settled, listingKey) ?? { status: 'loading', progress: forKey(listingProgress, listingKey) ?? null }),
    [listingKey, settled, listingProgress],
  );
  const rows = useMemo(() => (listing.status === 'loaded' ? listing.listing.rows : []), [listing]);
  const toCheck = useMemo(() => rows.filter((r) => r.keySource === 'customerManaged').map((r) => r.id), [rows]);

  // Checks health in batches until every customer-managed key is checked, the user cancels, or the listing
  // changes.
  useEffect(() => {
    if (listingKey === null || toCheck.length === 0 || cancelled) return;
    const state = { current: true };
    const done = new Set<string>();
    const progress = onHomeHealthProgress((p) => {
      if (state.current) setRunState({ key: listingKey, value: { running: true, inBatch: p.checked } });
    });
    const pending = (id: string) => !done.has(id) && !healthRef.current.has(id);
    const next = (): string[] => {
      const wanted = new Set(toCheck);
      const first = visible.current.filter((id) => wanted.has(id) && pending(id));
      const firstSet = new Set(first);
      const rest = toCheck.filter((id) => pending(id) && !firstSet.has(id));
      return [...first, ...rest].slice(0, healthBatchSize);
    };
    const loop = async () => {
      await progress.ready;
      for (let batch = next(); state.current && batch.length > 0; batch = next()) {
        const id = newOperationId('home-health');
        operation.current = id;
        setRunState({ key: listingKey, value: { running: true, inBatch: 0 } });
        const checked = await checkHomeHealth(batch, false, id);
        for (const requested of batch) done.add(requested);
        // The effect may have been cleaned up while the check ran (TypeScript cannot see that).
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        if (!state.current) return;
        setHealthByKey((before) => {
          const after = new Map(forKey(before, listingKey) ?? noHealth);
          for (const h of checked) after.set(h.id, h);
          healthRef.current = after;
          return { key: listingKey, value: after };
        });
      }
    };
    loop()
      .catch((rejection: unknown) => {
        if (state.current) setHealthError({ key: listingKey, value: toCommandError(rejection, 'check_home_health') });
      })
      .finally(() => {
        operation.current = null;
        progress.stop();
        if (state.current) setRunState({ key: listingKey, value: { running: false, inBatch: 0 } });
      });
    return () => {
      state.current = false;
      progress.stop();
      if (operation.current !== null) void cancelHomeHealth(operation.current).catch(() => undefined);
    };
  }, [listingKey, toCheck, cancelled, attempt]);

  const refresh = useCallback(() => {
    fresh.current = true;
    setGeneration((g) => g + 1);
  }, []);
  const cancel = useCallback(() => {
    if (listingKey === null) return;
    if (operation.current !== null) void cancelHomeHealth(operation.current).catch(() => undefined);
    setCancelledFor({ key: listingKey, value: true });
  }, [listingKey]);
  const resume = useCallback(() => {
    if (listingKey === null) return;
    setHealthError(null);
    setCancelledFor({ key: listingKey, value: false });
    setAttempt((a) => a + 1);
  }, [listingKey]);
  const setVisible = useCallback((ids: readonly string[]) => {
    visible.current = ids;
  }, []);

  const entries = useMemo(() => rows.map((row) => ({ row, health: health.get(row.id) })), [rows, health]);
  const run = forKey(runState, listingKey) ?? { running: false, inBatch: 0 };
  const checked = toCheck.filter((id) => health.has(id)).length;
  return {
    listing,
    entries,
    run: {
      checked: Math.min(toCheck.length, checked + (run.running ? run.inBatch : 0)),
      total: toCheck.length,
      running: run.running && !cancelled,
      cancelled,
    },
    healthError: forKey(healthError, listingKey) ?? null,
    refresh,
    cancel,
    resume,
    setVisible,
  };
}
