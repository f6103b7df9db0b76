/**
 * Logistic and multinomial datafits: gradients against central finite differences, values
 * against the textbook formulas, weak duality D ≤ F, zero gap at w = 0 for λ ≥ λ_max, and
 * finite values at huge margins.
 */
import t from 'tap';
import type { Datafit, Matrix, Penalty } from '../problems/types.ts';
import { logistic } from '../problems/datafits/logistic.ts';
import { multinomial } from '../problems/datafits/multinomial.ts';
import { groupL1, l1 } from '../problems/penalties.ts';
import { Rng } from '../problems/rng.ts';

function randomMatrix(rng: Rng, n: number, p: number): Matrix {
  return { n, p, data: Float64Array.from({ length: n * p }, () => rng.normal()) };
}
function randomVec(rng: Rng, m: number, scale = 1): Float64Array {
  return Float64Array.from({ length: m }, () => scale * rng.normal());
}
function labelsPm(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
}
function classes(rng: Rng, n: number, C: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i < C ? i : rng.int(C)));
}
function rowGroups(p: number, C: number): Penalty {
  return groupL1(Array.from({ length: p }, (_, j) => Int32Array.from({ length: C }, (_, c) => c * p + j)));
}

/** max_k |∇f_k − (f(x + h e_k) − f(x − h e_k))/2h| / max(‖∇f‖∞, 1e-12). */
function fdError(f: Datafit, x: Float64Array): number {
  const g = new Float64Array(f.dim);
  f.gradient(x, g);
  let gmax = 0;
  for (const v of g) gmax = Math.max(gmax, Math.abs(v));
  let err = 0;
  const h = 1e-5;
  for (let k = 0; k < f.dim; k++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[k] = (xp[k] as number) + h;
    xm[k] = (xm[k] as number) - h;
    const fd = (f.value(xp) - f.value(xm)) / (2 * h);
    err = Math.max(err, Math.abs((g[k] as number) - fd));
  }
  return err / Math.max(gmax, 1e-12);
}

/** Textbook (1/n) Σ log(1 + exp(−y_i x_iᵀw)) with direct indexing (moderate margins only). */
function naiveLogistic(X: Matrix, y: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < X.n; i++) {
    let z = 0;
    for (let j = 0; j < X.p; j++) z += (X.data[j * X.n + i] as number) * (w[j] as number);
    s += Math.log(1 + Math.exp(-(y[i] as number) * z));
  }
  return s / X.n;
}

/** Textbook mean cross-entropy with W(j, c) = W[c·p + j]. */
function naiveMultinomial(X: Matrix, y: Float64Array, C: number, W: Float64Array): number {
  let s = 0;
  for (let i = 0; i < X.n; i++) {
    const z: number[] = [];
    for (let c = 0; c < C; c++) {
      let v = 0;
      for (let j = 0; j < X.p; j++) v += (X.data[j * X.n + i] as number) * (W[c * X.p + j] as number);
      z.push(v);
    }
    const e = z.map((v) => Math.exp(v));
    s += -Math.log((e[y[i] as number] as number) / e.reduce((a, b) => a + b, 0));
  }
  return s / X.n;
}

t.test('logistic: value matches the formula, gradient matches central differences, batches agree', async (t) => {
  const rng = new Rng(1);
  const X = randomMatrix(rng, 40, 7);
  const y = labelsPm(rng, 40);
  const f = logistic(X, y);
  t.equal(f.dim, 7);
  t.same(f.design?.classes, 1);
  for (let rep = 0; rep < 3; rep++) {
    const w = randomVec(rng, 7, 0.7);
    t.ok(Math.abs(f.value(w) - naiveLogistic(X, y, w)) <= 1e-13, 'value = (1/n) Σ log(1 + exp(−y_i x_iᵀw))');
    t.ok(fdError(f, w) < 1e-6, `gradient vs finite differences (${fdError(f, w).toExponential(2)})`);
    const g = new Float64Array(7);
    const gb = new Float64Array(7);
    const v = f.gradient(w, g);
    const vb = f.gradientBatch!(w, Int32Array.from({ length: 40 }, (_, i) => i), gb);
    t.ok(Math.abs(v - vb) < 1e-14 && g.every((x, k) => Math.abs(x - (gb[k] as number)) < 1e-14), 'full batch = full gradient');
    // a batch is the mean over its samples: batch {i} twice = batch {i}
    const one = new Float64Array(7);
    const two = new Float64Array(7);
    t.ok(Math.abs(f.gradientBatch!(w, Int32Array.of(3), one) - f.gradientBatch!(w, Int32Array.of(3, 3), two)) < 1e-15);
  }
});

