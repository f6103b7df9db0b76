/**
 * Bench plans that ask for regularization paths (`lambdaPath` on a problem block): the plan runs
 * one warm-started path per (dataset, solver instance, seed) into a real SQLite file, one run per
 * λ linked by a path id (extras.path, as `solve --path`), each measured against its λ's certified
 * reference; the same λ values solved cold in the same plan give the same objectives; a second
 * run of the plan adds nothing; the schema refuses lambdaPath beside lambdaRatios.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';
import { expandPlan } from '../harness/bench/plan.ts';
import { geometricRatios } from '../harness/path.ts';
import { openReadOnly } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-bench-path-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const silent = { start() {}, update() {}, note() {}, stop() {} };
const DATA = 'sim-lasso:n=50,p=80,k=6,seed=3';
const K = 5;
const MIN = 0.05;

const plan = (problems: unknown[]): ReturnType<typeof parseConfig> =>
  parseConfig({ name: 'path-plan', tol: 1e-10, maxIter: 50000, timeout: 60, problems, solvers: [{ name: 'cd' }, { name: 'lars' }] }, 'path-plan');

t.test('a plan with a lambdaPath stores linked warm-started runs that equal cold solves', async (t) => {
  const ratios = geometricRatios(K, MIN);
  const config = plan([
    { family: 'lasso', datasets: [DATA], lambdaPath: { count: K, minRatio: MIN } },
    // the same λ values, solved cold
    { family: 'lasso', datasets: [DATA], lambdaRatios: ratios },
  ]);
  const expanded = expandPlan(config);
  t.equal(expanded.jobs.length, 2 + 2 * K, 'one path job per solver, plus the cold jobs');
  t.equal(expanded.instances.length, K, 'the path shares its λ instances with the cold block');
  const db = join(dir, 'a.db');
  const first = await runBench({ config, db, workers: 2, progress: silent });
  t.equal(first.records.length, 4 * K, 'one recorded run per λ of each path, and the cold runs');
  t.equal(first.notRun, 0);
  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const runs = await store.runs();
  t.equal(runs.length, 4 * K);
  for (const solver of ['cd', 'lars']) {
    const members = runs
      .filter((r) => r.solver === solver && r.extras && (JSON.parse(r.extras) as { path?: unknown }).path)
      .map((r) => ({ r, path: (JSON.parse(r.extras as string) as { path: { id: string; index: number; length: number; mode: string; ratios: number[] } }).path }))
      .sort((a, b) => a.path.index - b.path.index);
    t.equal(members.length, K, `${solver}: ${K} path runs`);
    t.equal(new Set(members.map((m) => m.path.id)).size, 1, `${solver}: one path id`);
    t.same(members.map((m) => m.path.index), [0, 1, 2, 3, 4]);
    t.equal(members[0]?.path.mode, solver === 'lars' ? 'native' : 'warm-start');
    t.equal(new Set(members.map((m) => m.r.job_key)).size, K, `${solver}: distinct job keys`);
    for (const [k, m] of members.entries()) {
      t.ok(Math.abs((m.r.lambda_ratio as number) - (ratios[k] as number)) <= 1e-15, `${solver} λ_${k} ratio`);
      t.equal(m.r.status, 'converged', `${solver} λ_${k}: ${m.r.reason}`);
      t.equal(m.r.reference_kind, 'certified', `${solver} λ_${k} measured against its λ's certified reference`);
      const cold = runs.find((c) => c.solver === solver && c.instance_hash === m.r.instance_hash && c.id !== m.r.id);
      t.ok(cold, `${solver} λ_${k}: the cold run of the same instance`);
      const F = m.r.objective as number;
      const Fc = cold?.objective as number;
      // both certified at relative gap ≤ 1e-10: each within 1e-10·F of F*
      t.ok(Math.abs(F - Fc) <= 2e-10 * Math.abs(Fc), `${solver} λ_${k}: warm ${F} vs cold ${Fc}`);
      t.ok((m.r.subopt as number) <= 1e-10 * Math.abs(F) + 1e-15, `${solver} λ_${k}: F − F* = ${m.r.subopt}`);
    }
  }
  const again = await runBench({ config, db, workers: 2, progress: silent });
  t.equal(again.records.length, 0, 'a second run records nothing');
  t.equal(again.alreadyDone, 2 + 2 * K);
});

t.test('lambdaPath is exclusive of lambdaRatios and needs count and minRatio', async (t) => {
  t.throws(() => plan([{ family: 'lasso', datasets: [DATA], lambdaPath: { count: 3, minRatio: 0.1 }, lambdaRatios: [0.5] }]), /lambdaRatios and lambdaPath are exclusive/);
  t.throws(() => plan([{ family: 'lasso', datasets: [DATA], lambdaPath: { count: 3 } }]), /lambdaPath\.minRatio is missing/);
  t.throws(() => plan([{ family: 'lasso', datasets: [DATA], lambdaPath: { count: 3, minRatio: 2 } }]), /minRatio/);
});

t.test('a path alone gets the certified reference of every λ', async (t) => {
  const config = parseConfig({ name: 'path-only', tol: 1e-10, timeout: 60, problems: [{ family: 'lasso', datasets: [DATA], lambdaPath: { count: 3, minRatio: 0.1 } }], solvers: [{ name: 'cd' }] }, 'path-only');
  const db = join(dir, 'b.db');
  const res = await runBench({ config, db, workers: 1, progress: silent });
  t.equal(res.planned, 1, 'one path job');
  t.equal(res.records.length, 3);
  t.equal(res.references.length, 3, 'a reference per λ');
  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const runs = await store.runs();
  t.same(runs.map((r) => r.reference_kind), ['certified', 'certified', 'certified']);
});
