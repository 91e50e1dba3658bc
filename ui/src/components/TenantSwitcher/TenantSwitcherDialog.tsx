import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Radio,
  RadioGroup,
  Spinner,
} from '@fluentui/react-components';
import { useState } from 'react';
import { listTenants, switchTenant, toCommandError } from '../../api';
import type { AppInfo, TenantSummary } from '../../api/contract';
import type { CommandError } from '../../bindings';
import { useCommand } from '../../hooks/useCommand';
import { CommandErrorBar } from '../CommandErrorBar';
import { interactionRequiredCode, tenantName, tenantStatus } from './tenantText';
import { useTenantSwitcherStyles } from './useTenantSwitcherStyles.styles';

export interface TenantSwitcherDialogProps {
  open: boolean;
  onClose: () => void;
  /** The session now uses the chosen tenant. */
  onSwitched: (info: AppInfo) => void;
  /** Sign in to this tenant: opens the Sign in dialog (browser) with the tenant filled in. */
  onSignInToTenant: (tenantId: string) => void;
}

/** "Switch tenant": the active account's tenants, and which of them keyblade can use without asking. */
export function TenantSwitcherDialog(props: TenantSwitcherDialogProps) {
  return props.open ? <TenantSwitcher {...props} /> : null;
}

function badgeColor(tenant: TenantSummary) {
  if (tenant.current) return 'brand' as const;
  switch (tenant.access.status) {
    case 'available':
      return 'success' as const;
    case 'needsInteraction':
      return 'warning' as const;
    case 'refused':
      return 'danger' as const;
  }
}

function TenantSwitcher({ onClose, onSwitched, onSignInToTenant }: TenantSwitcherDialogProps) {
  const styles = useTenantSwitcherStyles();
  const tenants = useCommand('tenants', listTenants, 'list_tenants');
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [switching, setSwitching] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);

  const list = tenants.state.status === 'loaded' ? tenants.state.value : [];
  const chosen = list.find((t) => t.tenantId === (chosenId ?? list.find((c) => c.current)?.tenantId));
  const needsSignIn = chosen?.access.status === 'needsInteraction' || error?.code === interactionRequiredCode;

  const runSwitch = async () => {
    if (chosen === undefined) return;
    setSwitching(true);
    setError(null);
    try {
      const info = await switchTenant(chosen.tenantId);
      onSwitched(info);
    } catch (rejection: unknown) {
      setError(toCommandError(rejection, 'switch_tenant'));
    } finally {
      setSwitching(false);
    }
  };

  return (
    <Dialog
      open
      onOpenChange={(_event, data) => {
        if (!data.open && !switching) onClose();
      }}
    >
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Switch tenant</DialogTitle>
          <DialogContent className={styles.content}>
            {tenants.state.status === 'loading' && <Spinner size="tiny" label="Loading your tenants…" />}
            {tenants.state.status === 'failed' && (
              <CommandErrorBar title="Could not list your tenants" error={tenants.state.error} onRetry={tenants.reload} />
            )}
            {list.length > 0 && (
              <RadioGroup
                className={styles.list}
                aria-label="Tenants"
                value={chosen?.tenantId ?? ''}
                disabled={switching}
                onChange={(_event, data) => {
                  setChosenId(data.value);
                  setError(null);
                }}
              >
                {list.map((tenant) => (
                  <Radio
                    key={tenant.tenantId}
                    value={tenant.tenantId}
                    disabled={tenant.access.status === 'refused'}
                    label={
                      <span className={styles.label}>
                        <span className={styles.name}>
                          {tenantName(tenant)}
                          <Badge appearance="tint" color={badgeColor(tenant)}>
                            {tenantStatus(tenant)}
                          </Badge>
                        </span>
                        {tenant.defaultDomain !== null && <span className={styles.details}>{tenant.defaultDomain}</span>}
                        <span className={styles.details}>{tenant.tenantId}</span>
                        {tenant.access.status !== 'available' && (
                          <span className={styles.details}>{tenant.access.reason}</span>
                        )}
                      </span>
                    }
                  />
                ))}
              </RadioGroup>
            )}
            {switching && <Spinner size="tiny" label="Switching tenant…" />}
            {error !== null && <CommandErrorBar title="Could not switch tenant" error={error} />}
          </DialogContent>
          <DialogActions>
            {needsSignIn && chosen !== undefined ? (
              <Button
                appearance="primary"
                onClick={() => {
                  onSignInToTenant(chosen.tenantId);
                }}
              >
                Sign in to this tenant
              </Button>
            ) : (
              <Button
                appearance="primary"
                disabled={switching || chosen === undefined || chosen.current || chosen.access.status !== 'available'}
                onClick={() => {
                  void runSwitch();
                }}
              >
                Switch
              </Button>
            )}
            <Button disabled={switching} onClick={onClose}>
              Cancel
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
