import { Button, DrawerBody, DrawerFooter, MessageBar, MessageBarBody, Radio, RadioGroup } from '@fluentui/react-components';
import { useId } from 'react';
import type { LifecycleOutcome } from '../../bindings';
import { LifecycleReview } from '../LifecycleReview';
import { SidePanel } from '../SidePanel';
import type { RevokeOption } from './revokeOptions';
import { useRevokePanel } from './useRevokePanel';
import { useRevokePanelStyles } from './useRevokePanelStyles.styles';

export interface RevokePanelProps {
  /** The resource whose access to its key is revoked (its ARM ID). */
  resourceId: string;
  /** Its name, for the panel's sentences. */
  resourceName: string;
  onClose: () => void;
  /** A revoke ran: what the shell read back (the parent reads the blade again). */
  onDone: (outcome: LifecycleOutcome) => void;
}

/**
 * Revoke access: choose how (remove the access policy, remove the role assignment, disable the key, delete the key;
 * the ways that do not apply are greyed out with the reason), then the review of that way, which asks for the
 * resource's name and runs it.
 */
export function RevokePanel({ resourceId, resourceName, onClose, onDone }: RevokePanelProps) {
  const state = useRevokePanel(resourceId);
  const styles = useRevokePanelStyles();
  const legendId = useId();

  if (state.reviewing && state.selected !== null) {
    return (
      <LifecycleReview
        resourceId={resourceId}
        action={{ action: 'revoke', way: state.selected }}
        verb="Revoke access"
        onClose={onClose}
        onDone={onDone}
      />
    );
  }

  const checking = state.options.some((o) => o.status === 'checking');
  const none = !checking && state.selected === null;
  return (
    <SidePanel open onClose={onClose} title="Revoke access" closeLabel="Close Revoke access" size="medium">
      <DrawerBody>
        <div className={styles.body}>
          <p className={styles.text}>
            Revoking access blocks access to all of {resourceName}&apos;s data until access is restored. Choose how;
            the next page shows exactly what changes and asks you to confirm.
          </p>
          <fieldset className={styles.fieldset}>
            <legend id={legendId} className={styles.legend}>
              How to revoke
            </legend>
            <RadioGroup
              aria-labelledby={legendId}
              value={state.selected ?? ''}
              onChange={(_event, data) => {
                const option = state.options.find((o) => o.way === data.value);
                if (option !== undefined) state.choose(option.way);
              }}
            >
              {state.options.map((option) => (
                <WayChoice key={option.way} option={option} />
              ))}
            </RadioGroup>
          </fieldset>
          {none && (
            <MessageBar intent="warning" layout="multiline">
              <MessageBarBody>
                No way to revoke applies to {resourceName} now; each way says why. Restore access shows whether its
                data is reachable at all.
              </MessageBarBody>
            </MessageBar>
          )}
        </div>
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={state.selected === null} onClick={state.review}>
          Review
        </Button>
        <Button onClick={onClose}>Cancel</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

function WayChoice({ option }: { option: RevokeOption }) {
  const styles = useRevokePanelStyles();
  const hintId = useId();
  const hint =
    option.status === 'checking'
      ? 'Checking whether it applies…'
      : option.status === 'unavailable'
        ? option.reason
        : option.note;
  return (
    <>
      <Radio
        value={option.way}
        label={option.label}
        disabled={option.status !== 'available'}
        aria-describedby={hint === null ? undefined : hintId}
      />
      {hint !== null && (
        <p id={hintId} className={styles.hint}>
          {hint}
        </p>
      )}
    </>
  );
}
