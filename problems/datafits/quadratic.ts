/**
 * Least squares: f(w) = (1/2n)‖y − Xw‖², ∇f(w) = −Xᵀ(y − Xw)/n, L = ‖X‖₂²/n.
 *
 * Dual (for λΩ): D(θ) = (1/2n)(‖y‖² − ‖y − nθ‖²) subject to Ω*(Xᵀθ) ≤ λ; the dual point is
 * the rescaled residual θ = s·r/n with r = y − Xw and s = min(1, λ / Ω*(Xᵀr/n)).
 */
import type { Datafit, Matrix, Penalty } from '../types.ts';
import { glmBatchGradient, matvec, rmatvec, spectralNormSq, sqnorm } from '../linalg.ts';

export function quadratic(X: Matrix, y: Float64Array): Datafit {
  const { n, p } = X;
  const r = new Float64Array(n);
  const xtr = new Float64Array(p);
  const yy = sqnorm(y);
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
      // D = (1/2n)(‖y‖² − ‖y − s·r‖²)
      let d = 0;
      for (let i = 0; i < n; i++) {
        const v = (y[i] as number) - s * (r[i] as number);
        d += v * v;
      }
      return (yy - d) / (2 * n);
    },
  };
}
