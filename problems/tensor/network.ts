/**
 * The one network model of the tensor engine: a ReLU MLP of any hidden widths h₁ … h_L, optionally
 * with a linear head beside it on the same inputs (the seed paper's f_l + f_n), serving every NN
 * family (mlp, nn-compression, gene selection).
 *
 *   Z₀ = X W₀ + b₀,        W₀ ∈ R^{p×(C_lin + h₁)}   (C_lin = C with the linear head, else 0)
 *   linear head:  Z_lin = Z₀[:, :C_lin]
 *   MLP head:     A₁ = relu(Z₀[:, C_lin:]),  A_{l+1} = relu(A_l W_l + b_l)  (l = 1 … L−1),
 *                 Z = A_L W_L + b_L,  W_L ∈ R^{h_L×C}
 *   (no hidden layer: Z = Z₀, W₀ ∈ R^{p×C}, a multinomial logistic model)
 *   CE(Z) = (1/n) Σ_i [ logΣ_c exp Z_ic − Z_{i,y_i} ]   (mean softmax cross-entropy over the n training samples)
 *   f(θ) = CE(Z)                       (MLP head only)
 *   f(θ) = ½ (CE(Z_lin) + CE(Z))       (both heads: each head's logits get their own cross-entropy)
 *   F(θ) = f(θ) + λ Ω(θ),
 * optionally with weight decay μ ≥ 0 (`decay`) on the weight matrices Ω leaves unpenalized (never
 * on biases): f(θ) gains (μ/2) Σ_{unpenalized W} ‖W‖²_F. With scope 'inputs' this is what makes
 * the penalty meaningful: relu is positively homogeneous, so scaling the first layer (W1, b1) by
 * c and the next layer's weights by 1/c leaves the MLP head's output unchanged while λΩ shrinks
 * by c; without μ the infimum drives W1's MLP columns to 0 without selecting anything. The
 * authors' gene network (zihao-wang/spred, non-linear/routines.py) likewise puts weight decay on
 * the MLP behind the sparse input layer.
 *
 * Parameters (flat layout, in this order): W1 = W₀, b1 = b₀, W2, b2, …, W_{L+1}, b_{L+1}; a weight
 * matrix W ∈ R^{in×out} is row-major. The first layer is ONE tensor for both heads, so a row of W1
 * is everything input feature j feeds, and spred's group transform (one scalar per row) applies
 * unchanged.
 *
 * Penalty scope (Ω; biases are never penalized):
 * - 'weights': every weight matrix; structure 'weight': elementwise L1, Σ_l ‖W_l‖₁ (compression);
 *              structure 'neuron': Σ over hidden layers of Σ_c ‖W_l[:, c]‖₂ (one group per hidden
 *              neuron = its incoming weights: a zero column removes the unit), and elementwise L1
 *              on the output layer (its columns are the classes, which cannot be removed);
 * - 'inputs':  Σ_j ‖W1[j, :]‖₂ (one group per input feature across both heads: feature selection);
 * - 'first':   ‖W1‖₁ (elementwise L1 on the first layer only).
 *
 * Default initialization (seeded): hidden-layer weights Kaiming-uniform U(±√(6/fan_in)) (std
 * √(2/fan_in)), hidden biases NETWORK_HIDDEN_BIAS = 0.1 (keeps the ReLUs active when the weights
 * below are 0, so ∇f ≠ 0 there), the output layer and the linear head U(±√(3/fan_in)) (std
 * 1/√fan_in), their biases 0.
 *
 * λ_max (a scale, not a certificate: F is not convex): for each penalized tensor T in turn, set T
 * to 0 with every other parameter at the default initialization of the split seed and take
 * Ω_T*(∇_T f) over the training set; λ_max is the largest. For one penalized first layer this is
 * the smallest λ for which W1 = 0 is stationary in its block. `lambdaRatio` is relative to it.
 *
 * Prediction (test accuracy): argmax_c of Z (MLP head), Z_lin (no hidden layer), or of
 * softmax(Z) + softmax(Z_lin) with both heads (the mean of the two heads' class probabilities).
 *
 * The gradient is written by hand (tf.customGrad) with explicit transposes (tfjs-backend-wasm's
 * matMul with a transpose flag is ~10× slower), and a batch carries Xᵀ built in plain JS:
 *   dZ = (P − Y)/b (·½ with two heads),  ∇W_L = A_Lᵀ dZ,  ∇b_L = 1ᵀdZ,
 *   dA_l = dZ_l W_lᵀ,  dZ_{l−1} = dA_l ⊙ 1[A_l > 0],  …,  ∇W1 = Xᵀ [dZ_lin, dZ₀],  ∇b1 = 1ᵀ[dZ_lin, dZ₀].
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { Capability, ProblemMeta } from '../types.ts';
import { Rng } from '../rng.ts';
import { checkNetworkMemory } from '../limits.ts';
import { UserError } from '../errors.ts';
import { initDevice, type BackendChoice } from './backend.ts';
import { readScalar } from './read.ts';
import { assembleTensorProblem, layoutParams, lossAndGradient, penaltyDualNorm, type ParamDecl, type TensorModel } from './base.ts';
import type { ParamPenalty, TensorBatch, TensorParamInfo, TensorProblem } from './types.ts';
import type { ClassSplit, SplitData } from '../datasets/splits.ts';

/** Initial bias of every hidden layer (module comment). */
export const NETWORK_HIDDEN_BIAS = 0.1;

