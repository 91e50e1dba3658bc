/**
 * A controllable `matchMedia` for jsdom, which has none. `(prefers-color-scheme: dark)` and
 * `(forced-colors: active)` are answered from `setPrefersDark` and `setForcedColors`; every other
 * query reports no match.
 */
export class FakeMediaQueries {
  private dark = false;
  private forced = false;
  private readonly listeners = new Set<(event: MediaQueryListEvent) => void>();

  get listenerCount(): number {
    return this.listeners.size;
  }

  setPrefersDark(dark: boolean): void {
    this.dark = dark;
    for (const listener of [...this.listeners]) {
      listener({ matches: dark, media: '(prefers-color-scheme: dark)' } as MediaQueryListEvent);
    }
  }

  setForcedColors(forced: boolean): void {
    this.forced = forced;
    for (const listener of [...this.listeners]) {
      listener({ matches: forced, media: '(forced-colors: active)' } as MediaQueryListEvent);
    }
  }

  install(): void {
    const normalised = (query: string) => query.replace(/\s+/g, '');
    const isDarkQuery = (query: string) => normalised(query) === '(prefers-color-scheme:dark)';
    const isForcedQuery = (query: string) => normalised(query) === '(forced-colors:active)';
    const isKnown = (query: string) => isDarkQuery(query) || isForcedQuery(query);
    const matchMedia = (query: string): MediaQueryList => {
      const queries = this.listeners;
      const fake = {
        media: query,
        get matches() {
          return (isDarkQuery(query) && fakeMediaQueries.dark) || (isForcedQuery(query) && fakeMediaQueries.forced);
        },
        onchange: null,
        addEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => {
          if (isKnown(query)) queries.add(listener);
        },
        removeEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => {
          queries.delete(listener);
        },
        addListener: (listener: (event: MediaQueryListEvent) => void) => {
          if (isKnown(query)) queries.add(listener);
        },
        removeListener: (listener: (event: MediaQueryListEvent) => void) => {
          queries.delete(listener);
        },
        dispatchEvent: () => false,
      };
      return fake as unknown as MediaQueryList;
    };
    Object.defineProperty(window, 'matchMedia', { configurable: true, writable: true, value: matchMedia });
  }

  reset(): void {
    this.dark = false;
    this.forced = false;
    this.listeners.clear();
  }
}

export const fakeMediaQueries = new FakeMediaQueries();
