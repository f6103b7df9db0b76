/**
 * The NN methods on the shared minibatch loop: prox-sgd reaches the cd optimum of a small lasso
 * (Float64 engine) with a decaying step; a hand-worked prox-adam step on the tensor lasso; the gmp
 * schedule formula and pruned weights staying exactly 0; every tensor method keeps the tensor count
 * constant across epochs and releases everything; the data order is the same for every method.
 */
import t from 'tap';
import { observed } from './fixtures/observe.ts';
import * as tf from '@tensorflow/tfjs';
import type { AnyProblem, Solver, TracePoint } from '../problems/types.ts';
import { Rng } from '../problems/rng.ts';
import { lassoFromArrays } from '../problems/zoo.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { cd } from '../solvers/cd.ts';
import { proxSgd } from '../solvers/prox-sgd.ts';
import { proxAdam } from '../solvers/prox-adam.ts';
import { proxWeighted } from '../solvers/tensor/plain.ts';
import type { TensorParamInfo } from '../problems/tensor/types.ts';
import { gmp, gmpSparsity, gmpSteps, lampScores, pruneThreshold } from '../solvers/gmp.ts';
import { dense } from '../solvers/dense.ts';
import { subgradAdam } from '../solvers/subgrad-adam.ts';
import { spredAdam } from '../solvers/spred-adam.ts';
import { spredSgd } from '../solvers/spred-sgd.ts';
import { makeTensorLasso } from '../problems/tensor/linear.ts';
import { makeNetworkProblem } from '../problems/tensor/network.ts';
import { simulateMlpData } from '../problems/tensor/mlp.ts';

function lassoInstance(): { X: { n: number; p: number; data: Float64Array }; y: Float64Array } {
  const rng = new Rng(2);
  const n = 100;
  const p = 20;
  const data = Float64Array.from({ length: n * p }, () => rng.normal());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 2 * (data[i] as number) - 1.5 * (data[3 * n + i] as number) + (data[7 * n + i] as number) + 0.5 * rng.normal();
  return { X: { n, p, data }, y };
}

t.test('prox-sgd reaches the cd optimum of a small lasso with a decaying step', async (t) => {
  const { X, y } = lassoInstance();
  const prob = lassoFromArrays(X, y, { kind: 'ratio', ratio: 0.1 });
  const ref = await runSolver(cd, prob, resolveParams(cd, {}), { tol: 1e-12, maxIter: 10000, tau: 0, seed: 0 });
  t.equal(ref.status, 'converged');
  const Fs = ref.final!.objective;
  const L = prob.datafit.lipschitz!();
  const dist = (x: Float64Array): number => Math.max(...Array.from(x, (v, j) => Math.abs(v - (ref.x![j] as number))));
  // full batch, η_t = (1/L)/√(t+1): deterministic prox-gradient with diminishing steps
  const full = await runSolver(proxSgd, prob, resolveParams(proxSgd, { batchSize: 0, schedule: 'inverse-sqrt', lr: 1 / L }), { tol: 0, maxIter: 3000, tau: 0, seed: 0 });
  t.ok((full.final!.objective - Fs) / Fs <= 1e-9, `full batch: (F − F*)/F* = ${((full.final!.objective - Fs) / Fs).toExponential(2)}`);
  t.ok(dist(full.x!) <= 1e-6, `full batch: max |x − x_cd| = ${dist(full.x!).toExponential(2)}`);
  t.equal(full.final!.nnz, ref.final!.nnz, 'same support size as cd (exact zeros)');
  // minibatches of 10, the same decaying step: stochastic, so a looser (but small) distance
  const mb = await runSolver(proxSgd, prob, resolveParams(proxSgd, { batchSize: 10, schedule: 'inverse-sqrt', lr: 0.5 / L }), { tol: 0, maxIter: 2000, tau: 0, seed: 0 });
  t.ok((mb.final!.objective - Fs) / Fs <= 1e-3, `minibatch: (F − F*)/F* = ${((mb.final!.objective - Fs) / Fs).toExponential(2)}`);
  t.ok(dist(mb.x!) <= 1e-2, `minibatch: max |x − x_cd| = ${dist(mb.x!).toExponential(2)}`);
  // with a constant step the minibatch iterate keeps a noise floor: the decay is what converges
  const cst = await runSolver(proxSgd, prob, resolveParams(proxSgd, { batchSize: 10, schedule: 'constant', lr: 0.5 / L }), { tol: 0, maxIter: 2000, tau: 0, seed: 0 });
  t.ok(cst.final!.objective - Fs > mb.final!.objective - Fs, `constant step ends farther: ${((cst.final!.objective - Fs) / Fs).toExponential(2)} vs ${((mb.final!.objective - Fs) / Fs).toExponential(2)}`);
});