export type PenaltyScope = 'weights' | 'inputs' | 'first';
export type WeightStructure = 'weight' | 'neuron';

/** Classification data with an explicit train/test split (problems/datasets/splits.ts). */
export type NetworkData = SplitData;
export type { ClassSplit };

export interface NetworkOptions {
  readonly data: NetworkData;
  /** Hidden widths h₁ … h_L (empty: no MLP head, a linear softmax model). */
  readonly hidden: readonly number[];
  /** Add the linear head beside the MLP head (needs at least one hidden layer). */
  readonly linearHead?: boolean;
  readonly scope: PenaltyScope;
  /** For scope 'weights' (default 'weight'). */
  readonly structure?: WeightStructure;
  /** Absolute λ (exactly one of lambda, lambdaRatio). */
  readonly lambda?: number;
  readonly lambdaRatio?: number;
  /** Seed of the default initialization that defines λ_max (default 0). */
  readonly seed?: number;
  /** TensorFlow.js backend (default 'wasm' here; problem specs from the CLI and plans default to 'auto'). */
  readonly backend?: BackendChoice;
  /** Family name recorded with the problem (default 'network'). */
  readonly family?: string;
  /** Extra fields of the instance key (e.g. the split that made `data`). */
  readonly instanceKey?: Record<string, string | number | boolean>;
  /** Weight decay μ ≥ 0 on the unpenalized weight matrices (module comment; default 0). */
  readonly decay?: number;
}

/** The network's structure, as the solvers and the protocol see it. */
export interface NetworkShape {
  readonly p: number;
  readonly classes: number;
  readonly hidden: readonly number[];
  readonly linearHead: boolean;
  /** Columns of W1 that feed the linear head (the first ones). */
  readonly linearColumns: number;
}

/** Validates and returns the hidden widths. */
function checkHidden(hidden: readonly number[], who: string): number[] {
  for (const h of hidden) if (!Number.isInteger(h) || h < 1) throw new UserError(`${who}: hidden widths must be positive integers, got [${hidden.join(', ')}]`);
  return [...hidden];
}

/** Parameter declarations (module comment: layout, penalty scope, init std). */
export function networkParams(shape: NetworkShape, scope: PenaltyScope, structure: WeightStructure): ParamDecl[] {
  const { p, classes: C, hidden, linearColumns } = shape;
  const L = hidden.length;
  const widths = [p, ...hidden];
  const decls: ParamDecl[] = [];
  for (let l = 0; l <= L; l++) {
    const fanIn = widths[l] as number;
    const out = l < L ? (hidden[l] as number) + (l === 0 ? linearColumns : 0) : C;
    const isOutput = l === L;
    let penalty: ParamPenalty = 'none';
    if (scope === 'weights') penalty = structure === 'neuron' && !isOutput ? 'columns' : 'l1';
    else if (l === 0) penalty = scope === 'inputs' ? 'rows' : 'l1';
    decls.push({ name: `W${l + 1}`, shape: [fanIn, out], penalty, role: 'weight', initStd: isOutput ? 1 / Math.sqrt(fanIn) : Math.sqrt(2 / fanIn) });
    decls.push({ name: `b${l + 1}`, shape: [out], penalty: 'none', role: 'bias', initStd: 1 });
  }
  return decls;
}

