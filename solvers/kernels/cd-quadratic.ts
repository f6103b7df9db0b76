/**
 * Coordinate-descent kernels for the least-squares datafit f(w) = (1/2n)‖y − Xw‖², with the
 * residual r = y − Xw kept up to date in place and X column-major (column j contiguous).
 *
 * Lasso, F(w) = f(w) + λ‖w‖₁: with l_j = ‖X_j‖²/n and ρ_j = X_jᵀr/n,
 *   w_j ← S_λ(l_j·w_j + ρ_j) / l_j,   r ← r − (w_j⁺ − w_j)·X_j       (S = soft-thresholding).
 * Group lasso, F(w) = f(w) + λ Σ_g ‖w_g‖₂: block step 1/L_g with L_g = ‖X_g‖₂²/n,
 *   z = w_g + X_gᵀr/(n·L_g),   w_g ← z·max(1 − λ/(L_g‖z‖), 0),   r ← r − X_g(w_g⁺ − w_g).
 * A coordinate (group) whose column(s) are all zero is set to 0 once and never visited again.
 *
 * Epoch strategies (`runQuadraticCd`):
 * - 'cyclic': every epoch is a full sweep over all coordinates (groups).
 * - 'active' (glmnet-style working set): after a full sweep, sweep only the nonzero coordinates
 *   (groups) — each such sweep is one epoch — until the largest weighted change l_j·Δw_j² of an
 *   inner sweep falls below `innerRatio` times that of the last full sweep (or `maxInner` inner
 *   sweeps ran), then sweep everything again. Every epoch ends with a callback on the full w.
 */
import type { Callback, IterateView, Matrix, Params, Problem, RunContext } from '../../problems/types.ts';
import { startingPoint } from './start.ts';

/** r = y − Xw (in place, returns r). */
export function residual(X: Matrix, y: Float64Array, w: Float64Array, r: Float64Array): Float64Array {
  const { n, p, data } = X;
  r.set(y);
  for (let j = 0; j < p; j++) {
    const wj = w[j] as number;
    if (wj === 0) continue;
    const off = j * n;
    // r −= w_j·X_j
    for (let i = 0; i < n; i++) r[i] = (r[i] as number) - wj * (data[off + i] as number);
  }
  return r;
}

/**
 * One lasso CD pass over the coordinates order[0..m−1] (l = ‖X_j‖²/n, all > 0 on that list).
 * Updates w and r in place; returns max_j l_j·(Δw_j)², the largest decrease scale of the pass.
 */
export function lassoCdSweep(X: Matrix, w: Float64Array, r: Float64Array, l: Float64Array, lambda: number, order: Int32Array, m: number): number {
  const n = X.n;
  const data = X.data;
  const invn = 1 / n;
  let maxChange = 0;
  for (let q = 0; q < m; q++) {
    const j = order[q] as number;
    const off = j * n;
    // ρ = X_jᵀr (four accumulators)
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += (data[off + i] as number) * (r[i] as number);
      s1 += (data[off + i + 1] as number) * (r[i + 1] as number);
      s2 += (data[off + i + 2] as number) * (r[i + 2] as number);
      s3 += (data[off + i + 3] as number) * (r[i + 3] as number);
    }
    for (; i < n; i++) s0 += (data[off + i] as number) * (r[i] as number);
    const wj = w[j] as number;
    const lj = l[j] as number;
    // z = l_j·w_j + X_jᵀr/n;  w_j⁺ = S_λ(z)/l_j
    const z = lj * wj + (s0 + s1 + s2 + s3) * invn;
    const wn = z > lambda ? (z - lambda) / lj : z < -lambda ? (z + lambda) / lj : 0;
    if (wn !== wj) {
      const d = wn - wj;
      w[j] = wn;
      // r −= Δw_j·X_j
      for (let k = 0; k < n; k++) r[k] = (r[k] as number) - d * (data[off + k] as number);
      const c = lj * d * d;
      if (c > maxChange) maxChange = c;
    }
  }
  return maxChange;
}

