/**
 * spred on the TensorFlow.js engine against the Float64 engine, on a small lasso
 * F(w) = (1/2n)‖y − Xw‖² + λ‖w‖₁:
 * - L-BFGS on the factors reaches the Float64 optimum (FISTA to a 1e-14 duality gap, inline
 *   here) to float32 precision, with the same support;
 * - two full-batch Adam steps match the update worked out in Float64 from the formulas
 *   (∇_u g = ∇f ⊙ v + λu through Adam's moments), and differ from decoupled weight decay;
 * - the explicit factor gradients equal tfjs autodiff of g (l1 and group-l1 on an MLP).
 */
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { quadratic } from '../problems/datafits/quadratic.ts';
import { l1 } from '../problems/penalties.ts';
import { Rng } from '../problems/rng.ts';
import type { IterateView } from '../problems/types.ts';
import { makeTensorLasso } from '../problems/tensor/linear.ts';
import { makeMlpProblem, simulateMlpData } from '../problems/tensor/mlp.ts';
import { FactorLayout, initialFactors, runSpredTensor } from '../solvers/spred/tensor.ts';

const n = 60;
const p = 30;
const rng = new Rng(7);
const data = Float64Array.from({ length: n * p }, () => rng.normal());
const y = new Float64Array(n);
// y = Σ_{j<4} (j+1)·X_j + 0.1·noise
for (let i = 0; i < n; i++) {
  y[i] = 0.1 * rng.normal();
  for (let j = 0; j < 4; j++) y[i] = (y[i] as number) + (j + 1) * (data[j * n + i] as number);
}
const X = { n, p, data };
const df = quadratic(X, y);
const pen = l1();
const g0 = new Float64Array(p);
df.gradient(new Float64Array(p), g0);
const lambdaMax = pen.dualNorm(g0);
const lambda = 0.1 * lambdaMax;
const F64 = (x: Float64Array): number => df.value(x) + lambda * pen.value(x);

/** FISTA in Float64 to a duality gap ≤ 1e-14·F. */
function fistaOptimum(): Float64Array {
  const L = df.lipschitz!();
  const w = new Float64Array(p);
  const z = new Float64Array(p);
  const wOld = new Float64Array(p);
  const g = new Float64Array(p);
  let tk = 1;
  for (let it = 0; it < 50000; it++) {
    df.gradient(z, g);
    wOld.set(w);
    for (let j = 0; j < p; j++) w[j] = (z[j] as number) - (g[j] as number) / L;
    pen.prox(w, lambda / L, w);
    const tn = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
    for (let j = 0; j < p; j++) z[j] = (w[j] as number) + ((tk - 1) / tn) * ((w[j] as number) - (wOld[j] as number));
    tk = tn;
    if (it % 100 === 0 && F64(w) - df.dualValue!(w, lambda, pen) <= 1e-14 * F64(w)) break;
  }
  return w;
}

t.test('L-BFGS spred on tfjs reaches the Float64 lasso optimum to float32 precision', async (t) => {
  const wStar = fistaOptimum();
  const Fstar = F64(wStar);
  t.ok(F64(wStar) - df.dualValue!(wStar, lambda, pen) <= 1e-13 * Fstar, 'reference certified by its duality gap');
  const prob = await makeTensorLasso(X, y, lambda);
  t.equal(prob.engine, 'tfjs');
  t.ok(Math.abs(prob.lambdaMax - lambdaMax) <= 1e-12 * lambdaMax, 'λ_max = ‖Xᵀy‖∞/n as on the Float64 engine');
  t.ok(Math.abs((await prob.objective(wStar)) - Fstar) <= 1e-6 * Fstar, 'the float32 objective agrees with Float64 at w*');
  let last: Float64Array | null = null;
  let k = 0;
  await runSpredTensor(prob, 'lbfgs', { memory: 10, init: 'random', initScale: 0.5 }, (it) => {
    last = it.x();
    return ++k <= 500;
  }, { seed: 3, maxIter: 500 });
  const x = last as unknown as Float64Array;
  const relF64 = (F64(x) - Fstar) / Fstar;
  const relTf = Math.abs((await prob.objective(x)) - Fstar) / Fstar;
  t.ok(relF64 >= -1e-15 && relF64 <= 1e-5, `Float64 F(x) − F* relative ${relF64.toExponential(2)} ≤ 1e-5`);
  t.ok(relTf <= 1e-5, `tfjs objective vs F* relative ${relTf.toExponential(2)} ≤ 1e-5`);
  const supp = (w: Float64Array): number[] => Array.from(w.keys()).filter((j) => Math.abs(w[j] as number) > 1e-3);
  t.same(supp(x), supp(wStar), 'same support at τ = 1e-3');
  prob.dispose();
});

