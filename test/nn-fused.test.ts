/**
 * The fused Adam kernels (solvers/tensor/fused.ts) against the op-by-op form they replace
 * (setFusedKernels(false)): the same runs from the same seed, every epoch's iterate compared.
 * - dense (plain Adam) and spred-adam with elementwise L1: each float32 operation is the same
 *   correctly rounded one, in the same order, so the iterates agree bit for bit;
 * - spred-adam on groups (neurons: 'columns'; input features: 'rows'): the group sums may be
 *   accumulated in another order than tfjs's, so they agree to float32 round-off (amplified
 *   only through Adam's division by √v̂; observed with tfjs 4.22: bit for bit too);
 * - a variable whose data a clone shares gets fresh data (the clone keeps its values), with the
 *   same result as the in-place update;
 * - on a backend without the kernels (cpu) the op-by-op form runs;
 * - flush to zero: Adam's x' and spred's W are stored as 0 where below 2⁻⁶⁴ (hand-made entries in
 *   both the SIMD lanes and the scalar tail), every other value is the plain float32 result.
 * Both forms keep the tensor count constant across epochs.
 */
import t, { type Test } from 'tap';
import * as tf from '@tensorflow/tfjs';
import type { Solver } from '../problems/types.ts';
import { resolveParams } from '../harness/params.ts';
import { makeNetworkProblem, type NetworkOptions } from '../problems/tensor/network.ts';
import { simulateMlpData } from '../problems/tensor/mlp.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { fusedAdamStep, fusedAvailable, fusedSpredAdamStep, setFusedKernels, type FactoredVars } from '../solvers/tensor/fused.ts';
import { dense } from '../solvers/dense.ts';
import { spredAdam } from '../solvers/spred-adam.ts';
import { proxAdam } from '../solvers/prox-adam.ts';
import { gmp } from '../solvers/gmp.ts';

const d = simulateMlpData({ n: 200, p: 12, informative: 4, classes: 3, seed: 5 });
const nTr = 160;
const X = Float32Array.from(d.X);
const data = { p: 12, classes: 3, train: { X: X.slice(0, nTr * 12), y: d.y.slice(0, nTr) }, test: { X: X.slice(nTr * 12), y: d.y.slice(nTr) }, name: 'sim', hash: 'sim-fused' };

/** Iterates after each of `epochs` epochs, and the tensor count at each report. */
async function iterates(problem: TensorProblem, solver: Solver, params: Record<string, number | string>, fused: boolean, epochs: number): Promise<{ xs: Float64Array[]; counts: number[] }> {
  const was = setFusedKernels(fused);
  const xs: Float64Array[] = [];
  const counts: number[] = [];
  try {
    await solver.run(problem, resolveParams(solver, { batchSize: 32, lr: 0.01, ...params }), (it) => {
      xs.push(Float64Array.from(it.x()));
      counts.push(tf.memory().numTensors);
      return xs.length <= epochs;
    }, { seed: 3, maxIter: epochs });
  } finally {
    setFusedKernels(was);
  }
  return { xs, counts };
}

/** max_j |a_j − b_j| / (|b_j| + floor). */
function relDiff(a: Float64Array, b: Float64Array, floor: number): number {
  let m = 0;
  for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs((a[j] as number) - (b[j] as number)) / (Math.abs(b[j] as number) + floor));
  return m;
}

