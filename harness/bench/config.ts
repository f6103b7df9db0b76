/**
 * Benchmark configuration files: problems × datasets × λ ratios × solvers × parameter grids ×
 * seeds, as JSON. Validated once, here, at the boundary: every mistake is a one-line UserError
 * naming the file and the JSON path of the bad field (e.g. `problems[0].lambdaRatios[1]`).
 *
 * ```json
 * {
 *   "name": "quick",                 // required; recorded as runs.suite
 *   "description": "…",              // optional
 *   "tol": 1e-10,                    // stop at relative duality gap (or KKT) ≤ tol   (default 1e-10)
 *   "maxIter": 100000,               // iteration (epoch) budget                      (default 100000)
 *   "timeout": 60,                   // seconds per run, pre-emptive                  (default 60)
 *   "seeds": [0],                    // one run per seed                              (default [0])
 *   "referenceTimeout": 120,         // seconds per reference solve                   (default 120)
 *   "repeat": 3,                     // timed repetitions per run after an untimed warm-up; the
 *                                    // stored times are their medians                 (default 1)
 *   "problems": [{
 *     "family": "lasso",             // lasso | group-lasso | logistic | multinomial | multinomial-group | mlp | nn-compression
 *     "datasets": ["diabetes", "sim-lasso:n=100,p=300,k=10"],
 *     "lambdaRatios": [0.1, 0.01],   // λ = ratio · λ_max (and/or "lambdas": absolute values)
 *     "path": { "K": 20, "minRatio": 0.01 }, // and/or a regularization path: K ratios geometric from 1 to
 *                                    // minRatio, cold runs linked by a path id (the report's Paths page)
 *     "standardize": true, "groupSize": 5, "target": "y", "hidden": 32, "mlpPenalty": "l1", "backend": "wasm",
 *     "maxIter": 1000                // caps every solver's budget on these instances
 *     // nn-compression only: "layers": [300, 100], "structure": "weight" | "neuron", "finetuneEpochs": 5
 *   }],
 *   "solvers": [
 *     { "name": "cd" },
 *     { "name": "spred-adam", "params": { "batch": 32 }, "grid": { "lr": [0.01, 0.001] },
 *       "maxIter": 5000, "tol": 1e-8, "timeout": 30, "seeds": [0, 1], "tau": 1e-6, "repeat": 1 },
 *     { "name": "gmp", "families": ["nn-compression"] }   // only on problem blocks of these families
 *   ]
 * }
 * ```
 * A grid is data: one solver instance per combination of its values (the cartesian product,
 * keys in sorted order), merged over the fixed `params`; each instance is labelled by
 * `solverLabel` (e.g. `spred-adam[lr=0.01]`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParamValue } from '../../problems/types.ts';
import { PROBLEMS, isTensorFamily, mlpFamily, nnCompressionFamily } from '../../problems/zoo.ts';
import { findSolver, SOLVERS } from '../../solvers/index.ts';
import { resolveParams } from '../params.ts';
import { UserError } from '../../problems/errors.ts';
import { BACKEND_CHOICES } from '../../problems/tensor/names.ts';

/** One problem block of a config: a family over datasets and λ values. */
export interface ProblemBlock {
  readonly family: string;
  readonly datasets: readonly string[];
  /** λ / λ_max values. */
  readonly lambdaRatios: readonly number[];
  /** Absolute λ values. */
  readonly lambdas: readonly number[];
  /** A regularization path: K values of λ/λ_max geometric from 1 to minRatio (cold runs linked by a path id). */
  readonly path?: { readonly K: number; readonly minRatio: number };
  readonly standardize: boolean;
  readonly groupSize?: number;
  readonly target?: string;
  readonly hidden?: number;
  readonly mlpPenalty?: 'l1' | 'group-l1';
  readonly backend?: string;
  /** nn-compression: hidden widths, structure, and the protocol's fine-tune epochs. */
  readonly layers?: readonly number[];
  readonly structure?: 'weight' | 'neuron';
  readonly finetuneEpochs?: number;
  /** Caps every solver's iteration budget on these instances (e.g. costly tensor problems). */
  readonly maxIter?: number;
}

