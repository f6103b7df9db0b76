/**
 * Coordinate descent for penalized logistic GLMs on the Float64 engine: a proximal Newton method
 * (glmnet / newGLMNET style) whose quadratic subproblems are solved by coordinate descent, with a
 * line search on the true objective F = f + λΩ (so F decreases at every outer iteration).
 *
 * Binary logistic, F(w) = (1/n) Σ_i log(1 + exp(−m_i)) + λ‖w‖₁ with margins m = y ⊙ Xw:
 *   at w, with π_i = σ(−m_i), the sample gradient ρ_i = −y_i π_i / n (∇f = Xᵀρ) and the weights
 *   d_i = π_i(1 − π_i)/n (∇²f = XᵀDX), the model
 *     q(Δ) = ρᵀXΔ + ½ (XΔ)ᵀD(XΔ) + λ‖w + Δ‖₁
 *   is minimized by cyclic CD over a working set (the nonzeros of w and the coordinates that
 *   violate |∇_j f| ≤ λ), keeping r = ρ + D·XΔ:  with h_j = X_jᵀDX_j,
 *     v_j ← S_λ(h_j v_j − X_jᵀr) / h_j,   r ← r + (v_j⁺ − v_j)·d ⊙ X_j.
 *   Inner sweeps stop once max_j h_j|Δv_j| ≤ glmInnerRatio × (KKT violation of w), or after
 *   glmMaxInner sweeps. When the working set is supp(w) (no violators), the exact Newton step on
 *   the support, Δ_S = −(X_SᵀDX_S)⁻¹(∇_S f + λ sign(w_S)) by Cholesky, is taken instead whenever
 *   it keeps the signs (it is then the model's minimizer): quadratic convergence once the
 *   support is identified.
 *
 * Multinomial, F(W) = (1/n) Σ_i [lse(x_iᵀW) − x_iᵀW_{:,y_i}] + λΩ(W), W p×C column-major by class,
 * Ω = elementwise l1 or row-group l1 (groups {j, p + j, …}): the same proximal Newton outer loop
 * with the exact Hessian model q(Δ) = ⟨ρ, XΔ⟩ + ½ Σ_i U_iᵀ(diag P_i − P_iP_iᵀ)U_i / n (U = XΔ);
 * its rows are updated by block CD with the diagonal majorization
 *   diag P − PPᵀ ≼ diag(2P_c(1 − P_c))  (diagonally dominant remainder),
 * i.e. curvature m_jc = (2/n) Σ_i X_ij² P_ic(1 − P_ic): soft-thresholding per entry for l1, block
 * soft-thresholding with M_j = max_c m_jc for group l1.
 *
 * Line search: t ∈ {1, ½, ¼, …} until F(w + tΔ) − F(w) ≤ 10⁻⁴·t·(∇fᵀΔ + λ(Ω(w + Δ) − Ω(w))),
 * with the loss difference computed without cancellation (lse(z + δ) − lse(z) = log(1 + Σ_c P_c
 * expm1(δ_c))), so steps stay meaningful down to differences far below round-off of F.
 * One callback per outer (Newton) iteration, on the full iterate; the first on x₀.
 */
import type { Callback, IterateView, Matrix, Params, Penalty, Problem, RunContext } from '../../problems/types.ts';
import { columnSqNorms, l1norm } from '../../problems/linalg.ts';
import { lseShift, sigmoid, softplus } from '../../problems/datafits/logistic.ts';
import { startingPoint } from './start.ts';

/** Armijo constant of the line search. */
const ARMIJO = 1e-4;

/**
 * Line-search acceptance of step t with actual change dF and predicted decrease dec: Armijo
 * (dF ≤ c·t·dec); or, at the full step, a step whose predicted and actual changes are both
 * below the round-off of F.
 */
function acceptStep(dF: number, dec: number, t: number, fullStep: boolean, roundoff: number): boolean {
  return (dec < 0 ? dF <= ARMIJO * t * dec : dF < 0) || (fullStep && dec >= -roundoff && dF <= roundoff);
}
/** Relative round-off level of F below which a full step is accepted without a measurable decrease. */
const ROUNDOFF = 1e-15;
/** Maximum halvings of the step. */
const MAX_HALVINGS = 50;

