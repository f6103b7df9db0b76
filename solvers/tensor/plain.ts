/**
 * The step rule of the methods that train the network's parameters θ themselves (dense,
 * subgrad-adam, prox-sgd, prox-adam, gmp; the fine-tune of the protocol): tf variables θ from
 * ctx.x0 or the problem's default initialization (seed ctx.seed), each step
 *
 *     g = ∇f_B(θ) (+ a method's extra term),   θ ← post(stepper(θ, g)),
 *
 * plus the penalty's proximal and subgradient maps on tensors, shared by those methods.
 */
import * as tf from '@tensorflow/tfjs';
import type { Params, RunContext } from '../../problems/types.ts';
import type { TensorParamInfo, TensorProblem } from '../../problems/tensor/types.ts';
import { UserError } from '../../problems/errors.ts';
import type { StepClock, StepRule } from './loop.ts';
import { makeStepper, variablesFrom, type PostStep, type TensorStepper } from './optim.ts';

export interface PlainHooks {
  /** The gradient to step on for tensor i, from g = ∇_i f (default: g). Inside tf.tidy. */
  readonly grad?: (i: number, g: tf.Tensor, w: tf.Variable) => tf.Tensor;
  /** Finishes each step (prox, mask). */
  readonly post?: PostStep;
  readonly before?: (clock: StepClock) => Promise<void>;
  readonly extras?: () => Promise<Record<string, number>>;
  /** Releases what the hooks hold. */
  readonly dispose?: () => void;
}

/** The plain rule (module comment) with `method`'s stepper. */
export function plainRule(problem: TensorProblem, method: 'sgd' | 'adam', params: Params, ctx: RunContext, who: string, hooks: PlainHooks = {}): StepRule & { readonly vars: readonly tf.Variable[]; readonly stepper: TensorStepper } {
  if (ctx.x0 && ctx.x0.length !== problem.dim) throw new UserError(`${who}: warm start x0 has length ${ctx.x0.length}, the problem has ${problem.dim} parameters`);
  const vars = variablesFrom(problem.toTensors, ctx.x0 ?? problem.initialParams(ctx.seed));
  const stepper = makeStepper(method, vars, params, who);
  return {
    vars,
    stepper,
    current: () => [...vars],
    step(batch, clock) {
      const gs = tf.grads((...p: tf.Tensor[]) => problem.loss(p, batch))(vars);
      const grads = hooks.grad ? gs.map((g, i) => (hooks.grad as NonNullable<PlainHooks['grad']>)(i, g, vars[i] as tf.Variable)) : gs;
      stepper.apply(vars, grads, clock, hooks.post);
    },
    ...(hooks.before ? { before: hooks.before } : {}),
    ...(hooks.extras ? { extras: hooks.extras } : {}),
    dispose() {
      hooks.dispose?.();
      stepper.dispose();
      tf.dispose(vars);
    },
  };
}

/** W viewed as [rows, cols] and the axis along which its groups run (null for 'l1'/'none'). */
function groupAxis(info: TensorParamInfo): 0 | 1 | null {
  return info.penalty === 'rows' ? 1 : info.penalty === 'columns' ? 0 : null;
}

/**
 * prox_{tΩ_T}(z) for tensor `info`, t a per-coordinate tensor or a scalar:
 *   'l1':     S_t(z) = sign(z)·max(|z| − t, 0);
 *   groups:   z_G·max(1 − t_G/‖z_G‖, 0), t_G = mean of t over G (exact when t is constant on G,
 *             as in prox-sgd; a diagonal metric on groups is proxWeighted's);
 *   'none':   z.
 */
export function proxTensor(info: TensorParamInfo, z: tf.Tensor, t: tf.Tensor | number): tf.Tensor {
  if (info.penalty === 'none') return z;
  if (info.penalty === 'l1') return tf.mul(tf.sign(z), tf.relu(tf.sub(tf.abs(z), t)));
  const axis = groupAxis(info) as 0 | 1;
  const z2 = z.reshape([info.rows, info.cols]);
  const norm = tf.sqrt(tf.sum(tf.square(z2), axis, true));
  const tg = typeof t === 'number' ? t : tf.mean(t.reshape([info.rows, info.cols]), axis, true);
  // max(1 − t_G/‖z_G‖, 0) = relu(‖z_G‖ − t_G)/max(‖z_G‖, 1e-30)
  const factor = tf.div(tf.relu(tf.sub(norm, tg)), tf.maximum(norm, 1e-30));
  return tf.mul(z2, factor).reshape([...info.shape]);
}

