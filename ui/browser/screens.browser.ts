import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AxeResults, ElementContext, RunOptions } from 'axe-core';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatViolations, needsRealLayout } from '../src/test/axe';
import { cmkView, fixture, keys, vaults } from '../src/test/encryption';
import { contosoProd, prodRegistry } from '../src/test/ipc';
import { themeFor, type ColorScheme } from '../src/theme';

// The real UI in Chromium, the engine of WebView2, which the app runs in on Windows. There the Windows contrast
// themes reach the page as CSS forced colours, which Linux's WebKitGTK does not have; Chromium emulates them
// (`forcedColors: 'active'`), painting with its forced palette exactly as it does for a Windows contrast theme. The
// page is the app with the unit tests' fake shell (src/test/browser/), served by Vite. For each colour mode every
// screen is audited by axe-core with real layout (colour contrast and target sizes included), checked for the
// theme the app chose and, under forced colours, for the system colours it is painted in, and saved as a PNG.

/**
 * The app's own index.html (its language, viewport, colour schemes and title) with the fake shell's entry in place
 * of main.tsx.
 */
const fakeShellEntry: Plugin = {
  name: 'keyblade-fake-shell-entry',
  transformIndexHtml: {
    order: 'pre',
    handler(html) {
      const entry = '/src/main.tsx';
      if (!html.includes(entry)) throw new Error(`index.html no longer loads ${entry}: update the browser check`);
      return html.replace(entry, '/src/test/browser/main.tsx');
    },
  },
};

const uiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shots = path.resolve(uiDir, '..', 'artifacts', 'chromium');
const chromiumPath = process.env.KEYBLADE_CHROMIUM ?? '/usr/bin/chromium';
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// Generous: a loaded 2-core CI machine can take many seconds for the first page load of Vite's dev server and for
// an axe run over the whole page; a passing run never waits this long.
const waitLimit = 60_000;

interface Mode {
  /** The screenshots' prefix. */
  id: string;
  colorScheme: 'light' | 'dark';
  forcedColors: 'active' | 'none';
  /** What `useOsColorScheme` must pick. */
  theme: ColorScheme;
  /** Under forced colours: the page's `Canvas`, black as in Windows' High Contrast Black, white as in White. */
  canvas?: string;
}

const modes: Mode[] = [
  { id: 'light', colorScheme: 'light', forcedColors: 'none', theme: 'light' },
  { id: 'dark', colorScheme: 'dark', forcedColors: 'none', theme: 'dark' },
  { id: 'high-contrast-black', colorScheme: 'dark', forcedColors: 'active', theme: 'highContrast', canvas: 'rgb(0, 0, 0)' },
  { id: 'high-contrast-white', colorScheme: 'light', forcedColors: 'active', theme: 'highContrast', canvas: 'rgb(255, 255, 255)' },
];

// Every rule, the ones jsdom cannot judge included. `color-contrast-enhanced` (WCAG AAA, 7:1) is off in axe's
// defaults; it is held to under forced colours, where the palette is the user's and must come through whole.
function axeOptions(mode: Mode): RunOptions {
  const enabled = needsRealLayout.filter((id) => id !== 'color-contrast-enhanced' || mode.forcedColors === 'active');
  return {
    rules: Object.fromEntries(enabled.map((id) => [id, { enabled: true }])),
    resultTypes: ['violations'],
  };
}

/** The `color*` tokens of a theme: the ones that tell the app's three themes apart. */
function colorTokens(scheme: ColorScheme): Record<string, string> {
  return Object.fromEntries(
    Object.entries(themeFor(scheme))
      .filter(([name]) => name.startsWith('color'))
      .map(([name, value]) => [name, String(value)]),
  );
}

/** Resolves once every finite animation on the page (a dialog's or a panel's entrance) has ended. */
async function animationsDone(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const finite = document
      .getAnimations()
      .filter((animation) => animation.effect?.getComputedTiming().endTime !== Number.POSITIVE_INFINITY);
    await Promise.all(finite.map((animation) => animation.finished.catch(() => undefined)));
  });
}

