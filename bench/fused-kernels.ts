/**
 * The fused update kernels alone (solvers/tensor/fused.ts), on LeNet-300-100's three weight
 * matrices (784×300, 300×100, 100×10: 266,200 weights), interleaved call by call in one
 * process, so the update's share of a step is measured where it arises:
 *
 *   adam:       one fused Adam step of W (reads x, g, m, v; writes x', m', v')
 *   spred-adam: one fused spred-Adam step of W = U ⊙ V (reads u, V, g and four moments; writes
 *               u', V', the four moments and W': twice Adam's square roots and divisions, twice
 *               its memory traffic)
 *
 * State: Gaussian weights (std 0.05), gradients (std 1e-3) and moments as after a few steps, or
 * (--tiny share, --tiny-scale s) that share of spred's factor entries collapsed to size s, as
 * after training (there g_U = g·V + λu is ~1e-3·s, and Adam's (ĝ·ĝ)·(1−β₂) underflows to
 * subnormal floats once s is below ~1e-15). The moments here are random, not those of a trained
 * run, whose first moments of collapsed factors decay into subnormal floats (1,033 in each of
 * W₁'s factor moments after 1,500 steps at λ = 1e-4); those slow a real trained step further
 * (bench/compression-speed.ts, after 1,500 steps).
 * Printed: median ms per call over all three matrices for each, and their ratio.
 *
 *     npx tsx bench/fused-kernels.ts [--reps 400] [--tiny 0.3] [--tiny-scale 1e-15]
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../problems/tensor/backend.ts';
import { fusedAdamStep, fusedAvailable, fusedSpredAdamStep, type FactoredVars } from '../solvers/tensor/fused.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : dflt;
}
const reps = Number(arg('reps', '400'));
const tinyShare = Number(arg('tiny', '0'));
const tinyScale = Number(arg('tiny-scale', '1e-12'));
await initBackend('wasm');
if (!fusedAvailable()) throw new Error('fused-kernels: the fused kernels need the wasm backend');

const shapes: [number, number][] = [
  [784, 300],
  [300, 100],
  [100, 10],
];
let seed = 1;
const normal = (shape: [number, number], std: number): tf.Tensor2D => tf.randomNormal(shape, 0, std, 'float32', seed++) as tf.Tensor2D;
const variable = (t: tf.Tensor): tf.Variable => {
  const v = tf.variable(t);
  t.dispose();
  return v;
};
/** A factor: N(0, 0.2) entries, a share `tinyShare` of them N(0, tinyScale²) instead (collapsed). */
const factor = (shape: [number, number]): tf.Variable =>
  variable(tf.tidy(() => tf.where(tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed++), tinyShare), tf.mul(normal(shape, 1), tinyScale), normal(shape, 0.2))));
const positive = (shape: [number, number], scale: number): tf.Variable => variable(tf.tidy(() => tf.mul(tf.square(normal(shape, 1)), scale)));

const adamState = shapes.map((s) => ({ x: variable(normal(s, 0.05)), g: normal(s, 1e-3), m: variable(normal(s, 1e-4)), v: positive(s, 1e-7) }));
const spredState = shapes.map(([rows, cols]) => {
  const s: [number, number] = [rows, cols];
  const u = factor(s);
  const V = factor(s);
  const fv: FactoredVars = { kind: 0, rows, cols, u, V, W: variable(tf.mul(u, V)), mu: variable(normal(s, 1e-4)), vu: positive(s, 1e-7), mV: variable(normal(s, 1e-4)), vV: positive(s, 1e-7) };
  return { fv, g: normal(s, 1e-3) };
});
const c = { beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1e-3, c2: 1.001 };
const lambda = 1e-4;
const contenders = {
  adam: (): void => adamState.forEach((a) => tf.tidy(() => fusedAdamStep(a.x, a.g, a.m, a.v, c))),
  'spred-adam': (): void => spredState.forEach((s) => tf.tidy(() => fusedSpredAdamStep(s.fv, s.g, lambda, c))),
};
const names = Object.keys(contenders) as (keyof typeof contenders)[];
const times = new Map<string, number[]>(names.map((n) => [n, []]));
for (let r = 0; r < 20; r++) for (const n of names) contenders[n](); // warm-up
for (let r = 0; r < reps; r++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(k + r) % names.length] as keyof typeof contenders;
    const t0 = performance.now();
    contenders[n]();
    (times.get(n) as number[]).push(performance.now() - t0);
  }
}
const median = (a: readonly number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const m = (n: string): number => median(times.get(n) as number[]);
console.log(`fused kernels on LeNet-300-100's weight matrices (266,200 weights), ${reps} interleaved calls each${tinyShare > 0 ? `, ${(100 * tinyShare).toFixed(0)}% of spred's factor entries collapsed to size ${tinyScale}` : ''}: adam ${m('adam').toFixed(3)} ms, spred-adam ${m('spred-adam').toFixed(3)} ms, spred/adam = ${(m('spred-adam') / m('adam')).toFixed(2)}`);
tf.dispose([...adamState.flatMap((a) => [a.x, a.g, a.m, a.v]), ...spredState.flatMap((s) => [s.g, s.fv.u, s.fv.V, s.fv.W, s.fv.mu, s.fv.vu, s.fv.mV, s.fv.vV])]);
