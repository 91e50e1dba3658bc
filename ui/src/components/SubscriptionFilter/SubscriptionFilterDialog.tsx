import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  SearchBox,
  Spinner,
  tokens,
  typographyStyles,
} from '@fluentui/react-components';
import { useState } from 'react';
import { listSubscriptions, setSubscriptionFilter, toCommandError } from '../../api';
import type { SubscriptionSummary } from '../../api/contract';
import type { CommandError } from '../../bindings';
import { useCommand } from '../../hooks/useCommand';
import { CommandErrorBar } from '../CommandErrorBar';
import { filterToSave, matchSubscriptions } from './subscriptionFilterModel';

const useStyles = makeStyles({
  content: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  tools: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
  },
  grow: {
    flexGrow: 1,
  },
  list: {
    display: 'flex',
    flexDirection: 'column',
    maxHeight: '50vh',
    overflowY: 'auto',
    margin: 0,
    padding: 0,
    border: 'none',
  },
  count: {
    ...typographyStyles.caption1,
    color: tokens.colorNeutralForeground2,
    margin: 0,
  },
});

export interface SubscriptionFilterDialogProps {
  open: boolean;
  onClose: () => void;
  /** The filter was saved: lists of subscriptions must be read again. */
  onSaved: () => void;
}

/** "Filter subscriptions": which subscriptions the resource picker loads, remembered for the account. */
export function SubscriptionFilterDialog(props: SubscriptionFilterDialogProps) {
  return props.open ? <SubscriptionFilter {...props} /> : null;
}

function SubscriptionFilter({ onClose, onSaved }: SubscriptionFilterDialogProps) {
  const subscriptions = useCommand('subscriptions', listSubscriptions, 'list_subscriptions');
  return (
    <Dialog
      open
      onOpenChange={(_event, data) => {
        if (!data.open) onClose();
      }}
    >
      <DialogSurface>
        {subscriptions.state.status === 'loaded' ? (
          <FilterForm all={subscriptions.state.value} onClose={onClose} onSaved={onSaved} />
        ) : (
          <DialogBody>
            <DialogTitle>Filter subscriptions</DialogTitle>
            <DialogContent>
              {subscriptions.state.status === 'failed' ? (
                <CommandErrorBar
                  title="Could not load subscriptions"
                  error={subscriptions.state.error}
                  onRetry={subscriptions.reload}
                />
              ) : (
                <Spinner size="tiny" label="Loading subscriptions…" />
              )}
            </DialogContent>
            <DialogActions>
              <Button onClick={onClose}>Cancel</Button>
            </DialogActions>
          </DialogBody>
        )}
      </DialogSurface>
    </Dialog>
  );
}

function FilterForm({ all, onClose, onSaved }: { all: SubscriptionSummary[]; onClose: () => void; onSaved: () => void }) {
  const styles = useStyles();
  const [checked, setChecked] = useState(() => new Set(all.filter((s) => s.selected).map((s) => s.subscriptionId)));
  const [text, setText] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const visible = matchSubscriptions(all, text);

  const setMany = (ids: readonly string[], on: boolean) => {
    setChecked((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  };

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await setSubscriptionFilter(filterToSave(all, checked));
      onSaved();
    } catch (rejection: unknown) {
      setError(toCommandError(rejection, 'set_subscription_filter'));
      setSaving(false);
    }
  };

  return (
    <DialogBody>
      <DialogTitle>Filter subscriptions</DialogTitle>
      <DialogContent className={styles.content}>
        <p className={styles.count}>
          The resource picker lists only the checked subscriptions. {checked.size} of {all.length} checked.
        </p>
        <div className={styles.tools}>
          <SearchBox
            className={styles.grow}
            aria-label="Filter by name or ID"
            placeholder="Filter by name or ID"
            value={text}
            onChange={(_event, data) => {
              setText(data.value);
            }}
          />
          <Button
            onClick={() => {
              setMany(
                visible.map((s) => s.subscriptionId),
                true,
              );
            }}
          >
            Select all
          </Button>
          <Button
            onClick={() => {
              setMany(
                visible.map((s) => s.subscriptionId),
                false,
              );
            }}
          >
            Clear
          </Button>
        </div>
        <fieldset className={styles.list} disabled={saving} aria-label="Subscriptions">
          {visible.map((s) => (
            <Checkbox
              key={s.subscriptionId}
              label={`${s.displayName} (${s.subscriptionId})`}
              checked={checked.has(s.subscriptionId)}
              onChange={(_event, data) => {
                setMany([s.subscriptionId], data.checked === true);
              }}
            />
          ))}
          {visible.length === 0 && <p className={styles.count}>No subscription matches the filter.</p>}
        </fieldset>
        {saving && <Spinner size="tiny" label="Saving the filter…" />}
        {error !== null && <CommandErrorBar title="Could not save the filter" error={error} />}
      </DialogContent>
      <DialogActions>
        <Button
          appearance="primary"
          disabled={saving || checked.size === 0}
          onClick={() => {
            void save();
          }}
        >
          Save
        </Button>
        <Button disabled={saving} onClick={onClose}>
          Cancel
        </Button>
      </DialogActions>
    </DialogBody>
  );
}
