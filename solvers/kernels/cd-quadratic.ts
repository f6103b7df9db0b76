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
 * Epoch strategies (`runQuadraticCd`; 'auto', the default: 'workingset' from WS_AUTO_MIN_UNITS units up, else 'active'):
 * - 'cyclic': every epoch is a full sweep over all coordinates (groups).
 * - 'active' (glmnet-style working set): after a full sweep, sweep only the nonzero coordinates
 *   (groups) — each such sweep is one epoch — until the largest weighted change l_j·Δw_j² of an
 *   inner sweep falls below `innerRatio` times that of the last full sweep (or `maxInner` inner
 *   sweeps ran), then sweep everything again. Every epoch ends with a callback on the full w.
 * - 'workingset' (`runWorkingSetCd`): working sets grown by the duality gap with gap-safe
 *   screening (celer / skglm), the sequential strong rule on a warm start.
 * With `gram` ('cyclic' / 'active'), the sweeps keep q = Xᵀr/n up to date from cached Gram
 * columns instead of r (`GramCd`), for n ≫ p.
 */
import type { Callback, IterateView, Matrix, Params, Problem, RunContext } from '../../problems/types.ts';
import { startingPoint } from './start.ts';
import { columnSpace, type ColumnSpace } from './columns.ts';

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
 * `lassoCdSweep` on a column space (the same steps): ρ_j from the wasm `dots` kernel on one
 * column, r −= Δw_j·X_j by `combine`; order and r must live in the space, `step` is one double
 * of it (the kernel's coefficient).
 */
export function lassoCdSweepSpace(space: ColumnSpace, n: number, w: Float64Array, r: Float64Array, l: Float64Array, lambda: number, order: Int32Array, m: number, step: Float64Array): number {
  const { dots, combine } = space;
  const invn = 1 / n;
  const rAt = r.byteOffset;
  const sAt = step.byteOffset;
  let at = order.byteOffset;
  let maxChange = 0;
  for (let q = 0; q < m; q++, at += 4) {
    const j = order[q] as number;
    dots(0, n, at, 1, rAt, sAt);
    const wj = w[j] as number;
    const lj = l[j] as number;
    // z = l_j·w_j + X_jᵀr/n;  w_j⁺ = S_λ(z)/l_j
    const z = lj * wj + (step[0] as number) * invn;
    const wn = z > lambda ? (z - lambda) / lj : z < -lambda ? (z + lambda) / lj : 0;
    if (wn !== wj) {
      const d = wn - wj;
      w[j] = wn;
      // r −= Δw_j·X_j
      step[0] = -d;
      combine(0, n, at, 1, sAt, rAt);
      const c = lj * d * d;
      if (c > maxChange) maxChange = c;
    }
  }
  return maxChange;
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

/** The coordinates of units list[0..m−1] (themselves for l1, the groups' members for group-l1) into out; returns the count. */
/**
 * Block Lipschitz constants of the groups, lip[g] = λ_max(X_gᵀX_g/n) (blockLipschitz); the
 * coefficients of a group with zero columns are set to 0 (its optimum). Returns the largest
 * group size.
 */
function groupLipschitz(X: Matrix, groups: readonly Int32Array[], w: Float64Array, lip: Float64Array): number {
  let maxSize = 1;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as Int32Array;
    lip[gi] = blockLipschitz(X, g);
    if (g.length > maxSize) maxSize = g.length;
    if (lip[gi] === 0) for (let a = 0; a < g.length; a++) w[g[a] as number] = 0;
  }
  return maxSize;
}

function unitCoords(groups: readonly Int32Array[], grouped: boolean, list: Int32Array, m: number, out: Int32Array): number {
  if (!grouped) {
    out.set(list.subarray(0, m));
    return m;
  }
  let c = 0;
  for (let q = 0; q < m; q++) {
    const g = groups[list[q] as number] as Int32Array;
    for (let a = 0; a < g.length; a++) out[c++] = g[a] as number;
  }
  return c;
}

/**
 * Anderson extrapolation on CD epochs with a safeguard: every K + 1 recorded epochs the
 * extrapolated point w_e (see `Anderson`) replaces (w, r) only when F(w_e) < F(w), with
 * F = ‖r‖²/2n + λΩ. Coordinates outside the recorded list must be 0 in w. Buffers preallocated.
 */
class Extrapolation {
  private readonly acc: Anderson | null;
  private readonly wE: Float64Array;
  private readonly rE: Float64Array;
  constructor(
    private readonly X: Matrix,
    private readonly y: Float64Array,
    private readonly w: Float64Array,
    private readonly r: Float64Array,
    private readonly lambda: number,
    private readonly penalty: Problem['penalty'],
    K: number,
  ) {
    this.acc = K > 0 ? new Anderson(K, X.p) : null;
    this.wE = new Float64Array(X.p);
    this.rE = new Float64Array(X.n);
  }

  /** Restarts the history (the working set changed); w_e = w. */
  reset(): void {
    this.acc?.reset();
    this.wE.set(this.w);
  }

  /** Records an epoch on coords[0..mc−1]; every K + 1 epochs tries the extrapolated point. */
  step(coords: Int32Array, mc: number): void {
    const { acc, w, r, wE, rE, y, lambda, penalty } = this;
    if (acc === null || !acc.push(w, coords, mc, wE)) return;
    const { n, data } = this.X;
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
  }
}

/**
 * Lazy-Gram CD (glmnet's "covariance updates", Friedman, Hastie & Tibshirani 2010, §2.2): the
 * gradient part q = Xᵀr/n is kept for every coordinate and a move of w_j updates it by
 *   q ← q − Δw_j·G_j,   G_j = Xᵀx_j/n   (computed the first time w_j moves, then cached),
 * so a coordinate visit costs O(1) and a move O(p) instead of O(n): the choice when n ≫ p.
 * The lasso step reads ρ_j = q_j, the group step z = w_g + q_g/L_g (as in the residual kernels).
 * Anderson extrapolation (same safeguard as `Extrapolation`) compares F without forming a
 * residual: with d = w_e − w, F(w_e) − F(w) = ½dᵀGd − dᵀq + λ(Ω(w_e) − Ω(w)).
 */
class GramCd {
  readonly q: Float64Array;
  private readonly cols: (Float64Array | null)[];
  private readonly u: Float64Array;
  private readonly acc: Anderson | null;
  private readonly wE: Float64Array;
  constructor(
    private readonly X: Matrix,
    r: Float64Array,
    private readonly w: Float64Array,
    private readonly lambda: number,
    private readonly penalty: Problem['penalty'],
    K: number,
  ) {
    const { n, p, data } = X;
    this.q = new Float64Array(p);
    // q = Xᵀr/n
    for (let j = 0; j < p; j++) {
      const off = j * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += (data[off + i] as number) * (r[i] as number);
      this.q[j] = s / n;
    }
    this.cols = new Array<Float64Array | null>(p).fill(null);
    this.u = new Float64Array(p);
    this.acc = K > 0 ? new Anderson(K, p) : null;
    this.wE = new Float64Array(p);
  }

  /** G_j = Xᵀx_j/n (cached). */
  col(j: number): Float64Array {
    const cached = this.cols[j];
    if (cached) return cached;
    const { n, p, data } = this.X;
    const g = new Float64Array(p);
    const oj = j * n;
    for (let k = 0; k < p; k++) {
      const ok = k * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += (data[ok + i] as number) * (data[oj + i] as number);
      g[k] = s / n;
    }
    this.cols[j] = g;
    return g;
  }

  /** q ← q − d·G_j. */
  private move(j: number, d: number): void {
    const g = this.col(j);
    const q = this.q;
    for (let k = 0; k < q.length; k++) q[k] = (q[k] as number) - d * (g[k] as number);
  }

  /** One lasso CD pass over order[0..m−1] (as `lassoCdSweep`); returns max_j l_j·Δw_j². */
  lassoSweep(l: Float64Array, order: Int32Array, m: number): number {
    const { w, q, lambda } = this;
    let maxChange = 0;
    for (let k = 0; k < m; k++) {
      const j = order[k] as number;
      const wj = w[j] as number;
      const lj = l[j] as number;
      // z = l_j·w_j + q_j;  w_j⁺ = S_λ(z)/l_j
      const z = lj * wj + (q[j] as number);
      const wn = z > lambda ? (z - lambda) / lj : z < -lambda ? (z + lambda) / lj : 0;
      if (wn === wj) continue;
      const d = wn - wj;
      w[j] = wn;
      this.move(j, d);
      const c = lj * d * d;
      if (c > maxChange) maxChange = c;
    }
    return maxChange;
  }

  /** One block-CD pass over the groups order[0..m−1] (as `groupCdSweep`); returns max_g L_g·‖Δw_g‖². */
  groupSweep(groups: readonly Int32Array[], Lg: Float64Array, order: Int32Array, m: number, scratch: Float64Array): number {
    const { w, q, lambda } = this;
    let maxChange = 0;
    for (let k = 0; k < m; k++) {
      const gi = order[k] as number;
      const g = groups[gi] as Int32Array;
      const Lgi = Lg[gi] as number;
      // z = w_g + q_g/L_g
      let zz = 0;
      for (let a = 0; a < g.length; a++) {
        const j = g[a] as number;
        const z = (w[j] as number) + (q[j] as number) / Lgi;
        scratch[a] = z;
        zz += z * z;
      }
      const nz = Math.sqrt(zz);
      const scale = nz * Lgi > lambda ? 1 - lambda / (Lgi * nz) : 0;
      let dd = 0;
      for (let a = 0; a < g.length; a++) {
        const j = g[a] as number;
        const wn = scale * (scratch[a] as number);
        const d = wn - (w[j] as number);
        if (d === 0) continue;
        w[j] = wn;
        dd += d * d;
        this.move(j, d);
      }
      const c = Lgi * dd;
      if (c > maxChange) maxChange = c;
    }
    return maxChange;
  }

  /** Restarts the Anderson history; w_e = w. */
  reset(): void {
    this.acc?.reset();
    this.wE.set(this.w);
  }

  /** Records an epoch on coords[0..mc−1]; every K + 1 epochs tries the extrapolated point. */
  step(coords: Int32Array, mc: number): void {
    const { acc, w, wE, q, u, lambda, penalty } = this;
    if (acc === null || !acc.push(w, coords, mc, wE)) return;
    // u = G·d, d = w_e − w (nonzero only on coords)
    u.fill(0);
    let lin = 0;
    for (let k = 0; k < mc; k++) {
      const j = coords[k] as number;
      const d = (wE[j] as number) - (w[j] as number);
      if (d === 0) continue;
      lin += d * (q[j] as number);
      const g = this.col(j);
      for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) + d * (g[i] as number);
    }
    let quad = 0;
    for (let k = 0; k < mc; k++) {
      const j = coords[k] as number;
      quad += ((wE[j] as number) - (w[j] as number)) * (u[j] as number);
    }
    // F(w_e) − F(w) = ½dᵀGd − dᵀq + λ(Ω(w_e) − Ω(w))
    const dF = 0.5 * quad - lin + lambda * (penalty.value(wE) - penalty.value(w));
    if (dF < 0) {
      for (let k = 0; k < mc; k++) {
        const j = coords[k] as number;
        w[j] = wE[j] as number;
      }
      for (let i = 0; i < q.length; i++) q[i] = (q[i] as number) - (u[i] as number);
    } else {
      for (let k = 0; k < mc; k++) {
        const j = coords[k] as number;
        wE[j] = w[j] as number;
      }
    }
  }
}

