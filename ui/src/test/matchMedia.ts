/**
 * A controllable `matchMedia` for jsdom, which has none. Only `(prefers-color-scheme: dark)` is
 * answered from `prefersDark`; every other query reports no match.
 */
export class FakeMediaQueries {
  private dark = false;
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

  install(): void {
    const isDarkQuery = (query: string) => query.replace(/\s+/g, '') === '(prefers-color-scheme:dark)';
    const matchMedia = (query: string): MediaQueryList => {
      const queries = this.listeners;
      const fake = {
        media: query,
        get matches() {
          return isDarkQuery(query) && fakeMediaQueries.dark;
        },
        onchange: null,
        addEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => {
          if (isDarkQuery(query)) queries.add(listener);
        },
        removeEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => {
          queries.delete(listener);
        },
        addListener: (listener: (event: MediaQueryListEvent) => void) => {
          if (isDarkQuery(query)) queries.add(listener);
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
    this.listeners.clear();
  }
}

export const fakeMediaQueries = new FakeMediaQueries();
