/**
 * The mlp problem on the tensor engine: the hand-written gradient against tfjs autodiff of the
 * textbook loss, λ_max against its closed form at W₁ = 0, the flat layout, the KKT violation
 * and support on the flat vector, the simulated data.
 */
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { makeMlpProblem, simulateMlpData, MLP_B1_INIT } from '../problems/tensor/mlp.ts';
import { kktViolation } from '../problems/tensor/base.ts';

const d = simulateMlpData({ n: 150, p: 8, informative: 3, classes: 3, seed: 4 });

t.test('simulated data: shapes, determinism, classes present', async (t) => {
  t.equal(d.X.length, 150 * 8);
  t.equal(d.informative.length, 3);
  t.same(Array.from(simulateMlpData({ n: 150, p: 8, informative: 3, classes: 3, seed: 4 }).y), Array.from(d.y), 'same seed, same labels');
  const counts = [0, 0, 0];
  for (const c of d.y) counts[c] = (counts[c] as number) + 1;
  t.ok(counts.every((c) => c >= 10), `every class present: ${counts.join(', ')}`);
  t.throws(() => simulateMlpData({ n: 10, p: 3, informative: 4, classes: 2, seed: 0 }), { name: 'UserError' });
});

t.test('hand-written gradient = autodiff of mean softmax cross-entropy', async (t) => {
  const h = 7;
  const prob = await makeMlpProblem({ X: d.X, y: d.y, classes: 3, hidden: h, lambda: 0.01, testFraction: 0.2, seed: 1 });
  t.equal(prob.dim, 8 * h + h + h * 3 + 3, 'flat layout: W1, b1, W2, b2');
  t.same(prob.params.map((q) => q.name), ['W1', 'b1', 'W2', 'b2']);
  t.equal(prob.nSamples, 120, '20% held out');
  const x = prob.initialParams(9);
  const g = new Float64Array(prob.dim);
  const f = await prob.valueAndGradient(x, g);
  const ts = prob.toTensors(x);
  t.same(Array.from(await prob.flatten(ts)), Array.from(Float32Array.from(x)), 'toTensors ∘ flatten = identity (float32)');
  const all = prob.makeBatch(Int32Array.from({ length: prob.nSamples }, (_, i) => i));
  const { value, grads } = tf.tidy(() =>
    tf.valueAndGrads((W1: tf.Tensor, b1: tf.Tensor, W2: tf.Tensor, b2: tf.Tensor) => {
      const [X, , Y] = all.tensors as tf.Tensor2D[];
      const Z = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X as tf.Tensor2D, W1 as tf.Tensor2D), b1)), W2 as tf.Tensor2D), b2);
      return tf.losses.softmaxCrossEntropy(Y as tf.Tensor2D, Z) as tf.Scalar;
    })(ts),
  );
  const ref = await prob.flatten(grads);
  let err = 0;
  for (let i = 0; i < g.length; i++) err = Math.max(err, Math.abs((g[i] as number) - (ref[i] as number)));
  t.ok(Math.abs(f - (value.dataSync()[0] as number)) <= 1e-6 * f, 'loss values agree');
  t.ok(err <= 1e-6, `max |∇ hand − ∇ autodiff| = ${err.toExponential(2)}`);
  // the same on a minibatch
  const idx = Int32Array.from([3, 17, 5, 99, 42]);
  const mb = prob.makeBatch(idx);
  const v1 = tf.tidy(() => prob.loss(ts, mb).dataSync()[0] as number);
  const v2 = tf.tidy(() => {
    const per = Array.from(idx, (i) => prob.loss(ts, prob.makeBatch(Int32Array.from([i]))).dataSync()[0] as number);
    return per.reduce((a, b) => a + b, 0) / idx.length;
  });
  t.ok(Math.abs(v1 - v2) <= 1e-6 * Math.abs(v1), 'a minibatch loss is the mean of per-sample losses');
  prob.disposeBatch(mb);
  prob.disposeBatch(all);
  tf.dispose([value, ...grads, ...ts]);
  prob.dispose();
});

