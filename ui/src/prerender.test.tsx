import { createDOMRenderer } from '@fluentui/react-components';
import { act } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { describe, expect, it } from 'vitest';
import { App } from './components/App';
import { AppRoot } from './AppRoot';
import { prerender } from './prerender';
import { mockShell, signedOutHandlers } from './test/ipc';

describe('the prerendered first screen', () => {
  it('is the app frame with the session being checked, and hydrates without a mismatch', async () => {
    const { html, css } = prerender();
    expect(html).toContain('keyblade');
    expect(html).toContain('Select resource');
    expect(html).toContain('Checking');
    expect(css).toContain('@media (prefers-color-scheme: dark)');

    mockShell(signedOutHandlers());
    const container = document.createElement('div');
    container.innerHTML = html;
    document.body.appendChild(container);
    const prerenderedNav = container.querySelector('nav');
    const mismatches: unknown[] = [];
    await act(async () => {
      hydrateRoot(
        container,
        <AppRoot renderer={createDOMRenderer()}>
          <App />
        </AppRoot>,
        { onRecoverableError: (error) => mismatches.push(error) },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    expect(mismatches).toEqual([]);
    // Hydration adopts the prerendered elements rather than drawing them again.
    expect(prerenderedNav).not.toBeNull();
    expect(container.querySelector('nav')).toBe(prerenderedNav);
    container.remove();
  });
});
