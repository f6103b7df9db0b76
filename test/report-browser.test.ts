/**
 * The HTML report in a real browser: a results.db of real runs (ISTA, FISTA, CD when available,
 * a skipped, a diverged and an errored run, a dataset named `</script><script>alert(1)</script>`)
 * rendered to disk and opened from file:// in Debian's headless chromium with every other request
 * aborted. Every chart must draw, no error or dialog may occur, the hostile name must show as
 * text, and every solver that ran must be in the legends and tables. Every time axis is
 * logarithmic by default (labelled 10ⁿ) and toggles to linear; a solver has the same colour in
 * every legend of every page, and that colour is reports/style.ts's solverColor; the overview
 * fits a 1024 px window.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSampleDb, EVIL_NAME } from './fixtures/report-db.ts';
import { renderReport } from '../reports/render.ts';
import { CHROMIUM_PATH, offlineBrowser, openPage, watch } from '../reports/screenshot.ts';
import { solverColor } from '../reports/style.ts';
import { STATUSES } from '../problems/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-report-browser-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('the report in chromium', async (t) => {
  if (!existsSync(CHROMIUM_PATH)) {
    t.fail(`no chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM)`);
    return;
  }
  const db = join(dir, 'results.db');
  const out = join(dir, 'report');
  const sample = await buildSampleDb(db);
  const result = await renderReport({ db, out });
  const files = ['index.html', 'family-lasso.html', 'ranking.html', 'history.html'];
  t.same(result.pages.map((p) => p.slice(out.length + 1)).sort(), [...files].sort(), 'the pages');
  const browser = await offlineBrowser();
  t.teardown(() => browser.close());

  await t.test('static HTML: the hostile name is escaped everywhere', async (t) => {
    for (const f of files) {
      const html = readFileSync(join(out, f), 'utf8');
      t.notOk(html.includes('<script>alert'), `${f}: no raw <script>alert`);
      const scripts = html.match(/<script\b/g)?.length ?? 0;
      const expected = (html.match(/<script type="application\/json"/g)?.length ?? 0) + (html.includes('assets/report.js') ? 2 : 0);
      t.equal(scripts, expected, `${f}: only our own script elements`);
    }
  });

  /** Colour of each legend entry seen, per page: label → stroke colour of its symbol. */
  const colours = new Map<string, Map<string, string>>();
  for (const f of files) {
    await t.test(`${f} in chromium`, async (t) => {
      const page = await browser.context.newPage();
      const w = watch(page);
      const warnings: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'warning') warnings.push(m.text());
      });
      await openPage(page, join(out, f));
      const state = await page.evaluate(() => ({
        charts: document.querySelectorAll('.chart').length,
        drawn: [...document.querySelectorAll('.chart')].filter((c) => c.querySelector('svg.marks, canvas') !== null).length,
        done: document.body.dataset['charts'] ?? null,
        text: document.body.innerText,
        legend: [...document.querySelectorAll('.chart .role-legend-label text')].map((e) => e.textContent ?? ''),
        cells: [...document.querySelectorAll('td.solver, th.solver')].map((e) => e.textContent ?? ''),
        entries: [...document.querySelectorAll('.chart .role-legend-symbol path')].map((p) => ({
          label: p.parentElement?.parentElement?.querySelector('.role-legend-label text')?.textContent ?? '',
          colour: p.getAttribute('stroke') ?? p.getAttribute('fill') ?? '',
        })),
        toggled: [...document.querySelectorAll('.chart[data-xscale]')].map((c) => ({
          scale: c.getAttribute('data-xscale'),
          labels: [...c.querySelectorAll('.role-axis')]
            .filter((a) => /solver time|time to tolerance/.test(a.querySelector('.role-axis-title text')?.textContent ?? ''))
            .map((a) => [...a.querySelectorAll('.role-axis-label text')].map((e) => e.textContent ?? '').filter((l) => l !== '')),
        })),
        width: document.documentElement.scrollWidth,
      }));
      const seen = new Map<string, string>();
      for (const e of state.entries) if (e.label !== '' && !(STATUSES as readonly string[]).includes(e.label)) seen.set(e.label, e.colour.toUpperCase());
      colours.set(f, seen);
      for (const c of state.toggled) {
        t.equal(c.scale, 'log', `${f}: the time axis is logarithmic by default`);
        const labels = c.labels.flat();
        if (c.labels.length > 0) t.ok(labels.some((l) => /^10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$/.test(l)), `${f}: time ticks labelled 10ⁿ (${labels.join(' ')})`);
      }
      t.same(w.errors, [], 'no console or page errors');
      t.same(warnings, [], 'no console warning (vega: no "Infinite extent")');
      t.same(w.dialogs, [], 'no alert or other dialog');
      t.equal(state.drawn, state.charts, `${state.drawn}/${state.charts} charts drew`);
      if (state.charts > 0) t.equal(state.done, 'done', 'report.js settled every chart');
      if (f === 'family-lasso.html') {
        t.ok(state.charts >= sample.instances, `one chart per instance (${state.charts} ≥ ${sample.instances})`);
        t.ok(state.text.includes(EVIL_NAME), 'the hostile dataset name is shown as text');
        for (const label of sample.ranLabels) {
          t.ok(state.legend.includes(label), `${label} in a chart legend`);
          t.ok(state.cells.includes(label), `${label} in a run table`);
        }
        for (const label of sample.skippedLabels) t.ok(state.cells.includes(label), `skipped ${label} listed`);
        t.ok(state.toggled.length >= sample.instances, 'every convergence chart has a log/linear toggle');
        t.match(state.text, /not applicable/, 'a skip is shown as not applicable');
        t.match(state.text, /tensor-only requires tensor-engine/, 'the skip reason is listed');
        t.match(state.text, /objective blew up/, 'the divergence reason is listed');
        t.match(state.text, /out of memory <b>simulated<\/b>/, 'the error message is listed as text');
        // Axis radio: iterations instead of time; legend click isolates a solver.
        const chart = page.locator('.chart').first();
        await chart.locator('input[value="iterations"]').click();
        await page.waitForFunction(() => [...document.querySelectorAll('.chart')][0]!.querySelector('.role-axis-title text')?.textContent === 'iterations');
        await chart.locator('input[value="gap"]').click();
        await page.waitForFunction(() => [...[...document.querySelectorAll('.chart')][0]!.querySelectorAll('.role-axis-title text')].some((e) => e.textContent === 'relative duality gap (log)'));
        await chart.locator('.role-legend-label text', { hasText: /^fista$/ }).click();
        const opacities = await chart.locator('.mark-line path').evaluateAll((ps) => ps.map((p) => p.getAttribute('opacity')));
        t.ok(opacities.includes('1') && opacities.includes('0.12'), 'legend click fades the other solvers');
        // The log/linear toggle redraws the chart with a linear time axis (plain numbers).
        await page.locator('.xscale-toggle').first().locator('input[value="linear"]').check();
        await page.waitForFunction(() => document.querySelector('.chart[data-xscale]')?.getAttribute('data-xscale') === 'linear' && document.querySelector('.chart[data-xscale] svg.marks') !== null);
        const linearLabels = await page.evaluate(() =>
          [...document.querySelector('.chart[data-xscale]')!.querySelectorAll('.role-axis')]
            .filter((a) => a.querySelector('.role-axis-title text')?.textContent === 'iterations')
            .flatMap((a) => [...a.querySelectorAll('.role-axis-label text')].map((e) => e.textContent ?? '')),
        );
        t.ok(linearLabels.length > 0 && linearLabels.every((l) => /^[\d.,]+$/.test(l)), `plain numbers on the linear iteration axis (${linearLabels.join(' ')})`);
        t.same(w.errors, [], 'no errors after interacting');
      }
      if (f === 'index.html') {
        t.ok(state.text.includes(EVIL_NAME), 'dataset listed as text on the index');
        for (const label of [...sample.ranLabels, ...sample.skippedLabels]) t.ok(state.cells.includes(label), `${label} in the solver table`);
        t.match(state.text, /c0ffee000000/, 'commits listed');
      }
      if (f === 'ranking.html') {
        for (const label of sample.ranLabels) t.ok(state.legend.includes(label), `${label} in the profile legend`);
        t.ok(state.cells.includes('fista'), 'time-to-tolerance table has solver columns');
      }
      if (f === 'history.html') t.match(state.text, /0ld00000/, 'the older commit appears');
      await page.close();
    });
  }
  await t.test('one colour per solver on every page, from the fixed palette', async (t) => {
    const all = new Map<string, string>();
    for (const [f, seen] of colours) {
      for (const [label, colour] of seen) {
        t.equal(colour, solverColor(label).toUpperCase(), `${f}: ${label} has its colour`);
        const before = all.get(label);
        if (before !== undefined) t.equal(colour, before, `${label}: same colour on ${f} as before`);
        all.set(label, colour);
      }
    }
    for (const label of sample.ranLabels) t.ok(all.has(label), `${label} seen in a legend`);
  });

  await t.test('the overview at 1024 and 1400 px', async (t) => {
    const page = await browser.context.newPage();
    for (const width of [1024, 1400]) {
      await page.setViewportSize({ width, height: 800 });
      await openPage(page, join(out, 'index.html'));
      const sw = await page.evaluate(() => document.documentElement.scrollWidth);
      t.ok(sw <= width, `no horizontal overflow at ${width} px (${sw})`);
    }
    await page.close();
  });
  t.same(browser.blocked, [], 'no network request was attempted');
});
