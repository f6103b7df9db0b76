/**
 * spred-Adam on the MLP, end to end through the harness (runSolver): on simulated data where
 * only `informative` features determine the class, the loss decreases, the test accuracy beats
 * the majority class by a margin, the group-L1 (feature selection) variant keeps the
 * informative features and shrinks the others by orders of magnitude, and no tensor leaks
 * across epochs (spred and the dense baseline).
 */
import t from 'tap';
import { observed } from './fixtures/observe.ts';
import * as tf from '@tensorflow/tfjs';
import type { AnyProblem, Callback, Params, RunContext, Solver, SolverStop } from '../problems/types.ts';
import { runSolver } from '../harness/runner.ts';
import { makeMlpProblem, simulateMlpData } from '../problems/tensor/mlp.ts';
import { isTensorProblem } from '../problems/tensor/types.ts';
import { runSpredTensor } from '../solvers/spred/tensor.ts';
import { subgradAdam } from '../solvers/subgrad-adam.ts';

/** numTensors seen at each callback (k = 0, 1, …). */
let tensorCounts: number[] = [];

function wrap(name: string, run: (p: AnyProblem, params: Params, cb: Callback, ctx: RunContext) => Promise<void | SolverStop>): Solver {
  return {
    name,
    description: 'test wrapper',
    requires: ['tensor-engine'],
    params: {},
    run: (problem, params, callback, ctx) => {
      const o = observed(callback, ctx, () => tensorCounts.push(tf.memory().numTensors));
      return run(problem, params, o.callback, o.ctx);
    },
  };
}
const tensorOnly = (p: AnyProblem) => {
  if (!isTensorProblem(p)) throw new Error('tensor problem expected');
  return p;
};
const spredAdam = wrap('spred-adam', (p, params, cb, ctx) => runSpredTensor(tensorOnly(p), 'adam', params, cb, ctx));
const denseAdam = wrap('subgrad-adam', async (p, params, cb, ctx) => subgradAdam.run(tensorOnly(p), params, cb, ctx));

const p = 30;
const hidden = 16;
const data = simulateMlpData({ n: 600, p, informative: 5, classes: 3, seed: 1 });
const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, batchSize: 64, init: 'random', initScale: 0.5 };

function majorityRate(y: Int32Array, classes: number): number {
  const c = new Array<number>(classes).fill(0);
  for (const v of y) c[v] = (c[v] as number) + 1;
  return Math.max(...c) / y.length;
}

t.test('elementwise L1: loss decreases, accuracy above chance, stable tensor count', async (t) => {
  const prob = await makeMlpProblem({ X: data.X, y: data.y, classes: 3, hidden, lambdaRatio: 0.05, penalty: 'l1', seed: 0 });
  const base = tf.memory().numTensors;
  tensorCounts = [];
  const out = await runSolver(spredAdam, prob, adam, { tol: 0, maxIter: 30, tau: 1e-3, seed: 1 });
  t.equal(out.status, 'max_iter', out.reason ?? '');
  t.equal(out.iterations, 30);
  const first = out.trace[0]!;
  const last = out.trace[out.trace.length - 1]!;
  t.equal(first.k, 0);
  t.equal(last.k, 30);
  t.ok(last.objective < 0.5 * first.objective, `F: ${first.objective.toFixed(3)} → ${last.objective.toFixed(3)}`);
  const chance = majorityRate(data.y, 3);
  t.ok(last.testMetric! > chance + 0.2, `test accuracy ${last.testMetric!.toFixed(3)} vs majority class ${chance.toFixed(3)}`);
  t.ok(last.nnz < p * hidden / 2, `sparse first layer: ${last.nnz} of ${p * hidden} weights above τ = 1e-3`);
  t.ok(last.extras !== null && last.extras['imbalance']! < first.extras!['imbalance']!, 'factors move toward balance');
  t.ok(tensorCounts.length === 31 && tensorCounts.slice(1).every((c) => c === tensorCounts[1]), `tensor count constant across epochs (${tensorCounts[1]} … ${tensorCounts[30]})`);
  t.equal(tf.memory().numTensors, base, 'the solver released its variables');
  prob.dispose();
});

t.test('group L1 over input features keeps the informative ones', async (t) => {
  const prob = await makeMlpProblem({ X: data.X, y: data.y, classes: 3, hidden, lambdaRatio: 0.3, penalty: 'group-l1', seed: 0 });
  const out = await runSolver(spredAdam, prob, adam, { tol: 0, maxIter: 40, tau: 1e-3, seed: 1 });
  t.equal(out.status, 'max_iter', out.reason ?? '');
  const x = out.x!;
  const norms = Array.from({ length: p }, (_, j) => Math.hypot(...Array.from(x.subarray(j * hidden, (j + 1) * hidden))));
  const inf = new Set(data.informative);
  const infNorms = norms.filter((_, j) => inf.has(j));
  const noise = norms.filter((_, j) => !inf.has(j)).sort((a, b) => a - b);
  const top = Math.max(...norms);
  const selected = norms.map((v, j) => (v > 1e-2 * top ? j : -1)).filter((j) => j >= 0);
  t.ok(data.informative.every((j) => selected.includes(j)), `selected (‖W1[j,:]‖ > 1e-2·max) ${selected.join(',')} ⊇ informative ${Array.from(data.informative).join(',')}`);
  t.ok(selected.length - data.informative.length <= 3, `at most 3 of ${noise.length} noise features selected (${selected.length - data.informative.length})`);
  const medianNoise = noise[Math.floor(noise.length / 2)]!;
  t.ok(medianNoise < 1e-3 * Math.min(...infNorms), `median noise row norm ${medianNoise.toExponential(1)} ≪ smallest informative ${Math.min(...infNorms).toExponential(1)}`);
  t.ok(out.final!.testMetric! > majorityRate(data.y, 3) + 0.2, `test accuracy ${out.final!.testMetric!.toFixed(3)}`);
  prob.dispose();
});

t.test('dense baseline (Adam on the L1 subgradient) runs under the harness without leaks', async (t) => {
  const prob = await makeMlpProblem({ X: data.X, y: data.y, classes: 3, hidden, lambdaRatio: 0.05, penalty: 'l1', seed: 0 });
  const base = tf.memory().numTensors;
  tensorCounts = [];
  const out = await runSolver(denseAdam, prob, adam, { tol: 0, maxIter: 10, tau: 1e-3, seed: 1 });
  t.equal(out.status, 'max_iter');
  t.ok(out.trace[out.trace.length - 1]!.objective < out.trace[0]!.objective, 'objective decreases');
  t.ok(tensorCounts.slice(1).every((c) => c === tensorCounts[1]), 'tensor count constant across epochs');
  t.equal(tf.memory().numTensors, base);
  prob.dispose();
  t.equal(tf.memory().numTensors, 0, 'nothing left after dispose');
});
