import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Spinner,
} from '@fluentui/react-components';
import { useState, type ReactNode, type SyntheticEvent } from 'react';
import { toCommandError } from '../../api';
import type { CommandError } from '../../bindings';
import { CommandErrorBar } from '../CommandErrorBar';
import { useFormDialogStyles } from './useFormDialogStyles.styles';

export interface FormDialogProps {
  title: ReactNode;
  /** The primary button, e.g. "Create". */
  submitLabel: string;
  /** What the spinner says while `submit` runs, e.g. "Creating the key…". */
  busyLabel: string;
  /** The error bar's title when `submit` rejects, e.g. "Could not create the key". */
  errorTitle: string;
  /** The command `submit` runs, named in the error when it rejects with something unexpected. */
  commandName: string;
  /** False while the form is incomplete or invalid: the submit button stays disabled. */
  canSubmit: boolean;
  /** Runs the command; a rejection is shown in the dialog, which stays open so the user can fix and retry. */
  submit: () => Promise<void>;
  /**
   * Another command of the dialog runs (e.g. Recover it): what its spinner says. Like `submit` running,
   * it disables every field and button and keeps the dialog open. Null or absent when none runs.
   */
  pending?: string | null;
  onClose: () => void;
  children: ReactNode;
}

/**
 * A modal form that runs one command: the fields, a spinner while it runs (when nothing can be changed
 * or cancelled), and the command's error. The caller mounts it to open it and closes it on success.
 */
export function FormDialog({
  title,
  submitLabel,
  busyLabel,
  errorTitle,
  commandName,
  canSubmit,
  submit,
  pending = null,
  onClose,
  children,
}: FormDialogProps) {
  const styles = useFormDialogStyles();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const busy = submitting || pending !== null;

  const run = async (event: SyntheticEvent) => {
    event.preventDefault();
    // Enter in a field submits the form even while the button is disabled.
    if (busy || !canSubmit) return;
    setSubmitting(true);
    setError(null);
    try {
      await submit();
    } catch (rejection: unknown) {
      setError(toCommandError(rejection, commandName));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Dialog
      open
      onOpenChange={(_event, data) => {
        // The command cannot be called back once sent: the dialog stays until it answers.
        if (!data.open && !busy) onClose();
      }}
    >
      <DialogSurface>
        <form
          onSubmit={(event) => {
            void run(event);
          }}
        >
          <DialogBody>
            <DialogTitle>{title}</DialogTitle>
            <DialogContent className={styles.content}>
              {/* A fieldset disables every field at once while the command runs. */}
              <fieldset className={styles.fields} disabled={busy}>
                {children}
              </fieldset>
              {busy && <Spinner size="tiny" label={submitting ? busyLabel : pending} />}
              {error !== null && <CommandErrorBar title={errorTitle} error={error} />}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy || !canSubmit}>
                {submitLabel}
              </Button>
              <Button disabled={busy} onClick={onClose}>
                Cancel
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
