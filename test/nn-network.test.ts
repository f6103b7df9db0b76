/**
 * The network model (problems/tensor/network.ts): the hand-written gradient against tfjs autodiff
 * of the textbook loss for two hidden layers with and without the linear head, the flat layout and
 * the per-tensor penalty kinds of each scope, column-group penalty, support and KKT on the flat
 * vector, and spred's balanced split U ⊙ V = W of the default initialization for every kind.
 */
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { makeNetworkProblem, type NetworkData } from '../problems/tensor/network.ts';
import { simulateMlpData } from '../problems/tensor/mlp.ts';
import { FactorLayout, initialFactors } from '../solvers/spred/tensor.ts';
import { Rng } from '../problems/rng.ts';

function netData(n: number, p: number, classes: number, seed: number): NetworkData {
  const d = simulateMlpData({ n, p, informative: 3, classes, seed });
  const nTr = Math.floor(0.8 * n);
  const X = Float32Array.from(d.X);
  return {
    p,
    classes,
    train: { X: X.slice(0, nTr * p), y: d.y.slice(0, nTr) },
    test: { X: X.slice(nTr * p), y: d.y.slice(nTr) },
    name: 'sim',
    hash: `sim-${seed}`,
  };
}

const data = netData(120, 6, 3, 5);

/** Textbook forward pass with tfjs autodiff (no customGrad): mean CE, ½(CE_lin + CE_mlp) with a linear head. */
function referenceLoss(ts: tf.Tensor[], X: tf.Tensor2D, Y: tf.Tensor2D, hidden: number[], lin: number): tf.Scalar {
  const L = hidden.length;
  const Z0 = tf.add(tf.matMul(X, ts[0] as tf.Tensor2D), ts[1] as tf.Tensor);
  let A = tf.relu(lin > 0 ? tf.slice(Z0, [0, lin], [-1, hidden[0] as number]) : Z0) as tf.Tensor2D;
  for (let l = 1; l < L; l++) A = tf.relu(tf.add(tf.matMul(A, ts[2 * l] as tf.Tensor2D), ts[2 * l + 1] as tf.Tensor)) as tf.Tensor2D;
  const Z = tf.add(tf.matMul(A, ts[2 * L] as tf.Tensor2D), ts[2 * L + 1] as tf.Tensor) as tf.Tensor2D;
  const ce = tf.losses.softmaxCrossEntropy(Y, Z) as tf.Scalar;
  if (lin === 0) return ce;
  return tf.mul(tf.add(ce, tf.losses.softmaxCrossEntropy(Y, tf.slice(Z0, [0, 0], [-1, lin]))), 0.5) as tf.Scalar;
}

for (const linearHead of [false, true]) {
  t.test(`hand-written gradient = autodiff, hidden [5, 4]${linearHead ? ' + linear head' : ''}`, async (t) => {
    const hidden = [5, 4];
    const prob = await makeNetworkProblem({ data, hidden, linearHead, scope: 'weights', lambda: 0.01 });
    const C = 3;
    const lin = linearHead ? C : 0;
    t.same(prob.params.map((q) => `${q.name}:${q.shape.join('x')}`), [`W1:6x${5 + lin}`, `b1:${5 + lin}`, 'W2:5x4', 'b2:4', 'W3:4x3', 'b3:3'], 'flat layout');
    t.same(prob.params.map((q) => q.penalty), ['l1', 'none', 'l1', 'none', 'l1', 'none'], "scope 'weights': every weight matrix, elementwise");
    // a point where every ReLU is away from its kink almost surely
    const x = prob.initialParams(3);
    const rng = new Rng(8);
    for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + 0.05 * rng.normal();
    const g = new Float64Array(prob.dim);
    const f = await prob.valueAndGradient(x, g);
    const ts = prob.toTensors(x);
    const all = prob.makeBatch(Int32Array.from({ length: prob.nSamples }, (_, i) => i));
    const [X, , Y] = all.tensors as tf.Tensor2D[];
    const { value, grads } = tf.tidy(() => tf.valueAndGrads((...p: tf.Tensor[]) => referenceLoss(p, X as tf.Tensor2D, Y as tf.Tensor2D, hidden, lin))(ts));
    const ref = await prob.flatten(grads);
    let err = 0;
    let scale = 0;
    for (let i = 0; i < g.length; i++) {
      err = Math.max(err, Math.abs((g[i] as number) - (ref[i] as number)));
      scale = Math.max(scale, Math.abs(ref[i] as number));
    }
    t.ok(Math.abs(f - (value.dataSync()[0] as number)) <= 1e-6 * f, `loss ${f} vs autodiff ${value.dataSync()[0]}`);
    t.ok(err <= 1e-5 * scale, `max |∇ hand − ∇ autodiff| = ${err.toExponential(2)} (max |∇| ${scale.toExponential(2)})`);
    const acc = await prob.testAccuracy!(ts);
    t.equal(acc, await prob.testMetric!(x), 'the accuracy of the tensors and of the flat vector agree');
    prob.disposeBatch(all);
    tf.dispose([value, ...grads, ...ts]);
    prob.dispose();
  });
}

