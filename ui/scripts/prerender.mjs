// Puts the app's first screen, rendered at build time by src/prerender.tsx (built for Node into
// dist-ssr/ by `vite build --ssr`), into dist/index.html, so the window paints it before the script runs.
import { readFile, rm, writeFile } from 'node:fs/promises';

const ssrDir = new URL('../dist-ssr/', import.meta.url);
const indexHtml = new URL('../dist/index.html', import.meta.url);
const { prerender } = await import(new URL('prerender.js', ssrDir).href);
const { html, css } = prerender();
const page = await readFile(indexHtml, 'utf8');
const root = '<div id="root"></div>';
if (!page.includes(root) || !page.includes('</head>')) {
  throw new Error(`dist/index.html has no empty ${root} or no </head> to fill`);
}
// Replacer functions, not strings: a replacement string would read `$&`, `$'`… in the CSS or HTML as patterns.
const filled = page.replace('</head>', () => `${css}\n  </head>`).replace(root, () => `<div id="root">${html}</div>`);
await writeFile(indexHtml, filled);
await rm(ssrDir, { recursive: true, force: true });
console.log(`Prerendered the first screen into dist/index.html (${String(html.length + css.length)} bytes).`);
