/**
 * Coordinate descent for penalized GLMs, F(w) = f(w) + λΩ(w) with f(w) = (1/n) Σ_i loss(y_i, x_iᵀw).
 *
 * - Least squares f(w) = (1/2n)‖y − Xw‖² with Ω = ‖w‖₁: cyclic CD with residual updates,
 *   w_j ← S_λ(l_j·w_j + X_jᵀr/n)/l_j, l_j = ‖X_j‖²/n (kernels in ./kernels/cd-quadratic.ts).
 * - Least squares with Ω = Σ_g ‖w_g‖₂: block CD with step 1/L_g, L_g = ‖X_g‖₂²/n, and block
 *   soft-thresholding.
 * - Any other datafit (logistic, multinomial): `cdGlm` from ./kernels/cd-glm.ts.
 *
 * By default epochs follow a glmnet-style working set (`strategy=active`): a full sweep, then
 * sweeps over the nonzero coordinates only until they settle, then a full sweep again; each sweep
 * is one epoch and one callback on the full iterate. `strategy=cyclic` sweeps everything every epoch.
 */
import type { Callback, Params, RunContext, Solver } from '../problems/types.ts';
import { float64Problem } from './kernels/start.ts';
import { runQuadraticCd } from './kernels/cd-quadratic.ts';
import { cdGlm } from './kernels/cd-glm.ts';

export const cd: Solver = {
  name: 'cd',
  description: 'coordinate descent (block CD for group penalties) with residual updates and a glmnet-style working set',
  requires: ['design-matrix', 'convex'],
  params: {
    strategy: { type: 'string', default: 'active', choices: ['active', 'cyclic'], doc: "'active': full sweep, then working-set sweeps over the nonzero coordinates; 'cyclic': full sweeps only" },
    innerRatio: { type: 'number', default: 0.01, min: 0, max: 1, doc: 'working-set sweeps stop once their largest change l_j·Δw_j² ≤ innerRatio × that of the last full sweep' },
    maxInner: { type: 'integer', default: 100, min: 1, doc: 'at most this many working-set epochs between two full sweeps' },
    anderson: { type: 'integer', default: 5, min: 0, max: 50, doc: 'Anderson extrapolation every K epochs, kept only when F decreases (0: off)' },
    glmInnerRatio: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'logistic/multinomial: inner CD sweeps of a Newton step stop once max_j h_j|Δv_j| ≤ glmInnerRatio × KKT violation' },
    glmMaxInner: { type: 'integer', default: 20, min: 1, doc: 'logistic/multinomial: at most this many inner sweeps per proximal-Newton step' },
  },
  run(anyProblem, params: Params, callback: Callback, ctx: RunContext) {
    const problem = float64Problem(anyProblem, 'cd');
    if (problem.datafit.name === 'quadratic') return runQuadraticCd(problem, params, callback, ctx);
    return cdGlm(problem, params, callback, ctx);
  },
};
