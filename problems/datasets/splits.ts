/**
 * Classification data with an explicit train/test split, in the layout the tensor engine consumes
 * (row-major float32 X, int class labels): image datasets (Fashion-MNIST) come this way, and any
 * multiclass Dataset can be split into it with a seeded permutation (`splitRows`).
 */
import { Rng } from '../rng.ts';

/** Samples of one split: X n×p row-major float32, class indices y. */
export interface ClassSplit {
  readonly X: Float32Array;
  readonly y: Int32Array;
}

/** Classification data with an explicit train/test split (the test split may be absent). */
export interface SplitData {
  readonly p: number;
  readonly classes: number;
  readonly train: ClassSplit;
  readonly test: ClassSplit | null;
  readonly name: string;
  /** Content hash of the data (both splits), part of the instance key. */
  readonly hash: string;
  readonly notes?: Record<string, string | number | boolean>;
  readonly labels?: Record<string, number>;
  /** Informative input features, when known (meta.trueSupport). */
  readonly trueSupport?: Int32Array;
}

/**
 * Splits n samples (X n×p row-major, class labels y) with a seeded permutation: the first
 * min(round(testFraction·n), n − 1) of Rng(seed ^ 0x2545f491).shuffle(0…n−1) are the test split,
 * the rest (in permutation order) the training split. testFraction = 0 gives no test split.
 */
export function splitRows(X: ArrayLike<number>, y: ArrayLike<number>, p: number, testFraction: number, seed: number): { train: ClassSplit; test: ClassSplit | null } {
  const n = y.length;
  const perm = new Rng(seed ^ 0x2545f491).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const nTest = Math.min(Math.round(testFraction * n), n - 1);
  const nTrain = n - nTest;
  const Xtr = new Float32Array(nTrain * p);
  const ytr = new Int32Array(nTrain);
  const Xte = new Float32Array(nTest * p);
  const yte = new Int32Array(nTest);
  for (let r = 0; r < n; r++) {
    const i = perm[r] as number;
    const [Xs, ys, o] = r < nTest ? [Xte, yte, r] : [Xtr, ytr, r - nTest];
    for (let j = 0; j < p; j++) Xs[o * p + j] = X[i * p + j] as number;
    ys[o] = y[i] as number;
  }
  return { train: { X: Xtr, y: ytr }, test: nTest > 0 ? { X: Xte, y: yte } : null };
}