t.test('prox-adam: two steps worked by hand on a 2-D tensor lasso', async (t) => {
  // f(w) = (1/2n)‖y − Xw‖², X = I (n = p = 2): ∇f(w) = (w − y)/2;  w₀ = 0
  const y = new Float64Array([2, -0.1]);
  const prob = await makeTensorLasso({ n: 2, p: 2, data: new Float64Array([1, 0, 0, 1]) }, y, 0.5);
  const lr = 0.1;
  const [b1, b2, eps, lam] = [0.9, 0.999, 1e-8, 0.5];
  const xs: Float64Array[] = [];
  await proxAdam.run(prob, resolveParams(proxAdam, { lr, batchSize: 0 }), (it) => {
    xs.push(Float64Array.from(it.x()));
    return xs.length <= 2;
  }, { seed: 0, maxIter: 2 });
  // by hand (Float64): m, v moments, z = w − lr·m̂/(√v̂+ε), w = S_{lr·λ/(√v̂+ε)}(z)
  let w = [0, 0];
  const m = [0, 0];
  const v = [0, 0];
  const expected: number[][] = [];
  for (let k = 1; k <= 2; k++) {
    const g = w.map((wi, i) => (wi - (y[i] as number)) / 2);
    w = w.map((wi, i) => {
      m[i] = b1 * (m[i] as number) + (1 - b1) * (g[i] as number);
      v[i] = b2 * (v[i] as number) + (1 - b2) * (g[i] as number) ** 2;
      const d = Math.sqrt((v[i] as number) / (1 - b2 ** k)) + eps;
      const z = wi - (lr * (m[i] as number)) / (1 - b1 ** k) / d;
      const thr = (lr * lam) / d;
      return Math.sign(z) * Math.max(Math.abs(z) - thr, 0);
    });
    expected.push(w);
  }
  // step 1 in words: g = (−1, 0.05), z ≈ (0.1, −0.1), thresholds ≈ (0.05, 1): w₁ ≈ (0.05, 0)
  t.ok(Math.abs((expected[0]![0] as number) - 0.05) < 1e-7 && expected[0]![1] === 0, `hand step 1 = (${expected[0]!.join(', ')})`);
  for (let k = 0; k < 2; k++) {
    const got = xs[k + 1]!;
    t.ok(Math.abs((got[0] as number) - (expected[k]![0] as number)) <= 1e-6, `step ${k + 1}: w[0] = ${got[0]} vs hand ${expected[k]![0]}`);
    t.equal(got[1], 0, `step ${k + 1}: w[1] is exactly 0 (|z| below its threshold)`);
  }
  prob.dispose();
});

