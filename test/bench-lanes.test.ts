/**
 * The pool's lanes: which lane a job takes (gpu only for a runnable tensor job on a device
 * backend, when the gpu lane exists), what `auto` becomes, and `bench --dry-run` /
 * `--gpu-workers` at the CLI (nothing runs, no database is created, bad counts are one line).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { laneOf, planLanes } from '../harness/bench/lanes.ts';
import { parseConfig } from '../harness/bench/config.ts';
import { expandPlan } from '../harness/bench/plan.ts';
import type { ProblemSpec } from '../harness/job.ts';

const lambda = { kind: 'ratio', ratio: 0.1 } as const;
const mlp = (backend: string): ProblemSpec => ({ family: 'mlp', dataset: 'wine', lambda, backend });
const lasso: ProblemSpec = { family: 'lasso', dataset: 'diabetes', lambda };

t.test('laneOf', async (t) => {
  t.equal(laneOf(mlp('webgpu'), false, 2), 'gpu', 'a webgpu tensor job with a gpu lane');
  t.equal(laneOf(mlp('tensorflow-gpu'), false, 1), 'gpu');
  t.equal(laneOf({ family: 'nn-compression', dataset: 'digits', lambda, backend: 'webgpu' }, false, 1), 'gpu', 'every tensor family');
  t.equal(laneOf(mlp('webgpu'), false, 0), 'cpu', 'no gpu lane: the cpu lane');
  t.equal(laneOf(mlp('webgpu'), true, 2), 'cpu', 'a skipped pair needs no device');
  t.equal(laneOf(mlp('wasm'), false, 2), 'cpu', 'wasm computes in its own thread');
  t.equal(laneOf(lasso, false, 2), 'cpu', 'Float64 jobs');
});

t.test('planLanes: no probe without tensor jobs; an explicit count wins; auto follows the lane', async (t) => {
  t.same(await planLanes(false, undefined), { gpuWorkers: 0, autoBackend: 'wasm', adapter: null, hardware: false });
  const l = await planLanes(true, 0);
  t.equal(l.gpuWorkers, 0);
  t.equal(l.autoBackend, 'wasm', 'without a gpu lane auto is wasm, whatever the adapter');
  const d = await planLanes(true, undefined);
  t.equal(d.gpuWorkers, d.hardware ? 1 : 0, 'default: 1 with a hardware adapter, else 0');
  t.equal(d.autoBackend, d.hardware ? 'webgpu' : 'wasm');
  if (d.adapter?.isFallbackAdapter) t.equal(d.hardware, false, 'a fallback adapter is not hardware');
  const config = parseConfig({ name: 'x', problems: [{ family: 'mlp', datasets: ['wine'], lambdaRatios: [0.1] }], solvers: [{ name: 'spred-adam' }] }, 'x');
  t.equal(expandPlan(config, { autoBackend: 'wasm' }).jobs[0]?.job.problem.backend, 'wasm', 'auto resolved before the key');
  t.not(expandPlan(config, { autoBackend: 'wasm' }).jobs[0]?.key, expandPlan(config, { autoBackend: 'webgpu' }).jobs[0]?.key, 'the backend is part of the key');
});

t.test('bench --dry-run prints each job with its lane; --gpu-workers is validated', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'l1bench-lanes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'plan.json');
  const db = join(dir, 'results.db');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'lanes',
      problems: [
        { family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.1] },
        { family: 'mlp', datasets: ['wine'], lambdaRatios: [0.1], backend: 'webgpu' },
      ],
      solvers: [{ name: 'cd' }, { name: 'spred-adam' }],
    }),
  );
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', cfg, '--db', db, '--dry-run', '--gpu-workers', '2'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^plan lanes: 4 jobs/);
  t.match(r.stdout, /gpu  tensor jobs on webgpu \/ tensorflow-gpu: 2 workers/);
  // job lines: '  LANE  TITLE [backend]  (skipped: …)'
  const lanes = new Map(
    r.stdout
      .split('\n')
      .map((l) => /^ {2}(cpu|gpu) {2}(\S+\/\S+ .*? seed=\d+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[2] as string, m[1] as string]),
  );
  t.same(Object.fromEntries(lanes), {
    'lasso/diabetes λ=0.1·λmax cd seed=0': 'cpu',
    'lasso/diabetes λ=0.1·λmax spred-adam seed=0': 'cpu',
    'mlp/wine λ=0.1·λmax cd seed=0': 'cpu',
    'mlp/wine λ=0.1·λmax spred-adam seed=0': 'gpu',
  });
  t.match(r.stdout, /cpu {2}mlp\/wine λ=0\.1·λmax cd seed=0 \[webgpu\] {2}\(skipped: /, 'the skipped pair stays in the cpu lane');
  t.notOk(existsSync(db), 'a dry run creates no database');
  const bad = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', cfg, '--db', db, '--gpu-workers', '-1'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.equal(bad.stderr, "l1bench: --gpu-workers must be an integer ≥ 0, got '-1'\n");
});
