/**
 * Regularization paths (harness/path.ts, `solve --path`): the geometric grid; cd's warm-started
 * path and lars's own homotopy agree at every λ (two independent implementations) and every
 * point is certified; the peers' native paths (glmnet, sklearn lasso_path) reach the same
 * objectives; `solve --path` stores one run per λ linked by one path id, with distinct job keys.
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkRatios, executePath, geometricRatios } from '../harness/path.ts';
import type { JobSpec } from '../harness/job.ts';
import { openStore } from '../harness/store/index.ts';
import { findPython, findRscript } from '../harness/external/peers/runtime.ts';

const job = (solver: string): JobSpec => ({
  problem: { family: 'lasso', dataset: 'sim-lasso:n=60,p=120,k=8,seed=4', lambda: { kind: 'ratio', ratio: 1 } },
  solver,
  params: {},
  seed: 0,
  tol: 1e-11,
  maxIter: 100000,
  timeoutSeconds: 120,
});

t.test('geometric grid and ratio lists', async (t) => {
  const r = geometricRatios(5, 1e-2);
  t.equal(r.length, 5);
  t.equal(r[0], 1);
  t.ok(Math.abs((r[4] as number) - 1e-2) < 1e-16);
  t.ok(Math.abs((r[1] as number) / (r[0] as number) - (r[2] as number) / (r[1] as number)) < 1e-12, 'constant ratio');
  t.throws(() => checkRatios([1, 0.5, 0.7]), /from large λ to small/);
  t.throws(() => geometricRatios(0, 0.1), /positive integer/);
});

t.test('cd warm starts and lars’s homotopy give the same path, every point certified', async (t) => {
  const ratios = geometricRatios(6, 0.02);
  const a = await executePath(job('cd'), ratios);
  const b = await executePath(job('lars'), ratios);
  t.equal(a.length, 6);
  const ids = new Set(a.map((r) => (JSON.parse(r.run.extras as string) as { path: { id: string } }).path.id));
  t.equal(ids.size, 1, 'one path id');
  for (const [k, r] of a.entries()) {
    const ex = JSON.parse(r.run.extras as string) as { path: { index: number; mode: string; length: number }; coef: { idx: number[]; val: number[] } };
    t.same([ex.path.index, ex.path.length, ex.path.mode], [k, 6, 'warm-start']);
    t.equal(r.run.status, 'converged', `cd λ_${k}: ${r.run.reason}`);
    t.equal((b[k] as (typeof b)[number]).run.status, 'converged', `lars λ_${k}`);
    const xa = r.x as Float64Array;
    const xb = (b[k] as (typeof b)[number]).x as Float64Array;
    const err = Math.max(...Array.from(xa, (v, j) => Math.abs(v - (xb[j] as number))));
    t.ok(err <= 1e-6, `λ_${k}: max |w_cd − w_lars| = ${err.toExponential(2)}`);
    t.equal(ex.coef.idx.length, r.run.nnz, 'stored coefficients = the support');
  }
  const keys = new Set([...a, ...b].map((r) => r.run.job_key));
  t.equal(keys.size, 12, 'distinct job keys');
});

t.test('peers’ native paths reach the same objectives', async (t) => {
  const ratios = geometricRatios(5, 0.05);
  const ref = await executePath(job('cd'), ratios);
  for (const [solver, ok] of [['glmnet', !('missing' in findRscript())], ['sklearn-cd', !('missing' in findPython())], ['sklearn-lars', !('missing' in findPython())]] as const) {
    if (!ok) {
      if (process.getuid?.() === 0) t.fail(`${solver} is not installed: run .ci/run`);
      else t.comment(`skipped: ${solver} is not installed`);
      continue;
    }
    const rs = await executePath(job(solver), ratios);
    for (const [k, r] of rs.entries()) {
      const F = r.run.objective as number;
      const Fs = (ref[k] as (typeof ref)[number]).run.objective as number;
      t.ok(Math.abs(F - Fs) <= 1e-8 * Math.abs(Fs), `${solver} λ_${k}: F = ${F} vs cd ${Fs} (${r.run.status}, rel gap ${r.run.rel_gap})`);
    }
  }
});

t.test('solve --path K records one run per λ under one path id', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'l1bench-path-')), 'r.db');
  const bin = fileURLToPath(new URL('../bin/l1bench.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'solve', '--problem', 'lasso', '--data', 'diabetes', '--standardize', '--solver', 'cd', '--path', '4', '--path-min-ratio', '0.01', '--db', db], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /cd path on lasso\/diabetes .*4 λ, warm-start/);
  const store = await openStore(db);
  try {
    const runs = await store.runs({});
    t.equal(runs.length, 4);
    const paths = runs.map((x) => (JSON.parse(x.extras as string) as { path: { id: string; index: number } }).path);
    t.equal(new Set(paths.map((p) => p.id)).size, 1);
    t.same(paths.map((p) => p.index).sort(), [0, 1, 2, 3]);
  } finally {
    await store.close();
  }
  const bad = spawnSync(process.execPath, [bin, 'solve', '--problem', 'lasso', '--data', 'diabetes', '--solver', 'cd', '--lambda-ratio', '1,2', '--no-db'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /from large λ to small/);
});

t.test('the report draws a stored path: coefficients and time per λ', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'l1bench-path-report-'));
  const db = join(dir, 'r.db');
  const store = await openStore(db);
  const rs = await executePath({ ...job('cd'), problem: { ...job('cd').problem, dataset: 'sim-lasso:n=40,p=30,k=4,seed=1' } }, geometricRatios(5, 0.05));
  try {
    for (const r of rs) await store.recordRun(r.run, r.trace);
  } finally {
    await store.close();
  }
  const { renderReport } = await import('../reports/render.ts');
  const out = await renderReport({ db, out: join(dir, 'report') });
  const page = out.pages.find((p) => p.endsWith('paths.html'));
  t.ok(page, 'paths.html written');
  const html = readFileSync(page as string, 'utf8');
  const nnzLast = rs[4]?.run.nnz as number;
  t.match(html, new RegExp(`coefficients along the path \\(${nnzLast} of \\d+ features ever nonzero\\)`));
  t.equal((html.match(/<polyline/g) ?? []).length >= nnzLast + 2, true, 'one line per feature plus the two time lines');
  t.equal((html.match(/<tr class="row-converged">/g) ?? []).length, 5, 'one row per λ');
  t.match(readFileSync(join(dir, 'report', 'index.html'), 'utf8'), /<a href="paths.html">Paths<\/a>/);
});

