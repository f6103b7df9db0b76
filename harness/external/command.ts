/**
 * The generic runner of an external command solver (protocol in ./protocol.ts and
 * docs/solver-protocol.md): a plan entry `{ "name": "my-solver", "command": ["python3", "x.py"] }`
 * and the built-in peers (sklearn-*, glmnet) are all `commandSolver(...)` instances.
 *
 * A run: the harness reports x₀ (zeros or the warm start) at time 0 itself, writes the problem
 * once, starts the command, and hands each iterate / solution the child returns to the harness
 * callback with the child's own time (IterateView.time); the harness certifies it with the clock
 * stopped and may stop the run (then the child is killed). Failures are errors with a reason,
 * never crashes: the command cannot start, writes something that is not the protocol, reports
 * an error, exits non-zero or is killed by a signal; past the run's time budget it is killed and
 * the run is a `timeout` (SolverTimeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { AnyProblem, Callback, Capability, IterateView, ParamSpec, Params, Problem, RunContext, Solver } from '../../problems/types.ts';
import { SolverTimeout } from '../../problems/errors.ts';
import { float64Problem, startingPoint } from '../../solvers/kernels/start.ts';
import { parseMessage, ProtocolError, toleranceSequence, writeProblem, type SolverMessage, type WrittenProblem } from './protocol.ts';

/** Children still running, killed if this process exits first (a worker ended by the pool). */
const live = new Set<ChildProcess>();
let exitHook = false;

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // the child leads its own process group (detached): this also ends what it started (R, BLAS threads)
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export interface CommandRunOptions {
  /** Kill the child and throw SolverTimeout after this many seconds (absent: no limit). */
  readonly timeoutSeconds?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Called for each valid message except `error`; returns false to stop (the child is then killed). */
  onMessage(m: Exclude<SolverMessage, { type: 'error' }>): boolean;
}

/**
 * Starts `command… headerPath`, feeds its stdout messages to `onMessage` and resolves when the
 * child has exited (or was stopped). Rejects with ProtocolError, SolverTimeout or Error (with
 * the reason: exit code, signal, last stderr line, the child's own error message).
 */
export function runCommand(name: string, command: readonly string[], written: WrittenProblem, opts: CommandRunOptions): Promise<void> {
  const [exe, ...args] = command;
  if (exe === undefined) return Promise.reject(new Error(`${name}: the command is empty`));
  return new Promise<void>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(exe, [...args, written.headerPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
        env: { ...process.env, L1BENCH_PROBLEM: written.headerPath, ...(opts.env ?? {}) },
      });
    } catch (e) {
      reject(new Error(`${name}: cannot start '${exe}': ${(e as Error).message}`));
      return;
    }
    live.add(child);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const c of live) killTree(c, 'SIGKILL');
      });
    }
    let stderrTail = '';
    let failure: Error | null = null;
    let stopped = false;
    let timedOut = false;
    let spawnError: Error | null = null;
    let killTimer: NodeJS.Timeout | null = null;

    const stop = (why: Error | null): void => {
      if (stopped) return;
      stopped = true;
      failure = why;
      rl.close();
      killTree(child, 'SIGTERM');
      killTimer = setTimeout(() => killTree(child, 'SIGKILL'), 500);
    };

    const deadline =
      opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0
        ? setTimeout(() => {
            timedOut = true;
            stop(new SolverTimeout(`exceeded the time budget of ${opts.timeoutSeconds} s (the command was killed)`));
            killTree(child, 'SIGKILL');
          }, opts.timeoutSeconds * 1000)
        : null;

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      stderrTail = (stderrTail + d).slice(-4000);
    });
    const rl = createInterface({ input: child.stdout!, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (stopped || line.trim() === '') return;
      try {
        const m = parseMessage(line, written.header.dim, written.dir);
        if (m.type === 'error') {
          stop(new Error(`${name} reported an error: ${m.message}`));
          return;
        }
        if (!opts.onMessage(m)) stop(null);
      } catch (e) {
        stop(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.on('error', (e) => {
      spawnError = new Error(`${name}: cannot start '${exe}': ${e.message}`);
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      if (deadline) clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      if (spawnError) return reject(spawnError);
      if (failure) return reject(failure);
      if (timedOut) return reject(new SolverTimeout(`exceeded the time budget of ${opts.timeoutSeconds} s`));
      if (stopped) return resolve();
      const last = lastLine(stderrTail);
      if (signal) return reject(new Error(`${name} was killed by ${signal}${last ? `: ${last}` : ''}`));
      if (code !== 0) return reject(new Error(`${name} exited with code ${code}${last ? `: ${last}` : ''}`));
      resolve();
    });
  });
}

/** The line of the child's stderr that says what went wrong: the last one naming an error, else the last one. */
function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const named = lines.filter((l) => /(Error|Exception|error|fatal)\b/.test(l));
  return (named[named.length - 1] ?? lines[lines.length - 1] ?? '').slice(0, 300);
}