t.test("prox-adam's group prox in a diagonal metric: bisection in Float64, KKT, the zero rule", async (t) => {
  // rows of W ∈ R^{R×C} are the groups; x = argmin ½Σ d_i(x_i − z_i)² + t‖x_G‖₂ per row
  const R = 40;
  const C = 12;
  const info: TensorParamInfo = { name: 'W', shape: [R, C], rows: R, cols: C, size: R * C, offset: 0, penalized: true, penalty: 'rows', role: 'weight', initStd: 1 };
  const rng = new Rng(11);
  const z = Float32Array.from({ length: R * C }, () => rng.normal() * 0.05);
  // metric entries over 7 decades, one "dead" coordinate (d = ε) in every third row
  const d = Float32Array.from({ length: R * C }, (_, k) => (k % C === 0 && Math.floor(k / C) % 3 === 0 ? 1e-8 : 10 ** (-6 + 6 * rng.uniform())));
  // t halfway between the 20th and 21st smallest ‖d_G ⊙ z_G‖, so that about half the rows are zeroed
  const wnorms = Array.from({ length: R }, (_, r) => Math.hypot(...Array.from({ length: C }, (_, c) => (z[r * C + c] as number) * (d[r * C + c] as number)))).sort((a, b) => a - b);
  const thr = ((wnorms[19] as number) + (wnorms[20] as number)) / 2;
  const out = tf.tidy(() => proxWeighted(info, tf.tensor2d(z, [R, C]), tf.tensor2d(d, [R, C]), thr));
  const x = Float64Array.from(await out.data());
  out.dispose();
  let zeros = 0;
  let worst = 0;
  let worstKkt = 0;
  for (let r = 0; r < R; r++) {
    const zr = Array.from(z.subarray(r * C, (r + 1) * C), Number);
    const dr = Array.from(d.subarray(r * C, (r + 1) * C), Number);
    const xr = Array.from(x.subarray(r * C, (r + 1) * C));
    const wn = Math.hypot(...zr.map((v, i) => v * (dr[i] as number)));
    if (wn <= thr) {
      // zero exactly when ‖d ⊙ z‖ ≤ t (0 ∈ d ⊙ (0 − z) + t·B)
      t.ok(xr.every((v) => v === 0), `row ${r}: ‖d⊙z‖ = ${wn.toExponential(3)} ≤ t, zeroed`);
      zeros++;
      continue;
    }
    // reference: x_i = z_i r/(r + t/d_i), r the root of Σ z_i²/(r + t/d_i)² = 1 by bisection on [0, ‖z‖]
    const phi = (q: number): number => zr.reduce((s, v, i) => s + (v * v) / (q + thr / (dr[i] as number)) ** 2, 0) - 1;
    let lo = 0;
    let hi = Math.hypot(...zr);
    for (let k = 0; k < 200; k++) {
      const mid = (lo + hi) / 2;
      if (phi(mid) > 0) lo = mid;
      else hi = mid;
    }
    const root = (lo + hi) / 2;
    const ref = zr.map((v, i) => (v * root) / (root + thr / (dr[i] as number)));
    const scale = Math.hypot(...ref);
    worst = Math.max(worst, Math.hypot(...xr.map((v, i) => v - (ref[i] as number))) / scale);
    // KKT of the float32 result: d ⊙ (x − z) + t x/‖x‖ = 0, relative to t
    const nx = Math.hypot(...xr);
    worstKkt = Math.max(worstKkt, Math.hypot(...xr.map((v, i) => (dr[i] as number) * (v - (zr[i] as number)) + (thr * v) / nx)) / thr);
  }
  t.ok(zeros > 0 && zeros < R, `both cases occur (${zeros} of ${R} rows zeroed)`);
  t.ok(worst <= 1e-5, `nonzero rows = the Float64 bisection root within 1e-5 relative (worst ${worst.toExponential(2)})`);
  t.ok(worstKkt <= 1e-3, `KKT residual ≤ 1e-3·t (worst ${worstKkt.toExponential(2)}·t)`);
  // a row with one dead coordinate (d = ε) keeps its other coordinates: averaging the per-coordinate
  // threshold t/d over the row (t/ε ≈ 2e4) would have wiped it
  const deadRows = Array.from({ length: R }, (_, r) => r).filter((r) => r % 3 === 0 && x.subarray(r * C, (r + 1) * C).some((v) => v !== 0));
  t.ok(deadRows.length > 0, `rows with a dead coordinate survive (${deadRows.length})`);
  for (const r of deadRows) t.ok(Math.abs(x[r * C] as number) <= 1e-3 * Math.abs(z[r * C] as number), `row ${r}: the dead coordinate itself is shrunk to ~0`);
});

