/**
 * Coordinate descent for penalized GLMs, F(w) = f(w) + λΩ(w) with f(w) = (1/n) Σ_i loss(y_i, x_iᵀw).
 *
 * - Least squares f(w) = (1/2n)‖y − Xw‖² with Ω = ‖w‖₁: cyclic CD with residual updates,
 *   w_j ← S_λ(l_j·w_j + X_jᵀr/n)/l_j, l_j = ‖X_j‖²/n (kernels in ./kernels/cd-quadratic.ts).
 * - Least squares with Ω = Σ_g ‖w_g‖₂: block CD with step 1/L_g, L_g = ‖X_g‖₂²/n, and block
 *   soft-thresholding.
 * - Any other datafit (logistic, multinomial): `cdGlm` from ./kernels/cd-glm.ts.
 *
 * Least squares epochs (`strategy`; 'auto', the default, is 'workingset' from 500 coordinates or
 * groups up, else 'active'):
 * - 'workingset': celer / skglm working sets ranked by the dual point, max(wsStart, 2·nnz) units,
 *   gap-safe screening, and the strong rule's set on a warm start (paths); for l1 in wasm SIMD
 *   kernels over a copy of X kept for the next solve on the same design, each outer pass over
 *   X's float32 copy with the units that decide the gap recomputed in float64;
 * - 'active' (glmnet-style): a full sweep, then sweeps over the nonzero coordinates only until
 *   they settle, then a full sweep again;
 * - 'cyclic': full sweeps only.
 * Each sweep is one epoch and one callback on the full iterate.
 * `gram=true` (least squares, cyclic / active): gradient updates from cached Gram columns, for n ≫ p.
 */
import type { Callback, Params, RunContext, Solver } from '../problems/types.ts';
import { float64Problem } from './kernels/start.ts';
import { runQuadraticCd } from './kernels/cd-quadratic.ts';
import { cdGlm } from './kernels/cd-glm.ts';

export const cd: Solver = {
  name: 'cd',
  description: 'coordinate descent (block CD for group penalties) with residual updates, gap-ranked working sets and gap-safe screening (least squares)',
  requires: ['design-matrix', 'convex'],
  params: {
    strategy: { type: 'string', default: 'auto', choices: ['auto', 'workingset', 'active', 'cyclic'], doc: "least squares (logistic/multinomial always run their proximal-Newton CD, kernels/cd-glm.ts): 'auto': 'workingset' from 500 coordinates (groups) up, else 'active'; 'workingset': working sets grown by the duality gap with gap-safe screening (celer / skglm), the strong rule on a warm start; 'active': full sweep, then sweeps over the nonzero coordinates (glmnet-style); 'cyclic': full sweeps only" },
    innerRatio: { type: 'number', default: 0.01, min: 0, max: 1, doc: 'working-set sweeps stop once their largest change l_j·Δw_j² ≤ innerRatio × that of the last full sweep' },
    maxInner: { type: 'integer', default: 100, min: 1, doc: 'at most this many working-set epochs between two full sweeps (or outer iterations)' },
    wsStart: { type: 'integer', default: 10, min: 1, doc: "'workingset': size (coordinates or groups) of the first working set from a cold start; later ones hold max(wsStart, 2·nnz)" },
    wsInnerRatio: { type: 'number', default: 0.3, min: 0, max: 1, doc: "'workingset': the inner solve stops once the restricted problem's duality gap ≤ wsInnerRatio × the last outer gap" },
    gram: { type: 'boolean', default: false, doc: "least squares, 'cyclic'/'active': keep q = Xᵀr/n and update it from cached Gram columns Xᵀx_j/n (O(p) per move instead of O(n); each column costs O(np) once, so it pays for n ≫ p and many epochs)" },
    screen: { type: 'boolean', default: true, doc: "'workingset': gap-safe screening (a unit with s·‖X_uᵀr‖/n + √(2·L_u·gap) < λ is zero at the optimum and discarded)" },
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