async function compare(t: Test, label: string, opts: Partial<NetworkOptions>, solver: Solver, params: Record<string, number | string>, tol: number): Promise<void> {
  const prob = await makeNetworkProblem({ data, hidden: [10, 6], scope: 'weights', lambda: 1e-3, ...opts } as NetworkOptions);
  t.ok(fusedAvailable(), `${label}: the fused kernels run on ${tf.getBackend()}`);
  const base = tf.memory().numTensors;
  const epochs = 4; // 5 steps per epoch: 20 steps
  const on = await iterates(prob, solver, params, true, epochs);
  const off = await iterates(prob, solver, params, false, epochs);
  t.equal(tf.memory().numTensors, base, `${label}: both forms released their tensors`);
  for (const [name, r] of [['fused', on], ['op-by-op', off]] as const) {
    t.ok(r.counts.slice(1).every((c) => c === r.counts[1]), `${label}, ${name}: tensor count ${r.counts.join(' ')}`);
  }
  t.same(on.xs[0], off.xs[0], `${label}: same starting point`);
  let worst = 0;
  let identical = true;
  for (let e = 1; e <= epochs; e++) {
    const a = on.xs[e] as Float64Array;
    const b = off.xs[e] as Float64Array;
    worst = Math.max(worst, relDiff(a, b, 1e-3));
    identical &&= a.every((v, j) => v === b[j]);
    t.notSame(a, on.xs[e - 1], `${label}: epoch ${e} moved the iterate`);
  }
  t.ok(worst <= tol, `${label}: fused vs op-by-op over ${epochs * 5} steps, max |Δx|/(|x| + 1e-3) = ${worst.toExponential(2)} ≤ ${tol}${identical ? ' (bit for bit)' : ''}`);
  prob.dispose();
}

// Plain and 'l1' updates: the same float32 operations in the same order, so equal bit for bit
// (tolerance 0). Groups: the sums Σ_G may be accumulated in another order than tfjs's sum kernel
// uses; float32 round-off (6e-8 relative per operation) compounded over 20 Adam steps (the
// division by √v̂ + ε amplifies a difference in a small gradient) stays within a few hundred ulps.
const EXACT = 0;
const GROUPS = 2e-5;

t.test('dense: fused Adam equals the op-by-op Adam', async (t) => {
  await compare(t, 'dense', {}, dense, {}, EXACT);
});

t.test('spred-adam, elementwise L1 on every weight: fused equals op-by-op', async (t) => {
  await compare(t, 'spred l1', {}, spredAdam, { init: 'random' }, EXACT);
  await compare(t, 'spred l1, balanced', {}, spredAdam, { init: 'balanced' }, EXACT);
});

t.test('spred-adam on groups: neurons (columns) and input features (rows, with a linear head)', async (t) => {
  await compare(t, 'spred neurons', { structure: 'neuron' }, spredAdam, {}, GROUPS);
  await compare(t, 'spred inputs', { scope: 'inputs', linearHead: true }, spredAdam, {}, GROUPS);
});

t.test('Adam with a finishing step: prox-adam (L1, groups) and gmp (masks) on the fused z equal op-by-op', async (t) => {
  await compare(t, 'prox-adam l1', {}, proxAdam, {}, EXACT);
  await compare(t, 'prox-adam neurons', { structure: 'neuron' }, proxAdam, {}, EXACT);
  await compare(t, 'prox-adam inputs', { scope: 'inputs', linearHead: true }, proxAdam, {}, EXACT);
  await compare(t, 'gmp', {}, gmp, { sparsity: 0.8, pruneStart: 0, pruneEnd: 0.5 }, EXACT);
});

