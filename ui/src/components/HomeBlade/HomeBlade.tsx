import {
  Button,
  Dropdown,
  Field,
  Input,
  Link,
  Menu,
  MenuItem,
  MenuItemCheckbox,
  MenuList,
  MenuPopover,
  MenuTrigger,
  MessageBar,
  MessageBarBody,
  Option,
  ProgressBar,
  SearchBox,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  ToolbarButton,
  mergeClasses,
  type MenuCheckedValueChangeData,
} from '@fluentui/react-components';
import {
  ArrowDownloadRegular,
  ArrowSyncRegular,
  ColumnTripleEditRegular,
  DismissCircleRegular,
  HomeRegular,
} from '@fluentui/react-icons';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type UIEvent } from 'react';
import { saveHomeExport } from '../../api';
import type { HealthStatus, HomeRow, ResourceKind } from '../../bindings';
import { healthLabels } from '../../model/encryptionText';
import type { ResourceContext } from '../../model/resourceContext';
import { resourceKindNames, resourceKinds } from '../../model/resources';
import { Blade, BladeCommand } from '../Blade';
import { CommandErrorBar } from '../CommandErrorBar';
import { EmptyState } from '../EmptyState';
import { FormDialog } from '../FormDialog';
import {
  columnById,
  columnLayout,
  columns,
  countEntries,
  expiringWithinDays,
  filterEntries,
  healthStatus,
  sortEntries,
  toCsv,
  toJson,
  type ColumnId,
  type CountFilter,
  type HomeEntry,
  type HomeFilter,
  type HomeSort,
} from './homeTable';
import type { HomeState } from './useHome';
import type { HomeView } from './homeView';
import { rowHeight, useHomeBladeStyles } from './useHomeBladeStyles.styles';

export interface HomeBladeProps {
  context: ResourceContext;
  /** Home's data, from `useHome` (AppShell's, so it outlives the blade). */
  home: HomeState;
  view: HomeView;
  onViewChange: (view: HomeView) => void;
  /** A row was chosen: open that resource's Encryption blade. */
  onOpenResource: (row: HomeRow) => void;
  onRetrySession: () => void;
}

/** Home: every encrypted resource of the chosen subscriptions at a glance, and the health of each key. */
export function HomeBlade({ context, home, view, onViewChange, onOpenResource, onRetrySession }: HomeBladeProps) {
  const { filter, sort, shown } = view;
  const setFilter = (next: HomeFilter) => {
    onViewChange({ ...view, filter: next });
  };
  const setSort = (next: HomeSort) => {
    onViewChange({ ...view, sort: next });
  };
  const setShown = (next: readonly ColumnId[]) => {
    onViewChange({ ...view, shown: next });
  };
  const [exporting, setExporting] = useState<'csv' | 'json' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // One clock per render pass, so every cell and count agrees.
  const now = useMemo(() => new Date(), [home.entries]); // eslint-disable-line react-hooks/exhaustive-deps
  const visibleEntries = useMemo(
    () => sortEntries(filterEntries(home.entries, filter, now), sort, now),
    [home.entries, filter, sort, now],
  );
  const signedIn = context.kind === 'noResource' || context.kind === 'resource';

  const copy = (format: 'csv' | 'json') => {
    const text = format === 'csv' ? toCsv(visibleEntries, shown, now) : toJson(visibleEntries, shown, now);
    navigator.clipboard.writeText(text).then(
      () => {
        setNotice(`Copied ${String(visibleEntries.length)} rows as ${format.toUpperCase()}.`);
      },
      () => {
        setNotice('keyblade could not reach the clipboard. Use Save to file instead.');
      },
    );
  };

  const commands = (
    <>
      <BladeCommand
        icon={<ArrowSyncRegular />}
        label="Refresh"
        onClick={home.refresh}
        disabledReason={signedIn ? null : 'Sign in to list your resources.'}
      />
      <ColumnsMenu shown={shown} onChange={setShown} />
      <Menu>
        <MenuTrigger disableButtonEnhancement>
          <ToolbarButton icon={<ArrowDownloadRegular />} disabled={home.listing.status !== 'loaded'}>
            Export
          </ToolbarButton>
        </MenuTrigger>
        <MenuPopover>
          <MenuList>
            <MenuItem onClick={() => { setExporting('csv'); }}>Save as CSV…</MenuItem>
            <MenuItem onClick={() => { setExporting('json'); }}>Save as JSON…</MenuItem>
            <MenuItem onClick={() => { copy('csv'); }}>Copy as CSV</MenuItem>
            <MenuItem onClick={() => { copy('json'); }}>Copy as JSON</MenuItem>
          </MenuList>
        </MenuPopover>
      </Menu>
    </>
  );

  return (
    <Blade bladeTitle="Home" commands={commands}>
      <HomeContent
        context={context}
        home={home}
        filter={filter}
        onFilter={setFilter}
        sort={sort}
        onSort={setSort}
        shown={shown}
        entries={visibleEntries}
        now={now}
        onOpenResource={onOpenResource}
        onRetrySession={onRetrySession}
        notice={notice}
      />
      {exporting !== null && (
        <ExportDialog
          format={exporting}
          contents={() => (exporting === 'csv' ? toCsv(visibleEntries, shown, now) : toJson(visibleEntries, shown, now))}
          rows={visibleEntries.length}
          onSaved={(path) => {
            setExporting(null);
            setNotice(`Saved ${String(visibleEntries.length)} rows to ${path}.`);
          }}
          onClose={() => {
            setExporting(null);
          }}
        />
      )}
    </Blade>
  );
}

