/**
 * The `mlp` family: the network model (network.ts) with one hidden layer,
 *
 *     logits(x) = W₂ᵀ relu(W₁ᵀx + b₁) + b₂,     W₁ ∈ R^{p×h}, b₁ ∈ R^h, W₂ ∈ R^{h×C}, b₂ ∈ R^C,
 *     f(θ) = (1/n) Σ_i [ logΣ_c exp(logits_c(x_i)) − logits_{y_i}(x_i) ]   (mean softmax cross-entropy
 *            over the n training samples),
 *     F(θ) = f(θ) + λ·Ω(W₁),
 *
 * with Ω(W₁) = Σ_{jk} |W₁[j,k]| ('l1': network scope 'first') or Σ_j ‖W₁[j,:]‖₂ ('group-l1':
 * scope 'inputs'; row j holds input feature j's outgoing weights, so a zero row removes the
 * feature). b₁, W₂, b₂ are not penalized.
 *
 * Flat layout: [W₁ (p×h row-major), b₁ (h), W₂ (h×C row-major), b₂ (C)].
 *
 * λ_max (network.ts): with b₁, W₂, b₂ at their default initialization (seed `seed`) and W₁ = 0,
 * λ_max = Ω*(∇_{W₁} f), the smallest λ for which W₁ = 0 is a stationary point of F in the W₁
 * block with the other parameters held there (a scale, not a certificate). The default b₁ = 0.1
 * keeps the hidden units active at W₁ = 0. `lambdaRatio` is relative to this λ_max.
 *
 * Default initialization (seeded): W₁ ~ U(±√(6/p)), b₁ = 0.1, W₂ ~ U(±√(3/h)), b₂ = 0.
 *
 * The samples are split here (seeded permutation: the first ⌊testFraction·n⌉ are the test split).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import type { Dataset } from '../dataset.ts';
import type { LambdaSpec } from '../zoo.ts';
import { Rng } from '../rng.ts';
import { splitRows } from '../datasets/splits.ts';
import { UserError } from '../errors.ts';
import { BACKEND_CHOICES, DEFAULT_BACKEND, type BackendChoice } from './backend.ts';
import { makeNetworkProblem, networkLoss, NETWORK_HIDDEN_BIAS } from './network.ts';
import type { TensorBatch, TensorProblem } from './types.ts';

/** Initial first-layer bias: keeps the ReLUs active at W₁ = 0 (see λ_max in the module comment). */
export const MLP_B1_INIT = NETWORK_HIDDEN_BIAS;

export interface MlpOptions {
  /** Features, n×p row-major (n = y.length). */
  readonly X: Float64Array;
  /** Class indices 0..C−1. */
  readonly y: ArrayLike<number>;
  /** Number of classes C (default: max(y) + 1). */
  readonly classes?: number;
  /** Hidden units h. */
  readonly hidden: number;
  /** Absolute λ (exactly one of lambda, lambdaRatio). */
  readonly lambda?: number;
  /** λ as a fraction of λ_max. */
  readonly lambdaRatio?: number;
  /** Penalty on W₁ (default 'l1'). */
  readonly penalty?: 'l1' | 'group-l1';
  /** Seed of the train/test split and of the reference initialization defining λ_max (default 0). */
  readonly seed?: number;
  /** Fraction of samples held out for the test metric (default 0.2; 0 = no test split). */
  readonly testFraction?: number;
  /** TensorFlow.js backend (default 'wasm' here; problem specs from the CLI and plans default to 'auto'). */
  readonly backend?: BackendChoice;
  /** Metadata. */
  readonly name?: string;
  readonly dataHash?: string;
  /** Informative input features, when known (recorded as meta.trueSupport: feature indices). */
  readonly trueSupport?: Int32Array;
  readonly labels?: Record<string, number>;
  readonly notes?: Record<string, string | number | boolean>;
}

/**
 * Builds the MLP problem (module comment). Splits the samples with a seeded permutation:
 * the first ⌊testFraction·n⌉ go to the test split (accuracy = `testMetric`), the rest define f.
 */
