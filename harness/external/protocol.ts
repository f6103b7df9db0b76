/**
 * The l1bench solver protocol (version 1): how the harness hands a Float64 problem to a command
 * in any language and reads its iterates back. docs/solver-protocol.md is the user's version of
 * this file; keep the two in step.
 *
 * The harness writes, once per run, into a fresh directory D:
 *
 * - `D/X.f64`: the design X (n×p), column-major float64 little-endian (entry (i, j) at j·n + i);
 * - `D/y.f64`: the n targets, float64 (real values for lasso, ±1 for logistic, class indices
 *   0..C−1 as floats for multinomial);
 * - `D/x0.f64`: the warm start (dim float64), only when the run has one;
 * - `D/problem.json`: the header {@link ProblemHeader} (family, sizes, λ, penalty and groups,
 *   tolerances requested, optional λ path, the solver's parameters).
 *
 * It starts `command… D/problem.json` (the header's path is appended as the last argument and is
 * also in the environment as L1BENCH_PROBLEM) and reads the child's stdout, one JSON object per
 * line ({@link SolverMessage}):
 *
 * - `{"type":"iterate","time":t,"x":[…]}`: a stream of iterates; t = the solver's own seconds
 *   since it started (its own evaluation excluded), non-decreasing;
 * - `{"type":"solution","tol":τ,"time":t,"x":[…]}`: black boxes (benchopt's model), one fit per
 *   requested tolerance τ, loosest first; t = the seconds of that one fit;
 * - `{"type":"solution","lambda":λ_k,"time":t,"x":[…]}`: path mode (header `lambdas`), one
 *   solution per λ in the order given; t = the solver's own seconds from the start of the path to
 *   this solution (cumulative, as a native path function reports it);
 * - `{"type":"error","message":"…"}`: the child gives up (recorded as `error` with that message).
 *
 * `x` may instead be `"xFile":"name.f64"`, a file the child wrote and closed in D before writing
 * the line (dim float64; a new name per message: the harness reads it later). x has `dim`
 * entries: w for lasso/logistic, W ∈ R^{p×C} column-major by class (entry (j, c) at c·p + j) for
 * multinomial. NaN and ±Infinity may be written as Python's json writes them. Every returned x is
 * certified by l1bench (objective, duality gap, KKT) with the clock stopped; the child's numbers
 * are never trusted. Anything else on stdout, a non-zero exit, a kill by the run's time budget or
 * a wrong-sized x ends the run with `error` (or `timeout`) and the reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Problem } from '../../problems/types.ts';

export const PROTOCOL_VERSION = 'l1bench-solver/1';

/** The header the child reads from problem.json. */
export interface ProblemHeader {
  readonly protocol: typeof PROTOCOL_VERSION;
  /** 'lasso' | 'logistic' | 'multinomial' | 'multinomial-group' | 'group-lasso'. */
  readonly family: string;
  /** 'quadratic' | 'logistic' | 'multinomial'. */
  readonly datafit: string;
  /** The exact objective, as text (scaling included). */
  readonly objective: string;
  readonly n: number;
  readonly p: number;
  /** Number of classes C (multinomial), else 1. */
  readonly classes: number;
  /** Length of x: p, or p·C for multinomial. */
  readonly dim: number;
  /** Absolute λ of this run. */
  readonly lambda: number;
  readonly lambdaMax: number;
  /** 'l1' (Σ|x_i|) or 'group-l1' (Σ_g ‖x_g‖₂) with its groups (0-based indices into x). */
  readonly penalty: { readonly name: 'l1' } | { readonly name: 'group-l1'; readonly groups: readonly (readonly number[])[] };
  /** Tolerances for black-box fits, loosest first. */
  readonly tolerances: readonly number[];
  /** Path mode: solve for each of these absolute λ (descending), one `solution` per λ. */
  readonly lambdas?: readonly number[];
  /** The harness's iteration budget (for the child's own max_iter). */
  readonly maxIter: number;
  readonly seed: number;
  /** The run's wall-clock budget in seconds, when it has one (the child is killed past it). */
  readonly timeoutSeconds: number | null;
  /** The solver's parameters (the `params` of the solver entry), resolved. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** File names in the problem's directory. */
  readonly files: { readonly X: string; readonly y: string; readonly x0?: string };
}

/** One line the child writes on stdout, after validation. */
export type SolverMessage =
  | { readonly type: 'iterate'; readonly time: number; readonly x: Float64Array }
  | { readonly type: 'solution'; readonly time: number; readonly x: Float64Array; readonly tol: number | null; readonly lambda: number | null }
  | { readonly type: 'error'; readonly message: string };

/** What the harness asks of a run besides the problem. */
export interface RequestOptions {
  readonly tolerances: readonly number[];
  readonly lambdas?: readonly number[];
  readonly maxIter: number;
  readonly seed: number;
  readonly timeoutSeconds: number | null;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly x0?: Float64Array;
}

/** A problem written to disk for a child: its directory and header path. `dispose` removes it. */
export interface WrittenProblem {
  readonly dir: string;
  readonly headerPath: string;
  readonly header: ProblemHeader;
  dispose(): void;
}

const OBJECTIVES: Readonly<Record<string, string>> = {
  quadratic: 'F(w) = (1/2n)‖y − Xw‖² + λΩ(w)',
  logistic: 'F(w) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀw)) + λΩ(w), y_i ∈ {−1, +1}, no intercept',
  multinomial: 'F(W) = (1/n) Σ_i [log Σ_c exp(x_iᵀW_c) − x_iᵀW_{y_i}] + λΩ(W), W p×C column-major by class, no intercept',
};

/**
 * Tolerances loosest first, 10^{-1}, 10^{-2}, …, 10^{-k} (benchopt's sequence for black boxes),
 * down to `tightest`.
 */
