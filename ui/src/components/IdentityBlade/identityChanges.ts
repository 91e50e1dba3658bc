import { useState } from 'react';
import type { IdentityAction, IdentityOption, IdentityOptions } from '../../bindings';

/** A change under review: the lifecycle action and the review's Run button. */
export interface IdentityReviewRequest {
  change: IdentityAction;
  /** The Run button's label, the portal's verb for the change. */
  verb: string;
}

/** The review for Status On or Off of the system-assigned identity. */
export function statusChange(on: boolean): IdentityReviewRequest {
  return on
    ? { change: { type: 'turnOnSystemAssigned' }, verb: 'Turn on' }
    : { change: { type: 'turnOffSystemAssigned' }, verb: 'Turn off' };
}

/** The review for adding the user-assigned identity `identity`. */
export function addChange(identity: IdentityOption): IdentityReviewRequest {
  return { change: { type: 'addUserAssigned', resourceId: identity.resourceId }, verb: 'Add' };
}

/** The review for removing the attached user-assigned identity `identity`. */
export function removeChange(identity: IdentityOption): IdentityReviewRequest {
  return { change: { type: 'removeUserAssigned', resourceId: identity.resourceId }, verb: 'Remove' };
}

/** The identities that can be added, grouped by subscription (by name, then ID), each group sorted by name. */
export function groupBySubscription(available: IdentityOption[]): { subscription: string; identities: IdentityOption[] }[] {
  const groups = new Map<string, IdentityOption[]>();
  for (const identity of available) {
    const key = identity.subscriptionName ?? identity.subscriptionId;
    groups.set(key, [...(groups.get(key) ?? []), identity]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([subscription, identities]) => ({
      subscription,
      identities: [...identities].sort((a, b) => a.name.localeCompare(b.name)),
    }));
}

export interface IdentityChangesState {
  /** The Status the user picked for the system-assigned identity; Save reviews it. */
  status: 'on' | 'off';
  setStatus: (status: 'on' | 'off') => void;
  /** Whether the picked Status differs from the resource's. */
  statusChanged: boolean;
  /** Puts the Status back as the resource has it. */
  discard: () => void;
  /** Opens the review of the Status change. */
  save: () => void;
  /** The change under review, or null. */
  review: IdentityReviewRequest | null;
  openReview: (request: IdentityReviewRequest) => void;
  /** The review's change ran (whatever its outcome): the blade reads the identities again when it closes. */
  reviewRan: () => void;
  /** Closes the review; reads the identities again if its change ran. */
  closeReview: () => void;
  /** Whether the Add user-assigned identity panel is open. */
  adding: boolean;
  setAdding: (open: boolean) => void;
}

/**
 * The Identity blade's state: the Status toggle with Save and Discard, the change under review, and the Add
 * panel. Every change goes through the lifecycle review (plan, findings, `az` equivalent, run, read back).
 */
export function useIdentityChanges(options: IdentityOptions, onChanged: () => void): IdentityChangesState {
  const current = options.systemAssignedEnabled ? 'on' : 'off';
  // The draft is kept against the state it was picked for: a reload that changes the resource resets it.
  const [draft, setDraft] = useState<{ from: 'on' | 'off'; status: 'on' | 'off' } | null>(null);
  const [review, setReview] = useState<IdentityReviewRequest | null>(null);
  const [adding, setAdding] = useState(false);
  // Reading the identities again replaces the blade's content: it waits until the review, which shows the
  // outcome as read back, is closed.
  const [ran, setRan] = useState(false);
  const status = draft !== null && draft.from === current ? draft.status : current;
  return {
    status,
    setStatus: (next) => {
      setDraft({ from: current, status: next });
    },
    statusChanged: status !== current,
    discard: () => {
      setDraft(null);
    },
    save: () => {
      if (status !== current) setReview(statusChange(status === 'on'));
    },
    review,
    openReview: (request) => {
      setAdding(false);
      setReview(request);
    },
    reviewRan: () => {
      setRan(true);
    },
    closeReview: () => {
      setReview(null);
      if (ran) {
        setRan(false);
        onChanged();
      }
    },
    adding,
    setAdding,
  };
}
