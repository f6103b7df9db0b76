/**
 * A job = a problem instance spec × a solver instance × seed × stopping settings. Jobs are plain
 * data (they cross to pool workers as messages); `buildProblem` and `executeJob` turn them into
 * a run. Both `l1bench solve` and the benchmark pool go through here.
 */
import { createHash } from 'node:crypto';
import type { AnyProblem, ParamValue, Params, Problem, Solver, Status, TracePoint } from '../problems/types.ts';
import type { Dataset } from '../problems/dataset.ts';
import { NNZ_TAUS, nnzKey } from '../problems/types.ts';
import { findFamily, isProtocolFamily, isTensorFamily, makeProblem, type LambdaSpec } from '../problems/zoo.ts';
import { resolveDataset, type FileFormat } from '../problems/datasets/index.ts';
import { findSolver } from '../solvers/index.ts';
import { resolveParams, skipReason, solverLabel } from './params.ts';
import { runSolver, relSubopt, errorMessage, type RunOutcome } from './runner.ts';
import { provenance } from './env.ts';
import { UserError } from '../problems/errors.ts';
import type { PluginSource } from '../solvers/plugins.ts';
import { ensurePlugin } from './plugins.ts';
import { performance } from 'node:perf_hooks';
import type { NewRepetition, NewRun, NewTrace } from './store/index.ts';
import { contentJobKey } from './keys.ts';
import { median } from './stats.ts';
import type { GenePathSpec } from './genes/types.ts';
import { GENE_FAMILY, LINEAR_METHODS, runGenePath } from './genes/path.ts';

/** Default support threshold on the float32 tensor engine (spred's iterates never hit exact zeros). */
export const TENSOR_DEFAULT_TAU = 1e-6;

/** The problem part of a job: everything needed to rebuild the instance in any process. */
export interface ProblemSpec {
  /** Problem family: 'lasso' | 'logistic' | 'multinomial' | 'multinomial-group' | 'group-lasso' | 'mlp'. */
  readonly family: string;
  /** Dataset spec: builtin name, `sim-…:k=v,…`, or a file path. */
  readonly dataset: string;
  readonly target?: string;
  /** Format of a data file when its extension does not say (default: sniffed). */
  readonly format?: FileFormat;
  readonly standardize?: boolean;
  readonly lambda: LambdaSpec;
  readonly groupSize?: number;
  readonly groupsFile?: string;
  readonly groups?: readonly (readonly number[])[];
  /** tfjs backend for tensor problems. */
  readonly backend?: string;
  /** Hidden units of the MLP family. */
  readonly hidden?: number;
  /** Penalty of the MLP family: 'l1' (all first-layer weights) or 'group-l1' (feature selection). */
  readonly mlpPenalty?: 'l1' | 'group-l1';
  /** λ path and selection settings of the gene-selection family (harness/genes/; defaults filled there). */
  readonly genes?: Partial<GenePathSpec>;
  /** nn-compression: hidden widths (default [300, 100]) and 'weight' | 'neuron' structure. */
  readonly layers?: readonly number[];
  readonly structure?: 'weight' | 'neuron';
  /** nn-compression protocol: epochs of threshold + fine-tune after the solve (0 = none). */
  readonly finetuneEpochs?: number;
}

export interface JobSpec {
  readonly problem: ProblemSpec;
  readonly solver: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly seed: number;
  readonly tol: number;
  readonly maxIter: number;
  readonly timeoutSeconds: number | null;
  /** Support threshold; default: the solver's `defaultTau`, else 0. */
  readonly tau?: number;
  /** Suite the job belongs to (`solve` for ad-hoc solves); part of the key. */
  readonly suite?: string | null;
  /** The plugin that provides `solver` (absent for built-ins): workers load it, and it is part of the key. */
  readonly plugin?: PluginSource;
  /** Member of a regularization path (harness/path.ts): its id and λ index (part of the key: a warm-started run differs from a cold one). */
  readonly path?: { readonly id: string; readonly index: number };
  /**
   * A whole regularization path (a bench plan's `lambdaPath`): the decreasing λ/λ_max the worker
   * walks with harness/path.ts's executePath, storing one run per λ. `problem.lambda` is the last.
   */
  readonly pathRatios?: readonly number[];
  /**
   * Timed repetitions R (default 1): after one untimed warm-up the run is repeated R times and
   * every repetition's time is stored; its times are the medians. Not part of the key.
   */
  readonly repeat?: number;
}

