import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { AppNotification } from '../../state/notifications';
import { useChangeKeyPanelStyles } from './useChangeKeyPanelStyles.styles';

export interface RunningSaveBarProps {
  /** The notification of the save still running (or watched) on this registry. */
  save: AppNotification;
  onCancel: (id: string) => void;
}

/** Change key while a save of the same registry runs: what it does now, and Cancel save. */
export function RunningSaveBar({ save, onCancel }: RunningSaveBarProps) {
  const styles = useChangeKeyPanelStyles();
  const { cancel } = save;
  return (
    <MessageBar intent="info" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>A save of this resource has not finished</MessageBarTitle>
        {save.step !== null && <span className={styles.barLine}>{save.step}</span>}
        {save.message !== '' && <span className={styles.barLine}>{save.message}</span>}
        {cancel?.requested === true && (
          <span className={styles.barLine}>Cancelling: keyblade stops waiting and reports what it reads back.</span>
        )}
      </MessageBarBody>
      {cancel !== null && (
        <MessageBarActions>
          <Button
            aria-label={cancel.label}
            disabled={cancel.requested}
            onClick={() => {
              onCancel(save.id);
            }}
          >
            Cancel
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}
