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
 * Largest eigenvalue of XᵀX, i.e. ‖X‖₂², by power iteration (seeded; stops when the relative
 * change of the estimate is ≤ tol). Power iteration approaches λ_max from below, so the result is
 * inflated by 1% to keep step sizes 1/L safe; callers that need the exact value (tests) can ask
 * for a tighter tol and `safety = 1`.
 */
export function spectralNormSq(X: Matrix, tol = 1e-6, maxIter = 500, safety = 1.01): number {
  const { n, p } = X;
  if (n === 0 || p === 0) return 0;
  const rng = new Rng(12345);
  let v = new Float64Array(p);
  for (let j = 0; j < p; j++) v[j] = rng.normal();
  let nv = Math.sqrt(sqnorm(v));
  for (let j = 0; j < p; j++) v[j] = (v[j] as number) / nv;
  const u = new Float64Array(n);
  const w = new Float64Array(p);
  let lambda = 0;
  for (let it = 0; it < maxIter; it++) {
    matvec(X, v, u);
    rmatvec(X, u, w);
    const next = Math.sqrt(sqnorm(w));
    if (next === 0) return 0;
    for (let j = 0; j < p; j++) w[j] = (w[j] as number) / next;
    const done = Math.abs(next - lambda) <= tol * next;
    lambda = next;
    const t = v;
    v = w.slice();
    w.set(t);
    if (done) break;
  }
  return lambda * safety;
}
