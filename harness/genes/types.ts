/**
 * Contracts of the gene-selection protocol (harness/genes/): the path settings a job carries, the
 * data of one split, and the adapter each model kind (Float64 linear baseline, tensor network)
 * supplies to the one path loop in path.ts.
 */
import type { AnyProblem } from '../../problems/types.ts';
import type { Matrix } from '../../problems/types.ts';
import type { Split } from './splits.ts';

/** Heads of the gene-selection network: linear softmax, MLP, or both side by side (the seed paper's). */
export type Heads = 'linear' | 'mlp' | 'both';
export const HEADS: readonly Heads[] = ['linear', 'mlp', 'both'];

/** The λ path and selection settings of a gene-selection job (part of its key). */
export interface GenePathSpec {
  /** Number of λ values on the path, λ_k = λ_max·maxRatio·(minRatio/maxRatio)^{k/(count−1)}, k = 0 … count−1. */
  readonly count: number;
  /** λ_min / λ_max. */
  readonly minRatio: number;
  /** λ_0 / λ_max (≥ 1; λ_max is a scale on networks: see path.ts). */
  readonly maxRatio: number;
  /** Selection threshold: gene j is selected when the norm of its group exceeds τ. */
  readonly tau: number;
  /** Network heads (the linear baseline `cd` ignores it). */
  readonly heads: Heads;
  /** Hidden width of the MLP head. */
  readonly hidden: number;
  /** Epochs of the unpenalized refit on the selected genes (networks). */
  readonly refitEpochs: number;
  /** Validation and test fractions of the stratified splits (the rest trains). */
  readonly val: number;
  readonly test: number;
  /** Warm-start each λ from the previous solution (false: every λ from the default start). */
  readonly warm: boolean;
  /**
   * Order of the path: 'down' from λ_0 = maxRatio·λ_max to the smallest λ (sparse to dense), or
   * 'up' from the smallest λ to the largest (dense to sparse, LassoNet's order: a network near
   * W1 = 0 is linear in its inputs, so genes that act only through interactions have no gradient
   * there and a path from the sparse end never lets them in; from the dense end they are kept
   * while the model still uses them).
   */
  readonly direction: 'down' | 'up';
  /**
   * Weight decay μ on the network's unpenalized weight matrices (the MLP head's later layers;
   * problems/tensor/network.ts): without it the MLP head is scale-degenerate under the input
   * penalty. The linear baseline ignores it.
   */
  readonly decay: number;
}

export const GENE_PATH_DEFAULTS: GenePathSpec = {
  count: 15,
  minRatio: 0.01,
  maxRatio: 1,
  tau: 1e-3,
  heads: 'both',
  hidden: 32,
  refitEpochs: 200,
  val: 0.16,
  test: 0.2,
  warm: true,
  direction: 'down',
  decay: 0,
};

/** The data of one split: standardized with training statistics, classes 0 … C−1. */
export interface GeneSplitData {
  readonly name: string;
  /** Hash of the source dataset (X, y). */
  readonly hash: string;
  /** All samples, column-major n×p, standardized by the training split. */
  readonly X: Matrix;
  readonly classes: Int32Array;
  readonly C: number;
  readonly split: Split;
  readonly featureNames: readonly string[];
  readonly trueSupport: Int32Array | null;
  readonly labels: Record<string, number> | null;
}

/** Accuracies of a fitted model on the held-out splits. */
export interface HeldOut {
  readonly val: number;
  readonly test: number;
}

/** What a model kind supplies to the path loop. */
export interface PathModel {
  /** λ_max of the training problem (exact for the convex baseline; a scale for networks). */
  readonly lambdaMax: number;
  /** Number of parameters. */
  readonly dim: number;
  /** The training problem at absolute λ (release it with `release`). */
  at(lambda: number): Promise<AnyProblem>;
  release(problem: AnyProblem): void;
  /** Norm of each gene's group of parameters in x (length p). */
  geneNorms(x: Float64Array): Float64Array;
  /** Validation and test accuracy of x. */
  accuracy(x: Float64Array): Promise<HeldOut>;
  /** Accuracy of an unpenalized model of the same kind refitted on `genes` only. */
  refit(genes: Int32Array, seed: number): Promise<HeldOut>;
  dispose(): void;
}

/** The majority class of the training split (the constant classifier's prediction). */
export function majority(d: GeneSplitData): number {
  const counts = new Array<number>(d.C).fill(0);
  for (const i of d.split.train) {
    const c = d.classes[i] as number;
    counts[c] = (counts[c] as number) + 1;
  }
  return counts.indexOf(Math.max(...counts));
}
