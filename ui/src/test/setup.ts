import '@testing-library/jest-dom/vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { fakeMediaQueries } from './matchMedia';

// jsdom lacks these browser APIs that Fluent UI uses for positioning and overflow.
class NoopResizeObserver implements ResizeObserver {
  observe(): void {
    // jsdom never lays anything out, so there is nothing to observe.
  }
  unobserve(): void {
    // See observe().
  }
  disconnect(): void {
    // See observe().
  }
}
globalThis.ResizeObserver = NoopResizeObserver;

// Fluent's focus manager (tabster) treats an element with no offsetParent, or a page whose body has no
// size, as invisible, and jsdom lays nothing out. Without these, arrow keys and focus traps do nothing.
Object.defineProperty(HTMLElement.prototype, 'offsetParent', {
  configurable: true,
  get(this: HTMLElement) {
    return this.parentElement;
  },
});
HTMLBodyElement.prototype.getBoundingClientRect = () => new DOMRect(0, 0, 1280, 800);

fakeMediaQueries.install();

// findBy* and waitFor give up after 1 s by default. On a loaded 2-core machine (CI, or several builds at
// once) the first render of the whole app with Fluent can take longer than that, which made tests fail
// for no fault of the app. A passing test never waits this long.
configure({ asyncUtilTimeout: 10_000 });

beforeEach(() => {
  fakeMediaQueries.reset();
});

afterEach(() => {
  cleanup();
  clearMocks();
});
