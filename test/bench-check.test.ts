import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openStore, openReadOnly } from '../harness/store/index.ts';
import type { NewRun } from '../harness/store/index.ts';
import { baselineFromDb, compareBaseline, compareEntry, entryFromRun, readBaseline, writeBaseline, type Baseline } from '../harness/bench/baseline.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-check-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function run(fields: Partial<NewRun>): NewRun {
  return {
    job_key: `job-${n++}`, family: 'lasso', dataset: 'diabetes', solver: 'cd', solver_label: 'cd', params: '{}', seed: 0,
    engine: 'float64', tol: 1e-10, max_iter: 1000, tau: 0, status: 'converged', started_at: '2024-01-01T00:00:00Z',
    ended_at: '2024-01-01T00:00:01Z', git_dirty: 0, machine: 'm', node_version: 'v20', versions: '{}',
    lambda_ratio: 0.1, objective: 1.5, rel_subopt: 1e-13, rel_gap: 1e-11, kkt: 1e-9, nnz: 7, ...fields,
  };
}

const db = join(dir, 'r.db');
const basePath = join(dir, 'baseline.json');

t.before(async () => {
  const s = await openStore(db);
  await s.recordRun(run({ solver_label: 'cd' }), []);
  await s.recordRun(run({ solver: 'ista', solver_label: 'ista', status: 'max_iter', objective: 1.5 + 1.5e-4, rel_subopt: 1e-4, nnz: 9 }), []);
  await s.recordRun(run({ solver: 'lars', solver_label: 'lars', family: 'logistic', dataset: 'breast-cancer', status: 'skipped', objective: null, rel_subopt: null, rel_gap: null, kkt: null, nnz: null, reason: 'lars requires squared-loss' }), []);
  // An older run of the cd pair that is worse: only the latest (highest id) counts.
  await s.recordRun(run({ solver_label: 'cd', lambda_ratio: 0.01, status: 'max_iter', rel_subopt: 1e-2, objective: 2 }), []);
  await s.recordRun(run({ solver_label: 'cd', lambda_ratio: 0.01, status: 'converged', rel_subopt: 0, objective: 1.9, nnz: 9 }), []);
  await s.close();
});

t.test('baseline from the db round-trips and passes against the same db', async (t) => {
  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const b = await baselineFromDb(store, 'test');
  t.equal(b.entries.length, 4, 'one entry per (family, dataset, λ ratio, label)');
  const cd001 = b.entries.find((e) => e.lambda_ratio === 0.01);
  t.equal(cd001?.status, 'converged', 'the latest run of a pair is used');
  writeBaseline(basePath, b);
  const read = readBaseline(basePath);
  t.same(read, b);
  const cs = await compareBaseline(read, store);
  t.same(cs.map((c) => c.verdict), ['ok', 'ok', 'ok', 'ok']);
});

t.test('tolerances: accuracy factor and floor, objective rtol, support size', async (t) => {
  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const [ista] = await store.runs({ solverLabel: 'ista' });
  if (!ista) throw new Error('no ista run');
  const e = entryFromRun(ista);
  t.equal(e.metric, 'rel_subopt');
  t.equal(e.value, 1e-4);
  // 10× worse is the limit: 9.9e-4 passes, 1.1e-3 regresses (and says by how much).
  t.equal(compareEntry(e, { ...ista, rel_subopt: 9.9e-4, objective: ista.objective }).verdict, 'ok');
  const worse = compareEntry(e, { ...ista, rel_subopt: 1.1e-3 });
  t.equal(worse.verdict, 'regression');
  t.match(worse.regressions[0], /^rel_subopt 1\.10e-3 > limit 1\.00e-3 \(11\.0× the baseline\)$/);
  // objective worse by more than 10·1e-4 relative
  const obj = compareEntry(e, { ...ista, objective: (ista.objective as number) * (1 + 2e-3) });
  t.equal(obj.verdict, 'regression');
  t.match(obj.regressions[0], /^objective .* relative \(tolerance 1\.00e-3\)$/);
  // support size: nnz_tol = max(2, ceil(0.1·9)) = 2 for a non-converged run
  t.equal(e.nnz_tol, 2);
  t.equal(compareEntry(e, { ...ista, nnz: 11 }).verdict, 'ok');
  t.same(compareEntry(e, { ...ista, nnz: 12 }).regressions, ['support size 9 → 12 (tolerance ±2)']);
  // a better status is an improvement, a worse one a regression
  t.equal(compareEntry(e, { ...ista, status: 'converged', rel_subopt: 1e-14 }).verdict, 'improved');
  t.same(compareEntry(e, { ...ista, status: 'diverged', reason: 'blew up' }).regressions, ['status max_iter → diverged (blew up)']);
  // an exact run (rel_subopt 0) may drift to the floor 1e-12, not beyond
  const [cd] = await store.runs({ solverLabel: 'cd', status: 'converged' });
  const ce = entryFromRun(cd as NonNullable<typeof cd>);
  t.equal(compareEntry(ce, { ...(cd as NonNullable<typeof cd>), rel_subopt: 9e-13 }).verdict, 'ok');
  t.equal(compareEntry(ce, { ...(cd as NonNullable<typeof cd>), rel_subopt: 2e-12 }).verdict, 'regression');
});

t.test('l1bench check exits 1 naming every regression, including a missing pair', async (t) => {
  const b = readBaseline(basePath);
  const edited: Baseline = {
    ...b,
    entries: [
      ...b.entries.map((e) => (e.solver_label === 'ista' ? { ...e, status: 'converged' as const, value: 1e-9 } : e)),
      { ...(b.entries.find((e) => e.solver_label === 'cd' && e.lambda_ratio === 0.1) as Baseline['entries'][number]), solver_label: 'fista' },
    ],
  };
  const editedPath = join(dir, 'edited.json');
  writeFileSync(editedPath, JSON.stringify(edited));
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--baseline', editedPath, '--db', db], { encoding: 'utf8' });
  t.equal(r.status, 1, r.stderr);
  t.match(r.stdout, /2 regression\(s\):/);
  t.match(r.stdout, /lasso\/diabetes λ=0\.1·λmax ista: status converged → max_iter; rel_subopt 1\.00e-4 > limit 1\.00e-8 \(1\.00e\+5× the baseline\)/);
  t.match(r.stdout, /lasso\/diabetes λ=0\.1·λmax fista: missing from the db: no run of this pair/);
  t.equal(r.stderr, `l1bench: check failed: 2 regression(s) against ${editedPath}\n`);
  const ok = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--baseline', basePath, '--db', db], { encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /check passed: 4 baseline pairs, no regression/);
});

t.test('a malformed baseline is a one-line user error', async (t) => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ version: 1, entries: [{ family: 'lasso', dataset: 'd', solver_label: 'cd', lambda_ratio: 0.1, status: 'fine' }] }));
  t.throws(() => readBaseline(bad), { message: 'baseline bad.json: entries[0].status must be one of converged, max_iter, stalled, timeout, diverged, error, skipped' });
});
