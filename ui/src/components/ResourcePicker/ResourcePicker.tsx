import { Button, DrawerHeader, DrawerHeaderTitle, OverlayDrawer } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useId } from 'react';
import type { Selection } from '../../model/selection';
import type { SessionView } from '../../state/session';
import { PickerBody } from './PickerBody';

export interface ResourcePickerProps {
  open: boolean;
  onClose: () => void;
  session: SessionView;
  onRetrySession: () => void;
  /** The current selection, so the picker opens on its subscription. */
  current: Selection | null;
  onSelect: (selection: Selection) => void;
}

/**
 * A side panel to pick a subscription and then a resource in it. The drawer unmounts its content when
 * closed, so every opening starts fresh and lists subscriptions again.
 */
export function ResourcePicker({ open, onClose, session, onRetrySession, current, onSelect }: ResourcePickerProps) {
  const titleId = useId();
  return (
    <OverlayDrawer
      position="end"
      size="medium"
      open={open}
      onOpenChange={(_event, data) => {
        if (!data.open) onClose();
      }}
      aria-labelledby={titleId}
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          heading={{ id: titleId }}
          action={
            <Button appearance="subtle" aria-label="Close resource picker" icon={<DismissRegular />} onClick={onClose} />
          }
        >
          Select a resource
        </DrawerHeaderTitle>
      </DrawerHeader>
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
      />
    </OverlayDrawer>
  );
}
