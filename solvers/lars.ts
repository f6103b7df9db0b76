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
 * lands exactly on λ). Only the inactive columns that could reach λ − γ within the step are
 * evaluated (c_j = x_jᵀr/n and a_j exactly, from r = y − X_A w_A and u = X_A d): an exact
 * Cauchy–Schwarz bound on how far each other |c_j| can have moved since it was last evaluated
 * rules them out (SCREENING in the code; on bench/peers-speed.ts's 500 × 5000 lasso, 23% of the
 * column-steps are evaluated). w_A is recomputed from the Cholesky factor G = LLᵀ at every
 * breakpoint (no drift); L is extended by one row when a column joins and downdated by Givens
 * rotations when one leaves.
 *
 * Degenerate designs: a column that is zero, or (numerically) in the span of the active columns
 * (duplicate or collinear, e.g. once |A| = n < p), would make G singular; it is not added but
 * marked excluded (event 'skip'), and is re-examined whenever a column leaves A. With such
 * columns the lasso solution is not unique; the one returned keeps them at 0.
 * One callback per breakpoint (k = 0 at w = 0); the run ends on its own at the target λ.
 */
import type { Callback, IterateView, Matrix, Params, RunContext, Solver } from '../problems/types.ts';
import { float64Problem } from './kernels/start.ts';
import { columnSpace, type ColumnSpace } from './kernels/columns.ts';

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
 *
 * Cost per breakpoint: one pass over the columns not screened out (c and a at once, the `dots2`
 * kernel of solvers/kernels/columns.ts, wasm SIMD where available), u = X_A d and r (`combine`),
 * O(p) scalar work for the bounds, and one back-substitution through L for both right-hand
 * sides (d = G⁻¹s and G⁻¹b_A): the forward halves z_s = L⁻¹s and z_b = L⁻¹b_A are extended by
 * one entry when a column joins (the rows of L above it do not change) and recomputed from the
 * removed position on a drop. No allocation in the step loop except when L's capacity doubles.
 * `plainLoops`: the kernels' plain-loop fallback even where wasm runs (what an X beyond
 * MAX_WASM_BYTES gets; tests compare the two). `onStep`'s `active` is a view valid during the
 * call only (copy it to keep it).
 */
export function larsHomotopy(X: Matrix, y: Float64Array, target: number, w: Float64Array, onStep: (s: StepInfo) => boolean, plainLoops = false): void {
  const { n, p } = X;
  const kmax = Math.min(n, p);
  // the vectors the kernels touch live in the column space (byte offsets): u, r, a scratch column,
  // a and c by position in the list of evaluated columns, the inactive, evaluated and active
  // lists, d, −w_A and the pivot's scratch
  const space = columnSpace(X, 8 * (3 * n + 2 * p + 3 * kmax) + 4 * (2 * p + kmax) + 16 * 11, plainLoops);
  try {
    homotopy(space, X, y, target, w, onStep);
  } finally {
    space.release();
  }
}

