/**
 * subgrad-adam: the naive L1 — Adam on F = f + λΩ with a subgradient of Ω in place of a gradient,
 *   ĝ = ∇f_B(θ) + λ·s,  s = sign(W) (elementwise L1, sign 0 = 0), s_G = W_G/‖W_G‖₂ (groups, 0 for
 *   a zero group), s = 0 on unpenalized tensors;  θ ← θ − lr·m̂/(√v̂ + ε) on ĝ's moments.
 * Its weights oscillate around 0 (at about lr) instead of reaching it: read its sparsity at
 * several thresholds τ (the protocol does).
 */
import type { AnyProblem, Callback, Params, RunContext, Solver } from '../problems/types.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { TENSOR_ADAM_PARAMS } from './tensor/params.ts';

export const subgradAdam: Solver = {
  name: 'subgrad-adam',
  description: 'naive L1: Adam on f + λΩ with the subgradient sign(θ) (groups: θ_G/‖θ_G‖) (TensorFlow.js)',
  requires: ['tensor-engine', 'sample-mean'],
  params: { ...TENSOR_ADAM_PARAMS },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    const tf = await import('@tensorflow/tfjs');
    const { runMinibatchLoop } = await import('./tensor/loop.ts');
    const { plainRule, subgradTensor } = await import('./tensor/plain.ts');
    const p = problem as TensorProblem;
    const lambda = p.lambda;
    const rule = plainRule(p, 'adam', params, ctx, 'subgrad-adam', {
      // ĝ = g + λ·s(W)
      grad: (i, g, w) => {
        const info = p.params[i];
        return info && info.penalty !== 'none' ? tf.add(g, tf.mul(subgradTensor(info, w), lambda)) : g;
      },
    });
    await runMinibatchLoop(p, rule, params, ctx.seed, callback, ctx.asyncCallback);
  },
};
