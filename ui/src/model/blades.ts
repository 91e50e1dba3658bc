/** The resource menu's entries, as the portal names them. */
export type BladeId = 'home' | 'overview' | 'identity' | 'encryption' | 'history';

export const bladeTitles: Record<BladeId, string> = {
  home: 'Home',
  overview: 'Overview',
  identity: 'Identity',
  encryption: 'Encryption',
  history: 'History',
};

/** Blades under the menu's "Settings" group. */
export const settingsBlades: readonly BladeId[] = ['identity', 'encryption', 'history'];