t.test('λ_max: closed form Xᵀ(P − Y)W₂ᵀ/n at W₁ = 0; lambdaRatio scales it', async (t) => {
  for (const penalty of ['l1', 'group-l1'] as const) {
    const h = 4;
    const seed = 3;
    const prob = await makeMlpProblem({ X: d.X, y: d.y, classes: 3, hidden: h, lambdaRatio: 0.25, penalty, testFraction: 0.2, seed });
    t.ok(Math.abs(prob.lambda - 0.25 * prob.lambdaMax) <= 1e-15 * prob.lambdaMax, 'λ = ratio·λ_max');
    // closed form: hidden units all active (b₁ = 0.1), H = b₁ for every sample, P = softmax(b₁ᵀW₂ + b₂)
    const x0 = prob.initialParams(seed);
    const p = 8;
    const C = 3;
    const all = prob.makeBatch(Int32Array.from({ length: prob.nSamples }, (_, i) => i));
    const Xtr = all.tensors[0]!.dataSync();
    const Ytr = all.tensors[2]!.dataSync();
    prob.disposeBatch(all);
    const nTr = prob.nSamples;
    const W2 = (k: number, c: number): number => x0[p * h + h + k * C + c] as number;
    const z = Array.from({ length: C }, (_, c) => {
      let s = x0[p * h + h + h * C + c] as number;
      for (let k = 0; k < h; k++) s += MLP_B1_INIT * W2(k, c);
      return s;
    });
    const zmax = Math.max(...z);
    const ez = z.map((v) => Math.exp(v - zmax));
    const P = ez.map((v) => v / ez.reduce((a, b) => a + b, 0));
    let lmax = 0;
    for (let j = 0; j < p; j++) {
      let row = 0;
      for (let k = 0; k < h; k++) {
        // ∂f/∂W₁[j,k] = (1/n) Σ_i X_ij Σ_c (P_c − Y_ic) W₂[k,c]
        let s = 0;
        for (let i = 0; i < nTr; i++) {
          let r = 0;
          for (let c = 0; c < C; c++) r += ((P[c] as number) - (Ytr[i * C + c] as number)) * W2(k, c);
          s += (Xtr[i * p + j] as number) * r;
        }
        s /= nTr;
        if (penalty === 'l1') lmax = Math.max(lmax, Math.abs(s));
        else row += s * s;
      }
      if (penalty === 'group-l1') lmax = Math.max(lmax, Math.sqrt(row));
    }
    t.ok(Math.abs(prob.lambdaMax - lmax) <= 1e-5 * lmax, `${penalty}: λ_max ${prob.lambdaMax.toExponential(4)} vs closed form ${lmax.toExponential(4)}`);
    // at W₁ = 0 the W₁ block is stationary iff λ ≥ λ_max: KKT restricted to W₁
    const g = new Float64Array(prob.dim);
    const xz = Float64Array.from(x0);
    xz.fill(0, 0, p * h);
    await prob.valueAndGradient(xz, g);
    const w1Only = [prob.params[0]!];
    t.equal(kktViolation(w1Only, prob.lambdaMax * (1 + 1e-6), xz, g), 0, 'stationary just above λ_max');
    t.ok(kktViolation(w1Only, prob.lambdaMax * 0.9, xz, g) > 0, 'not stationary below');
    prob.dispose();
  }
});

t.test('support, penalty and test metric on the flat vector', async (t) => {
  const h = 3;
  const prob = await makeMlpProblem({ X: d.X, y: d.y, classes: 3, hidden: h, lambda: 0.1, penalty: 'group-l1', testFraction: 0.2 });
  const x = new Float64Array(prob.dim);
  // feature rows 1 and 5 nonzero: ‖(3, 4, 0)‖ = 5, ‖(0, 0, 1e-9)‖ = 1e-9
  x[1 * h] = 3;
  x[1 * h + 1] = 4;
  x[5 * h + 2] = 1e-9;
  x[8 * h] = 100; // b1: unpenalized
  t.equal(prob.penaltyValue(x), 5 + 1e-9);
  t.equal(prob.support(x, 1e-6), 3, 'one row of 3 coordinates above τ = 1e-6');
  t.equal(prob.support(x, 1e-12), 6, 'two rows above τ = 1e-12');
  t.ok(Math.abs((await prob.objective(x)) - ((await prob.valueAndGradient(x, new Float64Array(prob.dim))) + 0.1 * (5 + 1e-9))) < 1e-6);
  const acc = await prob.testMetric!(x);
  t.ok(acc >= 0 && acc <= 1 && Number.isFinite(await prob.kkt(x)), 'accuracy in [0, 1], finite KKT');
  prob.dispose();
});

t.test('bad input: one-line UserErrors', async (t) => {
  await t.rejects(makeMlpProblem({ X: new Float64Array(7), y: [0, 1], hidden: 2, lambda: 1 }), { name: 'UserError', message: /not a multiple of n = 2/ });
  await t.rejects(makeMlpProblem({ X: new Float64Array(4), y: [0, 1.5], hidden: 2, lambda: 1 }), { name: 'UserError', message: /y\[1\] = 1.5/ });
  await t.rejects(makeMlpProblem({ X: new Float64Array(4), y: [0, 1], hidden: 2 }), { name: 'UserError', message: /exactly one of lambda/ });
  await t.rejects(makeMlpProblem({ X: new Float64Array(4), y: [0, 1], hidden: 0, lambda: 1 }), { name: 'UserError', message: /hidden must be a positive integer/ });
  t.equal(tf.memory().numTensors, 0, 'no tensors left after failed builds');
});

t.test('makeMlpFromDataset (column-major Dataset) builds the same problem as row-major arrays', async (t) => {
  const { n, p } = d;
  const col = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) col[j * n + i] = d.X[i * p + j] as number;
  const ds = { name: 'sim', X: { n, p, data: col }, y: Float64Array.from(d.y), featureNames: [], task: 'multiclass' as const, hash: 'h', notes: {} };
  const { makeMlpFromDataset } = await import('../problems/tensor/index.ts');
  const a = await makeMlpFromDataset(ds, { lambda: { kind: 'ratio', ratio: 0.2 }, hidden: 5, mlpPenalty: 'group-l1' });
  const b = await makeMlpProblem({ X: d.X, y: d.y, hidden: 5, lambdaRatio: 0.2, penalty: 'group-l1' });
  t.equal(a.lambdaMax, b.lambdaMax);
  t.equal(a.lambda, b.lambda);
  const x = a.initialParams(2);
  t.equal(await a.objective(x), await b.objective(x));
  t.equal(await a.testMetric!(x), await b.testMetric!(x));
  t.equal(a.meta.dataHash, 'h');
  t.equal(a.backend, 'wasm');
  await t.rejects(makeMlpFromDataset({ ...ds, task: 'regression' }, { lambda: { kind: 'ratio', ratio: 0.2 } }), { name: 'UserError', message: /needs class labels/ });
  a.dispose();
  b.dispose();
});
