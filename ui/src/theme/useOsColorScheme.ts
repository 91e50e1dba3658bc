import { useSyncExternalStore } from 'react';

/** The OS's choice: light, dark, or a forced high-contrast palette (Windows' contrast themes). */
export type ColorScheme = 'light' | 'dark' | 'highContrast';

const darkQuery = '(prefers-color-scheme: dark)';
// Windows contrast themes force colours in WebView2; the app then uses Fluent's high-contrast
// theme, whose tokens are system colours, so text and borders stay visible.
const forcedColorsQuery = '(forced-colors: active)';

function mediaQuery(query: string): MediaQueryList | null {
  // Some embedders (and old test environments) have no matchMedia; light is the safe default there.
  return typeof window.matchMedia === 'function' ? window.matchMedia(query) : null;
}

function subscribe(onChange: () => void): () => void {
  const queries = [mediaQuery(darkQuery), mediaQuery(forcedColorsQuery)].filter(
    (query): query is MediaQueryList => query !== null,
  );
  for (const query of queries) query.addEventListener('change', onChange);
  return () => {
    for (const query of queries) query.removeEventListener('change', onChange);
  };
}

/** The OS colour scheme right now (what `useOsColorScheme` returns once the app runs in a window). */
export function osColorScheme(): ColorScheme {
  if (mediaQuery(forcedColorsQuery)?.matches === true) return 'highContrast';
  return mediaQuery(darkQuery)?.matches === true ? 'dark' : 'light';
}

/** The OS colour scheme, updated live when the user switches it. */
export function useOsColorScheme(): ColorScheme {
  return useSyncExternalStore(subscribe, osColorScheme, () => 'light');
}