/** larsHomotopy in a column space (see there). */
function homotopy(space: ColumnSpace, X: Matrix, y: Float64Array, target: number, w: Float64Array, onStep: (s: StepInfo) => boolean): void {
  const { n, p } = X;
  const invn = 1 / n;
  const kmax = Math.min(n, p);
  const data = space.X;
  const u = space.f64(n);
  const r = space.f64(n);
  const col = space.f64(n);
  const aPos = space.f64(p);
  const cPos = space.f64(p);
  const inactive = space.i32(p);
  const evalList = space.i32(p);
  const active = space.i32(kmax);
  const d = space.f64(kmax);
  const negW = space.f64(kmax);
  const tmp = space.f64(kmax);
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
  // SCREENING (exact). For an inactive column, c_j = x_jᵀr/n moves by at most ρ_j‖Δr‖ when r
  // moves by Δr (Cauchy–Schwarz, ρ_j = ‖x_j‖/n). cRef_j is c_j when last evaluated and sRef_j the
  // value then of S = Σ_steps γ‖u‖ (r moves by γu along a step), so |c_j| ≤ B_j = |cRef_j| +
  // ρ_j(S − sRef_j), and along a step of length γ, |c_j − γa_j| ≤ B_j + γρ_j‖u‖ (|a_j| ≤ ρ_j‖u‖).
  // Column j cannot reach λ − γ − tol before its safe step (λ − tol − B_j)/(1 + ρ_j‖u‖): only the
  // columns whose safe step is below the step taken are evaluated (c_j, a_j exact from r and u).
  const cRef = Float64Array.from(b);
  const sRef = new Float64Array(p);
  const rho = new Float64Array(p);
  for (let j = 0; j < p; j++) rho[j] = Math.sqrt((colSq[j] as number) * invn);
  const safe = new Float64Array(p);
  const stamp = new Int32Array(p);
  // flag: 0 inactive candidate, 1 active, 2 excluded (zero or collinear column)
  const flag = new Int8Array(p);
  for (let j = 0; j < p; j++) if (!((colSq[j] as number) > 0)) flag[j] = 2;
  let nInactive = 0;
  let listDirty = true;
  /** inactive = the columns with flag 0, in increasing order (X is read front to back). */
  const relist = (): void => {
    nInactive = 0;
    for (let j = 0; j < p; j++) if (flag[j] === 0) inactive[nInactive++] = j;
    listDirty = false;
  };
  let cap = Math.min(kmax, 64);
  let L = new Float64Array(cap * cap);
  const sgn = new Float64Array(kmax);
  // zs = L⁻¹s, zbf = L⁻¹b_A (forward halves); zb = G⁻¹b_A
  const zs = new Float64Array(kmax);
  const zbf = new Float64Array(kmax);
  const zb = new Float64Array(kmax);
  let m = 0;
  const events: number[] = [];

  const grow = (): void => {
    const nc = Math.min(kmax, cap * 2);
    const L2 = new Float64Array(nc * nc);
    for (let i = 0; i < m; i++) for (let k = 0; k <= i; k++) L2[i * nc + k] = L[i * cap + k] as number;
    L = L2;
    cap = nc;
  };

  /** tmp = L⁻¹ X_Aᵀx_j/n; returns the new pivot² = ‖x_j‖²/n − ‖tmp‖² (≤ tiny: collinear). */
  const pivot = (j: number): number => {
    col.set(data.subarray(j * n, j * n + n));
    // tmp = X_Aᵀx_j
    space.dots(0, n, active.byteOffset, m, col.byteOffset, tmp.byteOffset);
    // forward solve L z = X_Aᵀx_j/n
    let zz = 0;
    for (let q = 0; q < m; q++) {
      let s = (tmp[q] as number) * invn;
      const row = q * cap;
      for (let k = 0; k < q; k++) s -= (L[row + k] as number) * (tmp[k] as number);
      s /= L[row + q] as number;
      tmp[q] = s;
      zz += s * s;
    }
    return (colSq[j] as number) - zz;
  };
  /** Collinearity threshold on the pivot²: relative to ‖x_j‖²/n (and room in A: |A| ≤ min(n, p)). */
  const independent = (j: number, piv: number): boolean => m < kmax && piv > 1e-10 * (colSq[j] as number);

  /** Forward substitution of row q of L for zs and zbf (rows above q done). */
  const forwardRow = (q: number): void => {
    const row = q * cap;
    let s1 = sgn[q] as number;
    let s2 = b[active[q] as number] as number;
    for (let k = 0; k < q; k++) {
      const l = L[row + k] as number;
      s1 -= l * (zs[k] as number);
      s2 -= l * (zbf[k] as number);
    }
    const piv = L[row + q] as number;
    zs[q] = s1 / piv;
    zbf[q] = s2 / piv;
  };

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
    listDirty = true;
    forwardRow(m);
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
    // rows ≥ k changed: their forward halves too
    for (let q = k; q < m; q++) forwardRow(q);
  };

  /** d = L⁻ᵀzs = G⁻¹s and zb = L⁻ᵀzbf = G⁻¹b_A, row by row of L (for q = m−1 … 0: x_q /= L_qq, then x_k −= L_qk x_q). */
  const backSolve = (): void => {
    for (let q = 0; q < m; q++) {
      d[q] = zs[q] as number;
      zb[q] = zbf[q] as number;
    }
    for (let q = m - 1; q >= 0; q--) {
      const row = q * cap;
      const piv = L[row + q] as number;
      const dq = (d[q] as number) / piv;
      const bq = (zb[q] as number) / piv;
      d[q] = dq;
      zb[q] = bq;
      for (let k = 0; k < q; k++) {
        const l = L[row + k] as number;
        d[k] = (d[k] as number) - l * dq;
        zb[k] = (zb[k] as number) - l * bq;
      }
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
    if (flag[j] !== 0 || Math.abs(cRef[j] as number) < lambda0 - tieTol) continue;
    const piv = pivot(j);
    if (independent(j, piv)) append(j, piv, Math.sign(cRef[j] as number));
    else flag[j] = 2;
  }
  if (!onStep(view)) return;

  let justAdded = -1;
  let justDropped = -1;
  let droppedSign = 0;
  /** r = y − X_A w_A from the current w. */
  const residualNow = (): void => {
    r.set(y);
    for (let q = 0; q < m; q++) negW[q] = -(w[active[q] as number] as number);
    space.combine(0, n, active.byteOffset, m, negW.byteOffset, r.byteOffset);
  };
  const tol = 1e-11 * lambda0;
  let S = 0;
  let theta = Infinity;
  let step = 0;
  let gJoin = Infinity;
  let jJoin = -1;
  /** c_j = x_jᵀr/n, a_j = x_jᵀu/n for evalList[from … to) (one pass), and their join steps. */
  const evaluate = (from: number, to: number): void => {
    if (to === from) return;
    space.dots2(0, n, evalList.byteOffset + 4 * from, to - from, r.byteOffset, u.byteOffset, cPos.byteOffset + 8 * from, aPos.byteOffset + 8 * from);
    for (let e = from; e < to; e++) {
      const j = evalList[e] as number;
      const cj = (cPos[e] as number) * invn;
      const aj = (aPos[e] as number) * invn;
      cPos[e] = cj;
      aPos[e] = aj;
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
  };
  for (;;) {
    step++;
    if (listDirty) relist();
    // directions: d = G⁻¹s, zb = G⁻¹b_A;  u = X_A d,  r = y − X_A w_A
    backSolve();
    u.fill(0);
    space.combine(0, n, active.byteOffset, m, d.byteOffset, u.byteOffset);
    residualNow();
    let uu = 0;
    for (let i = 0; i < n; i++) uu += (u[i] as number) * (u[i] as number);
    const normU = Math.sqrt(uu);
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
    // safe steps of the inactive columns (SCREENING above); round 1 evaluates those ≤ θ = twice
    // the previous step (all of them at the first step)
    let nEval = 0;
    for (let t = 0; t < nInactive; t++) {
      const j = inactive[t] as number;
      const rj = rho[j] as number;
      const g = (lam - tol - Math.abs(cRef[j] as number) - rj * (S - (sRef[j] as number))) / (1 + rj * normU);
      safe[t] = g;
      if (g <= theta) {
        evalList[nEval++] = j;
        stamp[j] = step;
      }
    }
    gJoin = Infinity;
    jJoin = -1;
    evaluate(0, nEval);
    // round 2: every column not yet evaluated whose safe step is ≤ the step found so far
    const bound = Math.min(gJoin, gDrop, gTarget);
    const n1 = nEval;
    for (let t = 0; t < nInactive; t++) {
      const j = inactive[t] as number;
      if (stamp[j] !== step && (safe[t] as number) <= bound) {
        evalList[nEval++] = j;
        stamp[j] = step;
      }
    }
    evaluate(n1, nEval);
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
    // the evaluated columns at λ − γ: c_j − γa_j, their references from here
    S += gStep * normU;
    for (let e = 0; e < nEval; e++) {
      const j = evalList[e] as number;
      cRef[j] = (cPos[e] as number) - gStep * (aPos[e] as number);
      sRef[j] = S;
    }
    theta = 2 * gStep;
    if (gDrop < gJoin) {
      lam -= gDrop;
      setW(lam);
      const j = active[qDrop] as number;
      w[j] = 0;
      flag[j] = 0;
      listDirty = true;
      droppedSign = sgn[qDrop] as number;
      remove(qDrop);
      // it left A at |c_j| = λ with its sign
      cRef[j] = droppedSign * lam;
      sRef[j] = S;
      justDropped = j;
      events.push(j);
      event = 'drop';
      // a column left A: excluded columns may be independent again; one whose |c| is at λ
      // (tied with the dropped column, e.g. its duplicate) stays excluded until the next drop
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
          listDirty = true;
          cRef[i] = ci * invn;
          sRef[i] = S;
        }
      }
    } else {
      lam -= gJoin;
      setW(lam);
      // add every candidate whose |c| reached λ at this γ (jJoin and exact ties); the columns not
      // evaluated are below λ − tol
      event = 'skip';
      for (let e = 0; e < nEval; e++) {
        const j = evalList[e] as number;
        if (flag[j] !== 0) continue;
        const cj = cRef[j] as number;
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
          listDirty = true;
        }
      }
    }
    if (!onStep(view)) return;
  }
}

/** The breakpoints of the LARS–lasso path from λ_max down to lambdaMin (> 0). */
export function larsPath(X: Matrix, y: Float64Array, lambdaMin: number, plainLoops = false): LarsBreakpoint[] {
  const w = new Float64Array(X.p);
  const out: LarsBreakpoint[] = [];
  larsHomotopy(
    X,
    y,
    lambdaMin,
    w,
    (s) => {
      out.push({ lambda: s.lambda, w: w.slice(), active: s.active.slice(0, s.m), event: s.event, columns: [...s.columns] });
      return true;
    },
    plainLoops,
  );
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
