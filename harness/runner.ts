/**
 * The harness clock and stopping rule.
 *
 * A solver calls `callback(iterate)` first on its starting point (k = 0) and then once per
 * iteration (epoch for coordinate descent); a tensor solver awaits `ctx.asyncCallback(iterate)`
 * instead, whose iterate is read from the device with `await` (no synchronous reads). Only time
 * spent inside `solver.run` outside the callback is counted; reading the iterate and evaluating
 * the objective, duality gap, KKT violation and support at a trace point happen with the clock
 * stopped.
 *
 * Stopping (checked deterministically in k: every iteration up to k = 200, then every
 * ⌈k/200⌉ iterations, so iteration counts do not depend on machine speed):
 * - `converged`: |relative duality gap| ≤ tol (convex problems with a dual; the gap is recorded
 *                signed, a negative one is round-off), else KKT ≤ tol;
 * - `diverged`:  a non-finite iterate or objective, or F(x) > blowup·max(|F(x₀)|, 1);
 * - `max_iter`:  k reaches maxIter;
 * - `stalled`:   the solver returned on its own (end of a LARS path, a line search that cannot
 *                decrease, no progress left) before the criterion was met; the reason is the
 *                solver's own (`run` returned `{ stopped }`) or names the final gap / KKT;
 * - `timeout`:   wall-clock seconds since the start exceed `timeoutSeconds` (cooperative here;
 *                the worker pool also terminates a stuck worker pre-emptively);
 * - `error`:     the solver threw; the partial curve is kept (a `SolverTimeout` thrown by an
 *                external command killed at the budget is recorded as `timeout`).
 * An iterate that carries its own clock (`IterateView.time`, external solvers timed inside their
 * process) is recorded at that time instead of the harness's.
 * Trace points are kept on a geometric grid in k (every k ≤ 5, then k ≥ ratio·previous) plus the
 * last point, so a curve has O(log k) points.
 */
import { performance } from 'node:perf_hooks';
import type { AnyProblem, AsyncCallback, AsyncIterateView, Callback, IterateView, Params, Solver, Status, TracePoint } from '../problems/types.ts';
import { Certifier, relative, type Certificate } from '../problems/certificate.ts';
import { allFinite } from '../problems/linalg.ts';
import { SolverTimeout } from '../problems/errors.ts';

export interface RunOptions {
  /** Tolerance on the relative duality gap (or on the KKT violation when there is no gap). */
  readonly tol: number;
  readonly maxIter: number;
  /** Wall-clock budget in seconds (0 or undefined: none). */
  readonly timeoutSeconds?: number;
  /** Support threshold τ. */
  readonly tau: number;
  readonly seed: number;
  /** Reference optimum F*, when known: trace points then carry F − F*. */
  readonly reference?: number | null;
  /** Warm start. */
  readonly x0?: Float64Array;
  /** Geometric ratio of the trace grid (default 1.2). */
  readonly traceRatio?: number;
  /** Divergence threshold (default 1e8). */
  readonly blowup?: number;
  /** Called with each trace point as it is recorded (the pool streams them to the main thread). */
  readonly onTrace?: (point: TracePoint) => void;
  /**
   * Evaluate the iterate on the stop-check schedule too (default true). False: only at trace
   * points and at the end, for runs whose tolerance cannot be met (a float32 network's KKT) and
   * whose evaluations would cost as much as the steps (the gene protocol's λ path).
   */
  readonly stopChecks?: boolean;
  /** Asked at every callback: true stops the run there as `timeout` (the pool's cooperative stop). */
  readonly shouldStop?: () => boolean;
}

export interface RunOutcome {
  readonly status: Exclude<Status, 'skipped'>;
  readonly reason: string | null;
  /** Final iterate (null if the solver never called back). */
  readonly x: Float64Array | null;
  readonly iterations: number;
  /** Solver seconds (evaluation excluded). */
  readonly solverSeconds: number;
  /** Wall seconds of the whole run, evaluation included. */
  readonly wallSeconds: number;
  readonly trace: TracePoint[];
  /** Certificate of the final iterate. */
  readonly final: Certificate | null;
  readonly extras: Readonly<Record<string, number>> | null;
  readonly startedAt: string;
  readonly endedAt: string;
}

/** Is k on the deterministic stop-check schedule? */
export function isCheckPoint(k: number): boolean {
  return k <= 200 || k % Math.ceil(k / 200) === 0;
}