/**
 * `strategy=auto` runs working sets from this many units (coordinates or groups) up: below it a
 * full sweep is cheap and 'active' was as fast or faster on the default suite (diabetes, p = 10;
 * 100 groups of 5), above it working sets were faster (p = 1000, p = 5000).
 */
export const WS_AUTO_MIN_UNITS = 500;

/** Parameters of the quadratic CD driver (validated by the solver's ParamSpecs). */
export interface CdOptions {
  /** 'auto': 'workingset' with at least WS_AUTO_MIN_UNITS coordinates (groups), else 'active'. */
  readonly strategy: 'auto' | 'cyclic' | 'active' | 'workingset';
  /** Inner sweeps stop once their largest change ≤ innerRatio × that of the last full sweep. */
  readonly innerRatio: number;
  /** At most this many inner (working-set) epochs between full sweeps. */
  readonly maxInner: number;
  /** Anderson extrapolation over this many working-set epochs (0: off). */
  readonly anderson: number;
  /** 'workingset': size of the first working set (units) from a cold start. */
  readonly wsStart: number;
  /** 'workingset': the inner solve stops once its gap ≤ wsInnerRatio × the outer gap. */
  readonly wsInnerRatio: number;
  /** 'workingset': gap-safe screening at every outer iteration. */
  readonly screen: boolean;
  /**
   * 'cyclic' / 'active': gradient updates q ← q − Δw_j·Xᵀx_j/n from cached Gram columns instead
   * of residual updates. Each column costs O(np) once, so it pays only when the epochs outnumber
   * the coordinates that ever move (n ≫ p and many epochs); off by default.
   */
  readonly gram: boolean;
}

