/**
 * Step time of the NN methods on LeNet-300-100 (784→300→100→10) at batch 128, in one process,
 * the contenders interleaved (so none always runs warmer, colder, or in a quieter minute):
 *
 *   1. spred-adam step / dense step (l1bench's own solvers, through the shared minibatch loop;
 *      the issue's target: ≤ 1.05, the paper's "< 5% overhead");
 *   2. l1bench dense step / tf.layers step (a tf.sequential of the same net, Adam(1e-3), softmax +
 *      categoricalCrossentropy, trained with model.fit: what a TensorFlow.js user would write;
 *      target ≤ 0.5).
 *   With --ops (default on the backends that have them), spred-adam and dense also run with the
 *   fused Adam kernels turned off (solvers/tensor/fused.ts: setFusedKernels(false)), the op-by-op
 *   form, in the same rotation: the before/after of the fusion, in absolute ms/step for both.
 *
 *     npx tsx bench/compression-speed.ts [--backend wasm] [--data fashion-mnist-small] [--rounds 5] [--epochs 4] [--steps 200] [--warm 1500] [--no-ops]
 *
 * Per epoch: each round starts a fresh run of every contender (seed = round) and the runs take
 * turns one epoch each (a baton ring; the ring starts one contender further each round), each
 * with its own fused-kernel setting during its turn. An l1bench run is the solver's real run
 * (its callbacks read no iterate, as the harness's clock is stopped while it reads one at a
 * trace point), a tf.layers epoch is one model.fit call. Each run's first epoch is dropped
 * (warm-up); an epoch is timed from its turn's start to its end and divided by its steps.
 * Printed: medians over all timed epochs of wall ms/step and of process CPU ms/step (wasm runs
 * on the main thread, so CPU time is the less contention-sensitive number on a shared machine),
 * and the ratios of the medians.
 *
 * Step-interleaved (--steps N, 0 to skip): the step rules alone, one step each in turn on the
 * same batch; medians of wall and CPU ms per step over two windows of N steps: fresh nets (after
 * 10 untimed steps) and trained ones (from step --warm W, default 1500, about 32 epochs of the
 * 6k subset). The second is what a long run pays: an L1 run's weights keep shrinking, and
 * spred's products of two shrinking factors reach subnormal floats, which x86 multiplies slowly
 * (solvers/tensor/fused-wasm.ts stores the weights a matMul reads as 0 below 2⁻⁶⁴). After the
 * trained window, forward + backward passes alone, spred's W against dense's (`anatomy`).
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { Solver } from '../problems/types.ts';
import type { BackendName } from '../problems/tensor/backend.ts';
import { buildCompression } from '../problems/tensor/families.ts';
import { loadFashionMnist } from '../problems/datasets/fashion-mnist.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { resolveParams } from '../harness/params.ts';
import { dense } from '../solvers/dense.ts';
import { plainRule } from '../solvers/tensor/plain.ts';
import { spredRule } from '../solvers/spred/tensor.ts';
import type { StepRule } from '../solvers/tensor/loop.ts';
import { spredAdam } from '../solvers/spred-adam.ts';
import { fusedAvailable, setFusedKernels } from '../solvers/tensor/fused.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : dflt;
}
const backend = arg('backend', 'wasm') as BackendName;
const dataset = arg('data', 'fashion-mnist-small');
const rounds = Number(arg('rounds', '5'));
const nSteps = Number(arg('steps', '200'));
const warm = Number(arg('warm', '1500'));
const epochs = Math.max(2, Number(arg('epochs', '4')));
const batchSize = 128;

const median = (a: readonly number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * The baton of the per-epoch measurement: contenders take turns, one epoch each, in a ring (a
 * contender that has finished leaves it).
 */
class Baton {
  private readonly wake: ((() => void) | null)[];
  private readonly early: boolean[];
  private readonly done: boolean[];
  constructor(private readonly k: number) {
    this.wake = new Array<(() => void) | null>(k).fill(null);
    this.early = new Array<boolean>(k).fill(false);
    this.done = new Array<boolean>(k).fill(false);
  }
  /** Resolves when it is contender i's turn. */
  wait(i: number): Promise<void> {
    if (this.early[i]) {
      this.early[i] = false;
      return Promise.resolve();
    }
    return new Promise<void>((res) => (this.wake[i] = res));
  }
  /** Gives contender j the turn. */
  give(j: number): void {
    const w = this.wake[j];
    if (w) {
      this.wake[j] = null;
      w();
    } else this.early[j] = true;
  }
  /** Contender i ends its turn (leaving the ring when `finished`); resolves when its next turn starts (at once when it is alone). */
  async pass(i: number, finished: boolean): Promise<void> {
    if (finished) this.done[i] = true;
    for (let d = 1; d <= this.k; d++) {
      const j = (i + d) % this.k;
      if (this.done[j]) continue;
      if (j === i) return;
      this.give(j);
      break;
    }
    if (!finished) await this.wait(i);
  }
}

