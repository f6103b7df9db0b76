/**
 * The contracts between problems, solvers and the harness.
 *
 * A problem is F(x) = f(x) + λ·Ω(x): a datafit f, a penalty Ω, data and λ.
 * Linear-model datafits run in Float64 typed arrays; neural-net datafits run on
 * TensorFlow.js (float32) and expose the same smooth-objective view to the
 * generic optimizers.
 */
import type { AdapterInfo } from './tensor/names.ts';

/**
 * Dense matrix stored column-major: entry (i, j) is `data[j * n + i]`.
 * Column j is the contiguous slice `data.subarray(j * n, (j + 1) * n)`.
 */
export interface Matrix {
  readonly n: number;
  readonly p: number;
  readonly data: Float64Array;
}

/** What a solver may need from a problem. Checked before a run; a mismatch is `skipped`. */
export type Capability =
  /** f has a gradient everywhere (every Float64 datafit and every tensor datafit). */
  | 'smooth-gradient'
  /** a global Lipschitz constant of ∇f is known. */
  | 'lipschitz'
  /** the penalty has a closed-form prox. */
  | 'prox'
  /** the design matrix X and targets y are visible (f(x) = Σ loss(y_i, (Xx)_i) / n). */
  | 'design-matrix'
  /** f is the least-squares loss (1/2n)‖y − Xx‖² (LARS, closed forms). */
  | 'squared-loss'
  /** the penalty is elementwise L1, Σ|x_i| (LARS). */
  | 'l1-penalty'
  /** f is a mean over samples, so minibatch gradients exist. */
  | 'sample-mean'
  /** f is convex, so a duality gap certifies optimality. */
  | 'convex'
  /** the datafit runs on the TensorFlow.js engine. */
  | 'tensor-engine'
  /** the datafit runs on the Float64 engine. */
  | 'float64-engine';

/** Every capability, for validating solvers declared outside this repository (plugins). */
export const CAPABILITIES = [
  'smooth-gradient',
  'lipschitz',
  'prox',
  'design-matrix',
  'squared-loss',
  'l1-penalty',
  'sample-mean',
  'convex',
  'tensor-engine',
  'float64-engine',
] as const satisfies readonly Capability[];
// Compile-time check that the list names every member of the union.
const _allCapabilities: Exclude<Capability, (typeof CAPABILITIES)[number]> extends never ? true : never = true;
void _allCapabilities;

export type Engine = 'float64' | 'tfjs';

/**
 * A smooth datafit f on the Float64 engine.
 * Every method assumes valid input of length `dim`; validation happens at the boundary.
 */
export interface Datafit {
  /** 'quadratic' | 'logistic' | 'multinomial' | … */
  readonly name: string;
  /** Number of parameters x. */
  readonly dim: number;
  /** Number of samples n (f is a mean over them). */
  readonly nSamples: number;
  /** f(x). */
  value(x: Float64Array): number;
  /** Writes ∇f(x) into `out` and returns f(x). */
  gradient(x: Float64Array, out: Float64Array): number;
  /**
   * Minibatch estimate: writes (1/|B|) Σ_{i∈B} ∇f_i(x) into `out`, returns (1/|B|) Σ f_i(x).
   * Present when f is a mean over samples.
   */
  gradientBatch?(x: Float64Array, batch: Int32Array, out: Float64Array): number;
  /** A global Lipschitz constant L of ∇f, when known (‖∇f(a) − ∇f(b)‖ ≤ L‖a − b‖). */
  lipschitz?(): number;
  /** The design, when f(x) = (1/n) Σ_i loss(y_i, (Xx)_i) (for multinomial, x is p×C column-major by class). */
  readonly design?: Design;
  /**
   * Value of the dual objective D(θ) at the dual point built from x (rescaled so that it is
   * feasible for λΩ); the duality gap is F(x) − D. Present for convex GLM datafits.
   */
  dualValue?(x: Float64Array, lambda: number, penalty: Penalty): number;
}