t.test('two full-batch Adam steps match the Float64 formulas (L2 term through the moments, not AdamW)', async (t) => {
  const prob = await makeTensorLasso(X, y, lambda);
  const params = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, batchSize: 0, init: 'random', initScale: 0.5 };
  const ctx = { seed: 11, maxIter: 2 };
  const views: Float64Array[] = [];
  await runSpredTensor(prob, 'adam', params, (it: IterateView) => {
    views.push(it.x());
    return views.length < 3;
  }, ctx);
  t.equal(views.length, 3, 'callback at k = 0, 1, 2');

  // the same two steps in Float64: θ₀ from the same seed, ∇g by the chain rule written here
  const layout = new FactorLayout(prob);
  const theta0 = initialFactors(layout, params, ctx, new Rng(ctx.seed), 'test');
  const twoSteps = (decoupled: boolean): Float64Array => {
    const th = Float64Array.from(theta0);
    const m = new Float64Array(th.length);
    const v = new Float64Array(th.length);
    const gx = new Float64Array(p);
    for (let s = 1; s <= 2; s++) {
      const x = new Float64Array(p);
      for (let j = 0; j < p; j++) x[j] = (th[j] as number) * (th[p + j] as number); // θ = [u; v]
      df.gradient(x, gx);
      const g = new Float64Array(th.length);
      for (let j = 0; j < p; j++) {
        const u = th[j] as number;
        const w = th[p + j] as number;
        g[j] = (gx[j] as number) * w + (decoupled ? 0 : lambda * u);
        g[p + j] = (gx[j] as number) * u + (decoupled ? 0 : lambda * w);
      }
      for (let i = 0; i < th.length; i++) {
        m[i] = 0.9 * (m[i] as number) + 0.1 * (g[i] as number);
        v[i] = 0.999 * (v[i] as number) + 0.001 * (g[i] as number) ** 2;
        const upd = (m[i] as number) / (1 - 0.9 ** s) / (Math.sqrt((v[i] as number) / (1 - 0.999 ** s)) + 1e-8);
        th[i] = (th[i] as number) - 0.05 * upd - (decoupled ? 0.05 * lambda * (th[i] as number) : 0);
      }
    }
    return Float64Array.from({ length: p }, (_, j) => (th[j] as number) * (th[p + j] as number));
  };
  const want = twoSteps(false);
  const adamW = twoSteps(true);
  const got = views[2] as Float64Array;
  let err = 0;
  let sep = 0;
  for (let j = 0; j < p; j++) {
    err = Math.max(err, Math.abs((got[j] as number) - (want[j] as number)));
    sep = Math.max(sep, Math.abs((adamW[j] as number) - (want[j] as number)));
  }
  t.ok(err <= 2e-6, `tfjs Adam vs Float64 Adam: max |Δx| = ${err.toExponential(2)}`);
  t.ok(sep > 100 * err, `AdamW would differ by ${sep.toExponential(2)}`);
  const x0 = views[0] as Float64Array;
  for (let j = 0; j < p; j++) {
    if (Math.abs((x0[j] as number) - (theta0[j] as number) * (theta0[p + j] as number)) > 1e-7) {
      t.fail(`k = 0 is the initial product at ${j}`);
      break;
    }
  }
  prob.dispose();
});

t.test('explicit factor gradients equal tfjs autodiff of g (l1 and group-l1)', async (t) => {
  const d = simulateMlpData({ n: 80, p: 6, informative: 2, classes: 3, seed: 2 });
  for (const penalty of ['l1', 'group-l1'] as const) {
    const prob = await makeMlpProblem({ X: d.X, y: d.y, classes: 3, hidden: 5, lambda: 0.05, penalty, testFraction: 0 });
    const layout = new FactorLayout(prob);
    const theta = initialFactors(layout, { init: 'random', initScale: 1 }, { seed: 5, maxIter: 1 }, new Rng(5), 'test');
    // explicit: ∇θ g = chain(θ, ∇f(x(θ)))
    const x = layout.product(theta, new Float64Array(prob.dim));
    const gx = new Float64Array(prob.dim);
    const f = await prob.valueAndGradient(x, gx);
    const mine = new Float64Array(layout.dim);
    const gVal = f + prob.lambda * layout.chain(theta, gx, prob.lambda, mine);
    // autodiff of g(U, V, rest) = f(U ⊙ V or u·V, rest) + (λ/2)(‖U‖² + ‖V‖²)
    const shapes = layout.blocks.flatMap((b) => layout.variableShapes(b));
    let off = 0;
    const vars = shapes.map((s) => {
      const len = s.reduce((a, c) => a * c, 1);
      const tns = tf.tensor(Float32Array.from(theta.subarray(off, off + len)), s);
      off += len;
      return tns;
    });
    const { value, grads } = tf.tidy(() =>
      tf.valueAndGrads((...v: tf.Tensor[]) => {
        const [U, V, b1, W2, b2] = v as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const W1 = tf.mul(U, V);
        const reg = tf.mul(prob.lambda / 2, tf.add(tf.sum(tf.square(U)), tf.sum(tf.square(V))));
        return tf.add(prob.loss([W1, b1, W2, b2]), reg) as tf.Scalar;
      })(vars),
    );
    const auto = new Float64Array(layout.dim);
    off = 0;
    for (const g of grads) {
      auto.set(g.dataSync() as Float32Array, off);
      off += g.size;
    }
    let err = 0;
    let scale = 0;
    for (let i = 0; i < layout.dim; i++) {
      err = Math.max(err, Math.abs((mine[i] as number) - (auto[i] as number)));
      scale = Math.max(scale, Math.abs(auto[i] as number));
    }
    t.ok(err <= 1e-5 * Math.max(scale, 1), `${penalty}: max |explicit − autodiff| = ${err.toExponential(2)} (scale ${scale.toExponential(2)})`);
    t.ok(Math.abs(gVal - (value.dataSync()[0] as number)) <= 1e-5 * Math.abs(gVal), `${penalty}: g values agree`);
    tf.dispose([value, ...grads, ...vars]);
    prob.dispose();
  }
});

