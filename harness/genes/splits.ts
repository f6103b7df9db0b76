/**
 * Splits and preprocessing of the gene-selection protocol.
 *
 * Stratified split r (seeded by r): within each class c of n_c samples, a seeded shuffle puts
 * round(test·n_c) samples in the test split, round(val·n_c) in the validation split and the rest
 * (at least one) in the training split; every split keeps the class proportions up to rounding.
 * The default fractions are 64/16/20 (train/validation/test).
 *
 * Standardization uses the training split only: x̃_ij = (x_ij − μ_j)/σ_j with μ_j, σ_j the mean
 * and population standard deviation of gene j over the training samples (σ_j = 0: x̃_ij = 0),
 * applied to every split, so nothing about the held-out samples leaks into the fit.
 */
import { Rng } from '../../problems/rng.ts';
import { UserError } from '../../problems/errors.ts';
import type { Matrix } from '../../problems/types.ts';

export interface Split {
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly test: Int32Array;
}

export interface SplitFractions {
  /** Fraction of each class in the validation split. */
  readonly val: number;
  /** Fraction of each class in the test split. */
  readonly test: number;
}

export const DEFAULT_FRACTIONS: SplitFractions = { val: 0.16, test: 0.2 };

/** Stratified split number `r` of class labels 0 … C−1 (module comment). Index lists are sorted. */
export function stratifiedSplit(classes: Int32Array, r: number, fr: SplitFractions = DEFAULT_FRACTIONS): Split {
  if (!(fr.val >= 0 && fr.test > 0 && fr.val + fr.test < 1)) {
    throw new UserError(`split fractions val=${fr.val}, test=${fr.test} must satisfy val ≥ 0, test > 0, val + test < 1`);
  }
  const byClass = new Map<number, number[]>();
  classes.forEach((c, i) => {
    const l = byClass.get(c);
    if (l) l.push(i);
    else byClass.set(c, [i]);
  });
  const rng = new Rng((0x6a09e667 ^ Math.imul(r + 1, 0x9e3779b1)) >>> 0);
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = rng.shuffle(Int32Array.from(byClass.get(c) as number[]));
    const n = idx.length;
    const nTest = Math.min(Math.round(fr.test * n), n - 1);
    const nVal = Math.min(Math.round(fr.val * n), n - 1 - nTest);
    idx.forEach((i, k) => (k < nTest ? test : k < nTest + nVal ? val : train).push(i));
  }
  const sorted = (a: number[]): Int32Array => Int32Array.from(a).sort();
  return { train: sorted(train), val: sorted(val), test: sorted(test) };
}

/** Column-major n×p X standardized with the statistics of the rows `train` (module comment). */
export function standardizeByTrain(X: Matrix, train: Int32Array): Matrix {
  const { n, p, data } = X;
  const out = new Float64Array(n * p);
  const m = train.length;
  for (let j = 0; j < p; j++) {
    const off = j * n;
    let mu = 0;
    for (const i of train) mu += data[off + i] as number;
    mu /= m;
    let ss = 0;
    for (const i of train) ss += ((data[off + i] as number) - mu) ** 2;
    const sd = Math.sqrt(ss / m);
    // x̃ = (x − μ)/σ over every row; a gene constant on the training split becomes 0
    if (sd > 0) for (let i = 0; i < n; i++) out[off + i] = ((data[off + i] as number) - mu) / sd;
  }
  return { n, p, data: out };
}

/** Rows `rows` and columns `cols` (all when null) of a column-major matrix. */
export function subMatrix(X: Matrix, rows: Int32Array, cols: Int32Array | null = null): Matrix {
  const p = cols ? cols.length : X.p;
  const n = rows.length;
  const data = new Float64Array(n * p);
  for (let k = 0; k < p; k++) {
    const off = (cols ? (cols[k] as number) : k) * X.n;
    for (let r = 0; r < n; r++) data[k * n + r] = X.data[off + (rows[r] as number)] as number;
  }
  return { n, p, data };
}