/** Design matrix and targets of a GLM datafit. */
export interface Design {
  readonly X: Matrix;
  /** Targets: real values (lasso), ±1 labels (logistic) or class indices 0..C−1 (multinomial). */
  readonly y: Float64Array;
  /** Number of classes for multinomial; 1 otherwise. */
  readonly classes: number;
}

/**
 * A penalty Ω (without λ). `mask`, when present, marks which coordinates are penalized.
 */
export interface Penalty {
  /** 'l1' = Σ_i |x_i|; 'group-l1' = Σ_g ‖x_g‖₂. */
  readonly name: 'l1' | 'group-l1';
  /** Groups of coordinate indices (group-l1 only); they partition the penalized coordinates. */
  readonly groups?: readonly Int32Array[];
  /** Ω(x). */
  value(x: Float64Array): number;
  /** out = prox_{t·Ω}(x) = argmin_z t·Ω(z) + ½‖z − x‖². `out` may alias `x`. */
  prox(x: Float64Array, t: number, out: Float64Array): void;
  /**
   * KKT violation: max over coordinates (or groups) of dist(−g, λ∂Ω(x)), with g = ∇f(x).
   * Zero exactly at a minimizer of f + λΩ.
   */
  subdiffDistance(x: Float64Array, g: Float64Array, lambda: number): number;
  /** Dual norm Ω*(v): ‖v‖∞ for l1, max_g ‖v_g‖₂ for group-l1. */
  dualNorm(v: Float64Array): number;
  /** Number of nonzero coordinates (|x_i| > tau) counted as the penalty sees them. */
  support(x: Float64Array, tau: number): number;
}

/** Metadata that travels with a problem into results.db. */
export interface ProblemMeta {
  /** Dataset name, e.g. 'diabetes', 'simulated-lasso', or a file path. */
  readonly dataset: string;
  /** Content hash of the data (hex sha256 of X and y), part of the instance key. */
  readonly dataHash: string;
  readonly nSamples: number;
  readonly nFeatures: number;
  /** Ground-truth support, when simulated. */
  readonly trueSupport?: Int32Array;
  /** Label mapping recorded with the run (e.g. {"M": 1, "B": -1}). */
  readonly labels?: Record<string, number>;
  /** Free-form dataset description (standardized or not, seed, …). */
  readonly notes?: Record<string, string | number | boolean>;
}

/** A problem instance on the Float64 engine. */
export interface Problem {
  /** Problem family: 'lasso' | 'logistic' | 'multinomial' | 'group-lasso' | … */
  readonly family: string;
  readonly engine: 'float64';
  readonly datafit: Datafit;
  readonly penalty: Penalty;
  /** Absolute λ. */
  readonly lambda: number;
  /** λ_max: the smallest λ for which x = 0 is optimal. */
  readonly lambdaMax: number;
  /** Number of parameters. */
  readonly dim: number;
  readonly capabilities: ReadonlySet<Capability>;
  readonly meta: ProblemMeta;
  /** Stable hash of (family, data, λ, penalty structure): the key of the reference optimum. */
  readonly instanceHash: string;
}

/** A value a solver parameter may take. */
export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

/** Declaration of one solver parameter. */
export interface ParamSpec {
  readonly type: 'number' | 'integer' | 'string' | 'boolean';
  readonly default: ParamValue;
  readonly doc: string;
  /** Allowed values for strings. */
  readonly choices?: readonly string[];
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
}

/**
 * What the solver hands the harness once per iteration (or epoch). The harness reads
 * it only at trace points, with the clock stopped, so accessors may do work.
 */