/** Seeded default initialization (module comment), flat layout. */
export function networkInit(shape: NetworkShape, seed: number): Float64Array {
  const { p, classes: C, hidden, linearColumns } = shape;
  const L = hidden.length;
  const widths = [p, ...hidden];
  const rng = new Rng(seed);
  const total = networkParams(shape, 'first', 'weight').reduce((s, d) => s + d.shape.reduce((a, b) => a * b, 1), 0);
  const x = new Float64Array(total);
  let o = 0;
  for (let l = 0; l <= L; l++) {
    const fanIn = widths[l] as number;
    const isOutput = l === L;
    const lin = l === 0 ? linearColumns : 0;
    const out = isOutput ? C : (hidden[l] as number) + lin;
    const aRelu = Math.sqrt(6 / fanIn);
    const aLin = Math.sqrt(3 / fanIn);
    // W ~ U(−a, a) per column kind: linear-head and output columns a = √(3/fan_in), ReLU columns √(6/fan_in)
    for (let r = 0; r < fanIn; r++) {
      for (let c = 0; c < out; c++) {
        const a = isOutput || c < lin ? aLin : aRelu;
        x[o + r * out + c] = a * (2 * rng.uniform() - 1);
      }
    }
    o += fanIn * out;
    // biases: hidden units 0.1, linear head and output 0
    for (let c = 0; c < out; c++) x[o + c] = isOutput || c < lin ? 0 : NETWORK_HIDDEN_BIAS;
    o += out;
  }
  return x;
}

/** Batch tensors [X (b×p), Xᵀ (p×b), one-hot Y (b×C)] of rows `idx` of a split, built in plain JS. */
export function makeClassBatch(split: ClassSplit, p: number, C: number, idx: Int32Array): TensorBatch {
  const b = idx.length;
  const xb = new Float32Array(b * p);
  const xt = new Float32Array(p * b);
  const yb = new Float32Array(b * C);
  const X = split.X;
  for (let r = 0; r < b; r++) {
    const i = idx[r] as number;
    const src = i * p;
    xb.set(X.subarray(src, src + p), r * p);
    // Xᵀ[j, r] = X[i, j]
    for (let j = 0; j < p; j++) xt[j * b + r] = X[src + j] as number;
    yb[r * C + (split.y[i] as number)] = 1;
  }
  return { size: b, tensors: [tf.tensor2d(xb, [b, p]), tf.tensor2d(xt, [p, b]), tf.tensor2d(yb, [b, C])] };
}

/**
 * The loss f on a batch [X, Xᵀ, Y] (module comment), params in the flat layout's order, with the
 * hand-written gradient.
 */