interface HomeContentProps {
  context: ResourceContext;
  home: HomeState;
  filter: HomeFilter;
  onFilter: (filter: HomeFilter) => void;
  sort: HomeSort;
  onSort: (sort: HomeSort) => void;
  shown: readonly ColumnId[];
  entries: HomeEntry[];
  now: Date;
  onOpenResource: (row: HomeRow) => void;
  onRetrySession: () => void;
  notice: string | null;
}

function HomeContent(props: HomeContentProps) {
  const { context, home, filter, onFilter, now } = props;
  const styles = useHomeBladeStyles();
  switch (context.kind) {
    case 'loadingSession':
      return <Spinner label="Loading…" />;
    case 'connecting':
      return <Spinner label={context.message} />;
    case 'sessionUnavailable':
      return <CommandErrorBar title="keyblade cannot tell who is signed in" error={context.error} onRetry={props.onRetrySession} />;
    case 'signedOut':
      return (
        <EmptyState icon={<HomeRegular />} title="Sign in to see your encrypted resources" description={context.reason} />
      );
    case 'noResource':
    case 'resource':
      break;
  }
  const listing = home.listing;
  if (listing.status === 'failed') {
    return <CommandErrorBar title="Could not list your resources" error={listing.error} onRetry={home.refresh} />;
  }
  if (listing.status !== 'loaded') {
    const progress = listing.status === 'loading' ? listing.progress : null;
    return (
      <Spinner
        label={
          progress === null
            ? 'Listing your encrypted resources (Azure Resource Graph)…'
            : `Read ${String(progress.rows)}${progress.total === null ? '' : ` of ${String(progress.total)}`} resources…`
        }
      />
    );
  }
  if (listing.listing.rows.length === 0) {
    return (
      <EmptyState
        icon={<HomeRegular />}
        title="No container registries, storage accounts or Azure AI services accounts"
        description={
          listing.listing.subscriptions === 0
            ? 'No subscription is chosen. Choose subscriptions in the account menu (Filter subscriptions).'
            : `None in the ${String(listing.listing.subscriptions)} subscriptions you chose.`
        }
      />
    );
  }
  const counts = countEntries(home.entries, now);
  const countButton = (count: CountFilter, text: string) => (
    <Link
      as="button"
      aria-pressed={filter.count === count}
      onClick={() => {
        onFilter({ ...filter, count: filter.count === count ? 'all' : count });
      }}
    >
      {text}
    </Link>
  );
  const subscriptions = uniqueSubscriptions(home.entries);
  const run = home.run;
  return (
    <>
      <p className={styles.summary} aria-label="Summary">
        {countButton('all', `${String(counts.resources)} resources`)}
        <span className={styles.separator} aria-hidden="true">·</span>
        {countButton('customerManaged', `${String(counts.customerManaged)} customer-managed`)}
        <span className={styles.separator} aria-hidden="true">·</span>
        {countButton('inaccessible', `${String(counts.inaccessible)} inaccessible`)}
        <span className={styles.separator} aria-hidden="true">·</span>
        {countButton(
          'expiringSoon',
          `${String(counts.expiringSoon)} key${counts.expiringSoon === 1 ? '' : 's'} expire within ${String(expiringWithinDays)} days`,
        )}
      </p>
      {run.total > 0 && (
        <div className={styles.progress} role="status">
          {run.running && (
            <ProgressBar className={styles.progressBar} value={run.total === 0 ? 1 : run.checked / run.total} aria-hidden />
          )}
          <span>
            {run.checked >= run.total
              ? `Checked all ${String(run.total)} key${run.total === 1 ? '' : 's'}.`
              : `Checked ${String(run.checked)} of ${String(run.total)} keys${run.cancelled ? ' (stopped)' : '…'}`}
          </span>
          {run.running && (
            <Button size="small" icon={<DismissCircleRegular />} onClick={home.cancel}>
              Cancel check
            </Button>
          )}
          {!run.running && run.cancelled && run.checked < run.total && (
            <Button size="small" onClick={home.resume}>
              Check the rest
            </Button>
          )}
        </div>
      )}
      {home.healthError !== null && (
        <CommandErrorBar title="Could not check the keys" error={home.healthError} onRetry={home.resume} />
      )}
      {props.notice !== null && (
        <MessageBar intent="info">
          <MessageBarBody>{props.notice}</MessageBarBody>
        </MessageBar>
      )}
      <div className={styles.filters}>
        <Field label="Filter" className={styles.filterField}>
          <SearchBox
            placeholder="Name, key, vault, health…"
            value={filter.text}
            onChange={(_e, data) => {
              onFilter({ ...filter, text: data.value });
            }}
          />
        </Field>
        <Field label="Type" className={styles.filterField}>
          <Dropdown
            value={filter.kind === null ? 'All types' : resourceKindNames[filter.kind].plural}
            selectedOptions={[filter.kind ?? 'all']}
            onOptionSelect={(_e, data) => {
              const value = data.optionValue ?? 'all';
              onFilter({ ...filter, kind: value === 'all' ? null : (value as ResourceKind) });
            }}
          >
            <Option value="all">All types</Option>
            {resourceKinds.map((kind) => (
              <Option key={kind} value={kind}>
                {resourceKindNames[kind].plural}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label="Subscription" className={styles.filterField}>
          <Dropdown
            value={
              filter.subscriptionId === null
                ? 'All subscriptions'
                : (subscriptions.find((s) => s.id === filter.subscriptionId)?.name ?? filter.subscriptionId)
            }
            selectedOptions={[filter.subscriptionId ?? 'all']}
            onOptionSelect={(_e, data) => {
              const value = data.optionValue ?? 'all';
              onFilter({ ...filter, subscriptionId: value === 'all' ? null : value });
            }}
          >
            <Option value="all">All subscriptions</Option>
            {subscriptions.map((s) => (
              <Option key={s.id} value={s.id}>
                {s.name}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label="Health" className={styles.filterField}>
          <Dropdown
            value={filter.health === null ? 'Any health' : filter.health === 'unchecked' ? 'Not checked' : healthLabels[filter.health]}
            selectedOptions={[filter.health ?? 'all']}
            onOptionSelect={(_e, data) => {
              const value = data.optionValue ?? 'all';
              onFilter({ ...filter, health: value === 'all' ? null : (value as HealthStatus | 'unchecked') });
            }}
          >
            <Option value="all">Any health</Option>
            {(['healthy', 'unhealthy', 'unknown', 'notApplicable'] as const).map((status) => (
              <Option key={status} value={status}>
                {healthLabels[status]}
              </Option>
            ))}
            <Option value="unchecked">Not checked</Option>
          </Dropdown>
        </Field>
      </div>
      <HomeTable
        entries={props.entries}
        shown={props.shown}
        sort={props.sort}
        onSort={props.onSort}
        now={now}
        onOpen={props.onOpenResource}
        onVisible={home.setVisible}
      />
      <p className={styles.footer}>
        {props.entries.length === home.entries.length
          ? `${String(home.entries.length)} resources in ${String(listing.listing.subscriptions)} subscriptions, from Azure Resource Graph.`
          : `Showing ${String(props.entries.length)} of ${String(home.entries.length)} resources.`}
      </p>
    </>
  );
}

function uniqueSubscriptions(entries: readonly HomeEntry[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const { row } of entries) {
    if (!seen.has(row.subscriptionId)) seen.set(row.subscriptionId, row.subscriptionName ?? row.subscriptionId);
  }
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Rows drawn above and below the ones in view, so a fast scroll does not show blanks. */
const overscan = 8;
/** Rows drawn when the scroller has no height yet (first paint, tests). */
const fallbackRows = 30;

interface HomeTableProps {
  entries: HomeEntry[];
  shown: readonly ColumnId[];
  sort: HomeSort;
  onSort: (sort: HomeSort) => void;
  now: Date;
  onOpen: (row: HomeRow) => void;
  onVisible: (ids: readonly string[]) => void;
}

/** The table, virtualised: only the rows in view (and a few around) are in the DOM, so 5,000 rows scroll smoothly. */
function HomeTable({ entries, shown, sort, onSort, now, onOpen, onVisible }: HomeTableProps) {
  const styles = useHomeBladeStyles();
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);
  useEffect(() => {
    const element = scroller.current;
    if (element === null) return;
    const measure = () => {
      setHeight(element.clientHeight);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => {
      observer.disconnect();
    };
  }, []);
  const inView = height > 0 ? Math.ceil(height / rowHeight) : fallbackRows;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(entries.length, Math.floor(scrollTop / rowHeight) + inView + overscan);
  const slice = entries.slice(first, last);
  useEffect(() => {
    onVisible(slice.map((e) => e.row.id));
  });
  const shownColumns = shown.map(columnById);
  const layout = columnLayout(shown);
  return (
    <div
      ref={scroller}
      className={styles.scroller}
      onScroll={(event: UIEvent<HTMLDivElement>) => {
        setScrollTop(event.currentTarget.scrollTop);
      }}
    >
      <Table
        className={styles.table}
        style={{ minWidth: `${String(layout.minWidth)}px` }}
        aria-label="Encrypted resources"
        aria-rowcount={entries.length + 1}
        sortable
        size="small"
      >
        <TableHeader className={styles.headerRow}>
          <TableRow aria-rowindex={1}>
            {shownColumns.map((c, index) => (
              <TableHeaderCell
                key={c.id}
                {...(sort.column === c.id ? { sortDirection: sort.direction } : {})}
                style={{ width: layout.widths[index] }}
                onClick={() => {
                  onSort({
                    column: c.id,
                    direction: sort.column === c.id && sort.direction === 'ascending' ? 'descending' : 'ascending',
                  });
                }}
              >
                {c.label}
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {first > 0 && (
            <tr aria-hidden="true" style={{ height: `${String(first * rowHeight)}px` }}>
              <td className={styles.spacer} colSpan={shownColumns.length} />
            </tr>
          )}
          {slice.map((entry, i) => (
            <HomeTableRow
              key={entry.row.id}
              entry={entry}
              index={first + i}
              columns={shown}
              now={now}
              onOpen={onOpen}
            />
          ))}
          {last < entries.length && (
            <tr aria-hidden="true" style={{ height: `${String((entries.length - last) * rowHeight)}px` }}>
              <td className={styles.spacer} colSpan={shownColumns.length} />
            </tr>
          )}
        </TableBody>
      </Table>
    </div>
  );
}

function HomeTableRow({
  entry,
  index,
  columns: shown,
  now,
  onOpen,
}: {
  entry: HomeEntry;
  index: number;
  columns: readonly ColumnId[];
  now: Date;
  onOpen: (row: HomeRow) => void;
}) {
  const styles = useHomeBladeStyles();
  const status = healthStatus(entry);
  const open = () => {
    onOpen(entry.row);
  };
  return (
    <TableRow
      className={styles.row}
      aria-rowindex={index + 2}
      onClick={open}
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key === 'Enter') open();
      }}
    >
      {shown.map((id) => {
        const text = columnById(id).text(entry, now);
        if (id === 'name') {
          return (
            <TableCell key={id} className={styles.cell}>
              <Link
                as="button"
                onClick={(event) => {
                  event.stopPropagation();
                  open();
                }}
              >
                {text}
              </Link>
            </TableCell>
          );
        }
        const tone =
          id === 'health'
            ? status === 'unhealthy'
              ? styles.unhealthy
              : status === 'unknown'
                ? styles.unknown
                : status === 'healthy'
                  ? styles.healthy
                  : undefined
            : id === 'expiry' && text === 'expired'
              ? styles.expired
              : undefined;
        return (
          <TableCell key={id} className={mergeClasses(styles.cell, tone)} title={text}>
            {text}
          </TableCell>
        );
      })}
    </TableRow>
  );
}

function ColumnsMenu({ shown, onChange }: { shown: readonly ColumnId[]; onChange: (shown: ColumnId[]) => void }) {
  const onCheckedValueChange = (_event: unknown, data: MenuCheckedValueChangeData) => {
    const chosen = new Set(data.checkedItems);
    // Name stays: it is how a row is opened.
    onChange(columns.filter((c) => c.id === 'name' || chosen.has(c.id)).map((c) => c.id));
  };
  return (
    <Menu checkedValues={{ columns: [...shown] }} onCheckedValueChange={onCheckedValueChange}>
      <MenuTrigger disableButtonEnhancement>
        <ToolbarButton icon={<ColumnTripleEditRegular />}>Columns</ToolbarButton>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {columns.map((c) => (
            <MenuItemCheckbox key={c.id} name="columns" value={c.id} disabled={c.id === 'name'}>
              {c.label}
            </MenuItemCheckbox>
          ))}
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}

function ExportDialog({
  format,
  contents,
  rows,
  onSaved,
  onClose,
}: {
  format: 'csv' | 'json';
  contents: () => string;
  rows: number;
  onSaved: (path: string) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(`keyblade-home.${format}`);
  const valid = name.trim().toLowerCase().endsWith(`.${format}`);
  return (
    <FormDialog
      title={`Save as ${format.toUpperCase()}`}
      submitLabel="Save"
      busyLabel="Saving…"
      errorTitle="Could not save the file"
      commandName="save_home_export"
      canSubmit={valid}
      submit={async () => {
        onSaved(await saveHomeExport(name, contents()));
      }}
      onClose={onClose}
    >
      <Field
        label="File"
        hint={`The ${String(rows)} rows shown, with the columns shown. A file name goes to your Downloads folder; a full path goes where it says. An existing file is not overwritten.`}
        validationMessage={valid ? null : `The name must end in .${format}.`}
      >
        <Input
          value={name}
          onChange={(_e, data) => {
            setName(data.value);
          }}
        />
      </Field>
    </FormDialog>
  );
}
