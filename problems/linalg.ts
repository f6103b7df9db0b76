/**
 * Dense kernels over column-major Float64 matrices (entry (i, j) at data[j·n + i]).
 * Plain loops: on this engine they beat ml-matrix by 2–3× (see ECOSYSTEM.md).
 */
import type { Matrix } from './types.ts';
import { Rng } from './rng.ts';

/** out = X·v (length n). */
export function matvec(X: Matrix, v: Float64Array, out: Float64Array): Float64Array {
  const { n, p, data } = X;
  out.fill(0);
  for (let j = 0; j < p; j++) {
    const vj = v[j] as number;
    if (vj === 0) continue;
    // out += v_j · X[:, j]
    const off = j * n;
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) + vj * (data[off + i] as number);
  }
  return out;
}

/** out = Xᵀ·r (length p). */
export function rmatvec(X: Matrix, r: Float64Array, out: Float64Array): Float64Array {
  const { n, p, data } = X;
  for (let j = 0; j < p; j++) {
    // out_j = ⟨X[:, j], r⟩
    const off = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += (data[off + i] as number) * (r[i] as number);
    out[j] = s;
  }
  return out;
}

/** ⟨a, b⟩. */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** ‖a‖₂². */
export function sqnorm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    s += v * v;
  }
  return s;
}

/** ‖a‖∞. */
export function infnorm(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i] as number);
    if (v > m) m = v;
  }
  return m;
}

/** ‖a‖₁. */
export function l1norm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] as number);
  return s;
}

/** True when every entry is finite. */
export function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return false;
  return true;
}

/** Squared norms of the columns: out_j = ‖X[:, j]‖². */
export function columnSqNorms(X: Matrix): Float64Array {
  const { n, p, data } = X;
  const out = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    const off = j * n;
    for (let i = 0; i < n; i++) {
      const v = data[off + i] as number;
      s += v * v;
    }
    out[j] = s;
  }
  return out;
}

/**
 * Largest eigenvalue of XᵀX, i.e. ‖X‖₂², by Lanczos with full reorthogonalization on the smaller
 * Gram matrix (XᵀX or XXᵀ: same nonzero spectrum), seeded. The largest Ritz value of the
 * tridiagonal T_j (found by Sturm-sequence bisection) rises to λ_max from below (Cauchy
 * interlacing) much faster than power iteration when the top of the spectrum is clustered, as
 * for Gaussian designs; it stops when the Ritz value changes by ≤ tol relative. The result is
 * inflated by `safety` (1% by default) so that step sizes 1/L stay safe; tests that need the
 * exact value pass a tight tol and safety = 1.
 */
export function spectralNormSq(X: Matrix, tol = 1e-10, maxIter = 300, safety = 1.01): number {
  const { n, p } = X;
  if (n === 0 || p === 0) return 0;
  const dim = Math.min(n, p);
  const m = Math.min(maxIter, dim);
  const rng = new Rng(12345);
  const tmpN = new Float64Array(n);
  const tmpP = new Float64Array(p);
  // z = A q with A = XᵀX (p ≤ n) or XXᵀ (n < p)
  const apply = (q: Float64Array, z: Float64Array): void => {
    if (p <= n) {
      matvec(X, q, tmpN);
      rmatvec(X, tmpN, z);
    } else {
      rmatvec(X, q, tmpP);
      matvec(X, tmpP, z);
    }
  };
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = Float64Array.from({ length: dim }, () => rng.normal());
  let nq = Math.sqrt(sqnorm(q));
  for (let i = 0; i < dim; i++) q[i] = (q[i] as number) / nq;
  let theta = 0;
  for (let j = 0; j < m; j++) {
    Q.push(q);
    const z = new Float64Array(dim);
    apply(q, z);
    const a = dot(q, z);
    alpha.push(a);
    // full reorthogonalization (twice is enough): z ← z − Σ_i (q_iᵀz) q_i
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of Q) {
        const c = dot(qi, z);
        for (let i = 0; i < dim; i++) z[i] = (z[i] as number) - c * (qi[i] as number);
      }
    }
    const next = largestTridiagonalEigenvalue(alpha, beta);
    const b = Math.sqrt(sqnorm(z));
    const done = (j > 0 && Math.abs(next - theta) <= tol * Math.abs(next)) || b <= 1e-14 * Math.abs(next);
    theta = next;
    if (done) break;
    beta.push(b);
    nq = b;
    q = z;
    for (let i = 0; i < dim; i++) q[i] = (q[i] as number) / nq;
  }
  return theta * safety;
}

/**
 * Largest eigenvalue of the symmetric tridiagonal matrix with diagonal `a` (length k) and
 * off-diagonal `b` (length ≥ k − 1), by bisection on Sturm counts: the number of eigenvalues
 * below x is the number of negative pivots of the LDLᵀ factorization of T − xI.
 */
export function largestTridiagonalEigenvalue(a: readonly number[], b: readonly number[]): number {
  const k = a.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < k; i++) {
    const r = (i > 0 ? Math.abs(b[i - 1] as number) : 0) + (i < k - 1 ? Math.abs(b[i] as number) : 0);
    lo = Math.min(lo, (a[i] as number) - r);
    hi = Math.max(hi, (a[i] as number) + r);
  }
  const below = (x: number): number => {
    let count = 0;
    let d = 1;
    for (let i = 0; i < k; i++) {
      const bb = i > 0 ? (b[i - 1] as number) : 0;
      d = (a[i] as number) - x - (i > 0 ? (bb * bb) / d : 0);
      if (d === 0) d = -1e-300;
      if (d < 0) count++;
    }
    return count;
  };
  // invariant: below(lo) < k ≤ below(hi)
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(Math.abs(lo), Math.abs(hi)); it++) {
    const mid = 0.5 * (lo + hi);
    if (below(mid) >= k) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Minibatch value and gradient of a scalar GLM loss: with z_i = x_iᵀw,
 * returns (1/|B|) Σ_{i∈B} ℓ_i(z_i) and writes out = (1/|B|) Σ_{i∈B} ℓ_i'(z_i) x_i.
 * `lossAndSlope(i, z)` returns ℓ_i(z) and stores ℓ_i'(z) in `slope[0]`.
 */
export function glmBatchGradient(
  X: Matrix,
  w: Float64Array,
  batch: Int32Array,
  out: Float64Array,
  lossAndSlope: (i: number, z: number, slope: Float64Array) => number,
): number {
  const { n, p, data } = X;
  const m = batch.length;
  const slope = new Float64Array(1);
  out.fill(0);
  let v = 0;
  for (let b = 0; b < m; b++) {
    const i = batch[b] as number;
    // z_i = x_iᵀw (row i of a column-major X: stride n)
    let z = 0;
    for (let j = 0; j < p; j++) z += (data[j * n + i] as number) * (w[j] as number);
    v += lossAndSlope(i, z, slope);
    // out += ℓ_i'(z_i)/|B| · x_i
    const c = (slope[0] as number) / m;
    for (let j = 0; j < p; j++) out[j] = (out[j] as number) + c * (data[j * n + i] as number);
  }
  return v / m;
}