/** A numeric parameter, or its default when absent or not a finite number. */
function num(params: Params, key: string, dflt: number): number {
  const v = params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

/**
 * Runs coordinate descent (proximal Newton + CD) on a logistic or multinomial problem; see the
 * module comment. Params (all optional, read defensively): `glmInnerRatio` (default 0.1: inner
 * sweeps stop once max_j h_j|Δv_j| ≤ glmInnerRatio × the KKT violation of the current iterate),
 * `glmMaxInner` (default 20: at most this many inner sweeps per Newton step). The lasso kernel's
 * `innerRatio` / `maxInner` have a different meaning and are not read here.
 */
export function cdGlm(problem: Problem, params: Params, callback: Callback, ctx: RunContext): void {
  const df = problem.datafit;
  const design = df.design;
  if (!design) throw new Error(`cd does not support the '${df.name}' datafit: it needs the design matrix`);
  const opts = {
    innerRatio: Math.max(num(params, 'glmInnerRatio', 0.1), 0),
    maxInner: Math.max(Math.floor(num(params, 'glmMaxInner', 20)), 1),
  };
  if (df.name === 'logistic') {
    if (problem.penalty.name !== 'l1') throw new Error(`cd does not support the ${problem.penalty.name} penalty with the logistic datafit`);
    binaryNewton(design.X, design.y, problem.lambda, startingPoint(problem.dim, ctx, 'cd'), opts, callback);
    return;
  }
  if (df.name === 'multinomial') {
    const C = design.classes;
    const pen = problem.penalty;
    if (pen.name === 'group-l1' && !isRowGroups(pen, design.X.p, C)) {
      throw new Error('cd does not support group-l1 on the multinomial datafit unless the groups are the rows {j, p + j, …, (C−1)p + j}');
    }
    multinomialNewton(design.X, design.y, C, pen, problem.lambda, startingPoint(problem.dim, ctx, 'cd'), opts, callback);
    return;
  }
  throw new Error(`cd does not support the '${df.name}' datafit`);
}

interface Opts {
  readonly innerRatio: number;
  readonly maxInner: number;
}

/** Are the groups exactly the p rows of W, each {j, p + j, …, (C−1)p + j} in any order? */
function isRowGroups(pen: Penalty, p: number, C: number): boolean {
  const groups = pen.groups;
  if (!groups || groups.length !== p) return false;
  const seen = new Uint8Array(p);
  for (const g of groups) {
    if (g.length !== C) return false;
    const j = (g[0] as number) % p;
    if (seen[j]) return false;
    seen[j] = 1;
    const members = new Set<number>(g);
    for (let c = 0; c < C; c++) if (!members.has(c * p + j)) return false;
  }
  return true;
}

/** Binary logistic + λ‖w‖₁ (labels ±1); `w` is the starting point, updated in place. */
function binaryNewton(X: Matrix, y: Float64Array, lambda: number, w: Float64Array, opts: Opts, callback: Callback): void {
  const { n, p, data } = X;
  const colSq = columnSqNorms(X);
  for (let j = 0; j < p; j++) if (colSq[j] === 0) w[j] = 0; // a zero column's optimal coefficient is 0
  const m = new Float64Array(n); // margins y ⊙ Xw
  const pi = new Float64Array(n); // σ(−m)
  const rho = new Float64Array(n); // sample gradient
  const d = new Float64Array(n); // Hessian weights
  const r = new Float64Array(n); // ρ + D·XΔ
  const u = new Float64Array(n); // y ⊙ XΔ
  const g = new Float64Array(p);
  const h = new Float64Array(p);
  const v = new Float64Array(p); // w + Δ on the working set
  const ws = new Int32Array(p);
  const newton = new NewtonScratch(Math.min(p, MAX_NEWTON), n);
  const view: IterateView = { x: () => w };

  if (!callback(view)) return;
  for (;;) {
    // m = y ⊙ Xw (recomputed from scratch: no drift)
    m.fill(0);
    for (let j = 0; j < p; j++) {
      const wj = w[j] as number;
      if (wj === 0) continue;
      const off = j * n;
      // m += w_j X_j
      for (let i = 0; i < n; i++) m[i] = (m[i] as number) + wj * (data[off + i] as number);
    }
    for (let i = 0; i < n; i++) {
      const yi = y[i] as number;
      const mi = yi * (m[i] as number);
      m[i] = mi;
      const q = sigmoid(-mi);
      pi[i] = q;
      rho[i] = (-yi * q) / n;
      d[i] = (q * sigmoid(mi)) / n;
    }
    // F(w) = (1/n) Σ softplus(−m_i) + λ‖w‖₁ (the scale of round-off in the line search)
    let Fw = 0;
    for (let i = 0; i < n; i++) Fw += softplus(-(m[i] as number));
    Fw = Fw / n + lambda * l1norm(w);
    const roundoff = ROUNDOFF * Math.abs(Fw);
    // g = Xᵀρ, KKT violation κ, working set = nonzeros ∪ violators
    let kappa = 0;
    let nws = 0;
    for (let j = 0; j < p; j++) {
      if (colSq[j] === 0) continue;
      const off = j * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += (data[off + i] as number) * (rho[i] as number);
      g[j] = s;
      const wj = w[j] as number;
      const viol = wj === 0 ? Math.max(Math.abs(s) - lambda, 0) : Math.abs(s + (wj > 0 ? lambda : -lambda));
      if (viol > kappa) kappa = viol;
      if (wj !== 0 || Math.abs(s) > lambda) ws[nws++] = j;
    }
    if (nws === 0 || kappa === 0) {
      if (!callback(view)) return;
      continue;
    }
    // h_j = Σ_i d_i X_ij² (floored relative to the global bound ‖X_j‖²/4n)
    for (let q = 0; q < nws; q++) {
      const j = ws[q] as number;
      const off = j * n;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const x = data[off + i] as number;
        s += (d[i] as number) * x * x;
      }
      h[j] = Math.max(s, (1e-12 * (colSq[j] as number)) / (4 * n));
      v[j] = w[j] as number;
    }
    // exact Newton step on the support when it is consistent (signs kept, model KKT off the
    // support); otherwise inner CD on the quadratic model
    const exact = supportNewton(X, w, g, d, lambda, ws, nws, v, newton);
    r.set(rho);
    const innerTol = opts.innerRatio * kappa;
    for (let sweep = 0; !exact && sweep < opts.maxInner; sweep++) {
      let maxStep = 0;
      for (let q = 0; q < nws; q++) {
        const j = ws[q] as number;
        const off = j * n;
        // ∂q/∂v_j = X_jᵀr
        let s = 0;
        for (let i = 0; i < n; i++) s += (data[off + i] as number) * (r[i] as number);
        const hj = h[j] as number;
        const old = v[j] as number;
        const a = hj * old - s;
        const nv = a > lambda ? (a - lambda) / hj : a < -lambda ? (a + lambda) / hj : 0;
        const delta = nv - old;
        if (delta === 0) continue;
        v[j] = nv;
        // r += δ·d ⊙ X_j
        for (let i = 0; i < n; i++) r[i] = (r[i] as number) + delta * (d[i] as number) * (data[off + i] as number);
        const step = hj * Math.abs(delta);
        if (step > maxStep) maxStep = step;
      }
      if (maxStep <= innerTol) break;
    }
    // u = y ⊙ XΔ, decrease bound ∇fᵀΔ + λ(‖v‖₁ − ‖w‖₁)
    u.fill(0);
    let dpen = 0;
    for (let q = 0; q < nws; q++) {
      const j = ws[q] as number;
      const wj = w[j] as number;
      const dj = (v[j] as number) - wj;
      dpen += Math.abs(v[j] as number) - Math.abs(wj);
      if (dj === 0) continue;
      const off = j * n;
      // u += Δ_j X_j
      for (let i = 0; i < n; i++) u[i] = (u[i] as number) + dj * (data[off + i] as number);
    }
    let lin = 0;
    for (let i = 0; i < n; i++) {
      const ui = (y[i] as number) * (u[i] as number);
      u[i] = ui;
      lin -= (pi[i] as number) * ui;
    }
    const dec = lin / n + lambda * dpen;
    // line search on the exact difference F(w + tΔ) − F(w)
    let t = 1;
    let accepted = false;
    for (let k = 0; k < MAX_HALVINGS; k++) {
      let dl = 0;
      for (let i = 0; i < n; i++) dl += lseShift(pi[i] as number, -t * (u[i] as number));
      let dp = 0;
      for (let q = 0; q < nws; q++) {
        const j = ws[q] as number;
        const wj = w[j] as number;
        dp += Math.abs(wj + t * ((v[j] as number) - wj)) - Math.abs(wj);
      }
      const dF = dl / n + lambda * dp;
      if (acceptStep(dF, dec, t, k === 0, roundoff)) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (accepted) {
      for (let q = 0; q < nws; q++) {
        const j = ws[q] as number;
        const wj = w[j] as number;
        w[j] = t === 1 ? (v[j] as number) : wj + t * ((v[j] as number) - wj);
      }
    }
    if (!callback(view)) return;
  }
}

/** Largest support on which the exact Newton step is tried. */
const MAX_NEWTON = 400;

/** Buffers of the support Newton step (allocated once per run). */
class NewtonScratch {
  readonly H: Float64Array;
  readonly b: Float64Array;
  readonly S: Int32Array;
  readonly u: Float64Array;
  constructor(readonly cap: number, n: number) {
    this.H = new Float64Array(cap * cap);
    this.b = new Float64Array(cap);
    this.S = new Int32Array(cap);
    this.u = new Float64Array(n);
  }
}

/**
 * Exact minimizer of the binary model q(Δ) = gᵀΔ + ½ΔᵀXᵀDXΔ + λ‖w + Δ‖₁ over the working set when
 * that set is supp(w) (no KKT violators) and the model keeps the signs: with S = supp(w), σ = sign(w_S), Δ_S = −H_SS⁻¹(g_S + λσ) (Cholesky), accepted only if
 * sign(w_S + Δ_S) = σ and |g_j + X_jᵀD X_SΔ_S| ≤ λ on the rest of the working set — then w + Δ
 * is the model's minimizer (written to v) and the step is a true Newton step. Returns false (v
 * untouched) otherwise, or when |S| exceeds the scratch size.
 */
function supportNewton(X: Matrix, w: Float64Array, g: Float64Array, d: Float64Array, lambda: number, ws: Int32Array, nws: number, v: Float64Array, sc: NewtonScratch): boolean {
  const { n, data } = X;
  const { H, b, S, u } = sc;
  let k = 0;
  for (let q = 0; q < nws; q++) {
    const j = ws[q] as number;
    if (w[j] === 0) return false; // a KKT violator must enter first: leave that to CD
    if (k === sc.cap) return false;
    S[k++] = j;
  }
  if (k === 0) return false;
  // H_ab = Σ_i d_i X_iSa X_iSb (lower triangle), b = −(g_S + λσ)
  for (let a = 0; a < k; a++) {
    const oa = (S[a] as number) * n;
    for (let c = 0; c <= a; c++) {
      const oc = (S[c] as number) * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += (d[i] as number) * (data[oa + i] as number) * (data[oc + i] as number);
      H[a * k + c] = s;
    }
    const j = S[a] as number;
    b[a] = -((g[j] as number) + ((w[j] as number) > 0 ? lambda : -lambda));
  }
  // Cholesky H = LLᵀ in place (lower triangle); give up on a non-positive pivot
  for (let a = 0; a < k; a++) {
    for (let c = 0; c <= a; c++) {
      let s = H[a * k + c] as number;
      for (let e = 0; e < c; e++) s -= (H[a * k + e] as number) * (H[c * k + e] as number);
      if (a === c) {
        if (!(s > 1e-14 * Math.abs(H[a * k + a] as number)) || !(s > 0)) return false;
        H[a * k + a] = Math.sqrt(s);
      } else {
        H[a * k + c] = s / (H[c * k + c] as number);
      }
    }
  }
  // solve L z = b, Lᵀ Δ = z (in b)
  for (let a = 0; a < k; a++) {
    let s = b[a] as number;
    for (let e = 0; e < a; e++) s -= (H[a * k + e] as number) * (b[e] as number);
    b[a] = s / (H[a * k + a] as number);
  }
  for (let a = k - 1; a >= 0; a--) {
    let s = b[a] as number;
    for (let e = a + 1; e < k; e++) s -= (H[e * k + a] as number) * (b[e] as number);
    b[a] = s / (H[a * k + a] as number);
  }
  // signs kept on S
  for (let a = 0; a < k; a++) {
    const j = S[a] as number;
    const wj = w[j] as number;
    const nv = wj + (b[a] as number);
    if (nv === 0 || nv > 0 !== wj > 0) return false;
  }
  // model KKT off S: |g_j + X_jᵀ(d ⊙ X_SΔ_S)| ≤ λ
  u.fill(0);
  for (let a = 0; a < k; a++) {
    const off = (S[a] as number) * n;
    const da = b[a] as number;
    // u += Δ_a X_Sa
    for (let i = 0; i < n; i++) u[i] = (u[i] as number) + da * (data[off + i] as number);
  }
  for (let i = 0; i < n; i++) u[i] = (u[i] as number) * (d[i] as number);
  for (let q = 0; q < nws; q++) {
    const j = ws[q] as number;
    if (w[j] !== 0) continue;
    const off = j * n;
    let s = g[j] as number;
    for (let i = 0; i < n; i++) s += (data[off + i] as number) * (u[i] as number);
    if (Math.abs(s) > lambda) return false;
  }
  for (let q = 0; q < nws; q++) v[ws[q] as number] = 0;
  for (let a = 0; a < k; a++) {
    const j = S[a] as number;
    v[j] = (w[j] as number) + (b[a] as number);
  }
  return true;
}

/**
 * Multinomial + λΩ (Ω = l1, or group l1 over the rows of W); `W` (p×C column-major by class) is
 * the starting point, updated in place.
 */
function multinomialNewton(X: Matrix, y: Float64Array, C: number, pen: Penalty, lambda: number, W: Float64Array, opts: Opts, callback: Callback): void {
  const { n, p, data } = X;
  const group = pen.name === 'group-l1';
  const colSq = columnSqNorms(X);
  for (let j = 0; j < p; j++) if (colSq[j] === 0) for (let c = 0; c < C; c++) W[c * p + j] = 0;
  const Z = new Float64Array(n * C); // scores, then relative scores z_ic − z_iy
  const P = new Float64Array(n * C); // softmax
  const R = new Float64Array(n * C); // ρ + A·U/n (model gradient in sample space)
  const U = new Float64Array(n * C); // XΔ
  const G = new Float64Array(p * C);
  const V = new Float64Array(p * C); // W + Δ on the working rows
  const Mc = new Float64Array(p * C); // diagonal majorizer m_jc
  const ws = new Int32Array(p);
  const delta = new Float64Array(C);
  const view: IterateView = { x: () => W };

  /** Ω restricted to row j of a p×C matrix. */
  const rowPen = (A: Float64Array, j: number): number => {
    let s = 0;
    if (group) {
      for (let c = 0; c < C; c++) {
        const a = A[c * p + j] as number;
        s += a * a;
      }
      return Math.sqrt(s);
    }
    for (let c = 0; c < C; c++) s += Math.abs(A[c * p + j] as number);
    return s;
  };

  if (!callback(view)) return;
  for (;;) {
    // Z = XW
    Z.fill(0);
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < p; j++) {
        const wj = W[c * p + j] as number;
        if (wj === 0) continue;
        const off = j * n;
        const zo = c * n;
        // Z_{:,c} += W_jc X_j
        for (let i = 0; i < n; i++) Z[zo + i] = (Z[zo + i] as number) + wj * (data[off + i] as number);
      }
    }
    // P = softmax(Z) row-wise; R = ρ = (P − Y)/n; F(W) = (1/n) Σ_i [lse_i − z_iy] + λΩ(W)
    let Fw = 0;
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, Z[c * n + i] as number);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp((Z[c * n + i] as number) - mx);
      const l = mx + Math.log(s);
      const yi = y[i] as number;
      Fw += l - (Z[yi * n + i] as number);
      for (let c = 0; c < C; c++) {
        const q = Math.exp((Z[c * n + i] as number) - l);
        P[c * n + i] = q;
        R[c * n + i] = (q - (c === yi ? 1 : 0)) / n;
      }
    }
    Fw = Fw / n + lambda * pen.value(W);
    const roundoff = ROUNDOFF * Math.abs(Fw);
    // G = Xᵀρ, KKT violation κ (the penalty's own), working rows = nonzero rows ∪ violating rows
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < p; j++) {
        if (colSq[j] === 0) {
          G[c * p + j] = 0;
          continue;
        }
        const off = j * n;
        const ro = c * n;
        let s = 0;
        for (let i = 0; i < n; i++) s += (data[off + i] as number) * (R[ro + i] as number);
        G[c * p + j] = s;
      }
    }
    const kappa = pen.subdiffDistance(W, G, lambda);
    let nws = 0;
    for (let j = 0; j < p; j++) {
      if (colSq[j] === 0) continue;
      let nz = false;
      let gmax = 0;
      let gsq = 0;
      for (let c = 0; c < C; c++) {
        if (W[c * p + j] !== 0) nz = true;
        const gv = G[c * p + j] as number;
        gmax = Math.max(gmax, Math.abs(gv));
        gsq += gv * gv;
      }
      if (nz || (group ? Math.sqrt(gsq) : gmax) > lambda) ws[nws++] = j;
    }
    if (nws === 0 || kappa === 0) {
      if (!callback(view)) return;
      continue;
    }
    // m_jc = (2/n) Σ_i X_ij² P_ic(1 − P_ic), floored relative to the global bound ‖X_j‖²/(2n)
    for (let q = 0; q < nws; q++) {
      const j = ws[q] as number;
      const off = j * n;
      const floor = (1e-12 * (colSq[j] as number)) / (2 * n);
      for (let c = 0; c < C; c++) {
        const po = c * n;
        let s = 0;
        for (let i = 0; i < n; i++) {
          const x = data[off + i] as number;
          const pc = P[po + i] as number;
          s += x * x * pc * (1 - pc);
        }
        Mc[c * p + j] = Math.max((2 * s) / n, floor);
        V[c * p + j] = W[c * p + j] as number;
      }
    }
    // inner block CD on the quadratic model
    const innerTol = opts.innerRatio * kappa;
    for (let sweep = 0; sweep < opts.maxInner; sweep++) {
      let maxStep = 0;
      for (let q = 0; q < nws; q++) {
        const j = ws[q] as number;
        const off = j * n;
        let changed = false;
        if (group) {
          // M = max_c m_jc;  v ← blockST(v − X_jᵀR/M, λ/M)
          let M = 0;
          for (let c = 0; c < C; c++) M = Math.max(M, Mc[c * p + j] as number);
          let nrm = 0;
          for (let c = 0; c < C; c++) {
            const ro = c * n;
            let s = 0;
            for (let i = 0; i < n; i++) s += (data[off + i] as number) * (R[ro + i] as number);
            const z = (V[c * p + j] as number) - s / M;
            delta[c] = z;
            nrm += z * z;
          }
          nrm = Math.sqrt(nrm);
          const scale = nrm > lambda / M ? 1 - lambda / (M * nrm) : 0;
          for (let c = 0; c < C; c++) {
            const nv = (delta[c] as number) * scale;
            const dc = nv - (V[c * p + j] as number);
            delta[c] = dc;
            if (dc !== 0) changed = true;
            V[c * p + j] = nv;
            maxStep = Math.max(maxStep, M * Math.abs(dc));
          }
        } else {
          // v_c ← S_λ(m_jc v_c − X_jᵀR_c) / m_jc
          for (let c = 0; c < C; c++) {
            const ro = c * n;
            let s = 0;
            for (let i = 0; i < n; i++) s += (data[off + i] as number) * (R[ro + i] as number);
            const mjc = Mc[c * p + j] as number;
            const old = V[c * p + j] as number;
            const a = mjc * old - s;
            const nv = a > lambda ? (a - lambda) / mjc : a < -lambda ? (a + lambda) / mjc : 0;
            const dc = nv - old;
            delta[c] = dc;
            if (dc !== 0) changed = true;
            V[c * p + j] = nv;
            maxStep = Math.max(maxStep, mjc * Math.abs(dc));
          }
        }
        if (!changed) continue;
        // R_i += X_ij (P_i ⊙ δ − P_i (P_iᵀδ)) / n
        for (let i = 0; i < n; i++) {
          const x = (data[off + i] as number) / n;
          if (x === 0) continue;
          let pd = 0;
          for (let c = 0; c < C; c++) pd += (P[c * n + i] as number) * (delta[c] as number);
          for (let c = 0; c < C; c++) {
            const k = c * n + i;
            R[k] = (R[k] as number) + x * (P[k] as number) * ((delta[c] as number) - pd);
          }
        }
      }
      if (maxStep <= innerTol) break;
    }
    // U = XΔ, decrease bound ⟨ρ, U⟩ + λ(Ω(V) − Ω(W))
    U.fill(0);
    let dpen = 0;
    for (let q = 0; q < nws; q++) {
      const j = ws[q] as number;
      dpen += rowPen(V, j) - rowPen(W, j);
      const off = j * n;
      for (let c = 0; c < C; c++) {
        const dj = (V[c * p + j] as number) - (W[c * p + j] as number);
        if (dj === 0) continue;
        const uo = c * n;
        // U_{:,c} += Δ_jc X_j
        for (let i = 0; i < n; i++) U[uo + i] = (U[uo + i] as number) + dj * (data[off + i] as number);
      }
    }
    // relative shifts U_ic − U_iy (the label's own column becomes 0); ⟨ρ, U⟩ = Σ_i Σ_c P_ic(U_ic − U_iy)/n
    let lin = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i] as number;
      const uy = U[yi * n + i] as number;
      for (let c = 0; c < C; c++) {
        const k = c * n + i;
        const du = (U[k] as number) - uy;
        U[k] = du;
        lin += (P[k] as number) * du;
      }
    }
    const dec = lin / n + lambda * dpen;
    let t = 1;
    let accepted = false;
    for (let k = 0; k < MAX_HALVINGS; k++) {
      // Δloss_i = log Σ_c P_ic exp(t(U_ic − U_iy)) = log(1 + Σ_c P_ic expm1(t·ΔU_ic))
      let dl = 0;
      for (let i = 0; i < n; i++) dl += lseShiftVec(P, U, i, n, C, t);
      let dp = 0;
      for (let q = 0; q < nws; q++) {
        const j = ws[q] as number;
        let s = 0;
        let so = 0;
        for (let c = 0; c < C; c++) {
          const wv = W[c * p + j] as number;
          const nv = wv + t * ((V[c * p + j] as number) - wv);
          if (group) {
            s += nv * nv;
            so += wv * wv;
          } else {
            s += Math.abs(nv);
            so += Math.abs(wv);
          }
        }
        dp += group ? Math.sqrt(s) - Math.sqrt(so) : s - so;
      }
      const dF = dl / n + lambda * dp;
      if (acceptStep(dF, dec, t, k === 0, roundoff)) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (accepted) {
      for (let q = 0; q < nws; q++) {
        const j = ws[q] as number;
        for (let c = 0; c < C; c++) {
          const k = c * p + j;
          const wv = W[k] as number;
          W[k] = t === 1 ? (V[k] as number) : wv + t * ((V[k] as number) - wv);
        }
      }
    }
    if (!callback(view)) return;
  }
}

