/**
 * A solver of your own, in TypeScript: a plugin module for `l1bench … --plugin my-solver.ts`
 * (or `"plugins": ["my-solver.ts"]` in a plan), the same contract as l1bench's built-in solvers.
 *
 * Proximal gradient (ISTA) on F(x) = f(x) + λ·Ω(x):  x ← prox_{(s/L)·λΩ}(x − (s/L)·∇f(x)),
 * with L the Lipschitz constant of ∇f (lasso f(w) = (1/2n)‖y − Xw‖², L = ‖X‖₂²/n; logistic
 * f(w) = (1/n) Σ log(1 + exp(−y_i x_iᵀw)), L = ‖X‖₂²/(4n)) and Ω = Σ|x_i| or Σ_g ‖x_g‖₂, whose
 * prox the problem provides. The harness owns the clock and the stopping rule: call back once per
 * iteration (first on the starting point) and return when the callback says false. Check it with
 * `l1bench test-solver my-solver.ts` (optimality by the duality gap, determinism, warm start).
 */
// Type-only imports: the file runs wherever it is, with or without l1bench installed beside it
// (`npm install /path/to/l1bench` lets tsc check it, and gives helpers such as softThreshold).
import type { AnyProblem, Callback, IterateView, Params, RunContext, Solver } from 'l1bench';

export const mySolver: Solver = {
  name: 'my-solver',
  description: 'my proximal gradient (ISTA), step s/L',
  // what the problem must offer; a problem without them is recorded `skipped`, never crashes
  requires: ['smooth-gradient', 'lipschitz', 'prox', 'float64-engine'],
  params: {
    step: { type: 'number', default: 1, min: 1e-6, max: 1.999, doc: 'step multiplier s: the step is s/L (s < 2 converges)' },
  },
  run(anyProblem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): void {
    if (anyProblem.engine !== 'float64') throw new Error('my-solver runs on Float64 problems only');
    const { datafit, penalty, lambda, dim } = anyProblem;
    const L = datafit.lipschitz ? datafit.lipschitz() : NaN;
    if (!(L >= 0)) throw new Error('my-solver needs a Lipschitz constant of ∇f');
    const t = (params['step'] as number) / (L > 0 ? L : 1);
    const x = ctx.x0 ? ctx.x0.slice() : new Float64Array(dim); // zeros, or the warm start
    const g = new Float64Array(dim);
    const view: IterateView = { x: () => x };
    if (!callback(view)) return;
    for (;;) {
      datafit.gradient(x, g);
      // x ← prox_{tλΩ}(x − t·∇f(x))
      for (let i = 0; i < dim; i++) x[i] = (x[i] as number) - t * (g[i] as number);
      penalty.prox(x, t * lambda, x);
      if (!callback(view)) return;
    }
  },
};
