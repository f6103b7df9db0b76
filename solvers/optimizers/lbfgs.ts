/**
 * L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithms 7.4–7.5) with a line
 * search satisfying the strong Wolfe conditions (Algorithms 3.5–3.6, cubic-interpolation zoom):
 *
 *     φ(θ + αd) ≤ φ(θ) + c₁·α·∇φ(θ)ᵀd,        |∇φ(θ + αd)ᵀd| ≤ c₂·|∇φ(θ)ᵀd|,    c₁ = 1e-4, c₂ = 0.9.
 *
 * Direction d = −H∇φ by the two-loop recursion over the last `memory` pairs
 * (s, y) = (θ₊ − θ, ∇φ₊ − ∇φ), with H₀ = γI, γ = sᵀy / yᵀy of the newest pair.
 * - A pair with sᵀy ≤ ε_curv·yᵀy (ε_curv = 2.2e-16, as L-BFGS-B) is not stored (curvature too
 *   small for a positive-definite update).
 * - If d is not a descent direction, or the line search fails, the memory is cleared and the
 *   iteration restarts from steepest descent d = −∇φ with α₀ = min(1, 1/‖∇φ‖₂). If that fails
 *   too (round-off level: no decrease is measurable), `step()` returns false and θ is unchanged.
 * Full batch only. Non-finite trial values count as "too long a step" (the search shrinks α).
 *
 * Round-off (Hager & Zhang 2005, "approximate Wolfe"): near a minimizer the decrease that the
 * sufficient-decrease test demands, c₁·α·|∇φᵀd|, falls below the resolution of φ itself (φ − φ* is
 * quadratic in ‖∇φ‖ while a duality gap is linear in it), and an Armijo test on function values
 * then fails forever. When that demanded decrease is at most ε_f·|φ(θ)| (ε_f = 1e-12), a trial step
 * is also accepted if φ(θ + αd) ≤ φ(θ) + ε_f·|φ(θ)| (no increase beyond round-off) and the strong
 * curvature condition |∇φ(θ + αd)ᵀd| ≤ c₂·|∇φ(θ)ᵀd| holds (which implies Hager–Zhang's
 * derivative form of sufficient decrease, φ'(α) ≤ (1 − 2c₁)|φ'(0)|). The result says which test
 * accepted the step (`approximate`).
 */
import type { Optimizer, SmoothObjective } from './types.ts';

export interface LbfgsOptions {
  /** Number of stored (s, y) pairs. */
  readonly memory: number;
  /** Sufficient-decrease constant c₁ (default 1e-4). */
  readonly c1?: number;
  /** Curvature constant c₂ (default 0.9). */
  readonly c2?: number;
  /** Maximum function evaluations per line search (default 30). */
  readonly maxEvals?: number;
}

export interface LineSearchResult {
  /** True when the returned α satisfies the strong Wolfe conditions. */
  readonly ok: boolean;
  readonly alpha: number;
  /** φ(θ + αd) (at the accepted point when ok). */
  readonly value: number;
  /** Number of φ/∇φ evaluations used. */
  readonly evals: number;
  /** True when the step was accepted by the round-off (approximate Wolfe) test, not strong Wolfe. */
  readonly approximate: boolean;
}

/** Relative resolution of φ below which the approximate Wolfe test applies (module comment). */
export const ROUNDOFF_EPS = 1e-12;

/**
 * Strong-Wolfe line search along d from θ (N&W Algorithm 3.5 with zoom, Algorithm 3.6).
 * On success `thetaOut` = θ + αd and `gradOut` = ∇φ(θ + αd). `f0`, `g0` are φ(θ), ∇φ(θ);
 * d must be a descent direction (∇φ(θ)ᵀd < 0).
 */