/**
 * The untimed warm-up before a job's timed runs. On the Float64 engine: whole runs, repeated
 * until WARMUP_RUNS of them or WARMUP_SECONDS of warm-up in all (each cut at WARMUP_SECONDS, or
 * at WARMUP_TIMEOUT_SHARE of the job's timeout if less). One warm-up run was not enough: V8
 * optimizes a solver's functions after enough calls, in a background thread, and re-optimizes
 * after each deoptimization (a new shape of an argument, a new closure at a call site), so cd on
 * logistic/breast-cancer (a fresh `solve --repeat`, 100 warm-up runs printed) took 0.055, 0.038,
 * 0.025, then 0.002–0.006 s, and 0.0012 s steady from about the 15th run on, with rare 0.03 s
 * runs (a major GC, and the re-optimization after it) later. Two benchmarks differed up to 4×
 * on such runs with one warm-up run. A run longer than the budget gains little from more: its
 * compile time is a small share of it. On the tensor engine it is one iteration (an epoch; the
 * first-call cost there is kernel set-up, paid once). Solvers that warm themselves up in their
 * own process (`Solver.warmsItself`: external commands) get none.
 */
export const WARMUP_SECONDS = 1;
export const WARMUP_RUNS = 100;
export const WARMUP_ITERATIONS_TENSOR = 1;
/** Share of a job's timeout the warm-up may use (it runs inside the job's budget). */
export const WARMUP_TIMEOUT_SHARE = 0.1;

/** Content key of a job: data bytes, preprocessing, solver, params, seed, stopping, suite and code (see keys.ts). */
export function jobKey(job: JobSpec): string {
  const key = contentJobKey(job);
  // a path member (warm-started from the previous λ) is a different run from a cold one at the same λ
  const keyed = job.path ? createHash('sha256').update(JSON.stringify([key, job.path])).digest('hex').slice(0, 32) : key;
  // a plugin solver: the sha256 of its bytes (its command and script) joins the key, so editing
  // the plugin reruns its jobs; built-in jobs keep their content keys
  return job.plugin ? createHash('sha256').update(JSON.stringify([keyed, job.plugin.kind, job.plugin.hash])).digest('hex').slice(0, 32) : keyed;
}

/** What a run records of its plugin (in `extras.plugin`): path (or command) and sha256 of its bytes. */
export function pluginRecord(s: PluginSource): { kind: string; path: string; sha256: string } {
  return { kind: s.kind, path: s.kind === 'module' ? s.path : `${JSON.stringify(s.command)} in ${s.cwd}`, sha256: s.hash };
}

const datasetCache = new Map<string, Dataset>();

/** Loads (and caches per process) the dataset of a spec (Float64 families; tensor ones load their own data). */
export function loadDataset(spec: ProblemSpec): Dataset {
  const fam = findFamily(spec.family);
  const task = fam.task;
  const key = JSON.stringify([spec.dataset, spec.target ?? null, spec.format ?? null, task, spec.standardize ?? false]);
  let ds = datasetCache.get(key);
  if (!ds) {
    ds = resolveDataset(spec.dataset, {
      task,
      standardize: spec.standardize ?? false,
      ...(spec.target !== undefined ? { target: spec.target } : {}),
      ...(spec.format !== undefined ? { format: spec.format } : {}),
    });
    datasetCache.set(key, ds);
  }
  return ds;
}

/** Builds the problem instance of a spec (a gene-selection spec is a λ path: see `executeJob`). */
export async function buildProblem(spec: ProblemSpec): Promise<AnyProblem> {
  const fam = findFamily(spec.family);
  if (isProtocolFamily(fam)) throw new Error(`internal: a ${fam.name} job is a λ path, run it with executeJob`);
  if (isTensorFamily(fam)) return fam.build(spec);
  const ds = loadDataset(spec);
  return makeProblem(fam, ds, spec.lambda, {
    ...(spec.groupSize !== undefined ? { groupSize: spec.groupSize } : {}),
    ...(spec.groupsFile !== undefined ? { groupsFile: spec.groupsFile } : {}),
    ...(spec.groups !== undefined ? { groups: spec.groups } : {}),
  });
}

/** The result of a job, as stored. */
export interface JobResult {
  readonly run: NewRun;
  readonly trace: NewTrace[];
  /** The timed repetitions behind the run's (median) times; empty when the solver never ran. */
  readonly repetitions: NewRepetition[];
  /** Final iterate (for `solve --out`). */
  readonly x: Float64Array | null;
  readonly outcome: RunOutcome | null;
  readonly problem: AnyProblem | null;
}

