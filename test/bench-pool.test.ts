import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';
import { CERTIFY_REL_GAP } from '../harness/bench/reference.ts';
import { openReadOnly } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-pool-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'results.db');
const silent = { start() {}, update() {}, note() {}, stop() {} };

const config = parseConfig(
  {
    name: 'pool-test',
    tol: 1e-10,
    maxIter: 20000,
    timeout: 20,
    problems: [
      { family: 'lasso', datasets: ['sim-lasso:n=40,p=30,k=5'], lambdaRatios: [0.3] },
      { family: 'logistic', datasets: ['sim-logistic:n=40,p=15,k=3'], lambdaRatios: [0.3] },
    ],
    solvers: [{ name: 'cd' }, { name: 'fista' }, { name: 'lars' }],
  },
  'pool-test',
);

t.test('a tiny plan runs on the pool into SQLite; the same command again adds no rows', async (t) => {
  const first = await runBench({ config, db, workers: 2, progress: silent });
  t.equal(first.planned, 6);
  t.equal(first.records.length, 6);
  t.equal(first.interrupted, null);
  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const runs = await store.runs();
  t.equal(runs.length, 6, 'one row per job');
  const status = (fam: string, s: string): string | undefined => runs.find((r) => r.family === fam && r.solver === s)?.status;
  t.equal(status('lasso', 'cd'), 'converged');
  t.equal(status('lasso', 'fista'), 'converged');
  t.equal(status('logistic', 'cd'), 'converged');
  const lars = runs.find((r) => r.family === 'logistic' && r.solver === 'lars');
  t.equal(lars?.status, 'skipped');
  t.equal(lars?.reason, "lars requires squared-loss, which problem 'logistic' does not provide");

  // References: certified by the duality gap, and every run measured against them.
  for (const fam of ['lasso', 'logistic']) {
    const r0 = runs.find((r) => r.family === fam && r.status === 'converged');
    const ref = await store.getReference(r0?.instance_hash ?? '');
    t.ok(ref, `${fam}: reference stored`);
    if (!ref) continue;
    t.equal(ref.certified, 1, `${fam}: certified`);
    t.ok((ref.rel_gap ?? 1) <= CERTIFY_REL_GAP, `${fam}: relative gap ${ref.rel_gap} ≤ 1e-12`);
    t.equal(ref.solver, 'cd', 'cd is the reference solver where it applies');
    for (const r of runs.filter((x) => x.family === fam && x.status === 'converged')) {
      t.equal(r.reference_objective, ref.objective);
      t.equal(r.reference_kind, 'certified');
      t.equal(r.subopt, (r.objective as number) - ref.objective);
      // converged at relative gap ≤ 1e-10 ⇒ 0 ≤ F − F* ≤ gap (up to F*'s own 1e-12 certificate)
      t.ok((r.rel_subopt as number) <= 1e-10 && (r.rel_subopt as number) >= -1e-12, `${fam} ${r.solver}: rel_subopt ${r.rel_subopt}`);
      const trace = await store.trace(r.id);
      t.ok(trace.length >= 2, 'a curve was recorded');
      t.ok(trace.every((p) => p.subopt === (p.objective as number) - ref.objective), 'trace points carry F − F*');
    }
  }
  const lassoRef = first.references.find((r) => r.title.startsWith('lasso'));
  t.ok(lassoRef?.crossCheck && lassoRef.crossCheck.solver === 'lars' && lassoRef.crossCheck.relDiff < 1e-10, `lars agrees with cd on F*: ${lassoRef?.crossCheck?.relDiff}`);

  const again = await runBench({ config, db, workers: 2, progress: silent });
  t.equal(again.records.length, 0, 'nothing reruns');
  t.equal(again.alreadyDone, 6);
  t.same(again.references.map((r) => r.source), [], 'no reference needed when no run is left');
  t.equal((await store.runs()).length, 6, 'no rows added');

  const forced = await runBench({ config, db, workers: 1, progress: silent, force: true, filter: 'lasso/sim-lasso:n=40,p=30,k=5 λ=0.3·λmax fista' });
  t.equal(forced.records.length, 1);
  const after = await store.runs();
  t.equal(after.length, 7, '--force adds the rerun and keeps the old run as history');
  t.equal((await store.runs({ current: true })).length, 6, 'one current run per job, never a duplicate');
  t.same(after.filter((r) => r.family === 'lasso' && r.solver === 'fista').map((r) => r.current), [0, 1]);
});
