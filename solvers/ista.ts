/**
 * ISTA, proximal gradient descent (Daubechies–Defrise–De Mol 2004; Beck–Teboulle 2009):
 *
 *   minimize F(x) = f(x) + λ·Ω(x),   x ← prox_{(s/L)·λΩ}(x − (s/L)·∇f(x)),
 *
 * with L the Lipschitz constant of ∇f (for the lasso f(w) = (1/2n)‖y − Xw‖², L = ‖X‖₂²/n) and
 * s the `step` multiplier (default 1: step 1/L; s < 2 still converges for convex f).
 * Generic over every Float64 datafit with a gradient and a known L and every penalty with a prox
 * (lasso, group lasso, logistic, multinomial). Calls back on x₀ (k = 0), then once per iteration.
 */
import type { Callback, IterateView, Params, RunContext, Solver } from '../problems/types.ts';
import { float64Problem, startingPoint } from './kernels/start.ts';
import { columnPreconditioner, zSpace, type ZSpace } from './kernels/precondition.ts';

/** ISTA in z (x = s ⊙ z, kernels/precondition.ts): z ← prox(z − (step/L_z)·s ⊙ ∇f(x)); callbacks see x. */
function istaZ(zs: ZSpace, lambda: number, step: number, x: Float64Array, callback: Callback): void {
  const t = step / (zs.L > 0 ? zs.L : 1);
  const z = zs.fromX(x, new Float64Array(zs.dim));
  const g = new Float64Array(zs.dim);
  const view: IterateView = { x: () => x };
  if (!callback(view)) return;
  for (;;) {
    zs.gradient(z, g);
    for (let i = 0; i < zs.dim; i++) z[i] = (z[i] as number) - t * (g[i] as number);
    zs.prox(z, t * lambda, z);
    zs.toX(z, x);
    if (!callback(view)) return;
  }
}

export const ista: Solver = {
  name: 'ista',
  description: 'proximal gradient (ISTA): x ← prox_{λΩ/L}(x − ∇f(x)/L), step s/L',
  requires: ['smooth-gradient', 'lipschitz', 'prox', 'float64-engine'],
  params: {
    step: { type: 'number', default: 1, min: 1e-6, max: 1.999, doc: 'step multiplier s: the step is s/L (s < 2 for convergence)' },
    precondition: { type: 'string', default: 'none', choices: ['none', 'columns'], doc: "'columns': iterate on the column-normalized design (x = s ⊙ z, s_j = 1/√(‖X_j‖²/n)) and map back, for badly scaled data" },
  },
  run(anyProblem, params: Params, callback: Callback, ctx: RunContext) {
    const problem = float64Problem(anyProblem, 'ista');
    const { datafit, penalty, lambda, dim } = problem;
    const Lraw = datafit.lipschitz ? datafit.lipschitz() : NaN;
    if (!(Lraw >= 0)) throw new Error('ista needs a Lipschitz constant of ∇f (datafit.lipschitz)');
    // L = 0: ∇f is constant; any step is exact, use 1
    const L = Lraw > 0 ? Lraw : 1;
    const t = (params.step as number) / L;
    const x = startingPoint(dim, ctx, 'ista');
    const g = new Float64Array(dim);
    const z = new Float64Array(dim);
    const P = params.precondition === 'columns' ? columnPreconditioner(problem, L) : null;
    if (P) return istaZ(zSpace(problem, P), lambda, params.step as number, x, callback);
    const view: IterateView = { x: () => x };
    if (!callback(view)) return;
    for (;;) {
      datafit.gradient(x, g);
      // z = x − t·∇f(x)
      for (let i = 0; i < dim; i++) z[i] = (x[i] as number) - t * (g[i] as number);
      penalty.prox(z, t * lambda, x);
      if (!callback(view)) return;
    }
  },
};