export function toleranceSequence(tightest = 1e-14): number[] {
  const out: number[] = [];
  for (let e = 1; e <= 20 && Number(`1e-${e}`) >= tightest * (1 - 1e-9); e++) out.push(Number(`1e-${e}`));
  return out;
}

function bytes(a: Float64Array): Uint8Array {
  // float64 little-endian: the typed array's own layout on every platform Node runs on (x86, arm)
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes the problem once for a child process. */
export function writeProblem(problem: Problem, req: RequestOptions): WrittenProblem {
  const design = problem.datafit.design;
  if (!design) throw new Error(`problem '${problem.family}' exposes no design matrix; an external solver needs X and y`);
  const dir = mkdtempSync(join(tmpdir(), 'l1bench-solver-'));
  const files: { X: string; y: string; x0?: string } = { X: 'X.f64', y: 'y.f64' };
  writeFileSync(join(dir, files.X), bytes(design.X.data));
  writeFileSync(join(dir, files.y), bytes(design.y));
  if (req.x0) {
    files.x0 = 'x0.f64';
    writeFileSync(join(dir, files.x0), bytes(req.x0));
  }
  const pen = problem.penalty;
  const header: ProblemHeader = {
    protocol: PROTOCOL_VERSION,
    family: problem.family,
    datafit: problem.datafit.name,
    objective: OBJECTIVES[problem.datafit.name] ?? `F(x) = ${problem.datafit.name}(x) + λΩ(x)`,
    n: design.X.n,
    p: design.X.p,
    classes: design.classes,
    dim: problem.dim,
    lambda: problem.lambda,
    lambdaMax: problem.lambdaMax,
    penalty: pen.name === 'group-l1' ? { name: 'group-l1', groups: (pen.groups ?? []).map((g) => Array.from(g)) } : { name: 'l1' },
    tolerances: req.tolerances,
    ...(req.lambdas ? { lambdas: req.lambdas } : {}),
    maxIter: req.maxIter,
    seed: req.seed,
    timeoutSeconds: req.timeoutSeconds,
    params: req.params,
    files,
  };
  const headerPath = join(dir, 'problem.json');
  writeFileSync(headerPath, JSON.stringify(header, null, 1) + '\n');
  return { dir, headerPath, header, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A line on stdout that breaks the protocol; the run ends `error` with this message. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Python's json writes NaN / Infinity / -Infinity, which JSON does not allow: read them anyway. */
function parseLenient(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    const fixed = line.replace(/-Infinity\b/g, '-1e999').replace(/\bInfinity\b/g, '1e999').replace(/\bNaN\b/g, 'null');
    return JSON.parse(fixed);
  }
}

function shorten(s: string, max = 120): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * Parses and validates one stdout line of the child. `dim` is the length x must have; `dir` is
 * the problem's directory (for `xFile`). Throws ProtocolError naming what is wrong.
 */
export function parseMessage(line: string, dim: number, dir: string): SolverMessage {
  let v: unknown;
  try {
    v = parseLenient(line);
  } catch {
    throw new ProtocolError(`the solver wrote a line that is not JSON on stdout: '${shorten(line)}' (write diagnostics to stderr)`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError(`the solver wrote '${shorten(line)}' on stdout; each line must be a JSON object with a "type"`);
  const o = v as Record<string, unknown>;
  const type = o['type'];
  if (type === 'error') return { type: 'error', message: typeof o['message'] === 'string' ? o['message'] : shorten(JSON.stringify(o)) };
  if (type !== 'iterate' && type !== 'solution') {
    throw new ProtocolError(`unknown message type ${JSON.stringify(type)} on stdout (expected "iterate", "solution" or "error")`);
  }
  const time = o['time'];
  if (typeof time !== 'number' || !(time >= 0)) throw new ProtocolError(`a "${type}" message needs "time": the solver's own seconds (≥ 0), got ${shorten(JSON.stringify(time ?? null))}`);
  const x = readX(o, dim, dir, type);
  if (type === 'iterate') return { type, time, x };
  const tol = o['tol'];
  const lambda = o['lambda'];
  return { type, time, x, tol: typeof tol === 'number' ? tol : null, lambda: typeof lambda === 'number' ? lambda : null };
}

function readX(o: Record<string, unknown>, dim: number, dir: string, type: string): Float64Array {
  const xs = o['x'];
  const file = o['xFile'];
  if (Array.isArray(xs)) {
    if (xs.length !== dim) throw new ProtocolError(`a "${type}" message has x of length ${xs.length}; the problem has dim = ${dim}`);
    const x = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      const e = xs[i];
      if (e === null) x[i] = NaN;
      else if (typeof e === 'number') x[i] = e;
      else throw new ProtocolError(`x[${i}] of a "${type}" message is ${shorten(JSON.stringify(e))}, not a number`);
    }
    return x;
  }
  if (typeof file === 'string') {
    if (file.includes('/') || file.includes('\\') || file.startsWith('.')) throw new ProtocolError(`"xFile" must be a plain file name inside the problem's directory, got '${shorten(file)}'`);
    let buf: Buffer;
    try {
      buf = readFileSync(join(dir, file));
    } catch (e) {
      throw new ProtocolError(`cannot read the solver's xFile '${file}': ${(e as Error).message}`);
    }
    if (buf.byteLength !== dim * 8) throw new ProtocolError(`xFile '${file}' has ${buf.byteLength} bytes; expected ${dim * 8} (dim = ${dim} float64)`);
    const x = new Float64Array(dim);
    bytes(x).set(buf);
    return x;
  }
  throw new ProtocolError(`a "${type}" message needs "x" (an array of ${dim} numbers) or "xFile" (a float64 file in the problem's directory)`);
}
