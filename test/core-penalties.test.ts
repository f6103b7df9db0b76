/**
 * Penalties and the least-squares datafit: prox closed forms, subdifferential distances, dual
 * norms, gradients against finite differences, weak duality and the zero-gap optimum.
 */
import t from 'tap';
import { l1, groupL1, softThreshold } from '../problems/penalties.ts';
import { quadratic } from '../problems/datafits/quadratic.ts';
import { Rng } from '../problems/rng.ts';
import { spectralNormSq, matvec, rmatvec } from '../problems/linalg.ts';

const close = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

t.test('soft-thresholding and the L1 prox', async (t) => {
  t.equal(softThreshold(3, 1), 2);
  t.equal(softThreshold(-3, 1), -2);
  t.equal(softThreshold(0.5, 1), 0);
  const pen = l1();
  const x = Float64Array.from([3, -0.2, 0, -5]);
  const out = new Float64Array(4);
  pen.prox(x, 0.5, out);
  t.same(Array.from(out), [2.5, 0, 0, -4.5]);
  // prox minimizes t‖z‖₁ + ½‖z − x‖²: no random perturbation does better
  const r = new Rng(1);
  const obj = (z: Float64Array): number => 0.5 * pen.value(z) + 0.5 * z.reduce((s, v, i) => s + (v - (x[i] as number)) ** 2, 0);
  for (let k = 0; k < 200; k++) {
    const z = out.map((v) => v + 0.1 * r.normal());
    t.ok(obj(z) >= obj(out) - 1e-12);
  }
});

t.test('L1 subdifferential distance and dual norm', async (t) => {
  const pen = l1();
  const x = Float64Array.from([1, 0, -2]);
  // −g ∈ λ∂‖x‖₁ exactly: g = [−λ, 0.3λ, +λ]
  const lambda = 0.7;
  t.equal(pen.subdiffDistance(x, Float64Array.from([-lambda, 0.3 * lambda, lambda]), lambda), 0);
  // off by 0.1 on a nonzero coordinate, and |g| exceeds λ by 0.2 on the zero one
  t.ok(close(pen.subdiffDistance(x, Float64Array.from([-lambda + 0.1, 0, lambda]), lambda), 0.1, 1e-15));
  t.ok(close(pen.subdiffDistance(x, Float64Array.from([-lambda, lambda + 0.2, lambda]), lambda), 0.2, 1e-15));
  t.equal(pen.dualNorm(Float64Array.from([1, -3, 2])), 3);
  t.equal(pen.support(Float64Array.from([1e-9, 0, 0.1]), 1e-8), 1);
});

t.test('group L1: block soft-thresholding, distance, dual norm; size-1 groups equal L1', async (t) => {
  const groups = [Int32Array.from([0, 1]), Int32Array.from([2])];
  const pen = groupL1(groups);
  const x = Float64Array.from([3, 4, -0.5]);
  t.equal(pen.value(x), 5.5);
  const out = new Float64Array(3);
  pen.prox(x, 1, out);
  // ‖(3,4)‖ = 5 → scaled by 1 − 1/5; |−0.5| ≤ 1 → 0
  t.ok(close(out[0] as number, 2.4, 1e-15) && close(out[1] as number, 3.2, 1e-15));
  t.equal(out[2], 0);
  t.equal(pen.dualNorm(Float64Array.from([3, 4, -6])), 6);
  const lambda = 2;
  // at x_g ≠ 0 the subgradient is λ x_g/‖x_g‖
  const g = Float64Array.from([-lambda * 0.6, -lambda * 0.8, 1.5]);
  t.ok(pen.subdiffDistance(Float64Array.from([3, 4, 0]), g, lambda) < 1e-15);
  const single = groupL1([0, 1, 2].map((i) => Int32Array.from([i])));
  const r = new Rng(2);
  const v = Float64Array.from({ length: 3 }, () => r.normal());
  const a = new Float64Array(3);
  const b = new Float64Array(3);
  single.prox(v, 0.3, a);
  l1().prox(v, 0.3, b);
  t.same(Array.from(a), Array.from(b));
});