export async function makeMlpProblem(opts: MlpOptions): Promise<TensorProblem> {
  const n = opts.y.length;
  if (n < 2) throw new UserError(`mlp: need at least 2 samples, got ${n}`);
  if (opts.X.length % n !== 0 || opts.X.length === 0) throw new UserError(`mlp: X has ${opts.X.length} values, not a multiple of n = ${n} (y.length); pass X as n×p row-major`);
  const p = opts.X.length / n;
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const c = opts.y[i] as number;
    if (!Number.isInteger(c) || c < 0) throw new UserError(`mlp: label y[${i}] = ${c} is not a class index (0, 1, …); code the labels as integers`);
    if (c > maxLabel) maxLabel = c;
  }
  const C = opts.classes ?? maxLabel + 1;
  if (C < 2) throw new UserError(`mlp: needs at least 2 classes, got ${C}`);
  if (maxLabel >= C) throw new UserError(`mlp: label ${maxLabel} is out of range for classes = ${C}`);
  const h = opts.hidden;
  if (!Number.isInteger(h) || h < 1) throw new UserError(`mlp: hidden must be a positive integer, got ${h}`);
  const penalty = opts.penalty ?? 'l1';
  if (penalty !== 'l1' && penalty !== 'group-l1') throw new UserError(`mlp: penalty must be 'l1' or 'group-l1', got '${String(penalty)}'`);
  if ((opts.lambda === undefined) === (opts.lambdaRatio === undefined)) throw new UserError('mlp: give exactly one of lambda (absolute) or lambdaRatio (fraction of λ_max)');
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) throw new UserError(`mlp: testFraction must be in [0, 1), got ${testFraction}`);
  const seed = opts.seed ?? 0;
  for (let i = 0; i < opts.X.length; i++) {
    if (!Number.isFinite(opts.X[i] as number)) throw new UserError(`mlp: X has a non-finite value at sample ${Math.floor(i / p)}, feature ${i % p}; clean the data`);
  }

  // seeded split: perm[0..nTest) test, the rest train
  const { train, test } = splitRows(opts.X, opts.y, p, testFraction, seed);
  const dataHash = opts.dataHash ?? hashRowMajor(opts.X, n, p, opts.y);
  const problem = await makeNetworkProblem({
    data: {
      p,
      classes: C,
      train,
      test,
      name: opts.name ?? 'arrays',
      hash: dataHash,
      notes: { ...(opts.notes ?? {}), penalty, splitSeed: seed },
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.trueSupport ? { trueSupport: opts.trueSupport } : {}),
    },
    hidden: [h],
    scope: penalty === 'l1' ? 'first' : 'inputs',
    ...(opts.lambda !== undefined ? { lambda: opts.lambda } : { lambdaRatio: opts.lambdaRatio as number }),
    seed,
    backend: opts.backend ?? 'wasm',
    family: 'mlp',
    instanceKey: { testFraction, splitSeed: seed },
  });
  // meta.nSamples counts every sample (both splits), as before
  return { ...problem, meta: { ...problem.meta, nSamples: n } };
}

/**
 * Mean softmax cross-entropy of the one-hidden-layer MLP on a batch [X, Xᵀ, Y one-hot], params
 * [W₁, b₁, W₂, b₂]: the network model's loss (network.ts, with its hand-written gradient).
 */
export function mlpLoss(params: readonly tf.Tensor[], batch: TensorBatch): tf.Scalar {
  const [W1, , W2] = params as [tf.Tensor2D, tf.Tensor, tf.Tensor2D];
  const shape = { p: W1.shape[0], classes: W2.shape[1], hidden: [W1.shape[1]], linearHead: false, linearColumns: 0 };
  return networkLoss(shape)(params, batch);
}

function hashRowMajor(X: Float64Array, n: number, p: number, y: ArrayLike<number>): string {
  const yy = Float64Array.from(y);
  return createHash('sha256')
    .update(new Uint8Array(new Float64Array([n, p]).buffer))
    .update(new Uint8Array(X.buffer, X.byteOffset, X.byteLength))
    .update(new Uint8Array(yy.buffer))
    .digest('hex');
}

/** Simulated classification data in which only the `informative` features carry signal. */
export interface MlpData {
  /** n×p row-major. */
  readonly X: Float64Array;
  /** Class indices. */
  readonly y: Int32Array;
  readonly n: number;
  readonly p: number;
  readonly classes: number;
  /** Sorted indices of the informative features. */
  readonly informative: Int32Array;
}

/**
 * X_ij ~ N(0, 1) i.i.d.; a random subset I of `informative` features (seeded) feeds a random
 * ReLU teacher with 2·|I| hidden units: s(x) = B·relu(A x_I + c), A_kj ~ N(0, 1/|I|),
 * c_k ~ N(0, 0.25), B_ck ~ N(0, 1); each class score is centred over the samples (to balance
 * the classes) and y = argmax_c s_c(x). The other p − |I| features are independent of y.
 */