/**
 * One block-CD pass over the groups order[0..m−1] (Lg = block Lipschitz constants, all > 0
 * on that list); `scratch` holds at least max |g| entries. Returns max_g L_g·‖Δw_g‖².
 */
export function groupCdSweep(
  X: Matrix,
  w: Float64Array,
  r: Float64Array,
  groups: readonly Int32Array[],
  Lg: Float64Array,
  lambda: number,
  order: Int32Array,
  m: number,
  scratch: Float64Array,
): number {
  const n = X.n;
  const data = X.data;
  const invn = 1 / n;
  let maxChange = 0;
  for (let q = 0; q < m; q++) {
    const gi = order[q] as number;
    const g = groups[gi] as Int32Array;
    const Lgi = Lg[gi] as number;
    const size = g.length;
    // z = w_g + X_gᵀr/(n·L_g)
    let zz = 0;
    for (let a = 0; a < size; a++) {
      const off = (g[a] as number) * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += (data[off + i] as number) * (r[i] as number);
      const z = (w[g[a] as number] as number) + (s * invn) / Lgi;
      scratch[a] = z;
      zz += z * z;
    }
    const nz = Math.sqrt(zz);
    const scale = nz * Lgi > lambda ? 1 - lambda / (Lgi * nz) : 0;
    let dd = 0;
    for (let a = 0; a < size; a++) {
      const j = g[a] as number;
      const wn = scale * (scratch[a] as number);
      const d = wn - (w[j] as number);
      if (d === 0) continue;
      w[j] = wn;
      dd += d * d;
      const off = j * n;
      // r −= Δw_j·X_j
      for (let i = 0; i < n; i++) r[i] = (r[i] as number) - d * (data[off + i] as number);
    }
    const c = Lgi * dd;
    if (c > maxChange) maxChange = c;
  }
  return maxChange;
}

/**
 * Block Lipschitz constant L_g = ‖X_g‖₂²/n: exact ‖X_j‖²/n for a single column, else the
 * largest eigenvalue of the |g|×|g| Gram X_gᵀX_g/n by power iteration (relative change ≤ 1e-13),
 * inflated by (1 + 1e-9) so that the step 1/L_g stays safe.
 */
export function blockLipschitz(X: Matrix, g: Int32Array): number {
  const { n, data } = X;
  const s = g.length;
  const G = new Float64Array(s * s);
  for (let a = 0; a < s; a++) {
    const oa = (g[a] as number) * n;
    for (let b = 0; b <= a; b++) {
      const ob = (g[b] as number) * n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (data[oa + i] as number) * (data[ob + i] as number);
      G[a * s + b] = v / n;
      G[b * s + a] = v / n;
    }
  }
  if (s === 1) return G[0] as number;
  let trace = 0;
  for (let a = 0; a < s; a++) trace += G[a * s + a] as number;
  if (trace === 0) return 0;
  let v = new Float64Array(s).fill(1 / Math.sqrt(s));
  let u = new Float64Array(s);
  let mu = 0;
  for (let it = 0; it < 10000; it++) {
    // u = G v, μ = ‖u‖
    let nu = 0;
    for (let a = 0; a < s; a++) {
      let t = 0;
      for (let b = 0; b < s; b++) t += (G[a * s + b] as number) * (v[b] as number);
      u[a] = t;
      nu += t * t;
    }
    nu = Math.sqrt(nu);
    if (nu === 0) {
      // v in the null space: restart from a different vector
      v = new Float64Array(s);
      v[it % s] = 1;
      continue;
    }
    for (let a = 0; a < s; a++) u[a] = (u[a] as number) / nu;
    const done = Math.abs(nu - mu) <= 1e-13 * nu;
    mu = nu;
    const tmp = v;
    v = u;
    u = tmp;
    if (done) break;
  }
  // power iteration approaches from below; never exceed the trace bound
  return Math.min(mu * (1 + 1e-9), trace);
}