/** A subgradient s ∈ ∂Ω_T(w): sign(w) ('l1', sign 0 = 0), w_G/‖w_G‖ (groups, 0 for a zero group), 0 ('none'). */
export function subgradTensor(info: TensorParamInfo, w: tf.Tensor): tf.Tensor {
  if (info.penalty === 'l1') return tf.sign(w);
  const axis = groupAxis(info);
  if (axis === null) return tf.zerosLike(w);
  const w2 = w.reshape([info.rows, info.cols]);
  // w_G / max(‖w_G‖, 1e-30) (tf.divNoNan is ~100× slower on wasm)
  return tf.div(w2, tf.maximum(tf.sqrt(tf.sum(tf.square(w2), axis, true)), 1e-30)).reshape([...info.shape]);
}

/** Newton steps of the group prox in a diagonal metric (proxWeighted; the test measures 2e-6 relative to bisection with 4–5). */
export const WEIGHTED_PROX_NEWTON_STEPS = 5;

/**
 * The prox of tΩ_T in the diagonal metric diag(d) (d > 0 per coordinate, t a scalar):
 *   x = argmin_x ½ Σ_i d_i (x_i − z_i)² + t Ω_T(x).
 *   'l1':   x_i = S_{t/d_i}(z_i) (separable: proxTensor with the per-coordinate threshold t/d);
 *   groups: x_G = 0 when ‖d_G ⊙ z_G‖₂ ≤ t; otherwise stationarity d_i(x_i − z_i) + t x_i/‖x_G‖ = 0
 *           gives x_i = z_i · r/(r + t/d_i), r = ‖x_G‖₂ the root of
 *             φ(r) = Σ_{i∈G} z_i²/(r + t/d_i)² − 1        (decreasing and convex in r ≥ 0),
 *           found by WEIGHTED_PROX_NEWTON_STEPS Newton steps r ← r + φ(r)/(2 Σ_i z_i²/(r + t/d_i)³)
 *           from r₀ = max(‖d_G ⊙ z_G‖ − t, 0)/max_{i∈G} d_i, a lower bound of the root (so the
 *           iterates increase monotonically to it; r₀ = 0 stays 0 for a zeroed group).
 * The weighted group prox and its Newton root-finding are those of Deleu & Bengio, "Structured
 * Sparsity Inducing Adaptive Optimizers for Deep Learning" (arXiv 2102.03869, 2021), who use it
 * for proximal Adam with d = √v̂ + ε. A fixed step count keeps it free of synchronous reads.
 */
export function proxWeighted(info: TensorParamInfo, z: tf.Tensor, d: tf.Tensor, t: number): tf.Tensor {
  if (info.penalty === 'none') return z;
  if (info.penalty === 'l1') return proxTensor(info, z, tf.div(t, d));
  const axis = groupAxis(info) as 0 | 1;
  const z2 = z.reshape([info.rows, info.cols]);
  const d2 = d.reshape([info.rows, info.cols]);
  const zsq = tf.square(z2);
  // a_i = t/d_i;  r₀ = max(‖d ⊙ z‖ − t, 0)/max d
  const a = tf.div(t, d2);
  let r = tf.div(tf.relu(tf.sub(tf.sqrt(tf.sum(tf.square(tf.mul(d2, z2)), axis, true)), t)), tf.max(d2, axis, true));
  for (let k = 0; k < WEIGHTED_PROX_NEWTON_STEPS; k++) {
    const den = tf.add(r, a);
    const q = tf.div(zsq, tf.square(den));
    // φ = Σ q − 1,  −φ'/2 = Σ q/den;  r ← max(r + φ/(−φ'), 0)
    const phi = tf.sub(tf.sum(q, axis, true), 1);
    const slope = tf.maximum(tf.mul(tf.sum(tf.div(q, den), axis, true), 2), 1e-30);
    r = tf.relu(tf.add(r, tf.div(phi, slope)));
  }
  // x_i = z_i · r/(r + t/d_i)
  return tf.mul(z2, tf.div(r, tf.add(r, a))).reshape([...info.shape]);
}
