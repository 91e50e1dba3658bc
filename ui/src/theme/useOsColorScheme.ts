import { useSyncExternalStore } from 'react';

export type ColorScheme = 'light' | 'dark';

const darkQuery = '(prefers-color-scheme: dark)';

function mediaQuery(): MediaQueryList | null {
  // Some embedders (and old test environments) have no matchMedia; light is the safe default there.
  return typeof window.matchMedia === 'function' ? window.matchMedia(darkQuery) : null;
}

function subscribe(onChange: () => void): () => void {
  const query = mediaQuery();
  if (query === null) {
    return () => undefined;
  }
  query.addEventListener('change', onChange);
  return () => {
    query.removeEventListener('change', onChange);
  };
}

function snapshot(): ColorScheme {
  return mediaQuery()?.matches === true ? 'dark' : 'light';
}

/** The OS colour scheme, updated live when the user switches it. */
export function useOsColorScheme(): ColorScheme {
  return useSyncExternalStore(subscribe, snapshot, () => 'light');
}