/** log Σ_c P_ic exp(t·D_ic) for sample i (P a softmax row, D_iy = 0), without cancellation. */
function lseShiftVec(P: Float64Array, D: Float64Array, i: number, n: number, C: number, t: number): number {
  if (C === 2) {
    // one nonzero shift (the other class); lseShift handles it exactly
    const a = t * (D[i] as number);
    const b = t * (D[n + i] as number);
    return a === 0 ? lseShift(P[n + i] as number, b) : lseShift(P[i] as number, a);
  }
  let mx = 0;
  for (let c = 0; c < C; c++) mx = Math.max(mx, t * (D[c * n + i] as number));
  if (mx > 30) {
    // mx + log Σ_c P_ic exp(t·D_ic − mx)
    let s = 0;
    for (let c = 0; c < C; c++) s += (P[c * n + i] as number) * Math.exp(t * (D[c * n + i] as number) - mx);
    return mx + Math.log(s);
  }
  let s = 0;
  for (let c = 0; c < C; c++) s += (P[c * n + i] as number) * Math.expm1(t * (D[c * n + i] as number));
  if (s > -0.5) return Math.log1p(s);
  let e = 0;
  for (let c = 0; c < C; c++) e += (P[c * n + i] as number) * Math.exp(t * (D[c * n + i] as number));
  return Math.log(e);
}