t.test('shared data is not written in place: the clone keeps its values, the update is the same', async (t) => {
  await makeNetworkProblem({ data, hidden: [4], scope: 'weights', lambda: 1e-3 }).then((p) => p.dispose()); // the wasm backend
  const c = { beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 0.01, c2: 2 };
  const vals = (seed: number, shape: number[], positive = false): tf.Variable => tf.tidy(() => tf.variable(positive ? tf.abs(tf.randomNormal(shape, 0, 1, 'float32', seed)) : tf.randomNormal(shape, 0, 1, 'float32', seed)));
  const base = tf.memory().numTensors;
  // plain Adam
  const g = tf.randomNormal([5, 3], 0, 1, 'float32', 9);
  const [a, b] = [0, 1].map(() => [vals(1, [5, 3]), vals(2, [5, 3]), vals(3, [5, 3], true)] as const) as [readonly [tf.Variable, tf.Variable, tf.Variable], readonly [tf.Variable, tf.Variable, tf.Variable]];
  const held = b.map((x) => x.clone());
  const before = held.map((x) => Array.from(x.dataSync()));
  tf.tidy(() => fusedAdamStep(a[0], g, a[1], a[2], c));
  tf.tidy(() => fusedAdamStep(b[0], g, b[1], b[2], c));
  t.same(held.map((x) => Array.from(x.dataSync())), before, 'plain: the clones of x, m, v are unchanged');
  t.same(b.map((x) => Array.from(x.dataSync())), a.map((x) => Array.from(x.dataSync())), 'plain: in place and fresh agree (x, m, v)');
  t.notSame(Array.from(a[0].dataSync()), before[0], 'plain: x moved');
  tf.dispose([...a, ...b, ...held, g]);
  // spred, elementwise and both group kinds (in place, a group keeps u' in a scratch array while V's update reads u)
  for (const kind of [0, 1, 2] as const) {
    const [rows, cols] = [6, 5];
    const uShape = kind === 0 ? [rows, cols] : kind === 1 ? [rows, 1] : [1, cols];
    const make = (): FactoredVars => ({ kind, rows, cols, u: vals(4, uShape), V: vals(5, [rows, cols]), W: vals(6, [rows, cols]), mu: vals(7, uShape), vu: vals(8, uShape, true), mV: vals(10, [rows, cols]), vV: vals(11, [rows, cols], true) });
    const gs = tf.randomNormal([rows, cols], 0, 1, 'float32', 12);
    const sole = make();
    const shared = make();
    const parts = (f: FactoredVars): tf.Variable[] => [f.u, f.V, f.W, f.mu, f.vu, f.mV, f.vV];
    const clones = parts(shared).map((x) => x.clone());
    const cloneVals = clones.map((x) => Array.from(x.dataSync()));
    tf.tidy(() => fusedSpredAdamStep(sole, gs, 0.01, c));
    tf.tidy(() => fusedSpredAdamStep(shared, gs, 0.01, c));
    t.same(clones.map((x) => Array.from(x.dataSync())), cloneVals, `spred kind ${kind}: the clones are unchanged`);
    t.same(parts(shared).map((x) => Array.from(x.dataSync())), parts(sole).map((x) => Array.from(x.dataSync())), `spred kind ${kind}: in place and fresh agree`);
    t.notSame(Array.from(sole.u.dataSync()), cloneVals[0], `spred kind ${kind}: u moved`);
    tf.dispose([...parts(sole), ...parts(shared), ...clones, gs]);
  }
  t.equal(tf.memory().numTensors, base, 'nothing left');
});

t.test('backends without the kernels (cpu) keep the op-by-op form', async (t) => {
  const prob = await makeNetworkProblem({ data, hidden: [10, 6], scope: 'weights', lambda: 1e-3, backend: 'cpu' });
  t.equal(tf.getBackend(), 'cpu');
  t.notOk(fusedAvailable(), 'no fused kernels on cpu');
  const r = await iterates(prob, spredAdam, {}, true, 2);
  t.notSame(r.xs[2], r.xs[0], 'spred-adam still trains');
  prob.dispose();
});