t.test('multinomial: layout (j, c) at c·p + j, value and gradient', async (t) => {
  const rng = new Rng(2);
  const n = 30;
  const p = 5;
  const C = 3;
  const X = randomMatrix(rng, n, p);
  const y = classes(rng, n, C);
  const f = multinomial(X, y, C);
  t.equal(f.dim, p * C);
  t.equal(f.design?.classes, C);
  for (let rep = 0; rep < 3; rep++) {
    const W = randomVec(rng, p * C, 0.8);
    t.ok(Math.abs(f.value(W) - naiveMultinomial(X, y, C, W)) <= 1e-13, 'value = mean cross-entropy');
    t.ok(fdError(f, W) < 1e-6, `gradient vs finite differences (${fdError(f, W).toExponential(2)})`);
    const g = new Float64Array(p * C);
    const gb = new Float64Array(p * C);
    const v = f.gradient(W, g);
    const vb = f.gradientBatch!(W, Int32Array.from({ length: n }, (_, i) => i), gb);
    t.ok(Math.abs(v - vb) < 1e-14 && g.every((x, k) => Math.abs(x - (gb[k] as number)) < 1e-13), 'full batch = full gradient');
  }
});

t.test('Lipschitz constants bound the gradient change', async (t) => {
  const rng = new Rng(3);
  const X = randomMatrix(rng, 25, 6);
  const fl = logistic(X, labelsPm(rng, 25));
  const fm = multinomial(X, classes(rng, 25, 4), 4);
  for (const f of [fl, fm]) {
    const L = f.lipschitz!();
    let worst = 0;
    for (let rep = 0; rep < 20; rep++) {
      const a = randomVec(rng, f.dim, 0.3);
      const b = randomVec(rng, f.dim, 0.3);
      const ga = new Float64Array(f.dim);
      const gb = new Float64Array(f.dim);
      f.gradient(a, ga);
      f.gradient(b, gb);
      let dg = 0;
      let dx = 0;
      for (let k = 0; k < f.dim; k++) {
        dg += ((ga[k] as number) - (gb[k] as number)) ** 2;
        dx += ((a[k] as number) - (b[k] as number)) ** 2;
      }
      worst = Math.max(worst, Math.sqrt(dg / dx) / L);
    }
    t.ok(worst <= 1, `${f.name}: ‖∇f(a) − ∇f(b)‖/‖a − b‖ ≤ L (ratio ${worst.toFixed(3)})`);
  }
});

t.test('weak duality D ≤ F at random points', async (t) => {
  const rng = new Rng(4);
  const X = randomMatrix(rng, 30, 8);
  const fl = logistic(X, labelsPm(rng, 30));
  const fm = multinomial(X, classes(rng, 30, 3), 3);
  const cases: [Datafit, Penalty][] = [
    [fl, l1()],
    [fm, l1()],
    [fm, rowGroups(8, 3)],
  ];
  for (const [f, pen] of cases) {
    let violations = 0;
    let minGap = Infinity;
    for (let rep = 0; rep < 50; rep++) {
      const w = randomVec(rng, f.dim, rep % 2 === 0 ? 0.1 : 2);
      const lambda = 10 ** (-3 + 3 * rng.uniform());
      const F = f.value(w) + lambda * pen.value(w);
      const D = f.dualValue!(w, lambda, pen);
      if (!(D <= F + 1e-14)) violations++;
      minGap = Math.min(minGap, F - D);
    }
    t.equal(violations, 0, `${f.name}/${pen.name}: D ≤ F on 50 points (smallest gap ${minGap.toExponential(2)})`);
  }
});