export function strongWolfeLineSearch(
  obj: SmoothObjective,
  theta: Float64Array,
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  alpha0: number,
  thetaOut: Float64Array,
  gradOut: Float64Array,
  opts: { c1?: number; c2?: number; maxEvals?: number } = {},
): LineSearchResult {
  const c1 = opts.c1 ?? 1e-4;
  const c2 = opts.c2 ?? 0.9;
  const maxEvals = opts.maxEvals ?? 30;
  const dphi0 = dotv(g0, d);
  let evals = 0;

  /** φ(α) and φ'(α) = ∇φ(θ + αd)ᵀd; leaves θ + αd and its gradient in the out buffers. */
  const phi = (alpha: number): [number, number] => {
    // θ_out = θ + α·d
    for (let i = 0; i < theta.length; i++) thetaOut[i] = (theta[i] as number) + alpha * (d[i] as number);
    evals++;
    const f = obj.valueAndGradient(thetaOut, gradOut);
    return [f, dotv(gradOut, d)];
  };
  const armijo = (alpha: number, f: number): boolean => f <= f0 + c1 * alpha * dphi0; // false for NaN
  const curvature = (dphi: number): boolean => Math.abs(dphi) <= -c2 * dphi0;
  const slack = ROUNDOFF_EPS * Math.abs(f0);
  /** Approximate Wolfe: Armijo's demanded decrease is below round-off, φ did not rise beyond it, strong curvature holds. */
  const approxWolfe = (alpha: number, f: number, dphi: number): boolean =>
    !armijo(alpha, f) && -c1 * alpha * dphi0 <= slack && f <= f0 + slack && curvature(dphi);

  const zoom = (aLo: number, fLo: number, dLo: number, aHi: number, fHi: number, dHi: number): LineSearchResult => {
    while (evals < maxEvals) {
      // cubic interpolation of φ on [lo, hi] (N&W eq. 3.59), kept in the middle 80% of the bracket
      let a = cubicMinimizer(aLo, fLo, dLo, aHi, fHi, dHi);
      const lo = Math.min(aLo, aHi);
      const width = Math.abs(aHi - aLo);
      if (!(width > 0) || width <= 1e-16 * Math.max(Math.abs(aLo), Math.abs(aHi))) break;
      if (!Number.isFinite(a) || a < lo + 0.1 * width || a > lo + 0.9 * width) a = (aLo + aHi) / 2;
      const [f, dphi] = phi(a);
      if (approxWolfe(a, f, dphi)) return { ok: true, alpha: a, value: f, evals, approximate: true };
      if (!armijo(a, f) || f >= fLo) {
        aHi = a;
        fHi = f;
        dHi = dphi;
      } else {
        if (curvature(dphi)) return { ok: true, alpha: a, value: f, evals, approximate: false };
        if (dphi * (aHi - aLo) >= 0) {
          aHi = aLo;
          fHi = fLo;
          dHi = dLo;
        }
        aLo = a;
        fLo = f;
        dLo = dphi;
      }
    }
    return { ok: false, alpha: aLo, value: fLo, evals, approximate: false };
  };

  if (!(dphi0 < 0)) return { ok: false, alpha: 0, value: f0, evals, approximate: false };
  let aPrev = 0;
  let fPrev = f0;
  let dPrev = dphi0;
  let a = alpha0;
  for (let i = 1; evals < maxEvals; i++) {
    const [f, dphi] = phi(a);
    if (approxWolfe(a, f, dphi)) return { ok: true, alpha: a, value: f, evals, approximate: true };
    if (!armijo(a, f) || (i > 1 && f >= fPrev)) return zoom(aPrev, fPrev, dPrev, a, f, dphi);
    if (curvature(dphi)) return { ok: true, alpha: a, value: f, evals, approximate: false };
    if (dphi >= 0) return zoom(a, f, dphi, aPrev, fPrev, dPrev);
    aPrev = a;
    fPrev = f;
    dPrev = dphi;
    a *= 2;
  }
  return { ok: false, alpha: aPrev, value: fPrev, evals, approximate: false };
}

/**
 * Minimizer of the cubic interpolating φ(a), φ'(a), φ(b), φ'(b) (N&W eq. 3.59); NaN when the
 * cubic has no real minimizer.
 */
export function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

