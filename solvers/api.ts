/**
 * The library surface of l1bench for solvers written outside this repository (plugins): what a
 * module passed to `--plugin FILE` imports as `from 'l1bench'` (package.json `exports`; type
 * declarations are generated from this file into types/ by `npm run types`, run on install).
 *
 * A plugin exports Solver objects: `name` (the CLI selector), a one-line `description`, the
 * capabilities it `requires` of a problem (CAPABILITIES), a parameter spec, and
 * `run(problem, params, callback, ctx)`, which calls `callback(view)` once per iteration (first on
 * the starting point) and stops when it returns false. The problem is F(x) = f(x) + λ·Ω(x): for
 * the lasso f(w) = (1/2n)‖y − Xw‖², for logistic regression f(w) = (1/n) Σ log(1 + exp(−y_i x_iᵀw)),
 * Ω = Σ|x_i| (l1) or Σ_g ‖x_g‖₂ (group-l1); `problem.penalty.prox(x, t, out)` is prox_{tΩ}.
 */
export type {
  AnyProblem,
  Callback,
  Capability,
  Datafit,
  Design,
  IterateView,
  Matrix,
  ParamSpec,
  ParamValue,
  Params,
  Penalty,
  Problem,
  ProblemMeta,
  RunContext,
  Solver,
  Status,
} from '../problems/types.ts';
export { CAPABILITIES, STATUSES } from '../problems/types.ts';
/** Prox helpers: softThreshold(v, t) = sign(v)·max(|v| − t, 0); l1() and groupL1(groups) penalties (value, prox, subdifferential distance). */
export { groupL1, l1, softThreshold } from '../problems/penalties.ts';
/** float64Problem(problem, name): the Float64 problem or a clear error; startingPoint(dim, ctx, name): zeros or the warm start. */
export { float64Problem, startingPoint } from './kernels/start.ts';
export { dot, infnorm, l1norm, matvec, rmatvec, sqnorm } from '../problems/linalg.ts';
