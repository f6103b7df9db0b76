/**
 * First-order update rules on tf variables, shared by every tensor method (spred-*, prox-*,
 * subgrad-adam, gmp, dense). Each `apply` runs inside the loop's tf.tidy.
 *
 * Adam (Kingma & Ba, Algorithm 1), constants explicit (defaults ADAM_DEFAULTS):
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  m̂ = m/(1−β₁ᵗ),  v̂ = v/(1−β₂ᵗ),
 *   z = x − lr·m̂/(√v̂ + ε),  x ← post(z, √v̂ + ε) (post = identity for plain Adam).
 * `post` lets a method finish the step in Adam's diagonal metric D = (√v̂ + ε)/lr: prox-adam
 * soft-thresholds z by lr·λ/(√v̂ + ε), gmp multiplies by its masks.
 *
 * SGD with heavy-ball momentum in PyTorch's form: b ← μb + g, z = x − η_t b (η_t by schedule and
 * epoch, solvers/optimizers/sgd.ts), x ← post(z, η_t).
 *
 * Adam runs fused on the wasm backend (solvers/tensor/fused.ts: one SIMD pass per tensor instead
 * of ~13 tfjs ops, bit for bit the same values), `post` then applied to the fused z with
 * √v̂ + ε formed only if the method asks for it; elsewhere op by op. So prox-adam and gmp pay
 * for their own step only, not for an unfused Adam the dense and spred baselines do not pay.
 */
import * as tf from '@tensorflow/tfjs';
import type { Params } from '../../problems/types.ts';
import { UserError } from '../../problems/errors.ts';
import { scheduledRate, SCHEDULES, type Schedule } from '../optimizers/sgd.ts';
import { num, str, type StepClock } from './loop.ts';
import { fusedAdamStep, fusedAvailable, type AdamStepConstants } from './fused.ts';

/** Adam's constants when a run gives none. */
export const ADAM_DEFAULTS = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/**
 * Finishes the step of variable i: z is the plain update, `scale()` the per-coordinate (Adam:
 * √v̂ + ε tensor) or scalar (SGD: η_t) quantity the method needs (formed when called); returns
 * the new value (z itself: unchanged).
 */
export type PostStep = (i: number, z: tf.Tensor, scale: () => tf.Tensor | number) => tf.Tensor;

export interface TensorStepper {
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], clock: StepClock, post?: PostStep): void;
  dispose(): void;
}

export class TensorAdam implements TensorStepper {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  private b1t = 1;
  private b2t = 1;
  constructor(
    vars: readonly tf.Variable[],
    readonly lr: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly eps: number,
  ) {
    this.m = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
  }
  /** Advances t and returns this step's constants (s = lr/(1−β₁ᵗ), c₂ = 1/(1−β₂ᵗ)). */
  nextStep(): AdamStepConstants {
    this.t++;
    this.b1t *= this.beta1;
    this.b2t *= this.beta2;
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, step: this.lr / (1 - this.b1t), c2: 1 / (1 - this.b2t) };
  }
  /** The moments (m, v) of variable i. */
  moments(i: number): readonly [tf.Variable, tf.Variable] {
    return [this.m[i] as tf.Variable, this.v[i] as tf.Variable];
  }
  /**
   * One step of every variable. On a backend with the fused kernel (solvers/tensor/fused.ts),
   * each variable's Adam update is one pass (the same float32 result), then `post` on it.
   */
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], _clock: StepClock, post?: PostStep): void {
    const c = this.nextStep();
    const fused = fusedAvailable();
    const { beta1, beta2, eps, step, c2 } = c;
    tf.tidy(() => {
      vars.forEach((x, i) => {
        const g = grads[i] as tf.Tensor;
        const m = this.m[i] as tf.Variable;
        const v = this.v[i] as tf.Variable;
        // √v̂ + ε from the updated v, the same ops (and bits) as the op-by-op form's
        const denomOf = (): tf.Tensor => tf.add(tf.sqrt(tf.mul(v, c2)), eps);
        if (fused) {
          // x ← z in one pass (m, v updated), then the method's own finish on it
          fusedAdamStep(x, g, m, v, c);
          if (post) {
            const out = post(i, x, denomOf);
            if (out !== x) x.assign(out);
          }
          return;
        }
        // m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  z = x − lr/(1−β₁ᵗ) · m / (√(v/(1−β₂ᵗ)) + ε)
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = denomOf();
        const z = tf.sub(x, tf.div(tf.mul(m, step), denom));
        x.assign(post ? post(i, z, () => denom) : z);
      });
    });
  }
  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

export class TensorSgd implements TensorStepper {
  private readonly buf: tf.Variable[] | null;
  constructor(
    vars: readonly tf.Variable[],
    readonly lr: number,
    readonly momentum: number,
    readonly schedule: Schedule,
  ) {
    this.buf = momentum > 0 ? tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false))) : null;
  }
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], clock: StepClock, post?: PostStep): void {
    const eta = scheduledRate(this.lr, this.schedule, clock.epoch);
    tf.tidy(() => {
      vars.forEach((x, i) => {
        const g = grads[i] as tf.Tensor;
        let z: tf.Tensor;
        if (this.buf === null) {
          // z = x − η g
          z = tf.sub(x, tf.mul(g, eta));
        } else {
          const b = this.buf[i] as tf.Variable;
          // b ← μb + g;  z = x − η b
          b.assign(tf.add(tf.mul(b, this.momentum), g));
          z = tf.sub(x, tf.mul(b, eta));
        }
        x.assign(post ? post(i, z, () => eta) : z);
      });
    });
  }
  dispose(): void {
    if (this.buf) tf.dispose(this.buf);
  }
}

/** The stepper of `method` from a run's parameters (lr, beta1, beta2, eps | lr, momentum, schedule). */
export function makeStepper(method: 'sgd' | 'adam', vars: readonly tf.Variable[], params: Params, who: string): TensorStepper {
  const lr = num(params, 'lr', method === 'adam' ? ADAM_DEFAULTS.lr : 1e-2);
  if (!(lr > 0)) throw new UserError(`${who}: lr must be positive, got ${lr}`);
  if (method === 'adam') {
    return new TensorAdam(vars, lr, num(params, 'beta1', ADAM_DEFAULTS.beta1), num(params, 'beta2', ADAM_DEFAULTS.beta2), num(params, 'eps', ADAM_DEFAULTS.eps));
  }
  const schedule = str(params, 'schedule', 'constant');
  if (!(SCHEDULES as readonly string[]).includes(schedule)) throw new UserError(`${who}: schedule must be one of ${SCHEDULES.join(', ')}, got '${schedule}'`);
  return new TensorSgd(vars, lr, num(params, 'momentum', 0), schedule as Schedule);
}

/** tf variables holding x (flat, the problem's layout) in the problem's tensors. */
export function variablesFrom(toTensors: (x: Float64Array) => tf.Tensor[], x: Float64Array): tf.Variable[] {
  const init = toTensors(x);
  const vars = init.map((t) => tf.variable(t, true));
  tf.dispose(init);
  return vars;
}
