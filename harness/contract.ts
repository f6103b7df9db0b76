/**
 * The solver contract check behind `l1bench test-solver FILE`: the checks the built-ins pass,
 * run on a solver of the user's own (a plugin module or a protocol command), on three small
 * seeded instances —
 *   lasso        F(w) = (1/2n)‖y − Xw‖² + λ‖w‖₁                       (sim-lasso n=40 p=30, λ = 0.1·λ_max)
 *   logistic     F(w) = (1/n) Σ log(1 + exp(−y_i x_iᵀw)) + λ‖w‖₁      (sim-logistic n=40 p=20, λ = 0.1·λ_max)
 *   group lasso  F(w) = (1/2n)‖y − Xw‖² + λ Σ_g ‖w_g‖₂                (sim-group n=40 p=30, groups of 5, λ = 0.1·λ_max)
 * For each instance the solver can run (its `requires` met; else the instance is skipped):
 * - optimality: it stops `converged`, with l1bench's certificate — relative duality gap ≤ tol
 *   (1e-8) — within the iteration budget and time limit;
 * - determinism: two runs with the same seed report the same objectives at the same iterations
 *   and the same final x, bit for bit;
 * - warm start: started at x₀ (its own iterate after 5 iterations), its first reported iterate is
 *   x₀ (F equal to F(x₀)); started at its own solution, it is converged at once (≤ 1 iteration).
 */
import type { AnyProblem, Problem, Solver } from '../problems/types.ts';
import { objective } from '../problems/certificate.ts';
import { buildProblem, type ProblemSpec } from './job.ts';
import { resolveParams, skipReason } from './params.ts';
import { runSolver, type RunOutcome } from './runner.ts';

export const CONTRACT_TOL = 1e-8;

export const CONTRACT_INSTANCES: readonly { readonly title: string; readonly spec: ProblemSpec }[] = [
  { title: 'lasso', spec: { family: 'lasso', dataset: 'sim-lasso:n=40,p=30,k=4', lambda: { kind: 'ratio', ratio: 0.1 }, standardize: true } },
  { title: 'logistic', spec: { family: 'logistic', dataset: 'sim-logistic:n=40,p=20,k=3', lambda: { kind: 'ratio', ratio: 0.1 }, standardize: true } },
  {
    title: 'group lasso',
    spec: { family: 'group-lasso', dataset: 'sim-group:n=40,p=30,groupSize=5,kGroups=2', lambda: { kind: 'ratio', ratio: 0.1 }, groupSize: 5, standardize: true },
  },
];

/** One check's verdict: a discriminated union on `state`. */
export type CheckResult =
  | { readonly instance: string; readonly check: string; readonly state: 'pass' | 'fail'; readonly detail: string }
  | { readonly instance: string; readonly check: string; readonly state: 'skip'; readonly detail: string };

export interface ContractOptions {
  readonly maxIter?: number;
  /** Seconds per run (default 60). */
  readonly timeoutSeconds?: number;
}

function run(solver: Solver, problem: AnyProblem, opts: Required<ContractOptions>, extra: { maxIter?: number; tol?: number; x0?: Float64Array } = {}): Promise<RunOutcome> {
  return runSolver(solver, problem, resolveParams(solver, {}), {
    tol: extra.tol ?? CONTRACT_TOL,
    maxIter: extra.maxIter ?? opts.maxIter,
    timeoutSeconds: opts.timeoutSeconds,
    tau: 0,
    seed: 0,
    ...(extra.x0 ? { x0: extra.x0 } : {}),
  });
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toExponential(2));

/** Runs the contract (see the module comment). Never throws for solver failures: they are `fail`. */
export async function checkSolver(solver: Solver, options: ContractOptions = {}): Promise<CheckResult[]> {
  const opts: Required<ContractOptions> = { maxIter: options.maxIter ?? 100000, timeoutSeconds: options.timeoutSeconds ?? 60 };
  const out: CheckResult[] = [];
  for (const inst of CONTRACT_INSTANCES) {
    const problem = await buildProblem(inst.spec);
    const skip = skipReason(solver, problem);
    if (skip !== null) {
      out.push({ instance: inst.title, check: 'all', state: 'skip', detail: skip });
      continue;
    }
    const push = (check: string, ok: boolean, detail: string): void => {
      out.push({ instance: inst.title, check, state: ok ? 'pass' : 'fail', detail });
    };
    const cold = await run(solver, problem, opts);
    const gap = cold.final?.relGap ?? null;
    const optimal = cold.status === 'converged' && (gap === null ? (cold.final?.kkt ?? Infinity) <= CONTRACT_TOL : gap <= CONTRACT_TOL);
    push(
      'optimality',
      optimal,
      `${cold.status}${cold.reason ? ` (${cold.reason})` : ''} after ${cold.iterations} iterations: relative gap ${fmt(gap)}, KKT ${fmt(cold.final?.kkt)} (tol ${CONTRACT_TOL})`,
    );

    const a = await run(solver, problem, opts, { maxIter: 50, tol: 0 });
    const b = await run(solver, problem, opts, { maxIter: 50, tol: 0 });
    const sameTrace = a.trace.length === b.trace.length && a.trace.every((p, i) => p.k === b.trace[i]?.k && Object.is(p.objective, b.trace[i]?.objective));
    const sameX = a.x !== null && b.x !== null && a.x.length === b.x.length && a.x.every((v, i) => Object.is(v, b.x?.[i]));
    push('determinism', sameTrace && sameX, sameTrace && sameX ? `two runs of ${a.iterations} iterations, seed 0: identical objectives and x` : `two runs with seed 0 differ (${sameTrace ? 'final x' : 'objectives along the trace'})`);

    const five = await run(solver, problem, opts, { maxIter: 5, tol: 0 });
    if (five.x === null || cold.x === null) {
      push('warm start', false, 'the solver reported no iterate');
      continue;
    }
    const x0 = five.x.slice();
    const resumed = await run(solver, problem, opts, { maxIter: 1, tol: 0, x0 });
    const F0 = objective(problem as Problem, x0);
    const first = resumed.trace[0]?.objective;
    const fromSolution = await run(solver, problem, opts, { x0: cold.x.slice() });
    const honours = first !== undefined && Math.abs(first - F0) <= 1e-12 * Math.max(1, Math.abs(F0));
    const settled = fromSolution.status === 'converged' && fromSolution.iterations <= 1;
    push(
      'warm start',
      honours && settled,
      `${honours ? 'k = 0 is x₀' : `k = 0 has F = ${first}, not F(x₀) = ${F0}`}; from its solution: ${fromSolution.status} after ${fromSolution.iterations} iteration(s)`,
    );
  }
  return out;
}
