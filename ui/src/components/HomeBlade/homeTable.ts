import type { HealthStatus, HomeHealth, HomeRow, ResourceKind } from '../../bindings';
import { healthLabels, identityKindLabels, keySourceLabels, rotationLabels } from '../../model/encryptionText';
import { resourceKindNames } from '../../model/resources';

/** One row of Home's table: the resource from Resource Graph, and its key's health once checked. */
export interface HomeEntry {
  row: HomeRow;
  /** `undefined` until checked. */
  health: HomeHealth | undefined;
}

const dayMs = 24 * 60 * 60 * 1000;

/** How many days until the key version in use expires (negative once expired); null: no expiry or unknown. */
export function daysToExpiry(entry: HomeEntry, now: Date): number | null {
  const expires = entry.health?.key?.expires ?? null;
  if (expires === null) return null;
  const at = new Date(expires).getTime();
  if (Number.isNaN(at)) return null;
  return Math.floor((at - now.getTime()) / dayMs);
}

/** "expires in 12 days", "expires today", "expired", "no expiry"; empty while unknown. */
export function expiryText(entry: HomeEntry, now: Date): string {
  const key = entry.health?.key;
  if (entry.row.keySource !== 'customerManaged' || key === undefined || key === null) return '';
  if (key.unreadable !== null) return '';
  if (key.expires === null) return 'no expiry';
  const at = new Date(key.expires).getTime();
  if (Number.isNaN(at)) return '';
  if (at <= now.getTime()) return 'expired';
  const days = Math.floor((at - now.getTime()) / dayMs);
  if (days === 0) return 'expires today';
  return `expires in ${String(days)} day${days === 1 ? '' : 's'}`;
}

/** The version in use's age: "created 40 days ago". */
export function ageText(entry: HomeEntry, now: Date): string {
  const created = entry.health?.key?.created ?? null;
  if (created === null) return '';
  const at = new Date(created).getTime();
  if (Number.isNaN(at)) return '';
  const days = Math.max(0, Math.floor((now.getTime() - at) / dayMs));
  if (days === 0) return 'created today';
  return `created ${String(days)} day${days === 1 ? '' : 's'} ago`;
}

/** "latest version", "version in use is 3 versions behind"; empty while unknown. */
export function versionsText(entry: HomeEntry): string {
  const behind = entry.health?.key?.versionsBehind ?? null;
  if (behind === null) return '';
  if (behind === 0) return 'latest version';
  return `version in use is ${String(behind)} version${behind === 1 ? '' : 's'} behind`;
}

/** "rotates every P90D", "no rotation policy", "rotation policy unknown"; empty while unchecked. */
export function rotationPolicyText(entry: HomeEntry): string {
  const key = entry.health?.key;
  if (key === undefined || key === null) return '';
  switch (key.rotationPolicy) {
    case 'rotates':
      return key.rotateAfter === null ? 'rotation policy' : `rotation policy: ${key.rotateAfter}`;
    case 'noPolicy':
      return 'no rotation policy';
    case 'unknown':
      return 'rotation policy unknown';
  }
}

/** The health as Home shows it; "Checking…" (or "Not checked") before the check. */
export function healthText(entry: HomeEntry): string {
  if (entry.row.keySource === 'microsoftManaged') return healthLabels.notApplicable;
  const health = entry.health;
  if (health === undefined) return 'Not checked';
  const label = healthLabels[health.health.status];
  if (health.health.status === 'unhealthy' || health.health.status === 'unknown') {
    return `${label}: ${health.health.summary}`;
  }
  return label;
}

/** The health status for filtering and counting; null while unchecked. */
export function healthStatus(entry: HomeEntry): HealthStatus | null {
  if (entry.row.keySource === 'microsoftManaged') return 'notApplicable';
  return entry.health?.health.status ?? null;
}

export type ColumnId =
  | 'name'
  | 'kind'
  | 'subscription'
  | 'resourceGroup'
  | 'location'
  | 'encryption'
  | 'keyVault'
  | 'key'
  | 'version'
  | 'rotation'
  | 'identity'
  | 'health'
  | 'expiry'
  | 'age'
  | 'versions'
  | 'rotationPolicy'
  | 'id';

export interface Column {
  id: ColumnId;
  label: string;
  /** The cell's text, as shown, exported and sorted. */
  text: (entry: HomeEntry, now: Date) => string;
  /** Shown unless the user hides it. */
  shownByDefault: boolean;
}