/** Runs `solver` on `problem` under the harness clock. Never throws for solver failures. */
export async function runSolver(
  solver: Solver,
  problem: AnyProblem,
  params: Params,
  opts: RunOptions,
): Promise<RunOutcome> {
  const certifier = new Certifier(problem, opts.tau);
  const ratio = opts.traceRatio ?? 1.2;
  const blowup = opts.blowup ?? 1e8;
  const reference = opts.reference ?? null;
  const timeoutMs = opts.timeoutSeconds && opts.timeoutSeconds > 0 ? opts.timeoutSeconds * 1000 : Infinity;
  const trace: TracePoint[] = [];
  const startedAt = new Date().toISOString();
  const wallStart = performance.now();

  let k = -1;
  let nextTrace = 0;
  let solverMs = 0;
  let resumeAt = 0;
  let status: RunOutcome['status'] | null = null;
  let reason: string | null = null;
  /** The last iterate the solver reported (a device iterate is read with await). */
  type Reported = { readonly sync: IterateView } | { readonly device: AsyncIterateView };
  let lastView: Reported | null = null;
  let lastCert: Certificate | null = null;
  let lastCertK = -1;
  let lastX: Float64Array | null = null;
  let lastExtras: Readonly<Record<string, number>> | null = null;
  let f0: number | null = null;
  // true once the solver reports its own clock (IterateView.time)
  let ownClock = false;
  let solverStop: string | null = null;

  const certified = (x: Float64Array, c: Certificate | null): Certificate => {
    lastX = x;
    lastCert = c ?? { objective: NaN, gap: null, relGap: null, kkt: NaN, nnz: 0, testMetric: null };
    lastCertK = k;
    return lastCert;
  };
  const evaluate = (view: IterateView): Certificate => {
    const x = view.x();
    lastExtras = view.extras ? view.extras() : null;
    return certified(x, allFinite(x) ? certifier.certify(x) : null);
  };
  // Reads a device iterate with await (the clock is stopped while it runs).
  const evaluateDevice = async (view: AsyncIterateView): Promise<Certificate> => {
    const x = await view.x();
    lastExtras = view.extras ? await view.extras() : null;
    return certified(x, allFinite(x) ? await certifier.certifyAsync(x) : null);
  };
  const evaluateLast = (): Certificate | Promise<Certificate> => {
    const v = lastView as Reported;
    return 'sync' in v ? evaluate(v.sync) : evaluateDevice(v.device);
  };

  const record = (c: Certificate): void => {
    const point: TracePoint = {
      k,
      time: solverMs / 1000,
      objective: c.objective,
      gap: c.gap,
      kkt: c.kkt,
      nnz: c.nnz,
      subopt: reference === null || !Number.isFinite(c.objective) ? null : c.objective - reference,
      testMetric: c.testMetric,
      extras: lastExtras,
    };
    trace.push(point);
    opts.onTrace?.(point);
  };

  const converged = (c: Certificate): boolean =>
    // a negative relative gap is round-off (or a wrong dual): only |gap| ≤ tol certifies
    c.relGap !== null ? Math.abs(c.relGap) <= opts.tol : c.kkt <= opts.tol;

  /** Entering a callback: stop the clock (or take the solver's own, IterateView.time); whether iterate k is a trace point or a stop check. */
  const enter = (own?: number): { onGrid: boolean; check: boolean } => {
    if (own !== undefined && Number.isFinite(own)) {
      ownClock = true;
      solverMs = own * 1000;
    } else if (!ownClock) solverMs += performance.now() - resumeAt;
    k++;
    return { onGrid: k >= nextTrace, check: ((opts.stopChecks ?? true) && isCheckPoint(k)) || k >= opts.maxIter };
  };
  /** The stopping rule on an evaluated iterate. */
  const judge = (c: Certificate, onGrid: boolean): void => {
    if (k === 0) f0 = c.objective;
    if (onGrid) {
      record(c);
      nextTrace = k < 5 ? k + 1 : Math.max(k + 1, Math.ceil(k * ratio));
    }
    if (!Number.isFinite(c.objective)) {
      status = 'diverged';
      reason = `non-finite objective or iterate at iteration ${k}`;
    } else if (c.objective > blowup * Math.max(Math.abs(f0 ?? c.objective), 1)) {
      status = 'diverged';
      reason = `objective blew up to ${c.objective.toExponential(3)} at iteration ${k} (start ${(f0 ?? NaN).toExponential(3)})`;
    } else if (converged(c)) {
      status = 'converged';
    }
  };
  /** The budget checks; true when the stopping iterate still has to be evaluated. */
  const budget = (): boolean => {
    if (status === null && k >= opts.maxIter) {
      status = 'max_iter';
      reason = `reached max_iter = ${opts.maxIter}`;
    }
    if (status === null && performance.now() - wallStart > timeoutMs) {
      status = 'timeout';
      reason = `exceeded the time budget of ${opts.timeoutSeconds} s`;
    }
    if (status === null && opts.shouldStop?.()) {
      status = 'timeout';
      reason = `stopped by the worker pool at iteration ${k} (over its time budget, or the benchmark was interrupted)`;
    }
    // Stopping: evaluate the final iterate now, while the solver still holds it (a tensor
    // solver frees its variables once it returns).
    return status !== null && lastCertK !== k;
  };
  /** Leaving a callback: restart the clock; whether the solver goes on. */
  const leave = (): boolean => {
    resumeAt = performance.now();
    return status === null;
  };

  const callback: Callback = (view) => {
    const { onGrid, check } = enter(view.time ? view.time() : undefined);
    lastView = { sync: view };
    if (onGrid || check) judge(evaluate(view), onGrid);
    if (budget()) evaluate(view);
    return leave();
  };
  const asyncCallback: AsyncCallback = async (view) => {
    const { onGrid, check } = enter();
    lastView = { device: view };
    if (onGrid || check) judge(await evaluateDevice(view), onGrid);
    if (budget()) await evaluateDevice(view);
    return leave();
  };

  resumeAt = performance.now();
  try {
    // one shape for every run's context (absent values undefined, not absent keys): a solver
    // optimized on one shape deoptimizes, inside a timed run, on the next
    const end = await solver.run(problem, params, callback, {
      seed: opts.seed,
      maxIter: opts.maxIter,
      asyncCallback,
      x0: opts.x0,
      timeoutSeconds: timeoutMs < Infinity ? timeoutMs / 1000 : undefined,
    });
    if (k >= 0 && status === null && !ownClock) solverMs += performance.now() - resumeAt;
    if (end && typeof end.stopped === 'string') solverStop = end.stopped;
  } catch (e) {
    if (k >= 0 && status === null && !ownClock) solverMs += performance.now() - resumeAt;
    status = e instanceof SolverTimeout ? 'timeout' : 'error';
    reason = errorMessage(e);
  }

  // Make sure the last iterate is evaluated and is the last trace point.
  const view = lastView as Reported | null;
  if (view !== null && lastCertK !== k && status !== 'error') {
    let c: Certificate;
    try {
      c = await evaluateLast();
    } catch (e) {
      // the solver released its iterate when it returned: that is a solver bug, recorded as such
      status = 'error';
      reason = `the final iterate could not be read after the solver returned: ${errorMessage(e)}`;
      c = lastCert ?? { objective: NaN, gap: null, relGap: null, kkt: NaN, nnz: 0, testMetric: null };
    }
    if (status === null) {
      if (!Number.isFinite(c.objective)) {
        status = 'diverged';
        reason = `non-finite objective or iterate at iteration ${k}`;
      } else if (converged(c)) status = 'converged';
    }
  }
  const cert = lastCert as Certificate | null;
  if (cert !== null && (trace.length === 0 || (trace[trace.length - 1] as TracePoint).k !== k)) record(cert);
  if (status === null) {
    if (view === null) {
      status = 'error';
      reason = `solver ${solver.name} returned without reporting any iterate`;
    } else {
      // The solver stopped on its own (e.g. the end of a LARS path) without meeting tol.
      status = 'stalled';
      const crit = cert?.relGap !== null && cert?.relGap !== undefined ? `relative gap ${cert.relGap.toExponential(2)}` : `KKT ${cert?.kkt.toExponential(2)}`;
      reason = `${solverStop ?? 'solver stopped on its own'} at iteration ${k} with ${crit} > tol ${opts.tol}`;
    }
  }
  return {
    status,
    reason,
    x: lastX,
    iterations: Math.max(k, 0),
    solverSeconds: solverMs / 1000,
    wallSeconds: (performance.now() - wallStart) / 1000,
    trace,
    final: cert,
    extras: lastExtras,
    startedAt,
    endedAt: new Date().toISOString(),
  };
}

/** Relative suboptimality (F − F*)/|F*|. */
export function relSubopt(objective: number, reference: number): number {
  return relative(objective - reference, reference);
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? String(e);
  return String(e);
}