/** Validates the solver and parameters of a job (throws UserError). */
export function resolveJobSolver(job: JobSpec): { solver: Solver; params: Params } {
  const solver = findSolver(job.solver);
  return { solver, params: resolveParams(solver, job.params) };
}

export interface ExecuteOptions {
  /** Reference optimum F* of the instance and how it was obtained. */
  readonly reference?: { objective: number; kind: 'certified' | 'best-seen' } | null;
  readonly onTrace?: (p: TracePoint) => void;
  /** A problem already built for this job's spec (saves rebuilding). */
  readonly problem?: AnyProblem;
  /** Warm start x₀ (paths). */
  readonly x0?: Float64Array;
  /** Cooperative stop, asked at every callback (runner.ts RunOptions.shouldStop). */
  readonly shouldStop?: () => boolean;
  /** Warm the solver up, untimed, before the timed runs (WARMUP_RUNS, WARMUP_SECONDS; default false). */
  readonly warmup?: boolean;
}

export { median } from './stats.ts';

/** Statuses after which a run is repeated for timing (a complete, normal run). */
const REPEATABLE: readonly Status[] = ['converged', 'max_iter', 'stalled'];
/** The trace sink of runs whose points nobody streams (warm-up, repetitions after the first). */
const NO_TRACE = (_point: TracePoint): void => {};

/**
 * The trace of R repetitions of one deterministic run: the first repetition's points with the
 * time of each point replaced by the median over repetitions (when every repetition sampled the
 * same iterations k, as a deterministic solver does; otherwise the first repetition's trace).
 */
export function medianTrace(traces: readonly (readonly TracePoint[])[]): TracePoint[] {
  const first = traces[0] ?? [];
  const sameK = traces.every((t) => t.length === first.length && t.every((p, i) => p.k === (first[i] as TracePoint).k));
  if (!sameK || traces.length < 2) return [...first];
  return first.map((p, i) => ({ ...p, time: median(traces.map((t) => (t[i] as TracePoint).time)) }));
}

/**
 * Runs one job to a stored row. Never throws for solver failures or capability mismatches:
 * they become `error` / `skipped` rows. Throws UserError only for invalid specs.
 */