/** Parameters of the quadratic CD driver (validated by the solver's ParamSpecs). */
export interface CdOptions {
  readonly strategy: 'cyclic' | 'active';
  /** Inner sweeps stop once their largest change ≤ innerRatio × that of the last full sweep. */
  readonly innerRatio: number;
  /** At most this many inner (working-set) epochs between full sweeps. */
  readonly maxInner: number;
}

export function cdOptions(params: Params): CdOptions {
  return {
    strategy: params.strategy === 'cyclic' ? 'cyclic' : 'active',
    innerRatio: typeof params.innerRatio === 'number' ? params.innerRatio : 1e-2,
    maxInner: typeof params.maxInner === 'number' ? params.maxInner : 100,
  };
}

/**
 * Coordinate descent for a quadratic datafit with an l1 or group-l1 penalty. Calls back on
 * w₀ (k = 0), then once per epoch (a full sweep or a working-set sweep), always on the full w.
 */
export function runQuadraticCd(problem: Problem, params: Params, callback: Callback, ctx: RunContext): void {
  const design = problem.datafit.design;
  if (!design) throw new Error('cd: the quadratic datafit exposes no design matrix');
  const { X, y } = design;
  const { n, p } = X;
  const opts = cdOptions(params);
  const lambda = problem.lambda;
  const w = startingPoint(p, ctx, 'cd');
  const r = new Float64Array(n);
  const view: IterateView = { x: () => w };

  // units: coordinates (l1) or groups (group-l1); a unit with zero columns is fixed at 0
  const grouped = problem.penalty.name === 'group-l1';
  const groups = grouped ? (problem.penalty.groups ?? []) : [];
  const units = grouped ? groups.length : p;
  const lip = new Float64Array(units);
  let maxSize = 1;
  if (grouped) {
    for (let gi = 0; gi < units; gi++) {
      const g = groups[gi] as Int32Array;
      lip[gi] = blockLipschitz(X, g);
      if (g.length > maxSize) maxSize = g.length;
      if (lip[gi] === 0) for (let a = 0; a < g.length; a++) w[g[a] as number] = 0;
    }
  } else {
    const { data } = X;
    for (let j = 0; j < p; j++) {
      let s = 0;
      const off = j * n;
      for (let i = 0; i < n; i++) s += (data[off + i] as number) * (data[off + i] as number);
      lip[j] = s / n;
      if (s === 0) w[j] = 0;
    }
  }
  const all = new Int32Array(units);
  let mAll = 0;
  for (let u = 0; u < units; u++) if ((lip[u] as number) > 0) all[mAll++] = u;
  const active = new Int32Array(units);
  const scratch = new Float64Array(maxSize);
  residual(X, y, w, r);

  const sweep = grouped
    ? (order: Int32Array, m: number): number => groupCdSweep(X, w, r, groups, lip, lambda, order, m, scratch)
    : (order: Int32Array, m: number): number => lassoCdSweep(X, w, r, lip, lambda, order, m);
  const unitNonzero = grouped
    ? (u: number): boolean => {
        const g = groups[u] as Int32Array;
        for (let a = 0; a < g.length; a++) if (w[g[a] as number] !== 0) return true;
        return false;
      }
    : (u: number): boolean => w[u] !== 0;

  if (!callback(view)) return;
  for (;;) {
    const fullChange = sweep(all, mAll);
    if (!callback(view)) return;
    if (opts.strategy === 'cyclic') continue;
    // working set: the nonzero units after the full sweep
    let mA = 0;
    for (let q = 0; q < mAll; q++) {
      const u = all[q] as number;
      if (unitNonzero(u)) active[mA++] = u;
    }
    if (mA === 0 || mA === mAll) continue;
    const target = opts.innerRatio * fullChange;
    for (let it = 0; it < opts.maxInner; it++) {
      const change = sweep(active, mA);
      if (!callback(view)) return;
      if (change <= target) break;
    }
  }
}
