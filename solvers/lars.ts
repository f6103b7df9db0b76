/**
 * LARS–lasso homotopy (Efron, Hastie, Johnstone & Tibshirani 2004, lasso modification; Osborne,
 * Presnell & Turlach 2000) for F(w) = (1/2n)‖y − Xw‖² + λ‖w‖₁.
 *
 * Correlations are scaled as c = Xᵀr/n with r = y − Xw, so the path starts at
 * λ₀ = λ_max = ‖Xᵀy‖∞/n with w = 0 and is followed down to the problem's λ. On a segment with
 * active set A and signs s = sign(c_A), the solution is
 *   w_A(λ) = G⁻¹(b_A − λ s),   G = X_AᵀX_A/n,  b = Xᵀy/n,   i.e. dw_A/d(−λ) = d = G⁻¹s,
 * and an inactive correlation moves as c_j(λ − γ) = c_j − γ a_j with a = XᵀX_A d / n.
 * The next breakpoint is the smallest γ > 0 at which an inactive |c_j| reaches λ − γ (join),
 * an active w_j crosses zero (drop: it leaves A), or λ − γ = target (a partial last step that
 * lands exactly on λ). The inactive correlations are kept up to date, c ← c − γa (one pass over
 * X per step, for a), and recomputed exactly from r every REFRESH steps. w_A is recomputed from the Cholesky factor G = LLᵀ at every breakpoint
 * (no drift); L is extended by one row when a column joins and downdated by Givens rotations
 * when one leaves.
 *
 * Degenerate designs: a column that is zero, or (numerically) in the span of the active columns
 * (duplicate or collinear, e.g. once |A| = n < p), would make G singular; it is not added but
 * marked excluded (event 'skip'), and is re-examined whenever a column leaves A. With such
 * columns the lasso solution is not unique; the one returned keeps them at 0.
 * One callback per breakpoint (k = 0 at w = 0); the run ends on its own at the target λ.
 */
import type { Callback, IterateView, Matrix, Params, RunContext, Solver } from '../problems/types.ts';
import { float64Problem } from './kernels/start.ts';

/** What happened at a breakpoint. */
export type LarsEvent = 'start' | 'add' | 'drop' | 'skip' | 'end';

/** One breakpoint of the LARS–lasso path. */
export interface LarsBreakpoint {
  /** λ at this breakpoint. */
  readonly lambda: number;
  /** The solution w(λ) (a copy). */
  readonly w: Float64Array;
  /** Active set after the event, in order of entry. */
  readonly active: Int32Array;
  readonly event: LarsEvent;
  /** Columns added, dropped or skipped at this breakpoint (empty at 'start' / 'end'). */
  readonly columns: readonly number[];
}

/** The state handed to the per-step observer. */
interface StepInfo {
  readonly lambda: number;
  readonly event: LarsEvent;
  readonly columns: readonly number[];
  readonly active: Int32Array;
  readonly m: number;
}

/**
 * Runs the homotopy from λ_max down to `target` (> 0), writing w(λ) into `w` at every
 * breakpoint and calling `onStep`; stops early when `onStep` returns false.
 */