/** One contender of the per-epoch measurement: runs `epochs` epochs, calling `epochEnd` after each (and once before the first). */
type EpochRunner = (epochEnd: () => Promise<boolean>) => Promise<void>;

/** l1bench's solver through its real run (the shared minibatch loop); its callbacks read no iterate, as the harness's clock is stopped while it reads one. */
const l1benchRunner = (problem: TensorProblem, solver: Solver, params: Record<string, number | string>, seed: number): EpochRunner => async (epochEnd) => {
  await solver.run(problem, resolveParams(solver, { batchSize, ...params }), () => true, { seed, maxIter: epochs, asyncCallback: () => epochEnd() });
};

/** The same net in tf.layers, one model.fit epoch per turn. */
const layersRunner = (X: tf.Tensor2D, Y: tf.Tensor2D, seed: number): EpochRunner => async (epochEnd) => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 300, activation: 'relu', kernelInitializer: tf.initializers.heUniform({ seed }) }),
      tf.layers.dense({ units: 100, activation: 'relu', kernelInitializer: tf.initializers.heUniform({ seed: seed + 1 }) }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  try {
    while (await epochEnd()) await model.fit(X, Y, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
  } finally {
    model.dispose();
  }
};

/**
 * Runs the contenders side by side, one epoch each in turn (contender 0's epoch 1, contender
 * 1's epoch 1, …), with the fused kernels set per contender for its turn; returns each one's
 * wall and CPU ms per step of every epoch after the first.
 */
async function alternatingEpochs(runners: readonly { fused: boolean; run: EpochRunner }[], steps: number): Promise<{ wall: number[]; cpu: number[] }[]> {
  const baton = new Baton(runners.length);
  const out = runners.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  const all: Promise<void>[] = [];
  for (let i = 0; i < runners.length; i++) {
    const r = runners[i] as { fused: boolean; run: EpochRunner };
    const rec = out[i] as { wall: number[]; cpu: number[] };
    let ended = 0;
    let w0 = 0;
    let c0 = 0;
    let built!: () => void;
    const started = new Promise<void>((res) => (built = res));
    const epochEnd = async (): Promise<boolean> => {
      const w = performance.now();
      const c = cpuMs();
      // call number `ended` closes epoch `ended` (0: the starting point; 1: the warm-up epoch, dropped)
      if (ended >= 2) {
        rec.wall.push((w - w0) / steps);
        rec.cpu.push((c - c0) / steps);
      }
      const more = ended < epochs;
      ended++;
      if (ended === 1) {
        built();
        await baton.wait(i);
      } else await baton.pass(i, !more);
      setFusedKernels(r.fused);
      w0 = performance.now();
      c0 = cpuMs();
      return more;
    };
    // built one after another, each with its own fusion setting (a rule picks its kernels when built)
    setFusedKernels(r.fused);
    all.push(r.run(epochEnd));
    await started;
  }
  baton.give(0);
  await Promise.all(all);
  setFusedKernels(true);
  return out;
}

const problem = await buildCompression({ dataset, lambda: { kind: 'absolute', value: 1e-4 }, layers: [300, 100], backend });
const data = loadFashionMnist(dataset);
const X = tf.tensor2d(data.train.X, [data.train.y.length, 784]);
const Y = tf.oneHot(tf.tensor1d(data.train.y, 'int32'), 10).toFloat() as tf.Tensor2D;
console.log(`compression speed: LeNet-300-100 on ${dataset} (${problem.nSamples} training samples, ${Math.ceil(problem.nSamples / batchSize)} steps/epoch), batch ${batchSize}, backend ${problem.backend}, ${epochs} epochs per run (first dropped), ${rounds} rounds, runs taking turns epoch by epoch`);
const ops = !process.argv.includes('--no-ops') && fusedAvailable();
type Who = 'spred' | 'dense' | 'layers' | 'spred-ops' | 'dense-ops';
const who: Who[] = ['spred', 'dense', 'layers', ...(ops ? (['spred-ops', 'dense-ops'] as const) : [])];
const res = Object.fromEntries(who.map((w) => [w, { wall: [] as number[], cpu: [] as number[] }])) as Record<Who, { wall: number[]; cpu: number[] }>;
const stepsPerEpoch = Math.ceil(problem.nSamples / batchSize);
for (let r = 0; r < rounds; r++) {
  // each round a fresh run of every contender (seed r), the ring starting one further each round
  const order = who.map((_, i, a) => a[(i + r) % a.length] as Who);
  const runners = order.map((w) => ({
    fused: !w.endsWith('-ops'),
    run: w === 'layers' ? layersRunner(X, Y, r) : w.startsWith('spred') ? l1benchRunner(problem, spredAdam, { lr: 1e-3, init: 'balanced' }, r) : l1benchRunner(problem, dense, { lr: 1e-3 }, r),
  }));
  const got = await alternatingEpochs(runners, stepsPerEpoch);
  order.forEach((w, k) => {
    res[w].wall.push(...(got[k] as { wall: number[] }).wall);
    res[w].cpu.push(...(got[k] as { cpu: number[] }).cpu);
  });
  console.log(`round ${r + 1}: wall ms/step (median of its epochs) ${who.map((w) => `${w} ${median((got[order.indexOf(w)] as { wall: number[] }).wall).toFixed(2)}`).join(', ')}`);
}
const md = (k: Who, f: 'wall' | 'cpu'): number => median(res[k][f]);
for (const f of rounds > 0 ? (['wall', 'cpu'] as const) : []) {
  console.log(
    `${f.padEnd(4)} ms/step (median of ${rounds} × ${epochs - 1} epochs): spred-adam ${md('spred', f).toFixed(2)}, dense ${md('dense', f).toFixed(2)}, tf.layers+fit ${md('layers', f).toFixed(2)};  spred/dense = ${(md('spred', f) / md('dense', f)).toFixed(3)} (target ≤ 1.05), dense/tf.layers = ${(md('dense', f) / md('layers', f)).toFixed(3)} (target ≤ 0.5)`,
  );
  if (ops) console.log(`${''.padEnd(4)} op-by-op Adam (fusion off): spred-adam ${md('spred-ops', f).toFixed(2)}, dense ${md('dense-ops', f).toFixed(2)}; spred/dense = ${(md('spred-ops', f) / md('dense-ops', f)).toFixed(3)}`);
}

/** Step s's batch of the step-interleaved measurement: samples s·B … s·B + B − 1, cyclically. */
const batchAt = (s: number): ReturnType<TensorProblem['makeBatch']> => problem.makeBatch(Int32Array.from({ length: batchSize }, (_, i) => (s * batchSize + i) % problem.nSamples));

/**
 * Where a trained net's step time goes: forward + backward alone (tf.grads of the loss on the
 * weights the matMuls read), interleaved over the same batches, for spred-adam's W and dense's
 * weights. (A step minus this median is not the update's cost: the two are timed in different
 * minutes, and on this VM that difference came out negative; bench/fused-kernels.ts times the
 * update kernels alone.)
 */
function anatomy(rules: readonly { who: Who; rule: StepRule }[], from: number): void {
  const rule = (w: Who): StepRule => (rules.find((r) => r.who === w) as { rule: StepRule }).rule;
  const spredW = rule('spred').current();
  let zeros = 0;
  let small = 0;
  let total = 0;
  for (const w of spredW) {
    if (w.shape.length !== 2) continue;
    for (const x of w.dataSync()) {
      total++;
      if (x === 0) zeros++;
      else if (Math.abs(x) < 1e-8) small++;
    }
  }
  const sets = { spred: spredW, dense: rule('dense').current() } as const;
  const names = Object.keys(sets) as (keyof typeof sets)[];
  const t = new Map<string, number[]>(names.map((k) => [k, []]));
  for (let j = 0; j < nSteps; j++) {
    const batch = batchAt(from + j);
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + j) % names.length] as keyof typeof sets;
      const w0 = performance.now();
      // no read-back in the timed region (a step reads none either); wasm runs its ops synchronously
      tf.tidy(() => tf.grads((...p: tf.Tensor[]) => problem.loss(p, batch))(sets[name]));
      (t.get(name) as number[]).push(performance.now() - w0);
    }
    problem.disposeBatch(batch);
  }
  const m = (k: string): number => median(t.get(k) as number[]);
  console.log(`trained nets, forward + backward only, ${nSteps} passes each (median wall ms): spred ${m('spred').toFixed(2)}, dense ${m('dense').toFixed(2)}; spred/dense = ${(m('spred') / m('dense')).toFixed(3)}; spred's weight matrices hold ${zeros} zeros and ${small} nonzero entries below 1e-8 of ${total} (the fused kernels store entries below 2⁻⁶⁴ as 0)`);
}

