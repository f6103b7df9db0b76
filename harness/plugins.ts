/**
 * Loading and validating plugin solvers (the registry is solvers/plugins.ts).
 *
 * A module plugin is a .ts/.mts/.js/.mjs file whose exports (the default export — one Solver or
 * an array of them — and every named export shaped like a Solver) are Solver objects, the same
 * contract as the built-ins. Each is validated at load: a name of letters, digits, `.`, `_`, `-`
 * that no built-in and no other plugin uses, a one-line description, `requires` drawn from the
 * known capabilities, a parameter spec (`type`, a `default` of that type, `doc`, bounds or
 * choices), and a `run` function. Anything wrong is a one-line UserError naming the file and the
 * field. A command plugin is a plan entry `{ "name", "command": [argv], "requires"? }` run on the
 * solver protocol (harness/external/). Both are recorded by path and sha256 of their bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { CAPABILITIES, type Capability, type ParamSpec, type Solver } from '../problems/types.ts';
import { UserError } from '../problems/errors.ts';
import { SOLVERS } from '../solvers/index.ts';
import { assertRegistrable, pluginSolver, pluginSource, registerPluginSolver, type PluginSource } from '../solvers/plugins.ts';
import { commandSolver } from './external/command.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const builtinNames = (): string[] => SOLVERS.map((s) => s.name);

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function looksLikeSolver(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'run' in v && 'name' in v;
}

function checkParam(file: string, solver: string, key: string, spec: unknown): ParamSpec {
  const where = `plugin ${file}: solver ${solver}: params.${key}`;
  if (typeof spec !== 'object' || spec === null) throw new UserError(`${where} must be an object { type, default, doc }`);
  const p = spec as Partial<ParamSpec>;
  const types = ['number', 'integer', 'string', 'boolean'];
  if (!types.includes(p.type as string)) throw new UserError(`${where}.type must be one of ${types.join(', ')}, got ${JSON.stringify(p.type)}`);
  const d = p.default;
  const ok =
    p.type === 'boolean' ? typeof d === 'boolean' : p.type === 'string' ? typeof d === 'string' : typeof d === 'number' && Number.isFinite(d) && (p.type === 'number' || Number.isInteger(d));
  if (!ok) throw new UserError(`${where}.default must be a ${p.type}, got ${JSON.stringify(d)}`);
  if (typeof p.doc !== 'string' || p.doc.trim() === '') throw new UserError(`${where}.doc must say what the parameter does`);
  for (const b of ['min', 'max'] as const) {
    if (p[b] !== undefined && (typeof p[b] !== 'number' || !Number.isFinite(p[b]))) throw new UserError(`${where}.${b} must be a finite number`);
  }
  if (p.choices !== undefined && (!Array.isArray(p.choices) || !p.choices.every((c) => typeof c === 'string'))) {
    throw new UserError(`${where}.choices must be an array of strings`);
  }
  return p as ParamSpec;
}

/** Validates one exported value as a Solver (see the module comment). */
export function validateSolver(v: unknown, file: string, exportName: string): Solver {
  const s = v as Partial<Solver>;
  const at = `plugin ${file}: export ${exportName}`;
  if (typeof s !== 'object' || s === null) throw new UserError(`${at} is not a Solver object`);
  if (typeof s.name !== 'string' || !NAME.test(s.name)) throw new UserError(`${at}: name must be letters, digits, . _ - (the CLI selector), got ${JSON.stringify(s.name)}`);
  const name = s.name;
  if (typeof s.description !== 'string' || s.description.trim() === '') throw new UserError(`plugin ${file}: solver ${name}: description must be a one-line string`);
  if (!Array.isArray(s.requires)) throw new UserError(`plugin ${file}: solver ${name}: requires must be an array of capabilities (${CAPABILITIES.join(', ')})`);
  for (const c of s.requires) {
    if (!(CAPABILITIES as readonly string[]).includes(c)) throw new UserError(`plugin ${file}: solver ${name}: unknown capability '${String(c)}' in requires; known: ${CAPABILITIES.join(', ')}`);
  }
  if (typeof s.params !== 'object' || s.params === null || Array.isArray(s.params)) throw new UserError(`plugin ${file}: solver ${name}: params must be an object of parameter specs ({} for none)`);
  for (const [k, spec] of Object.entries(s.params)) checkParam(file, name, k, spec);
  if (typeof s.run !== 'function') throw new UserError(`plugin ${file}: solver ${name}: run must be a function (problem, params, callback, ctx)`);
  if (s.defaultTau !== undefined && !(typeof s.defaultTau === 'number' && s.defaultTau >= 0)) throw new UserError(`plugin ${file}: solver ${name}: defaultTau must be a number ≥ 0`);
  return s as Solver;
}

const loaded = new Map<string, { hash: string; solvers: Solver[] }>();

/**
 * Imports a plugin module. tsx's `tsImport` loads TypeScript whatever the folder's package.json
 * says, in a fresh namespace per call; in a CommonJS folder tsx sometimes reads the namespaced URL
 * (`…/my.ts?namespace=…`) literally as a file name (ENOENT, seen in full CI runs, never alone):
 * then the plain dynamic import through the process's own tsx hook (bin/l1bench.js registers
 * it) loads the same file.
 */
