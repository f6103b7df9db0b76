/**
 * FISTA, accelerated proximal gradient (Beck–Teboulle 2009) with adaptive restart
 * (O'Donoghue–Candès 2015) for F(x) = f(x) + λ·Ω(x):
 *
 *   x_{k+1} = prox_{λΩ/L}(y_k − ∇f(y_k)/L),
 *   t_{k+1} = (1 + √(1 + 4t_k²))/2,   y_{k+1} = x_{k+1} + ((t_k − 1)/t_{k+1})·(x_{k+1} − x_k).
 *
 * Restart (`restart`): 'gradient' resets the momentum (t = 1, y = x_{k+1}) when
 * ⟨y_k − x_{k+1}, x_{k+1} − x_k⟩ > 0; 'function' when F(x_{k+1}) > F(x_k); 'none' never.
 * Step: 1/L with L the datafit's Lipschitz constant (lasso: ‖X‖₂²/n) when it is known and
 * `backtracking` is false; otherwise Beck–Teboulle backtracking: L ← η·L until
 * f(x_{k+1}) ≤ f(y_k) + ⟨∇f(y_k), x_{k+1} − y_k⟩ + (L/2)‖x_{k+1} − y_k‖² (L never decreases).
 * Generic over every Float64 datafit and proximable penalty (lasso, group lasso, logistic,
 * multinomial). Iterations allocate nothing. Calls back on x₀ (k = 0), then once per iteration.
 */
import type { Callback, IterateView, Params, RunContext, Solver } from '../problems/types.ts';
import { float64Problem, startingPoint } from './kernels/start.ts';
import { columnPreconditioner, zSpace } from './kernels/precondition.ts';

