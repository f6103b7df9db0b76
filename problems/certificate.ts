/**
 * Optimality certificates of an iterate x for F(x) = f(x) + λΩ(x):
 *
 * - duality gap  F(x) − D(θ(x)) (convex GLM datafits, θ the rescaled dual point), and the
 *   relative gap  (F − D) / max(|F|, ε). It is ≥ 0 in exact arithmetic; a negative value is
 *   round-off at the level of F (or a wrong dual) and is recorded as computed, never clamped:
 *   the runner counts |relative gap| ≤ tol as converged;
 * - KKT violation  max_i dist(−∇f(x)_i, λ∂Ω(x̃)_i)  (every problem), where x̃ is x with the
 *   entries (groups) of magnitude ≤ τ set to zero: the subdifferential is taken at the support
 *   the run reports. For exact-zero solvers τ = 0 and x̃ = x; spred's iterates are never exactly
 *   zero, and without τ their inactive entries would show a violation of about λ forever;
 * - support size at a threshold τ.
 */
import type { AnyProblem, Problem } from './types.ts';

export interface Certificate {
  /** F(x) = f(x) + λΩ(x). */
  readonly objective: number;
  /** Duality gap as computed (negative only by round-off), or null when the problem has no dual (non-convex, tensor engine). */
  readonly gap: number | null;
  /** gap / max(|F(x)|, 1e-300), or null. */
  readonly relGap: number | null;
  /** KKT violation. */
  readonly kkt: number;
  /** Support size |{i : |x_i| > τ}| (groups: coordinates of groups with ‖x_g‖ > τ). */
  readonly nnz: number;
  /** Test metric (tensor problems with a test split), else null. */
  readonly testMetric: number | null;
}

/** F(x) for a Float64 problem. */
export function objective(problem: Problem, x: Float64Array): number {
  return problem.datafit.value(x) + problem.lambda * problem.penalty.value(x);
}

/** Relative gap or relative suboptimality: a / max(|b|, 1e-300). */
export function relative(a: number, b: number): number {
  return a / Math.max(Math.abs(b), 1e-300);
}

/** Scratch space reused across certificate evaluations of one run. */
export class Certifier {
  private readonly grad: Float64Array;
  private readonly xt: Float64Array;
  constructor(private readonly problem: AnyProblem, private readonly tau: number) {
    this.grad = new Float64Array(problem.engine === 'float64' ? problem.dim : 0);
    this.xt = new Float64Array(problem.engine === 'float64' && tau > 0 ? problem.dim : 0);
  }

  /** x̃: x with entries (l1) or groups (group-l1) of magnitude ≤ τ set to zero. */
  private thresholded(x: Float64Array): Float64Array {
    const p = this.problem;
    const xt = this.xt;
    xt.set(x);
    const groups = p.engine === 'float64' ? p.penalty.groups : undefined;
    if (!groups) {
      for (let i = 0; i < xt.length; i++) if (Math.abs(xt[i] as number) <= this.tau) xt[i] = 0;
      return xt;
    }
    for (const g of groups) {
      let s = 0;
      for (let k = 0; k < g.length; k++) s += (xt[g[k] as number] as number) ** 2;
      if (Math.sqrt(s) <= this.tau) for (let k = 0; k < g.length; k++) xt[g[k] as number] = 0;
    }
    return xt;
  }

  /**
   * The certificate of x, for any problem: a tensor problem reads its device with `await`
   * (objective, KKT and test metric each evaluate the network once).
   */
  async certifyAsync(x: Float64Array): Promise<Certificate> {
    const p = this.problem;
    if (p.engine !== 'tfjs') return this.certify(x);
    const objective = await p.objective(x);
    const kkt = await p.kkt(x, this.tau);
    return {
      objective,
      gap: null,
      relGap: null,
      kkt,
      nnz: p.support(x, this.tau),
      testMetric: p.testMetric ? await p.testMetric(x) : null,
    };
  }

  /** The certificate of x for a Float64 problem (synchronous; tensor problems: `certifyAsync`). */
  certify(x: Float64Array): Certificate {
    const p = this.problem;
    if (p.engine === 'tfjs') {
      throw new Error('internal: a tensor problem is certified with certifyAsync (its reads are awaited); a tensor solver reports through ctx.asyncCallback');
    }
    const fx = p.datafit.gradient(x, this.grad);
    const F = fx + p.lambda * p.penalty.value(x);
    const kkt = p.penalty.subdiffDistance(this.tau > 0 ? this.thresholded(x) : x, this.grad, p.lambda);
    let gap: number | null = null;
    if (p.datafit.dualValue && p.capabilities.has('convex')) {
      // ≥ 0 in exact arithmetic; a negative round-off value is kept (recorded, not hidden)
      gap = F - p.datafit.dualValue(x, p.lambda, p.penalty);
    }
    return {
      objective: F,
      gap,
      relGap: gap === null ? null : relative(gap, F),
      kkt,
      nnz: p.penalty.support(x, this.tau),
      testMetric: null,
    };
  }
}
