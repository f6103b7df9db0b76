/**
 * Screenshots of a rendered report: `npx tsx reports/screenshot.ts report/ shots/` opens every
 * page of report/ from disk in headless Chromium (Debian's /usr/bin/chromium, or $CHROMIUM), with
 * every non-file request blocked, waits for the charts, and saves one full-page PNG per page.
 * Console errors, page errors and dialogs are printed; the exit code is 1 if any occurred.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, launched the way ECOSYSTEM.md found to work offline. */
export const CHROMIUM_PATH = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A browser context on a fresh profile with every request other than file:// aborted. */
export async function offlineBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void>; blocked: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'l1bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return {
    context,
    blocked,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Problems seen on a page: console errors, uncaught errors, dialogs (alert, confirm, …). */
export interface PageWatch {
  readonly errors: string[];
  readonly dialogs: string[];
}

/** Starts recording errors and dialogs on a page (dialogs are dismissed). */
export function watch(page: Page): PageWatch {
  const w: PageWatch = { errors: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.errors.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return w;
}

/** Opens a page from disk and waits until every chart has settled (body[data-charts]). */
export async function openPage(page: Page, file: string): Promise<void> {
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelector('.chart') === null || document.body.dataset['charts'] !== undefined, null, { timeout: 30000 });
}

async function main(argv: readonly string[]): Promise<number> {
  const [dir, out] = argv;
  if (!dir || !out) {
    process.stderr.write('usage: npx tsx reports/screenshot.ts REPORT_DIR SHOTS_DIR\n');
    return 2;
  }
  const pages = readdirSync(dir).filter((f) => f.endsWith('.html')).sort();
  if (pages.length === 0) {
    process.stderr.write(`no .html pages in ${dir}; run \`l1bench report --out ${dir}\` first\n`);
    return 2;
  }
  mkdirSync(out, { recursive: true });
  const browser = await offlineBrowser();
  let bad = 0;
  try {
    const page = await browser.context.newPage();
    const w = watch(page);
    for (const f of pages) {
      w.errors.length = 0;
      w.dialogs.length = 0;
      const t0 = performance.now();
      await openPage(page, join(dir, f));
      const shot = join(out, f.replace(/\.html$/, '.png'));
      await page.screenshot({ path: shot, fullPage: true });
      const charts = await page.evaluate(() => [document.querySelectorAll('.chart').length, document.querySelectorAll('.chart svg.marks').length]);
      process.stdout.write(`${shot}: ${charts[1]}/${charts[0]} charts drawn, ${(performance.now() - t0).toFixed(0)} ms\n`);
      for (const e of [...w.errors, ...w.dialogs]) process.stdout.write(`  ${e}\n`);
      bad += w.errors.length + w.dialogs.length;
    }
    if (browser.blocked.length > 0) process.stdout.write(`blocked network requests: ${browser.blocked.join(', ')}\n`);
  } finally {
    await browser.close();
  }
  return bad > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`screenshot failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
