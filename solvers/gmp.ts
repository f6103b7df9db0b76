/**
 * gmp: gradual magnitude pruning (Zhu & Gupta 2017, "To prune, or not to prune") of a dense Adam
 * run; it uses no λ. Every penalized weight tensor W (for compression: every weight matrix) is
 * pruned layer by layer to the sparsity of the cubic schedule
 *
 *   s_t = s_f·(1 − (1 − (t − t₀)/(nΔt))³)   at the pruning steps t = t₀, t₀ + Δt, …, t₀ + nΔt,
 *
 * in minibatch steps t: t₀ = round(pruneStart·T), t₀ + nΔt = round(pruneEnd·T), T = maxIter
 * epochs × steps per epoch, n = pruneSteps, s_f = `sparsity`. A pruning step zeroes the
 * round(s_t·|W|) smallest |w| of each W (ties at the threshold pruned too) and sets W's mask; every
 * Adam step is followed by W ← W ⊙ mask, so pruned weights are exactly 0, and after the last
 * pruning step the masks stay fixed (the remaining steps fine-tune the surviving weights).
 */
import type { AnyProblem, Callback, Params, RunContext, Solver } from '../problems/types.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { UserError } from '../problems/errors.ts';
import { TENSOR_ADAM_PARAMS } from './tensor/params.ts';

/** s_t of the cubic schedule (module comment); 0 before t₀, s_f after t₀ + nΔt. */
export function gmpSparsity(t: number, sf: number, t0: number, n: number, dt: number): number {
  if (t < t0) return 0;
  if (n * dt <= 0 || t >= t0 + n * dt) return sf;
  return sf * (1 - (1 - (t - t0) / (n * dt)) ** 3);
}

/** The pruning steps t₀ + kΔt (k = 0 … n) of a run of `totalSteps` steps, and Δt. */
export function gmpSteps(totalSteps: number, pruneStart: number, pruneEnd: number, n: number): { t0: number; dt: number; steps: number[] } {
  const t0 = Math.round(pruneStart * totalSteps);
  const tEnd = Math.max(t0, Math.round(pruneEnd * totalSteps));
  const dt = n > 0 ? (tEnd - t0) / n : 0;
  const steps = n > 0 ? Array.from({ length: n + 1 }, (_, k) => Math.round(t0 + k * dt)) : [t0];
  return { t0, dt, steps };
}

/** The magnitude below which (inclusive) the round(s·size) smallest |w| of `w` lie; −1 keeps all. */
export function pruneThreshold(w: Float32Array, s: number): number {
  const k = Math.round(s * w.length);
  if (k <= 0) return -1;
  const a = Float32Array.from(w, Math.abs).sort();
  return a[k - 1] as number;
}

export const gmp: Solver = {
  name: 'gmp',
  description: 'gradual magnitude pruning (Zhu & Gupta 2017): dense Adam, cubic sparsity schedule, masks fixed after the last pruning step; no λ (TensorFlow.js)',
  requires: ['tensor-engine', 'sample-mean'],
  ignoresLambda: true,
  params: {
    ...TENSOR_ADAM_PARAMS,
    sparsity: { type: 'number', default: 0.9, min: 0, max: 1, doc: 'final sparsity s_f of every pruned weight matrix' },
    pruneStart: { type: 'number', default: 0.1, min: 0, max: 1, doc: 't₀ as a fraction of the run (maxIter epochs)' },
    pruneEnd: { type: 'number', default: 0.7, min: 0, max: 1, doc: 't₀ + nΔt (last pruning step) as a fraction of the run; after it the masks are fixed' },
    pruneSteps: { type: 'integer', default: 20, min: 0, doc: 'number n of pruning intervals (n + 1 pruning steps)' },
  },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    const tf = await import('@tensorflow/tfjs');
    const { runMinibatchLoop } = await import('./tensor/loop.ts');
    const { plainRule } = await import('./tensor/plain.ts');
    const p = problem as TensorProblem;
    const sf = Number(params['sparsity'] ?? 0.9);
    const start = Number(params['pruneStart'] ?? 0.1);
    const end = Number(params['pruneEnd'] ?? 0.7);
    const n = Math.floor(Number(params['pruneSteps'] ?? 20));
    if (!(sf >= 0 && sf < 1)) throw new UserError(`gmp: sparsity must be in [0, 1), got ${sf}`);
    if (!(end >= start)) throw new UserError(`gmp: pruneEnd (${end}) must be ≥ pruneStart (${start})`);
    const pruned = p.params.map((info, i) => (info.penalty !== 'none' ? i : -1)).filter((i) => i >= 0);
    if (pruned.length === 0) throw new UserError('gmp: the problem has no penalized weight tensor to prune');
    const masks = new Map<number, InstanceType<typeof tf.Variable>>();
    let schedule: ReturnType<typeof gmpSteps> | null = null;
    let target = 0;
    let next = 0;
    const rule = plainRule(p, 'adam', params, ctx, 'gmp', {
      // W ← W ⊙ mask after every step
      post: (i, z) => {
        const m = masks.get(i);
        return m ? tf.mul(z, m) : z;
      },
      before: async (clock) => {
        if (schedule === null) schedule = gmpSteps(ctx.maxIter * clock.stepsPerEpoch, start, end, n);
        if (next >= schedule.steps.length || clock.step < (schedule.steps[next] as number)) return;
        while (next < schedule.steps.length && clock.step >= (schedule.steps[next] as number)) next++;
        target = gmpSparsity(clock.step, sf, schedule.t0, n, schedule.dt);
        for (const i of pruned) {
          const w = rule.vars[i] as InstanceType<typeof tf.Variable>;
          const thr = pruneThreshold((await w.data()) as Float32Array, target);
          const mask = tf.tidy(() => tf.cast(tf.greater(tf.abs(w), thr), 'float32'));
          const old = masks.get(i);
          if (old) {
            old.assign(mask);
            mask.dispose();
          } else {
            masks.set(i, tf.variable(mask, false));
            mask.dispose();
          }
          const m = masks.get(i) as InstanceType<typeof tf.Variable>;
          tf.tidy(() => w.assign(tf.mul(w, m)));
        }
      },
      extras: async () => ({ targetSparsity: target }),
      dispose: () => tf.dispose([...masks.values()]),
    });
    await runMinibatchLoop(p, rule, params, ctx.seed, callback, ctx.asyncCallback);
  },
};
