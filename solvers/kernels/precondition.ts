/**
 * Diagonal preconditioning of proximal-gradient methods by column normalization (ista, fista with
 * `precondition=columns`), so that a design with badly scaled columns (one column ×1e6: L ≈ 1e12
 * and a step that barely moves the others) still solves.
 *
 * With s_j = 1/√(‖X_j‖²/n) (1 for a zero column) and x = s ⊙ z, the solver minimizes in z
 *   G(z) = f(s ⊙ z) + λΩ(s ⊙ z),   ∇_z f = s ⊙ ∇f(x),   L_z = L_f · ‖X S‖₂² / ‖X‖₂²,
 * i.e. the same problem on the normalized design X·S; the solution is mapped back, x = s ⊙ z,
 * and every callback sees x. The penalty in z stays proximable:
 * - l1: λ Σ_j s_j|z_j|, prox = soft-thresholding at t·λ·s_j per coordinate;
 * - group l1: the scale is made constant on each group (s_g = min over the group's columns, so
 *   the normalized columns keep norm ≤ 1), λ Σ_g s_g‖z_g‖₂, prox = block soft-thresholding at t·λ·s_g.
 * Coordinate i of x uses design column i mod p (multinomial: x = W p×C column-major by class).
 */
import type { Matrix, Problem } from '../../problems/types.ts';
import { spectralNormSq } from '../../problems/linalg.ts';

export interface Preconditioner {
  /** x = s ⊙ z. */
  readonly s: Float64Array;
  /** Lipschitz constant of ∇_z f(s ⊙ z). */
  readonly L: number;
  /** out = prox_{t·λΩ(s ⊙ ·)}(z); `out` may alias `z`. */
  prox(z: Float64Array, tl: number, out: Float64Array): void;
}

/** The column-normalization preconditioner of a problem with a design (null without one). */
export function columnPreconditioner(problem: Problem, Lf: number): Preconditioner | null {
  const design = problem.datafit.design;
  if (!design) return null;
  const X: Matrix = design.X;
  const { n, p, data } = X;
  const colScale = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let q = 0;
    for (let i = 0; i < n; i++) q += (data[j * n + i] as number) ** 2;
    colScale[j] = q > 0 ? 1 / Math.sqrt(q / n) : 1;
  }
  const dim = problem.dim;
  const s = new Float64Array(dim);
  for (let i = 0; i < dim; i++) s[i] = colScale[i % p] as number;
  const groups = problem.penalty.groups;
  if (groups) {
    for (const g of groups) {
      let m = Infinity;
      for (let k = 0; k < g.length; k++) m = Math.min(m, s[g[k] as number] as number);
      for (let k = 0; k < g.length; k++) s[g[k] as number] = m;
    }
  }
  // ‖X S‖₂² on the scaled copy (S per column: the smallest scale any coordinate of that column uses)
  const colUsed = new Float64Array(p).fill(Infinity);
  for (let i = 0; i < dim; i++) colUsed[i % p] = Math.min(colUsed[i % p] as number, s[i] as number);
  const scaled = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const c = colUsed[j] as number;
    for (let i = 0; i < n; i++) scaled[j * n + i] = (data[j * n + i] as number) * c;
  }
  const xs = spectralNormSq(X);
  const ratio = xs > 0 ? spectralNormSq({ n, p, data: scaled }) / xs : 1;
  const L = Lf * ratio;
  const lambdaPen = problem.penalty;
  const prox = (z: Float64Array, tl: number, out: Float64Array): void => {
    if (!groups) {
      for (let i = 0; i < dim; i++) {
        const v = z[i] as number;
        const th = tl * (s[i] as number);
        out[i] = v > th ? v - th : v < -th ? v + th : 0;
      }
      return;
    }
    if (out !== z) out.set(z);
    for (const g of groups) {
      const th = tl * (s[g[0] as number] as number);
      let nrm = 0;
      for (let k = 0; k < g.length; k++) nrm += (out[g[k] as number] as number) ** 2;
      nrm = Math.sqrt(nrm);
      const f = nrm > th ? 1 - th / nrm : 0;
      for (let k = 0; k < g.length; k++) out[g[k] as number] = (out[g[k] as number] as number) * f;
    }
  };
  void lambdaPen;
  return { s, L, prox };
}

/** The problem seen in z (x = s ⊙ z): what ista / fista iterate on when preconditioned. */
export interface ZSpace {
  readonly dim: number;
  /** f(s ⊙ z). */
  value(z: Float64Array): number;
  /** out = s ⊙ ∇f(s ⊙ z); returns f(s ⊙ z). */
  gradient(z: Float64Array, out: Float64Array): number;
  /** Ω(s ⊙ z). */
  penaltyValue(z: Float64Array): number;
  prox(z: Float64Array, tl: number, out: Float64Array): void;
  /** out = s ⊙ z. */
  toX(z: Float64Array, out: Float64Array): Float64Array;
  /** out = x / s. */
  fromX(x: Float64Array, out: Float64Array): Float64Array;
  readonly L: number;
}

export function zSpace(problem: Problem, P: Preconditioner): ZSpace {
  const { datafit, penalty, dim } = problem;
  const { s } = P;
  const x = new Float64Array(dim);
  const toX = (z: Float64Array, out: Float64Array): Float64Array => {
    for (let i = 0; i < dim; i++) out[i] = (s[i] as number) * (z[i] as number);
    return out;
  };
  return {
    dim,
    L: P.L,
    value: (z) => datafit.value(toX(z, x)),
    gradient(z, out) {
      const f = datafit.gradient(toX(z, x), out);
      for (let i = 0; i < dim; i++) out[i] = (out[i] as number) * (s[i] as number);
      return f;
    },
    penaltyValue: (z) => penalty.value(toX(z, x)),
    prox: P.prox,
    toX,
    fromX(xx, out) {
      for (let i = 0; i < dim; i++) out[i] = (xx[i] as number) / (s[i] as number);
      return out;
    },
  };
}
