import {
  Button,
  DrawerBody,
  DrawerFooter,
  Field,
  Link,
  Radio,
  RadioGroup,
  SearchBox,
  Select,
  Spinner,
} from '@fluentui/react-components';
import { CloudOffRegular, CubeRegular, KeyMultipleRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { ResourceKind, ResourceSummary, SubscriptionSummary } from '../../bindings';
import { listResources, listSubscriptions } from '../../api';
import { useCommand, type Loadable } from '../../hooks/useCommand';
import { filterResources, isResourceKind, resourceKindNames, resourceKinds } from '../../model/resources';
import type { Selection } from '../../model/selection';
import { signedOutSentence, type SessionView } from '../../state/session';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { showingText } from '../SubscriptionFilter/subscriptionFilterModel';
import { useResourcePickerStyles } from './useResourcePickerStyles.styles';

interface PickerBodyProps {
  session: SessionView;
  onRetrySession: () => void;
  initialSubscriptionId: string | null;
  initialResourceId: string | null;
  onSelect: (selection: Selection) => void;
  onCancel: () => void;
  /** Opens the Filter subscriptions dialog. */
  onFilterSubscriptions?: (() => void) | undefined;
  /** Changes when the subscription filter was saved: the subscriptions are read again. */
  filterRevision?: number | undefined;
}

export function PickerBody(props: PickerBodyProps) {
  const { session, onRetrySession, onCancel } = props;
  let body;
  switch (session.kind) {
    case 'loading':
      body = <Spinner label="Checking your Azure session…" />;
      break;
    case 'connecting':
      body = <Spinner label={session.message} />;
      break;
    case 'unavailable':
      body = (
        <CommandErrorBar title="Could not read keyblade's status" error={session.error} onRetry={onRetrySession} />
      );
      break;
    case 'signedOut':
      body = (
        <EmptyState
          icon={<CloudOffRegular />}
          title="No subscriptions to show"
          description={signedOutSentence(session.reason)}
        />
      );
      break;
    case 'signedIn':
      return <SignedInPicker {...props} />;
  }
  return (
    <>
      <DrawerBody>{body}</DrawerBody>
      <DrawerFooter>
        <Button onClick={onCancel}>Cancel</Button>
      </DrawerFooter>
    </>
  );
}

const allKinds = 'all';

function SignedInPicker({ initialSubscriptionId, initialResourceId, onSelect, onCancel, onFilterSubscriptions, filterRevision = 0 }: PickerBodyProps) {
  const styles = useResourcePickerStyles();
  const subscriptions = useCommand(`subscriptions:${String(filterRevision)}`, listSubscriptions, 'list_subscriptions');
  const [chosenSubscriptionId, setChosenSubscriptionId] = useState(initialSubscriptionId);
  const [kind, setKind] = useState<ResourceKind | null>(null);
  const [nameFilter, setNameFilter] = useState('');
  const [chosenResourceId, setChosenResourceId] = useState(initialResourceId);

  const allSubscriptions = subscriptions.state.status === 'loaded' ? subscriptions.state.value : [];
  // Only the subscriptions in the account's filter (every one, until the user sets a filter).
  const subscriptionList = allSubscriptions.filter((s) => (s as { selected?: boolean }).selected !== false);
  // With a single subscription there is nothing to choose: take it, as the portal does.
  const onlySubscription = subscriptionList.length === 1 ? subscriptionList[0] : undefined;
  const subscription: SubscriptionSummary | undefined =
    subscriptionList.find((s) => s.subscriptionId === chosenSubscriptionId) ?? onlySubscription;
  const subscriptionId = subscription?.subscriptionId ?? null;

  const resources = useCommand(
    subscriptionId === null ? null : `resources:${subscriptionId}`,
    () => listResources(subscriptionId ?? ''),
    'list_resources',
  );
  const visible =
    resources.state.status === 'loaded' ? filterResources(resources.state.value, kind, nameFilter) : [];
  const chosen: ResourceSummary | undefined = visible.find((r) => r.id === chosenResourceId);

  return (
    <>
      <DrawerBody>
        <div className={styles.form}>
          {subscriptions.state.status === 'loading' && <Spinner label="Loading subscriptions…" />}
          {subscriptions.state.status === 'failed' && (
            <CommandErrorBar
              title="Could not load subscriptions"
              error={subscriptions.state.error}
              onRetry={subscriptions.reload}
            />
          )}
          {subscriptions.state.status === 'loaded' && subscriptionList.length === 0 && (
            <EmptyState
              icon={<KeyMultipleRegular />}
              title="No subscriptions"
              description="The signed-in account cannot see any subscription. Ask an owner of a subscription to give you a role on it, then open this panel again."
            />
          )}
          {allSubscriptions.length > 0 && (
            <p className={styles.showing}>
              {showingText(subscriptionList.length, allSubscriptions.length)}
              {onFilterSubscriptions !== undefined && (
                <>
                  {' · '}
                  <Link as="button" onClick={onFilterSubscriptions}>
                    Filter subscriptions
                  </Link>
                </>
              )}
            </p>
          )}
          {subscriptionList.length > 0 && (
            <Field label="Subscription" required>
              <Select
                value={subscriptionId ?? ''}
                onChange={(_event, data) => {
                  setChosenSubscriptionId(data.value === '' ? null : data.value);
                  setChosenResourceId(null);
                }}
              >
                {/* Always rendered, so the options never shift under the selection: WebKitGTK
                    compares a choice with the index of the last one it reported and swallows the
                    change event when they match (picking the subscription that moved into the
                    first pick's place did nothing). */}
                <option value="" disabled={subscription !== undefined}>
                  Select a subscription
                </option>
                {subscriptionList.map((s) => (
                  <option key={s.subscriptionId} value={s.subscriptionId}>
                    {s.displayName}
                  </option>
                ))}
              </Select>
            </Field>
          )}
          {subscription !== undefined && (
            <>
              <div className={styles.filters}>
                <Field label="Resource type">
                  <Select
                    value={kind ?? allKinds}
                    onChange={(_event, data) => {
                      setKind(isResourceKind(data.value) ? data.value : null);
                    }}
                  >
                    <option value={allKinds}>All resource types</option>
                    {resourceKinds.map((k) => (
                      <option key={k} value={k}>
                        {resourceKindNames[k].plural}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Filter by name">
                  <SearchBox
                    value={nameFilter}
                    onChange={(_event, data) => {
                      setNameFilter(data.value);
                    }}
                  />
                </Field>
              </div>
              <ResourceList
                state={resources.state}
                onRetry={resources.reload}
                visible={visible}
                chosenId={chosen?.id ?? null}
                onChoose={setChosenResourceId}
                kind={kind}
                filtered={nameFilter.trim() !== ''}
              />
            </>
          )}
        </div>
      </DrawerBody>
      <DrawerFooter>
        <Button
          appearance="primary"
          disabled={subscription === undefined || chosen === undefined}
          onClick={() => {
            if (subscription !== undefined && chosen !== undefined) {
              onSelect({ subscription, resource: chosen });
            }
          }}
        >
          Select
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </DrawerFooter>
    </>
  );
}

function ResourceList({
  state,
  onRetry,
  visible,
  chosenId,
  onChoose,
  kind,
  filtered,
}: {
  state: Loadable<ResourceSummary[]>;
  onRetry: () => void;
  visible: ResourceSummary[];
  chosenId: string | null;
  onChoose: (id: string) => void;
  kind: ResourceKind | null;
  filtered: boolean;
}) {
  const styles = useResourcePickerStyles();
  switch (state.status) {
    case 'idle':
    case 'loading':
      return <Spinner label="Loading resources…" />;
    case 'failed':
      return <CommandErrorBar title="Could not load resources" error={state.error} onRetry={onRetry} />;
    case 'loaded':
      break;
  }
  if (visible.length === 0) {
    const what = kind === null ? 'supported resources' : resourceKindNames[kind].pluralInSentence;
    return (
      <EmptyState
        icon={<CubeRegular />}
        title={filtered ? `No ${what} match the filter` : `No ${what} in this subscription`}
        description={
          filtered
            ? 'Change or clear the name filter.'
            : 'keyblade lists container registries, Azure AI services accounts and storage accounts.'
        }
      />
    );
  }
  return (
    <Field label="Resource" required>
      <RadioGroup
        value={chosenId ?? ''}
        onChange={(_event, data) => {
          onChoose(data.value);
        }}
      >
        {visible.map((r) => (
          <Radio
            key={r.id}
            value={r.id}
            label={
              <span className={styles.radioLabel}>
                <span className={styles.radioName}>{r.name}</span>
                <span className={styles.radioMeta}>
                  {resourceKindNames[r.kind].singular} · {r.resourceGroup} · {r.location}
                </span>
              </span>
            }
          />
        ))}
      </RadioGroup>
    </Field>
  );
}
