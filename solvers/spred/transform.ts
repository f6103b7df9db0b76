/**
 * spred (Ziyin & Wang, "spred: Solving L1 Penalty with SGD", ICML 2023) as a transform: it turns
 * a Float64 problem F(x) = f(x) + λΩ(x) into a smooth objective over θ = (u, w) that the generic
 * optimizers (solvers/optimizers/*) minimize.
 *
 * Elementwise L1 (Ω = ‖·‖₁), x = u ⊙ w, κ = λ/2:
 *
 *     g(u, w) = f(u ⊙ w) + (λ/2)(‖u‖² + ‖w‖²),
 *     ∇_u g = ∇f(x) ⊙ w + λu,     ∇_w g = ∇f(x) ⊙ u + λw.
 *
 * Since u² + w² ≥ 2|uw| with equality iff |u| = |w|, min over factorizations u ⊙ w = x of
 * (λ/2)(‖u‖² + ‖w‖²) is λ‖x‖₁, attained at the balanced split; so min g = min F and every local
 * minimum of g is balanced.
 *
 * Group L1 (Ω = Σ_g ‖x_g‖₂): one scalar u_g per group and a full vector w, x_i = u_{g(i)}·w_i,
 *
 *     g(u, w) = f(x) + (λ/2)(Σ_g u_g² + ‖w‖²),
 *     ∇_{u_g} g = Σ_{i∈g} ∂f/∂x_i · w_i + λu_g,     ∇_{w_i} g = ∂f/∂x_i · u_{g(i)} + λw_i,
 *
 * whose minimum over factorizations of x is λ Σ_g ‖x_g‖₂ (u_g² = ‖w_g‖² = ‖x_g‖: Theorem 4).
 * The elementwise case is the group case with singleton groups, and is computed that way.
 * A coordinate in no group (possible only if a penalty leaves it out) is unpenalized and not
 * reparametrized: x_i = w_i with no L2 term on it.
 *
 * Layout of θ: [u (m entries: p for l1, #groups for group-l1) ; w (p entries)].
 * The penalty is the full (λ/2)‖θ‖² on every step, minibatch or not; only f is sampled.
 */
import type { Callback, IterateView, Params, ParamSpec, Problem, RunContext, SolverStop } from '../../problems/types.ts';
import { Rng } from '../../problems/rng.ts';
import { UserError } from '../../problems/errors.ts';
import type { Optimizer, SmoothObjective } from '../optimizers/types.ts';

/** Which u factor scales each coordinate of x. */
export interface SpredLayout {
  /** Number of coordinates of x. */
  readonly p: number;
  /** Number of u factors. */
  readonly m: number;
  /** owner[i] = index of the u factor of x_i (x_i = u_{owner[i]}·w_i), or −1 when x_i = w_i unpenalized. */
  readonly owner: Int32Array;
  /** Whether any coordinate is unpenalized (owner −1). */
  readonly hasFree: boolean;
}

/** The layout of a problem's penalty: singletons for 'l1', one u per group for 'group-l1'. */
export function layoutOf(problem: Pick<Problem, 'penalty' | 'dim'>): SpredLayout {
  const p = problem.dim;
  const pen = problem.penalty;
  if (pen.name === 'l1') return { p, m: p, owner: Int32Array.from({ length: p }, (_, i) => i), hasFree: false };
  if (pen.name === 'group-l1') {
    const groups = pen.groups;
    if (!groups) throw new Error('spred: group-l1 penalty without groups');
    const owner = new Int32Array(p).fill(-1);
    groups.forEach((g, gi) => {
      for (let k = 0; k < g.length; k++) owner[g[k] as number] = gi;
    });
    return { p, m: groups.length, owner, hasFree: owner.includes(-1) };
  }
  throw new Error(`spred: unsupported penalty '${String((pen as { name: string }).name)}'`);
}

/** out = x = u_{owner} ⊙ w (the primal iterate of θ). */
export function product(layout: SpredLayout, theta: Float64Array, out: Float64Array): Float64Array {
  const { p, m, owner } = layout;
  // x_i = u_{owner(i)} · w_i   (x_i = w_i when unpenalized)
  for (let i = 0; i < p; i++) {
    const o = owner[i] as number;
    const wi = theta[m + i] as number;
    out[i] = o < 0 ? wi : (theta[o] as number) * wi;
  }
  return out;
}

/**
 * Imbalance max_g |u_g² − ‖w_g‖²| (l1: max_i |u_i² − w_i²|); zero at every local minimum of g.
 * `scratch` (length m) is overwritten.
 */
export function imbalance(layout: SpredLayout, theta: Float64Array, scratch: Float64Array = new Float64Array(layout.m)): number {
  const { p, m, owner } = layout;
  scratch.fill(0);
  // scratch_g = ‖w_g‖²
  for (let i = 0; i < p; i++) {
    const o = owner[i] as number;
    if (o >= 0) scratch[o] = (scratch[o] as number) + (theta[m + i] as number) ** 2;
  }
  let worst = 0;
  for (let g = 0; g < m; g++) {
    const d = Math.abs((theta[g] as number) ** 2 - (scratch[g] as number));
    if (!(d <= worst)) worst = d; // NaN propagates
  }
  return worst;
}

