/**
 * Per-step cost of spred against the plain baseline on the tensor engine:
 * spred-Adam (W₁ = U ⊙ V, or u·V for group L1; g = f + (λ/2)(‖U‖² + ‖V‖²)) against Adam on W₁
 * itself with the L1 subgradient (subgrad-adam), on the MLP, measured in the same process.
 *
 *     npx tsx bench/spred-overhead.ts [--backend wasm|cpu] [--n 2000] [--p 500] [--hidden 64]
 *                                     [--batch 128] [--epochs 4] [--rounds 8]
 *
 * Each epoch is timed from callback to callback (the callback reads nothing, so no evaluation is
 * included) and divided by its number of minibatch steps; the first epoch of every run is
 * dropped (warm-up); runs alternate spred/dense for `rounds` rounds (the order flips every round). Printed, per step: the
 * median over epochs of wall time and of process CPU time (user + system; wasm runs on the
 * main thread, so CPU time is the less contention-sensitive measure on a shared machine).
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { makeMlpProblem, simulateMlpData } from '../problems/tensor/mlp.ts';
import type { BackendName } from '../problems/tensor/backend.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { runSpredTensor } from '../solvers/spred/tensor.ts';
import { subgradAdam } from '../solvers/subgrad-adam.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : dflt;
}
const backend = arg('backend', 'wasm') as BackendName;
const n = Number(arg('n', '2000'));
const p = Number(arg('p', '500'));
const hidden = Number(arg('hidden', '64'));
const batchSize = Number(arg('batch', '128'));
const epochs = Number(arg('epochs', '4'));
const rounds = Number(arg('rounds', '8'));
const classes = 10;

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Wall and CPU milliseconds per step of each epoch after the first. */
async function perStep(problem: TensorProblem, which: 'spred' | 'dense', seed: number): Promise<{ wall: number[]; cpu: number[] }> {
  const stepsPerEpoch = Math.ceil(problem.nSamples / batchSize);
  const stamps: number[] = [];
  const cpuStamps: number[] = [];
  const params = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, batchSize, init: 'random', initScale: 0.5 };
  const cb = (): boolean => {
    stamps.push(performance.now());
    const u = process.cpuUsage();
    cpuStamps.push((u.user + u.system) / 1000);
    return stamps.length <= epochs;
  };
  // asyncCallback: the loop reports without reading its iterate (nothing to copy back per epoch)
  const ctx = { seed, maxIter: epochs, asyncCallback: async (): Promise<boolean> => cb() };
  if (which === 'spred') await runSpredTensor(problem, 'adam', params, cb, ctx);
  else await subgradAdam.run(problem, params, cb, ctx);
  const per = (a: number[]): number[] => a.slice(2).map((v, e) => (v - (a[e + 1] as number)) / stepsPerEpoch);
  return { wall: per(stamps), cpu: per(cpuStamps) };
}

const data = simulateMlpData({ n, p, informative: 20, classes, seed: 1 });
console.log(`spred overhead: MLP ${p}→${hidden}→${classes}, n = ${n} (80% train), batch ${batchSize}, Adam, ${epochs} epochs × ${rounds} rounds per method`);
for (const penalty of ['l1', 'group-l1'] as const) {
  const problem = await makeMlpProblem({ X: data.X, y: data.y, classes, hidden, lambdaRatio: 0.1, penalty, backend });
  const wall = { spred: [] as number[], dense: [] as number[] };
  const cpu = { spred: [] as number[], dense: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    // alternate which method goes first, so neither always runs on a warmer (or colder) process
    for (const which of r % 2 === 0 ? (['spred', 'dense'] as const) : (['dense', 'spred'] as const)) {
      const m = await perStep(problem, which, r);
      wall[which].push(...m.wall);
      cpu[which].push(...m.cpu);
    }
  }
  const ws = median(wall.spred);
  const wd = median(wall.dense);
  const cs = median(cpu.spred);
  const cd = median(cpu.dense);
  console.log(
    `backend ${problem.backend}, penalty ${penalty.padEnd(8)}: ms/step, median of ${wall.spred.length} epochs each — wall: spred-Adam ${ws.toFixed(2)} / dense Adam ${wd.toFixed(2)} = ${(ws / wd).toFixed(2)}; CPU: ${cs.toFixed(2)} / ${cd.toFixed(2)} = ${(cs / cd).toFixed(2)}`,
  );
  problem.dispose();
}
console.log(`tensors left: ${tf.memory().numTensors}`);