interface Painted {
  forced: boolean;
  /** The system colours as this page resolves them, read from a probe that opts out of forcing. */
  system: { canvas: string; canvasText: string; highlight: string };
  /** The app's root FluentProvider: the theme's colour tokens, and the colours it is painted in. */
  tokens: Record<string, string>;
  background: string;
  color: string;
}

async function painted(page: Page, tokenNames: string[]): Promise<Painted> {
  return page.evaluate((names) => {
    const provider = document.querySelector('.fui-FluentProvider');
    if (provider === null) throw new Error('no FluentProvider on the page: the app did not render');
    const probe = document.createElement('div');
    probe.style.cssText = 'forced-color-adjust: none; background-color: Canvas; color: CanvasText; border: 1px solid Highlight';
    document.body.append(probe);
    const probed = getComputedStyle(probe);
    const system = { canvas: probed.backgroundColor, canvasText: probed.color, highlight: probed.borderTopColor };
    probe.remove();
    const style = getComputedStyle(provider);
    return {
      forced: window.matchMedia('(forced-colors: active)').matches,
      system,
      tokens: Object.fromEntries(names.map((name) => [name, style.getPropertyValue(`--${name}`).trim()])),
      background: style.backgroundColor,
      color: style.color,
    };
  }, tokenNames);
}

async function colorsOf(locator: Locator): Promise<{ background: string; color: string }> {
  return locator.evaluate((element) => {
    const style = getComputedStyle(element);
    return { background: style.backgroundColor, color: style.color };
  });
}

async function axe(page: Page, mode: Mode): Promise<AxeResults> {
  const injected = await page.evaluate(() => 'axe' in window);
  if (!injected) await page.addScriptTag({ path: axeSource });
  return page.evaluate(async (options) => {
    const { axe: runner } = window as unknown as { axe: { run: (context: ElementContext, options: RunOptions) => Promise<AxeResults> } };
    // Fluent's focus traps (tabster) put focusable, aria-hidden sentinels around groups, which hand focus on at
    // once; they are the library's, not content, and axe's aria-hidden-focus cannot tell them apart.
    return runner.run({ exclude: [['[data-tabster-dummy]']] }, options);
  }, axeOptions(mode));
}

/**
 * One screen in one mode: its screenshot, then the theme, the forced colours and axe. `surface` is the screen's own
 * Fluent surface (a dialog or a panel), and `primary` its primary button, checked for the system colours.
 */
async function checkScreen(
  page: Page,
  mode: Mode,
  screen: string,
  parts: { surface?: Locator; primary?: Locator } = {},
): Promise<void> {
  await animationsDone(page);
  await page.screenshot({ path: path.join(shots, `${mode.id}-${screen}.png`), animations: 'disabled' });

  const expected = colorTokens(mode.theme);
  const seen = await painted(page, Object.keys(expected));
  expect.soft(seen.tokens, `${mode.id} ${screen}: the app's theme is ${mode.theme}`).toEqual(expected);
  expect.soft(seen.forced, `${mode.id} ${screen}: forced colours`).toBe(mode.forcedColors === 'active');
  if (mode.canvas !== undefined) {
    // Forced colours are really in effect: the palette is the one asked for, and the app's surfaces are painted
    // in it whatever their theme says.
    expect.soft(seen.system.canvas, `${mode.id} ${screen}: the forced palette's Canvas`).toBe(mode.canvas);
    const system = { background: seen.system.canvas, color: seen.system.canvasText };
    expect.soft({ background: seen.background, color: seen.color }, `${mode.id} ${screen}: the app's root in system colours`).toEqual(system);
    if (parts.surface !== undefined) {
      expect.soft(await colorsOf(parts.surface), `${mode.id} ${screen}: its surface in system colours`).toEqual(system);
    }
    if (parts.primary !== undefined) {
      // Fluent's forced-colours styles draw a primary button in Highlight, as Windows draws a default button.
      const { background } = await colorsOf(parts.primary);
      expect.soft(background, `${mode.id} ${screen}: the primary button in Highlight`).toBe(seen.system.highlight);
    }
  }

  const results = await axe(page, mode);
  const violations = results.violations;
  expect.soft(violations.length, `${mode.id} ${screen}: axe found\n\n${formatViolations(violations)}`).toBe(0);
}