/** (1/2)(Σ_g u_g² + Σ_{penalized i} w_i²): g's penalty is λ times this. */
export function halfSquaredNorm(layout: SpredLayout, theta: Float64Array): number {
  const { p, m, owner } = layout;
  let s = 0;
  for (let g = 0; g < m; g++) s += (theta[g] as number) ** 2;
  for (let i = 0; i < p; i++) if ((owner[i] as number) >= 0) s += (theta[m + i] as number) ** 2;
  return s / 2;
}

/** Independent random factors: every u_g and w_i drawn N(0, scale²) (u first, then w). */
export function initRandom(layout: SpredLayout, rng: Rng, scale: number): Float64Array {
  const theta = new Float64Array(layout.m + layout.p);
  for (let j = 0; j < theta.length; j++) theta[j] = scale * rng.normal();
  return theta;
}

/**
 * Balanced split of x₀: u_g = √‖x₀_g‖, w_g = x₀_g / √‖x₀_g‖ (l1: u = √|x₀|, w = sign(x₀)√|x₀|),
 * so u ⊙ w = x₀ and the imbalance is 0. A group with x₀_g = 0 would sit on the saddle
 * u_g = w_g = 0 (its gradient vanishes, it could never become active); it gets u_g = scale,
 * w_g = 0 instead, which keeps u ⊙ w = x₀ exactly and has ∇_{w_g} g = u_g·∇_{x_g} f ≠ 0.
 * Unpenalized coordinates get w_i = x₀_i.
 */
export function initBalanced(layout: SpredLayout, x0: Float64Array, scale: number): Float64Array {
  const { p, m, owner } = layout;
  const theta = new Float64Array(m + p);
  const norms = new Float64Array(m);
  for (let i = 0; i < p; i++) {
    const o = owner[i] as number;
    if (o >= 0) norms[o] = (norms[o] as number) + (x0[i] as number) ** 2;
  }
  for (let g = 0; g < m; g++) {
    const nrm = Math.sqrt(norms[g] as number);
    norms[g] = nrm;
    theta[g] = nrm > 0 ? Math.sqrt(nrm) : scale;
  }
  for (let i = 0; i < p; i++) {
    const o = owner[i] as number;
    const xi = x0[i] as number;
    if (o < 0) theta[m + i] = xi;
    else {
      const nrm = norms[o] as number;
      theta[m + i] = nrm > 0 ? xi / Math.sqrt(nrm) : 0;
    }
  }
  return theta;
}

/**
 * The smooth objective g(θ) of a Float64 problem (see the module comment). Counts gradient
 * evaluations in full-gradient equivalents (a minibatch B counts |B|/n).
 */
export class SpredObjective implements SmoothObjective {
  readonly dim: number;
  readonly layout: SpredLayout;
  readonly lambda: number;
  readonly nSamples: number;
  /** Present when the datafit has minibatch gradients. */
  readonly batchGradient?: (theta: Float64Array, batch: Int32Array, out: Float64Array) => number;
  /** Gradient evaluations so far, in full-gradient equivalents. */
  gradEvals = 0;
  private readonly x: Float64Array;
  private readonly gx: Float64Array;

  constructor(readonly problem: Problem) {
    this.layout = layoutOf(problem);
    this.dim = this.layout.m + this.layout.p;
    this.lambda = problem.lambda;
    this.nSamples = problem.datafit.nSamples;
    this.x = new Float64Array(this.layout.p);
    this.gx = new Float64Array(this.layout.p);
    const df = problem.datafit;
    if (df.gradientBatch) {
      const gb = df.gradientBatch.bind(df);
      this.batchGradient = (theta, batch, out) => {
        this.gradEvals += batch.length / this.nSamples;
        product(this.layout, theta, this.x);
        const fx = gb(this.x, batch, this.gx);
        return this.assemble(fx, theta, out);
      };
    }
  }

  /** g(θ) and ∇g(θ) into `out`. */
  valueAndGradient(theta: Float64Array, out: Float64Array): number {
    this.gradEvals++;
    product(this.layout, theta, this.x);
    const fx = this.problem.datafit.gradient(this.x, this.gx);
    return this.assemble(fx, theta, out);
  }

  /** g(θ) without the gradient. */
  value(theta: Float64Array): number {
    product(this.layout, theta, this.x);
    return this.problem.datafit.value(this.x) + this.lambda * halfSquaredNorm(this.layout, theta);
  }

