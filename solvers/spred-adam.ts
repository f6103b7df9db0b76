/**
 * spred-adam: minimizes g(u, w) = f(u ⊙ w) + (λ/2)(‖u‖² + ‖w‖²) (group variant x_g = u_g·w_g)
 * with Adam (solvers/spred/transform.ts ∘ solvers/optimizers/adam.ts). The L2 term is part of g
 * and its gradient λθ goes through Adam's moments, as PyTorch's Adam(weight_decay = λ) does:
 * not AdamW, whose decoupled decay would not minimize g. The reported iterate is x = u ⊙ w.
 */
import type { AnyProblem, Callback, Params, RunContext, Solver } from '../problems/types.ts';
import { FLOAT64_TAU, INIT_PARAMS, runSpredFloat64 } from './spred/transform.ts';
import { Adam } from './optimizers/adam.ts';

export const spredAdam: Solver = {
  name: 'spred-adam',
  description: 'spred: Adam on f(u⊙w) + (λ/2)(‖u‖²+‖w‖²), L2 through the moments (not AdamW)',
  requires: ['smooth-gradient'],
  defaultTau: FLOAT64_TAU,
  params: {
    ...INIT_PARAMS,
    lr: { type: 'number', default: 0.01, min: 0, doc: 'Adam step size' },
    beta1: { type: 'number', default: 0.9, min: 0, max: 0.999999, doc: 'decay of the first moment' },
    beta2: { type: 'number', default: 0.999, min: 0, max: 0.999999999, doc: 'decay of the second moment' },
    eps: { type: 'number', default: 1e-8, min: 0, doc: 'ε in lr·m̂/(√v̂ + ε)' },
    batchSize: { type: 'integer', default: 0, min: 0, doc: '0 = full batch (one callback per step); > 0 = seeded minibatches of this size (one callback per epoch)' },
  },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    if (problem.engine === 'tfjs') {
      const { runSpredTensor } = await import('./spred/tensor.ts');
      return runSpredTensor(problem as Parameters<typeof runSpredTensor>[0], 'adam', params, callback, ctx);
    }
    const opts = {
      lr: Number(params['lr'] ?? 0.01),
      beta1: Number(params['beta1'] ?? 0.9),
      beta2: Number(params['beta2'] ?? 0.999),
      eps: Number(params['eps'] ?? 1e-8),
      batchSize: Number(params['batchSize'] ?? 0),
    };
    runSpredFloat64(problem, params, callback, ctx, 'spred-adam', (obj, theta0, rng) => new Adam(obj, theta0, opts, rng));
  },
};
