/**
 * The plugin registry: solvers loaded at run time from the user's own files — a TypeScript or
 * JavaScript module (`--plugin FILE`, a plan's `plugins`), or a command speaking the solver
 * protocol (a plan entry `{ "name": …, "command": [...] }`). `findSolver` consults it after the
 * built-in SOLVERS list. Each entry keeps where its solver came from (path and hash of the bytes),
 * which travels with every job of that solver so that pool workers load the same plugin and the
 * job key changes when the plugin's bytes do. Loading and validation: harness/plugins.ts.
 */
import type { Capability, Solver } from '../problems/types.ts';
import { UserError } from '../problems/errors.ts';

/** Where a plugin solver comes from: plain data (it crosses to workers inside a JobSpec). */
export type PluginSource =
  /** A module file exporting Solver objects; `hash` = sha256 of its bytes. */
  | { readonly kind: 'module'; readonly path: string; readonly hash: string }
  /**
   * A command on the solver protocol, run in `cwd`; `hash` = sha256 over the argv and the bytes
   * of every argument that names a file (the script).
   */
  | {
      readonly kind: 'command';
      readonly name: string;
      readonly command: readonly string[];
      readonly cwd: string;
      readonly hash: string;
      readonly requires?: readonly Capability[];
    };

interface Entry {
  readonly solver: Solver;
  readonly source: PluginSource;
}

const registry = new Map<string, Entry>();

/** Human name of a source, for messages. */
export function sourceName(s: PluginSource): string {
  return s.kind === 'module' ? s.path : `command ${JSON.stringify(s.command)}`;
}

/**
 * Registers a plugin solver. The same solver name from the same source (same hash) again is a
 * no-op; from another source it is a UserError (`builtins` are the built-in names).
 */
export function registerPluginSolver(solver: Solver, source: PluginSource, builtins: readonly string[]): void {
  assertRegistrable(solver.name, source, builtins);
  registry.set(solver.name, { solver, source });
}

/** Throws the UserError `registerPluginSolver` would throw for this name and source. */
export function assertRegistrable(name: string, source: PluginSource, builtins: readonly string[]): void {
  if (builtins.includes(name)) {
    throw new UserError(`plugin ${sourceName(source)}: solver name '${name}' clashes with the built-in solver ${name}; rename it`);
  }
  const had = registry.get(name);
  if (had && sourceName(had.source) !== sourceName(source)) {
    throw new UserError(`plugin ${sourceName(source)}: solver name '${name}' is already taken by plugin ${sourceName(had.source)}; rename one of them`);
  }
}

export function pluginSolver(name: string): Solver | undefined {
  return registry.get(name)?.solver;
}

export function pluginSource(name: string): PluginSource | undefined {
  return registry.get(name)?.source;
}

/** Plugin solvers in registration order. */
export function pluginSolvers(): readonly Solver[] {
  return [...registry.values()].map((e) => e.solver);
}