  /** ∇g from ∇f(x) in `gx`; returns f + (λ/2)(‖u‖² + ‖w‖²). */
  private assemble(fx: number, theta: Float64Array, out: Float64Array): number {
    const { p, m, owner } = this.layout;
    const lam = this.lambda;
    const gx = this.gx;
    let sq = 0;
    // ∇_u = λu (the Σ_{i∈g} ∂f/∂x_i·w_i part is added below)
    for (let g = 0; g < m; g++) {
      const ug = theta[g] as number;
      out[g] = lam * ug;
      sq += ug * ug;
    }
    // ∇_{u_g} += ∂f/∂x_i · w_i;  ∇_{w_i} = ∂f/∂x_i · u_g + λw_i   (i ∈ g)
    for (let i = 0; i < p; i++) {
      const o = owner[i] as number;
      const gi = gx[i] as number;
      const wi = theta[m + i] as number;
      if (o < 0) {
        out[m + i] = gi;
      } else {
        out[o] = (out[o] as number) + gi * wi;
        out[m + i] = gi * (theta[o] as number) + lam * wi;
        sq += wi * wi;
      }
    }
    return fx + 0.5 * lam * sq;
  }
}

/** Parameters shared by the three spred solvers (same names on the TensorFlow.js engine). */
export const INIT_PARAMS: Readonly<Record<string, ParamSpec>> = {
  init: {
    type: 'string',
    default: 'random',
    choices: ['random', 'balanced'],
    doc: "initial factors: 'random' = u, w ~ N(0, initScale²) independent (seeded by the run's seed); 'balanced' = u = √|x₀|, w = sign(x₀)√|x₀| of the warm start x₀ (required: without x₀ it is an error, since u = w = 0 is a saddle; zero groups of x₀ get u = initScale, w = 0)",
  },
  initScale: {
    type: 'number',
    default: 0.5,
    min: 1e-12,
    doc: 'standard deviation s of the random factors N(0, s²) (the paper uses 0.5); with init=balanced, the u of groups where x₀ is zero',
  },
};

/** Support threshold τ for spred iterates on the Float64 engine (no exact zeros: see SPRED.md). */
export const FLOAT64_TAU = 1e-8;

/** θ₀ from the `init` / `initScale` parameters, the run's seed and warm start. */
export function initialTheta(layout: SpredLayout, params: Params, ctx: RunContext, rng: Rng, solver: string): Float64Array {
  const init = String(params['init'] ?? 'random');
  const scale = Number(params['initScale'] ?? 0.5);
  if (init === 'balanced') {
    if (!ctx.x0) {
      throw new UserError(`${solver}: init=balanced splits a warm start x0 into u, w, but none was given (u = w = 0 is a saddle); pass a warm start or use init=random`);
    }
    if (ctx.x0.length !== layout.p) throw new UserError(`${solver}: warm start x0 has length ${ctx.x0.length}, the problem has ${layout.p} parameters`);
    return initBalanced(layout, ctx.x0, scale);
  }
  if (init !== 'random') throw new UserError(`${solver}: parameter init must be 'random' or 'balanced', got '${init}'`);
  return initRandom(layout, rng, scale);
}

/** The optimizer a spred solver composes with the transform. */
export type MakeOptimizer = (obj: SpredObjective, theta0: Float64Array, rng: Rng) => Optimizer;

/** Thresholds at which extras() reports the support size: spred has no exact zeros (SPRED.md). */
export const SUPPORT_TAUS: readonly number[] = [1e-4, 1e-6, 1e-8, 1e-10, 1e-12];

/**
 * Runs spred on a Float64 problem: θ₀ from the init parameters, then
 * `while (callback(view) && opt.step())`. The view's x() is the product u ⊙ w (a fresh array);
 * extras() = { imbalance: max_g |u_g² − ‖w_g‖²|, gradEvals: gradient evaluations in full-gradient
 * equivalents, 'nnz@1e-4' … 'nnz@1e-12': the support of u ⊙ w at each τ in SUPPORT_TAUS }.
 */
export function runSpredFloat64(problem: Problem, params: Params, callback: Callback, ctx: RunContext, solver: string, make: MakeOptimizer): SolverStop | undefined {
  const obj = new SpredObjective(problem);
  // one stream for the initialization, then minibatches
  const rng = new Rng(ctx.seed);
  const theta0 = initialTheta(obj.layout, params, ctx, rng, solver);
  const opt = make(obj, theta0, rng);
  const scratch = new Float64Array(obj.layout.m);
  const view: IterateView = {
    x: () => product(obj.layout, opt.theta, new Float64Array(obj.layout.p)),
    extras: () => {
      const out: Record<string, number> = { imbalance: imbalance(obj.layout, opt.theta, scratch), gradEvals: obj.gradEvals };
      const x = product(obj.layout, opt.theta, new Float64Array(obj.layout.p));
      for (const tau of SUPPORT_TAUS) out[`nnz@${tau.toExponential(0)}`] = problem.penalty.support(x, tau);
      return out;
    },
  };
  while (callback(view)) {
    // the optimizer stops on its own when it cannot advance (L-BFGS: no decrease along −∇ either)
    if (!opt.step()) return { stopped: `${solver}: the optimizer could not take another step (line search found no decrease, or the gradient is zero or non-finite)` };
  }
  return undefined;
}

