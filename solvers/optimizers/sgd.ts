/**
 * Stochastic gradient descent with heavy-ball momentum, in PyTorch's form (dampening 0):
 *
 *     v ← μ·v + ĝ(θ),     θ ← θ − η_t·v,          (v₀ = 0, so the first step is θ − η₀·ĝ(θ₀))
 *
 * where ĝ is the full gradient (batchSize = 0) or a minibatch estimate. With batchSize > 0 one
 * `step()` is one epoch: a fresh seeded permutation cut into batches, one update per batch.
 *
 * Learning-rate schedules, in the epoch index t = 0, 1, … (the same t for full batch and
 * minibatches, so a schedule means the same thing at any batch size):
 * - `constant`:      η_t = lr;
 * - `inverse-sqrt`:  η_t = lr / √(t + 1);
 * - `step`:          η_t = lr · STEP_FACTOR^⌊t / STEP_EVERY⌋  (halved every 100 epochs).
 *
 * Safeguard (`safeguard`, full batch without momentum only): gradient descent with a step below
 * 2/(the curvature along it) decreases φ at every step, so a step after which φ rose (by more than
 * round-off, SAFEGUARD_SLACK relative, or to a non-finite value) was too long: it is undone and
 * every later step is taken at half the rate (η_t · 2^−h after h such halvings, at most
 * MAX_HALVINGS). Runs whose φ never rises take exactly the unguarded iterates.
 */
import type { Rng } from '../../problems/rng.ts';
import { EpochBatches, requireBatches, type Optimizer, type SmoothObjective } from './types.ts';

export type Schedule = 'constant' | 'inverse-sqrt' | 'step';
export const SCHEDULES: readonly Schedule[] = ['constant', 'inverse-sqrt', 'step'];
/** The `step` schedule multiplies the rate by STEP_FACTOR every STEP_EVERY epochs. */
export const STEP_EVERY = 100;
export const STEP_FACTOR = 0.5;
/** A rise of φ by more than this (relative) counts as a too-long step under the safeguard. */
export const SAFEGUARD_SLACK = 1e-10;
/** Most halvings of the rate the safeguard makes (then a growing φ runs on and diverges). */
export const MAX_HALVINGS = 60;

export interface SgdOptions {
  /** Base learning rate lr > 0. */
  readonly lr: number;
  /** Heavy-ball momentum μ ∈ [0, 1). */
  readonly momentum: number;
  readonly schedule: Schedule;
  /** 0 = full batch; > 0 = minibatches of this size (needs `batchGradient`). */
  readonly batchSize: number;
  /** Undo a step after which φ rose and halve the rate from then on (full batch, momentum 0; see the module comment). */
  readonly safeguard?: boolean;
}

/** η_t for epoch t. */
export function scheduledRate(lr: number, schedule: Schedule, t: number): number {
  switch (schedule) {
    case 'constant':
      return lr;
    case 'inverse-sqrt':
      return lr / Math.sqrt(t + 1);
    case 'step':
      return lr * Math.pow(STEP_FACTOR, Math.floor(t / STEP_EVERY));
  }
}

export class Sgd implements Optimizer {
  readonly theta: Float64Array;
  private readonly grad: Float64Array;
  private readonly velocity: Float64Array;
  private readonly batches: EpochBatches | null = null;
  private readonly batchGrad: ((theta: Float64Array, b: Int32Array, out: Float64Array) => number) | null = null;
  private epoch = 0;
  /** Safeguard state: the point before the last step, its φ and gradient; the halvings so far. */
  private readonly guard: { theta: Float64Array; grad: Float64Array; value: number } | null = null;
  halvings = 0;

  constructor(private readonly obj: SmoothObjective, theta0: Float64Array, private readonly opts: SgdOptions, rng: Rng) {
    this.theta = Float64Array.from(theta0);
    this.grad = new Float64Array(obj.dim);
    this.velocity = new Float64Array(obj.dim);
    if (opts.safeguard && opts.batchSize === 0 && opts.momentum === 0) this.guard = { theta: new Float64Array(obj.dim), grad: new Float64Array(obj.dim), value: NaN };
    if (opts.batchSize > 0) {
      const { n, batch } = requireBatches(obj, opts.batchSize, 'SGD');
      this.batches = new EpochBatches(n, opts.batchSize, rng);
      this.batchGrad = batch;
    }
  }

  get k(): number {
    return this.epoch;
  }

  step(): boolean {
    const eta = scheduledRate(this.opts.lr, this.opts.schedule, this.epoch);
    if (this.batches === null || this.batchGrad === null) {
      const value = this.obj.valueAndGradient(this.theta, this.grad);
      const guard = this.guard;
      if (guard) {
        const rose = this.epoch > 0 && !(value <= guard.value + SAFEGUARD_SLACK * Math.abs(guard.value));
        if (rose && this.halvings < MAX_HALVINGS) {
          // the last step was too long: back to where it started, at half the rate from now on
          this.theta.set(guard.theta);
          this.grad.set(guard.grad);
          this.halvings++;
        } else {
          guard.theta.set(this.theta);
          guard.grad.set(this.grad);
          guard.value = value;
        }
      }
      this.update(eta * 0.5 ** this.halvings);
    } else {
      for (const b of this.batches.shuffle()) {
        this.batchGrad(this.theta, b, this.grad);
        this.update(eta);
      }
    }
    this.epoch++;
    return true;
  }

  private update(eta: number): void {
    const { theta, grad, velocity } = this;
    const mu = this.opts.momentum;
    if (mu === 0) {
      // θ ← θ − η·g
      for (let i = 0; i < theta.length; i++) theta[i] = (theta[i] as number) - eta * (grad[i] as number);
    } else {
      // v ← μ·v + g;  θ ← θ − η·v
      for (let i = 0; i < theta.length; i++) {
        const v = mu * (velocity[i] as number) + (grad[i] as number);
        velocity[i] = v;
        theta[i] = (theta[i] as number) - eta * v;
      }
    }
  }
}
