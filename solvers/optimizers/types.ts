/**
 * Generic smooth optimizers over a Float64 vector θ ∈ R^dim.
 *
 * An optimizer is written once against `SmoothObjective` and knows nothing about L1, spred or
 * datafits: spred builds a smooth objective g(θ) (solvers/spred/transform.ts) and hands it here.
 * Every optimizer is a step machine, so a solver's loop is
 *
 *     while (callback(view) && opt.step()) {}
 *
 * where one `step()` is one iteration (full batch) or one epoch (minibatches).
 */
import type { Rng } from '../../problems/rng.ts';
import { UserError } from '../../problems/errors.ts';

/**
 * A smooth objective φ(θ). When φ(θ) = (1/n) Σ_i φ_i(θ) + r(θ) is a sample mean plus a
 * deterministic regularizer, `batchGradient` gives the minibatch estimate.
 */
export interface SmoothObjective {
  /** Length of θ. */
  readonly dim: number;
  /** Writes ∇φ(θ) into `out` and returns φ(θ). Non-finite θ gives non-finite values, never a throw. */
  valueAndGradient(theta: Float64Array, out: Float64Array): number;
  /** Number of samples n of the sample mean (minibatches). */
  readonly nSamples?: number;
  /**
   * Writes (1/|B|) Σ_{i∈B} ∇φ_i(θ) + ∇r(θ) into `out` and returns (1/|B|) Σ_{i∈B} φ_i(θ) + r(θ).
   * Present only when φ is a sample mean.
   */
  batchGradient?(theta: Float64Array, batch: Int32Array, out: Float64Array): number;
}

/** A stateful optimizer: the current iterate and one step at a time. */
export interface Optimizer {
  /** The current iterate θ_k (a live buffer: callers read it, never write it). */
  readonly theta: Float64Array;
  /** Completed steps (iterations or epochs). */
  readonly k: number;
  /**
   * Advances one iteration (full batch) or one epoch (minibatches). Returns false when the
   * method can make no further progress (L-BFGS: the line search failed from steepest descent);
   * θ is then left unchanged. Never throws on non-finite numbers: NaN/Inf propagate into θ so
   * the harness can record the run as diverged.
   */
  step(): boolean;
}

/**
 * Seeded minibatches over n samples: each epoch is a fresh Fisher–Yates permutation cut into
 * consecutive batches of `batchSize` (the last one smaller when batchSize ∤ n, as PyTorch's
 * DataLoader with drop_last = false).
 */
export class EpochBatches {
  private readonly perm: Int32Array;
  readonly batches: Int32Array[];

  constructor(n: number, batchSize: number, private readonly rng: Rng) {
    this.perm = Int32Array.from({ length: n }, (_, i) => i);
    this.batches = [];
    for (let s = 0; s < n; s += batchSize) this.batches.push(this.perm.subarray(s, Math.min(s + batchSize, n)));
  }

  /** Reshuffles; the batches (views of the permutation) then cover a new random partition. */
  shuffle(): readonly Int32Array[] {
    this.rng.shuffle(this.perm);
    return this.batches;
  }
}

/** Checks that minibatches can be drawn from `obj`, with an error naming the fix. */
export function requireBatches(obj: SmoothObjective, batchSize: number, who: string): { n: number; batch: (theta: Float64Array, b: Int32Array, out: Float64Array) => number } {
  if (!obj.batchGradient || !obj.nSamples) {
    throw new UserError(`${who}: batchSize=${batchSize} needs minibatch gradients, but this objective has none (the datafit has no gradientBatch); use batchSize=0 (full batch)`);
  }
  const bg = obj.batchGradient.bind(obj);
  return { n: obj.nSamples, batch: bg };
}