if (nSteps > 0) {
  // step-interleaved (module comment)
  const ctx = { seed: 0, maxIter: 1 };
  const rules: { who: Who; rule: StepRule }[] = [];
  for (const w of who.filter((x) => x !== 'layers')) {
    const was = setFusedKernels(!w.endsWith('-ops'));
    const rule = w.startsWith('spred')
      ? spredRule(problem, 'adam', resolveParams(spredAdam, { lr: 1e-3, init: 'balanced', batchSize }), ctx, 'spred-adam')
      : plainRule(problem, 'adam', resolveParams(dense, { lr: 1e-3, batchSize }), ctx, 'dense');
    setFusedKernels(was);
    rules.push({ who: w, rule });
  }
  // two windows of nSteps timed steps: fresh nets (after 10 untimed steps) and trained ones (after `warm` steps in all)
  const windows = [
    { name: `fresh nets (steps 10–${9 + nSteps})`, from: 10 },
    ...(warm > 10 + nSteps ? [{ name: `after ${warm} steps of training (steps ${warm}–${warm + nSteps - 1})`, from: warm }] : []),
  ];
  const wall = windows.map(() => new Map<Who, number[]>(rules.map((r) => [r.who, []])));
  const cpu = windows.map(() => new Map<Who, number[]>(rules.map((r) => [r.who, []])));
  const last = (windows[windows.length - 1] as { from: number }).from + nSteps;
  for (let s = 0; s < last; s++) {
    const win = windows.findIndex((x) => s >= x.from && s < x.from + nSteps);
    const batch = batchAt(s);
    for (let k = 0; k < rules.length; k++) {
      const { who: w, rule } = rules[(k + s) % rules.length] as { who: Who; rule: StepRule };
      const was = setFusedKernels(!w.endsWith('-ops'));
      const w0 = performance.now();
      const c0 = cpuMs();
      tf.tidy(() => rule.step(batch, { epoch: Math.floor(s / stepsPerEpoch), step: s, stepsPerEpoch }));
      if (win >= 0) {
        (wall[win]?.get(w) as number[]).push(performance.now() - w0);
        (cpu[win]?.get(w) as number[]).push(cpuMs() - c0);
      }
      setFusedKernels(was);
    }
    problem.disposeBatch(batch);
  }
  if (windows.length > 1) anatomy(rules, last);
  for (const r of rules) r.rule.dispose();
  windows.forEach((x, k) => {
    const mw = (w: Who): number => median(wall[k]?.get(w) as number[]);
    const mc = (w: Who): number => median(cpu[k]?.get(w) as number[]);
    console.log(`step-interleaved, ${x.name}, ${nSteps} steps each (median ms/step): wall spred-adam ${mw('spred').toFixed(2)}, dense ${mw('dense').toFixed(2)}, spred/dense = ${(mw('spred') / mw('dense')).toFixed(3)}; CPU ${mc('spred').toFixed(2)}, ${mc('dense').toFixed(2)}, spred/dense = ${(mc('spred') / mc('dense')).toFixed(3)} (target ≤ 1.05)`);
    if (ops) console.log(`     op-by-op Adam (fusion off): wall spred-adam ${mw('spred-ops').toFixed(2)}, dense ${mw('dense-ops').toFixed(2)}, spred/dense = ${(mw('spred-ops') / mw('dense-ops')).toFixed(3)}; CPU ${mc('spred-ops').toFixed(2)}, ${mc('dense-ops').toFixed(2)}, spred/dense = ${(mc('spred-ops') / mc('dense-ops')).toFixed(3)}`);
  });
}
tf.dispose([X, Y]);
problem.dispose();
