import type { Matrix } from './types.ts';

/**
 * A dataset as loaded or generated: a design X (n×p, column-major Float64) and targets y.
 * Targets are real values for regression, ±1 for binary labels, class indices 0..C−1 for
 * multinomial. Validated at the boundary (loaders, generators): no NaN, no Inf, n ≥ 1, p ≥ 1.
 */
export interface Dataset {
  /** Short name: 'diabetes', 'breast-cancer', 'simulated-lasso', or the file's path. */
  readonly name: string;
  readonly X: Matrix;
  readonly y: Float64Array;
  readonly featureNames: readonly string[];
  /** Kind of target. */
  readonly task: 'regression' | 'binary' | 'multiclass';
  /** For classification: the original label text → numeric code used in y. */
  readonly labels?: Record<string, number>;
  /** Ground-truth coefficients' support (simulated data). */
  readonly trueSupport?: Int32Array;
  /** Ground-truth coefficients (simulated data). */
  readonly trueCoef?: Float64Array;
  /** Hex sha256 of (X, y) contents; computed by `hashDataset`. */
  readonly hash: string;
  /** Provenance recorded with each run (source, licence, generator parameters, standardization). */
  readonly notes: Record<string, string | number | boolean>;
}
