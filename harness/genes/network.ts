/**
 * The gene-selection network on the tensor engine: the one network model of
 * problems/tensor/network.ts with penalty scope `inputs`, on the training split of one stratified
 * split (standardized by its own statistics):
 *
 *   heads=linear:  Z = X W1 + b1, W1 ∈ R^{p×C} (group-L1 multinomial logistic on the tensor engine);
 *   heads=mlp:     Z = relu(X W1 + b1) W2 + b2, W1 ∈ R^{p×h};
 *   heads=both:    the seed paper's model, W1 ∈ R^{p×(C + h)}: the first C columns are the linear
 *                  head, the rest feed the MLP head, f = ½ (CE(Z_lin) + CE(Z));
 *   F(θ) = f(θ) + λ Σ_j ‖W1[j, :]‖₂   (one group per gene across both heads; biases and later
 *   layers unpenalized), f the mean softmax cross-entropy over the training samples, plus the
 *   weight decay (μ/2)Σ‖W_l‖² on the later weight matrices (μ = `decay`; the refit too).
 * spred factors each row as u_j · V_j (the group transform); prox methods block-soft-threshold it.
 *
 * Gene j's norm is ‖W1[j, :]‖₂. Prediction is the model's own (networkScores: both heads average
 * their class probabilities). Refit on genes S: the same network (same heads, hidden width) on
 * the columns S, trained by `dense` (Adam on f, λ ignored) from its default initialization for
 * `refitEpochs` full-batch epochs at lr REFIT_LR; with S = ∅ the training majority class.
 */
import * as tf from '@tensorflow/tfjs';
import type { AnyProblem } from '../../problems/types.ts';
import type { BackendName } from '../../problems/tensor/backend.ts';
import { hashNetworkData, makeNetworkProblem, networkScores, type ClassSplit, type NetworkData, type NetworkShape } from '../../problems/tensor/network.ts';
import type { TensorProblem } from '../../problems/tensor/types.ts';
import { dense } from '../../solvers/dense.ts';
import { resolveParams } from '../params.ts';
import { runSolver } from '../runner.ts';
import { majority, type GenePathSpec, type GeneSplitData, type HeldOut, type PathModel } from './types.ts';

/** Adam step size of the refit. */
export const REFIT_LR = 0.01;
/** λ handed to the refit problem (the dense method ignores λ; the problem requires λ > 0). */
const REFIT_LAMBDA = 1e-12;

/** Rows `rows`, columns `cols` (all when null) of column-major X as a row-major float32 split. */
function classSplit(d: GeneSplitData, rows: Int32Array, cols: Int32Array | null): ClassSplit {
  const n = d.X.n;
  const p = cols ? cols.length : d.X.p;
  const X = new Float32Array(rows.length * p);
  for (let k = 0; k < p; k++) {
    const off = (cols ? (cols[k] as number) : k) * n;
    // X_split[r, k] = X[rows[r], cols[k]]
    for (let r = 0; r < rows.length; r++) X[r * p + k] = d.X.data[off + (rows[r] as number)] as number;
  }
  return { X, y: Int32Array.from(rows, (i) => d.classes[i] as number) };
}

function constantAccuracy(d: GeneSplitData, c: number): HeldOut {
  const acc = (rows: Int32Array): number => (rows.length ? rows.reduce((s, i) => s + (d.classes[i] === c ? 1 : 0), 0) / rows.length : NaN);
  return { val: acc(d.split.val), test: acc(d.split.test) };
}

interface Held {
  readonly X: tf.Tensor2D;
  readonly y: tf.Tensor1D;
}

function heldTensors(s: ClassSplit, p: number): Held | null {
  const n = s.y.length;
  return n ? { X: tf.tensor2d(s.X, [n, p]), y: tf.tensor1d(s.y, 'int32') } : null;
}

/** Accuracy of the flat parameters x of `problem` on a held-out split (await data(): any backend). */
async function heldAccuracy(problem: TensorProblem, shape: NetworkShape, x: Float64Array, h: Held | null): Promise<number> {
  if (!h) return NaN;
  const ts = problem.toTensors(x);
  const a = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(networkScores(shape, ts, h.X), 1), h.y), 'float32')));
  try {
    return (await a.data())[0] as number;
  } finally {
    tf.dispose([a, ...ts]);
  }
}

