/**
 * The tensor-engine problem: F(x) = f(x) + λ·Ω(x) where f is a mean over training samples
 * computed by TensorFlow.js (float32) and x is the flat vector of all model parameters.
 *
 * Flat layout: the parameter tensors in the order of `params`, each flattened row-major
 * (a [r, c] tensor puts entry (i, j) at offset + i·c + j). Every accessor on the flat vector
 * (objective, kkt, support, testMetric) copies it to tensors, so they run at trace points only.
 *
 * Penalty Ω acts on the tensors marked `penalized` (each viewed as a [rows, cols] matrix):
 * - 'l1':       Ω(x) = Σ_{penalized i} |x_i|;
 * - 'group-l1': Ω(x) = Σ_{penalized W} Σ_r ‖W_{r,:}‖₂ (one group per row; for the first layer
 *               of an MLP, a row is an input feature's outgoing weights: feature selection).
 * Unpenalized tensors (biases, later layers) enter f only.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorProblemLike } from '../types.ts';

/** One parameter tensor. */
export interface TensorParamInfo {
  readonly name: string;
  /** Tensor shape; penalized tensors are 2-D ([rows, cols]; a vector is [p, 1]). */
  readonly shape: readonly number[];
  /** Rows of the [rows, cols] view (the groups of 'group-l1'). */
  readonly rows: number;
  readonly cols: number;
  /** rows·cols. */
  readonly size: number;
  /** Offset in the flat vector. */
  readonly offset: number;
  readonly penalized: boolean;
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
  /** Releases the tensors the problem holds (data, test split). */
  dispose(): void;
}

/** Narrowing helper for code that receives an AnyProblem. */
export function isTensorProblem(p: { engine: string }): p is TensorProblem {
  return p.engine === 'tfjs' && typeof (p as Partial<TensorProblem>).loss === 'function';
}
