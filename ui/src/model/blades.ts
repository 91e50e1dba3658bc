/** The resource menu's entries, as the portal names them. */
export type BladeId = 'overview' | 'identity' | 'encryption' | 'history';

export const bladeTitles: Record<BladeId, string> = {
  overview: 'Overview',
  identity: 'Identity',
  encryption: 'Encryption',
  history: 'History',
};

/** Blades under the menu's "Settings" group. */
export const settingsBlades: readonly BladeId[] = ['identity', 'encryption', 'history'];
