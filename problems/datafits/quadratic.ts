/**
 * Least squares: f(w) = (1/2n)‖y − Xw‖², ∇f(w) = −Xᵀ(y − Xw)/n, L = ‖X‖₂²/n.
 *
 * Dual (for λΩ): D(θ) = (1/2n)(‖y‖² − ‖y − nθ‖²) subject to Ω*(Xᵀθ) ≤ λ; the dual point is
 * the rescaled residual θ = s·r/n with r = y − Xw and s = min(1, λ / Ω*(c)), c = Xᵀr/n.
 * Evaluated without ‖y‖², which cancels catastrophically when F* ≪ ‖y‖²/2n (tiny λ, noiseless
 * data): with yᵀr = n·wᵀc + ‖r‖²,
 *   D = s(2yᵀr − s‖r‖²)/2n = s(2 − s)‖r‖²/2n + s·wᵀc,
 * so F − D = (1 − s)²‖r‖²/2n + (λΩ(w) − s·wᵀc), two terms ≥ 0 (Hölder: s·Ω*(c) ≤ λ) whose
 * round-off is relative to F, not to ‖y‖²/2n.
 */
import type { Datafit, Matrix, Penalty } from '../types.ts';
import { glmBatchGradient, matvec, rmatvec, spectralNormSq, sqnorm } from '../linalg.ts';

export function quadratic(X: Matrix, y: Float64Array): Datafit {
  const { n, p } = X;
  const r = new Float64Array(n);
  const xtr = new Float64Array(p);
  let L: number | null = null;

  /** r = y − Xw. */
  const residual = (w: Float64Array): Float64Array => {
    matvec(X, w, r);
    for (let i = 0; i < n; i++) r[i] = (y[i] as number) - (r[i] as number);
    return r;
  };

  return {
    name: 'quadratic',
    dim: p,
    nSamples: n,
    design: { X, y, classes: 1 },
    value(w) {
      return sqnorm(residual(w)) / (2 * n);
    },
    gradient(w, out) {
      residual(w);
      rmatvec(X, r, out);
      for (let j = 0; j < p; j++) out[j] = -(out[j] as number) / n;
      return sqnorm(r) / (2 * n);
    },
    gradientBatch(w, batch, out) {
      // (1/|B|) Σ_{i∈B} ½(y_i − x_iᵀw)² and its gradient −(1/|B|) Σ_{i∈B} (y_i − x_iᵀw) x_i
      return glmBatchGradient(X, w, batch, out, (i, z, slope) => {
        const ri = (y[i] as number) - z;
        slope[0] = -ri;
        return 0.5 * ri * ri;
      });
    },
    lipschitz() {
      if (L === null) L = spectralNormSq(X) / n;
      return L;
    },
    dualValue(w, lambda, penalty: Penalty) {
      residual(w);
      rmatvec(X, r, xtr);
      for (let j = 0; j < p; j++) xtr[j] = (xtr[j] as number) / n;
      const dn = penalty.dualNorm(xtr);
      const s = dn > lambda ? lambda / dn : 1;
      // D = s(2 − s)‖r‖²/2n + s·wᵀc
      let wc = 0;
      for (let j = 0; j < p; j++) {
        const wj = w[j] as number;
        if (wj !== 0) wc += wj * (xtr[j] as number);
      }
      return (s * (2 - s) * sqnorm(r)) / (2 * n) + s * wc;
    },
  };
}
