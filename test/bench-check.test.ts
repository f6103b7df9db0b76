import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openStore, openReadOnly } from '../harness/store/index.ts';
import type { NewRun } from '../harness/store/index.ts';
import { STATUSES } from '../problems/types.ts';
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

t.test('l1bench check exits 1 naming every regression; a missing pair fails only under --strict', async (t) => {
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
  t.match(r.stdout, /1 regression\(s\):/);
  t.match(r.stdout, /lasso\/diabetes λ=0\.1·λmax ista: status converged → max_iter; rel_subopt 1\.00e-4 > limit 1\.00e-8 \(1\.00e\+5× the baseline\)/);
  t.match(r.stdout, /1 baseline pair\(s\) missing from the db \(not a failure; --strict makes it one\):\n {2}lasso\/diabetes λ=0\.1·λmax fista\n/);
  t.equal(r.stderr, `l1bench: check failed: 1 regression(s) against ${editedPath}\n`);
  const strict = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--strict', '--baseline', editedPath, '--db', db], { encoding: 'utf8' });
  t.equal(strict.status, 1);
  t.equal(strict.stderr, `l1bench: check failed: 1 regression(s) and 1 missing pair(s) against ${editedPath}\n`);
  // Only the missing pair: reported, exit 0; under --strict, exit 1.
  const onlyMissing = join(dir, 'only-missing.json');
  writeFileSync(onlyMissing, JSON.stringify({ ...b, entries: [...b.entries, edited.entries[edited.entries.length - 1]] }));
  const m = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--baseline', onlyMissing, '--db', db], { encoding: 'utf8' });
  t.equal(m.status, 0, m.stderr);
  t.match(m.stdout, /check passed: 5 baseline pairs, no regression \(1 missing\)/);
  const ms = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--strict', '--baseline', onlyMissing, '--db', db], { encoding: 'utf8' });
  t.equal(ms.status, 1);
  t.match(ms.stdout, /^MISSING +lasso\/diabetes λ=0\.1·λmax fista/m);
  const ok = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--baseline', basePath, '--db', db], { encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /check passed: 4 baseline pairs, no regression\n/);
});

t.test('a better run passes and is shown as improved', async (t) => {
  const b = readBaseline(basePath);
  // Expect worse than what the db holds: ista's baseline says timeout at 1e-2 with a support of 30.
  const worse: Baseline = { ...b, entries: b.entries.map((e) => (e.solver_label === 'ista' ? { ...e, status: 'timeout' as const, value: 1e-2, objective: 2, nnz: 30 } : e)) };
  const p = join(dir, 'worse.json');
  writeFileSync(p, JSON.stringify(worse));
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--baseline', p, '--db', db], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^improved +lasso\/diabetes λ=0\.1·λmax ista/m);
  t.match(r.stdout, /1 improvement\(s\) .*\n {2}lasso\/diabetes λ=0\.1·λmax ista: status timeout → max_iter; rel_subopt 1\.00e-2 → 1\.00e-4; support size 30 → 9 \(tolerance ±2\)/);
  t.match(r.stdout, /check passed: 4 baseline pairs, no regression \(1 improved\)/);
});

t.test('over seeds: the expectation is the median, the band widens with the spread, the worst status counts', async (t) => {
  const sdb = join(dir, 'seeds.db');
  const s = await openStore(sdb);
  const vals = [1e-8, 2e-8, 1e-6];
  for (const [seed, v] of vals.entries()) {
    await s.recordRun(run({ suite: 'seeded', seed, solver: 'spred-adam', solver_label: 'spred-adam', status: seed === 2 ? 'max_iter' : 'converged', rel_subopt: v, objective: 1.5 * (1 + v), nnz: 7 + seed }), []);
  }
  // A run of another suite is not part of this suite's gate.
  await s.recordRun(run({ suite: 'other', seed: 0, solver: 'spred-adam', solver_label: 'spred-adam', rel_subopt: 0.5 }), []);
  await s.close();
  const store = await openReadOnly(sdb);
  t.teardown(() => store.close());
  const b = await baselineFromDb(store, 'seeded', 'seeded');
  t.equal(b.entries.length, 1);
  const e = b.entries[0] as Baseline['entries'][number];
  t.equal(e.seeds, 3);
  t.equal(e.status, 'max_iter', 'the worst status over seeds');
  t.equal(e.value, 2e-8, 'median accuracy');
  t.equal(e.nnz, 8, 'median support size');
  t.equal(e.factor, 10 * (1e-6 / 2e-8), 'factor 10 × (max / median)');
  t.equal(e.nnz_tol, 2, '2 × the largest distance to the median support');
  t.ok(Math.abs(e.objective_rtol - 2 * ((1.5 * (1 + 1e-6) - 1.5 * (1 + 2e-8)) / (1.5 * (1 + 2e-8)))) < 1e-15, 'objective band from the seeds');
  t.same((await compareBaseline(b, store)).map((c) => c.verdict), ['ok'], 'the suite passes against itself');
  // A median 500× worse is still inside the band of this noisy pair; 600× is not.
  const cur = (v: number): Parameters<typeof compareEntry>[1] => ({ runs: [], status: 'max_iter', metric: 'rel_subopt', value: v, objective: e.objective, nnz: 8, reason: null });
  t.equal(compareEntry(e, cur(2e-8 * 499)).verdict, 'ok');
  t.equal(compareEntry(e, cur(2e-8 * 600)).verdict, 'regression');
});

t.test('check --update needs no --baseline: it writes harness/baselines/<suite>.json', async (t) => {
  const suite = `check-test-${process.pid}`;
  const sdb = join(dir, 'update.db');
  const s = await openStore(sdb);
  await s.recordRun(run({ suite, solver_label: 'cd' }), []);
  await s.close();
  const path = join('harness', 'baselines', `${suite}.json`);
  t.teardown(() => rmSync(path, { force: true }));
  const u = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--update', '--suite', suite, '--db', sdb], { encoding: 'utf8' });
  t.equal(u.status, 0, u.stderr);
  t.match(u.stdout, new RegExp(`wrote 1 baseline entries of suite ${suite} to .*${suite}\\.json`));
  t.equal(readBaseline(path).suite, suite);
  const c = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--suite', suite, '--db', sdb], { encoding: 'utf8' });
  t.equal(c.status, 0, c.stderr);
  const none = spawnSync(process.execPath, ['bin/l1bench.js', 'check', '--suite', 'no-such-suite', '--db', sdb], { encoding: 'utf8' });
  t.equal(none.status, 2);
  t.match(none.stderr, /^l1bench: no baseline at .*no-such-suite\.json; create it with `l1bench check --update` after a bench run, or pass --baseline FILE\n$/);
});

t.test('a malformed baseline is a one-line user error', async (t) => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ version: 1, entries: [{ family: 'lasso', dataset: 'd', solver_label: 'cd', lambda_ratio: 0.1, status: 'fine' }] }));
  t.throws(() => readBaseline(bad), { message: `baseline bad.json: entries[0].status must be one of ${STATUSES.join(', ')}` });
});