t.test('SGD with momentum and inverse-sqrt schedule: two full-batch steps by hand', async (t) => {
  const prob = await makeTensorLasso(X, y, lambda);
  const params = { lr: 0.02, momentum: 0.9, schedule: 'inverse-sqrt', batchSize: 0, init: 'random', initScale: 0.5 };
  const ctx = { seed: 4, maxIter: 2 };
  const views: Float64Array[] = [];
  await runSpredTensor(prob, 'sgd', params, (it) => {
    views.push(it.x());
    return views.length < 3;
  }, ctx);
  const layout = new FactorLayout(prob);
  const th = initialFactors(layout, params, ctx, new Rng(ctx.seed), 'test');
  const buf = new Float64Array(th.length);
  const gx = new Float64Array(p);
  for (let epoch = 0; epoch < 2; epoch++) {
    const x = Float64Array.from({ length: p }, (_, j) => (th[j] as number) * (th[p + j] as number));
    df.gradient(x, gx);
    const eta = 0.02 / Math.sqrt(epoch + 1);
    for (let j = 0; j < p; j++) {
      const gu = (gx[j] as number) * (th[p + j] as number) + lambda * (th[j] as number);
      const gv = (gx[j] as number) * (th[j] as number) + lambda * (th[p + j] as number);
      buf[j] = 0.9 * (buf[j] as number) + gu;
      buf[p + j] = 0.9 * (buf[p + j] as number) + gv;
    }
    for (let i = 0; i < th.length; i++) th[i] = (th[i] as number) - eta * (buf[i] as number);
  }
  let err = 0;
  for (let j = 0; j < p; j++) err = Math.max(err, Math.abs((views[2]![j] as number) - (th[j] as number) * (th[p + j] as number)));
  t.ok(err <= 1e-6, `max |Δx| = ${err.toExponential(2)}`);
  prob.dispose();
});

t.test('balanced init reproduces the warm start; minibatches are seeded', async (t) => {
  const prob = await makeTensorLasso(X, y, lambda);
  const x0 = Float64Array.from({ length: p }, (_, j) => (j % 3 === 0 ? 0 : Math.sin(j)));
  let first: Float64Array | null = null;
  let imb = NaN;
  await runSpredTensor(prob, 'adam', { init: 'balanced', initScale: 0.5, lr: 0.01, batchSize: 16 }, (it) => {
    first = it.x();
    imb = it.extras!()['imbalance']!;
    return false;
  }, { seed: 1, maxIter: 0, x0 });
  let err = 0;
  for (let j = 0; j < p; j++) err = Math.max(err, Math.abs((first as unknown as Float64Array)[j]! - (x0[j] as number)));
  t.ok(err <= 1e-6, 'u ⊙ v = x₀ at k = 0 (float32)');
  t.ok(Math.abs(imb - 0.25) <= 1e-6, `imbalance ${imb} = s² from the zero entries (u = s = 0.5, v = 0); the others are balanced`);
  const after = async (seed: number): Promise<Float64Array> => {
    let x: Float64Array = new Float64Array(0);
    let k = 0;
    await runSpredTensor(prob, 'adam', { init: 'random', initScale: 0.5, lr: 0.01, batchSize: 16 }, (it) => {
      x = it.x();
      return ++k <= 2;
    }, { seed, maxIter: 2 });
    return x;
  };
  const a = await after(5);
  const b = await after(5);
  const c = await after(6);
  t.same(Array.from(a), Array.from(b), 'same seed, same iterate after 2 epochs of minibatches');
  t.notSame(Array.from(a), Array.from(c), 'another seed, another iterate');
  await t.rejects(runSpredTensor(prob, 'adam', { init: 'balanced' }, () => true, { seed: 1, maxIter: 1, x0: new Float64Array(3) }), { name: 'UserError', message: /warm start x0 has length 3, the problem has 30 parameters/ });
  prob.dispose();
});
