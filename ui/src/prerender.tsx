import { createDOMRenderer, renderToStyleElements, webDarkTheme } from '@fluentui/react-components';
import { renderToStaticMarkup, renderToString } from 'react-dom/server';
import { AppRoot } from './AppRoot';
import { App } from './components/App';
import { prerenderedDarkThemeId } from './theme';

/**
 * keyblade's first screen as HTML and CSS, made at build time (`scripts/prerender.mjs` puts it into
 * `dist/index.html`), so that WebKit paints it as soon as the page loads rather than after ~0.8 MiB of
 * script has run; `main.tsx` then hydrates it. It is exactly what the app renders before the shell
 * first answers: the frame, with the session being checked.
 *
 * A server render knows no OS theme, so it is light; `css` also holds the dark theme's tokens for the
 * provider under `prefers-color-scheme: dark`, so a dark desktop never sees a light first frame.
 */
export function prerender(): { html: string; css: string } {
  const renderer = createDOMRenderer();
  const html = renderToString(
    <AppRoot renderer={renderer}>
      <App />
    </AppRoot>,
  );
  const provider = /class="fui-FluentProvider (fui-FluentProvider\S+)/.exec(html)?.[1];
  if (provider === undefined) {
    throw new Error('The prerendered app has no FluentProvider class: the dark theme cannot be applied to it');
  }
  const darkTokens = Object.entries(webDarkTheme)
    .map(([token, value]) => `--${token}: ${String(value)};`)
    .join(' ');
  // The provider's own (light) rule sits later in the page, so this one is more specific. No
  // `forced-colors` test: WebKitGTK does not know it, and a query with an unknown feature never
  // matches. Contrast themes are the app's once it runs (App then drops this rule).
  const dark =
    `<style id="${prerenderedDarkThemeId}">@media (prefers-color-scheme: dark) ` +
    `{ html .${provider} { ${darkTokens} color-scheme: dark; } }</style>`;
  const css = renderToStaticMarkup(<>{renderToStyleElements(renderer)}</>) + dark;
  return { html, css };
}