/** One solver block: a solver with fixed params, a grid, and optional stopping overrides. */
export interface SolverBlock {
  readonly name: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Parameter → values; the cartesian product is taken. */
  readonly grid: Readonly<Record<string, readonly ParamValue[]>>;
  readonly tol?: number;
  readonly maxIter?: number;
  readonly timeout?: number;
  readonly seeds?: readonly number[];
  readonly tau?: number;
  /** Only the problem blocks of these families get this solver block (default: every family). */
  readonly families?: readonly string[];
  /** Timed repetitions of each run of this block (overrides the plan's `repeat`). */
  readonly repeat?: number;
}

export interface BenchConfig {
  readonly name: string;
  readonly description: string;
  readonly tol: number;
  readonly maxIter: number;
  /** Seconds per run (pre-emptive). */
  readonly timeout: number;
  readonly seeds: readonly number[];
  /** Seconds per reference solve. */
  readonly referenceTimeout: number;
  /** Timed repetitions of each run (after one untimed warm-up); times stored are their medians. */
  readonly repeat: number;
  readonly problems: readonly ProblemBlock[];
  readonly solvers: readonly SolverBlock[];
  /** Where the config came from (file path or `suite NAME`), for messages. */
  readonly source: string;
}

export const CONFIG_DEFAULTS = { tol: 1e-10, maxIter: 100000, timeout: 60, seeds: [0], referenceTimeout: 120, repeat: 1 } as const;

/** Most timed repetitions a plan may ask for. */
export const MAX_REPEAT = 100;

/** Folder of the named suites. */
export const SUITES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'suites');

