/**
 * The spred transform: g(u, w) = f(u ⊙ w) + (λ/2)(‖u‖² + ‖w‖²) and its group variant
 * x_i = u_{g(i)}·w_i. Checked against finite differences, the identity
 * min_{u⊙w = x} (λ/2)(‖u‖² + ‖w‖²) = λ‖x‖₁ (group: λΣ‖x_g‖₂) at the balanced split, and the
 * initialization rules.
 */
import t from 'tap';
import { quadratic } from '../problems/datafits/quadratic.ts';
import { groupL1, l1 } from '../problems/penalties.ts';
import { Rng } from '../problems/rng.ts';
import type { Penalty, Problem } from '../problems/types.ts';
import { SpredObjective, imbalance, initBalanced, initRandom, initialTheta, layoutOf, product } from '../solvers/spred/transform.ts';

function makeProblem(n: number, p: number, penalty: Penalty, lambda: number, seed: number): Problem {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.normal();
  const datafit = quadratic({ n, p, data }, y);
  return {
    family: penalty.name === 'l1' ? 'lasso' : 'group-lasso', engine: 'float64', datafit, penalty, lambda, lambdaMax: 1, dim: p,
    capabilities: new Set(['smooth-gradient', 'sample-mean', 'convex', 'float64-engine']),
    meta: { dataset: 'test', dataHash: 'test', nSamples: n, nFeatures: p }, instanceHash: 'test',
  };
}

const groups = [Int32Array.from([0, 1, 2]), Int32Array.from([3]), Int32Array.from([4, 5]), Int32Array.from([6, 7, 8])];

for (const [label, penalty] of [['l1', l1()], ['group-l1', groupL1(groups)]] as const) {
  t.test(`${label}: gradient of g matches central finite differences`, async (t) => {
    const pr = makeProblem(7, 9, penalty, 0.3, 1);
    const obj = new SpredObjective(pr);
    t.equal(obj.dim, (label === 'l1' ? 9 : 4) + 9);
    const theta = initRandom(obj.layout, new Rng(2), 0.8);
    const grad = new Float64Array(obj.dim);
    const g0 = obj.valueAndGradient(theta, grad);
    t.ok(Math.abs(g0 - obj.value(theta)) <= 1e-14 * Math.abs(g0), 'value and valueAndGradient agree');
    const h = 1e-6;
    let worst = 0;
    for (let j = 0; j < obj.dim; j++) {
      const tp = Float64Array.from(theta);
      const tm = Float64Array.from(theta);
      tp[j] = (tp[j] as number) + h;
      tm[j] = (tm[j] as number) - h;
      const fd = (obj.value(tp) - obj.value(tm)) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - (grad[j] as number)) / Math.max(1, Math.abs(fd)));
    }
    t.ok(worst < 1e-7, `max relative error ${worst.toExponential(2)} < 1e-7`);
  });

  t.test(`${label}: balanced split gives g = f(x) + λΩ(x), zero imbalance, and other factorizations cost more`, async (t) => {
    const pr = makeProblem(7, 9, penalty, 0.3, 3);
    const layout = layoutOf(pr);
    const rng = new Rng(4);
    const x = Float64Array.from({ length: 9 }, () => rng.normal()); // no zero entries
    const theta = initBalanced(layout, x, 0.5);
    const xb = product(layout, theta, new Float64Array(9));
    for (let i = 0; i < 9; i++) t.ok(Math.abs((xb[i] as number) - (x[i] as number)) <= 1e-15 * Math.abs(x[i] as number), `u⊙w = x at ${i}`);
    t.ok(imbalance(layout, theta) <= 1e-15, 'balanced');
    const obj = new SpredObjective(pr);
    const F = pr.datafit.value(x) + pr.lambda * penalty.value(x);
    t.ok(Math.abs(obj.value(theta) - F) <= 1e-14 * F, `g(balanced split) = F(x) (${obj.value(theta)} vs ${F})`);
    // any other factorization of the same x: scale u_g by c, w_g by 1/c → penalty (λ/2)(c²u_g² + ‖w_g‖²/c²) ≥ λ u_g‖w_g‖
    for (const c of [0.5, 0.9, 1.1, 3]) {
      const other = Float64Array.from(theta);
      for (let g = 0; g < layout.m; g++) other[g] = (other[g] as number) * c;
      for (let i = 0; i < 9; i++) other[layout.m + i] = (other[layout.m + i] as number) / c;
      t.ok(obj.value(other) > F, `factor ${c}: g = ${obj.value(other)} > F = ${F}`);
    }
  });
}

