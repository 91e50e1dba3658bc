import {
  Badge,
  Button,
  DrawerBody,
  DrawerFooter,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowUndoRegular, HistoryRegular } from '@fluentui/react-icons';
import { useId } from 'react';
import type { HistoryEntry, ResourceKind } from '../../bindings';
import { bladeTitles } from '../../model/blades';
import { resourceKindNames } from '../../model/resources';
import { useNotifications } from '../../state/notifications';
import { Blade, BladeCommand } from '../Blade';
import { ReviewSection } from '../ChangeKeyPanel/ReviewSection';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { FactList, type Fact } from '../FactList';
import { LifecycleReview } from '../LifecycleReview';
import { SidePanel } from '../SidePanel';
import {
  entryAction,
  entrySettledTime,
  entryTime,
  outcomeColors,
  outcomeLabels,
  settingsFacts,
  stepCommands,
  stepStatusLabels,
} from './historyText';
import { useHistory } from './useHistory';
import { useHistoryBladeStyles } from './useHistoryBladeStyles.styles';
import { useUndo, type UndoApi } from './useUndo';

export interface HistoryBladeProps {
  /** The selected resource; null lists every resource's changes. */
  resource: { id: string; name: string; kind: ResourceKind } | null;
  /** Start with every resource's changes (History from the header) rather than the selected one's. */
  showAllAtStart?: boolean;
  /** An undo changed a resource: the blades showing it read it again. */
  onChanged?: () => void;
}

/**
 * History: every change keyblade made (the selected resource's, or all), each with its details (before → after, the
 * calls with their `az` equivalents, the outcome as read back) and Undo, which plans the inverse change and shows it
 * for review before anything runs.
 */
export function HistoryBlade({ resource, showAllAtStart = false, onChanged }: HistoryBladeProps) {
  const styles = useHistoryBladeStyles();
  const history = useHistory(resource?.id ?? null, showAllAtStart);
  const notifications = useNotifications();
  const undo = useUndo(notifications, () => {
    history.reload();
    onChanged?.();
  });
  const scoped = !history.showAll && resource !== null;

  const undoState = undo.state;
  const lifecycleUndo =
    undoState?.status === 'review' && undoState.review.type === 'lifecycle' ? undoState.review : null;
  const panelOpen = (history.selected !== null || undoState !== null) && lifecycleUndo === null;

  return (
    <Blade
      bladeTitle={bladeTitles.history}
      resourceName={scoped ? resource.name : undefined}
      resourceType={scoped ? resourceKindNames[resource.kind].singular : undefined}
      commands={<BladeCommand icon={<ArrowClockwiseRegular />} label="Refresh" onClick={history.reload} />}
    >
      <div className={styles.stack}>
        <Switch
          checked={history.showAll}
          disabled={!history.canScope}
          label={history.canScope ? 'Show every resource' : 'Every resource (no resource is selected)'}
          onChange={(_event, data) => {
            history.setShowAll(data.checked);
          }}
        />
        <HistoryTable entries={history.entries} onOpen={history.select} onRetry={history.reload} />
      </div>
      <SidePanel
        open={panelOpen}
        onClose={() => {
          undo.close();
          history.select(null);
        }}
        title={undoState === null ? 'Change details' : 'Undo change'}
        closeLabel="Close change details"
        size="medium"
      >
        {undoState === null && history.selected !== null && (
          <EntryPanel
            entry={history.selected}
            onUndo={() => {
              if (history.selected !== null) undo.start(history.selected);
            }}
            onClose={() => {
              history.select(null);
            }}
          />
        )}
        {undoState !== null && (
          <UndoPanel
            undo={undo}
            onFinished={() => {
              undo.close();
              history.select(null);
            }}
          />
        )}
      </SidePanel>
      {lifecycleUndo !== null && (
        <LifecycleReview
          resourceId={lifecycleUndo.resource.id}
          action={lifecycleUndo.plan.action}
          verb="Undo"
          undoOf={lifecycleUndo.entryId}
          onClose={undo.close}
          onDone={undo.lifecycleDone}
        />
      )}
    </Blade>
  );
}