function dotv(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

const CURVATURE_EPS = 2.2e-16;

export class Lbfgs implements Optimizer {
  theta: Float64Array;
  private grad: Float64Array;
  private nextTheta: Float64Array;
  private nextGrad: Float64Array;
  private readonly dir: Float64Array;
  private readonly alphaBuf: Float64Array;
  private readonly S: Float64Array[];
  private readonly Y: Float64Array[];
  private readonly rho: Float64Array;
  /** Number of stored pairs and index of the newest. */
  private stored = 0;
  private newest = -1;
  private value: number;
  private iter = 0;
  /** φ/∇φ evaluations so far (the starting point included). */
  evaluations = 1;
  /** Number of memory resets (descent failure or line-search failure). */
  restarts = 0;
  /** Number of (s, y) pairs skipped for sᵀy ≤ ε·yᵀy. */
  skipped = 0;

  constructor(private readonly obj: SmoothObjective, theta0: Float64Array, private readonly opts: LbfgsOptions) {
    const n = obj.dim;
    this.theta = Float64Array.from(theta0);
    this.grad = new Float64Array(n);
    this.nextTheta = new Float64Array(n);
    this.nextGrad = new Float64Array(n);
    this.dir = new Float64Array(n);
    const m = Math.max(1, opts.memory);
    this.alphaBuf = new Float64Array(m);
    this.S = Array.from({ length: m }, () => new Float64Array(n));
    this.Y = Array.from({ length: m }, () => new Float64Array(n));
    this.rho = new Float64Array(m);
    this.value = obj.valueAndGradient(this.theta, this.grad);
  }

  get k(): number {
    return this.iter;
  }

  /** φ(θ_k). */
  get f(): number {
    return this.value;
  }

  step(): boolean {
    if (!Number.isFinite(this.value)) return false;
    const gnorm2 = dotv(this.grad, this.grad);
    if (gnorm2 === 0 || !(gnorm2 < Infinity)) return false; // stationary, or a non-finite gradient
    this.direction();
    let res: LineSearchResult | null = null;
    if (this.stored > 0 && dotv(this.grad, this.dir) < 0) {
      res = this.search(1);
      this.evaluations += res.evals;
    }
    if (res === null || !res.ok) {
      if (this.stored > 0) this.restarts++; // the quasi-Newton direction was not usable
      this.clearMemory();
      // steepest descent d = −∇φ, α₀ = min(1, 1/‖∇φ‖₂)
      for (let i = 0; i < this.dir.length; i++) this.dir[i] = -(this.grad[i] as number);
      res = this.search(Math.min(1, 1 / Math.sqrt(gnorm2)));
      this.evaluations += res.evals;
      if (!res.ok) return false;
    }
    this.accept(res.value);
    this.iter++;
    return true;
  }

  private search(alpha0: number): LineSearchResult {
    const o: { c1?: number; c2?: number; maxEvals?: number } = {};
    if (this.opts.c1 !== undefined) o.c1 = this.opts.c1;
    if (this.opts.c2 !== undefined) o.c2 = this.opts.c2;
    if (this.opts.maxEvals !== undefined) o.maxEvals = this.opts.maxEvals;
    return strongWolfeLineSearch(this.obj, this.theta, this.value, this.grad, this.dir, alpha0, this.nextTheta, this.nextGrad, o);
  }

  private clearMemory(): void {
    this.stored = 0;
    this.newest = -1;
  }

  /** Stores (s, y) = (θ₊ − θ, g₊ − g) unless sᵀy ≤ ε·yᵀy, then swaps θ₊, g₊ in. */
  private accept(value: number): void {
    const m = this.S.length;
    const slot = (this.newest + 1) % m;
    const s = this.S[slot] as Float64Array;
    const y = this.Y[slot] as Float64Array;
    let sy = 0;
    let yy = 0;
    // s = θ₊ − θ,  y = g₊ − g
    for (let i = 0; i < s.length; i++) {
      const si = (this.nextTheta[i] as number) - (this.theta[i] as number);
      const yi = (this.nextGrad[i] as number) - (this.grad[i] as number);
      s[i] = si;
      y[i] = yi;
      sy += si * yi;
      yy += yi * yi;
    }
    if (sy > CURVATURE_EPS * yy && Number.isFinite(sy)) {
      this.rho[slot] = 1 / sy;
      this.newest = slot;
      this.stored = Math.min(this.stored + 1, m);
    } else {
      this.skipped++;
    }
    [this.theta, this.nextTheta] = [this.nextTheta, this.theta];
    [this.grad, this.nextGrad] = [this.nextGrad, this.grad];
    this.value = value;
  }

  /** d = −H·∇φ by the two-loop recursion (N&W Algorithm 7.4). */
  private direction(): void {
    const q = this.dir;
    const m = this.S.length;
    for (let i = 0; i < q.length; i++) q[i] = this.grad[i] as number;
    if (this.stored === 0) {
      for (let i = 0; i < q.length; i++) q[i] = -(q[i] as number);
      return;
    }
    // newest → oldest: α_j = ρ_j s_jᵀq;  q ← q − α_j y_j
    for (let c = 0, j = this.newest; c < this.stored; c++, j = (j - 1 + m) % m) {
      const s = this.S[j] as Float64Array;
      const y = this.Y[j] as Float64Array;
      const a = (this.rho[j] as number) * dotv(s, q);
      this.alphaBuf[j] = a;
      for (let i = 0; i < q.length; i++) q[i] = (q[i] as number) - a * (y[i] as number);
    }
    // H₀ = γI with γ = sᵀy / yᵀy of the newest pair
    const sN = this.S[this.newest] as Float64Array;
    const yN = this.Y[this.newest] as Float64Array;
    const gamma = dotv(sN, yN) / dotv(yN, yN);
    for (let i = 0; i < q.length; i++) q[i] = gamma * (q[i] as number);
    // oldest → newest: β = ρ_j y_jᵀr;  r ← r + s_j(α_j − β)
    const oldest = (this.newest - this.stored + 1 + m) % m;
    for (let c = 0, j = oldest; c < this.stored; c++, j = (j + 1) % m) {
      const s = this.S[j] as Float64Array;
      const y = this.Y[j] as Float64Array;
      const b = (this.rho[j] as number) * dotv(y, q);
      const coef = (this.alphaBuf[j] as number) - b;
      for (let i = 0; i < q.length; i++) q[i] = (q[i] as number) + coef * (s[i] as number);
    }
    for (let i = 0; i < q.length; i++) q[i] = -(q[i] as number);
  }
}