async function enabled(locator: Locator): Promise<void> {
  await expect.poll(() => locator.isEnabled(), { timeout: waitLimit }).toBe(true);
}

/** Home, the Sign in dialog, the Encryption blade, and Change key both ways, in one mode. */
async function walk(page: Page, mode: Mode, url: string): Promise<void> {
  await page.goto(url);

  await page.getByRole('table', { name: 'Encrypted resources' }).waitFor();
  await page.getByText('Checked all 1 key.').waitFor();
  await checkScreen(page, mode, 'home');

  await page.getByRole('region', { name: 'Demo tenant' }).getByRole('button', { name: 'Sign in to Azure' }).click();
  const signIn = page.getByRole('dialog', { name: 'Sign in to Azure' });
  await signIn.waitFor();
  await checkScreen(page, mode, 'sign-in-dialog', { surface: signIn, primary: signIn.getByRole('button', { name: 'Sign in' }) });
  await signIn.getByRole('button', { name: 'Cancel' }).click();
  await signIn.waitFor({ state: 'detached' });

  await page.getByRole('banner').getByRole('button', { name: 'Select resource' }).click();
  const picker = page.getByRole('dialog', { name: 'Select a resource' });
  await picker.getByRole('combobox', { name: /Subscription/ }).selectOption({ label: contosoProd.displayName });
  await picker.getByRole('radio', { name: new RegExp(prodRegistry.name) }).click();
  await picker.getByRole('button', { name: 'Select' }).click();
  await picker.waitFor({ state: 'detached' });

  await page.getByRole('navigation', { name: 'Resource menu' }).getByRole('button', { name: 'Encryption' }).click();
  await page.getByText(cmkView.health.summary).waitFor();
  const changeKey = page.getByRole('toolbar', { name: 'Encryption commands' }).getByRole('button', { name: 'Change key' });
  await expect.poll(() => changeKey.getAttribute('aria-disabled'), { timeout: waitLimit }).not.toBe('true');
  await checkScreen(page, mode, 'encryption');

  await changeKey.click();
  const panel = page.getByRole('dialog', { name: 'Change key' });
  const vault = panel.getByRole('combobox', { name: /Key vault/ });
  await enabled(vault);
  await vault.selectOption(fixture(vaults, 0).id);
  const key = panel.getByRole('combobox', { name: /^Key(?! vault)/ });
  await enabled(key);
  await key.selectOption(fixture(keys, 0).kid);
  const save = panel.getByRole('button', { name: 'Save' });
  await enabled(save);
  await checkScreen(page, mode, 'change-key-select-from-key-vault', { surface: panel, primary: save });

  await panel.getByRole('radio', { name: 'Enter key URI' }).click();
  await panel.getByRole('textbox', { name: /Key URI/ }).waitFor();
  await enabled(save);
  await checkScreen(page, mode, 'change-key-enter-key-uri', { surface: panel, primary: save });
}

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let url = '';

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium package, or set KEYBLADE_CHROMIUM to one`);
  }
  await mkdir(shots, { recursive: true });
  server = await createServer({
    configFile: path.join(uiDir, 'vite.config.ts'),
    root: uiDir,
    // Its own dependency cache, so a `npm run dev` in the same checkout is not disturbed.
    cacheDir: path.join(uiDir, 'node_modules', '.vite-browser-check'),
    logLevel: 'warn',
    // Any free port; no watching or hot reload: the page must not change under a check.
    server: { port: 0, strictPort: false, hmr: false, watch: null },
    plugins: [fakeShellEntry],
  });
  await server.listen();
  const base = server.resolvedUrls?.local[0];
  if (base === undefined) throw new Error('Vite did not say where it serves');
  url = base;
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the UI in Chromium', () => {
  it.each(modes)('$id: Home, Sign in, Encryption and Change key', async (mode) => {
    if (browser === undefined) throw new Error('Chromium did not start');
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: mode.colorScheme,
      forcedColors: mode.forcedColors,
      reducedMotion: 'no-preference',
    });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(waitLimit);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await walk(page, mode, url);
      expect(errors, 'errors thrown in the page').toEqual([]);
    } finally {
      await context.close();
    }
  });
});
