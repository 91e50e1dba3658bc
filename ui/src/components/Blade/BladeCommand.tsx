import { Tooltip, ToolbarButton } from '@fluentui/react-components';
import type { ReactElement } from 'react';
import { useLandmarkMountNode } from '../../hooks/useLandmarkMountNode';

export interface BladeCommandProps {
  icon: ReactElement;
  label: string;
  onClick?: (() => void) | undefined;
  /**
   * Why the command cannot run now. When set, the button stays focusable (so keyboard users reach the
   * tooltip) but does nothing.
   */
  disabledReason?: string | null | undefined;
}

export function BladeCommand({ icon, label, onClick, disabledReason }: BladeCommandProps) {
  // The reason is read inside the blade's main region, not at the end of the page.
  const [tooltipMount, tooltipTrigger] = useLandmarkMountNode();
  if (disabledReason !== undefined && disabledReason !== null) {
    return (
      <Tooltip content={disabledReason} relationship="description" withArrow mountNode={tooltipMount}>
        <ToolbarButton ref={tooltipTrigger} icon={icon} disabledFocusable>
          {label}
        </ToolbarButton>
      </Tooltip>
    );
  }
  return (
    <ToolbarButton icon={icon} onClick={onClick}>
      {label}
    </ToolbarButton>
  );
}