export async function executeJob(job: JobSpec, opts: ExecuteOptions = {}): Promise<JobResult> {
  if (job.plugin) await ensurePlugin(job.plugin);
  if (job.problem.family === GENE_FAMILY) return runGenePath(job);
  const { solver, params } = resolveJobSolver(job);
  const label = solverLabel(solver, params);
  const started = new Date().toISOString();
  let problem: AnyProblem;
  try {
    problem = opts.problem ?? (await buildProblem(job.problem));
  } catch (e) {
    if (e instanceof UserError) throw e;
    return failedRow(job, solver.name, label, params, 'error', `building the problem failed: ${errorMessage(e)}`, started);
  }
  // float32 iterates need a coarser default support threshold than Float64 ones
  const tau = job.tau ?? (problem.engine === 'tfjs' ? TENSOR_DEFAULT_TAU : (solver.defaultTau ?? 0));
  const skip = skipReason(solver, problem);
  if (skip !== null) {
    return { ...failedRow(job, solver.name, label, params, 'skipped', skip, started, problem, tau), problem };
  }
  const ref = opts.reference ?? null;
  const t0 = performance.now();
  // Every run of this job (warm-up and timed) gets options of one shape, the same keys in the
  // same order (conditional spreads made the repetitions' object differ from the first run's, and
  // each change of shape cost a deoptimization inside the timed run: cd on logistic/breast-cancer
  // took 0.002 s, then 0.035 and 0.030 s, then 0.004 s from there on).
  const runOpts = {
    tol: job.tol,
    maxIter: job.maxIter,
    timeoutSeconds: job.timeoutSeconds ?? 0,
    tau,
    seed: job.seed,
    reference: ref ? ref.objective : null,
    shouldStop: opts.shouldStop,
    x0: opts.x0,
    onTrace: NO_TRACE,
  };
  const timed = (first: boolean) => ({ ...runOpts, onTrace: first && opts.onTrace ? opts.onTrace : NO_TRACE });
  if (opts.warmup && solver.warmsItself !== true) {
    // untimed, discarded: the first calls of a solver in a process run cold (JIT)
    const share = job.timeoutSeconds ? WARMUP_TIMEOUT_SHARE * job.timeoutSeconds : Infinity;
    if (problem.engine === 'tfjs') {
      await runSolver(solver, problem, params, { ...timed(false), maxIter: Math.min(WARMUP_ITERATIONS_TENSOR, job.maxIter), timeoutSeconds: Number.isFinite(share) ? share : 0 });
    } else {
      const budget = Math.min(WARMUP_SECONDS, share);
      const start = performance.now();
      for (let w = 0; w < WARMUP_RUNS; w++) {
        const left = budget - (performance.now() - start) / 1000;
        if (w > 0 && left <= 0) break;
        const o = await runSolver(solver, problem, params, { ...timed(false), timeoutSeconds: w === 0 ? budget : left });
        if (!REPEATABLE.includes(o.status)) break;
      }
    }
  }
  const outcome = await runSolver(solver, problem, params, timed(true));
  const outcomes: RunOutcome[] = [outcome];
  const R = Math.max(1, Math.floor(job.repeat ?? 1));
  // the pool's budget is R × timeout from the start: a repetition that might not fit is not started
  const budgetMs = job.timeoutSeconds ? 0.9 * R * job.timeoutSeconds * 1000 : Infinity;
  if (REPEATABLE.includes(outcome.status)) {
    for (let r = 1; r < R; r++) {
      const last = outcomes[outcomes.length - 1] as RunOutcome;
      if (performance.now() - t0 + last.wallSeconds * 1000 > budgetMs) break;
      const o = await runSolver(solver, problem, params, timed(false));
      outcomes.push(o);
      if (!REPEATABLE.includes(o.status)) break;
    }
  }
  const repetitions: NewRepetition[] = outcomes.map((o, rep) => ({ rep, solver_seconds: o.solverSeconds, wall_seconds: o.wallSeconds, started_at: o.startedAt }));
  const trace = medianTrace(outcomes.map((o) => o.trace));
  const fin = outcome.final;
  // protocol steps after the timed solve (network problems): threshold sweep, per-layer counts, fine-tune
  let protocol: Record<string, unknown> | null = null;
  if (problem.engine === 'tfjs' && outcome.x && outcome.status !== 'error' && outcome.status !== 'diverged') {
    const { runProtocol } = await import('../solvers/tensor/run-protocol.ts');
    protocol = await runProtocol(problem, outcome, params, { tau, seed: job.seed, finetuneEpochs: job.problem.finetuneEpochs ?? 0 });
  }
  const extras = { ...(outcome.extras ?? {}), ...supportAt(problem, outcome.x), ...(protocol ?? {}), ...(job.plugin ? { plugin: pluginRecord(job.plugin) } : {}) };
  const run: NewRun = {
    ...baseRow(job, solver.name, label, params, problem, tau),
    status: outcome.status,
    reason: outcome.reason,
    started_at: outcome.startedAt,
    ended_at: (outcomes[outcomes.length - 1] as RunOutcome).endedAt,
    solver_seconds: median(outcomes.map((o) => o.solverSeconds)),
    wall_seconds: median(outcomes.map((o) => o.wallSeconds)),
    repeats: outcomes.length,
    iterations: outcome.iterations,
    objective: finiteOrNull(fin?.objective),
    gap: fin?.gap ?? null,
    rel_gap: fin?.relGap ?? null,
    kkt: finiteOrNull(fin?.kkt),
    nnz: fin?.nnz ?? null,
    subopt: ref && fin && Number.isFinite(fin.objective) ? fin.objective - ref.objective : null,
    rel_subopt: ref && fin && Number.isFinite(fin.objective) ? relSubopt(fin.objective, ref.objective) : null,
    test_metric: fin?.testMetric ?? null,
    reference_objective: ref ? ref.objective : null,
    reference_kind: ref ? ref.kind : null,
    imbalance: outcome.extras && typeof outcome.extras['imbalance'] === 'number' ? outcome.extras['imbalance'] : null,
    extras: runExtras(problem, extras),
  };
  return { run, trace: trace.map(traceRow), repetitions, x: outcome.x, outcome, problem };
}

/** Support size of the final iterate at each τ of NNZ_TAUS (`nnz@1e-4`: …); nothing without a final iterate. */
function supportAt(problem: AnyProblem, x: Float64Array | null): Record<string, number> {
  if (x === null) return {};
  const support = (t: number): number => ('support' in problem && typeof problem.support === 'function' ? problem.support(x, t) : (problem as Problem).penalty.support(x, t));
  return Object.fromEntries(NNZ_TAUS.map((t) => [nnzKey(t), support(t)]));
}

/** A trace point as a row (the store sets run_id). */
export function traceRow(p: TracePoint): NewTrace {
  return {
    k: p.k,
    time: p.time,
    objective: finiteOrNull(p.objective),
    subopt: p.subopt,
    gap: p.gap,
    kkt: finiteOrNull(p.kkt),
    nnz: p.nnz,
    test_metric: p.testMetric,
    extras: p.extras ? JSON.stringify(p.extras) : null,
  };
}

