/**
 * Multinomial logistic loss (mean softmax cross-entropy), classes y_i ∈ {0, …, C−1}:
 *
 *   f(W) = (1/n) Σ_i [ lse(x_iᵀW) − x_iᵀW_{:,y_i} ],   lse(z) = log Σ_c exp(z_c),
 *   ∇f(W) = Xᵀ(P − Y)/n   (P_i = softmax(x_iᵀW), Y one-hot),   L = ‖X‖₂² / (2n),
 *
 * with W ∈ R^{p×C} flattened column-major BY CLASS: entry (j, c) at index c·p + j (so row j, the
 * group of feature j, is {j, p + j, …, (C−1)p + j}). L holds because the Hessian of lse,
 * diag(P) − PPᵀ, is ≼ ½I.
 *
 * Dual (for λΩ, Ω = l1 or row-group l1, by Fenchel duality with lse*(q) = Σ_c q_c log q_c on the
 * simplex):
 *
 *   D(Θ) = −(1/n) Σ_i Σ_c q_ic log q_ic,   q_i = Y_i − nΘ_i ∈ simplex,   subject to Ω*(XᵀΘ) ≤ λ.
 *
 * The dual point is the rescaled negative gradient in sample space, Θ = s·(Y − P)/n with
 * s = min(1, λ/Ω*(Xᵀ(Y − P)/n)), so q_i = (1 − s)·Y_i + s·P_i. Logs are taken as
 * log q_ic = log s + z_ic − lse(z_i) off the label and log q_iy = log1p(−s·Σ_{c≠y} P_ic) on it.
 */
import type { Datafit, Matrix, Penalty } from '../types.ts';
import { spectralNormSq } from '../linalg.ts';

/**
 * Z = XW as an n×C column-major-by-class matrix (Z[c·n + i] = x_iᵀW_{:,c}).
 * Skips zero coefficients (W is usually sparse).
 */
export function multinomialScores(X: Matrix, W: Float64Array, C: number, Z: Float64Array): Float64Array {
  const { n, p, data } = X;
  Z.fill(0);
  for (let c = 0; c < C; c++) {
    const zo = c * n;
    const wo = c * p;
    for (let j = 0; j < p; j++) {
      const wj = W[wo + j] as number;
      if (wj === 0) continue;
      const off = j * n;
      // Z_{:,c} += W_jc · X_j
      for (let i = 0; i < n; i++) Z[zo + i] = (Z[zo + i] as number) + wj * (data[off + i] as number);
    }
  }
  return Z;
}

/**
 * Per sample: lse_i = lse(z_i) (returned in `lse`), P (overwrites Z column-major by class with the
 * softmax), and returns Σ_i [lse_i − z_{i,y_i}].
 */
export function softmaxInPlace(Z: Float64Array, y: Float64Array, n: number, C: number, lse: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    // lse(z_i) = m + log Σ_c exp(z_ic − m),  m = max_c z_ic
    let m = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = Z[c * n + i] as number;
      if (v > m) m = v;
    }
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp((Z[c * n + i] as number) - m);
    const l = m + Math.log(s);
    lse[i] = l;
    loss += l - (Z[(y[i] as number) * n + i] as number);
    for (let c = 0; c < C; c++) Z[c * n + i] = Math.exp((Z[c * n + i] as number) - l);
  }
  return loss;
}

/** Multinomial logistic datafit on the Float64 engine; see the module comment. */
export function multinomial(X: Matrix, y: Float64Array, C: number): Datafit {
  const { n, p } = X;
  const dim = p * C;
  const Z = new Float64Array(n * C);
  const Zs = new Float64Array(n * C);
  const lse = new Float64Array(n);
  const G = new Float64Array(dim);
  const zi = new Float64Array(C);
  let L: number | null = null;

  /** Xᵀ(P − Y)/n into out, P in Z (the softmax). */
  const gradFromP = (out: Float64Array): void => {
    const data = X.data;
    for (let i = 0; i < n; i++) {
      const k = (y[i] as number) * n + i;
      Z[k] = (Z[k] as number) - 1;
    }
    for (let c = 0; c < C; c++) {
      const zo = c * n;
      for (let j = 0; j < p; j++) {
        // G_jc = ⟨X_j, P_{:,c} − Y_{:,c}⟩ / n
        const off = j * n;
        let s = 0;
        for (let i = 0; i < n; i++) s += (data[off + i] as number) * (Z[zo + i] as number);
        out[c * p + j] = s / n;
      }
    }
  };

  return {
    name: 'multinomial',
    dim,
    nSamples: n,
    design: { X, y, classes: C },
    value(W) {
      multinomialScores(X, W, C, Z);
      return softmaxInPlace(Z, y, n, C, lse) / n;
    },
    gradient(W, out) {
      multinomialScores(X, W, C, Z);
      const v = softmaxInPlace(Z, y, n, C, lse) / n;
      gradFromP(out);
      return v;
    },
    gradientBatch(W, batch, out) {
      // (1/|B|) Σ_{i∈B} [lse(z_i) − z_{i,y_i}],  gradient (1/|B|) Σ_{i∈B} x_i ⊗ (P_i − Y_i)
      const m = batch.length;
      const data = X.data;
      out.fill(0);
      let v = 0;
      for (let b = 0; b < m; b++) {
        const i = batch[b] as number;
        let mx = -Infinity;
        for (let c = 0; c < C; c++) {
          let t = 0;
          for (let j = 0; j < p; j++) t += (data[j * n + i] as number) * (W[c * p + j] as number);
          zi[c] = t;
          if (t > mx) mx = t;
        }
        let s = 0;
        for (let c = 0; c < C; c++) s += Math.exp((zi[c] as number) - mx);
        const l = mx + Math.log(s);
        const yi = y[i] as number;
        v += l - (zi[yi] as number);
        for (let c = 0; c < C; c++) {
          const coef = (Math.exp((zi[c] as number) - l) - (c === yi ? 1 : 0)) / m;
          for (let j = 0; j < p; j++) out[c * p + j] = (out[c * p + j] as number) + coef * (data[j * n + i] as number);
        }
      }
      return v / m;
    },
    lipschitz() {
      if (L === null) L = spectralNormSq(X) / (2 * n);
      return L;
    },
    dualValue(W, lambda, penalty: Penalty) {
      multinomialScores(X, W, C, Z);
      // keep the scores' logs: log P_ic = z_ic − lse_i; Z becomes P
      Zs.set(Z);
      softmaxInPlace(Z, y, n, C, lse);
      gradFromP(G); // Z is now P − Y
      const dn = penalty.dualNorm(G); // Ω*(Xᵀ(P − Y)/n) = Ω*(XᵀΘ⁰)
      const s = dn > lambda ? lambda / dn : 1;
      const logs = Math.log(s);
      // Σ_i Σ_c q_ic log q_ic,  q_i = (1 − s)Y_i + s P_i
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const yi = y[i] as number;
        const l = lse[i] as number;
        let off = 0; // Σ_{c≠y} P_ic
        for (let c = 0; c < C; c++) {
          if (c === yi) continue;
          const P = Z[c * n + i] as number;
          off += P;
          if (P > 0) sum += s * P * (logs + (Zs[c * n + i] as number) - l);
        }
        const qy = 1 - s * off;
        if (qy > 0) sum += qy * (s === 1 ? (Zs[yi * n + i] as number) - l : Math.log1p(-s * off));
      }
      return -sum / n;
    },
  };
}
