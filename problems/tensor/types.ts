/**
 * The tensor-engine problem: F(x) = f(x) + λ·Ω(x) where f is a mean over training samples
 * computed by TensorFlow.js (float32) and x is the flat vector of all model parameters.
 *
 * Flat layout: the parameter tensors in the order of `params`, each flattened row-major
 * (a [r, c] tensor puts entry (i, j) at offset + i·c + j). Every accessor on the flat vector
 * (objective, kkt, support, testMetric) copies it to tensors, so they run at trace points only.
 *
 * Penalty Ω = Σ_T Ω_T(T) over the parameter tensors T, each viewed as a [rows, cols] matrix, with
 * a kind per tensor (TensorParamInfo.penalty):
 * - 'none':    Ω_T = 0 (biases, unpenalized layers: they enter f only);
 * - 'l1':      Ω_T(W) = Σ_{r,c} |W_{r,c}|;
 * - 'rows':    Ω_T(W) = Σ_r ‖W_{r,:}‖₂ (one group per row; for a first layer W ∈ R^{p×h}, row j is
 *              input feature j's outgoing weights: feature selection);
 * - 'columns': Ω_T(W) = Σ_c ‖W_{:,c}‖₂ (one group per column; for W ∈ R^{in×out}, column c is
 *              output neuron c's incoming weights: a zero column removes the neuron).
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorProblemLike } from '../types.ts';

/** How one parameter tensor is penalized (module comment). */
export type ParamPenalty = 'none' | 'l1' | 'rows' | 'columns';
export const PARAM_PENALTIES: readonly ParamPenalty[] = ['none', 'l1', 'rows', 'columns'];

/** One parameter tensor. */
export interface TensorParamInfo {
  readonly name: string;
  /** Tensor shape; penalized tensors are 1-D (viewed as [p, 1]) or 2-D. */
  readonly shape: readonly number[];
  /** Rows of the [rows, cols] view. */
  readonly rows: number;
  readonly cols: number;
  /** rows·cols. */
  readonly size: number;
  /** Offset in the flat vector. */
  readonly offset: number;
  /** penalty !== 'none'. */
  readonly penalized: boolean;
  readonly penalty: ParamPenalty;
  /** 'weight' (a weight matrix: counted by sparsity and compression) or 'bias'. */
  readonly role: 'weight' | 'bias';
  /**
   * Standard deviation σ₀ of the default initialization of this tensor (1 when it starts at 0).
   * spred's random factors are drawn N(0, s²·σ₀) so that with s = 1 the product has std σ₀.
   */
  readonly initStd: number;
}

/** The tensors of a batch of training samples (their meaning is the problem's own). */
export interface TensorBatch {
  /** Number of samples |B|. */
  readonly size: number;
  readonly tensors: readonly tf.Tensor[];
}

export interface TensorProblem extends TensorProblemLike {
  readonly params: readonly TensorParamInfo[];
  /** Summary of the per-tensor kinds: 'l1' when every penalized tensor is 'l1', else 'group-l1'. */
  readonly penalty: 'l1' | 'group-l1';
  /** Training samples n (f is the mean over them). */
  readonly nSamples: number;
  /**
   * f on a batch: (1/|B|) Σ_{i∈B} loss_i(params), params in the order of `params` with their
   * shapes; the whole training set when `batch` is omitted. Call inside tf.tidy.
   */
  loss(params: readonly tf.Tensor[], batch?: TensorBatch): tf.Scalar;
  /** Builds the batch of training samples `indices` in plain JS (no tf.gather); dispose it with `disposeBatch`. */
  makeBatch(indices: Int32Array): TensorBatch;
  disposeBatch(batch: TensorBatch): void;
  /** Seeded default initialization (flat vector), e.g. Kaiming-uniform weights. */
  initialParams(seed: number): Float64Array;
  /** Flat vector → new tensors (caller disposes). */
  toTensors(x: Float64Array): tf.Tensor[];
  /** Tensors (in `params` order) → flat Float64 vector (an awaited read: trace points only). */
  flatten(params: readonly tf.Tensor[]): Promise<Float64Array>;
  /** f(x) and ∇f(x) over the whole training set, in Float64 copies of float32 values (awaited reads). */
  valueAndGradient(x: Float64Array, grad: Float64Array): Promise<number>;
  /**
   * The same with synchronous reads, for the synchronous Float64 L-BFGS only; throws a
   * UserError on backends without synchronous reads (webgpu).
   */
  valueAndGradientSync(x: Float64Array, grad: Float64Array): number;
  /** Ω(x) (without λ). */
  penaltyValue(x: Float64Array): number;
  /**
   * Test accuracy of parameter tensors (problem order) on the held-out split, read with
   * `await data()` (no synchronous read: safe on every backend); absent without a test split.
   */
  testAccuracy?(params: readonly tf.Tensor[]): Promise<number>;
  /** Releases the tensors the problem holds (data, test split). */
  dispose(): void;
}

/** Narrowing helper for code that receives an AnyProblem. */
export function isTensorProblem(p: { engine: string }): p is TensorProblem {
  return p.engine === 'tfjs' && typeof (p as Partial<TensorProblem>).loss === 'function';
}
