/**
 * prox-adam: Adam on f, then the prox of λΩ in Adam's diagonal metric D = diag(√v̂ + ε)/lr:
 *   z = θ − lr·m̂/(√v̂ + ε)                         (Adam on ∇f_B only; the moments never see λ)
 *   θ ← argmin_θ ½ Σ_i d_i (θ_i − z_i)² + lr·λ Ω(θ),  d = √v̂ + ε   (the exact prox in D):
 *   θ_i ← sign(z_i)·max(|z_i| − lr·λ/d_i, 0)            (elementwise L1),
 *   θ_G ← 0 if ‖d_G ⊙ z_G‖₂ ≤ lr·λ, else θ_i = z_i·r/(r + lr·λ/d_i) with r = ‖θ_G‖₂ the root of
 *         Σ_{i∈G} z_i²/(r + lr·λ/d_i)² = 1              (groups; Newton, solvers/tensor/plain.ts
 *                                                         proxWeighted, after Deleu & Bengio 2021)
 * with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). Exact zeros; unpenalized tensors take the plain Adam step.
 * A zero group stays zero while ‖m̂_G‖ ≤ λ (from θ_G = 0, d ⊙ z = −lr·m̂): the KKT condition of
 * the group on Adam's averaged gradient. (Averaging the threshold lr·λ/d_i over a group instead
 * wipes every row as soon as one coordinate's v̂ is ~0, e.g. a dead hidden unit's column.)
 */
import type { AnyProblem, Callback, Params, RunContext, Solver } from '../problems/types.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import type { Tensor } from '@tensorflow/tfjs';
import { TENSOR_ADAM_PARAMS } from './tensor/params.ts';

export const proxAdam: Solver = {
  name: 'prox-adam',
  description: "Adam on f, then the prox of lr·λΩ in Adam's diagonal metric √v̂ + ε: soft-thresholding by lr·λ/(√v̂ + ε), groups by the weighted group prox (TensorFlow.js)",
  requires: ['tensor-engine', 'sample-mean', 'prox'],
  params: { ...TENSOR_ADAM_PARAMS },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    const { runMinibatchLoop } = await import('./tensor/loop.ts');
    const { plainRule, proxWeighted } = await import('./tensor/plain.ts');
    const p = problem as TensorProblem;
    const lrLambda = Number(params['lr'] ?? TENSOR_ADAM_PARAMS['lr']?.default) * p.lambda;
    const rule = plainRule(p, 'adam', params, ctx, 'prox-adam', {
      // the prox of lr·λΩ in the metric d = √v̂ + ε
      post: (i, z, denom) => {
        const info = p.params[i];
        return info && info.penalty !== 'none' ? proxWeighted(info, z, denom() as Tensor, lrLambda) : z;
      },
    });
    await runMinibatchLoop(p, rule, params, ctx.seed, callback, ctx.asyncCallback);
  },
};