export interface IterateView {
  /** The current primal iterate x (for spred: the product u ⊙ w). Must not be mutated by the harness. */
  x(): Float64Array;
  /** Extra metrics for this trace point (spred: factor imbalance max|u² − w²|). */
  extras?(): Readonly<Record<string, number>>;
  /**
   * The solver's own clock, in seconds since its start, for solvers the harness cannot time from
   * the outside (external commands: the child's fit time, measured inside it). When present, the
   * harness records it instead of its own clock.
   */
  time?(): number;
}

/** Called once per iteration; returns false to stop. */
export type Callback = (it: IterateView) => boolean;

/**
 * An iterate that lives on a device (the tensor engine): read with `await`, since the webgpu
 * backend has no synchronous reads. Same meaning as IterateView.
 */
export interface AsyncIterateView {
  x(): Promise<Float64Array>;
  extras?(): Promise<Readonly<Record<string, number>>>;
}

/** The callback of tensor solvers: awaited once per epoch (or step); resolves false to stop. */
export type AsyncCallback = (it: AsyncIterateView) => Promise<boolean>;

/** What the harness gives a solver besides the problem and parameters. */
export interface RunContext {
  /** Seed for any randomness (initialization, minibatches). */
  readonly seed: number;
  /** Optional warm start x₀. */
  readonly x0?: Float64Array;
  /** The harness's iteration budget (solvers that size buffers by it may read it). */
  readonly maxIter: number;
  /**
   * The wall-clock budget in seconds (absent: none). In-process solvers ignore it (the harness
   * stops them at a callback); an external command is killed when it runs past it.
   */
  readonly timeoutSeconds?: number;
  /**
   * The harness's callback for device iterates (set by the runner): tensor solvers report
   * through it (problems/tensor/read.ts `asyncCallbackOf`), so the iterate is read with the
   * clock stopped. Absent when a solver is called directly.
   */
  readonly asyncCallback?: AsyncCallback;
}

/** Any problem a solver can be handed: Float64 ones, or a tensor problem from the tfjs engine. */
export type AnyProblem = Problem | TensorProblemLike;

/**
 * The minimal view of a tensor-engine problem that the harness needs (the full type lives
 * with the tfjs engine). x is the flat vector of all parameters, copied out at trace points.
 */
export interface TensorProblemLike {
  readonly family: string;
  readonly engine: 'tfjs';
  readonly lambda: number;
  readonly lambdaMax: number;
  readonly dim: number;
  readonly capabilities: ReadonlySet<Capability>;
  readonly meta: ProblemMeta;
  readonly instanceHash: string;
  /** The backend actually in use: 'wasm' | 'webgpu' | 'cpu' | 'tensorflow' | 'tensorflow-gpu'. */
  readonly backend: string;
  /** The WebGPU adapter behind backend 'webgpu' (recorded with the run), else null. */
  readonly adapter: AdapterInfo | null;
  /** F(x) = f(x) + λΩ(x), x the flat parameter vector (read with await: no synchronous reads). */
  objective(x: Float64Array): Promise<number>;
  /** Frees the problem's tensors on the backend (its data); the problem is unusable afterwards. */
  dispose(): void;
  /** KKT violation of x, entries with |x_i| ≤ τ read as zeros (τ = 0: exact zeros only). */
  kkt(x: Float64Array, tau?: number): Promise<number>;
  /** Number of penalized parameters with |x_i| > tau. */
  support(x: Float64Array, tau: number): number;
  /** Test metric (accuracy) of x, if a test split exists. */
  testMetric?(x: Float64Array): Promise<number>;
}