export function simulateMlpData(opts: { n: number; p: number; informative: number; classes: number; seed: number }): MlpData {
  const { n, p, informative: k, classes: C, seed } = opts;
  if (!Number.isInteger(n) || n < 2) throw new UserError(`simulateMlpData: n must be an integer ≥ 2, got ${n}`);
  if (!Number.isInteger(p) || p < 1) throw new UserError(`simulateMlpData: p must be a positive integer, got ${p}`);
  if (!Number.isInteger(k) || k < 1 || k > p) throw new UserError(`simulateMlpData: informative must be an integer in [1, p = ${p}], got ${k}`);
  if (!Number.isInteger(C) || C < 2) throw new UserError(`simulateMlpData: classes must be an integer ≥ 2, got ${C}`);
  const rng = new Rng(seed);
  const informative = Int32Array.from(rng.shuffle(Int32Array.from({ length: p }, (_, j) => j)).subarray(0, k)).sort();
  const m = 2 * k;
  const A = Float64Array.from({ length: m * k }, () => rng.normal() / Math.sqrt(k));
  const c = Float64Array.from({ length: m }, () => 0.5 * rng.normal());
  const B = Float64Array.from({ length: C * m }, () => rng.normal());
  const X = Float64Array.from({ length: n * p }, () => rng.normal());
  const S = new Float64Array(n * C);
  const hid = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    // hid = relu(A x_I + c);  S_i = B hid
    for (let a = 0; a < m; a++) {
      let z = c[a] as number;
      for (let j = 0; j < k; j++) z += (A[a * k + j] as number) * (X[i * p + (informative[j] as number)] as number);
      hid[a] = z > 0 ? z : 0;
    }
    for (let cc = 0; cc < C; cc++) {
      let s = 0;
      for (let a = 0; a < m; a++) s += (B[cc * m + a] as number) * (hid[a] as number);
      S[i * C + cc] = s;
    }
  }
  const y = new Int32Array(n);
  const mean = new Float64Array(C);
  for (let i = 0; i < n; i++) for (let cc = 0; cc < C; cc++) mean[cc] = (mean[cc] as number) + (S[i * C + cc] as number) / n;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestS = -Infinity;
    for (let cc = 0; cc < C; cc++) {
      const s = (S[i * C + cc] as number) - (mean[cc] as number);
      if (s > bestS) {
        bestS = s;
        best = cc;
      }
    }
    y[i] = best;
  }
  return { X, y, n, p, classes: C, informative };
}

/** The problem-spec fields the harness passes for the mlp family (see harness/job.ts). */
export interface MlpSpec {
  readonly lambda: LambdaSpec;
  readonly backend?: string;
  readonly hidden?: number;
  readonly mlpPenalty?: 'l1' | 'group-l1';
}

/** Default hidden units of the mlp family. */
export const MLP_DEFAULT_HIDDEN = 32;

/** The mlp problem of a multiclass dataset (column-major X is copied to row-major). */
export async function makeMlpFromDataset(ds: Dataset, spec: MlpSpec): Promise<TensorProblem> {
  if (ds.task !== 'multiclass' && ds.task !== 'binary') {
    throw new UserError(`problem 'mlp' needs class labels but dataset '${ds.name}' is ${ds.task}; pick a classification dataset`);
  }
  const { n, p, data } = ds.X;
  const X = new Float64Array(n * p);
  // row-major X[i, j] = column-major data[j·n + i]
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) X[i * p + j] = data[j * n + i] as number;
  // binary targets are ±1: map to classes 0/1 (−1 → 0, +1 → 1)
  const y = ds.task === 'binary' ? Int32Array.from(ds.y, (v) => (v > 0 ? 1 : 0)) : Int32Array.from(ds.y);
  const backend = spec.backend ?? DEFAULT_BACKEND;
  if (!BACKEND_CHOICES.includes(backend as BackendChoice)) throw new UserError(`unknown TensorFlow.js backend '${backend}'; choose one of: ${BACKEND_CHOICES.join(', ')}`);
  return makeMlpProblem({
    X,
    y,
    hidden: spec.hidden ?? MLP_DEFAULT_HIDDEN,
    ...(spec.lambda.kind === 'absolute' ? { lambda: spec.lambda.value } : { lambdaRatio: spec.lambda.ratio }),
    penalty: spec.mlpPenalty ?? 'l1',
    backend: backend as BackendChoice,
    name: ds.name,
    dataHash: ds.hash,
    ...(ds.labels ? { labels: ds.labels } : {}),
    notes: ds.notes,
  });
}