export interface NetworkModelOptions {
  readonly seed: number;
  readonly backend: string;
}

export async function networkModel(d: GeneSplitData, spec: GenePathSpec, opts: NetworkModelOptions): Promise<PathModel> {
  const hidden = spec.heads === 'linear' ? [] : [spec.hidden];
  const linearHead = spec.heads === 'both';
  const dataOf = (cols: Int32Array | null): { data: NetworkData; val: ClassSplit; test: ClassSplit } => {
    const train = classSplit(d, d.split.train, cols);
    const p = cols ? cols.length : d.X.p;
    return {
      data: {
        p,
        classes: d.C,
        train,
        test: null,
        name: d.name,
        hash: hashNetworkData(train, null, p),
        ...(d.labels ? { labels: d.labels } : {}),
        ...(d.trueSupport && !cols ? { trueSupport: d.trueSupport } : {}),
      },
      val: classSplit(d, d.split.val, cols),
      test: classSplit(d, d.split.test, cols),
    };
  };
  const build = (data: NetworkData, l: { lambda: number } | { lambdaRatio: number }) =>
    makeNetworkProblem({
      data,
      hidden,
      linearHead,
      scope: 'inputs',
      ...l,
      seed: opts.seed,
      decay: spec.decay,
      backend: opts.backend as BackendName,
      family: 'gene-selection',
      instanceKey: { heads: spec.heads },
    });
  const full = dataOf(null);
  const ref = await build(full.data, { lambdaRatio: 1 });
  const shape = ref.network;
  const val = heldTensors(full.val, d.X.p);
  const test = heldTensors(full.test, d.X.p);
  const w1 = ref.params[0];
  if (!w1 || w1.penalty !== 'rows' || w1.rows !== d.X.p) throw new Error('gene-selection: the network\'s first tensor is not one row group per gene');
  const fallback = majority(d);
  return {
    lambdaMax: ref.lambdaMax,
    dim: ref.dim,
    at: (lambda) => build(full.data, { lambda }),
    release: (problem: AnyProblem) => (problem as TensorProblem).dispose(),
    geneNorms(x) {
      const { offset, cols } = w1;
      // ‖W1[j, :]‖₂ (row-major W1 at `offset`)
      return Float64Array.from({ length: d.X.p }, (_, j) => {
        let s = 0;
        for (let c = 0; c < cols; c++) s += (x[offset + j * cols + c] as number) ** 2;
        return Math.sqrt(s);
      });
    },
    accuracy: async (x) => ({ val: await heldAccuracy(ref, shape, x, val), test: await heldAccuracy(ref, shape, x, test) }),
    async refit(genes, seed) {
      if (genes.length === 0) return constantAccuracy(d, fallback);
      const sub = dataOf(genes);
      const problem = await build(sub.data, { lambda: REFIT_LAMBDA });
      const v = heldTensors(sub.val, genes.length);
      const t = heldTensors(sub.test, genes.length);
      try {
        const out = await runSolver(dense, problem, resolveParams(dense, { lr: REFIT_LR, batchSize: 0 }), {
          tol: 0,
          maxIter: spec.refitEpochs,
          tau: 0,
          seed,
          stopChecks: false,
          traceRatio: 1e9,
        });
        const x = out.x ?? problem.initialParams(seed);
        const sh = (problem as TensorProblem & { network: NetworkShape }).network;
        return { val: await heldAccuracy(problem, sh, x, v), test: await heldAccuracy(problem, sh, x, t) };
      } finally {
        problem.dispose();
        tf.dispose([...(v ? [v.X, v.y] : []), ...(t ? [t.X, t.y] : [])]);
      }
    },
    dispose() {
      ref.dispose();
      tf.dispose([...(val ? [val.X, val.y] : []), ...(test ? [test.X, test.y] : [])]);
    },
  };
}
