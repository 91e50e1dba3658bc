import { useState } from 'react';
import { listHistory } from '../../api/commands';
import type { HistoryEntry } from '../../bindings';
import { useCommand, type Loadable } from '../../hooks/useCommand';

export interface HistoryState {
  /** The entries shown, newest first. */
  entries: Loadable<HistoryEntry[]>;
  /** Every resource's entries, or only the selected resource's. */
  showAll: boolean;
  setShowAll: (all: boolean) => void;
  /** Whether "only this resource" is possible (a resource is selected). */
  canScope: boolean;
  reload: () => void;
  /** The entry whose details are open. */
  selected: HistoryEntry | null;
  select: (entry: HistoryEntry | null) => void;
}

/**
 * The History blade's list: the selected resource's entries (or every resource's), read again on `reload` and
 * whenever the scope changes. The open entry is kept by value, so a reload behind its details does not close them.
 */
export function useHistory(resourceId: string | null, startWithAll: boolean): HistoryState {
  const [showAllChoice, setShowAll] = useState(startWithAll);
  const showAll = showAllChoice || resourceId === null;
  const scope = showAll ? null : resourceId;
  const list = useCommand(`history:${scope ?? '*'}`, () => listHistory(scope), 'list_history');
  const [selected, select] = useState<HistoryEntry | null>(null);
  return {
    entries: list.state,
    showAll,
    setShowAll,
    canScope: resourceId !== null,
    reload: list.reload,
    selected,
    select,
  };
}