export function networkLoss(shape: NetworkShape): (params: readonly tf.Tensor[], batch: TensorBatch) => tf.Scalar {
  const L = shape.hidden.length;
  const lin = shape.linearColumns;
  return (params, batch) => {
    const [X, XT, Y] = batch.tensors as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const b = batch.size;
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const W = (l: number): tf.Tensor2D => args[2 * l] as tf.Tensor2D;
      const B = (l: number): tf.Tensor1D => args[2 * l + 1] as tf.Tensor1D;
      // A[0] = X; A[l] = relu activations of hidden layer l (l = 1 … L)
      const acts: tf.Tensor2D[] = [];
      let Zlin: tf.Tensor2D | null = null;
      let Z: tf.Tensor2D;
      if (L === 0) Z = dense(X, W(0), B(0));
      else if (lin > 0) {
        const Z0 = dense(X, W(0), B(0));
        Zlin = tf.slice(Z0, [0, 0], [b, lin]);
        acts.push(tf.relu(tf.slice(Z0, [0, lin], [b, shape.hidden[0] as number])) as tf.Tensor2D);
      } else acts.push(dense(X, W(0), B(0), true));
      for (let l = 1; l < L; l++) acts.push(dense(acts[l - 1] as tf.Tensor2D, W(l), B(l), true));
      if (L > 0) Z = dense(acts[L - 1] as tf.Tensor2D, W(L), B(L));
      const ce = (logits: tf.Tensor2D): { value: tf.Scalar; P: tf.Tensor2D } => {
        const lse = tf.logSumExp(logits, 1, true);
        // (1/b) Σ_i [lse_i − ⟨Z_i, Y_i⟩]
        const value = tf.div(tf.sub(tf.sum(lse), tf.sum(tf.mul(logits, Y))), b) as tf.Scalar;
        return { value, P: tf.exp(tf.sub(logits, lse)) as tf.Tensor2D };
      };
      const mlp = ce(Z!);
      const linHead = Zlin ? ce(Zlin) : null;
      const value = linHead ? (tf.mul(tf.add(mlp.value, linHead.value), 0.5) as tf.Scalar) : mlp.value;
      const weights = Array.from({ length: L }, (_, k) => W(k + 1));
      save([...acts, mlp.P, ...(linHead ? [linHead.P] : []), ...weights]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const A = saved.slice(0, L) as tf.Tensor2D[];
          const P = saved[L] as tf.Tensor2D;
          const Plin = linHead ? (saved[L + 1] as tf.Tensor2D) : null;
          const Ws = saved.slice(L + 1 + (linHead ? 1 : 0)) as tf.Tensor2D[];
          const scale = tf.div(dy, linHead ? 2 * b : b);
          const grads: tf.Tensor[] = new Array<tf.Tensor>(2 * (L + 1));
          // dZ = (P − Y)·dy/b (·½ with two heads)
          let dZ = tf.mul(tf.sub(P, Y), scale) as tf.Tensor2D;
          for (let l = L; l >= 1; l--) {
            const Al = A[l - 1] as tf.Tensor2D;
            grads[2 * l] = tf.matMul(tf.transpose(Al), dZ);
            grads[2 * l + 1] = tf.sum(dZ, 0);
            // dZ_{l−1} = (dZ W_lᵀ) ⊙ 1[A_l > 0]
            dZ = tf.mul(tf.matMul(dZ, tf.transpose(Ws[l - 1] as tf.Tensor2D)), tf.step(Al)) as tf.Tensor2D;
          }
          if (Plin) dZ = tf.concat([tf.mul(tf.sub(Plin, Y), scale) as tf.Tensor2D, dZ], 1);
          grads[0] = tf.matMul(XT, dZ);
          grads[1] = tf.sum(dZ, 0);
          return grads;
        },
      };
    });
    return f(...(params as tf.Tensor[])) as tf.Scalar;
  };
}

/**
 * f + (μ/2) Σ ‖W‖²_F over the unpenalized weight matrices (module comment); `loss` itself when
 * μ = 0 or there are none. The decay term's gradient μW comes from tfjs autodiff.
 */
export function withDecay(loss: (params: readonly tf.Tensor[], batch: TensorBatch) => tf.Scalar, infos: readonly TensorParamInfo[], decay: number): (params: readonly tf.Tensor[], batch: TensorBatch) => tf.Scalar {
  const decayed = infos.flatMap((p, i) => (p.role === 'weight' && p.penalty === 'none' ? [i] : []));
  if (!(decay > 0) || decayed.length === 0) return loss;
  return (params, batch) => {
    // f + (μ/2) Σ_W ‖W‖²
    const sq = decayed.map((i) => tf.sum(tf.square(params[i] as tf.Tensor)));
    return tf.add(loss(params, batch), tf.mul(tf.addN(sq), decay / 2)) as tf.Scalar;
  };
}

/** Class scores whose argmax is the prediction (module comment), for inputs X (n×p). Call inside tf.tidy. */
export function networkScores(shape: NetworkShape, params: readonly tf.Tensor[], X: tf.Tensor2D): tf.Tensor2D {
  const L = shape.hidden.length;
  const lin = shape.linearColumns;
  const W = (l: number): tf.Tensor2D => params[2 * l] as tf.Tensor2D;
  const B = (l: number): tf.Tensor1D => params[2 * l + 1] as tf.Tensor1D;
  if (L === 0) return dense(X, W(0), B(0));
  const n = X.shape[0];
  const Z0 = dense(X, W(0), B(0));
  let A = (lin > 0 ? tf.relu(tf.slice(Z0, [0, lin], [n, shape.hidden[0] as number])) : tf.relu(Z0)) as tf.Tensor2D;
  for (let l = 1; l < L; l++) A = dense(A, W(l), B(l), true);
  const Z = dense(A, W(L), B(L));
  if (lin === 0) return Z;
  return tf.add(tf.softmax(Z), tf.softmax(tf.slice(Z0, [0, 0], [n, lin]))) as tf.Tensor2D;
}

