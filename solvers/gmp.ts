/**
 * gmp: gradual magnitude pruning (Zhu & Gupta 2017, "To prune, or not to prune") of a dense Adam
 * run; it uses no λ. Every penalized weight tensor W (for compression: every weight matrix) is
 * pruned layer by layer to the sparsity of the cubic schedule
 *
 *   s_t = s_f·(1 − (1 − (t − t₀)/(nΔt))³)   at the pruning steps t = t₀, t₀ + Δt, …, t₀ + nΔt,
 *
 * in minibatch steps t: t₀ = round(pruneStart·T), t₀ + nΔt = round(pruneEnd·T), T = maxIter
 * epochs × steps per epoch, n = pruneSteps, s_f = `sparsity`. A pruning step zeroes the
 * round(s_t·|W|) smallest |w| of each W (`scope=layer`, Zhu & Gupta's rule: every layer at s_t), or
 * the round(s_t·Σ|W|) smallest |w| of all the W together (`scope=global`: one magnitude threshold
 * for every layer, so a small layer such as LeNet's 100→10 output keeps more of its weights — the
 * rule Blalock et al. 2020 and Frankle & Carbin 2019 use at high sparsity; it can empty a whole
 * layer), or by one threshold on the LAMP scores (`scope=lamp`, Lee et al. 2021: within a layer,
 * with |w| sorted ascending, score(w_u) = w_u² / Σ_{v ≥ u} w_v², so each layer's largest weight
 * scores 1 and no layer is emptied; the layers' sparsities adapt as in global pruning), ties at
 * the threshold pruned too, and sets W's mask; every
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

/**
 * LAMP scores (Lee et al. 2021) of one layer's weights: with |w| sorted ascending
 * (w_(1) ≤ … ≤ w_(m)), score(w_(u)) = w_(u)² / Σ_{v ≥ u} w_(v)² (0 for a zero weight, 1 for the
 * largest), in the weights' own order.
 */
export function lampScores(w: Float32Array): Float32Array {
  const order = Array.from(w.keys()).sort((a, b) => Math.abs(w[a] as number) - Math.abs(w[b] as number));
  const out = new Float32Array(w.length);
  let suffix = 0;
  for (let q = order.length - 1; q >= 0; q--) {
    const u = order[q] as number;
    const sq = (w[u] as number) * (w[u] as number);
    suffix += sq;
    out[u] = suffix > 0 ? sq / suffix : 0;
  }
  return out;
}

/** The arrays one after the other. */
function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, a) => s + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
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
    scope: { type: 'string', choices: ['layer', 'global', 'lamp'], default: 'layer', doc: "'layer': every weight matrix pruned to s_t; 'global': one magnitude threshold over all of them (overall sparsity s_t); 'lamp': one threshold over the layer-normalized LAMP scores (overall sparsity s_t, no layer emptied)" },
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
    const scope = String(params['scope'] ?? 'layer');
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
        const values: Float32Array[] = [];
        for (const i of pruned) values.push((await (rule.vars[i] as InstanceType<typeof tf.Variable>).data()) as Float32Array);
        // the pruning scores, |w| or LAMP's; the mask keeps score > threshold (per layer, or one over all)
        const scores = values.map((v) => (scope === 'lamp' ? lampScores(v) : Float32Array.from(v, Math.abs)));
        const sharedThr = scope === 'layer' ? 0 : pruneThreshold(concat(scores), target);
        for (const [q, i] of pruned.entries()) {
          const w = rule.vars[i] as InstanceType<typeof tf.Variable>;
          const score = scores[q] as Float32Array;
          const thr = scope === 'layer' ? pruneThreshold(score, target) : sharedThr;
          const mask = tf.tensor(Float32Array.from(score, (v) => (v > thr ? 1 : 0)), w.shape, 'float32');
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
