/**
 * Regularization paths: one solver on λ_1 > λ_2 > … > λ_K (fractions of λ_max), one stored run
 * per λ, linked by a path id in the runs' `extras` JSON:
 *   extras.path = { id, index, length, ratios, mode, cumulativeSeconds }, extras.coef = { idx, val }
 * (the nonzeros of the solution, for the report's coefficient plot; at most COEF_LIMIT entries).
 *
 * How each solver walks the path (`mode`):
 * - 'warm-start' (cd, fista, ista, spred-*, …): the run at λ_k starts from the solution at λ_{k−1}
 *   (λ_1 from 0), under the harness clock as any run;
 * - 'native': the solver's own path function computes every λ in one call — lars follows its
 *   homotopy once down to λ_K and reads w(λ_k) off it (exact: w is linear in λ between
 *   breakpoints); the peers run glmnet's / scikit-learn's path functions through the solver
 *   protocol (header `lambdas`). Each solution is certified by l1bench on its own problem; its time
 *   is the solver's clock when that solution was available (cumulative from the path's start).
 * The geometric grid: λ_k/λ_max = minRatio^{(k−1)/(K−1)}, k = 1..K (glmnet's default shape).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Problem, Solver, TracePoint } from '../problems/types.ts';
import { Certifier } from '../problems/certificate.ts';
import { UserError } from '../problems/errors.ts';
import { buildProblem, executeJob, failedRow, resolveJobSolver, sparseCoef, traceRow, type JobResult, type JobSpec } from './job.ts';
export { COEF_LIMIT } from './job.ts';
import { relSubopt, errorMessage } from './runner.ts';
import { solverLabel } from './params.ts';
import { larsHomotopy } from '../solvers/lars.ts';
import { hasNativePath } from './external/command.ts';

/** λ/λ_max on a geometric grid from 1 down to minRatio, K points. */
export function geometricRatios(K: number, minRatio: number): number[] {
  if (!Number.isInteger(K) || K < 1) throw new UserError(`--path must be a positive integer number of λ values, got ${K}`);
  if (!(minRatio > 0 && minRatio < 1)) throw new UserError(`--path-min-ratio must be in (0, 1), got ${minRatio}`);
  if (K === 1) return [1];
  return Array.from({ length: K }, (_, k) => minRatio ** (k / (K - 1)));
}

/** Validates a list of ratios for a path (positive, strictly decreasing). */
export function checkRatios(ratios: readonly number[], flag = '--lambda-ratio'): number[] {
  if (ratios.length === 0) throw new UserError(`${flag} needs at least one value`);
  for (const [i, r] of ratios.entries()) {
    if (!(r > 0) || !Number.isFinite(r)) throw new UserError(`${flag}: value ${i + 1} must be a positive number, got ${r}`);
    if (i > 0 && !(r < (ratios[i - 1] as number))) throw new UserError(`${flag}: a path goes from large λ to small; value ${i + 1} (${r}) must be below ${ratios[i - 1]}; e.g. ${flag} 1,0.5,0.1`);
  }
  return [...ratios];
}

/** Where a solver takes its path from. */
export function pathMode(solver: Solver): 'warm-start' | 'native' {
  return solver.name === 'lars' || hasNativePath(solver) ? 'native' : 'warm-start';
}

export interface PathOptions {
  /** F* per λ index, when known (suboptimality on the trace). */
  readonly references?: readonly ({ objective: number; kind: 'certified' | 'best-seen' } | null)[];
}

/** The path id: the job without its λ, plus the grid. */
export function pathId(job: JobSpec, ratios: readonly number[]): string {
  const { lambda: _lambda, ...rest } = job.problem;
  return createHash('sha256').update(JSON.stringify([rest, job.solver, job.params, job.seed, job.tol, ratios])).digest('hex').slice(0, 16);
}

/**
 * Runs `job`'s solver along `ratios` (decreasing fractions of λ_max). Returns one result per λ,
 * in order. Never throws for solver failures (they are rows); throws UserError for bad specs.
 */
export async function executePath(job: JobSpec, ratios: readonly number[], opts: PathOptions = {}): Promise<JobResult[]> {
  const { solver, params } = resolveJobSolver(job);
  const id = pathId(job, ratios);
  const mode = pathMode(solver);
  const jobs = ratios.map((ratio, index): JobSpec => ({ ...job, problem: { ...job.problem, lambda: { kind: 'ratio', ratio } }, path: { id, index } }));
  const problems: Problem[] = [];
  for (const j of jobs) {
    const p = await buildProblem(j.problem);
    if (p.engine !== 'float64') throw new UserError(`--path runs on Float64 problems (lasso, logistic, multinomial, group penalties), not '${p.family}'`);
    problems.push(p);
  }
  const results: JobResult[] = [];
  if (mode === 'warm-start') {
    let x0: Float64Array | null = null;
    let cumulative = 0;
    for (const [k, j] of jobs.entries()) {
      const ref = opts.references?.[k] ?? null;
      const r = await executeJob(j, { problem: problems[k] as Problem, reference: ref, ...(x0 ? { x0 } : {}) });
      cumulative += r.run.solver_seconds ?? 0;
      if (r.x && r.run.status !== 'diverged' && r.run.status !== 'error') x0 = r.x;
      results.push(withPath(r, { id, index: k, length: ratios.length, ratios, mode, cumulativeSeconds: cumulative }));
    }
    return results;
  }
  // native: the solver's own path function
  let solutions: { x: Float64Array; time: number }[] | null = null;
  let failure: string | null = null;
  const started = new Date().toISOString();
  try {
    solutions = await nativePath(solver, problems, params, job);
  } catch (e) {
    failure = errorMessage(e);
  }
  const label = solverLabel(solver, params);
  for (const [k, j] of jobs.entries()) {
    const problem = problems[k] as Problem;
    const sol = solutions?.[k];
    if (!sol) {
      const status = failure && /time budget/.test(failure) ? 'timeout' : 'error';
      const base = failedRow(j, solver.name, label, params, status, failure ?? `the path returned no solution for λ index ${k}`, started, problem, job.tau ?? 0);
      results.push(withPath(base, { id, index: k, length: ratios.length, ratios, mode, cumulativeSeconds: null }));
      continue;
    }
    results.push(withPath(certifiedRow(j, solver, label, params, problem, sol, started, opts.references?.[k] ?? null), { id, index: k, length: ratios.length, ratios, mode, cumulativeSeconds: sol.time }));
  }
  return results;
}

