/**
 * spred-lbfgs: minimizes g(u, w) = f(u ⊙ w) + (λ/2)(‖u‖² + ‖w‖²) (group variant x_g = u_g·w_g)
 * with L-BFGS and a strong-Wolfe line search (solvers/spred/transform.ts ∘
 * solvers/optimizers/lbfgs.ts). Full batch; one callback per L-BFGS iteration (a line search may
 * evaluate g several times: extras.gradEvals counts them). The run ends on its own when the line
 * search cannot decrease g even from steepest descent (round-off level).
 */
import type { AnyProblem, Callback, Params, RunContext, Solver, SolverStop } from '../problems/types.ts';
import { FLOAT64_TAU, INIT_PARAMS, runSpredFloat64 } from './spred/transform.ts';
import { Lbfgs } from './optimizers/lbfgs.ts';

export const spredLbfgs: Solver = {
  name: 'spred-lbfgs',
  description: 'spred: L-BFGS (strong Wolfe line search) on f(u⊙w) + (λ/2)(‖u‖²+‖w‖²)',
  requires: ['smooth-gradient'],
  defaultTau: FLOAT64_TAU,
  params: {
    ...INIT_PARAMS,
    memory: { type: 'integer', default: 10, min: 1, max: 1000, doc: 'number of stored (s, y) pairs' },
  },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<SolverStop | undefined> {
    if (problem.engine === 'tfjs') {
      const { runSpredTensor } = await import('./spred/tensor.ts');
      await runSpredTensor(problem as Parameters<typeof runSpredTensor>[0], 'lbfgs', params, callback, ctx);
      return undefined;
    }
    const memory = Number(params['memory'] ?? 10);
    return runSpredFloat64(problem, params, callback, ctx, 'spred-lbfgs', (obj, theta0) => new Lbfgs(obj, theta0, { memory }));
  },
};