/** a·W + bias (ReLU when `relu`): one fused op. */
function dense(a: tf.Tensor2D, W: tf.Tensor2D, bias: tf.Tensor1D, relu = false): tf.Tensor2D {
  return tf.fused.matMul({ a, b: W, bias, ...(relu ? { activation: 'relu' as const } : {}) }) as tf.Tensor2D;
}

/** Hex sha256 of both splits (row-major float32 X and labels). */
export function hashNetworkData(train: ClassSplit, test: ClassSplit | null, p: number): string {
  const h = createHash('sha256').update(new Uint8Array(new Float64Array([p, train.y.length, test ? test.y.length : 0]).buffer));
  for (const s of test ? [train, test] : [train]) {
    h.update(new Uint8Array(s.X.buffer, s.X.byteOffset, s.X.byteLength));
    h.update(new Uint8Array(s.y.buffer, s.y.byteOffset, s.y.byteLength));
  }
  return h.digest('hex');
}

/** Checks labels against the class count and X against p; throws UserError naming the fix. */
function checkSplit(s: ClassSplit, p: number, C: number, what: string): void {
  const n = s.y.length;
  if (s.X.length !== n * p) throw new UserError(`network: ${what} X has ${s.X.length} values, expected n·p = ${n}·${p}; pass X as n×p row-major`);
  for (let i = 0; i < n; i++) {
    const c = s.y[i] as number;
    if (c < 0 || c >= C) throw new UserError(`network: ${what} label y[${i}] = ${c} is out of range for ${C} classes`);
  }
  for (let i = 0; i < s.X.length; i++) {
    if (!Number.isFinite(s.X[i] as number)) throw new UserError(`network: ${what} X has a non-finite value at sample ${Math.floor(i / p)}, feature ${i % p}; clean the data`);
  }
}

