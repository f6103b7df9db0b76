/**
 * Scale: the report of a 1,000-run database (25 instances × 8 solver configurations × 5 seeds,
 * ~60 trace points per run, recorded with Store.recordRun) renders in under 5 seconds and every
 * page stays under 3 MB, with its numbers rounded to 4 significant digits.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSyntheticDb } from './fixtures/report-db.ts';
import { renderReport } from '../reports/render.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-report-size-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('1,000 runs: under 5 s and a few MB per page', async (t) => {
  const db = join(dir, 'big.db');
  const runs = await buildSyntheticDb(db, { instances: 25, labels: 8, seeds: 5, points: 60 });
  t.equal(runs, 1000);
  // CPU seconds of this process (all its threads, sqlite's included): the wall clock of a shared
  // CI machine also counts other jobs. The wall time is printed alongside.
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const res = await renderReport({ db, out: join(dir, 'report') });
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  t.equal(res.runs, 1000);
  t.ok(seconds < 5, `rendered in ${seconds.toFixed(2)} CPU s (${wall.toFixed(2)} s wall)`);
  for (const page of res.pages) {
    const size = statSync(page).size;
    t.ok(size < 3e6, `${page.slice(dir.length + 1)}: ${(size / 1e6).toFixed(2)} MB`);
  }
  const bundle = statSync(join(dir, 'report', 'assets', 'vega-bundle.js')).size;
  t.ok(bundle > 5e5 && bundle < 1.5e6, `one shared vega bundle of ${(bundle / 1e6).toFixed(2)} MB`);
  // No number in the embedded chart data carries more than 4 significant digits.
  const family = readFileSync(join(dir, 'report', 'family-lasso.html'), 'utf8');
  const json = [...family.matchAll(/<script type="application\/json" id="chart-\d+">(.*?)<\/script>/gs)].map((m) => m[1] ?? '');
  t.ok(json.length >= 16, `${json.length} chart payloads`);
  const numbers = json.flatMap((j) => {
    const payload = JSON.parse(j) as { data: Record<string, { rows: (number | null)[][] }> };
    return Object.values(payload.data).flatMap((p) => p.rows.flat());
  });
  const unrounded = numbers.filter((v) => v !== null && Number(v.toPrecision(4)) !== v);
  t.ok(numbers.length > 10000, `${numbers.length} numbers embedded`);
  t.same(unrounded.slice(0, 5), [], 'numbers rounded to 4 significant digits');
});