function HistoryTable({
  entries,
  onOpen,
  onRetry,
}: {
  entries: ReturnType<typeof useHistory>['entries'];
  onOpen: (entry: HistoryEntry) => void;
  onRetry: () => void;
}) {
  const styles = useHistoryBladeStyles();
  switch (entries.status) {
    case 'idle':
    case 'loading':
      return <Spinner size="tiny" label="Reading the history…" />;
    case 'failed':
      return <CommandErrorBar title="Could not read the history" error={entries.error} onRetry={onRetry} />;
    case 'loaded':
      break;
  }
  if (entries.value.length === 0) {
    return (
      <EmptyState
        icon={<HistoryRegular />}
        title="No changes yet"
        description="Every change keyblade makes (Change key, and the key and identity actions) is listed here, with Undo."
      />
    );
  }
  return (
    <Table aria-label="Changes" size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Time</TableHeaderCell>
          <TableHeaderCell>Action</TableHeaderCell>
          <TableHeaderCell>Resource</TableHeaderCell>
          <TableHeaderCell>Account</TableHeaderCell>
          <TableHeaderCell>Outcome</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {entries.value.map((entry) => (
          <TableRow key={entry.id}>
            <TableCell>{entryTime(entry)}</TableCell>
            <TableCell className={styles.nameCell}>
              <Link
                as="button"
                onClick={() => {
                  onOpen(entry);
                }}
              >
                {entryAction(entry)}
              </Link>
            </TableCell>
            <TableCell>
              {entry.resource.name}
              <span className={styles.hint}> ({resourceKindNames[entry.resource.kind].singular})</span>
            </TableCell>
            <TableCell>{entry.account}</TableCell>
            <TableCell>
              <Badge appearance="tint" color={outcomeColors[entry.outcome.status]}>
                {outcomeLabels[entry.outcome.status]}
              </Badge>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** An entry's details: what, who, when, before → after, the calls, and how it ended. */
function EntryDetails({ entry }: { entry: HistoryEntry }) {
  const styles = useHistoryBladeStyles();
  const beforeId = useId();
  const afterId = useId();
  const stepsId = useId();
  const azId = useId();
  const facts: Fact[] = [
    { term: 'Action', value: entryAction(entry) },
    { term: 'Time', value: entryTime(entry) },
    { term: 'Resource', value: `${entry.resource.name} (${resourceKindNames[entry.resource.kind].singular})` },
    { term: 'Account', value: entry.account },
    { term: 'Tenant', value: entry.tenantId, monospace: true },
    { term: 'Outcome', value: `${outcomeLabels[entry.outcome.status]}. ${entry.outcome.message}` },
  ];
  const settled = entrySettledTime(entry);
  // Azure answered "in progress" and keyblade watched until the change ended: say when, beside the outcome.
  if (settled !== null) facts.push({ term: 'Finished', value: `${settled}: Azure was still applying the change when Save returned, and keyblade watched until it ended` });
  const { change } = entry;
  return (
    <div className={styles.panel}>
      <FactList facts={facts} />
      {change.type === 'changeKey' ? (
        <>
          <section className={styles.section} aria-labelledby={beforeId}>
            <h3 id={beforeId} className={styles.sectionTitle}>
              Before
            </h3>
            <FactList facts={settingsFacts(change.before)} />
          </section>
          <section className={styles.section} aria-labelledby={afterId}>
            <h3 id={afterId} className={styles.sectionTitle}>
              After
            </h3>
            {change.after === null ? (
              <>
                <p className={styles.hint}>Not read back. Asked for:</p>
                <FactList facts={settingsFacts(change.requested)} />
              </>
            ) : (
              <FactList facts={settingsFacts(change.after)} />
            )}
          </section>
        </>
      ) : (
        <p className={styles.hint}>{entry.title}: what changed is listed below, call by call.</p>
      )}
      <section className={styles.section} aria-labelledby={stepsId}>
        <h3 id={stepsId} className={styles.sectionTitle}>
          Calls made
        </h3>
        {entry.steps.length === 0 ? (
          <p className={styles.hint}>None: nothing was written.</p>
        ) : (
          <ol className={styles.steps} aria-labelledby={stepsId}>
            {entry.steps.map((step, index) => (
              <li key={`${step.kind}-${String(index)}`}>
                {step.title} ({stepStatusLabels[step.status]})
                <br />
                <span className={styles.mono}>
                  {step.method} {step.path}
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
      {entry.steps.length > 0 && (
        <section className={styles.section} aria-labelledby={azId}>
          <h3 id={azId} className={styles.sectionTitle}>
            Azure CLI equivalent
          </h3>
          <pre className={styles.code} aria-labelledby={azId}>
            <code>{stepCommands(entry.steps)}</code>
          </pre>
        </section>
      )}
    </div>
  );
}

function EntryPanel({ entry, onUndo, onClose }: { entry: HistoryEntry; onUndo: () => void; onClose: () => void }) {
  const styles = useHistoryBladeStyles();
  return (
    <>
      <DrawerBody>
        <EntryDetails entry={entry} />
      </DrawerBody>
      <DrawerFooter>
        <div className={styles.footer}>
          <Button appearance="primary" icon={<ArrowUndoRegular />} onClick={onUndo}>
            Undo
          </Button>
          <Button onClick={onClose}>Close</Button>
        </div>
      </DrawerFooter>
    </>
  );
}

/** Undo's review and result for a key change; why not, for an entry that cannot be undone. */
function UndoPanel({ undo, onFinished }: { undo: UndoApi; onFinished: () => void }) {
  const styles = useHistoryBladeStyles();
  const { state } = undo;
  if (state === null) return null;
  const { entry } = state;
  const review = state.status === 'review' || state.status === 'running' ? state.review : null;
  const changeKey = review?.type === 'changeKey' ? review : null;
  const canRun = state.status === 'review' && changeKey !== null && changeKey.report.canSave && changeKey.report.steps.length > 0;
  return (
    <>
      <DrawerBody>
        <div className={styles.panel}>
          <p className={styles.hint}>
            Undo {entryAction(entry)} on {entry.resource.name} ({entryTime(entry)}). Nothing is changed until you select
            Undo, after the review below.
          </p>
          {state.status === 'planning' && <Spinner size="tiny" label="Planning the undo…" />}
          {state.status === 'planFailed' && (
            <CommandErrorBar title="Could not plan the undo" error={state.error} onRetry={undo.replan} />
          )}
          {review?.type === 'notUndoable' && (
            <MessageBar intent="warning" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>This change cannot be undone</MessageBarTitle>
                {review.reason}
              </MessageBarBody>
            </MessageBar>
          )}
          {changeKey !== null && (
            <>
              <p className={styles.hint}>Going back to the settings before the change:</p>
              <FactList facts={settingsFacts(entryBefore(entry))} />
              <ReviewSection
                changeKey={`undo:${entry.id}:${String(changeKey.desired.grantAccess)}`}
                preflight={{ status: 'ready', report: changeKey.report }}
                onRetry={undo.replan}
                onGrant={undo.grant}
                grantAtSave={undo.grantAtSave}
                onGrantAtSave={undo.setGrantAtSave}
                turningOff={changeKey.desired.keySource === 'microsoftManaged'}
                shortName={resourceKindNames[changeKey.resource.kind].singular.toLowerCase()}
              />
            </>
          )}
          {state.status === 'running' && (
            <MessageBar intent="info" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>Undoing</MessageBarTitle>
                <Spinner size="extra-tiny" label="Saving the key back; follow it (or cancel it) in Notifications." />
              </MessageBarBody>
            </MessageBar>
          )}
          {state.status === 'done' && <UndoResult recorded={state.recorded} />}
        </div>
      </DrawerBody>
      <DrawerFooter>
        <div className={styles.footer}>
          {changeKey !== null && state.status !== 'done' && (
            <Button appearance="primary" icon={<ArrowUndoRegular />} disabled={!canRun} onClick={undo.run}>
              Undo
            </Button>
          )}
          {state.status === 'done' ? (
            <Button onClick={onFinished}>Close</Button>
          ) : (
            // Back to the entry's details.
            <Button onClick={undo.close}>Cancel</Button>
          )}
        </div>
      </DrawerFooter>
    </>
  );
}

function entryBefore(entry: HistoryEntry) {
  return entry.change.type === 'changeKey' ? entry.change.before : null;
}

/** How the undo ended: the history's record of it, which is what keyblade read back. */
function UndoResult({ recorded }: { recorded: HistoryEntry | null }) {
  if (recorded === null) {
    return (
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>Undo finished</MessageBarTitle>
          Its record was not found in the history; see Notifications for how it ended.
        </MessageBarBody>
      </MessageBar>
    );
  }
  const intent = recorded.outcome.status === 'applied' ? 'success' : recorded.outcome.status === 'inProgress' ? 'warning' : 'error';
  return (
    <>
      <MessageBar intent={intent} layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{`Undo: ${outcomeLabels[recorded.outcome.status]}`}</MessageBarTitle>
          {recorded.outcome.message}
        </MessageBarBody>
      </MessageBar>
      <EntryDetails entry={recorded} />
    </>
  );
}
