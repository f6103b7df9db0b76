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

/**
 * Anderson extrapolation of a fixed-point iteration w ← T(w) restricted to a coordinate list
 * (Anderson 1965; used on CD epochs by celer / skglm, Bertrand & Massias 2021): from the last
 * K + 1 iterates h_0…h_K with differences U = [h_1 − h_0, …, h_K − h_{K−1}], solve
 * (UᵀU) z = 1, c = z / Σz, and propose w_e = Σ_k c_k h_{k+1}. All buffers are preallocated.
 */
export class Anderson {
  private readonly hist: Float64Array;
  private readonly M: Float64Array;
  private readonly z: Float64Array;
  private count = 0;
  constructor(private readonly K: number, private readonly cap: number) {
    this.hist = new Float64Array((K + 1) * cap);
    this.M = new Float64Array(K * K);
    this.z = new Float64Array(K);
  }

  reset(): void {
    this.count = 0;
  }

  /**
   * Records w[coords[0..m−1]]; once K + 1 iterates are stored, writes the extrapolated values
   * into out[coords[q]] and returns true (history then restarts).
   */
  push(w: Float64Array, coords: Int32Array, m: number, out: Float64Array): boolean {
    const { K, cap, hist, M, z } = this;
    const base = this.count * cap;
    for (let q = 0; q < m; q++) hist[base + q] = w[coords[q] as number] as number;
    this.count++;
    if (this.count < K + 1) return false;
    this.count = 0;
    // M_ab = ⟨h_{a+1} − h_a, h_{b+1} − h_b⟩
    for (let a = 0; a < K; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        const oa = a * cap;
        const ob = b * cap;
        for (let q = 0; q < m; q++) {
          s += ((hist[oa + cap + q] as number) - (hist[oa + q] as number)) * ((hist[ob + cap + q] as number) - (hist[ob + q] as number));
        }
        M[a * K + b] = s;
        M[b * K + a] = s;
      }
    }
    if (!solveSpd(M, z, K)) return false;
    let sum = 0;
    for (let a = 0; a < K; a++) sum += z[a] as number;
    if (!(Math.abs(sum) > 0) || !Number.isFinite(sum)) return false;
    // out = Σ_k c_k h_{k+1}, c = z/Σz
    for (let q = 0; q < m; q++) {
      let v = 0;
      for (let a = 0; a < K; a++) v += ((z[a] as number) / sum) * (hist[(a + 1) * cap + q] as number);
      out[coords[q] as number] = v;
    }
    return true;
  }
}

/**
 * Solves M z = 1 in place for a small symmetric positive semidefinite M (K×K, overwritten) by
 * Cholesky with a relative ridge 1e-10·trace(M)/K; false when M is numerically zero or singular.
 */
function solveSpd(M: Float64Array, z: Float64Array, K: number): boolean {
  let tr = 0;
  for (let a = 0; a < K; a++) tr += M[a * K + a] as number;
  if (!(tr > 0) || !Number.isFinite(tr)) return false;
  const ridge = (1e-10 * tr) / K;
  for (let a = 0; a < K; a++) M[a * K + a] = (M[a * K + a] as number) + ridge;
  // M = LLᵀ in the lower triangle
  for (let a = 0; a < K; a++) {
    for (let b = 0; b <= a; b++) {
      let s = M[a * K + b] as number;
      for (let c = 0; c < b; c++) s -= (M[a * K + c] as number) * (M[b * K + c] as number);
      if (a === b) {
        if (!(s > 0)) return false;
        M[a * K + a] = Math.sqrt(s);
      } else {
        M[a * K + b] = s / (M[b * K + b] as number);
      }
    }
  }
  // L u = 1, then Lᵀ z = u
  for (let a = 0; a < K; a++) {
    let s = 1;
    for (let c = 0; c < a; c++) s -= (M[a * K + c] as number) * (z[c] as number);
    z[a] = s / (M[a * K + a] as number);
  }
  for (let a = K - 1; a >= 0; a--) {
    let s = z[a] as number;
    for (let c = a + 1; c < K; c++) s -= (M[c * K + a] as number) * (z[c] as number);
    z[a] = s / (M[a * K + a] as number);
  }
  return true;
}