/** A solver: one file, one exported object. `name` = file name = CLI selector. */
export interface Solver {
  readonly name: string;
  /** One line for `l1bench list`. */
  readonly description: string;
  /** Capabilities the problem must have. */
  readonly requires: readonly Capability[];
  /** Parameters with defaults. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /**
   * Support threshold τ to use when the user gives none: nnz counts |x_i| > τ. Set by solvers
   * whose iterates have no exact zeros (spred: 1e-8 on the Float64 engine); absent for solvers
   * that produce exact zeros (prox, CD, LARS), where the harness's own default applies.
   */
  readonly defaultTau?: number;
  /**
   * Runs until `callback` returns false (or the method itself has nothing left to do, e.g.
   * LARS at the end of its path). Runs in the harness's clock: only time inside `run`,
   * outside callbacks, is counted.
   */
  run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): void | SolverStop | Promise<void | SolverStop>;
  /**
   * Why the solver cannot run this problem here, beyond `requires`: a missing interpreter or
   * library (with the install hint), or a model an external solver does not fit; null when it
   * can. Checked before a run; a reason makes the run `skipped`. Absent: always available.
   */
  unavailable?(problem: AnyProblem): string | null;
  /**
   * True when every run is a fresh process that warms itself up before its own clock starts
   * (external commands, the peers): the harness's in-process warm-up would warm nothing, so it is
   * skipped. Absent: the harness warms the solver up (harness/job.ts).
   */
  readonly warmsItself?: boolean;
  /**
   * The method never reads λ (the dense reference network, magnitude pruning): its training is
   * the same at every λ, only the F its trace records differs. A plan block with several λ runs
   * it at the block's first λ only (harness/bench/plan.ts), so a λ grid does not repeat it.
   */
  readonly ignoresLambda?: boolean;
}

/**
 * The closed set of run outcomes:
 * - `converged`: the stopping criterion (relative gap, else KKT ≤ tol) was met;
 * - `max_iter`:  the iteration budget ran out first;
 * - `stalled`:   the solver stopped on its own before reaching tol (a line search that cannot
 *                decrease, a LARS path that ended, no progress left), with the reason;
 * - `timeout`:   the wall-clock budget ran out;
 * - `diverged`:  a non-finite or blown-up objective;
 * - `error`:     the solver threw (or building the problem failed);
 * - `skipped`:   the solver's requirements are not met by the problem (never ran).
 */
export type Status = 'converged' | 'max_iter' | 'stalled' | 'timeout' | 'diverged' | 'error' | 'skipped';
export const STATUSES: readonly Status[] = ['converged', 'max_iter', 'stalled', 'timeout', 'diverged', 'error', 'skipped'];

/** Statuses of runs that ended normally, with a final iterate worth reading (not a failure). */
export const ENDED_NORMALLY: readonly Status[] = ['converged', 'max_iter', 'stalled', 'timeout'];

/** How a solver may say why it stopped on its own (returned from `run`); the run is then `stalled` unless it converged. */
export interface SolverStop {
  readonly stopped: string;
}

/**
 * Thresholds τ at which every run records its final support size |{i : |x_i| > τ}| (run extras
 * `nnz@1e-4`, …), besides the run's own τ: iterates without exact zeros (spred, float32) need
 * several, and the report shows them all.
 */
export const NNZ_TAUS: readonly number[] = [1e-4, 1e-6, 1e-8];

/** Key of the support size at τ in a run's extras: `nnz@1e-4`. */
export function nnzKey(tau: number): string {
  return `nnz@${tau.toExponential(0)}`;
}

/** One sampled point of a convergence curve, evaluated with the clock stopped. */
export interface TracePoint {
  /** Iteration (epoch) count, 0 = the starting point. */
  readonly k: number;
  /** Solver seconds up to this point (evaluation excluded). */
  readonly time: number;
  /** F(x). */
  readonly objective: number;
  /** Duality gap F(x) − D(θ(x)) (convex Float64 problems), else null. */
  readonly gap: number | null;
  /** KKT violation. */
  readonly kkt: number;
  /** Support size at the run's threshold τ. */
  readonly nnz: number;
  /** F(x) − F*, when a reference optimum is known. */
  readonly subopt: number | null;
  /** Test metric, when the problem has a test split. */
  readonly testMetric: number | null;
  /** Extra metrics from the solver (e.g. imbalance). */
  readonly extras: Readonly<Record<string, number>> | null;
}
