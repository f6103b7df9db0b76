/**
 * prox-adam: Adam on f, then the prox of λΩ in Adam's diagonal metric D = diag(√v̂ + ε)/lr:
 *   z = θ − lr·m̂/(√v̂ + ε)                         (Adam on ∇f_B only; the moments never see λ)
 *   θ_i ← sign(z_i)·max(|z_i| − lr·λ/(√v̂_i + ε), 0)   (elementwise L1: the exact prox in D)
 *   θ_G ← z_G·max(1 − t_G/‖z_G‖₂, 0),  t_G = mean_{i∈G} lr·λ/(√v̂_i + ε)   (groups: the metric is
 *                                      averaged over the group, since the prox of a group norm in a
 *                                      non-constant diagonal metric has no closed form)
 * with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). Exact zeros; unpenalized tensors take the plain Adam step.
 */
import type { AnyProblem, Callback, Params, RunContext, Solver } from '../problems/types.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { TENSOR_ADAM_PARAMS } from './tensor/params.ts';

export const proxAdam: Solver = {
  name: 'prox-adam',
  description: "Adam on f, then soft-thresholding by lr·λ/(√v̂ + ε) (the prox in Adam's diagonal metric) (TensorFlow.js)",
  requires: ['tensor-engine', 'sample-mean', 'prox'],
  params: { ...TENSOR_ADAM_PARAMS },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    const tf = await import('@tensorflow/tfjs');
    const { runMinibatchLoop } = await import('./tensor/loop.ts');
    const { plainRule, proxTensor } = await import('./tensor/plain.ts');
    const p = problem as TensorProblem;
    const lrLambda = Number(params['lr'] ?? TENSOR_ADAM_PARAMS['lr']?.default) * p.lambda;
    const rule = plainRule(p, 'adam', params, ctx, 'prox-adam', {
      // threshold t = lr·λ/(√v̂ + ε)
      post: (i, z, denom) => {
        const info = p.params[i];
        return info && info.penalty !== 'none' ? proxTensor(info, z, tf.div(lrLambda, denom)) : z;
      },
    });
    await runMinibatchLoop(p, rule, params, ctx.seed, callback, ctx.asyncCallback);
  },
};
