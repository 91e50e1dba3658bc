import { Button, DrawerHeader, DrawerHeaderTitle, OverlayDrawer } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useId, type ReactNode } from 'react';

export interface SidePanelProps {
  open: boolean;
  onClose: () => void;
  /** The panel's heading, and its accessible name. */
  title: string;
  /** The close button's accessible name, e.g. "Close notifications". */
  closeLabel: string;
  size: 'small' | 'medium';
  /** The body (DrawerBody, and a DrawerFooter if the panel has one); unmounted while closed. */
  children: ReactNode;
}

/** The portal's side panel: slides in from the end, titled, closed by its button, Escape or a click outside. */
export function SidePanel({ open, onClose, title, closeLabel, size, children }: SidePanelProps) {
  const titleId = useId();
  return (
    <OverlayDrawer
      position="end"
      size={size}
      open={open}
      onOpenChange={(_event, data) => {
        if (!data.open) onClose();
      }}
      aria-labelledby={titleId}
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          heading={{ id: titleId }}
          action={<Button appearance="subtle" aria-label={closeLabel} icon={<DismissRegular />} onClick={onClose} />}
        >
          {title}
        </DrawerHeaderTitle>
      </DrawerHeader>
      {children}
    </OverlayDrawer>
  );
}
