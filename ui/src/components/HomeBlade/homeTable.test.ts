import { describe, expect, it } from 'vitest';
import type { HomeHealth, HomeRow } from '../../bindings';
import {
  columnLayout,
  columns,
  countEntries,
  defaultColumns,
  emptyFilter,
  expiryText,
  filterEntries,
  sortEntries,
  toCsv,
  toJson,
  versionsText,
  type HomeEntry,
} from './homeTable';

const now = new Date('2026-12-04T12:00:00Z');
const sub1 = '11111111-1111-1111-1111-111111111111';
const sub2 = '22222222-2222-2222-2222-222222222222';

function row(name: string, patch: Partial<HomeRow> = {}): HomeRow {
  return {
    id: `/subscriptions/${sub1}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/${name}`,
    name,
    kind: 'containerRegistry',
    subscriptionId: sub1,
    subscriptionName: 'Contoso Production',
    resourceGroup: 'rg',
    location: 'westeurope',
    keySource: 'customerManaged',
    key: {
      keyUri: `https://kv.vault.azure.net/keys/${name}-key`,
      vaultName: 'kv',
      vaultUri: 'https://kv.vault.azure.net/',
      keyName: `${name}-key`,
      version: null,
      rotation: 'automatic',
    },
    identity: { kind: 'userAssigned', name: 'id-acr' },
    unreadable: null,
    ...patch,
  };
}

function health(
  id: string,
  status: HomeHealth['health']['status'],
  key: Partial<NonNullable<HomeHealth['key']>> = {},
  summary = '',
): HomeHealth {
  return {
    id,
    health: { status, summary, problems: [] },
    key: {
      version: 'v1',
      expires: null,
      created: '2026-10-01T00:00:00Z',
      versionsBehind: 0,
      rotationPolicy: 'noPolicy',
      rotateAfter: null,
      unreadable: null,
      ...key,
    },
    checkedAt: now.toISOString(),
  };
}

function entry(r: HomeRow, h?: HomeHealth): HomeEntry {
  return { row: r, health: h };
}

const prod = row('crprod');
const revoked = row('crrevoked');
const soon = row('crsoon');
const plain = row('stplain', {
  kind: 'storageAccount',
  keySource: 'microsoftManaged',
  key: null,
  identity: null,
  subscriptionId: sub2,
  subscriptionName: 'Contoso Dev',
});
const unchecked = row('cog-ai', { kind: 'cognitiveServicesAccount' });
const prodEntry = entry(prod, health(prod.id, 'healthy', { versionsBehind: 3, expires: null }));
const revokedEntry = entry(revoked, health(revoked.id, 'unhealthy', {}, 'The identity has no access to the key.'));
const soonEntry = entry(soon, health(soon.id, 'healthy', { expires: '2026-12-16T13:00:00Z' }));
const plainEntry = entry(plain);
const uncheckedEntry = entry(unchecked);
const entries: HomeEntry[] = [prodEntry, revokedEntry, soonEntry, plainEntry, uncheckedEntry];

describe('Home table text', () => {
  it('says when a key expires, in the words of the issue', () => {
    expect(expiryText(soonEntry, now)).toBe('expires in 12 days');
    expect(expiryText(prodEntry, now)).toBe('no expiry');
    expect(expiryText(entry(prod, health(prod.id, 'healthy', { expires: '2026-12-01T00:00:00Z' })), now)).toBe('expired');
    expect(expiryText(plainEntry, now)).toBe('');
    expect(expiryText(uncheckedEntry, now)).toBe('');
    expect(versionsText(prodEntry)).toBe('version in use is 3 versions behind');
    expect(versionsText(soonEntry)).toBe('latest version');
  });
});