/** Solutions along the path from the solver's own path function (lars homotopy or a peer's). */
async function nativePath(solver: Solver, problems: readonly Problem[], params: Readonly<Record<string, number | string | boolean>>, job: JobSpec): Promise<{ x: Float64Array; time: number }[]> {
  const last = problems[problems.length - 1] as Problem;
  const lambdas = problems.map((p) => p.lambda);
  const design = last.datafit.design;
  if (!design) throw new Error(`${solver.name}: the problem exposes no design matrix`);
  const skip = solver.unavailable?.(last) ?? null;
  if (skip) throw new Error(skip);
  if (solver.name === 'lars') {
    // one homotopy down to λ_K; w(λ) is linear between breakpoints: interpolate at each λ_k
    const p = last.dim;
    const w = new Float64Array(p);
    const prev = new Float64Array(p);
    let prevLam = Infinity;
    const out: { x: Float64Array; time: number }[] = [];
    let k = 0;
    const t0 = performance.now();
    larsHomotopy(design.X, design.y, last.lambda, w, (s) => {
      while (k < lambdas.length && (lambdas[k] as number) >= s.lambda - 1e-15 * s.lambda) {
        const lam = lambdas[k] as number;
        const x = new Float64Array(p);
        if (!Number.isFinite(prevLam) || prevLam === s.lambda) x.set(w);
        else {
          const a = (prevLam - lam) / (prevLam - s.lambda);
          for (let j = 0; j < p; j++) x[j] = (prev[j] as number) + a * ((w[j] as number) - (prev[j] as number));
        }
        out.push({ x, time: (performance.now() - t0) / 1000 });
        k++;
      }
      prev.set(w);
      prevLam = s.lambda;
      return k < lambdas.length;
    });
    return out;
  }
  // a peer through the solver protocol, path mode
  if (!hasNativePath(solver)) throw new Error(`${solver.name} has no native path`);
  return solver.runPath(last, lambdas, { maxIter: job.maxIter, seed: job.seed, timeoutSeconds: job.timeoutSeconds, params: { ...params, pathTol: Math.min(job.tol, 1e-10) } });
}

/** A run row for one certified path solution (one trace point at the solution's time). */
function certifiedRow(
  job: JobSpec,
  solver: Solver,
  label: string,
  params: Readonly<Record<string, number | string | boolean>>,
  problem: Problem,
  sol: { x: Float64Array; time: number },
  started: string,
  ref: { objective: number; kind: 'certified' | 'best-seen' } | null,
): JobResult {
  const tau = job.tau ?? 0;
  const c = new Certifier(problem, tau).certify(sol.x);
  const ok = Number.isFinite(c.objective);
  const converged = ok && (c.relGap !== null ? Math.abs(c.relGap) <= job.tol : c.kkt <= job.tol);
  const base = failedRow(job, solver.name, label, params, 'error', '', started, problem, tau).run;
  const point: TracePoint = {
    k: 1,
    time: sol.time,
    objective: c.objective,
    gap: c.gap,
    kkt: c.kkt,
    nnz: c.nnz,
    subopt: ref && ok ? c.objective - ref.objective : null,
    testMetric: null,
    extras: null,
  };
  const run = {
    ...base,
    status: !ok ? ('diverged' as const) : converged ? ('converged' as const) : ('max_iter' as const),
    reason: !ok ? 'non-finite solution' : converged ? null : `the path solution has ${c.relGap !== null ? `relative gap ${c.relGap.toExponential(2)}` : `KKT ${c.kkt.toExponential(2)}`} > tol ${job.tol}`,
    solver_seconds: sol.time,
    wall_seconds: null,
    iterations: 1,
    objective: ok ? c.objective : null,
    gap: c.gap,
    rel_gap: c.relGap,
    kkt: Number.isNaN(c.kkt) ? null : c.kkt,
    nnz: c.nnz,
    subopt: point.subopt,
    rel_subopt: ref && ok ? relSubopt(c.objective, ref.objective) : null,
    reference_objective: ref ? ref.objective : null,
    reference_kind: ref ? ref.kind : null,
  };
  return { run, trace: [traceRow(point)], repetitions: [{ rep: 0, solver_seconds: sol.time, wall_seconds: sol.time, started_at: started }], x: sol.x, outcome: null, problem };
}

interface PathInfo {
  readonly id: string;
  readonly index: number;
  readonly length: number;
  readonly ratios: readonly number[];
  readonly mode: 'warm-start' | 'native';
  readonly cumulativeSeconds: number | null;
}

function withPath(r: JobResult, info: PathInfo): JobResult {
  const prev = r.run.extras ? (JSON.parse(r.run.extras) as Record<string, unknown>) : {};
  const extras = JSON.stringify({ ...prev, path: info, coef: sparseCoef(r.x) });
  return { ...r, run: { ...r.run, extras } };
}
