/**
 * The gene-selection protocol: one job = one method on one stratified split r of one dataset,
 * run along a geometric λ path,
 *
 *   λ_k = λ_max · maxRatio · (minRatio/maxRatio)^{k/(K−1)},  k = 0 … K−1   (K = count; one λ =
 *   λ_max·minRatio when K = 1; maxRatio = 1 by default: from λ_max, a scale on networks, where a
 *   trained model can keep genes at λ_max and a path must start higher to reach small sets),
 *
 * run in that order (`direction` 'down', sparse to dense) or reversed ('up', dense to sparse, as
 * LassoNet does), each λ warm-started from the previous solution (`warm`; otherwise from the
 * method's default start), for at most `maxIter` iterations (epochs) per λ under the harness
 * clock (runner.ts).
 * At every λ the protocol records, with the clock stopped:
 *   - the selected genes S = {j : ‖θ_j‖₂ > τ}, θ_j the group of gene j (linear: its coefficient
 *     or its row of W; network: its row of the first layer W1, both heads), and |S|;
 *   - validation and test accuracy of the penalized model;
 *   - "select then refit": validation and test accuracy of an unpenalized model of the same kind
 *     trained on the genes S only (linear.ts / network.ts say how);
 *   - with a known truth T (simulations): precision |S∩T|/|S| and recall |S∩T|/|T|.
 * The dense network (solver `dense`) has no λ: one fit, every gene selected, one point.
 *
 * A method's reported point is the λ with the best validation accuracy (ties: the fewer genes),
 * separately for the penalized and the refitted models; its curve is test accuracy against |S|.
 *
 * Storage (no new tables): one run row per job, family `gene-selection`, seed = split r, instance
 * hash = hash of (data, split, path settings), shared by every method on that split; one
 * trace row per λ (k = its index on the path; time = cumulative solver seconds; objective, kkt
 * and gap of that λ's final iterate; nnz = |S|; test_metric = penalized test accuracy; extras =
 * the JSON object of `PathPoint`). The run row carries the last λ of the path (λ, λ/λ_max =
 * minRatio going down, maxRatio going up, objective, kkt, gap, nnz) and, as test_metric, the penalized test accuracy at the
 * reported point; its extras hold the path settings and both reported points (with their genes'
 * names).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AnyProblem, Params, Solver } from '../../problems/types.ts';
import { UserError } from '../../problems/errors.ts';
import type { Dataset } from '../../problems/dataset.ts';
import { DATASETS, resolveDataset } from '../../problems/datasets/index.ts';
import { findSolver } from '../../solvers/index.ts';
import { geneSelectionFamily } from '../../problems/zoo.ts';
import { resolveParams, skipReason, solverLabel } from '../params.ts';
import { errorMessage, runSolver } from '../runner.ts';
import type { NewRun, NewTrace } from '../store/index.ts';
import { failedRow, type JobResult, type JobSpec } from '../job.ts';
import { standardizeByTrain, stratifiedSplit } from './splits.ts';
import { linearModel } from './linear.ts';
import { GENE_PATH_DEFAULTS, type GenePathSpec, type GeneSplitData, type PathModel } from './types.ts';

/** The family name of gene-selection jobs (the zoo's protocol family). */
export const GENE_FAMILY = geneSelectionFamily.name;

/** Solvers of the linear baseline (Float64 engine); every other solver trains the network. */
export const LINEAR_METHODS: readonly string[] = ['cd'];
/** The unpenalized network: no λ path, one point with every gene. */
export const DENSE_METHOD = 'dense';

/** Genes listed per trace point (their indices) when at most this many are selected. */
export const LIST_GENES_UP_TO = 200;

/** What one λ of the path recorded (the trace row's extras). */
export interface PathPoint {
  readonly lambda: number;
  readonly lambdaRatio: number;
  readonly genes: number;
  readonly valAcc: number;
  readonly testAcc: number;
  readonly refitValAcc: number;
  readonly refitTestAcc: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly status: string;
  readonly iterations: number;
  /** Indices of the selected genes (when at most LIST_GENES_UP_TO). */
  readonly selected: number[] | null;
}

