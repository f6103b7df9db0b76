/**
 * The HTML report in a real browser: a results.db of real runs (ISTA, FISTA, CD when available,
 * a skipped, a diverged and an errored run, a dataset named `</script><script>alert(1)</script>`)
 * rendered to disk and opened from file:// in Debian's headless chromium with every other request
 * aborted. Every chart must draw, no error or dialog may occur, the hostile name must show as
 * text, and every solver that ran must be in the legends and tables.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSampleDb, EVIL_NAME } from './fixtures/report-db.ts';
import { renderReport } from '../reports/render.ts';
import { CHROMIUM_PATH, offlineBrowser, openPage, watch } from '../reports/screenshot.ts';

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

  for (const f of files) {
    await t.test(`${f} in chromium`, async (t) => {
      const page = await browser.context.newPage();
      const w = watch(page);
      await openPage(page, join(out, f));
      const state = await page.evaluate(() => ({
        charts: document.querySelectorAll('.chart').length,
        drawn: [...document.querySelectorAll('.chart')].filter((c) => c.querySelector('svg.marks, canvas') !== null).length,
        done: document.body.dataset['charts'] ?? null,
        text: document.body.innerText,
        legend: [...document.querySelectorAll('.chart .role-legend-label text')].map((e) => e.textContent ?? ''),
        cells: [...document.querySelectorAll('td.solver, th.solver')].map((e) => e.textContent ?? ''),
      }));
      t.same(w.errors, [], 'no console or page errors');
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
  t.same(browser.blocked, [], 'no network request was attempted');
});