/**
 * The run's JSON `extras`: the solver's final extras (and protocol results), the label mapping, and on the tensor
 * engine the WebGPU adapter {vendor, architecture, description, isFallbackAdapter} behind
 * backend 'webgpu' (a fallback adapter is software, not a GPU). Null when there is nothing.
 */
export function runExtras(problem: AnyProblem | null, extras: Readonly<Record<string, unknown>> | null): string | null {
  const adapter = problem && problem.engine === 'tfjs' ? problem.adapter : null;
  const labels = problem?.meta.labels;
  if ((!extras || Object.keys(extras).length === 0) && !labels && !adapter) return null;
  return JSON.stringify({ ...(extras ?? {}), ...(labels ? { labels } : {}), ...(adapter ? { adapter } : {}) });
}

function finiteOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined || Number.isNaN(v) ? null : v;
}

type Base = Omit<NewRun, 'status' | 'reason' | 'started_at' | 'ended_at'>;

function baseRow(job: JobSpec, solver: string, label: string, params: Params, problem: AnyProblem | null, tau: number): Base {
  const prov = provenance();
  const lambdaAbs = problem ? problem.lambda : job.problem.lambda.kind === 'absolute' ? job.problem.lambda.value : null;
  return {
    job_key: jobKey(job),
    suite: job.suite ?? null,
    problem: JSON.stringify(job.problem),
    repeats: 0,
    family: job.problem.family,
    dataset: problem ? problem.meta.dataset : job.problem.dataset,
    data_hash: problem ? problem.meta.dataHash : null,
    instance_hash: problem ? problem.instanceHash : null,
    n_samples: problem ? problem.meta.nSamples : null,
    n_features: problem ? problem.meta.nFeatures : null,
    dim: problem ? problem.dim : null,
    lambda: lambdaAbs,
    lambda_ratio: problem ? problem.lambda / problem.lambdaMax : job.problem.lambda.kind === 'ratio' ? job.problem.lambda.ratio : null,
    lambda_max: problem ? problem.lambdaMax : null,
    solver,
    solver_label: label,
    params: JSON.stringify(params),
    seed: job.seed,
    engine: problem ? problem.engine : job.problem.family === GENE_FAMILY ? (LINEAR_METHODS.includes(solver) ? 'float64' : 'tfjs') : isTensorFamily(findFamily(job.problem.family)) ? 'tfjs' : 'float64',
    backend: problem && problem.engine === 'tfjs' ? problem.backend : null,
    tol: job.tol,
    max_iter: job.maxIter,
    timeout_s: job.timeoutSeconds,
    tau,
    solver_seconds: null,
    wall_seconds: null,
    iterations: null,
    objective: null,
    gap: null,
    rel_gap: null,
    kkt: null,
    nnz: null,
    subopt: null,
    rel_subopt: null,
    test_metric: null,
    reference_objective: null,
    reference_kind: null,
    imbalance: null,
    git_commit: prov.gitCommit,
    git_dirty: prov.gitDirty ? 1 : 0,
    machine: prov.machine,
    node_version: prov.nodeVersion,
    versions: JSON.stringify(prov.versions),
    extras: runExtras(problem, job.plugin ? { plugin: pluginRecord(job.plugin) } : null),
  };
}

/** A row for a run that never started (skipped) or failed before its solver ran. */
export function failedRow(
  job: JobSpec,
  solver: string,
  label: string,
  params: Params,
  status: Extract<Status, 'skipped' | 'error' | 'timeout'>,
  reason: string,
  startedAt: string,
  problem: AnyProblem | null = null,
  tau = job.tau ?? 0,
): JobResult {
  const run: NewRun = { ...baseRow(job, solver, label, params, problem, tau), status, reason, started_at: startedAt, ended_at: new Date().toISOString() };
  return { run, trace: [], repetitions: [], x: null, outcome: null, problem };
}

/** Largest number of coefficients stored per path point (extras.coef). */
export const COEF_LIMIT = 2000;

/** The nonzeros of a path solution, {idx, val}, at most COEF_LIMIT of them (the report's coefficient plot). */
export function sparseCoef(x: Float64Array | null): { idx: number[]; val: number[] } | null {
  if (!x) return null;
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < x.length && idx.length < COEF_LIMIT; i++) {
    const v = x[i] as number;
    if (v !== 0) {
      idx.push(i);
      val.push(v);
    }
  }
  return { idx, val };
}
