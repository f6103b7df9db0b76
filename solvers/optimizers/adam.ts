/**
 * Adam (Kingma & Ba, 2015, Algorithm 1), on the full objective's gradient: any L2 term that is
 * part of φ (spred's (λ/2)‖θ‖²) is inside ĝ and goes through the moments. This is NOT AdamW
 * (decoupled weight decay changes the fixed points and does not minimize φ).
 *
 *     t ← t + 1
 *     m ← β₁·m + (1 − β₁)·ĝ,        v ← β₂·v + (1 − β₂)·ĝ²
 *     m̂ = m / (1 − β₁ᵗ),            v̂ = v / (1 − β₂ᵗ)
 *     θ ← θ − lr · m̂ / (√v̂ + ε)
 *
 * t counts updates (one per minibatch). With batchSize > 0 one `step()` is one epoch.
 */
import type { Rng } from '../../problems/rng.ts';
import { EpochBatches, requireBatches, type Optimizer, type SmoothObjective } from './types.ts';

export interface AdamOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** 0 = full batch; > 0 = minibatches of this size (needs `batchGradient`). */
  readonly batchSize: number;
}

export class Adam implements Optimizer {
  readonly theta: Float64Array;
  private readonly grad: Float64Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly batches: EpochBatches | null = null;
  private readonly batchGrad: ((theta: Float64Array, b: Int32Array, out: Float64Array) => number) | null = null;
  private epoch = 0;
  /** Number of Adam updates t (one per batch). */
  private t = 0;
  private b1t = 1;
  private b2t = 1;

  constructor(private readonly obj: SmoothObjective, theta0: Float64Array, private readonly opts: AdamOptions, rng: Rng) {
    this.theta = Float64Array.from(theta0);
    this.grad = new Float64Array(obj.dim);
    this.m = new Float64Array(obj.dim);
    this.v = new Float64Array(obj.dim);
    if (opts.batchSize > 0) {
      const { n, batch } = requireBatches(obj, opts.batchSize, 'Adam');
      this.batches = new EpochBatches(n, opts.batchSize, rng);
      this.batchGrad = batch;
    }
  }

  get k(): number {
    return this.epoch;
  }

  /** Adam updates so far (t in the bias corrections). */
  get updates(): number {
    return this.t;
  }

  step(): boolean {
    if (this.batches === null || this.batchGrad === null) {
      this.obj.valueAndGradient(this.theta, this.grad);
      this.update();
    } else {
      for (const b of this.batches.shuffle()) {
        this.batchGrad(this.theta, b, this.grad);
        this.update();
      }
    }
    this.epoch++;
    return true;
  }

  private update(): void {
    const { theta, grad, m, v } = this;
    const { lr, beta1, beta2, eps } = this.opts;
    this.t++;
    this.b1t *= beta1;
    this.b2t *= beta2;
    const c1 = 1 / (1 - this.b1t);
    const c2 = 1 / (1 - this.b2t);
    // m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      theta[i] = (theta[i] as number) - (lr * mi * c1) / (Math.sqrt(vi * c2) + eps);
    }
  }
}
