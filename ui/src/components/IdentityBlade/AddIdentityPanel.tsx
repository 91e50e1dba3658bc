import { Button, DrawerBody, DrawerFooter, Field, MessageBar, MessageBarBody, Radio, RadioGroup, Select } from '@fluentui/react-components';
import { useState } from 'react';
import type { IdentityOption } from '../../bindings';
import { SidePanel } from '../SidePanel';
import { groupBySubscription } from './identityChanges';
import { useIdentityBladeStyles } from './useIdentityBladeStyles.styles';

const ALL = '';

export interface AddIdentityPanelProps {
  /** The resource's name, for sentences. */
  resourceName: string;
  /** The user-assigned identities not attached yet, from every subscription of the tenant. */
  available: IdentityOption[];
  /** Reviews adding the chosen identity. */
  onAdd: (identity: IdentityOption) => void;
  onClose: () => void;
}

/** The portal's "Add user assigned managed identity" panel: a subscription, then one identity of it. */
export function AddIdentityPanel({ resourceName, available, onAdd, onClose }: AddIdentityPanelProps) {
  const styles = useIdentityBladeStyles();
  const groups = groupBySubscription(available);
  const [subscription, setSubscription] = useState(ALL);
  const [chosen, setChosen] = useState<string | null>(null);
  const shown = groups.filter((group) => subscription === ALL || group.subscription === subscription);
  const picked = available.find((identity) => identity.resourceId === chosen) ?? null;
  return (
    <SidePanel open onClose={onClose} title="Add user assigned managed identity" closeLabel="Close Add user assigned managed identity" size="medium">
      <DrawerBody>
        <div className={styles.panelBody}>
          {available.length === 0 ? (
            <MessageBar intent="info">
              <MessageBarBody>
                No other user-assigned identity was found in the subscriptions you can read. Create one (Managed
                Identities, Create), then refresh.
              </MessageBarBody>
            </MessageBar>
          ) : (
            <>
              <Field label="Subscription">
                <Select
                  value={subscription}
                  onChange={(_event, data) => {
                    setSubscription(data.value);
                    setChosen(null);
                  }}
                >
                  <option value={ALL}>All subscriptions</option>
                  {groups.map((group) => (
                    <option key={group.subscription} value={group.subscription}>
                      {group.subscription}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label={`User assigned managed identities to add to ${resourceName}`}>
                <RadioGroup
                  value={chosen ?? ''}
                  onChange={(_event, data) => {
                    setChosen(data.value);
                  }}
                >
                  {shown.flatMap((group) =>
                    group.identities.map((identity) => (
                      <Radio
                        key={identity.resourceId}
                        value={identity.resourceId}
                        label={`${identity.name} (${identity.resourceGroup}, ${group.subscription})`}
                      />
                    )),
                  )}
                </RadioGroup>
              </Field>
            </>
          )}
        </div>
      </DrawerBody>
      <DrawerFooter>
        <Button
          appearance="primary"
          disabled={picked === null}
          onClick={() => {
            if (picked !== null) onAdd(picked);
          }}
        >
          Add
        </Button>
        <Button onClick={onClose}>Cancel</Button>
      </DrawerFooter>
    </SidePanel>
  );
}