/** Genes whose group norm exceeds τ (sorted indices). */
export function selectGenes(norms: Float64Array, tau: number): Int32Array {
  const out: number[] = [];
  norms.forEach((v, j) => {
    if (v > tau) out.push(j);
  });
  return Int32Array.from(out);
}

/** Precision and recall of `selected` against `truth` (precision null when nothing is selected). */
export function precisionRecall(selected: Int32Array, truth: Int32Array): { precision: number | null; recall: number } {
  const t = new Set(truth);
  let hit = 0;
  for (const j of selected) if (t.has(j)) hit++;
  return { precision: selected.length ? hit / selected.length : null, recall: truth.length ? hit / truth.length : 0 };
}

/** The geometric path λ_k (module comment). */
export function lambdaPath(lambdaMax: number, count: number, minRatio: number, maxRatio = 1): number[] {
  if (count === 1) return [lambdaMax * minRatio];
  // λ_max·maxRatio·(minRatio/maxRatio)^{k/(K−1)}
  return Array.from({ length: count }, (_, k) => lambdaMax * maxRatio * (minRatio / maxRatio) ** (k / (count - 1)));
}

/** Task of a dataset spec (binary or multiclass) from the dataset list; files are read as multiclass. */
function datasetTask(spec: string): 'binary' | 'multiclass' {
  const head = spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;
  const entry = DATASETS.find((d) => d.name === head);
  if (!entry) return 'multiclass';
  if (entry.tasks.includes('binary')) return 'binary';
  if (entry.tasks.includes('multiclass')) return 'multiclass';
  throw new UserError(`${GENE_FAMILY} needs class labels but dataset '${spec}' is ${entry.tasks.join('/')}; pick a classification dataset (e.g. all-bt, sim-genes)`);
}

const cache = new Map<string, Dataset>();

/** Loads (cached per process) a gene-selection dataset. */
export function loadGeneDataset(spec: string): Dataset {
  let ds = cache.get(spec);
  if (!ds) {
    ds = resolveDataset(spec, { task: datasetTask(spec) });
    cache.set(spec, ds);
  }
  return ds;
}

/** Split r of a dataset, standardized by its training split (splits.ts). */
export function splitData(ds: Dataset, r: number, spec: Pick<GenePathSpec, 'val' | 'test'>): GeneSplitData {
  const classes = Int32Array.from(ds.y, (v) => (ds.task === 'binary' ? (v > 0 ? 1 : 0) : v));
  let C = 0;
  for (const c of classes) C = Math.max(C, c + 1);
  const split = stratifiedSplit(classes, r, { val: spec.val, test: spec.test });
  return {
    name: ds.name,
    hash: ds.hash,
    X: standardizeByTrain(ds.X, split.train),
    classes,
    C,
    split,
    featureNames: ds.featureNames,
    trueSupport: ds.trueSupport ?? null,
    labels: ds.labels ?? null,
  };
}

/** The path settings of a job, defaults filled in. */
export function pathSpecOf(job: JobSpec): GenePathSpec {
  return { ...GENE_PATH_DEFAULTS, ...(job.problem.genes ?? {}) };
}

/** The model adapter of a method. */
async function modelFor(method: string, data: GeneSplitData, spec: GenePathSpec, job: JobSpec): Promise<PathModel> {
  if (LINEAR_METHODS.includes(method)) return linearModel(data);
  const { networkModel } = await import('./network.ts');
  return networkModel(data, spec, { seed: job.seed, backend: job.problem.backend ?? 'wasm' });
}

/** Params with init=balanced added for solvers that take `init` (warm starts need the balanced split). */
function pathParams(solver: Solver, params: Params, warm: boolean): Params {
  if (!warm || !('init' in solver.params) || 'init' in params) return params;
  return { ...params, init: 'balanced' };
}

/** The best point by `acc` (ties: fewer genes, then larger λ), or null on an empty path. */
function bestBy(points: readonly PathPoint[], acc: (p: PathPoint) => number): { index: number; point: PathPoint } | null {
  let best: number | null = null;
  points.forEach((p, i) => {
    const a = acc(p);
    if (!Number.isFinite(a)) return;
    if (best === null) best = i;
    else {
      const b = points[best] as PathPoint;
      if (a > acc(b) || (a === acc(b) && p.genes < b.genes)) best = i;
    }
  });
  return best === null ? null : { index: best, point: points[best] as PathPoint };
}