t.test('penalty scopes: per-tensor kinds, column groups, λ_max, support and KKT', async (t) => {
  const neuron = await makeNetworkProblem({ data, hidden: [4], scope: 'weights', structure: 'neuron', lambda: 0.1 });
  t.same(neuron.params.map((q) => q.penalty), ['columns', 'none', 'l1', 'none'], 'neuron: hidden layers by column, output layer elementwise');
  const x = new Float64Array(neuron.dim);
  // W1 (6×4): column 1 = (3, 4, 0, 0, 0, 0)ᵀ → norm 5; W2 (4×3): one entry −2
  x[0 * 4 + 1] = 3;
  x[1 * 4 + 1] = 4;
  const w2 = neuron.params[2]!;
  x[w2.offset + 5] = -2;
  t.equal(neuron.penaltyValue(x), 5 + 2, 'Σ_c ‖W1[:, c]‖ + ‖W2‖₁');
  t.equal(neuron.support(x, 1e-6), 6 + 1, 'a nonzero column counts its 6 coordinates');
  const inputs = await makeNetworkProblem({ data, hidden: [4], linearHead: true, scope: 'inputs', lambda: 0.1 });
  t.same(inputs.params.map((q) => q.penalty), ['rows', 'none', 'none', 'none'], "inputs: one group per row of the joint first layer");
  t.equal(inputs.params[0]!.cols, 3 + 4, 'row j of W1 holds feature j’s weights into both heads');
  const first = await makeNetworkProblem({ data, hidden: [4, 4], scope: 'first', lambdaRatio: 0.5 });
  t.same(first.params.map((q) => q.penalty), ['l1', 'none', 'none', 'none', 'none', 'none']);
  t.ok(Math.abs(first.lambda - 0.5 * first.lambdaMax) <= 1e-15 * first.lambdaMax && first.lambdaMax > 0, 'λ = ratio·λ_max');
  // at W1 = 0 (the rest at the init of seed 0) and λ just above λ_max, the W1 block is stationary
  const x0 = first.initialParams(0);
  x0.fill(0, 0, first.params[0]!.size);
  const g = new Float64Array(first.dim);
  await first.valueAndGradient(x0, g);
  const { kktViolation } = await import('../problems/tensor/base.ts');
  t.equal(kktViolation([first.params[0]!], first.lambdaMax * (1 + 1e-6), x0, g), 0, 'stationary just above λ_max');
  t.ok(kktViolation([first.params[0]!], first.lambdaMax * 0.9, x0, g) > 0, 'not stationary below');
  for (const p of [neuron, inputs, first]) p.dispose();
  t.equal(tf.memory().numTensors, 0, 'nothing left after dispose');
});