t.test('at w = 0 and λ ≥ λ_max the gap is zero; λ_max = ‖Xᵀy‖∞/(2n) for logistic', async (t) => {
  const rng = new Rng(5);
  const n = 20;
  const p = 6;
  const X = randomMatrix(rng, n, p);
  const y = labelsPm(rng, n);
  const f = logistic(X, y);
  const g0 = new Float64Array(p);
  f.gradient(new Float64Array(p), g0);
  let xty = 0;
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (X.data[j * n + i] as number) * (y[i] as number);
    xty = Math.max(xty, Math.abs(s));
  }
  const lmax = l1().dualNorm(g0);
  t.ok(Math.abs(lmax - xty / (2 * n)) < 1e-15, 'λ_max = ‖Xᵀy‖∞/(2n)');
  for (const lam of [lmax, 2 * lmax]) {
    const F = f.value(new Float64Array(p));
    t.ok(Math.abs(F - Math.log(2)) < 1e-15, 'F(0) = log 2');
    t.ok(Math.abs(F - f.dualValue!(new Float64Array(p), lam, l1())) < 1e-15, `logistic gap at 0, λ = ${lam / lmax}·λ_max`);
  }
  // below λ_max the gap at 0 is positive
  t.ok(f.value(new Float64Array(p)) - f.dualValue!(new Float64Array(p), 0.5 * lmax, l1()) > 1e-6, 'gap > 0 below λ_max');

  const C = 4;
  const fm = multinomial(X, classes(rng, n, C), C);
  const G0 = new Float64Array(p * C);
  fm.gradient(new Float64Array(p * C), G0);
  for (const pen of [l1(), rowGroups(p, C)]) {
    const lm = pen.dualNorm(G0);
    const F = fm.value(new Float64Array(p * C));
    t.ok(Math.abs(F - Math.log(C)) < 1e-15, 'F(0) = log C');
    t.ok(Math.abs(F - fm.dualValue!(new Float64Array(p * C), lm, pen)) < 1e-14, `multinomial/${pen.name} gap at 0, λ = λ_max`);
    t.ok(F - fm.dualValue!(new Float64Array(p * C), 0.5 * lm, pen) > 1e-6, `multinomial/${pen.name} gap > 0 below λ_max`);
  }
});

t.test('huge margins (x_iᵀw = ±800): finite values, gradients and duals', async (t) => {
  const X: Matrix = { n: 2, p: 1, data: Float64Array.of(1, -1) };
  const f = logistic(X, Float64Array.of(1, 1));
  const w = Float64Array.of(800); // margins +800 and −800
  const g = new Float64Array(1);
  const v = f.gradient(w, g);
  // (1/2)(log(1 + e^{−800}) + log(1 + e^{800})) = (1/2)(800 + log1p(e^{−800})) = 400 (to double precision)
  t.equal(v, 400);
  t.equal(f.value(w), 400);
  // ∇ = −(1/2)(σ(−800)·1 + σ(800)·(−1)) = (1/2)(1 − σ(−800)) = 0.5
  t.equal(g[0], 0.5);
  const D = f.dualValue!(w, 0.1, l1());
  t.ok(Number.isFinite(D) && D <= v + 0.1 * 800, 'dual finite and below F');
  const fb = f.gradientBatch!(w, Int32Array.of(1), g);
  t.equal(fb, 800);
  t.equal(g[0], 1);

  const fm = multinomial({ n: 2, p: 1, data: Float64Array.of(1, -1) }, Float64Array.of(0, 0), 2);
  const W = Float64Array.of(400, -400); // scores ±800 apart
  const gm = new Float64Array(2);
  t.equal(fm.gradient(W, gm), 400);
  t.ok(gm.every((x) => Number.isFinite(x)));
  t.ok(Number.isFinite(fm.dualValue!(W, 0.1, l1())));
});