/** A network problem (module comment) on `data`. */
export async function makeNetworkProblem(opts: NetworkOptions): Promise<TensorProblem & { readonly network: NetworkShape }> {
  const { data } = opts;
  const family = opts.family ?? 'network';
  const { p, classes: C } = data;
  if (!Number.isInteger(C) || C < 2) throw new UserError(`${family}: needs at least 2 classes, got ${C}`);
  if (data.train.y.length < 1) throw new UserError(`${family}: the training split is empty`);
  const hidden = checkHidden(opts.hidden, family);
  // Refuse a model that cannot fit before any weight is allocated (limits.ts).
  checkNetworkMemory([p, ...hidden, C], data.train.y.length, 'lower the hidden widths (or raise --worker-memory)');
  const linearHead = opts.linearHead ?? false;
  if (linearHead && hidden.length === 0) throw new UserError(`${family}: a linear head beside the MLP head needs at least one hidden layer`);
  const scope = opts.scope;
  if (scope !== 'weights' && scope !== 'inputs' && scope !== 'first') throw new UserError(`${family}: penalty scope must be 'weights', 'inputs' or 'first', got '${String(scope)}'`);
  const structure = opts.structure ?? 'weight';
  if (structure !== 'weight' && structure !== 'neuron') throw new UserError(`${family}: structure must be 'weight' or 'neuron', got '${String(structure)}'`);
  if ((opts.lambda === undefined) === (opts.lambdaRatio === undefined)) throw new UserError(`${family}: give exactly one of lambda (absolute) or lambdaRatio (fraction of λ_max)`);
  checkSplit(data.train, p, C, 'training');
  if (data.test) checkSplit(data.test, p, C, 'test');
  const seed = opts.seed ?? 0;
  const device = await initDevice(opts.backend ?? 'wasm');

  const shape: NetworkShape = { p, classes: C, hidden, linearHead, linearColumns: linearHead ? C : 0 };
  const params = layoutParams(networkParams(shape, scope, structure));
  const decay = opts.decay ?? 0;
  if (!(decay >= 0) || !Number.isFinite(decay)) throw new UserError(`${family}: weight decay must be finite and ≥ 0, got ${decay}`);
  const loss = withDecay(networkLoss(shape), params, decay);
  const nTrain = data.train.y.length;
  const makeBatch = (idx: Int32Array): TensorBatch => makeClassBatch(data.train, p, C, idx);
  const fullBatch = makeBatch(Int32Array.from({ length: nTrain }, (_, i) => i));
  const test = data.test && data.test.y.length > 0 ? data.test : null;
  const xTest = test ? tf.tensor2d(test.X, [test.y.length, p]) : null;
  const yTest = test ? tf.tensor1d(test.y, 'int32') : null;
  const accuracyTensor = (ts: readonly tf.Tensor[]): tf.Scalar =>
    tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(networkScores(shape, ts, xTest as tf.Tensor2D), 1), yTest as tf.Tensor1D), 'float32')) as tf.Scalar);
  const initialParams = (s: number): Float64Array => networkInit(shape, s);
  // 'prox': every tensor penalty kind has a closed-form prox (solvers/tensor/plain.ts)
  const capabilities: Capability[] = ['smooth-gradient', 'sample-mean', 'prox', 'tensor-engine'];
  const model: TensorModel = {
    family,
    backend: device.backend,
    adapter: device.adapter,
    params,
    nSamples: nTrain,
    loss,
    makeBatch,
    fullBatch,
    initialParams,
    capabilities,
    owned: xTest && yTest ? [xTest, yTest] : [],
    ...(xTest
      ? {
          testAccuracy: async (ts: readonly tf.Tensor[]): Promise<number> => {
            const a = accuracyTensor(ts);
            try {
              return await readScalar(a);
            } finally {
              a.dispose();
            }
          },
        }
      : {}),
  };

  // λ_max: each penalized tensor zeroed in turn, the others at the default init of `seed`
  let lambdaMax = 0;
  const x0 = initialParams(seed);
  const g0 = new Float64Array(x0.length);
  for (const info of params) {
    if (info.penalty === 'none') continue;
    const xz = Float64Array.from(x0);
    xz.fill(0, info.offset, info.offset + info.size);
    await lossAndGradient(params, loss, fullBatch, xz, g0);
    lambdaMax = Math.max(lambdaMax, penaltyDualNorm([info], g0));
  }
  const lambda = opts.lambda ?? (opts.lambdaRatio as number) * lambdaMax;
  if (!(lambda > 0) || !Number.isFinite(lambda)) {
    tf.dispose([...fullBatch.tensors, ...model.owned]);
    throw new UserError(`${family}: λ resolves to ${lambda} (λ_max = ${lambdaMax}); λ must be positive and finite`);
  }
  const instanceHash = createHash('sha256')
    .update(JSON.stringify({ family, data: data.hash, lambda: lambda.toString(), hidden, linearHead, scope, structure, classes: C, seed, ...(decay > 0 ? { decay } : {}), ...(opts.instanceKey ?? {}) }))
    .digest('hex');
  const meta: ProblemMeta = {
    dataset: data.name,
    dataHash: data.hash,
    nSamples: nTrain + (test ? test.y.length : 0),
    nFeatures: p,
    ...(data.trueSupport ? { trueSupport: data.trueSupport } : {}),
    ...(data.labels ? { labels: data.labels } : {}),
    notes: {
      ...(data.notes ?? {}),
      hidden: hidden.join('-'),
      linearHead,
      scope,
      structure,
      ...(decay > 0 ? { decay } : {}),
      classes: C,
      nTrain,
      nTest: test ? test.y.length : 0,
      initSeed: seed,
      lambdaMax: 'max over penalized tensors T of Ω_T*(∇_T f) with T = 0, the rest at the default init (a scale: the problem is non-convex)',
    },
  };
  return { ...assembleTensorProblem(model, lambda, lambdaMax, meta, instanceHash), network: shape };
}

/** Whether a tensor problem is a network (carries its shape). */
export function networkOf(p: TensorProblem): NetworkShape | null {
  const s = (p as Partial<{ network: NetworkShape }>).network;
  return s ?? null;
}