/**
 * Runs one gene-selection job (module comment). Solver failures, divergence and timeouts become
 * the run's status (the partial path is kept); only invalid specs throw (UserError).
 */
export async function runGenePath(job: JobSpec, onTrace?: (t: NewTrace) => void, onStarted?: (run: NewRun) => void): Promise<JobResult> {
  const solver = findSolver(job.solver);
  const given = resolveParams(solver, job.params);
  const label = solverLabel(solver, given);
  const spec = pathSpecOf(job);
  const started = new Date().toISOString();
  const wall0 = performance.now();
  const ds = loadGeneDataset(job.problem.dataset);
  const data = splitData(ds, job.seed, spec);
  const dense = job.solver === DENSE_METHOD;
  const params = pathParams(solver, given, spec.warm);
  let model: PathModel;
  try {
    model = await modelFor(job.solver, data, spec, job);
  } catch (e) {
    if (e instanceof UserError) throw e;
    return failedRow(job, solver.name, label, given, 'error', `building the problem failed: ${errorMessage(e)}`, started);
  }
  // the instance of a path: data × split × path settings (every method of a split shares it)
  const instanceHash = createHash('sha256').update(JSON.stringify({ family: GENE_FAMILY, data: ds.hash, split: job.seed, path: spec })).digest('hex');
  const base = failedRow(job, solver.name, label, given, 'timeout', 'provisional', started, null, spec.tau).run;
  const row: NewRun = {
    ...base,
    instance_hash: instanceHash,
    dataset: ds.name,
    data_hash: ds.hash,
    n_samples: ds.X.n,
    n_features: ds.X.p,
    dim: model.dim,
    lambda_max: model.lambdaMax,
    engine: LINEAR_METHODS.includes(job.solver) ? 'float64' : 'tfjs',
  };
  onStarted?.(row);
  const down = lambdaPath(model.lambdaMax, spec.count, spec.minRatio, spec.maxRatio);
  const lambdas = dense ? [model.lambdaMax * spec.minRatio] : spec.direction === 'up' ? down.reverse() : down;
  const points: PathPoint[] = [];
  const trace: NewTrace[] = [];
  let solverSeconds = 0;
  let iterations = 0;
  let warm: Float64Array | undefined;
  let status: NewRun['status'] = 'converged';
  let reason: string | null = null;
  const deadline = job.timeoutSeconds && job.timeoutSeconds > 0 ? wall0 + job.timeoutSeconds * 1000 : Infinity;
  try {
    for (let k = 0; k < lambdas.length; k++) {
      const lambda = lambdas[k] as number;
      const left = (deadline - performance.now()) / 1000;
      if (left <= 0) {
        status = 'timeout';
        reason = `exceeded the time budget of ${job.timeoutSeconds} s after ${k} of ${lambdas.length} λ values`;
        break;
      }
      const problem: AnyProblem = await model.at(lambda);
      try {
        if (k === 0) {
          const skip = skipReason(solver, problem);
          if (skip !== null) return failedRow(job, solver.name, label, given, 'skipped', skip, started, problem, spec.tau);
        }
        const out = await runSolver(solver, problem, params, {
          tol: job.tol,
          maxIter: job.maxIter,
          timeoutSeconds: Number.isFinite(left) ? left : 0,
          tau: spec.tau,
          seed: job.seed,
          stopChecks: problem.engine === 'float64',
          traceRatio: 1e9,
          ...(spec.warm && warm ? { x0: warm } : {}),
        });
        solverSeconds += out.solverSeconds;
        iterations += out.iterations;
        const x = out.x;
        if (out.status === 'error' || out.status === 'diverged' || x === null) {
          status = out.status === 'diverged' ? 'diverged' : 'error';
          reason = `at λ index ${k} (λ = ${lambda.toExponential(3)}): ${out.reason ?? 'no iterate'}`;
          break;
        }
        if (out.status === 'timeout') {
          status = 'timeout';
          reason = `exceeded the time budget of ${job.timeoutSeconds} s at λ index ${k} of ${lambdas.length}`;
        } else if (out.status === 'max_iter' && status === 'converged') {
          status = 'max_iter';
          reason = `at least one λ reached max_iter = ${job.maxIter}`;
        }
        warm = x;
        const genes = dense ? Int32Array.from({ length: data.X.p }, (_, j) => j) : selectGenes(model.geneNorms(x), spec.tau);
        const acc = await model.accuracy(x);
        const refit = dense ? acc : await model.refit(genes, job.seed);
        const pr = data.trueSupport ? precisionRecall(genes, data.trueSupport) : null;
        const point: PathPoint = {
          lambda,
          lambdaRatio: lambda / model.lambdaMax,
          genes: genes.length,
          valAcc: acc.val,
          testAcc: acc.test,
          refitValAcc: refit.val,
          refitTestAcc: refit.test,
          precision: pr ? pr.precision : null,
          recall: pr ? pr.recall : null,
          status: out.status,
          iterations: out.iterations,
          selected: genes.length <= LIST_GENES_UP_TO ? Array.from(genes) : null,
        };
        points.push(point);
        const fin = out.final;
        const t: NewTrace = {
          k,
          time: solverSeconds,
          objective: fin && Number.isFinite(fin.objective) ? fin.objective : null,
          subopt: null,
          gap: fin?.gap ?? null,
          kkt: fin && Number.isFinite(fin.kkt) ? fin.kkt : null,
          nnz: genes.length,
          test_metric: acc.test,
          extras: JSON.stringify(point),
        };
        trace.push(t);
        onTrace?.(t);
        if (status === 'timeout') break;
      } finally {
        model.release(problem);
      }
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    status = 'error';
    reason = `at λ index ${points.length}: ${errorMessage(e)}`;
  } finally {
    model.dispose();
  }
  const bestPen = bestBy(points, (p) => p.valAcc);
  const bestRefit = bestBy(points, (p) => p.refitValAcc);
  const names = (p: PathPoint | undefined): string[] | null => (p?.selected ? p.selected.map((j) => data.featureNames[j] ?? `x${j}`) : null);
  const last = trace[trace.length - 1];
  const run: NewRun = {
    ...row,
    status,
    reason,
    ended_at: new Date().toISOString(),
    solver_seconds: solverSeconds,
    wall_seconds: (performance.now() - wall0) / 1000,
    iterations,
    // the row's λ, objective, kkt, gap and nnz are those of the path's last λ (fixed by the
    // spec, so the regression gate compares like with like); test_metric is the reported point's
    lambda: lambdas[lambdas.length - 1] ?? null,
    lambda_ratio: dense || lambdas.length === 0 ? null : (lambdas[lambdas.length - 1] as number) / model.lambdaMax,
    objective: last?.objective ?? null,
    kkt: last?.kkt ?? null,
    gap: last?.gap ?? null,
    nnz: last?.nnz ?? null,
    test_metric: bestPen ? bestPen.point.testAcc : null,
    extras: JSON.stringify({
      protocol: GENE_FAMILY,
      split: job.seed,
      path: spec,
      nTrain: data.split.train.length,
      nVal: data.split.val.length,
      nTest: data.split.test.length,
      classes: data.C,
      params,
      ...(data.labels ? { labels: data.labels } : {}),
      ...(data.trueSupport ? { trueSupport: Array.from(data.trueSupport) } : {}),
      best: bestPen ? { index: bestPen.index, ...bestPen.point, names: names(bestPen.point) } : null,
      bestRefit: bestRefit ? { index: bestRefit.index, ...bestRefit.point, names: names(bestRefit.point) } : null,
    }),
  };
  // one timed pass along the path (no warm-up repetitions: the path is its own warm-up)
  const repetitions = [{ rep: 0, solver_seconds: solverSeconds, wall_seconds: run.wall_seconds ?? 0, started_at: started }];
  return { run, trace, repetitions, x: warm ?? null, outcome: null, problem: null };
}
