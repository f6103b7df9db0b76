import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';
import { openReadOnly } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-timeout-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'results.db');
const silent = { start() {}, update() {}, note() {}, stop() {} };

t.test('a stuck run is terminated pre-emptively and recorded as timeout with its partial curve', async (t) => {
  // Test hook of harness/bench/worker.ts: ista jobs spin forever inside their third trace callback.
  process.env['L1BENCH_TEST_HANG'] = 'ista';
  t.teardown(() => {
    delete process.env['L1BENCH_TEST_HANG'];
  });
  const budget = 2;
  const config = parseConfig(
    {
      name: 'timeout-test',
      timeout: budget,
      problems: [{ family: 'lasso', datasets: ['sim-lasso:n=40,p=30,k=5'], lambdaRatios: [0.3] }],
      solvers: [{ name: 'ista' }, { name: 'cd' }, { name: 'fista' }],
    },
    'timeout-test',
  );
  const result = await runBench({ config, db, workers: 2, progress: silent, graceSeconds: 1 });
  t.equal(result.records.length, 3);
  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const runs = await store.runs();
  const ista = runs.find((r) => r.solver === 'ista');
  if (!ista) throw new Error('no ista row');
  t.equal(ista.status, 'timeout');
  t.equal(ista.reason, `terminated: exceeded the time budget of ${budget} s (+1 s grace) without stopping`);
  t.ok((ista.wall_seconds as number) >= budget && (ista.wall_seconds as number) <= budget + 2, `stopped after ${ista.wall_seconds} s (budget ${budget} s + 2 s)`);
  // The row is complete: the static fields came from the worker before it hung.
  t.ok(ista.instance_hash && ista.data_hash && ista.n_samples === 40 && ista.n_features === 30, 'problem fields present');
  t.ok((ista.lambda as number) > 0 && Math.abs((ista.lambda as number) / (ista.lambda_max as number) - 0.3) < 1e-12, 'λ and λ_max present');
  const trace = await store.trace(ista.id);
  t.same(trace.map((p) => p.k), [0, 1, 2], 'the partial curve streamed before the hang');
  t.equal(ista.iterations, 2);
  t.equal(ista.objective, trace[2]?.objective, 'final fields from the last streamed point');
  const ref = await store.getReference(ista.instance_hash as string);
  t.equal(ista.reference_objective, ref?.objective);
  t.equal(ista.subopt, (ista.objective as number) - (ref?.objective as number));
  t.same(runs.filter((r) => r.solver !== 'ista').map((r) => r.status), ['converged', 'converged'], 'the other runs complete');
});
