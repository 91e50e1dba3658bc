import { createDOMRenderer } from '@fluentui/react-components';
import { act } from '@testing-library/react';
import { hydrateRoot, type Root } from 'react-dom/client';
import { describe, expect, it } from 'vitest';
import { App } from './components/App';
import { AppRoot } from './AppRoot';
import { prerender } from './prerender';
import { mockShell, signedOutHandlers } from './test/ipc';
import { fakeMediaQueries } from './test/matchMedia';
import { prerenderedDarkThemeId } from './theme';

// A file of its own, so the page is fresh: once an app has run in a document, Fluent's focus manager
// adds its own elements to any HTML put into it, and that HTML no longer matches what the app renders.
describe('the prerendered first screen on a dark desktop', () => {
  it('keeps the dark tokens on a dark desktop until the app has applied its own dark theme, then drops them', async () => {
    fakeMediaQueries.setPrefersDark(true);
    const { html, css } = prerender();
    document.head.insertAdjacentHTML('beforeend', css);
    expect(document.getElementById(prerenderedDarkThemeId)).not.toBeNull();

    mockShell(signedOutHandlers());
    const container = document.createElement('div');
    container.innerHTML = html;
    document.body.appendChild(container);
    let root: Root | undefined;
    await act(async () => {
      root = hydrateRoot(
        container,
        <AppRoot renderer={createDOMRenderer()}>
          <App />
        </AppRoot>,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    expect(document.getElementById(prerenderedDarkThemeId)).toBeNull();
    // The app's provider now carries the dark theme itself (inserted as CSSOM rules, not as text).
    const rules = [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules].map((rule) => rule.cssText));
    expect(rules.join('\n')).toContain('--colorNeutralBackground1: #292929');
    act(() => {
      root?.unmount();
    });
    container.remove();
  });
});