/** Names of the suites in harness/suites/. */
export function suiteNames(): string[] {
  try {
    return readdirSync(SUITES_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/** Loads a named suite (harness/suites/NAME.json). */
export function loadSuite(name: string): BenchConfig {
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !existsSync(join(SUITES_DIR, `${name}.json`))) {
    const names = suiteNames();
    throw new UserError(`unknown suite '${name}'; choose one of: ${names.join(', ') || '(none)'} (or pass --config FILE)`);
  }
  return loadConfigFile(join(SUITES_DIR, `${name}.json`), `suite ${name}`);
}

/** Reads and validates a config file. */
export function loadConfigFile(path: string, source = path): BenchConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read config ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`config ${basename(path)} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseConfig(json, source);
}

type Json = unknown;

class Path {
  constructor(readonly source: string, readonly path: string) {}
  key(k: string): Path {
    return new Path(this.source, this.path ? `${this.path}.${k}` : k);
  }
  index(i: number): Path {
    return new Path(this.source, `${this.path}[${i}]`);
  }
  fail(msg: string): never {
    throw new UserError(`config ${this.source}: ${this.path || '(top level)'} ${msg}`);
  }
}

function show(v: Json): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function obj(v: Json, at: Path, allowed: readonly string[]): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) at.fail(`must be an object, got ${show(v)}`);
  const o = v as Record<string, Json>;
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) at.key(k).fail(`is not a known field; allowed here: ${allowed.join(', ')}`);
  }
  return o;
}

function str(v: Json, at: Path): string {
  if (typeof v !== 'string' || v.trim() === '') at.fail(`must be a non-empty string, got ${show(v)}`);
  return v;
}

function positive(v: Json, at: Path): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) at.fail(`must be a positive number, got ${show(v)}`);
  return v;
}

function posInt(v: Json, at: Path): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) at.fail(`must be a positive integer, got ${show(v)}`);
  return v;
}

function nonNegative(v: Json, at: Path): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) at.fail(`must be a number ≥ 0, got ${show(v)}`);
  return v;
}

function nonNegInt(v: Json, at: Path): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return at.fail(`must be a non-negative integer, got ${show(v)}`);
  return v;
}

function bool(v: Json, at: Path): boolean {
  if (typeof v !== 'boolean') at.fail(`must be true or false, got ${show(v)}`);
  return v;
}

function list<T>(v: Json, at: Path, item: (x: Json, at: Path) => T, nonEmpty = true): T[] {
  if (!Array.isArray(v)) at.fail(`must be an array, got ${show(v)}`);
  if (nonEmpty && v.length === 0) at.fail('must not be empty');
  return v.map((x, i) => item(x, at.index(i)));
}

function seed(v: Json, at: Path): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) at.fail(`must be an integer in 0 … 2147483647, got ${show(v)}`);
  return v;
}

function paramValue(v: Json, at: Path): ParamValue {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return at.fail(`must be a number, string or boolean, got ${show(v)}`);
}

const FAMILY_NAMES = (): string[] => PROBLEMS.map((f) => f.name);

const TOP_FIELDS = ['name', 'description', 'tol', 'maxIter', 'timeout', 'seeds', 'referenceTimeout', 'repeat', 'problems', 'solvers'] as const;
const PROBLEM_FIELDS = ['family', 'datasets', 'lambdaRatios', 'lambdas', 'path', 'standardize', 'groupSize', 'target', 'hidden', 'mlpPenalty', 'backend', 'maxIter', 'layers', 'structure', 'finetuneEpochs'] as const;
const SOLVER_FIELDS = ['name', 'params', 'grid', 'tol', 'maxIter', 'timeout', 'seeds', 'tau', 'families', 'repeat'] as const;

function repeatCount(v: Json, at: Path): number {
  const r = posInt(v, at);
  if (r > MAX_REPEAT) at.fail(`must be at most ${MAX_REPEAT}, got ${r}`);
  return r;
}

/**
 * Validates a parsed config. Solver names and every parameter value (fixed and gridded) are
 * checked against the solver registry here, so a bad config fails before anything runs.
 */
export function parseConfig(json: Json, source: string): BenchConfig {
  const root = new Path(source, '');
  const o = obj(json, root, TOP_FIELDS);
  if (o['name'] === undefined) root.key('name').fail('is missing; give the benchmark a name, e.g. "name": "my-bench"');
  const name = str(o['name'], root.key('name'));
  if (o['problems'] === undefined) root.key('problems').fail('is missing; list at least one problem block');
  if (o['solvers'] === undefined) root.key('solvers').fail('is missing; list at least one solver, e.g. [{ "name": "cd" }]');
  const problems = list(o['problems'], root.key('problems'), parseProblem);
  const solvers = list(o['solvers'], root.key('solvers'), parseSolverBlock);
  return {
    name,
    description: o['description'] === undefined ? '' : str(o['description'], root.key('description')),
    tol: o['tol'] === undefined ? CONFIG_DEFAULTS.tol : positive(o['tol'], root.key('tol')),
    maxIter: o['maxIter'] === undefined ? CONFIG_DEFAULTS.maxIter : posInt(o['maxIter'], root.key('maxIter')),
    timeout: o['timeout'] === undefined ? CONFIG_DEFAULTS.timeout : positive(o['timeout'], root.key('timeout')),
    seeds: o['seeds'] === undefined ? [...CONFIG_DEFAULTS.seeds] : list(o['seeds'], root.key('seeds'), seed),
    referenceTimeout:
      o['referenceTimeout'] === undefined ? CONFIG_DEFAULTS.referenceTimeout : positive(o['referenceTimeout'], root.key('referenceTimeout')),
    repeat: o['repeat'] === undefined ? CONFIG_DEFAULTS.repeat : repeatCount(o['repeat'], root.key('repeat')),
    problems,
    solvers,
    source,
  };
}

function parseProblem(v: Json, at: Path): ProblemBlock {
  const o = obj(v, at, PROBLEM_FIELDS);
  if (o['family'] === undefined) at.key('family').fail(`is missing; one of: ${FAMILY_NAMES().join(', ')}`);
  const family = str(o['family'], at.key('family'));
  if (!FAMILY_NAMES().includes(family)) at.key('family').fail(`'${family}' is not a problem family; one of: ${FAMILY_NAMES().join(', ')}`);
  if (o['datasets'] === undefined) at.key('datasets').fail('is missing; e.g. ["diabetes", "sim-lasso:n=100,p=200"]');
  const datasets = list(o['datasets'], at.key('datasets'), str);
  const lambdaRatios = o['lambdaRatios'] === undefined ? [] : list(o['lambdaRatios'], at.key('lambdaRatios'), positive);
  const lambdas = o['lambdas'] === undefined ? [] : list(o['lambdas'], at.key('lambdas'), positive);
  let path: { K: number; minRatio: number } | undefined;
  if (o['path'] !== undefined) {
    const po = obj(o['path'], at.key('path'), ['K', 'minRatio']);
    if (po['K'] === undefined) at.key('path').key('K').fail('is missing; the number of λ values, e.g. 20');
    const K = posInt(po['K'] as Json, at.key('path').key('K'));
    const minRatio = po['minRatio'] === undefined ? 1e-2 : positive(po['minRatio'], at.key('path').key('minRatio'));
    if (!(minRatio < 1)) at.key('path').key('minRatio').fail(`must be below 1 (a fraction of λ_max), got ${minRatio}`);
    path = { K, minRatio };
  }
  if (lambdaRatios.length + lambdas.length === 0 && path === undefined) at.key('lambdaRatios').fail('is missing; give λ as fractions of λ_max, e.g. [0.1, 0.01] (or absolute "lambdas")');
  const grouped = PROBLEMS.find((f) => f.name === family)?.grouped ?? false;
  if (grouped && o['groupSize'] === undefined) at.key('groupSize').fail(`is missing; family ${family} needs contiguous groups of groupSize features`);
  if (!grouped && o['groupSize'] !== undefined) at.key('groupSize').fail(`does not apply to family ${family}; remove it`);
  const isMlp = family === mlpFamily.name;
  const isCompression = family === nnCompressionFamily.name;
  for (const k of ['hidden', 'mlpPenalty'] as const) {
    if (!isMlp && o[k] !== undefined) at.key(k).fail(`applies to family mlp only; remove it`);
  }
  for (const k of ['layers', 'structure', 'finetuneEpochs'] as const) {
    if (!isCompression && o[k] !== undefined) at.key(k).fail(`applies to family nn-compression only; remove it`);
  }
  const tensorFamily = PROBLEMS.find((f) => f.name === family);
  if (o['backend'] !== undefined && !(tensorFamily && isTensorFamily(tensorFamily))) at.key('backend').fail('applies to tensor families only; remove it');
  let structure: 'weight' | 'neuron' | undefined;
  if (o['structure'] !== undefined) {
    const s = str(o['structure'], at.key('structure'));
    if (s !== 'weight' && s !== 'neuron') return at.key('structure').fail(`must be "weight" or "neuron", got ${show(s)}`);
    structure = s;
  }
  const layers = o['layers'] === undefined ? undefined : list(o['layers'], at.key('layers'), posInt);
  let mlpPenalty: 'l1' | 'group-l1' | undefined;
  if (o['mlpPenalty'] !== undefined) {
    const s = str(o['mlpPenalty'], at.key('mlpPenalty'));
    if (s !== 'l1' && s !== 'group-l1') return at.key('mlpPenalty').fail(`must be "l1" or "group-l1", got ${show(s)}`);
    mlpPenalty = s;
  }
  let backend: string | undefined;
  if (o['backend'] !== undefined) {
    backend = str(o['backend'], at.key('backend'));
    if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) at.key('backend').fail(`must be one of ${BACKEND_CHOICES.join(', ')}, got ${show(backend)}`);
  }
  return {
    family,
    datasets,
    lambdaRatios,
    lambdas,
    ...(path ? { path } : {}),
    standardize: o['standardize'] === undefined ? false : bool(o['standardize'], at.key('standardize')),
    ...(o['groupSize'] !== undefined ? { groupSize: posInt(o['groupSize'], at.key('groupSize')) } : {}),
    ...(o['target'] !== undefined ? { target: str(o['target'], at.key('target')) } : {}),
    ...(o['hidden'] !== undefined ? { hidden: posInt(o['hidden'], at.key('hidden')) } : {}),
    ...(mlpPenalty !== undefined ? { mlpPenalty } : {}),
    ...(backend !== undefined ? { backend } : {}),
    ...(layers !== undefined ? { layers } : {}),
    ...(structure !== undefined ? { structure } : {}),
    ...(o['finetuneEpochs'] !== undefined ? { finetuneEpochs: nonNegInt(o['finetuneEpochs'], at.key('finetuneEpochs')) } : {}),
    ...(o['maxIter'] !== undefined ? { maxIter: posInt(o['maxIter'], at.key('maxIter')) } : {}),
  };
}

function parseSolverBlock(v: Json, at: Path): SolverBlock {
  const o = obj(v, at, SOLVER_FIELDS);
  if (o['name'] === undefined) at.key('name').fail(`is missing; one of: ${SOLVERS.map((s) => s.name).join(', ')}`);
  const name = str(o['name'], at.key('name'));
  if (!SOLVERS.some((s) => s.name === name)) {
    at.key('name').fail(`'${name}' is not a solver; one of: ${SOLVERS.map((s) => s.name).join(', ')}`);
  }
  const solver = findSolver(name);
  const params: Record<string, ParamValue> = {};
  if (o['params'] !== undefined) {
    const p = obj(o['params'], at.key('params'), Object.keys(solver.params));
    for (const [k, x] of Object.entries(p)) params[k] = paramValue(x, at.key('params').key(k));
  }
  const grid: Record<string, ParamValue[]> = {};
  if (o['grid'] !== undefined) {
    const g = obj(o['grid'], at.key('grid'), Object.keys(solver.params));
    for (const [k, xs] of Object.entries(g)) {
      if (k in params) at.key('grid').key(k).fail(`is also fixed in params; keep it in one place`);
      grid[k] = list(xs, at.key('grid').key(k), paramValue);
    }
  }
  // Check every value against the solver's parameter specs (name, type, bounds, choices).
  const check = (k: string, value: ParamValue, where: Path): void => {
    try {
      resolveParams(solver, { [k]: value });
    } catch (e) {
      if (e instanceof UserError) where.fail(`is invalid: ${e.message}`);
      throw e;
    }
  };
  for (const [k, x] of Object.entries(params)) check(k, x, at.key('params').key(k));
  for (const [k, xs] of Object.entries(grid)) xs.forEach((x, i) => check(k, x, at.key('grid').key(k).index(i)));
  return {
    name,
    params,
    grid,
    ...(o['tol'] !== undefined ? { tol: positive(o['tol'], at.key('tol')) } : {}),
    ...(o['maxIter'] !== undefined ? { maxIter: posInt(o['maxIter'], at.key('maxIter')) } : {}),
    ...(o['timeout'] !== undefined ? { timeout: positive(o['timeout'], at.key('timeout')) } : {}),
    ...(o['seeds'] !== undefined ? { seeds: list(o['seeds'], at.key('seeds'), seed) } : {}),
    ...(o['families'] !== undefined
      ? {
          families: list(o['families'], at.key('families'), (x, p) => {
            const f = str(x, p);
            if (!FAMILY_NAMES().includes(f)) p.fail(`'${f}' is not a problem family; one of: ${FAMILY_NAMES().join(', ')}`);
            return f;
          }),
        }
      : {}),
    ...(o['tau'] !== undefined ? { tau: nonNegative(o['tau'], at.key('tau')) } : {}),
    ...(o['repeat'] !== undefined ? { repeat: repeatCount(o['repeat'], at.key('repeat')) } : {}),
  };
}
