/**
 * Warm, repeated timings: a job's run is repeated `repeat` times after an untimed warm-up, every
 * repetition's time is stored, and the run's time (and its curve's time axis) is the median.
 * `solve` records an identical solve as more repetitions of the same run, and records nothing
 * when its --out cannot be written.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { executeJob, median, medianTrace, type JobSpec } from '../harness/job.ts';
import { openReadOnly } from '../harness/store/index.ts';
import type { TracePoint } from '../problems/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-repeat-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('median, and the median trace of identical k sequences', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.equal(median([7]), 7);
  const pt = (k: number, time: number): TracePoint => ({ k, time, objective: 10 - k, gap: null, kkt: 1, nnz: 1, subopt: null, testMetric: null, extras: null });
  const a = [pt(0, 0), pt(1, 0.5), pt(2, 0.9)];
  const b = [pt(0, 0), pt(1, 0.1), pt(2, 0.3)];
  const c = [pt(0, 0), pt(1, 0.2), pt(2, 2.0)];
  t.same(medianTrace([a, b, c]).map((p) => [p.k, p.time, p.objective]), [[0, 0, 10], [1, 0.2, 9], [2, 0.9, 8]], 'per point: the median time, the first run\'s values');
  t.same(medianTrace([a, [pt(0, 0), pt(3, 1)]]), a, 'different k sequences: the first repetition as it is');
});

t.test('executeJob: R repetitions after a warm-up, median time; a run that did not end normally is not repeated', async (t) => {
  const job: JobSpec = {
    problem: { family: 'lasso', dataset: 'sim-lasso:n=100,p=200,k=5', lambda: { kind: 'ratio', ratio: 0.1 } },
    solver: 'fista', params: {}, seed: 0, tol: 1e-12, maxIter: 20000, timeoutSeconds: null, repeat: 5,
  };
  const r = await executeJob(job, { warmup: true });
  t.equal(r.run.status, 'converged');
  t.equal(r.repetitions.length, 5);
  t.same(r.repetitions.map((x) => x.rep), [0, 1, 2, 3, 4]);
  t.equal(r.run.repeats, 5);
  t.equal(r.run.solver_seconds, median(r.repetitions.map((x) => x.solver_seconds)), 'the stored time is the median');
  t.ok(r.repetitions.every((x) => x.solver_seconds > 0 && x.wall_seconds >= x.solver_seconds));
  const last = r.trace[r.trace.length - 1];
  t.equal(last?.k, r.run.iterations, 'one curve, ending where the run ended');

  const timed = await executeJob({ ...job, tol: 1e-300, maxIter: 10_000_000, timeoutSeconds: 0.05 }, { warmup: true });
  t.equal(timed.run.status, 'timeout');
  t.equal(timed.repetitions.length, 1, 'a timed-out run is not repeated');
});

t.test('bench with repeat: every repetition stored; per-block override; the run time is their median', async (t) => {
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({
    name: 'repeat', tol: 1e-10, maxIter: 5000, repeat: 3,
    problems: [{ family: 'lasso', datasets: ['diabetes'], standardize: true, lambdaRatios: [0.1] }],
    solvers: [{ name: 'cd' }, { name: 'lars' }, { name: 'spred-adam', repeat: 1, maxIter: 100 }],
  }));
  const db = join(dir, 'repeat.db');
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', plan, '--db', db, '--workers', '1', '--quiet'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const s = await openReadOnly(db);
  t.teardown(() => s.close());
  const runs = await s.runs();
  t.same(runs.map((x) => [x.solver, x.suite, x.repeats]).sort(), [['cd', 'repeat', 3], ['lars', 'repeat', 3], ['spred-adam', 'repeat', 1]]);
  for (const run of runs) {
    const reps = await s.repetitions(run.id);
    t.equal(reps.length, run.repeats, `${run.solver}: ${run.repeats} repetition rows`);
    t.equal(run.solver_seconds, median(reps.map((x) => x.solver_seconds)), `${run.solver}: solver_seconds is the median`);
  }
});

t.test('solve: an identical solve adds repetitions to its run; a failed --out records nothing', async (t) => {
  const db = join(dir, 'solve.db');
  const args = ['bin/l1bench.js', 'solve', '--problem', 'lasso', '--data', 'diabetes', '--standardize', '--lambda-ratio', '0.1', '--solver', 'cd', '--db', db];
  const bad = spawnSync(process.execPath, [...args, '--out', join(dir, 'no', 'such', 'dir', 'out.json')], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^l1bench: cannot write --out .*out\.json \(ENOENT.*\); pass a writable path \(nothing was recorded\)\n$/);
  const s0 = await openReadOnly(db);
  t.equal((await s0.runs()).length, 0, 'nothing was recorded');
  await s0.close();

  const first = spawnSync(process.execPath, [...args, '--repeat', '3'], { encoding: 'utf8' });
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /solver time {2}\S+ s \(wall \S+ s; warm, median of 3\)/);
  t.match(first.stdout, new RegExp(`recorded in ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as run #1 \\(suite 'solve'\\)\\n$`));
  const again = spawnSync(process.execPath, [...args, '--repeat', '2', '--out', join(dir, 'out.json')], { encoding: 'utf8' });
  t.equal(again.status, 0, again.stderr);
  t.match(again.stdout, /as more repetitions of run #1 \(suite 'solve', identical solve; 5 timed repetitions now\)\n$/);
  const s = await openReadOnly(db);
  t.teardown(() => s.close());
  const runs = await s.runs();
  t.equal(runs.length, 1, 'one run, not two');
  const reps = await s.repetitions(runs[0]!.id);
  t.same(reps.map((x) => x.rep), [0, 1, 2, 3, 4]);
  t.equal(runs[0]!.solver_seconds, median(reps.map((x) => x.solver_seconds)));
  t.equal(runs[0]!.suite, 'solve');
});