export function larsHomotopy(X: Matrix, y: Float64Array, target: number, w: Float64Array, onStep: (s: StepInfo) => boolean): void {
  const { n, p, data } = X;
  const invn = 1 / n;
  const b = new Float64Array(p);
  const colSq = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const off = j * n;
    let s = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      const v = data[off + i] as number;
      s += v * y[i]!;
      q += v * v;
    }
    b[j] = s * invn;
    colSq[j] = q * invn;
  }
  w.fill(0);
  const c = Float64Array.from(b);
  const a = new Float64Array(p);
  // flag: 0 inactive candidate, 1 active, 2 excluded (zero or collinear column)
  const flag = new Int8Array(p);
  for (let j = 0; j < p; j++) if (!((colSq[j] as number) > 0)) flag[j] = 2;
  const kmax = Math.min(n, p);
  let cap = Math.min(kmax, 64);
  let L = new Float64Array(cap * cap);
  let active = new Int32Array(cap);
  let sgn = new Float64Array(cap);
  let zb = new Float64Array(cap);
  let d = new Float64Array(cap);
  let tmp = new Float64Array(cap);
  let m = 0;
  const u = new Float64Array(n);
  const r = new Float64Array(n);
  const events: number[] = [];

  const grow = (): void => {
    const nc = Math.min(kmax, cap * 2);
    const L2 = new Float64Array(nc * nc);
    for (let i = 0; i < m; i++) for (let k = 0; k <= i; k++) L2[i * nc + k] = L[i * cap + k] as number;
    L = L2;
    const a2 = new Int32Array(nc);
    a2.set(active);
    active = a2;
    const s2 = new Float64Array(nc);
    s2.set(sgn);
    sgn = s2;
    zb = new Float64Array(nc);
    d = new Float64Array(nc);
    tmp = new Float64Array(nc);
    cap = nc;
  };

  /** tmp = L⁻¹ X_Aᵀx_j/n; returns the new pivot² = ‖x_j‖²/n − ‖tmp‖² (≤ tiny: collinear). */
  const pivot = (j: number): number => {
    const oj = j * n;
    for (let q = 0; q < m; q++) {
      const ok = (active[q] as number) * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += (data[ok + i] as number) * (data[oj + i] as number);
      tmp[q] = s * invn;
    }
    // forward solve L z = v
    let zz = 0;
    for (let q = 0; q < m; q++) {
      let s = tmp[q] as number;
      const row = q * cap;
      for (let k = 0; k < q; k++) s -= (L[row + k] as number) * (tmp[k] as number);
      s /= L[row + q] as number;
      tmp[q] = s;
      zz += s * s;
    }
    return (colSq[j] as number) - zz;
  };
  /** Collinearity threshold on the pivot²: relative to ‖x_j‖²/n. */
  const independent = (j: number, piv: number): boolean => piv > 1e-10 * (colSq[j] as number);

  /** Appends column j (pivot already computed into tmp) with sign sj. */
  const append = (j: number, piv: number, sj: number): void => {
    if (m === cap) {
      // tmp is lost on growth: recompute after growing
      grow();
      piv = pivot(j);
    }
    const row = m * cap;
    for (let k = 0; k < m; k++) L[row + k] = tmp[k] as number;
    L[row + m] = Math.sqrt(piv);
    active[m] = j;
    sgn[m] = sj;
    flag[j] = 1;
    m++;
  };

  /** Removes active position k: delete row k of L, then Givens rotations restore lower-triangular form. */
  const remove = (k: number): void => {
    for (let i = k; i < m - 1; i++) {
      const src = (i + 1) * cap;
      const dst = i * cap;
      for (let q = 0; q <= i + 1; q++) L[dst + q] = L[src + q] as number;
      active[i] = active[i + 1] as number;
      sgn[i] = sgn[i + 1] as number;
    }
    m--;
    for (let i = k; i < m; i++) {
      // zero L[i][i+1] by rotating columns i, i+1 on rows i..m−1
      const x0 = L[i * cap + i] as number;
      const x1 = L[i * cap + i + 1] as number;
      const h = Math.hypot(x0, x1);
      const cs = x0 / h;
      const sn = x1 / h;
      for (let q = i; q < m; q++) {
        const row = q * cap;
        const l0 = L[row + i] as number;
        const l1 = L[row + i + 1] as number;
        L[row + i] = cs * l0 + sn * l1;
        L[row + i + 1] = -sn * l0 + cs * l1;
      }
      L[i * cap + i + 1] = 0;
    }
  };

  /** out = G⁻¹ v  (v, out of length m; out may alias v). */
  const solve = (v: Float64Array, out: Float64Array): void => {
    for (let q = 0; q < m; q++) {
      let s = v[q] as number;
      const row = q * cap;
      for (let k = 0; k < q; k++) s -= (L[row + k] as number) * (out[k] as number);
      out[q] = s / (L[row + q] as number);
    }
    for (let q = m - 1; q >= 0; q--) {
      let s = out[q] as number;
      for (let k = q + 1; k < m; k++) s -= (L[k * cap + q] as number) * (out[k] as number);
      out[q] = s / (L[q * cap + q] as number);
    }
  };

  /** w_A = zb − λ d at this λ (zb = G⁻¹b_A, d = G⁻¹s). */
  const setW = (lam: number): void => {
    for (let q = 0; q < m; q++) w[active[q] as number] = (zb[q] as number) - lam * (d[q] as number);
  };

  let lambda0 = 0;
  for (let j = 0; j < p; j++) lambda0 = Math.max(lambda0, Math.abs(b[j] as number));
  let lam = lambda0;
  const view: StepInfo = {
    get lambda() {
      return lam;
    },
    get event() {
      return event;
    },
    columns: events,
    get active() {
      return active;
    },
    get m() {
      return m;
    },
  };
  let event: LarsEvent = 'start';
  if (!(lambda0 > target)) {
    onStep(view);
    return;
  }
  // every column with |c_j| = λ₀ (ties included) enters at the start
  const tieTol = 1e-12 * lambda0;
  for (let j = 0; j < p; j++) {
    if (flag[j] !== 0 || Math.abs(c[j] as number) < lambda0 - tieTol) continue;
    const piv = pivot(j);
    if (independent(j, piv)) append(j, piv, Math.sign(c[j] as number));
    else flag[j] = 2;
  }
  if (!onStep(view)) return;

  let justAdded = -1;
  let justDropped = -1;
  let droppedSign = 0;
  let step = 0;
  /** r = y − X_A w_A from the current w (on demand: the correlations are kept up to date instead). */
  const residualNow = (): void => {
    r.set(y);
    for (let q = 0; q < m; q++) {
      const j = active[q] as number;
      const wq = w[j] as number;
      if (wq === 0) continue;
      const off = j * n;
      for (let i = 0; i < n; i++) r[i] = (r[i] as number) - wq * (data[off + i] as number);
    }
  };
  for (;;) {
    // c_j of the inactive columns is kept up to date (c_j ← c_j − γa_j after each step) and
    // recomputed exactly from r every REFRESH steps (no drift): one pass over X per step.
    const refresh = step++ % REFRESH === 0;
    // directions: zb = G⁻¹b_A, d = G⁻¹s;  u = X_A d,  r = y − X_A w_A (refresh steps only)
    for (let q = 0; q < m; q++) {
      zb[q] = b[active[q] as number] as number;
      d[q] = sgn[q] as number;
    }
    solve(zb, zb);
    solve(d, d);
    u.fill(0);
    for (let q = 0; q < m; q++) {
      const j = active[q] as number;
      const dq = d[q] as number;
      const off = j * n;
      // u += d_q X_j
      for (let i = 0; i < n; i++) u[i] = (u[i] as number) + dq * (data[off + i] as number);
    }
    if (refresh) residualNow();
    // one pass over the inactive columns: a_j = x_jᵀu/n (and c_j = x_jᵀr/n on refresh); smallest join γ
    let gJoin = Infinity;
    let jJoin = -1;
    for (let j = 0; j < p; j++) {
      if (flag[j] !== 0) continue;
      const off = j * n;
      let cj: number;
      let aj: number;
      if (refresh) {
        // (c_j, a_j) = x_jᵀ(r, u)/n, two accumulators each
        let c0 = 0;
        let c1 = 0;
        let a0 = 0;
        let a1 = 0;
        let i = 0;
        for (; i + 1 < n; i += 2) {
          const v0 = data[off + i] as number;
          const v1 = data[off + i + 1] as number;
          c0 += v0 * (r[i] as number);
          a0 += v0 * (u[i] as number);
          c1 += v1 * (r[i + 1] as number);
          a1 += v1 * (u[i + 1] as number);
        }
        if (i < n) {
          const v = data[off + i] as number;
          c0 += v * (r[i] as number);
          a0 += v * (u[i] as number);
        }
        cj = (c0 + c1) * invn;
        aj = (a0 + a1) * invn;
        c[j] = cj;
      } else {
        // a_j = x_jᵀu/n, four accumulators
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let i = 0;
        for (; i + 3 < n; i += 4) {
          a0 += (data[off + i] as number) * (u[i] as number);
          a1 += (data[off + i + 1] as number) * (u[i + 1] as number);
          a2 += (data[off + i + 2] as number) * (u[i + 2] as number);
          a3 += (data[off + i + 3] as number) * (u[i + 3] as number);
        }
        for (; i < n; i++) a0 += (data[off + i] as number) * (u[i] as number);
        cj = c[j] as number;
        aj = (a0 + a1 + (a2 + a3)) * invn;
      }
      a[j] = aj;
      // c_j − γa_j = ±(λ − γ):  γ = (λ ∓ c_j)/(1 ∓ a_j), denominators > 0 only. A column that
      // just left A sits at c_j = s·λ with a_j > s (Schur complement): skip that root (γ = 0),
      // it may still re-enter later on the opposite side.
      if (aj < 1 && !(j === justDropped && droppedSign > 0)) {
        const g = Math.max(lam - cj, 0) / (1 - aj);
        if (g < gJoin) {
          gJoin = g;
          jJoin = j;
        }
      }
      if (aj > -1 && !(j === justDropped && droppedSign < 0)) {
        const g = Math.max(lam + cj, 0) / (1 + aj);
        if (g < gJoin) {
          gJoin = g;
          jJoin = j;
        }
      }
    }
    // drop: w_j + γ d_j = 0 with γ > 0
    let gDrop = Infinity;
    let qDrop = -1;
    for (let q = 0; q < m; q++) {
      const j = active[q] as number;
      if (j === justAdded) continue;
      const dq = d[q] as number;
      const wq = w[j] as number;
      if (dq === 0 || wq === 0 || (wq > 0) === (dq > 0)) continue;
      const g = -wq / dq;
      if (g < gDrop) {
        gDrop = g;
        qDrop = q;
      }
    }
    const gTarget = lam - target;
    events.length = 0;
    justAdded = -1;
    justDropped = -1;
    if (gTarget <= gJoin && gTarget <= gDrop) {
      lam = target;
      setW(lam);
      event = 'end';
      onStep(view);
      return;
    }
    const gStep = gDrop < gJoin ? gDrop : gJoin;
    // c_j(λ − γ) = c_j − γ a_j for every inactive candidate
    for (let j = 0; j < p; j++) if (flag[j] === 0) c[j] = (c[j] as number) - gStep * (a[j] as number);
    if (gDrop < gJoin) {
      lam -= gDrop;
      setW(lam);
      const j = active[qDrop] as number;
      w[j] = 0;
      flag[j] = 0;
      droppedSign = sgn[qDrop] as number;
      remove(qDrop);
      // it left A at |c_j| = λ with its sign
      c[j] = droppedSign * lam;
      justDropped = j;
      events.push(j);
      event = 'drop';
      // a column left A: excluded columns may be independent again; one whose |c| is at λ
      // (tied with the dropped column, e.g. its duplicate) stays excluded until the next drop
      const tol = 1e-11 * lambda0;
      let haveR = false;
      for (let i = 0; i < p; i++) {
        if (flag[i] !== 2 || !((colSq[i] as number) > 0)) continue;
        if (!haveR) {
          residualNow(); // r at the new w (c is not kept for excluded columns)
          haveR = true;
        }
        const off = i * n;
        let ci = 0;
        for (let k = 0; k < n; k++) ci += (data[off + k] as number) * (r[k] as number);
        if (Math.abs(ci * invn) >= lam - tol) continue;
        if (independent(i, pivot(i))) {
          flag[i] = 0;
          c[i] = ci * invn;
        }
      }
    } else {
      lam -= gJoin;
      setW(lam);
      // add every candidate whose |c| reached λ at this γ (jJoin and exact ties)
      event = 'skip';
      const tol = 1e-11 * lambda0;

      for (let j = 0; j < p; j++) {
        if (flag[j] !== 0) continue;
        const cj = c[j] as number;
        if (j !== jJoin && Math.abs(cj) < lam - tol) continue;
        events.push(j);
        const piv = pivot(j);
        if (independent(j, piv)) {
          append(j, piv, Math.sign(cj));
          w[j] = 0;
          justAdded = j;
          event = 'add';
        } else {
          flag[j] = 2;
        }
      }
    }
    if (!onStep(view)) return;
  }
}

