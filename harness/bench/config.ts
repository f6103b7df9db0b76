/**
 * Benchmark plans ("configs"): problems × datasets × λ ratios × solvers × parameter grids ×
 * seeds, as JSON. The format is documented field by field in docs/plans.md and fixed by the JSON
 * Schema of harness/bench/schema.ts (docs/plan.schema.json), which ajv checks once, here, at the
 * boundary: every mistake is a one-line UserError naming the file and the JSON path of the bad
 * field (e.g. `problems[0].lambdaRatios[1]`) and the fix. What a JSON Schema cannot say (a grid
 * key that is also a fixed parameter) is checked after it.
 *
 * A grid is data: one solver instance per combination of its values (the cartesian product,
 * keys in sorted order), merged over the fixed `params`; each instance is labelled by
 * `solverLabel` (e.g. `spred-adam[lr=0.01]`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParamValue } from '../../problems/types.ts';
import { validatePlan } from './schema.ts';
import type { GenePathSpec } from '../genes/types.ts';
import { UserError } from '../../problems/errors.ts';

/** One problem block of a config: a family over datasets and λ values. */
export interface ProblemBlock {
  readonly family: string;
  readonly datasets: readonly string[];
  /** λ / λ_max values. */
  readonly lambdaRatios: readonly number[];
  /** Absolute λ values. */
  readonly lambdas: readonly number[];
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
  /** gene-selection only: the λ path and selection settings (harness/genes/types.ts). */
  readonly path?: Partial<GenePathSpec>;
  /** gene-selection only: the config's solvers that run on these datasets (default: all). */
  readonly methods?: readonly string[];
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

export { MAX_REPEAT } from './schema.ts';

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

/**
 * Validates a parsed config against the plan schema, then builds it with the defaults filled in.
 * Solver names and every parameter value (fixed and gridded) are checked against the solver
 * registry (the schema is built from it), so a bad config fails before anything runs.
 */
export function parseConfig(json: Json, source: string): BenchConfig {
  const why = validatePlan(json);
  if (why !== null) throw new UserError(`config ${source}: ${why}`);
  const o = json as RawPlan;
  return {
    name: o.name,
    description: o.description ?? '',
    tol: o.tol ?? CONFIG_DEFAULTS.tol,
    maxIter: o.maxIter ?? CONFIG_DEFAULTS.maxIter,
    timeout: o.timeout ?? CONFIG_DEFAULTS.timeout,
    seeds: o.seeds ?? [...CONFIG_DEFAULTS.seeds],
    referenceTimeout: o.referenceTimeout ?? CONFIG_DEFAULTS.referenceTimeout,
    repeat: o.repeat ?? CONFIG_DEFAULTS.repeat,
    problems: o.problems.map((p) => ({ ...p, lambdaRatios: p.lambdaRatios ?? [], lambdas: p.lambdas ?? [], standardize: p.standardize ?? false })),
    solvers: o.solvers.map((b, i) => {
      const params = b.params ?? {};
      const grid = b.grid ?? {};
      for (const k of Object.keys(grid)) {
        if (k in params) throw new UserError(`config ${source}: solvers[${i}].grid.${k} is also fixed in params; keep it in one place`);
      }
      return { ...b, params, grid };
    }),
    source,
  };
}

/** A plan as the schema admits it (optional fields absent). */
interface RawPlan {
  name: string;
  description?: string;
  tol?: number;
  maxIter?: number;
  timeout?: number;
  seeds?: number[];
  referenceTimeout?: number;
  repeat?: number;
  problems: (Omit<ProblemBlock, 'lambdaRatios' | 'lambdas' | 'standardize'> & { lambdaRatios?: number[]; lambdas?: number[]; standardize?: boolean })[];
  solvers: (Omit<SolverBlock, 'params' | 'grid'> & { params?: Record<string, ParamValue>; grid?: Record<string, ParamValue[]> })[];
}