t.test("spred's balanced split of the default init: U ⊙ V = W for l1, rows and columns", async (t) => {
  for (const [scope, structure] of [['weights', 'weight'], ['weights', 'neuron'], ['inputs', 'weight']] as const) {
    const prob = await makeNetworkProblem({ data, hidden: [5], linearHead: scope === 'inputs', scope, structure, lambda: 0.1 });
    const layout = new FactorLayout(prob);
    const theta = initialFactors(layout, { init: 'balanced', initScale: 0.5 }, { seed: 4, maxIter: 1 }, new Rng(0), 'test');
    const w = prob.initialParams(4);
    const prod = layout.product(theta, new Float64Array(prob.dim));
    let rel = 0;
    for (let i = 0; i < w.length; i++) rel = Math.max(rel, Math.abs((prod[i] as number) - (w[i] as number)) / Math.max(Math.abs(w[i] as number), 1e-300));
    // √n·(x/√n) rounds twice in Float64: at most a few ulps
    t.ok(rel <= 4 * Number.EPSILON, `${scope}/${structure}: max relative |U⊙V − W| = ${rel.toExponential(2)} (Float64)`);
    const imb = layout.imbalance(theta);
    t.ok(imb <= 8 * Number.EPSILON, `${scope}/${structure}: balanced, max |u² − ‖v‖²| = ${imb.toExponential(2)}`);
    prob.dispose();
  }
});

