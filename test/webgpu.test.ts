/**
 * The webgpu backend against wasm, on whatever WebGPU adapter this machine has (in CI: Mesa's
 * software Vulkan device, lavapipe, from bookworm-backports; see .ci/vulkan):
 * - a matMul, the loss and gradient of each tensor family (mlp, the tensor lasso, the network
 *   model under each penalty scope: nn-compression's weights, per-neuron groups, gene
 *   selection's input groups with a linear head), and 20 spred-adam steps through the harness
 *   agree with wasm to 1e-5 relative (float32 on both; only the order of sums differs);
 * - `auto` never picks a software adapter, which is never labelled a GPU;
 * - a bench plan with a gpu lane of 2 workers runs the tensor jobs on webgpu next to a Float64
 *   job, and every tensor row records the adapter (a software one: isFallbackAdapter = true);
 * - `--backend webgpu` without any Vulkan driver is a one-line error, exit 2.
 * Without an adapter the group is skipped with the reason, except where L1BENCH_REQUIRE_WEBGPU
 * is set (.ci/run sets it as root after installing the device): there it fails.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeAdapter, initBackend, isSoftwareAdapter, NO_ADAPTER_MESSAGE, probeAdapter, resolveBackend } from '../problems/tensor/backend.ts';
import { makeMlpProblem, simulateMlpData } from '../problems/tensor/mlp.ts';
import { makeTensorLasso } from '../problems/tensor/linear.ts';
import { makeNetworkProblem } from '../problems/tensor/network.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { simulateLasso } from '../problems/datasets/simulate.ts';
import { runSolver } from '../harness/runner.ts';
import { spredAdam } from '../solvers/spred-adam.ts';
import { spredLbfgs } from '../solvers/spred-lbfgs.ts';
import { SYNC_READ_MESSAGE } from '../problems/tensor/base.ts';
import { parseConfig } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';
import { openReadOnly } from '../harness/store/index.ts';
import { Rng } from '../problems/rng.ts';

const REL = 1e-5;
const adapter = await probeAdapter();
if (adapter === null) {
  const why = 'no WebGPU adapter on this machine (install libvulkan1 and a Vulkan driver; for a software device: .ci/vulkan)';
  if (process.env['L1BENCH_REQUIRE_WEBGPU']) t.fail(`the webgpu group must run here (L1BENCH_REQUIRE_WEBGPU is set) but ${why}`);
  else t.comment(`skipping the webgpu group: ${why}`);
  t.end();
} else {
  t.comment(`WebGPU adapter: ${describeAdapter(adapter)}`);
  await groups(adapter);
}

/** As handlebars escapes text. */
function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/`/g, '&#x60;').replace(/=/g, '&#x3D;');
}

/** ‖a − b‖∞ / ‖b‖∞. */
function relInf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    m = Math.max(m, Math.abs(b[i] as number));
  }
  return d / Math.max(m, 1e-300);
}

async function groups(a: NonNullable<typeof adapter>): Promise<void> {
  t.test('auto picks webgpu only on a hardware adapter; a software adapter is never a GPU', async (t) => {
    const soft = isSoftwareAdapter(a);
    t.equal(await resolveBackend('auto'), soft ? 'wasm' : 'webgpu');
    t.equal(describeAdapter(a).startsWith(soft ? 'software adapter (not a GPU)' : 'GPU'), true, describeAdapter(a));
    if (a.isFallbackAdapter) t.ok(soft, 'a fallback adapter is software');
  });

  t.test('matMul agrees with wasm', async (t) => {
    const rng = new Rng(7);
    const A = Float32Array.from({ length: 96 * 300 }, () => rng.normal());
    const B = Float32Array.from({ length: 300 * 40 }, () => rng.normal());
    const product = async (backend: 'wasm' | 'webgpu'): Promise<Float32Array> => {
      await initBackend(backend);
      const c = tf.tidy(() => tf.matMul(tf.tensor2d(A, [96, 300]), tf.tensor2d(B, [300, 40])));
      const v = (await c.data()) as Float32Array;
      c.dispose();
      return v;
    };
    const w = await product('wasm');
    const g = await product('webgpu');
    t.equal(tf.getBackend(), 'webgpu');
    const r = relInf(g, w);
    t.ok(r <= REL, `matMul 96×300·300×40: relative difference ${r.toExponential(2)} ≤ ${REL}`);
  });

  // Each tensor family, built on each backend from the same data: f and ∇f at the same point.
  const mlpData = simulateMlpData({ n: 150, p: 12, informative: 4, classes: 3, seed: 4 });
  const lassoData = simulateLasso({ n: 60, p: 30, k: 5, seed: 2 });
  const nTr = 120;
  const X32 = Float32Array.from(mlpData.X);
  const netData = {
    p: 12,
    classes: 3,
    train: { X: X32.slice(0, nTr * 12), y: mlpData.y.slice(0, nTr) },
    test: { X: X32.slice(nTr * 12), y: mlpData.y.slice(nTr) },
    name: 'sim',
    hash: 'sim-webgpu',
  };
  const families: Record<string, (backend: 'wasm' | 'webgpu') => Promise<TensorProblem>> = {
    'mlp (l1)': (backend) => makeMlpProblem({ X: mlpData.X, y: mlpData.y, classes: 3, hidden: 16, lambdaRatio: 0.1, backend }),
    'mlp (group-l1)': (backend) => makeMlpProblem({ X: mlpData.X, y: mlpData.y, classes: 3, hidden: 16, lambdaRatio: 0.1, penalty: 'group-l1', backend }),
    'tensor lasso': (backend) => makeTensorLasso(lassoData.X, lassoData.y, 0.05, { backend }),
    // the network model of nn-compression (every weight, elementwise and per neuron) and of gene
    // selection (input groups, a linear head beside the MLP head)
    'network, weights (nn-compression)': (backend) => makeNetworkProblem({ data: netData, hidden: [24, 12], scope: 'weights', lambdaRatio: 0.1, backend, family: 'nn-compression' }),
    'network, weights per neuron': (backend) => makeNetworkProblem({ data: netData, hidden: [24, 12], scope: 'weights', structure: 'neuron', lambdaRatio: 0.1, backend }),
    'network, inputs + linear head (gene selection)': (backend) => makeNetworkProblem({ data: netData, hidden: [16], linearHead: true, scope: 'inputs', lambdaRatio: 0.1, backend }),
  };

  for (const [name, build] of Object.entries(families)) {
    t.test(`${name}: loss and gradient agree with wasm`, async (t) => {
      const evalOn = async (backend: 'wasm' | 'webgpu'): Promise<{ f: number; g: Float64Array; lambdaMax: number; backend: string; adapter: unknown; F: number }> => {
        const prob = await build(backend);
        try {
          const x = prob.initialParams(3);
          // a point off the initialization (the lasso starts at 0)
          const rng = new Rng(11);
          for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + 0.1 * rng.normal();
          const g = new Float64Array(prob.dim);
          const f = await prob.valueAndGradient(x, g);
          return { f, g, lambdaMax: prob.lambdaMax, backend: prob.backend, adapter: prob.adapter, F: await prob.objective(x) };
        } finally {
          prob.dispose();
        }
      };
      const w = await evalOn('wasm');
      const g = await evalOn('webgpu');
      t.equal(w.backend, 'wasm');
      t.equal(w.adapter, null, 'no adapter recorded on wasm');
      t.equal(g.backend, 'webgpu');
      t.same(g.adapter, a, 'the problem carries the adapter');
      const rf = Math.abs(g.f - w.f) / Math.abs(w.f);
      t.ok(rf <= REL, `f: relative difference ${rf.toExponential(2)}`);
      const rg = relInf(g.g, w.g);
      t.ok(rg <= REL, `∇f: relative difference ${rg.toExponential(2)}`);
      const rF = Math.abs(g.F - w.F) / Math.abs(w.F);
      t.ok(rF <= REL, `F = f + λΩ: relative difference ${rF.toExponential(2)}`);
      const rl = Math.abs(g.lambdaMax - w.lambdaMax) / w.lambdaMax;
      t.ok(rl <= REL, `λ_max: relative difference ${rl.toExponential(2)}`);
    });
  }

  const stepped: Record<string, (backend: 'wasm' | 'webgpu') => Promise<TensorProblem>> = {
    mlp: (backend) => makeMlpProblem({ X: mlpData.X, y: mlpData.y, classes: 3, hidden: 16, lambda: 0.01, backend }),
    'nn-compression network': (backend) => makeNetworkProblem({ data: netData, hidden: [24, 12], scope: 'weights', lambda: 1e-3, backend, family: 'nn-compression' }),
  };
  for (const [name, build] of Object.entries(stepped)) t.test(`${name}: 20 spred-adam steps through the harness agree with wasm`, async (t) => {
    const run = async (backend: 'wasm' | 'webgpu') => {
      const prob = await build(backend);
      try {
        const out = await runSolver(spredAdam, prob, { lr: 0.01, init: 'random', initScale: 0.5, batchSize: 0 }, { tol: 1e-12, maxIter: 20, tau: 1e-6, seed: 5 });
        return { out, tensors: tf.memory().numTensors };
      } finally {
        prob.dispose();
      }
    };
    const w = await run('wasm');
    const g = await run('webgpu');
    for (const r of [w, g]) {
      t.equal(r.out.status, 'max_iter', `${r.out.reason}`);
      t.equal(r.out.iterations, 20);
    }
    const fw = w.out.final?.objective as number;
    const fg = g.out.final?.objective as number;
    const rel = Math.abs(fg - fw) / Math.abs(fw);
    t.ok(rel <= REL, `final objective ${fg} vs ${fw}: relative ${rel.toExponential(2)} ≤ ${REL}`);
    t.ok(fw < (w.out.trace[0]?.objective as number), 'the objective decreased');
    const rx = relInf(g.out.x as Float64Array, w.out.x as Float64Array);
    t.ok(rx <= 1e-4, `iterates: relative difference ${rx.toExponential(2)}`);
    t.equal(w.out.trace.length, g.out.trace.length, 'the same trace points');
    t.equal(g.out.final?.testMetric, w.out.final?.testMetric, 'the same test accuracy');
  });

  t.test('spred-lbfgs (a synchronous line search) refuses webgpu as a recorded error naming the fix', async (t) => {
    const prob = await makeMlpProblem({ X: mlpData.X, y: mlpData.y, classes: 3, hidden: 8, lambda: 0.01, backend: 'webgpu' });
    try {
      const out = await runSolver(spredLbfgs, prob, {}, { tol: 1e-12, maxIter: 5, tau: 1e-6, seed: 0 });
      t.equal(out.status, 'error');
      t.equal(out.reason, SYNC_READ_MESSAGE);
      t.equal(out.trace.length, 0, 'refused at its first evaluation, before any iterate');
    } finally {
      prob.dispose();
    }
  });

  t.test('a plan with a gpu lane of 2 workers records the adapter on every tensor run', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'l1bench-webgpu-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'results.db');
    const config = parseConfig(
      {
        name: 'webgpu-lane',
        tol: 1e-10,
        maxIter: 8,
        timeout: 120,
        seeds: [0, 1],
        problems: [
          { family: 'mlp', datasets: ['wine'], standardize: true, lambdaRatios: [0.1], hidden: 8, backend: 'webgpu' },
          { family: 'lasso', datasets: ['sim-lasso:n=40,p=30,k=5'], lambdaRatios: [0.3] },
        ],
        solvers: [{ name: 'spred-adam' }, { name: 'cd', maxIter: 1000 }],
      },
      'webgpu-lane',
    );
    const silent = { start() {}, update() {}, note() {}, stop() {} };
    const res = await runBench({ config, db, workers: 1, gpuWorkers: 2, progress: silent });
    t.equal(res.gpuWorkers, 2, 'the gpu lane ran with 2 workers');
    const store = await openReadOnly(db);
    t.teardown(() => store.close());
    const runs = await store.runs();
    const tensor = runs.filter((r) => r.family === 'mlp' && r.solver === 'spred-adam');
    t.equal(tensor.length, 2, 'two tensor runs (seeds 0, 1)');
    for (const r of tensor) {
      t.equal(r.status, 'max_iter', `${r.reason}`);
      t.equal(r.backend, 'webgpu');
      const extras = JSON.parse(r.extras ?? '{}') as { adapter?: unknown };
      t.same(extras.adapter, a, 'extras.adapter = {vendor, architecture, description, isFallbackAdapter}');
    }
    if (a.isFallbackAdapter) t.ok(tensor.every((r) => (JSON.parse(r.extras ?? '{}') as { adapter: { isFallbackAdapter: boolean } }).adapter.isFallbackAdapter), 'the software device is recorded as a fallback adapter');
    const cpu = runs.filter((r) => r.family === 'lasso' && r.solver === 'cd');
    t.equal(cpu.length, 2, 'two Float64 runs (seeds 0, 1) in the cpu lane');
    t.ok(cpu.every((r) => r.status === 'converged' && r.backend === null), 'converged, no tensor backend');

    // the report shows the device, a software adapter as such
    const out = join(dir, 'report');
    const rep = spawnSync(process.execPath, ['bin/l1bench.js', 'report', '--db', db, '--out', out, '--quiet'], { encoding: 'utf8' });
    t.equal(rep.status, 0, rep.stderr);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    t.match(html, escapeHtml(describeAdapter(a)), 'the index page names the adapter');
    if (isSoftwareAdapter(a)) t.notMatch(html, /<td>GPU: /, 'a software adapter is never labelled a GPU');
  });

  t.test('--backend webgpu with no Vulkan driver: one line naming the fix, exit 2, no fallback', async (t) => {
    const r = spawnSync(process.execPath, ['bin/l1bench.js', 'solve', '--problem', 'mlp', '--data', 'wine', '--solver', 'spred-adam', '--backend', 'webgpu', '--lambda-ratio', '0.1', '--max-iter', '2', '--no-db'], {
      env: { ...process.env, VK_ICD_FILENAMES: join(tmpdir(), 'no-such-icd.json') },
      encoding: 'utf8',
    });
    t.equal(r.status, 2, 'exit 2');
    t.equal(r.stdout, '', 'nothing ran');
    // Dawn and the Vulkan loader print their own "Warning:" lines first; ours is the last line.
    const ours = r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('l1bench:'));
    t.same(ours, [`l1bench: ${NO_ADAPTER_MESSAGE}`]);
    t.notMatch(r.stderr, /\n\s+at .*\.ts:\d+/, 'no stack trace of ours');
  });
}