export function cdOptions(params: Params): CdOptions {
  return {
    strategy: params.strategy === 'cyclic' || params.strategy === 'active' || params.strategy === 'workingset' ? params.strategy : 'auto',
    innerRatio: typeof params.innerRatio === 'number' ? params.innerRatio : 1e-2,
    maxInner: typeof params.maxInner === 'number' ? params.maxInner : 100,
    anderson: typeof params.anderson === 'number' ? params.anderson : 5,
    wsStart: typeof params.wsStart === 'number' ? params.wsStart : 10,
    wsInnerRatio: typeof params.wsInnerRatio === 'number' ? params.wsInnerRatio : 0.3,
    screen: typeof params.screen === 'boolean' ? params.screen : true,
    gram: params.gram === true,
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
  const nUnits = problem.penalty.name === 'group-l1' ? (problem.penalty.groups ?? []).length : p;
  if (opts.strategy === 'workingset' || (opts.strategy === 'auto' && nUnits >= WS_AUTO_MIN_UNITS)) return runWorkingSetCd(problem, opts, callback, ctx);
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
    maxSize = groupLipschitz(X, groups, w, lip);
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

  const gram = opts.gram ? new GramCd(X, r, w, lambda, problem.penalty, opts.anderson) : null;
  const sweep = gram
    ? grouped
      ? (order: Int32Array, m: number): number => gram.groupSweep(groups, lip, order, m, scratch)
      : (order: Int32Array, m: number): number => gram.lassoSweep(lip, order, m)
    : grouped
      ? (order: Int32Array, m: number): number => groupCdSweep(X, w, r, groups, lip, lambda, order, m, scratch)
      : (order: Int32Array, m: number): number => lassoCdSweep(X, w, r, lip, lambda, order, m);
  const unitNonzero = grouped
    ? (u: number): boolean => {
        const g = groups[u] as Int32Array;
        for (let a = 0; a < g.length; a++) if (w[g[a] as number] !== 0) return true;
        return false;
      }
    : (u: number): boolean => w[u] !== 0;

  // Anderson extrapolation over the coordinates of the current working set
  const coords = new Int32Array(p);
  const ext = gram ?? new Extrapolation(X, y, w, r, lambda, problem.penalty, opts.anderson);
  /** Builds the coordinate list of units[0..m−1]; returns its length. */
  const coordsOf = (list: Int32Array, m: number): number => unitCoords(groups, grouped, list, m, coords);
  const extrapolate = (mc: number): void => ext.step(coords, mc);

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
    ext.reset();
    const target = opts.innerRatio * fullChange;
    for (let it = 0; it < opts.maxInner; it++) {
      const change = sweep(active, mA);
      extrapolate(mc);
      if (!callback(view)) return;
      if (change <= target) break;
    }
  }
}

