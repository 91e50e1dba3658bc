import type { Selection } from '../../model/selection';
import type { SessionView } from '../../state/session';
import { SidePanel } from '../SidePanel';
import { PickerBody } from './PickerBody';

export interface ResourcePickerProps {
  open: boolean;
  onClose: () => void;
  session: SessionView;
  onRetrySession: () => void;
  /** The current selection, so the picker opens on its subscription. */
  current: Selection | null;
  onSelect: (selection: Selection) => void;
  /** Opens the Filter subscriptions dialog. */
  onFilterSubscriptions?: () => void;
  /** Changes when the subscription filter was saved. */
  filterRevision?: number;
}

/**
 * A side panel to pick a subscription and then a resource in it. The drawer unmounts its content when
 * closed, so every opening starts fresh and lists subscriptions again.
 */
export function ResourcePicker({
  open,
  onClose,
  session,
  onRetrySession,
  current,
  onSelect,
  onFilterSubscriptions,
  filterRevision,
}: ResourcePickerProps) {
  return (
    <SidePanel open={open} onClose={onClose} title="Select a resource" closeLabel="Close resource picker" size="medium">
      <PickerBody
        session={session}
        onRetrySession={onRetrySession}
        initialSubscriptionId={current?.subscription.subscriptionId ?? null}
        initialResourceId={current?.resource.id ?? null}
        onSelect={(selection) => {
          onSelect(selection);
          onClose();
        }}
        onCancel={onClose}
        onFilterSubscriptions={onFilterSubscriptions}
        filterRevision={filterRevision}
      />
    </SidePanel>
  );
}