/** Steps between exact recomputations of the inactive correlations c = Xᵀr/n. */
const REFRESH = 16;

/** The breakpoints of the LARS–lasso path from λ_max down to lambdaMin (> 0). */
export function larsPath(X: Matrix, y: Float64Array, lambdaMin: number): LarsBreakpoint[] {
  const w = new Float64Array(X.p);
  const out: LarsBreakpoint[] = [];
  larsHomotopy(X, y, lambdaMin, w, (s) => {
    out.push({ lambda: s.lambda, w: w.slice(), active: s.active.slice(0, s.m), event: s.event, columns: [...s.columns] });
    return true;
  });
  return out;
}

export const lars: Solver = {
  name: 'lars',
  description: 'LARS–lasso homotopy from λ_max down to λ (exact path, Cholesky updates)',
  requires: ['squared-loss', 'l1-penalty', 'design-matrix'],
  params: {},
  run(anyProblem, _params: Params, callback: Callback, _ctx: RunContext) {
    const problem = float64Problem(anyProblem, 'lars');
    const design = problem.datafit.design;
    if (!design) throw new Error('lars: the datafit exposes no design matrix');
    const w = new Float64Array(problem.dim);
    const view: IterateView = { x: () => w };
    larsHomotopy(design.X, design.y, problem.lambda, w, () => callback(view));
    // reached only when the path ended at the target λ without the harness stopping it first
    return { stopped: 'the LARS homotopy reached the target λ (end of its path)' };
  },
};