t.test('gmp: the cubic schedule, and pruned weights stay exactly 0', async (t) => {
  // s_t = s_f(1 − (1 − (t − t₀)/(nΔt))³)
  t.equal(gmpSparsity(10, 0.9, 10, 4, 5), 0, 's = 0 at t₀');
  t.equal(gmpSparsity(30, 0.9, 10, 4, 5), 0.9, 's = s_f at t₀ + nΔt');
  t.ok(Math.abs(gmpSparsity(20, 0.9, 10, 4, 5) - 0.9 * (1 - 0.125)) < 1e-15, 'halfway: s_f·(1 − 1/8)');
  t.equal(gmpSparsity(5, 0.9, 10, 4, 5), 0, 'before t₀: dense');
  t.equal(gmpSparsity(99, 0.9, 10, 4, 5), 0.9, 'after the last step: s_f');
  t.same(gmpSteps(100, 0.1, 0.5, 4), { t0: 10, dt: 10, steps: [10, 20, 30, 40, 50] });
  t.equal(pruneThreshold(Float32Array.from([0.5, -0.1, 0.3, -0.2]), 0.5), Math.fround(0.2), 'the 2 smallest |w| lie at or below 0.2');

  const d = simulateMlpData({ n: 300, p: 10, informative: 4, classes: 3, seed: 2 });
  const nTr = 240;
  const X = Float32Array.from(d.X);
  const data = { p: 10, classes: 3, train: { X: X.slice(0, nTr * 10), y: d.y.slice(0, nTr) }, test: { X: X.slice(nTr * 10), y: d.y.slice(nTr) }, name: 'sim', hash: 'sim-gmp' };
  const prob = await makeNetworkProblem({ data, hidden: [16], scope: 'weights', lambda: 1e-4 });
  const epochs = 8;
  const xs: Float64Array[] = [];
  const extras: number[] = [];
  const params = resolveParams(gmp, { batchSize: 32, lr: 0.01, sparsity: 0.8, pruneStart: 0, pruneEnd: 0.5, pruneSteps: 4 });
  await gmp.run(prob, params, (it) => {
    xs.push(Float64Array.from(it.x()));
    extras.push(it.extras!()['targetSparsity'] as number);
    return xs.length <= epochs;
  }, { seed: 1, maxIter: epochs });
  t.equal(extras[extras.length - 1], 0.8, 'target sparsity reached');
  const weights = prob.params.filter((q) => q.role === 'weight');
  const zerosOf = (x: Float64Array): Set<number>[] => weights.map((q) => new Set(Array.from({ length: q.size }, (_, i) => i).filter((i) => x[q.offset + i] === 0)));
  // 8 steps per epoch (240/32 → 8 batches), T = 64: pruning at steps 0, 8, 16, 24, 32; step 32 opens epoch 4 (0-based), seen in xs[5]
  const atEnd = zerosOf(xs[5]!);
  weights.forEach((q, l) => t.ok(atEnd[l]!.size >= Math.floor(0.8 * q.size), `${q.name}: ${atEnd[l]!.size} of ${q.size} exactly 0 after the last pruning step`));
  for (let e = 6; e < xs.length; e++) {
    const z = zerosOf(xs[e]!);
    t.ok(weights.every((_, l) => [...atEnd[l]!].every((i) => z[l]!.has(i)) && z[l]!.size === atEnd[l]!.size), `epoch ${e}: the same weights are exactly 0 (mask fixed)`);
  }
  const last = xs[xs.length - 1]!;
  const acc = await prob.testMetric!(last);
  t.ok(acc > 0.5, `pruned to 80% the net still classifies: test accuracy ${acc.toFixed(3)}`);

  // scope=global: one threshold over every weight matrix, round(0.8·Σ|W|) zeros overall; the
  // layers end at different sparsities, and every surviving |w| is above every pruned one's
  // threshold at the last pruning step (the masks are fixed after it)
  const gxs: Float64Array[] = [];
  const gParams = resolveParams(gmp, { batchSize: 32, lr: 0.01, sparsity: 0.8, pruneStart: 0, pruneEnd: 0.5, pruneSteps: 4, scope: 'global' });
  await gmp.run(prob, gParams, (it) => {
    gxs.push(Float64Array.from(it.x()));
    return gxs.length <= epochs;
  }, { seed: 1, maxIter: epochs });
  const total = weights.reduce((s, q) => s + q.size, 0);
  const gz = zerosOf(gxs[5]!);
  const zeros = gz.reduce((s, z) => s + z.size, 0);
  t.ok(zeros >= Math.round(0.8 * total) && zeros <= Math.round(0.8 * total) + 2, `global: ${zeros} of ${total} weights exactly 0 (round(0.8·${total}) = ${Math.round(0.8 * total)})`);
  const fractions = weights.map((q, l) => gz[l]!.size / q.size);
  t.ok(Math.max(...fractions) - Math.min(...fractions) > 0.01, `global: the layers' sparsities differ (${fractions.map((f) => f.toFixed(3)).join(', ')})`);
  for (let e = 6; e < gxs.length; e++) t.ok(zerosOf(gxs[e]!).every((z, l) => z.size === gz[l]!.size && [...gz[l]!].every((i) => z.has(i))), `global, epoch ${e}: mask fixed`);

  // scope=lamp: w = (−2, 1, 3, 0): sorted |w| 0 ≤ 1 ≤ 2 ≤ 3, suffix sums of w² 14, 14, 13, 9
  t.same(Array.from(lampScores(Float32Array.from([-2, 1, 3, 0]))), [4 / 13, 1 / 14, 1, 0].map(Math.fround), 'LAMP scores by hand');
  const lxs: Float64Array[] = [];
  await gmp.run(prob, resolveParams(gmp, { ...gParams, scope: 'lamp' }), (it) => {
    lxs.push(Float64Array.from(it.x()));
    return lxs.length <= epochs;
  }, { seed: 1, maxIter: epochs });
  const lz = zerosOf(lxs[5]!);
  const lzeros = lz.reduce((s, z) => s + z.size, 0);
  t.ok(lzeros >= Math.round(0.8 * total) && lzeros <= Math.round(0.8 * total) + 2, `lamp: ${lzeros} of ${total} weights exactly 0`);
  t.ok(weights.every((q, l) => lz[l]!.size < q.size), `lamp: no layer emptied (${weights.map((q, l) => `${lz[l]!.size}/${q.size}`).join(', ')})`);
  for (let e = 6; e < lxs.length; e++) t.ok(zerosOf(lxs[e]!).every((z, l) => z.size === lz[l]!.size && [...lz[l]!].every((i) => z.has(i))), `lamp, epoch ${e}: mask fixed`);
  prob.dispose();
});