t.test('l1 balanced split: u = √|x|, w = sign(x)√|x|; zero entries leave the saddle with u = s, w = 0', async (t) => {
  const layout = layoutOf({ penalty: l1(), dim: 3 });
  const theta = initBalanced(layout, Float64Array.from([4, -9, 0]), 0.25);
  t.same(Array.from(theta), [2, 3, 0.25, 2, -3, 0]);
});

t.test('group balanced split: u_g = √‖x_g‖, w_g = x_g/√‖x_g‖', async (t) => {
  const layout = layoutOf({ penalty: groupL1([Int32Array.from([0, 1]), Int32Array.from([2])]), dim: 3 });
  // ‖(3, 4)‖ = 5: u = √5, w = (3, 4)/√5; group {2} is zero: u = s, w = 0
  const theta = initBalanced(layout, Float64Array.from([3, 4, 0]), 0.1);
  const r5 = Math.sqrt(5);
  const want = [r5, 0.1, 3 / r5, 4 / r5, 0];
  for (let j = 0; j < want.length; j++) t.ok(Math.abs((theta[j] as number) - (want[j] as number)) < 1e-15, `θ[${j}]`);
  t.ok(Math.abs(imbalance(layout, theta) - 0.01) < 1e-15, 'imbalance = s² on the zero group');
});

t.test('random init: N(0, s²) factors, seeded', async (t) => {
  const layout = layoutOf({ penalty: l1(), dim: 2000 });
  const a = initRandom(layout, new Rng(7), 0.5);
  const b = initRandom(layout, new Rng(7), 0.5);
  t.same(a, b, 'same seed, same factors');
  let s2 = 0;
  for (const v of a) s2 += v * v;
  const sd = Math.sqrt(s2 / a.length);
  t.ok(Math.abs(sd - 0.5) < 0.02, `empirical std ${sd.toFixed(4)} ≈ 0.5`);
});

t.test("init=balanced without a warm start is a UserError naming the fix", async (t) => {
  const layout = layoutOf({ penalty: l1(), dim: 3 });
  t.throws(() => initialTheta(layout, { init: 'balanced', initScale: 0.5 }, { seed: 0, maxIter: 10 }, new Rng(0), 'spred-sgd'), {
    name: 'UserError',
    message: 'spred-sgd: init=balanced splits a warm start x0 into u, w, but none was given (u = w = 0 is a saddle); pass a warm start or use init=random',
  });
});

t.test('minibatch gradient of g: the batch of all samples equals the full gradient', async (t) => {
  const pr = makeProblem(6, 5, l1(), 0.2, 9);
  const obj = new SpredObjective(pr);
  const theta = initRandom(obj.layout, new Rng(1), 1);
  const full = new Float64Array(obj.dim);
  const batch = new Float64Array(obj.dim);
  const v = obj.valueAndGradient(theta, full);
  t.ok(obj.batchGradient, 'quadratic datafit has gradientBatch');
  const vb = obj.batchGradient!(theta, Int32Array.from([5, 2, 0, 1, 4, 3]), batch);
  t.ok(Math.abs(v - vb) < 1e-13 * Math.abs(v), 'same value');
  for (let j = 0; j < obj.dim; j++) t.ok(Math.abs((full[j] as number) - (batch[j] as number)) < 1e-12, `coordinate ${j}`);
  t.equal(obj.gradEvals, 2, 'one full + one batch of n samples = 2 gradient evaluations');
});