/**
 * The k-th smallest (0-based) of a[0..m−1], no NaN: quickselect (Hoare partition around the
 * median of three), O(m) expected; reorders a[0..m−1] in place.
 */
export function kthSmallest(a: Float64Array, m: number, k: number): number {
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[lo..j] ≤ pivot ≤ a[i..hi], and a[j+1..i−1] = pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return pivot;
  }
  return a[k] as number;
}

/**
 * The gap-safe sphere test (Fercoq, Gramfort & Salmon 2015) for F(w) = (1/2n)‖y − Xw‖² + λΩ(w).
 * The dual D(θ) = (1/2n)(‖y‖² − ‖y − nθ‖²) is n-strongly concave and D(θ*) = F(w*) ≤ F(w), so
 * any feasible θ has ‖θ − θ*‖ ≤ √(2·gap/n), gap = F(w) − D(θ). At the optimum ‖X_uᵀθ*‖ < λ forces
 * w*_u = 0 (KKT), and ‖X_uᵀθ*‖ ≤ ‖X_uᵀθ‖ + ‖X_u‖₂·√(2·gap/n) with ‖X_u‖₂ = √(n·L_u). With
 * θ = s·r/n, `sa` = ‖X_uᵀθ‖ = s·‖X_uᵀr‖/n and L_u = ‖X_u‖₂²/n (an upper bound is safe): true when
 *   sa + √(2·L_u·gap) < λ,
 * which proves w*_u = 0 (for one column: |x_jᵀθ|/λ + ‖x_j‖·√(2·gap)/(λ√n) < 1).
 */
export function gapSafeScreened(sa: number, lipU: number, gap: number, lambda: number): boolean {
  return sa + Math.sqrt(2 * lipU * gap) < lambda;
}

/** Inner-solve gaps are evaluated every this many working-set epochs. */
const WS_GAP_EVERY = 5;
/** Inner target (× the outer gap) once the working set looks complete. */
const WS_DEEP_RATIO = 1e-3;

/**
 * Working-set CD with gap-safe screening (celer: Massias, Gramfort & Salmon 2018; skglm:
 * Bertrand et al. 2022; screening: Fercoq, Gramfort & Salmon 2015), for the lasso and the
 * group lasso. With c = Xᵀr/n, the dual point θ = s·r/n, s = min(1, λ/Ω*(c)), and
 *   gap = F(w) − D(θ) = (1 − s)²‖r‖²/2n + λΩ(w) − s·wᵀc      (no cancellation, see quadratic.ts),
 * each outer iteration does one pass over the remaining units u (coordinates or groups), a_u = ‖c_u‖:
 * 1. screening (`gapSafeScreened`): unit u is discarded for good when s·a_u + √(2·L_u·gap) < λ
 *    (set to 0 if it was not);
 * 2. working set: the nonzero units, then the best-ranked by d_u = (λ − s·a_u)/(λ·√L_u) (the
 *    distance of θ to unit u's constraint, as in celer), max(wsStart, 2·nnz) units in all; on a warm
 *    start (a path) the first set is the sequential strong rule of Tibshirani et al. (2012):
 *    {u : w_u ≠ 0 or a_u ≥ 2λ − λ₀}, with λ₀ = Ω*(c) at x₀ (the λ x₀ solves, when it does);
 *    units it leaves out come back in later outer iterations if they violate KKT (the full pass
 *    is that check);
 * 3. inner solve: CD epochs (with Anderson extrapolation) on the working set until the gap of the
 *    restricted problem (evaluated every WS_GAP_EVERY epochs) ≤ wsInnerRatio × the outer gap, at
 *    most maxInner epochs, or until an epoch changes nothing. Once the set looks complete — the
 *    outer gap is at most twice what the last inner solve reached, the first set of a warm start,
 *    or a set holding every unit left (then one sweep over all, and the inner solve on the nonzero
 *    units only, as glmnet's active set) — the target is WS_DEEP_RATIO × the outer gap instead (the harness stops the run at its
 *    tolerance in the middle of it; 0.3 there would cost one full pass per 0.3× of gap).
 * For l1 the solve runs in a column space (./columns.ts; wasm SIMD where available): X copied
 * into wasm memory with its float32 copy and column norms — all three kept with the thread's
 * memory for the next solve on the same array (a path's next λ, a repeated run) —, the sweeps'
 * x_jᵀr and r −= Δw_j·x_j in its kernels, and each outer pass in float32 columns (half the
 * bytes) with the units that decide Ω*(c) and wᵀc recomputed in float64, so the gap is the
 * float64 one and screening uses a proven upper bound of each |c_u| (`corrAlive`). Without wasm
 * the norms come out of the first pass itself (‖x_j‖² and x_jᵀr in one read of X).
 * Calls back on w₀, then after every inner epoch (on the full w); no allocation after set-up.
 */
