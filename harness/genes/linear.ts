/**
 * The linear baselines of gene selection on the Float64 engine, solved by `cd`:
 *   2 classes:  L1 logistic,   F(w) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀw)) + λ‖w‖₁, y = ±1
 *               (class 1 → +1); gene j's group is w_j;
 *   C > 2:      group-L1 multinomial, F(W) = (1/n) Σ_i [lse(x_iᵀW) − x_iᵀW_{:,y_i}] + λ Σ_j ‖W_{j,:}‖₂,
 *               gene j's group is row j of W (all classes at once);
 * over the training split (standardized by its own statistics). The datafits have no intercept
 * (l1bench's GLMs have none; the genes are centred on the training split).
 *
 * Prediction: sign(xᵀw) (argmax_c xᵀW_c); an all-zero score (no gene selected) predicts the
 * training split's majority class.
 * Refit on genes S: the same datafit on the columns S at λ = REFIT_RATIO·λ_max(S), solved by cd
 * for at most REFIT_MAX_ITER Newton steps. A truly unpenalized logistic fit does not exist on
 * separable data (‖w‖ → ∞; a few microarray genes often separate the training split), and this λ
 * changes no prediction that a fit of large but finite norm would make.
 */
import type { AnyProblem, Problem } from '../../problems/types.ts';
import type { Dataset } from '../../problems/dataset.ts';
import { logisticFamily, makeProblem, multinomialGroupFamily } from '../../problems/zoo.ts';
import { hashDataset } from '../../problems/datasets/hash.ts';
import { cd } from '../../solvers/cd.ts';
import { runSolver } from '../runner.ts';
import { resolveParams } from '../params.ts';
import { subMatrix } from './splits.ts';
import { majority, type GeneSplitData, type HeldOut, type PathModel } from './types.ts';

/** λ of the refit, relative to λ_max of the selected genes. */
export const REFIT_RATIO = 1e-4;
/** Newton steps of the refit. */
export const REFIT_MAX_ITER = 100;

/** Training dataset of `genes` (all when null) for the Float64 GLM. */
function trainDataset(d: GeneSplitData, genes: Int32Array | null): Dataset {
  const X = subMatrix(d.X, d.split.train, genes);
  const y = Float64Array.from(d.split.train, (i) => {
    const c = d.classes[i] as number;
    return d.C === 2 ? (c === 1 ? 1 : -1) : c;
  });
  return { name: `${d.name}#train`, X, y, featureNames: [], task: d.C === 2 ? 'binary' : 'multiclass', hash: hashDataset(X, y), notes: {} };
}

/** Accuracy of coefficients x (over the columns `genes`, all when null) on the rows `rows`. */
function linearAccuracy(d: GeneSplitData, x: Float64Array, rows: Int32Array, genes: Int32Array | null, fallback: number): number {
  if (rows.length === 0) return NaN;
  const n = d.X.n;
  const p = genes ? genes.length : d.X.p;
  const K = d.C === 2 ? 1 : d.C;
  let right = 0;
  const s = new Float64Array(K);
  for (const i of rows) {
    s.fill(0);
    // s_c = Σ_j x_ij W_jc (W column-major by class: W[j, c] at c·p + j)
    for (let k = 0; k < p; k++) {
      const v = d.X.data[(genes ? (genes[k] as number) : k) * n + i] as number;
      if (v === 0) continue;
      for (let c = 0; c < K; c++) s[c] = (s[c] as number) + v * (x[c * p + k] as number);
    }
    let pred: number;
    if (K === 1) pred = s[0] === 0 ? fallback : (s[0] as number) > 0 ? 1 : 0;
    else {
      let best = 0;
      let allZero = true;
      for (let c = 0; c < K; c++) {
        if (s[c] !== 0) allZero = false;
        if ((s[c] as number) > (s[best] as number)) best = c;
      }
      pred = allZero ? fallback : best;
    }
    if (pred === d.classes[i]) right++;
  }
  return right / rows.length;
}

export function linearModel(d: GeneSplitData): PathModel {
  const ds = trainDataset(d, null);
  const family = d.C === 2 ? logisticFamily : multinomialGroupFamily;
  const ref = makeProblem(family, ds, { kind: 'ratio', ratio: 1 });
  const p = d.X.p;
  const fallback = majority(d);
  return {
    lambdaMax: ref.lambdaMax,
    dim: ref.dim,
    at: async (lambda) => makeProblem(family, ds, { kind: 'absolute', value: lambda }),
    release: () => {},
    geneNorms(x) {
      const K = d.C === 2 ? 1 : d.C;
      // ‖W_{j,:}‖₂ (|w_j| for one class column)
      return Float64Array.from({ length: p }, (_, j) => {
        let s = 0;
        for (let c = 0; c < K; c++) s += (x[c * p + j] as number) ** 2;
        return Math.sqrt(s);
      });
    },
    accuracy: async (x): Promise<HeldOut> => ({
      val: linearAccuracy(d, x, d.split.val, null, fallback),
      test: linearAccuracy(d, x, d.split.test, null, fallback),
    }),
    async refit(genes, seed): Promise<HeldOut> {
      const zero = new Float64Array(0);
      if (genes.length === 0) return { val: linearAccuracy(d, zero, d.split.val, genes, fallback), test: linearAccuracy(d, zero, d.split.test, genes, fallback) };
      const sub = makeProblem(family, trainDataset(d, genes), { kind: 'ratio', ratio: REFIT_RATIO });
      const out = await runSolver(cd, sub, resolveParams(cd, {}), { tol: 1e-10, maxIter: REFIT_MAX_ITER, tau: 0, seed });
      const w = out.x ?? new Float64Array(sub.dim);
      return { val: linearAccuracy(d, w, d.split.val, genes, fallback), test: linearAccuracy(d, w, d.split.test, genes, fallback) };
    },
    dispose: () => {},
  };
}

/** Narrowing for tests. */
export function isFloat64(p: AnyProblem): p is Problem {
  return p.engine === 'float64';
}
