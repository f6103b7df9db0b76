/**
 * Column standardization: X̃[:, j] = (X[:, j] − μ_j) / σ_j with μ_j = (1/n) Σ_i X_ij and the
 * population standard deviation σ_j = sqrt((1/n) Σ_i (X_ij − μ_j)²). A constant column
 * (all entries equal) becomes exactly 0 rather than 0/0.
 *
 * For regression targets y is centred too (ỹ = y − ȳ): with centred columns this is exactly
 * fitting an unpenalized intercept, which l1bench's datafits do not have (scikit-learn's and
 * glmnet's default). Labels of classification tasks are unchanged.
 */
import type { Dataset } from '../dataset.ts';
import { hashDataset } from './hash.ts';

export function standardize(ds: Dataset): Dataset {
  const { n, p } = ds.X;
  const src = ds.X.data;
  const data = new Float64Array(n * p);
  let constant = 0;
  for (let j = 0; j < p; j++) {
    const col = src.subarray(j * n, (j + 1) * n);
    const out = data.subarray(j * n, (j + 1) * n);
    // μ = (1/n) 1ᵀx ; detect a constant column by min = max.
    let s = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = col[i] as number;
      s += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo === hi) {
      constant++;
      continue; // out stays 0
    }
    const mu = s / n;
    // σ² = (1/n) ‖x − μ‖² (two-pass)
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = (col[i] as number) - mu;
      ss += d * d;
    }
    const inv = 1 / Math.sqrt(ss / n);
    // out = (x − μ) / σ
    for (let i = 0; i < n; i++) out[i] = ((col[i] as number) - mu) * inv;
  }
  const X = { n, p, data };
  let y = ds.y;
  if (ds.task === 'regression') {
    let m = 0;
    for (let i = 0; i < n; i++) m += y[i] as number;
    m /= n;
    y = Float64Array.from(ds.y, (v) => v - m);
  }
  return {
    ...ds,
    X,
    y,
    hash: hashDataset(X, y),
    notes: { ...ds.notes, standardized: true, constantColumns: constant, ...(ds.task === 'regression' ? { centeredTarget: true } : {}) },
  };
}