function runWorkingSetCd(problem: Problem, opts: CdOptions, callback: Callback, ctx: RunContext): void {
  const X = (problem.datafit.design as NonNullable<Problem['datafit']['design']>).X;
  // l1: the outer passes' c = Xᵀr run in the wasm SIMD `dots` kernel over a copy of X (r, the
  // unit lists and the products live in the same memory); group-l1 keeps its per-group loops
  const space = problem.penalty.name === 'group-l1' ? null : columnSpace(X, 8 * (X.n + X.p + 2) + 4 * 3 * X.p + 64, false, true);
  try {
    workingSetCd(problem, opts, callback, ctx, space);
  } finally {
    space?.release();
  }
}

function workingSetCd(problem: Problem, opts: CdOptions, callback: Callback, ctx: RunContext, space: ColumnSpace | null): void {
  const design = problem.datafit.design as NonNullable<Problem['datafit']['design']>;
  const { X, y } = design;
  const { n, p, data } = X;
  const lambda = problem.lambda;
  const penalty = problem.penalty;
  const w = startingPoint(p, ctx, 'cd');
  const r = space ? space.f64(n) : new Float64Array(n);
  const view: IterateView = { x: () => w };
  const grouped = penalty.name === 'group-l1';
  const groups = grouped ? (penalty.groups ?? []) : [];
  const units = grouped ? groups.length : p;
  const lip = new Float64Array(units);
  let maxSize = 1;
  if (grouped) maxSize = groupLipschitz(X, groups, w, lip);
  const invn = 1 / n;
  /** c_j = x_jᵀr/n for l1 (and l_j = ‖x_j‖²/n when `norms`); returns |c_j|. */
  const corrL1 = (j: number, norms: boolean): number => {
    const off = j * n;
    let t0 = 0;
    let t1 = 0;
    let i = 0;
    if (norms) {
      let s0 = 0;
      let s1 = 0;
      for (; i + 1 < n; i += 2) {
        const a0 = data[off + i] as number;
        const a1 = data[off + i + 1] as number;
        s0 += a0 * a0;
        s1 += a1 * a1;
        t0 += a0 * (r[i] as number);
        t1 += a1 * (r[i + 1] as number);
      }
      for (; i < n; i++) {
        const a0 = data[off + i] as number;
        s0 += a0 * a0;
        t0 += a0 * (r[i] as number);
      }
      lip[j] = (s0 + s1) * invn;
    } else {
      let t2 = 0;
      let t3 = 0;
      for (; i + 3 < n; i += 4) {
        t0 += (data[off + i] as number) * (r[i] as number);
        t1 += (data[off + i + 1] as number) * (r[i + 1] as number);
        t2 += (data[off + i + 2] as number) * (r[i + 2] as number);
        t3 += (data[off + i + 3] as number) * (r[i + 3] as number);
      }
      for (; i < n; i++) t0 += (data[off + i] as number) * (r[i] as number);
      t0 += t2 + t3;
    }
    const v = (t0 + t1) * invn;
    c[j] = v;
    return Math.abs(v);
  };
  /** ‖x_j‖²/n. */
  const columnNormSq = (j: number): number => {
    const off = j * n;
    let s0 = 0;
    for (let i = 0; i < n; i++) s0 += (data[off + i] as number) * (data[off + i] as number);
    return s0 * invn;
  };
  /** c_g = X_gᵀr/n for group g; returns ‖c_g‖. */
  const corrGroup = (gi: number): number => {
    const g = groups[gi] as Int32Array;
    let ss = 0;
    for (let a = 0; a < g.length; a++) {
      const j = g[a] as number;
      const off = j * n;
      let t = 0;
      for (let i = 0; i < n; i++) t += (data[off + i] as number) * (r[i] as number);
      const v = t * invn;
      c[j] = v;
      ss += v * v;
    }
    return Math.sqrt(ss);
  };
  const unitNonzero = grouped
    ? (u: number): boolean => {
        const g = groups[u] as Int32Array;
        for (let a = 0; a < g.length; a++) if (w[g[a] as number] !== 0) return true;
        return false;
      }
    : (u: number): boolean => w[u] !== 0;
  /** w_u ← 0 with r ← r + X_u·w_u. */
  const zeroUnit = (u: number): void => {
    const g = grouped ? (groups[u] as Int32Array) : null;
    const m = g ? g.length : 1;
    for (let a = 0; a < m; a++) {
      const j = g ? (g[a] as number) : u;
      const v = w[j] as number;
      if (v === 0) continue;
      w[j] = 0;
      const off = j * n;
      // r += w_j·X_j
      for (let i = 0; i < n; i++) r[i] = (r[i] as number) + v * (data[off + i] as number);
    }
  };
  /** wᵀc over the units list[0..m−1]. */
  const wDotC = (list: Int32Array, m: number): number => {
    let s = 0;
    for (let q = 0; q < m; q++) {
      const u = list[q] as number;
      if (!grouped) {
        const v = w[u] as number;
        if (v !== 0) s += v * (c[u] as number);
        continue;
      }
      const g = groups[u] as Int32Array;
      for (let a = 0; a < g.length; a++) s += (w[g[a] as number] as number) * (c[g[a] as number] as number);
    }
    return s;
  };
  /** The gap from Ω*(c) = dn and wᵀc (c computed at the current r). */
  const gapOf = (dn: number, wc: number): number => {
    let rr = 0;
    for (let i = 0; i < n; i++) rr += (r[i] as number) * (r[i] as number);
    const s = dn > lambda ? lambda / dn : 1;
    return ((1 - s) * (1 - s) * rr) / (2 * n) + lambda * penalty.value(w) - s * wc;
  };

  const c = new Float64Array(p);
  const a = new Float64Array(units);
  const score = new Float64Array(units);
  const sorted = new Float64Array(units);
  const alive = space ? space.i32(units) : new Int32Array(units);
  const ws = space ? space.i32(units) : new Int32Array(units);
  /** dots' products, by position in the list (l1 with a space). */
  const prod = space ? space.f64(units) : new Float64Array(0);
  /** c_j = prod_q/n for j = list[q] (and a_j = |c_j| when `setA`); returns the max |c_j|. */
  const scatter = (list: Int32Array, m: number, setA: boolean): number => {
    let dn = 0;
    for (let q = 0; q < m; q++) {
      const j = list[q] as number;
      const v = (prod[q] as number) * invn;
      c[j] = v;
      const av = Math.abs(v);
      if (setA) a[j] = av;
      if (av > dn) dn = av;
    }
    return dn;
  };
  /** c_j = x_jᵀr/n for the coordinates list[0..m−1] (l1); returns max |c_j| and sets a_j = |c_j| when `setA`. */
  const corrList = (list: Int32Array, m: number, setA: boolean): number => {
    if (space) {
      space.dots(0, n, list.byteOffset, m, r.byteOffset, prod.byteOffset);
      return scatter(list, m, setA);
    }
    let dn = 0;
    for (let q = 0; q < m; q++) {
      const j = list[q] as number;
      const v = grouped ? corrGroup(j) : corrL1(j, false);
      if (setA) a[j] = v;
      if (v > dn) dn = v;
    }
    return dn;
  };
  /** Upper bound of |c_j − a_j| for each unit after `corrAlive` (0 where a_j is exact). */
  const slack = new Float64Array(units);
  const exact = space ? space.i32(units) : new Int32Array(0);
  const x32 = space ? space.x32 : -1;
  // |fl64(Σ x̃_i r_i) − Σ x_i r_i| ≤ κ·‖x_j‖·‖r‖ + 2⁻¹⁵⁰·√n·‖r‖ with x̃ = fl32(x) (relative error
  // 2⁻²⁴, absolute 2⁻¹⁵⁰ below float32's normal range) and float64 sums (γ_n = n·u/(1 − n·u),
  // u = 2⁻⁵³; Cauchy–Schwarz for Σ|x_i r_i|); the factors 1.01 cover x̃'s own rounding in the
  // products and the division by n
  const gammaN = (n * 2 ** -53) / (1 - n * 2 ** -53);
  const kappa = 1.01 * (2 ** -24 + 1.01 * gammaN);
  const sqrtN = Math.sqrt(n);
  /**
   * The outer pass over the alive units: a_u = |c_u| and Ω*(c) = max_u a_u (returned), c exact
   * (float64) where it is read — Ω*(c) itself and the nonzero units (wᵀc) — and elsewhere an
   * estimate with `slack` bounding its error. l1 with a float32 copy: c̃ = X̃ᵀr/n in float32
   * columns (half the bytes of X), then the units whose |c̃_u| + slack_u reaches
   * max_v(|c̃_v| − slack_v) and the nonzero units in float64; the max is among the former, so
   * Ω*(c) is exact. Otherwise every c_u in float64 (slack 0).
   */
  const corrAlive = (): number => {
    if (!space || x32 < 0) return corrList(alive, mAlive, true);
    space.dotsF32(x32, n, alive.byteOffset, mAlive, r.byteOffset, prod.byteOffset);
    let rr = 0;
    for (let i = 0; i < n; i++) rr += (r[i] as number) * (r[i] as number);
    const rn = Math.sqrt(rr) * 1.01;
    const under = (2 ** -150 * sqrtN * rn) * invn;
    let floor = 0;
    for (let q = 0; q < mAlive; q++) {
      const j = alive[q] as number;
      const v = (prod[q] as number) * invn;
      c[j] = v;
      const av = Math.abs(v);
      a[j] = av;
      const b = (slackScale[j] as number) * rn + under + 2 ** -52 * av;
      slack[j] = b;
      if (av - b > floor) floor = av - b;
    }
    let mE = 0;
    for (let q = 0; q < mAlive; q++) {
      const j = alive[q] as number;
      if (w[j] !== 0 || (a[j] as number) + (slack[j] as number) >= floor) exact[mE++] = j;
    }
    space.dots(0, n, exact.byteOffset, mE, r.byteOffset, prod.byteOffset);
    for (let q = 0; q < mE; q++) slack[exact[q] as number] = 0;
    return scatter(exact, mE, true);
  };
  const coords = new Int32Array(p);
  const scratch = new Float64Array(maxSize);
  const ext = new Extrapolation(X, y, w, r, lambda, penalty, opts.anderson);
  // l1 with a column space: the norms come with the copy of X (computed once per design and
  // kept with it); a zero column is w_j = 0 for good
  /** κ·‖x_j‖/n: the column's factor in the float32 pass's error bound (`corrAlive`). */
  const slackScale = new Float64Array(space && x32 >= 0 ? p : 0);
  if (space) {
    const sq = space.sqNorms();
    for (let j = 0; j < p; j++) {
      lip[j] = (sq[j] as number) * invn;
      if (lip[j] === 0) w[j] = 0;
      if (slackScale.length > 0) slackScale[j] = kappa * Math.sqrt(sq[j] as number) * invn;
    }
  }
  residual(X, y, w, r);
  let mAlive = 0;
  for (let u = 0; u < units; u++) if ((!grouped && !space) || (lip[u] as number) > 0) alive[mAlive++] = u;
  const step = space ? space.f64(1) : null;
  const sweep = grouped
    ? (list: Int32Array, m: number): number => groupCdSweep(X, w, r, groups, lip, lambda, list, m, scratch)
    : space && step
      ? (list: Int32Array, m: number): number => lassoCdSweepSpace(space, n, w, r, lip, lambda, list, m, step)
      : (list: Int32Array, m: number): number => lassoCdSweep(X, w, r, lip, lambda, list, m);

  if (!callback(view)) return;
  let first = true;
  // l1 column norms without a column space: read together with the first full pass; on a warm
  // start that pass reads c only (the strong rule needs no norms), the working set's norms come
  // one column at a time and the others with the next full pass, if there is one
  let normsKnown = grouped || space !== null;
  /** The restricted gap the last inner solve reached (0: it reached a fixed point; NaN: unknown). */
  let innerReached = NaN;
  for (;;) {
    // outer pass: a_u = ‖c_u‖ over the remaining units, Ω*(c), the gap
    let dn = 0;
    const fuse = !normsKnown && !(first && ctx.x0);
    if (fuse && !grouped) {
      for (let q = 0; q < mAlive; q++) {
        const u = alive[q] as number;
        const v = corrL1(u, true);
        a[u] = v;
        if (v > dn) dn = v;
      }
    } else dn = grouped ? corrList(alive, mAlive, true) : corrAlive();
    const strong = 2 * lambda - dn;
    const strongRule = first && ctx.x0 !== undefined && strong > 0;
    if (!normsKnown && !fuse && !strongRule) {
      // a warm start the strong rule does not apply to: the norms now
      for (let q = 0; q < mAlive; q++) corrL1(alive[q] as number, true);
    }
    if (!normsKnown && (fuse || !strongRule)) {
      normsKnown = true;
      // zero columns: w_j = 0 for good
      let m = 0;
      for (let q = 0; q < mAlive; q++) {
        const u = alive[q] as number;
        if ((lip[u] as number) > 0) alive[m++] = u;
        else zeroUnit(u);
      }
      mAlive = m;
    }
    if (!grouped && innerReached === 0 && dn > lambda && normsKnown) {
      // at a CD fixed point, round the nonzero w_j with |c_j| > λ (by one or two ulps) towards
      // |c_j| ≤ λ: on a badly scaled column one ulp of w_j moves c_j by l_j·ulp(w_j), and the
      // rescaled dual point (s = λ/‖c‖∞ < 1) would keep the gap far above the round-off of F
      let moved = false;
      for (let q = 0; q < mAlive; q++) {
        const j = alive[q] as number;
        const wj = w[j] as number;
        const cj = c[j] as number;
        if (wj === 0 || Math.abs(cj) <= lambda) continue;
        // c_j(w + δe_j) = c_j − l_j·δ
        const wn = wj + Math.sign(cj) * Math.abs(wj) * 2.220446049250313e-16;
        const d = wn - wj;
        if (d === 0 || (lip[j] as number) * Math.abs(d) > 2 * (Math.abs(cj) - lambda) + 1e-300) continue;
        w[j] = wn;
        const off = j * n;
        // r −= Δw_j·X_j
        for (let i = 0; i < n; i++) r[i] = (r[i] as number) - d * (data[off + i] as number);
        moved = true;
      }
      if (moved) {
        if (!callback(view)) return;
        continue;
      }
    }
    const gap = gapOf(dn, wDotC(alive, mAlive));
    const s = dn > lambda ? lambda / dn : 1;
    if (opts.screen && normsKnown && gap >= 0 && Number.isFinite(gap)) {
      // gap-safe screening: s·a_u + √(2·L_u·gap) < λ ⇒ w*_u = 0
      let m = 0;
      for (let q = 0; q < mAlive; q++) {
        const u = alive[q] as number;
        if (gapSafeScreened(s * ((a[u] as number) + (slack[u] as number)), lip[u] as number, gap, lambda)) zeroUnit(u);
        else alive[m++] = u;
      }
      mAlive = m;
    }
    // the working set, in unit order
    let mWs = 0;
    if (strongRule) {
      // sequential strong rule from the warm start: λ₀ = Ω*(c(x₀)); norms of its members
      for (let q = 0; q < mAlive; q++) {
        const u = alive[q] as number;
        if (!unitNonzero(u) && (a[u] as number) < strong) continue;
        if (!normsKnown) {
          lip[u] = columnNormSq(u);
          if (lip[u] === 0) {
            zeroUnit(u);
            continue;
          }
        }
        ws[mWs++] = u;
      }
    } else {
      let nnz = 0;
      for (let q = 0; q < mAlive; q++) {
        const u = alive[q] as number;
        const nz = unitNonzero(u);
        if (nz) nnz++;
        // d_u = (λ − s·a_u)/(λ·√L_u) ≥ 0; the nonzero units first
        const d = nz ? -1 : (lambda - s * (a[u] as number)) / (lambda * Math.sqrt(lip[u] as number));
        score[u] = d;
        sorted[q] = d;
      }
      const k = Math.min(mAlive, Math.max(opts.wsStart, 2 * nnz));
      if (k >= mAlive) {
        ws.set(alive.subarray(0, mAlive));
        mWs = mAlive;
      } else {
        const cut = kthSmallest(sorted, mAlive, k - 1);
        let below = 0;
        for (let q = 0; q < mAlive; q++) if ((score[alive[q] as number] as number) < cut) below++;
        let ties = k - below;
        for (let q = 0; q < mAlive; q++) {
          const u = alive[q] as number;
          const d = score[u] as number;
          if (d < cut) ws[mWs++] = u;
          else if (d === cut && ties > 0) {
            ws[mWs++] = u;
            ties--;
          }
        }
      }
    }
    first = false;
    const allIn = mWs === mAlive;
    if (allIn && mAlive > 0) {
      // every unit is in the set: one sweep over all, then the nonzero ones (glmnet's active set)
      sweep(alive, mAlive);
      if (!callback(view)) return;
      mWs = 0;
      for (let q = 0; q < mAlive; q++) if (unitNonzero(alive[q] as number)) ws[mWs++] = alive[q] as number;
    }
    if (mWs === 0) {
      // nothing left to optimize (every unit screened or zero): w = 0 is optimal
      if (!callback(view)) return;
      continue;
    }
    // inner solve on the working set; deep when the set looks complete (warm start, every unit
    // left, or the outer gap is no more than twice what the last inner solve reached)
    const deep = strongRule || allIn || gap <= 2 * innerReached;
    const target = (deep ? WS_DEEP_RATIO : opts.wsInnerRatio) * gap;
    const mc = unitCoords(groups, grouped, ws, mWs, coords);
    ext.reset();
    innerReached = NaN;
    for (let it = 1; ; it++) {
      const change = sweep(ws, mWs);
      ext.step(coords, mc);
      if (!callback(view)) return;
      if (change === 0) {
        innerReached = 0;
        break;
      }
      if (it >= opts.maxInner) break;
      if (it % WS_GAP_EVERY === 0) {
        const dnWs = corrList(ws, mWs, false);
        innerReached = gapOf(dnWs, wDotC(ws, mWs));
        if (innerReached <= target) break;
      }
    }
  }
}