t.test("spred's explicit factor gradients = autodiff of g for column groups (structure=neuron) and rows (inputs)", async (t) => {
  for (const [scope, structure] of [['weights', 'neuron'], ['inputs', 'weight']] as const) {
    const prob = await makeNetworkProblem({ data, hidden: [5, 4], linearHead: scope === 'inputs', scope, structure, lambda: 0.05 });
    const layout = new FactorLayout(prob);
    const theta = initialFactors(layout, { init: 'random', initScale: 1 }, { seed: 5, maxIter: 1 }, new Rng(5), 'test');
    const x = layout.product(theta, new Float64Array(prob.dim));
    const gx = new Float64Array(prob.dim);
    const f = await prob.valueAndGradient(x, gx);
    const mine = new Float64Array(layout.dim);
    const gVal = f + prob.lambda * layout.chain(theta, gx, prob.lambda, mine);
    // autodiff of g = f(products) + (λ/2) Σ (‖U‖² + ‖V‖²), u broadcast over its row or column
    let off = 0;
    const vars = layout.blocks.flatMap((b) =>
      layout.variableShapes(b).map((s) => {
        const len = s.reduce((a, c) => a * c, 1);
        const v = tf.tensor(Float32Array.from(theta.subarray(off, off + len)), s);
        off += len;
        return v;
      }),
    );
    const { value, grads } = tf.tidy(() =>
      tf.valueAndGrads((...v: tf.Tensor[]) => {
        const W: tf.Tensor[] = [];
        let reg: tf.Tensor = tf.scalar(0);
        let k = 0;
        for (const b of layout.blocks) {
          if (b.kind === 'free') W.push(v[k++] as tf.Tensor);
          else {
            const U = v[k++] as tf.Tensor;
            const V = v[k++] as tf.Tensor;
            W.push(tf.mul(U, V).reshape([...b.info.shape]));
            reg = tf.add(reg, tf.add(tf.sum(tf.square(U)), tf.sum(tf.square(V))));
          }
        }
        return tf.add(prob.loss(W), tf.mul(prob.lambda / 2, reg)) as tf.Scalar;
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
    t.same(layout.blocks.map((b) => b.kind), scope === 'inputs' ? ['rows', 'free', 'free', 'free', 'free', 'free'] : ['columns', 'free', 'columns', 'free', 'l1', 'free']);
    t.ok(err <= 1e-5 * Math.max(scale, 1), `${scope}/${structure}: max |explicit − autodiff| = ${err.toExponential(2)} (scale ${scale.toExponential(2)})`);
    t.ok(Math.abs(gVal - (value.dataSync()[0] as number)) <= 1e-5 * Math.abs(gVal), `${scope}/${structure}: g values agree`);
    tf.dispose([value, ...grads, ...vars]);
    prob.dispose();
  }
});

t.test('one full-batch spred-sgd step on tensors = θ − η·∇g from the Float64 chain rule (column groups)', async (t) => {
  const { runSpredTensor } = await import('../solvers/spred/tensor.ts');
  const prob = await makeNetworkProblem({ data, hidden: [5], scope: 'weights', structure: 'neuron', lambda: 0.05 });
  const layout = new FactorLayout(prob);
  const params = { init: 'random', initScale: 1, lr: 0.1, momentum: 0, schedule: 'constant', batchSize: 0 };
  const ctx = { seed: 3, maxIter: 1 };
  const theta0 = initialFactors(layout, params, ctx, new Rng(ctx.seed), 'test');
  const gx = new Float64Array(prob.dim);
  await prob.valueAndGradient(layout.product(theta0, new Float64Array(prob.dim)), gx);
  const g = new Float64Array(layout.dim);
  layout.chain(theta0, gx, prob.lambda, g);
  const theta1 = theta0.map((v, i) => v - 0.1 * (g[i] as number));
  const expected = layout.product(theta1, new Float64Array(prob.dim));
  const xs: Float64Array[] = [];
  await runSpredTensor(prob, 'sgd', params, (it) => (xs.push(it.x()), xs.length < 2), ctx);
  let err = 0;
  for (let i = 0; i < prob.dim; i++) err = Math.max(err, Math.abs((xs[1]![i] as number) - (expected[i] as number)));
  t.ok(err <= 1e-5, `max |tensor step − Float64 step| = ${err.toExponential(2)}`);
  prob.dispose();
});

t.test('weight decay μ on the unpenalized weight matrices: f gains (μ/2)Σ‖W‖², ∇ gains μW there only', async (t) => {
  const mu = 0.3;
  const opts = { data, hidden: [5], linearHead: true, scope: 'inputs' as const, lambda: 0.01 };
  const plain = await makeNetworkProblem(opts);
  const decayed = await makeNetworkProblem({ ...opts, decay: mu });
  t.not(decayed.instanceHash, plain.instanceHash, 'μ is part of the instance');
  const x = plain.initialParams(4);
  const g0 = new Float64Array(plain.dim);
  const g1 = new Float64Array(plain.dim);
  const f0 = await plain.valueAndGradient(x, g0);
  const f1 = await decayed.valueAndGradient(x, g1);
  // W1 (penalized rows), b1, W2 (decayed), b2: only W2 is an unpenalized weight matrix
  const w2 = decayed.params.find((q) => q.name === 'W2')!;
  t.same(decayed.params.map((q) => `${q.name}:${q.penalty}:${q.role}`), ['W1:rows:weight', 'b1:none:bias', 'W2:none:weight', 'b2:none:bias']);
  let sq = 0;
  for (let i = w2.offset; i < w2.offset + w2.size; i++) sq += (x[i] as number) ** 2;
  const fx = Math.fround(f0);
  t.ok(Math.abs(f1 - f0 - (mu / 2) * sq) <= 1e-6 * Math.max(1, Math.abs(fx)), `f_μ − f_0 = ${f1 - f0} vs (μ/2)‖W2‖² = ${(mu / 2) * sq}`);
  let worst = 0;
  for (let i = 0; i < plain.dim; i++) {
    const inW2 = i >= w2.offset && i < w2.offset + w2.size;
    const expected = (g0[i] as number) + (inW2 ? mu * (x[i] as number) : 0);
    worst = Math.max(worst, Math.abs((g1[i] as number) - expected));
  }
  t.ok(worst <= 1e-6, `∇f_μ = ∇f_0 + μW2 on W2's coordinates, unchanged elsewhere (max deviation ${worst.toExponential(2)})`);
  await t.rejects(makeNetworkProblem({ ...opts, decay: -1 }), /weight decay must be finite and ≥ 0/);
  plain.dispose();
  decayed.dispose();
});
