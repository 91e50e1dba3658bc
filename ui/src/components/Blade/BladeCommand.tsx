import { Tooltip, ToolbarButton } from '@fluentui/react-components';
import type { ReactElement } from 'react';

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
  if (disabledReason !== undefined && disabledReason !== null) {
    return (
      <Tooltip content={disabledReason} relationship="description" withArrow>
        <ToolbarButton icon={icon} disabledFocusable>
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
