/**
 * Binary logistic loss, labels y_i ∈ {−1, +1}:
 *
 *   f(w) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀw)),
 *   ∇f(w) = −(1/n) Xᵀ(y ⊙ σ(−y ⊙ Xw)),        L = ‖X‖₂² / (4n),        λ_max = ‖Xᵀy‖∞ / (2n).
 *
 * Dual (for λΩ, by Fenchel duality with ℓ_i*(v) = h(−y_i v), h(a) = a log a + (1 − a) log(1 − a)):
 *
 *   D(θ) = −(1/n) Σ_i h(n θ_i y_i)   subject to  Ω*(Xᵀθ) ≤ λ,  n θ_i y_i ∈ [0, 1]   (0·log 0 = 0).
 *
 * The dual point is the rescaled negative gradient in sample space, θ_i = s·y_i σ(−m_i)/n with
 * margins m_i = y_i x_iᵀw and s = min(1, λ / Ω*(Xᵀθ⁰)), so a_i = nθ_i y_i = s·σ(−m_i) ∈ [0, 1].
 * At w = 0 and λ ≥ λ_max, a_i = ½ and D = log 2 = F(0): the gap is zero.
 *
 * Everything is stable for huge margins: softplus(t) = log(1 + eᵗ) is evaluated as
 * max(t, 0) + log1p(exp(−|t|)), σ without overflow, and the entropy terms from logs of σ.
 */
import type { Datafit, Matrix, Penalty } from '../types.ts';
import { glmBatchGradient, matvec, rmatvec, spectralNormSq } from '../linalg.ts';

/** softplus(t) = log(1 + exp(t)), stable for any t. */
export function softplus(t: number): number {
  return (t > 0 ? t : 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

/** σ(t) = 1 / (1 + exp(−t)), without overflow. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/**
 * Change of a log-sum-exp when one of its arguments moves by δ and that argument's softmax
 * weight is P:  lse(z + δ e_c) − lse(z) = log(1 + P·(e^δ − 1)), computed without cancellation
 * (softplus(a + δ) − softplus(a) is the case P = σ(a)).
 */
export function lseShift(P: number, delta: number): number {
  if (delta > 30) {
    // log(1 − P + P e^δ) = δ + log(P + (1 − P)e^{−δ})
    return delta + Math.log(P + (1 - P) * Math.exp(-delta));
  }
  const u = P * Math.expm1(delta);
  if (u > -0.5) return Math.log1p(u);
  // 1 + u = (1 − P) + P e^δ, both terms ≥ 0
  return Math.log(1 - P + P * Math.exp(delta));
}

/**
 * Binary entropy part of the dual: Σ_i h(a_i) with a_i = s·σ(−m_i), h(a) = a log a + (1−a) log(1−a).
 * log a = log s − softplus(m), and 1 − a = (1 − s) + s·σ(m) (no cancellation).
 */
export function logisticDualSum(margins: Float64Array, s: number): number {
  const logs = Math.log(s);
  let sum = 0;
  for (let i = 0; i < margins.length; i++) {
    const m = margins[i] as number;
    const a = s * sigmoid(-m);
    // h(a_i) summed per sample first, so the sum runs over the same n terms as F's (at w = 0,
    // h = −log 2 exactly and F − D is exactly 0)
    let h = 0;
    if (a > 0) h += a * (logs - softplus(m));
    const b = s === 1 ? sigmoid(m) : 1 - s + s * sigmoid(m);
    if (b > 0) h += b * (s === 1 ? -softplus(-m) : Math.log(b));
    sum += h;
  }
  return sum;
}

/** Binary logistic datafit (labels ±1) on the Float64 engine; see the module comment. */
export function logistic(X: Matrix, y: Float64Array): Datafit {
  const { n, p } = X;
  const z = new Float64Array(n);
  const r = new Float64Array(n);
  const g = new Float64Array(p);
  let L: number | null = null;

  /** z ← y ⊙ Xw (the margins). */
  const margins = (w: Float64Array): Float64Array => {
    matvec(X, w, z);
    for (let i = 0; i < n; i++) z[i] = (y[i] as number) * (z[i] as number);
    return z;
  };

  /** f from the margins: (1/n) Σ softplus(−m_i). */
  const lossOf = (m: Float64Array): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v += softplus(-(m[i] as number));
    return v / n;
  };

  return {
    name: 'logistic',
    dim: p,
    nSamples: n,
    design: { X, y, classes: 1 },
    value(w) {
      return lossOf(margins(w));
    },
    gradient(w, out) {
      margins(w);
      // r = −y ⊙ σ(−m) / n,  ∇f = Xᵀr
      for (let i = 0; i < n; i++) r[i] = (-(y[i] as number) * sigmoid(-(z[i] as number))) / n;
      rmatvec(X, r, out);
      return lossOf(z);
    },
    gradientBatch(w, batch, out) {
      // (1/|B|) Σ_{i∈B} log(1 + e^{−m_i}),  gradient −(1/|B|) Σ_{i∈B} y_i σ(−m_i) x_i,  m_i = y_i x_iᵀw
      return glmBatchGradient(X, w, batch, out, (i, z, slope) => {
        const yi = y[i] as number;
        const mi = yi * z;
        slope[0] = -yi * sigmoid(-mi);
        return softplus(-mi);
      });
    },
    lipschitz() {
      if (L === null) L = spectralNormSq(X) / (4 * n);
      return L;
    },
    dualValue(w, lambda, penalty: Penalty) {
      margins(w);
      // θ⁰ = y ⊙ σ(−m)/n;  s = min(1, λ/Ω*(Xᵀθ⁰))
      for (let i = 0; i < n; i++) r[i] = ((y[i] as number) * sigmoid(-(z[i] as number))) / n;
      rmatvec(X, r, g);
      const dn = penalty.dualNorm(g);
      const s = dn > lambda ? lambda / dn : 1;
      return -logisticDualSum(z, s) / n;
    },
  };
}