t.test('flush to zero: the weights a matMul reads next are 0 where below 2⁻⁶⁴, every other value is the plain float32 result', async (t) => {
  await makeNetworkProblem({ data, hidden: [4], scope: 'weights', lambda: 1e-3 }).then((p) => p.dispose()); // the wasm backend
  t.ok(fusedAvailable());
  const T = 2 ** -64; // the flush threshold
  const f = Math.fround;
  const c = { beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 0.01, c2: 2 };
  const base = tf.memory().numTensors;
  // Adam with g = m = v = 0: x' = x − 0/(0 + ε) = x exactly, so x' keeps x unless |x| < 2⁻⁶⁴.
  // 5 entries (4 SIMD lanes and the scalar tail): normal, normal below 2⁻⁶⁴, −subnormal, exactly 2⁻⁶⁴ (kept), normal.
  const xs = [0.5, 1e-21, -3e-40, T, -2];
  const x = tf.tidy(() => tf.variable(tf.tensor1d(xs)));
  const zeros = (): tf.Variable => tf.tidy(() => tf.variable(tf.zeros([5])));
  const [m, v] = [zeros(), zeros()];
  const g = tf.zeros([5]);
  tf.tidy(() => fusedAdamStep(x, g, m, v, c));
  t.same(Array.from(x.dataSync()), [f(0.5), 0, 0, f(T), -2], "Adam: x' = x, the two entries below 2⁻⁶⁴ stored as 0 (lanes and tail alike)");
  // spred 'l1' on 1×5: W = u'·V'. With g = 0, u' = u − (m'·s)/(√(v'·c₂) + ε) where ĝ = u·λ; ε = 1 keeps
  // the step of a tiny factor tiny, so the products stay near u·V: ~1e-40 (subnormal), ~1e-22 (normal, below 2⁻⁶⁴), ~1e-18 (kept).
  const c1 = { ...c, eps: 1 };
  const lam = 0.01;
  const u0 = [1e-20, 0.3, 1e-11, 1e-9, 0.7];
  const V0 = [1e-20, -0.2, 1e-11, 1e-9, 0.1];
  const mk = (a: number[]): tf.Variable => tf.tidy(() => tf.variable(tf.tensor2d(a, [1, 5])));
  const fv: FactoredVars = { kind: 0, rows: 1, cols: 5, u: mk(u0), V: mk(V0), W: mk([0, 0, 0, 0, 0]), mu: mk([0, 0, 0, 0, 0]), vu: mk([0, 0, 0, 0, 0]), mV: mk([0, 0, 0, 0, 0]), vV: mk([0, 0, 0, 0, 0]) };
  const g2 = tf.zeros([1, 5]);
  tf.tidy(() => fusedSpredAdamStep(fv, g2, lam, c1));
  const u1 = Array.from(fv.u.dataSync());
  const V1 = Array.from(fv.V.dataSync());
  const W = Array.from(fv.W.dataSync());
  // the factor step by hand in float32 (module order): ĝ = g·V + u·λ, m' = ĝ·(1−β₁), v' = (ĝ·ĝ)·(1−β₂), x' = x − (m'·s)/(√(v'·c₂) + ε)
  const step1 = (x: number, other: number): number => {
    const gh = f(f(0 * other) + f(x * f(lam)));
    const m1 = f(f(0 * f(c1.beta1)) + f(gh * f(1 - c1.beta1)));
    const v1 = f(f(0 * f(c1.beta2)) + f(f(gh * gh) * f(1 - c1.beta2)));
    return f(x - f(f(m1 * f(c1.step)) / f(f(Math.sqrt(f(v1 * f(c1.c2)))) + f(c1.eps))));
  };
  t.same(u1, u0.map((u, k) => step1(f(u), f(V0[k] as number))), "u' by hand, not flushed (the factors are never flushed)");
  t.same(V1, V0.map((V, k) => step1(f(V), f(u0[k] as number))), "V' by hand");
  const prod = u1.map((u, k) => f(u * (V1[k] as number)));
  const desc = prod.map((p) => p.toExponential(2)).join(' ');
  t.ok(prod.some((p) => p !== 0 && Math.abs(p) < 2 ** -126) && prod.some((p) => Math.abs(p) >= 2 ** -126 && Math.abs(p) < T) && prod.some((p) => Math.abs(p) >= T && Math.abs(p) < 1e-10), `one product subnormal, one normal below 2⁻⁶⁴, one small above it: ${desc}`);
  t.same(W, prod.map((p) => (Math.abs(p) < T ? 0 : p)), 'W = u′·V′ with the products below 2⁻⁶⁴ stored as 0, the others exact');
  tf.dispose([x, m, v, g, fv.u, fv.V, fv.W, fv.mu, fv.vu, fv.mV, fv.vV, g2]);
  t.equal(tf.memory().numTensors, base, 'nothing left');
});