export const fista: Solver = {
  name: 'fista',
  description: 'accelerated proximal gradient (FISTA) with adaptive restart and optional backtracking',
  requires: ['smooth-gradient', 'prox', 'float64-engine'],
  params: {
    restart: { type: 'string', default: 'gradient', choices: ['gradient', 'function', 'none'], doc: "adaptive restart scheme (O'Donoghue–Candès)" },
    backtracking: { type: 'boolean', default: false, doc: 'estimate L by backtracking instead of using the known Lipschitz constant (forced when L is unknown)' },
    eta: { type: 'number', default: 2, min: 1.01, max: 100, doc: 'backtracking growth factor of L' },
    precondition: { type: 'string', default: 'none', choices: ['none', 'columns'], doc: "'columns': iterate on the column-normalized design (x = s ⊙ z, s_j = 1/√(‖X_j‖²/n)) and map back, for badly scaled data" },
  },
  run(anyProblem, params: Params, callback: Callback, ctx: RunContext) {
    const problem = float64Problem(anyProblem, 'fista');
    const { lambda, dim } = problem;
    const restart = params.restart as string;
    const eta = params.eta as number;
    const Lf = problem.datafit.lipschitz ? problem.datafit.lipschitz() : NaN;
    // preconditioned: the same iteration on z (x = s ⊙ z), callbacks on x
    const P = params.precondition === 'columns' && Lf > 0 ? columnPreconditioner(problem, Lf) : null;
    const zs = P ? zSpace(problem, P) : null;
    const datafit = zs ? { dim, value: zs.value, gradient: zs.gradient } : problem.datafit;
    const penalty = zs ? { prox: zs.prox, value: zs.penaltyValue } : problem.penalty;
    const known = zs ? zs.L : Lf;
    const backtrack = (params.backtracking as boolean) || !(known > 0);

    let x: Float64Array = startingPoint(dim, ctx, 'fista');
    if (zs) zs.fromX(x, x);
    const xOut = new Float64Array(zs ? dim : 0);
    let xNew: Float64Array = new Float64Array(dim);
    const y = Float64Array.from(x);
    const g = new Float64Array(dim);
    const view: IterateView = { x: () => (zs ? zs.toX(x, xOut) : x) };

    let L = known > 0 ? known : 1;
    if (backtrack) L = secantEstimate(datafit, x, g, xNew);

    // F(x_k), tracked only when function restart needs it
    let Fx = restart === 'function' ? datafit.value(x) + lambda * penalty.value(x) : NaN;
    let t = 1;
    if (!callback(view)) return;
    for (;;) {
      const fy = datafit.gradient(y, g);
      let fNew = NaN;
      for (;;) {
        // x_{k+1} = prox_{λΩ/L}(y − ∇f(y)/L)
        const step = 1 / L;
        for (let i = 0; i < dim; i++) xNew[i] = (y[i] as number) - step * (g[i] as number);
        penalty.prox(xNew, step * lambda, xNew);
        if (!backtrack) break;
        fNew = datafit.value(xNew);
        // Q_L = f(y) + ⟨∇f(y), x₊ − y⟩ + (L/2)‖x₊ − y‖²
        let lin = 0;
        let sq = 0;
        for (let i = 0; i < dim; i++) {
          const d = (xNew[i] as number) - (y[i] as number);
          lin += (g[i] as number) * d;
          sq += d * d;
        }
        const slack = 1e-12 * Math.max(Math.abs(fy), 1e-300);
        if (fNew <= fy + lin + 0.5 * L * sq + slack || !Number.isFinite(fNew) || L > 1e300) break;
        L *= eta;
      }

      let reset = false;
      if (restart === 'gradient') {
        // ⟨y − x₊, x₊ − x⟩ > 0: the momentum points uphill
        let s = 0;
        for (let i = 0; i < dim; i++) s += ((y[i] as number) - (xNew[i] as number)) * ((xNew[i] as number) - (x[i] as number));
        reset = s > 0;
      } else if (restart === 'function') {
        const FNew = (Number.isNaN(fNew) ? datafit.value(xNew) : fNew) + lambda * penalty.value(xNew);
        reset = FNew > Fx;
        Fx = FNew;
      }
      if (reset) {
        t = 1;
        y.set(xNew);
      } else {
        const tNew = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
        const beta = (t - 1) / tNew;
        // y = x₊ + β(x₊ − x)
        for (let i = 0; i < dim; i++) {
          const v = xNew[i] as number;
          y[i] = v + beta * (v - (x[i] as number));
        }
        t = tNew;
      }
      const tmp = x;
      x = xNew;
      xNew = tmp;
      if (!callback(view)) return;
    }
  },
};

/**
 * Starting L for backtracking: the secant curvature ‖∇f(x + δv) − ∇f(x)‖/‖δv‖ along
 * v = ∇f(x) (or e₁ when ∇f(x) = 0), a lower estimate that backtracking then raises as needed.
 * Uses `g` and `tmp` as scratch; allocates one vector once.
 */
function secantEstimate(datafit: { gradient(x: Float64Array, out: Float64Array): number; dim: number }, x: Float64Array, g: Float64Array, tmp: Float64Array): number {
  const dim = datafit.dim;
  datafit.gradient(x, g);
  let gn = 0;
  for (let i = 0; i < dim; i++) gn += (g[i] as number) * (g[i] as number);
  gn = Math.sqrt(gn);
  let xn = 0;
  for (let i = 0; i < dim; i++) xn += (x[i] as number) * (x[i] as number);
  const delta = 1e-4 * Math.max(1, Math.sqrt(xn));
  // tmp = x + δ·v/‖v‖
  for (let i = 0; i < dim; i++) tmp[i] = (x[i] as number) + (gn > 0 ? (delta * (g[i] as number)) / gn : i === 0 ? delta : 0);
  const g2 = new Float64Array(dim);
  datafit.gradient(tmp, g2);
  let dn = 0;
  for (let i = 0; i < dim; i++) {
    const d = (g2[i] as number) - (g[i] as number);
    dn += d * d;
  }
  const est = Math.sqrt(dn) / delta;
  return est > 0 && Number.isFinite(est) ? est : 1;
}