export const columns: readonly Column[] = [
  { id: 'name', label: 'Name', text: (e) => e.row.name, shownByDefault: true },
  { id: 'health', label: 'Health', text: (e) => healthText(e), shownByDefault: true },
  { id: 'kind', label: 'Type', text: (e) => resourceKindNames[e.row.kind].singular, shownByDefault: true },
  {
    id: 'subscription',
    label: 'Subscription',
    text: (e) => e.row.subscriptionName ?? e.row.subscriptionId,
    shownByDefault: true,
  },
  { id: 'resourceGroup', label: 'Resource group', text: (e) => e.row.resourceGroup, shownByDefault: false },
  { id: 'location', label: 'Location', text: (e) => e.row.location, shownByDefault: false },
  // Off by default to fit 1280 px: an empty Key vault already says Microsoft-managed, and Health says "Not applicable".
  { id: 'encryption', label: 'Encryption', text: (e) => keySourceLabels[e.row.keySource], shownByDefault: false },
  { id: 'keyVault', label: 'Key vault', text: (e) => e.row.key?.vaultName ?? '', shownByDefault: true },
  { id: 'key', label: 'Key', text: (e) => e.row.key?.keyName ?? '', shownByDefault: true },
  {
    id: 'version',
    label: 'Version in use',
    text: (e) => e.health?.key?.version ?? e.row.key?.version ?? '',
    shownByDefault: false,
  },
  {
    id: 'rotation',
    label: 'Rotation',
    text: (e) => (e.row.key === null ? '' : rotationLabels[e.row.key.rotation]),
    shownByDefault: false,
  },
  {
    id: 'identity',
    label: 'Identity',
    text: (e) => (e.row.identity === null ? '' : `${e.row.identity.name} (${identityKindLabels[e.row.identity.kind]})`),
    shownByDefault: false,
  },
  { id: 'expiry', label: 'Expiry', text: (e, now) => expiryText(e, now), shownByDefault: true },
  { id: 'age', label: 'Age', text: (e, now) => ageText(e, now), shownByDefault: false },
  { id: 'versions', label: 'Versions', text: (e) => versionsText(e), shownByDefault: false },
  { id: 'rotationPolicy', label: 'Rotation policy', text: (e) => rotationPolicyText(e), shownByDefault: false },
  { id: 'id', label: 'Resource ID', text: (e) => e.row.id, shownByDefault: false },
];

export const defaultColumns: readonly ColumnId[] = columns.filter((c) => c.shownByDefault).map((c) => c.id);

/**
 * How wide each column is: a share of the table (`weight`) and the least width that shows its usual text whole
 * (`min`, px). The table fills the blade and scrolls sideways only when the chosen columns' least widths do not fit;
 * the default columns fit a 1280 px window.
 */
const columnSizes: Partial<Record<ColumnId, { weight: number; min: number }>> = {
  name: { weight: 1.4, min: 170 },
  health: { weight: 1.8, min: 210 },
  kind: { weight: 1.1, min: 130 },
  subscription: { weight: 1.2, min: 140 },
  keyVault: { weight: 1.1, min: 130 },
  id: { weight: 3, min: 320 },
  identity: { weight: 1.5, min: 180 },
  expiry: { weight: 0.9, min: 100 },
};
const defaultColumnSize = { weight: 1, min: 120 };

/** Each shown column's width as a percentage of the table, and the table's least width in px. */
export function columnLayout(shown: readonly ColumnId[]): { widths: string[]; minWidth: number } {
  const sizes = shown.map((id) => columnSizes[id] ?? defaultColumnSize);
  const total = sizes.reduce((sum, size) => sum + size.weight, 0);
  return {
    widths: sizes.map((size) => `${((size.weight / total) * 100).toFixed(2)}%`),
    minWidth: sizes.reduce((sum, size) => sum + size.min, 0),
  };
}


export function columnById(id: ColumnId): Column {
  const found = columns.find((c) => c.id === id);
  if (found === undefined) throw new Error(`unknown column ${id}`);
  return found;
}

/** The summary counts' filters: each count narrows the table to what it counts. */
export type CountFilter = 'all' | 'customerManaged' | 'inaccessible' | 'expiringSoon';

/** Days within which an expiry counts as "soon". */
export const expiringWithinDays = 30;

export interface HomeFilter {
  text: string;
  kind: ResourceKind | null;
  subscriptionId: string | null;
  health: HealthStatus | 'unchecked' | null;
  count: CountFilter;
}

export const emptyFilter: HomeFilter = { text: '', kind: null, subscriptionId: null, health: null, count: 'all' };

export function expiresSoon(entry: HomeEntry, now: Date): boolean {
  const days = daysToExpiry(entry, now);
  return days !== null && days < expiringWithinDays;
}