describe('Home counts, filters and sort', () => {
  it('counts resources, customer-managed keys, inaccessible ones and keys expiring within 30 days', () => {
    expect(countEntries(entries, now)).toEqual({ resources: 5, customerManaged: 4, inaccessible: 1, expiringSoon: 1 });
  });

  it('each count filters the table to what it counts', () => {
    const names = (count: typeof emptyFilter.count) =>
      filterEntries(entries, { ...emptyFilter, count }, now).map((e) => e.row.name);
    expect(names('all')).toHaveLength(5);
    expect(names('customerManaged')).toEqual(['crprod', 'crrevoked', 'crsoon', 'cog-ai']);
    expect(names('inaccessible')).toEqual(['crrevoked']);
    expect(names('expiringSoon')).toEqual(['crsoon']);
  });

  it('filters by kind, subscription, health and text', () => {
    const names = (patch: Partial<typeof emptyFilter>) =>
      filterEntries(entries, { ...emptyFilter, ...patch }, now).map((e) => e.row.name);
    expect(names({ kind: 'storageAccount' })).toEqual(['stplain']);
    expect(names({ subscriptionId: sub2.toUpperCase() })).toEqual(['stplain']);
    expect(names({ health: 'unhealthy' })).toEqual(['crrevoked']);
    expect(names({ health: 'notApplicable' })).toEqual(['stplain']);
    expect(names({ health: 'unchecked' })).toEqual(['cog-ai']);
    expect(names({ text: 'NO ACCESS' })).toEqual(['crrevoked']);
    expect(names({ text: 'crsoon-key' })).toEqual(['crsoon']);
    expect(names({ text: 'dev' })).toEqual(['stplain']);
    expect(names({ kind: 'containerRegistry', health: 'healthy', text: 'crprod' })).toEqual(['crprod']);
    // The text matches any column, the subscription's name too.
    expect(names({ health: 'healthy', text: 'production' })).toEqual(['crprod', 'crsoon']);
  });

  it('sorts by a column either way, empty cells last, health worst first', () => {
    const names = (column: Parameters<typeof sortEntries>[1]['column'], direction: 'ascending' | 'descending') =>
      sortEntries(entries, { column, direction }, now).map((e) => e.row.name);
    expect(names('name', 'ascending')).toEqual(['cog-ai', 'crprod', 'crrevoked', 'crsoon', 'stplain']);
    expect(names('name', 'descending')).toEqual(['stplain', 'crsoon', 'crrevoked', 'crprod', 'cog-ai']);
    expect(names('health', 'ascending')).toEqual(['crrevoked', 'cog-ai', 'crprod', 'crsoon', 'stplain']);
    // Only crsoon expires; the rest have no expiry date and go last, by name.
    expect(names('expiry', 'ascending')[0]).toBe('crsoon');
    expect(names('expiry', 'descending')[0]).toBe('crsoon');
    expect(names('versions', 'descending')[0]).toBe('crprod');
  });
});

describe('Home export', () => {
  const shown = ['name', 'kind', 'health', 'expiry'] as const;

  it('writes CSV with the columns shown, quoting what needs it', () => {
    const csv = toCsv([revokedEntry, soonEntry], shown, now);
    expect(csv.split('\r\n')).toEqual([
      'Name,Type,Health,Expiry',
      'crrevoked,Container registry,Inaccessible: The identity has no access to the key.,no expiry',
      'crsoon,Container registry,Accessible,expires in 12 days',
      '',
    ]);
    const tricky = entry(row('a,"b"'), health(prod.id, 'unknown', {}, '=cmd()'));
    expect(toCsv([tricky], ['name', 'health'], now).split('\r\n')[1]).toBe('"a,""b""",Unknown: =cmd()');
    const formula = entry(row('=HYPERLINK("x")'));
    expect(toCsv([formula], ['name'], now).split('\r\n')[1]).toBe(`"'=HYPERLINK(""x"")"`);
  });

  it('writes JSON with the same columns', () => {
    const parsed = JSON.parse(toJson([soonEntry, plainEntry], shown, now)) as [Record<string, string>, Record<string, string>];
    expect(parsed).toEqual([
      { Name: 'crsoon', Type: 'Container registry', Health: 'Accessible', Expiry: 'expires in 12 days' },
      { Name: 'stplain', Type: 'Storage account', Health: 'Not applicable', Expiry: '' },
    ]);
    const csvHeader = toCsv([], shown, now).split('\r\n')[0];
    expect(Object.keys(parsed[0]).join(',')).toBe(csvHeader);
  });
});

describe('columnLayout', () => {
  // The resource menu (220 px) and the blade's padding leave about 1,010 px of a 1280 px window.
  const bladeWidthAt1280 = 1010;

  it('fits the default columns in a 1280 px window, long texts getting the larger shares', () => {
    const layout = columnLayout(defaultColumns);
    expect(layout.minWidth).toBeLessThanOrEqual(bladeWidthAt1280);
    const share = (id: string) => Number.parseFloat(layout.widths[defaultColumns.indexOf(id as never)] ?? '0');
    expect(share('health')).toBeGreaterThan(share('kind'));
    expect(share('name')).toBeGreaterThan(share('kind'));
    const total = layout.widths.reduce((sum, width) => sum + Number.parseFloat(width), 0);
    expect(total).toBeCloseTo(100, 0);
  });

  it('asks for sideways scrolling only when every column is shown', () => {
    const all = columns.map((c) => c.id);
    expect(columnLayout(all).minWidth).toBeGreaterThan(bladeWidthAt1280);
  });
});

