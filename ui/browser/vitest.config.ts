import { defineConfig } from 'vitest/config';

// The browser check (`npm run test:browser`): Node drives Chromium through playwright-core; Vitest only runs and
// reports it. Apart from vite.config.ts's unit tests, which run in jsdom.
export default defineConfig({
  root: `${import.meta.dirname}/..`,
  test: {
    include: ['browser/**/*.browser.ts'],
    environment: 'node',
    // Each mode walks five screens with an axe run over the whole page on each: tens of seconds on a loaded
    // 2-core machine. A passing run is far inside these.
    testTimeout: 300_000,
    hookTimeout: 180_000,
    reporters: ['verbose'],
  },
});