/** Parameters of the quadratic CD driver (validated by the solver's ParamSpecs). */
export interface CdOptions {
  readonly strategy: 'cyclic' | 'active';
  /** Inner sweeps stop once their largest change ≤ innerRatio × that of the last full sweep. */
  readonly innerRatio: number;
  /** At most this many inner (working-set) epochs between full sweeps. */
  readonly maxInner: number;
  /** Anderson extrapolation over this many working-set epochs (0: off). */
  readonly anderson: number;
}

export function cdOptions(params: Params): CdOptions {
  return {
    strategy: params.strategy === 'cyclic' ? 'cyclic' : 'active',
    innerRatio: typeof params.innerRatio === 'number' ? params.innerRatio : 1e-2,
    maxInner: typeof params.maxInner === 'number' ? params.maxInner : 100,
    anderson: typeof params.anderson === 'number' ? params.anderson : 5,
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

  // Anderson extrapolation state: coordinates of the current working set, proposal wE, rE = y − X·wE
  const K = opts.anderson;
  const acc = K > 0 ? new Anderson(K, p) : null;
  const coords = new Int32Array(p);
  const wE = new Float64Array(p);
  const rE = new Float64Array(n);
  const penalty = problem.penalty;
  const data = X.data;
  /** Builds the coordinate list of units[0..m−1]; returns its length. */
  const coordsOf = (list: Int32Array, m: number): number => {
    if (!grouped) {
      coords.set(list.subarray(0, m));
      return m;
    }
    let c = 0;
    for (let q = 0; q < m; q++) {
      const g = groups[list[q] as number] as Int32Array;
      for (let a = 0; a < g.length; a++) coords[c++] = g[a] as number;
    }
    return c;
  };
  /** Records an epoch; every K epochs tries the extrapolated point and keeps it if F decreases. */
  const extrapolate = (mc: number): void => {
    if (acc === null || !acc.push(w, coords, mc, wE)) return;
    // rE = y − Σ_{j∈coords} wE_j·X_j   (coordinates outside the list are 0 in w and wE)
    rE.set(y);
    for (let q = 0; q < mc; q++) {
      const j = coords[q] as number;
      const v = wE[j] as number;
      if (v === 0) continue;
      const off = j * n;
      for (let i = 0; i < n; i++) rE[i] = (rE[i] as number) - v * (data[off + i] as number);
    }
    let rr = 0;
    let ee = 0;
    for (let i = 0; i < n; i++) {
      rr += (r[i] as number) * (r[i] as number);
      ee += (rE[i] as number) * (rE[i] as number);
    }
    const F = rr / (2 * n) + lambda * penalty.value(w);
    const FE = ee / (2 * n) + lambda * penalty.value(wE);
    if (FE < F) {
      for (let q = 0; q < mc; q++) {
        const j = coords[q] as number;
        w[j] = wE[j] as number;
      }
      r.set(rE);
    } else {
      // keep wE equal to w outside the extrapolated coordinates
      for (let q = 0; q < mc; q++) {
        const j = coords[q] as number;
        wE[j] = w[j] as number;
      }
    }
  };

  if (!callback(view)) return;
  const mcAll = coordsOf(all, mAll);
  for (;;) {
    if (opts.strategy === 'cyclic') {
      sweep(all, mAll);
      extrapolate(mcAll);
      if (!callback(view)) return;
      continue;
    }
    const fullChange = sweep(all, mAll);
    if (!callback(view)) return;
    // working set: the nonzero units after the full sweep
    let mA = 0;
    for (let q = 0; q < mAll; q++) {
      const u = all[q] as number;
      if (unitNonzero(u)) active[mA++] = u;
    }
    if (mA === 0 || mA === mAll) continue;
    const mc = coordsOf(active, mA);
    acc?.reset();
    wE.set(w);
    const target = opts.innerRatio * fullChange;
    for (let it = 0; it < opts.maxInner; it++) {
      const change = sweep(active, mA);
      extrapolate(mc);
      if (!callback(view)) return;
      if (change <= target) break;
    }
  }
}
