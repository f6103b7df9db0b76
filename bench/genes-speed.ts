/**
 * Speed of gene selection on ALL (all-bt, one stratified split, 64% = 82 training samples ×
 * 12,625 genes), full batch, on the gene-selection network (heads=both, hidden 32, penalty scope
 * inputs: W1 ∈ R^{12625×34}).
 *
 *     npx tsx bench/genes-speed.ts [--backend wasm|cpu] [--dataset all-bt] [--hidden 32]
 *                                  [--epochs 6] [--rounds 6] [--path-epochs 100] [--path-count 8]
 *                                  [--methods cd,spred-adam,dense] [--no-path]
 *
 * 1. Step ratio: spred-adam (one scalar factor per gene: W1_j = u_j·V_j) against `dense` (Adam on
 *    the network's own parameters, λ ignored), through the one minibatch loop, alternating the
 *    two methods for `rounds` rounds (the order flips every round); each epoch (one full-batch
 *    step) is timed callback to callback (the callbacks read nothing: an asyncCallback that reads no iterate), the first two epochs of
 *    every run dropped. Printed: median wall and process-CPU milliseconds per step and the ratio.
 *    Unless --no-ops, both also run with the fused Adam kernels off (solvers/tensor/fused.ts,
 *    the op-by-op form) in the same rotation: the fusion's before/after.
 * 2. One full λ path per method (the protocol of harness/genes/path.ts, `path-count` λ values,
 *    `path-epochs` epochs per λ, warm starts, select + refit): solver seconds and wall seconds.
 * Timings on a shared machine are noisy: compare ratios measured in one process.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../problems/tensor/backend.ts';
import { makeNetworkProblem, hashNetworkData, type ClassSplit } from '../problems/tensor/network.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { findSolver } from '../solvers/index.ts';
import { resolveParams } from '../harness/params.ts';
import { loadGeneDataset, runGenePath, splitData } from '../harness/genes/path.ts';
import { GENE_PATH_DEFAULTS } from '../harness/genes/types.ts';
import { fusedAvailable, setFusedKernels } from '../solvers/tensor/fused.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : dflt;
}
const backend = arg('backend', 'wasm') as BackendName;
const dataset = arg('dataset', 'all-bt');
const hidden = Number(arg('hidden', '32'));
const epochs = Number(arg('epochs', '6'));
const rounds = Number(arg('rounds', '6'));
const pathEpochs = Number(arg('path-epochs', '100'));
const pathCount = Number(arg('path-count', '8'));
const methods = arg('methods', 'cd,spred-adam,dense').split(',');

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const ds = loadGeneDataset(dataset);
const d = splitData(ds, 0, GENE_PATH_DEFAULTS);
const p = d.X.p;
const train: ClassSplit = {
  X: Float32Array.from({ length: d.split.train.length * p }, (_, e) => d.X.data[(e % p) * d.X.n + (d.split.train[Math.floor(e / p)] as number)] as number),
  y: Int32Array.from(d.split.train, (i) => d.classes[i] as number),
};
const problem: TensorProblem = await makeNetworkProblem({
  data: { p, classes: d.C, train, test: null, name: dataset, hash: hashNetworkData(train, null, p) },
  hidden: [hidden],
  linearHead: true,
  scope: 'inputs',
  lambdaRatio: 0.1,
  backend,
  family: 'gene-selection',
});
console.log(`gene-selection speed on ${dataset}: ${train.y.length} training samples × ${p} genes, heads=both, hidden ${hidden} (W1 ${p}×${d.C + hidden}), full batch, backend ${problem.backend}`);

async function perStep(which: 'spred-adam' | 'dense', seed: number): Promise<{ wall: number[]; cpu: number[] }> {
  const solver = findSolver(which);
  const params = resolveParams(solver, { lr: 1e-3, batchSize: 0, ...(which === 'spred-adam' ? { init: 'balanced' } : {}) });
  const stamps: number[] = [];
  const cpu: number[] = [];
  const cb = (): boolean => {
    stamps.push(performance.now());
    const u = process.cpuUsage();
    cpu.push((u.user + u.system) / 1000);
    return stamps.length <= epochs;
  };
  // the harness's async callback, reading nothing: without one the loop would read x (and spred its factors) at every step
  await solver.run(problem, params, cb, { seed, maxIter: epochs, asyncCallback: async () => cb() });
  const per = (a: number[]): number[] => a.slice(3).map((v, e) => v - (a[e + 2] as number));
  return { wall: per(stamps), cpu: per(cpu) };
}

const ops = !process.argv.includes('--no-ops') && fusedAvailable();
type Who = 'spred-adam' | 'dense' | 'spred-adam-ops' | 'dense-ops';
const who: Who[] = ['spred-adam', 'dense', ...(ops ? (['spred-adam-ops', 'dense-ops'] as const) : [])];
const wall = Object.fromEntries(who.map((w) => [w, [] as number[]])) as Record<Who, number[]>;
const cpu = Object.fromEntries(who.map((w) => [w, [] as number[]])) as Record<Who, number[]>;
for (let r = 0; r < rounds; r++) {
  for (const which of who.map((_, i, a) => a[(i + r) % a.length] as Who)) {
    const was = setFusedKernels(!which.endsWith('-ops'));
    const m = await perStep(which.startsWith('spred') ? 'spred-adam' : 'dense', r);
    setFusedKernels(was);
    wall[which].push(...m.wall);
    cpu[which].push(...m.cpu);
  }
}
const line = (s: Who, dn: Who, label: string): void => {
  const ws = median(wall[s]);
  const wd = median(wall[dn]);
  const cs = median(cpu[s]);
  const cdn = median(cpu[dn]);
  console.log(`${label} (ms, median of ${wall[dn].length} epochs each) — wall: spred-adam ${ws.toFixed(2)} / dense ${wd.toFixed(2)} = ${(ws / wd).toFixed(3)}; CPU: ${cs.toFixed(2)} / ${cdn.toFixed(2)} = ${(cs / cdn).toFixed(3)}`);
};
line('spred-adam', 'dense', 'step');
if (ops) line('spred-adam-ops', 'dense-ops', 'step, op-by-op Adam (fusion off)');
problem.dispose();

if (!process.argv.includes('--no-path')) {
  console.log(`one λ path per method: ${pathCount} λ from λ_max to ${GENE_PATH_DEFAULTS.minRatio}·λ_max, ${pathEpochs} epochs per λ (cd: to a 1e-8 duality gap), warm starts, select + refit (${GENE_PATH_DEFAULTS.refitEpochs} epochs)`);
  for (const method of methods) {
    const t0 = performance.now();
    const r = await runGenePath({
      problem: { family: 'gene-selection', dataset, lambda: { kind: 'ratio', ratio: GENE_PATH_DEFAULTS.minRatio }, genes: { count: pathCount, hidden }, backend },
      solver: method,
      params: method === 'cd' ? {} : { lr: 0.01, batchSize: 0 },
      seed: 0,
      tol: 1e-8,
      maxIter: method === 'cd' ? 200 : pathEpochs,
      timeoutSeconds: 3600,
    });
    console.log(`  ${method.padEnd(12)} ${r.run.status.padEnd(9)} solver ${(r.run.solver_seconds ?? NaN).toFixed(2)} s, wall ${((performance.now() - t0) / 1000).toFixed(2)} s, ${r.trace.length} λ`);
  }
}
console.log(`tensors left: ${tf.memory().numTensors}`);
