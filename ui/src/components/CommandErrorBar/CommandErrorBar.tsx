import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
} from '@fluentui/react-components';
import type { CommandError } from '../../bindings';
import { useCommandErrorBarStyles } from './useCommandErrorBarStyles.styles';

export interface CommandErrorBarProps {
  /** What the user was trying to do that failed, e.g. "Could not load subscriptions". */
  title: string;
  /** The shell's error; its message says why and what to do next. */
  error: CommandError;
  onRetry?: (() => void) | undefined;
}

export function CommandErrorBar({ title, error, onRetry }: CommandErrorBarProps) {
  const styles = useCommandErrorBarStyles();
  return (
    <MessageBar intent="error" layout="multiline" politeness="assertive">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {error.message}
        <span className={styles.details}>
          Error code: {error.code}
          {error.details !== null && error.details !== '' && `\n${error.details}`}
        </span>
      </MessageBarBody>
      {onRetry !== undefined && (
        <MessageBarActions>
          <Button onClick={onRetry}>Retry</Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}
