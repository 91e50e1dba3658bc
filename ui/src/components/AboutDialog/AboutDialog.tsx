import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle } from '@fluentui/react-components';
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
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
