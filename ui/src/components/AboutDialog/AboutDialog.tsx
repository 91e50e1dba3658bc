import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle } from '@fluentui/react-components';
import { useState } from 'react';
import { diagnostics, toCommandError } from '../../api';
import type { AppInfo } from '../../api/contract';
import { FactList } from '../FactList';
import { aboutFacts } from './aboutFacts';

export interface AboutDialogProps {
  open: boolean;
  onClose: () => void;
  /** `null` while the back end has not answered: the dialog says so rather than guessing. */
  appInfo: AppInfo | null;
}

/** "About keyblade": the version, the cloud in use, the proxy Azure requests go through, and where files are kept. */
export function AboutDialog({ open, onClose, appInfo }: AboutDialogProps) {
  const [copyStatus, setCopyStatus] = useState<string | null>(null);
  const copyDiagnostics = async () => {
    try {
      const text = await diagnostics();
      await navigator.clipboard.writeText(text);
      setCopyStatus('Copied: version, cloud, proxy, session and the log’s last lines (no secrets).');
    } catch (rejection) {
      setCopyStatus(`Could not copy the diagnostics: ${toCommandError(rejection, 'diagnostics').message}`);
    }
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(_event, data) => {
        if (!data.open) onClose();
      }}
    >
      <DialogSurface>
        <DialogBody>
          <DialogTitle>About keyblade</DialogTitle>
          <DialogContent>
            <FactList facts={aboutFacts(appInfo)} />
            <p role="status">{copyStatus}</p>
          </DialogContent>
          <DialogActions>
            <Button
              onClick={() => {
                void copyDiagnostics();
              }}
            >
              Copy diagnostics
            </Button>
            <Button appearance="primary" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