function passesCount(entry: HomeEntry, count: CountFilter, now: Date): boolean {
  switch (count) {
    case 'all':
      return true;
    case 'customerManaged':
      return entry.row.keySource === 'customerManaged';
    case 'inaccessible':
      return healthStatus(entry) === 'unhealthy';
    case 'expiringSoon':
      return expiresSoon(entry, now);
  }
}

/** The entries that pass every part of `filter`; the text matches any column's text, case-insensitively. */
export function filterEntries(entries: readonly HomeEntry[], filter: HomeFilter, now: Date): HomeEntry[] {
  const needle = filter.text.trim().toLocaleLowerCase();
  return entries.filter((entry) => {
    if (filter.kind !== null && entry.row.kind !== filter.kind) return false;
    if (filter.subscriptionId !== null && entry.row.subscriptionId.toLowerCase() !== filter.subscriptionId.toLowerCase())
      return false;
    if (filter.health !== null) {
      const status = healthStatus(entry);
      if (filter.health === 'unchecked' ? status !== null : status !== filter.health) return false;
    }
    if (!passesCount(entry, filter.count, now)) return false;
    if (needle === '') return true;
    return columns.some((c) => c.text(entry, now).toLocaleLowerCase().includes(needle));
  });
}

export interface HomeSort {
  column: ColumnId;
  direction: 'ascending' | 'descending';
}

export const defaultSort: HomeSort = { column: 'name', direction: 'ascending' };

/** Sorted by the column's text (expiry by days, health by severity), then by name; empty cells last. */
export function sortEntries(entries: readonly HomeEntry[], sort: HomeSort, now: Date): HomeEntry[] {
  const column = columnById(sort.column);
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const key = (entry: HomeEntry): number | string => {
    if (sort.column === 'expiry') return daysToExpiry(entry, now) ?? Number.POSITIVE_INFINITY;
    if (sort.column === 'versions') return entry.health?.key?.versionsBehind ?? -1;
    if (sort.column === 'health') return healthRank(entry);
    return column.text(entry, now).toLocaleLowerCase();
  };
  const keyed = entries.map((entry) => ({ entry, key: key(entry) }));
  keyed.sort((a, b) => {
    const emptyA = a.key === '' || a.key === Number.POSITIVE_INFINITY;
    const emptyB = b.key === '' || b.key === Number.POSITIVE_INFINITY;
    if (emptyA !== emptyB) return emptyA ? 1 : -1;
    let order = 0;
    if (typeof a.key === 'number' && typeof b.key === 'number') order = a.key - b.key;
    else order = String(a.key).localeCompare(String(b.key));
    if (order !== 0) return order * sign;
    return a.entry.row.name.localeCompare(b.entry.row.name);
  });
  return keyed.map((k) => k.entry);
}

/** Worst first when ascending: inaccessible, unknown, unchecked, accessible, not applicable. */
function healthRank(entry: HomeEntry): number {
  switch (healthStatus(entry)) {
    case 'unhealthy':
      return 0;
    case 'unknown':
      return 1;
    case null:
      return 2;
    case 'healthy':
      return 3;
    case 'notApplicable':
      return 4;
  }
}

export interface HomeCounts {
  resources: number;
  customerManaged: number;
  inaccessible: number;
  expiringSoon: number;
}

export function countEntries(entries: readonly HomeEntry[], now: Date): HomeCounts {
  let customerManaged = 0;
  let inaccessible = 0;
  let expiringSoon = 0;
  for (const entry of entries) {
    if (entry.row.keySource === 'customerManaged') customerManaged += 1;
    if (healthStatus(entry) === 'unhealthy') inaccessible += 1;
    if (expiresSoon(entry, now)) expiringSoon += 1;
  }
  return { resources: entries.length, customerManaged, inaccessible, expiringSoon };
}

function csvCell(text: string): string {
  // Quote what would break the row, and what a spreadsheet would run as a formula.
  const guarded = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(guarded) || guarded !== text ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** The entries as CSV with the chosen columns, a header row first. */
export function toCsv(entries: readonly HomeEntry[], columnIds: readonly ColumnId[], now: Date): string {
  const chosen = columnIds.map(columnById);
  const lines = [chosen.map((c) => csvCell(c.label)).join(',')];
  for (const entry of entries) {
    lines.push(chosen.map((c) => csvCell(c.text(entry, now))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The entries as a JSON array of objects keyed by the chosen columns' labels: the same columns as the CSV. */
export function toJson(entries: readonly HomeEntry[], columnIds: readonly ColumnId[], now: Date): string {
  const chosen = columnIds.map(columnById);
  const objects = entries.map((entry) => {
    const object: Record<string, string> = {};
    for (const c of chosen) object[c.label] = c.text(entry, now);
    return object;
  });
  return `${JSON.stringify(objects, null, 2)}\n`;
}