t.test('every tensor method: constant tensor count across epochs, nothing left, same data order', async (t) => {
  const d = simulateMlpData({ n: 200, p: 8, informative: 3, classes: 3, seed: 3 });
  const nTr = 160;
  const X = Float32Array.from(d.X);
  const data = { p: 8, classes: 3, train: { X: X.slice(0, nTr * 8), y: d.y.slice(0, nTr) }, test: { X: X.slice(nTr * 8), y: d.y.slice(nTr) }, name: 'sim', hash: 'sim-leak' };
  const prob = await makeNetworkProblem({ data, hidden: [8, 6], scope: 'weights', structure: 'neuron', lambda: 1e-3 });
  const base = tf.memory().numTensors;
  const solvers: Solver[] = [dense, subgradAdam, proxAdam, proxSgd, gmp, spredAdam, spredSgd];
  for (const s of solvers) {
    const counts: number[] = [];
    const wrapped: Solver = {
      ...s,
      run: (p: AnyProblem, params, cb, ctx) => {
        const o = observed(cb, ctx, () => counts.push(tf.memory().numTensors));
        return s.run(p, params, o.callback, o.ctx);
      },
    };
    const params = resolveParams(s, { batchSize: 32, ...(s.name === 'gmp' ? { pruneStart: 0 } : {}), ...(s.name.includes('sgd') ? { lr: 0.05 } : {}) });
    const out = await runSolver(wrapped, prob, params, { tol: 0, maxIter: 5, tau: 1e-6, seed: 0 });
    t.equal(out.status, 'max_iter', `${s.name}: ${out.reason}`);
    t.ok(counts.length === 6 && counts.slice(1).every((c) => c === counts[1]), `${s.name}: tensor count ${counts.join(' ')}`);
    t.equal(tf.memory().numTensors, base, `${s.name}: released its tensors`);
    const tr: TracePoint[] = out.trace;
    t.ok(tr[tr.length - 1]!.objective < tr[0]!.objective, `${s.name}: F ${tr[0]!.objective.toFixed(3)} → ${tr[tr.length - 1]!.objective.toFixed(3)}`);
  }
  prob.dispose();
  t.equal(tf.memory().numTensors, 0);
});