async function importPlugin(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof Error && /ENOENT/.test(e.message) && /\?namespace=/.test(e.message))) throw e;
    return (await import(url)) as Record<string, unknown>;
  }
}

/**
 * Loads a module plugin (idempotent per path and bytes) and registers its solvers. A missing or
 * unreadable file, a module that fails to import, exports no Solver, or a solver that fails
 * validation is a UserError; nothing of a bad plugin is registered.
 */
export async function loadPluginModule(file: string, base = process.cwd()): Promise<Solver[]> {
  const path = isAbsolute(file) ? file : resolve(base, file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`plugin ${file} does not exist; pass the path of a .ts or .js module exporting Solver objects`);
  const bytes = readFileSync(path);
  const hash = sha256(bytes);
  const had = loaded.get(path);
  if (had && had.hash === hash) return had.solvers;
  let mod: Record<string, unknown>;
  try {
    mod = await importPlugin(path);
  } catch (e) {
    const msg = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
    const hint = /Cannot find (package|module) 'l1bench'/.test(msg) ? ' (install it beside the plugin: npm install /path/to/l1bench; or import types only: import type … from \'l1bench\')' : '';
    throw new UserError(`plugin ${file} failed to load: ${msg}${hint}`);
  }
  const found: [string, unknown][] = [];
  for (const [k, v] of Object.entries(mod)) {
    if (k === 'default' && Array.isArray(v)) v.forEach((x, i) => found.push([`default[${i}]`, x]));
    // a default export counts when it is (meant as) a Solver: an object with a name; in a
    // CommonJS-format module `default` is the exports object itself, whose members are listed
    else if (k === 'default' ? typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' : looksLikeSolver(v)) found.push([k, v]);
  }
  if (found.length === 0) throw new UserError(`plugin ${file} exports no Solver; export one (export const mySolver: Solver = { name, description, requires, params, run })`);
  const solvers = found.map(([k, v]) => validateSolver(v, file, k));
  const names = new Set<string>();
  for (const s of solvers) {
    if (names.has(s.name)) throw new UserError(`plugin ${file}: two exported solvers are named '${s.name}'; names must be unique`);
    names.add(s.name);
  }
  const source: PluginSource = { kind: 'module', path, hash };
  for (const s of solvers) assertRegistrable(s.name, source, builtinNames());
  for (const s of solvers) registerPluginSolver(s, source, builtinNames());
  loaded.set(path, { hash, solvers });
  return solvers;
}

/** commander's accumulator for a repeatable option (`--plugin A --plugin B`). */
export function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/** Whether the module at this absolute path is loaded (with its current bytes or earlier ones). */
export function loadedModule(path: string): boolean {
  return loaded.has(path);
}

/** A plan's command entry: `{ "name": "my-solver", "command": ["python3", "my_solver.py"] }`. */
export interface CommandEntry {
  readonly name: string;
  readonly command: readonly string[];
  readonly requires?: readonly Capability[];
}

/** Hash of a command: its argv and the bytes of each argument that names a file in `cwd`. */
export function commandHash(command: readonly string[], cwd: string): string {
  const h = createHash('sha256').update(JSON.stringify(command));
  for (const a of command) {
    const p = resolve(cwd, a);
    try {
      if (statSync(p).isFile()) h.update(readFileSync(p));
    } catch {
      /* not a file: the argv alone counts */
    }
  }
  return h.digest('hex');
}

/** Registers a command solver (run in `cwd`, where relative paths of its argv resolve). */
export function registerCommand(entry: CommandEntry, cwd: string): Solver {
  if (!NAME.test(entry.name)) throw new UserError(`command solver name must be letters, digits, . _ - , got ${JSON.stringify(entry.name)}`);
  const source: PluginSource = {
    kind: 'command',
    name: entry.name,
    command: [...entry.command],
    cwd,
    hash: commandHash(entry.command, cwd),
    ...(entry.requires ? { requires: [...entry.requires] } : {}),
  };
  const prev = pluginSource(entry.name);
  if (prev && prev.hash === source.hash && prev.kind === 'command' && prev.cwd === cwd) return pluginSolver(entry.name) as Solver;
  if (prev && prev.kind === 'command' && JSON.stringify(prev.command) !== JSON.stringify(source.command)) {
    throw new UserError(`command solver '${entry.name}' is declared twice with different commands (${JSON.stringify(prev.command)}, ${JSON.stringify(source.command)}); rename one`);
  }
  const solver = commandSolver({ name: entry.name, command: entry.command, cwd, ...(entry.requires ? { requires: entry.requires } : {}) });
  registerPluginSolver(solver, source, builtinNames());
  return solver;
}

/**
 * Makes the plugin a job names available in this process (pool workers, before resolving the
 * job's solver). A module whose bytes changed since the plan was made is an error: the job
 * would otherwise run code its key does not describe.
 */
export async function ensurePlugin(source: PluginSource): Promise<void> {
  if (source.kind === 'command') {
    registerCommand({ name: source.name, command: source.command, ...(source.requires ? { requires: source.requires } : {}) }, source.cwd);
    return;
  }
  await loadPluginModule(source.path);
  const now = loaded.get(source.path);
  if (!now || now.hash !== source.hash) throw new Error(`plugin ${source.path} changed since the plan was made (its sha256 differs); rerun the benchmark`);
}