t.test('least squares: gradient, Lipschitz constant, weak duality, zero gap at the optimum', async (t) => {
  const r = new Rng(3);
  const n = 12;
  const p = 7;
  const X = { n, p, data: Float64Array.from({ length: n * p }, () => r.normal()) };
  const y = Float64Array.from({ length: n }, () => r.normal());
  const f = quadratic(X, y);
  const w = Float64Array.from({ length: p }, () => r.normal());
  const g = new Float64Array(p);
  const fw = f.gradient(w, g);
  t.ok(close(fw, f.value(w), 1e-15));
  const h = 1e-6;
  for (let j = 0; j < p; j++) {
    const wp = w.slice();
    const wm = w.slice();
    wp[j] = (wp[j] as number) + h;
    wm[j] = (wm[j] as number) - h;
    t.ok(close((f.value(wp) - f.value(wm)) / (2 * h), g[j] as number, 1e-7), `∂f/∂w_${j}`);
  }
  // L = λ_max(XᵀX)/n: ‖Xᵀ X v‖ ≤ n L ‖v‖ for random v, and the power iteration's vector attains it
  const L = f.lipschitz!();
  const u = new Float64Array(n);
  const z = new Float64Array(p);
  for (let k = 0; k < 20; k++) {
    const v = Float64Array.from({ length: p }, () => r.normal());
    rmatvec(X, matvec(X, v, u), z);
    const ratio = Math.sqrt(z.reduce((s, q) => s + q * q, 0)) / Math.sqrt(v.reduce((s, q) => s + q * q, 0)) / n;
    t.ok(ratio <= L * (1 + 1e-12));
  }
  t.ok(close(spectralNormSq(X, 1e-12, 10000, 1) * 1.01 / n, L, 1e-6), 'L = 1.01·‖X‖₂²/n');
  // weak duality: D(θ(w)) ≤ F(w) for any w and λ
  const pen = l1();
  for (const lambda of [0.01, 0.1, 1]) {
    const F = f.value(w) + lambda * pen.value(w);
    t.ok(f.dualValue!(w, lambda, pen) <= F + 1e-14);
  }
  // λ ≥ λ_max = ‖Xᵀy‖∞/n: w = 0 is optimal with zero gap
  const xty = rmatvec(X, y, new Float64Array(p));
  const lmax = pen.dualNorm(xty) / n;
  const zero = new Float64Array(p);
  t.ok(Math.abs(f.value(zero) - f.dualValue!(zero, lmax, pen)) < 1e-15);
});

t.test('‖X‖₂² by Lanczos equals the top eigenvalue from ml-matrix (wide, tall, clustered)', async (t) => {
  const { Matrix: MlMatrix, EigenvalueDecomposition } = await import('ml-matrix');
  const { largestTridiagonalEigenvalue } = await import('../problems/linalg.ts');
  const r = new Rng(11);
  for (const [n, p] of [[40, 15], [15, 60], [80, 80]] as const) {
    const X = { n, p, data: Float64Array.from({ length: n * p }, () => r.normal()) };
    const m = Math.min(n, p);
    // Gram matrix of the smaller side, by plain loops, then a dense symmetric eigensolver
    const G = new MlMatrix(p, p);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (X.data[a * n + i] as number) * (X.data[b * n + i] as number);
      G.set(a, b, s);
    }
    const top = Math.max(...new EigenvalueDecomposition(G, { assumeSymmetric: true }).realEigenvalues);
    const est = spectralNormSq(X, 1e-13, 1000, 1);
    t.ok(Math.abs(est - top) <= 1e-9 * top, `${n}×${p} (rank ${m}): Lanczos ${est} vs ${top}`);
    t.ok(est <= top * (1 + 1e-12), 'a Ritz value never exceeds λ_max');
    t.ok(Math.abs(spectralNormSq(X) / 1.01 - top) <= 1e-8 * top, 'default tol, 1% safety');
  }
  // tridiagonal [[2, 1], [1, 2]]: eigenvalues 1 and 3
  t.ok(Math.abs(largestTridiagonalEigenvalue([2, 2], [1]) - 3) < 1e-13);
});

t.test('minibatch gradients: the full batch equals the full gradient; a batch is the mean over its samples', async (t) => {
  const { logistic } = await import('../problems/datafits/logistic.ts');
  const r = new Rng(9);
  const n = 9;
  const p = 4;
  const X = { n, p, data: Float64Array.from({ length: n * p }, () => r.normal()) };
  const yReal = Float64Array.from({ length: n }, () => r.normal());
  const ySign = Float64Array.from({ length: n }, () => (r.uniform() < 0.5 ? -1 : 1));
  const w = Float64Array.from({ length: p }, () => r.normal());
  for (const f of [quadratic(X, yReal), logistic(X, ySign)]) {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const g = new Float64Array(p);
    const gb = new Float64Array(p);
    const v = f.gradient(w, g);
    const vb = f.gradientBatch!(w, all, gb);
    t.ok(close(v, vb, 1e-14), `${f.name}: value`);
    for (let j = 0; j < p; j++) t.ok(close(g[j] as number, gb[j] as number, 1e-13), `${f.name}: ∂_${j}`);
    // batch {2, 5} = mean of the single-sample batches {2} and {5}
    const g2 = new Float64Array(p);
    const g5 = new Float64Array(p);
    const g25 = new Float64Array(p);
    const v2 = f.gradientBatch!(w, Int32Array.from([2]), g2);
    const v5 = f.gradientBatch!(w, Int32Array.from([5]), g5);
    const v25 = f.gradientBatch!(w, Int32Array.from([2, 5]), g25);
    t.ok(close(v25, (v2 + v5) / 2, 1e-14));
    for (let j = 0; j < p; j++) t.ok(close(g25[j] as number, ((g2[j] as number) + (g5[j] as number)) / 2, 1e-14));
  }
});
