/**
 * Per-step time of a spred-Adam minibatch step of LeNet-300-100 (784 → 300 → 100 → 10, L1 on
 * every weight: the nn-compression network) on every available tensor backend, at batch 128 and
 * 1024, alternating backends and batch sizes in one process (so that machine load hits them
 * alike), on simulated 784-feature data.
 *
 *     npx tsx bench/backend-speed.ts [--n 4096] [--layers 300,100] [--epochs 3] [--rounds 3]
 *                                    [--backends wasm,webgpu,cpu,tensorflow,tensorflow-gpu]
 *
 * A backend that cannot start here (no WebGPU adapter, tfjs-node not installed) is listed with
 * the reason and left out. The WebGPU adapter is printed; a software one (lavapipe) is labelled
 * so: its times measure correctness infrastructure, not a GPU. An epoch is timed from callback
 * to callback (the harness clock: the loop waits for the device at the end of each epoch, and
 * the callback reads nothing); the first epoch of a run is dropped (warm-up, shader compiles).
 * Printed per step: the median over epochs and rounds of wall milliseconds.
 */
import { performance } from 'node:perf_hooks';
import { describeAdapter, deviceInfo, initBackend, type BackendName } from '../problems/tensor/backend.ts';
import { simulateMlpData } from '../problems/tensor/mlp.ts';
import { makeNetworkProblem } from '../problems/tensor/network.ts';
import { runSpredTensor } from '../solvers/spred/tensor.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : dflt;
}
const n = Number(arg('n', '4096'));
const layers = arg('layers', '300,100').split(',').map(Number);
const epochs = Number(arg('epochs', '3'));
const rounds = Number(arg('rounds', '3'));
const wanted = arg('backends', 'wasm,webgpu,cpu,tensorflow,tensorflow-gpu').split(',') as BackendName[];
const batches = [128, 1024];
const p = 784;
const classes = 10;

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const sim = simulateMlpData({ n, p, informative: 50, classes, seed: 1 });
const nTrain = Math.round(0.8 * n);
const X32 = Float32Array.from(sim.X);
const data = { p, classes, train: { X: X32.slice(0, nTrain * p), y: sim.y.slice(0, nTrain) }, test: { X: X32.slice(nTrain * p), y: sim.y.slice(nTrain) }, name: 'sim-784', hash: 'sim-784' };
const available: BackendName[] = [];
for (const b of wanted) {
  try {
    await initBackend(b);
    const d = await deviceInfo();
    available.push(b);
    console.log(`backend ${b}: available${d?.adapter ? ` — ${describeAdapter(d.adapter)}` : ''}`);
  } catch (e) {
    console.log(`backend ${b}: not available (${(e as Error).message})`);
  }
}

/** Milliseconds per minibatch step of each epoch after the first. */
async function perStep(backend: BackendName, batchSize: number, seed: number): Promise<number[]> {
  const problem = await makeNetworkProblem({ data, hidden: layers, scope: 'weights', lambdaRatio: 0.1, backend, family: 'nn-compression' });
  try {
    const steps = Math.ceil(problem.nSamples / batchSize);
    const stamps: number[] = [];
    const tick = async (): Promise<boolean> => {
      stamps.push(performance.now());
      return stamps.length <= epochs;
    };
    const params = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, batchSize, init: 'random', initScale: 0.5 };
    await runSpredTensor(problem, 'adam', params, () => true, { seed, maxIter: epochs, asyncCallback: tick });
    return stamps.slice(2).map((v, e) => (v - (stamps[e + 1] as number)) / steps);
  } finally {
    problem.dispose();
  }
}

console.log(`\nspred-Adam step, network ${[p, ...layers, classes].join('→')}, n = ${n} (80% train), ${epochs} epochs (first dropped) × ${rounds} rounds, alternating`);
const times = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? available : [...available].reverse();
  for (const b of order) {
    for (const batch of batches) {
      const key = `${b}@${batch}`;
      times.set(key, [...(times.get(key) ?? []), ...(await perStep(b, batch, r))]);
    }
  }
}
console.log(`${'backend'.padEnd(16)}${batches.map((b) => `batch ${b}`.padStart(14)).join('')}   (ms per step, median)`);
for (const b of available) {
  console.log(`${b.padEnd(16)}${batches.map((batch) => median(times.get(`${b}@${batch}`) ?? [NaN]).toFixed(2).padStart(14)).join('')}`);
}
