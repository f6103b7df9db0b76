/**
 * Benchmark plans ("configs"): problems × datasets × λ ratios × solvers × parameter grids ×
 * seeds, as JSON. The format is documented field by field in docs/plans.md and fixed by the JSON
 * Schema of harness/bench/schema.ts (docs/plan.schema.json), which ajv checks once, here, at the
 * boundary: every mistake is a one-line UserError naming the file and the JSON path of the bad
 * field (e.g. `problems[0].lambdaRatios[1]`) and the fix. What a JSON Schema cannot say (a grid
 * key that is also a fixed parameter) is checked after it.
 *
 * Solvers of your own: `"plugins": ["my-solvers.ts"]` (modules exporting Solver objects, paths
 * relative to the config file; loaded by {@link loadConfig}) and command entries
 * `{ "name": "my-solver", "command": ["python3", "my_solver.py"], "requires": [...] }` (the solver
 * protocol of docs/solver-protocol.md, run in the config file's folder) — both then used like
 * built-ins (see harness/plugins.ts).
 *
 * A grid is data: one solver instance per combination of its values (the cartesian product,
 * keys in sorted order), merged over the fixed `params`; each instance is labelled by
 * `solverLabel` (e.g. `spred-adam[lr=0.01]`).
 *
 * Size: a config may plan at most MAX_PLAN_JOBS jobs and MAX_PLAN_INSTANCES problem instances
 * (each convex instance needs a reference solve); larger ones are refused before anything is
 * expanded, with the count and how many configs to split it into (plan.ts).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParamValue } from '../../problems/types.ts';
import { validatePlan } from './schema.ts';
import type { GenePathSpec } from '../genes/types.ts';
import { UserError } from '../../problems/errors.ts';
import type { Capability } from '../../problems/types.ts';
import { loadPluginModule, loadedModule, registerCommand } from '../plugins.ts';
import type { FileFormat } from '../../problems/datasets/index.ts';

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
  /** Format of the block's data files (default: from the extension, else sniffed). */
  readonly format?: FileFormat;
  /** nn-compression: hidden widths, structure, and the protocol's fine-tune epochs. */
  readonly layers?: readonly number[];
  readonly structure?: 'weight' | 'neuron';
  readonly finetuneEpochs?: number;
  /** Caps every solver's iteration budget on these instances (e.g. costly tensor problems). */
  readonly maxIter?: number;
  /** gene-selection only: the λ path and selection settings (harness/genes/types.ts). */
  readonly path?: Partial<GenePathSpec>;
  /**
   * Instead of lambdaRatios/lambdas: a warm-started regularization path per (dataset, solver
   * instance, seed), `count` λ geometric from λ_max down to minRatio·λ_max, one run per λ (as `solve --path`).
   */
  readonly lambdaPath?: { readonly count: number; readonly minRatio: number };
  /** The config's solvers that run on these datasets and λ values (default: all). */
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
  /** Absolute paths of the plugin modules the plan loads (`plugins`). */
  readonly plugins: readonly string[];
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

/**
 * Reads a config file, loads the plugin modules it names (relative to its folder), and validates
 * it. The CLI's way in; {@link loadConfigFile} does the same for configs without `plugins`.
 */
export async function loadConfig(path: string, source = path): Promise<BenchConfig> {
  const json = readConfigJson(path);
  const base = dirname(resolve(path));
  const plugins = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, Json>)['plugins'] : undefined;
  if (Array.isArray(plugins)) {
    for (const p of plugins) if (typeof p === 'string' && p.trim() !== '') await loadPluginModule(p, base);
  }
  return parseConfig(json, source, base);
}

/** Reads and validates a config file (its `plugins` must already be loaded: see {@link loadConfig}). */
export function loadConfigFile(path: string, source = path): BenchConfig {
  return parseConfig(readConfigJson(path), source, dirname(resolve(path)));
}

function readConfigJson(path: string): Json {
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
  return json;
}

type Json = unknown;

/**
 * Registers the plan's command solvers (entries with a `command`), run in `base`, so that the
 * schema knows their names; entries the schema will reject are left to it.
 */
function registerCommands(json: Json, source: string, base: string): void {
  const solvers = typeof json === 'object' && json !== null ? (json as { solvers?: unknown }).solvers : undefined;
  if (!Array.isArray(solvers)) return;
  solvers.forEach((b: unknown, i) => {
    const e = b as { name?: unknown; command?: unknown; requires?: unknown };
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || e.command === undefined) return;
    if (!Array.isArray(e.command) || e.command.length === 0 || !e.command.every((w) => typeof w === 'string' && w !== '')) {
      throw new UserError(`config ${source}: solvers[${i}].command must be a non-empty array of non-empty strings (the argv), e.g. ["python3", "my_solver.py"]`);
    }
    const requires = Array.isArray(e.requires) && e.requires.every((c) => typeof c === 'string') ? (e.requires as Capability[]) : undefined;
    try {
      registerCommand({ name: e.name, command: e.command as string[], ...(requires ? { requires } : {}) }, base);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`config ${source}: solvers[${i}].name is invalid: ${err.message}`);
      throw err;
    }
  });
}

/**
 * Validates a parsed config against the plan schema, then builds it with the defaults filled in.
 * Solver names and every parameter value (fixed and gridded) are checked against the solver
 * registry (the schema is built from it), so a bad config fails before anything runs.
 */
export function parseConfig(json: Json, source: string, base = process.cwd()): BenchConfig {
  registerCommands(json, source, base);
  const why = validatePlan(json);
  if (why !== null) throw new UserError(`config ${source}: ${why}`);
  const o = json as RawPlan;
  const plugins = (o.plugins ?? []).map((p, i) => {
    const abs = resolve(base, p);
    if (!loadedModule(abs)) throw new UserError(`config ${source}: plugins[${i}] (${abs}) is not loaded; read the config with \`l1bench bench --config\` (loadConfig), which loads its plugins`);
    return abs;
  });
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
        if (Object.hasOwn(params, k)) throw new UserError(`config ${source}: solvers[${i}].grid.${k} is also fixed in params; keep it in one place`);
      }
      const { command: _command, requires: _requires, ...block } = b;
      return { ...block, params, grid };
    }),
    plugins,
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
  plugins?: string[];
  problems: (Omit<ProblemBlock, 'lambdaRatios' | 'lambdas' | 'standardize'> & { lambdaRatios?: number[]; lambdas?: number[]; standardize?: boolean })[];
  solvers: (Omit<SolverBlock, 'params' | 'grid'> & { params?: Record<string, ParamValue>; grid?: Record<string, ParamValue[]>; command?: string[]; requires?: string[] })[];
}