/** A command solver: what a plan entry or a built-in peer declares. */
export interface CommandSolverSpec {
  readonly name: string;
  /** argv of the command (the header's path is appended); a function is resolved at run time. */
  readonly command: readonly string[] | (() => readonly string[]);
  readonly description?: string;
  /** Default: a Float64 problem with its design matrix. */
  readonly requires?: readonly Capability[];
  readonly params?: Readonly<Record<string, ParamSpec>>;
  /** Why it cannot run this problem here (missing interpreter or library, with the install hint), or null. */
  readonly unavailable?: (problem: AnyProblem) => string | null;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Tightest black-box tolerance requested (default 1e-14): the child gets 1e-1, 1e-2, …, this. */
  readonly tightestTol?: number;
  /** The command implements path mode (header `lambdas`): `solve --path` then calls it once for the whole path. */
  readonly nativePath?: boolean;
}

/** A solver whose own path function computes a whole regularization path in one call. */
export interface NativePathSolver extends Solver {
  runPath(
    problem: Problem,
    lambdas: readonly number[],
    opts: { readonly maxIter: number; readonly seed: number; readonly timeoutSeconds: number | null; readonly params: Readonly<Record<string, number | string | boolean>> },
  ): Promise<{ x: Float64Array; time: number }[]>;
}

export function hasNativePath(s: Solver): s is NativePathSolver {
  return typeof (s as Partial<NativePathSolver>).runPath === 'function';
}

/** Turns a command spec into a Solver: the one generic runner of external solvers. */
export function commandSolver(spec: CommandSolverSpec): Solver {
  const resolve = (): readonly string[] => (typeof spec.command === 'function' ? spec.command() : spec.command);
  const solver: Solver = {
    name: spec.name,
    description: spec.description ?? `external command: ${Array.isArray(spec.command) ? spec.command.join(' ') : spec.name} (l1bench solver protocol)`,
    requires: spec.requires ?? ['design-matrix', 'float64-engine'],
    params: spec.params ?? {},
    // a fresh process per run: an in-process warm-up would only start it twice
    warmsItself: true,
    ...(spec.unavailable ? { unavailable: spec.unavailable } : {}),
    async run(anyProblem, params: Params, callback: Callback, ctx: RunContext) {
      const problem = float64Problem(anyProblem, spec.name);
      const x0 = startingPoint(problem.dim, ctx, spec.name);
      // k = 0: the starting point at time 0, as every in-process solver reports it
      if (!callback({ x: () => x0, time: () => 0 })) return;
      const command = resolve();
      const written = writeProblem(problem, {
        tolerances: toleranceSequence(spec.tightestTol),
        maxIter: ctx.maxIter,
        seed: ctx.seed,
        timeoutSeconds: ctx.timeoutSeconds ?? null,
        params,
        ...(ctx.x0 ? { x0: ctx.x0 } : {}),
      });
      let kind: 'iterate' | 'solution' | null = null;
      let lastTime = 0;
      try {
        await runCommand(spec.name, command, written, {
          ...(ctx.timeoutSeconds !== undefined ? { timeoutSeconds: ctx.timeoutSeconds } : {}),
          ...(spec.env ? { env: spec.env } : {}),
          ...(spec.cwd ? { cwd: spec.cwd } : {}),
          onMessage(m) {
            if (kind !== null && m.type !== kind) throw new ProtocolError(`the solver mixed "${kind}" and "${m.type}" messages; send one kind per run`);
            kind = m.type;
            if (m.type === 'iterate' && m.time < lastTime) throw new ProtocolError(`iterate times must not decrease (got ${m.time} after ${lastTime})`);
            lastTime = m.time;
            const view: IterateView = {
              x: () => m.x,
              time: () => m.time,
              ...(m.type === 'solution' && m.tol !== null ? { extras: () => ({ peerTol: m.tol as number }) } : {}),
            };
            return callback(view);
          },
        });
      } finally {
        written.dispose();
      }
    },
  };
  if (!spec.nativePath) return solver;
  const withPath: NativePathSolver = {
    ...solver,
    async runPath(problem, lambdas, opts) {
      const written = writeProblem(problem, { tolerances: [], lambdas, maxIter: opts.maxIter, seed: opts.seed, timeoutSeconds: opts.timeoutSeconds, params: opts.params });
      const out: { x: Float64Array; time: number }[] = [];
      try {
        await runCommand(spec.name, resolve(), written, {
          ...(opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {}),
          ...(spec.env ? { env: spec.env } : {}),
          ...(spec.cwd ? { cwd: spec.cwd } : {}),
          onMessage(m) {
            if (m.type !== 'solution') throw new ProtocolError(`path mode expects "solution" messages, got "${m.type}"`);
            out.push({ x: m.x, time: m.time });
            return out.length < lambdas.length;
          },
        });
      } finally {
        written.dispose();
      }
      if (out.length < lambdas.length) throw new Error(`${spec.name} returned ${out.length} of ${lambdas.length} path solutions`);
      return out;
    },
  };
  return withPath;
}
