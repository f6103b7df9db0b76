/**
 * Solver parameters: defaults, coercion from text (CLI `--param k=v`, configs), validation,
 * and the deterministic instance label `name[k=v,…]` (keys sorted, non-default values only).
 */
import type { Capability, AnyProblem, ParamSpec, ParamValue, Params, Solver } from '../problems/types.ts';
import { UserError } from '../problems/errors.ts';

/** Fills defaults and validates `given` (values as text or already typed) against the solver's specs. */
export function resolveParams(solver: Solver, given: Readonly<Record<string, ParamValue>>): Params {
  const out: Record<string, ParamValue> = {};
  // Own-property lookups only: 'constructor', 'toString', '__proto__' are not parameters.
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(solver.params, key)) {
      const known = Object.keys(solver.params);
      throw new UserError(`unknown parameter '${key}' for solver ${solver.name}; its parameters are: ${known.length ? known.join(', ') : '(none)'}`);
    }
  }
  for (const [key, spec] of Object.entries(solver.params)) {
    const v = Object.hasOwn(given, key) ? given[key] : undefined;
    out[key] = v === undefined ? spec.default : coerce(solver.name, key, spec, v);
  }
  return out;
}

function coerce(solver: string, key: string, spec: ParamSpec, v: ParamValue): ParamValue {
  const where = `parameter ${key} of ${solver}`;
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const num = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(num)) throw new UserError(`${where} must be a number, got '${String(v)}'`);
      if (spec.type === 'integer' && !Number.isInteger(num)) throw new UserError(`${where} must be an integer, got ${num}`);
      if (spec.min !== undefined && num < spec.min) throw new UserError(`${where} must be ≥ ${spec.min}, got ${num}`);
      if (spec.max !== undefined && num > spec.max) throw new UserError(`${where} must be ≤ ${spec.max}, got ${num}`);
      return num;
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      throw new UserError(`${where} must be true or false, got '${String(v)}'`);
    }
    case 'string': {
      const s = String(v);
      if (spec.choices && !spec.choices.includes(s)) throw new UserError(`${where} must be one of ${spec.choices.join(', ')}, got '${s}'`);
      return s;
    }
  }
}

/**
 * Parses repeated `k=v` flags into an object without a prototype (so `__proto__=1` is a key
 * like any other, and is then refused as an unknown parameter). A key given twice is an error.
 */
export function parseParamFlags(flags: readonly string[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const f of flags) {
    const i = f.indexOf('=');
    if (i <= 0) throw new UserError(`--param expects key=value, got '${f}'`);
    const key = f.slice(0, i).trim();
    if (Object.hasOwn(out, key)) throw new UserError(`--param ${key} given twice; give each parameter once`);
    out[key] = f.slice(i + 1).trim();
  }
  return out;
}

/** Deterministic instance name: `name` or `name[k=v,…]` with the non-default parameters, keys sorted. */
export function solverLabel(solver: Solver, params: Params): string {
  const parts: string[] = [];
  for (const key of Object.keys(params).sort()) {
    const spec = solver.params[key];
    const v = params[key];
    if (spec && v !== spec.default) parts.push(`${key}=${String(v)}`);
  }
  return parts.length ? `${solver.name}[${parts.join(',')}]` : solver.name;
}

/** Capabilities the solver needs that the problem lacks. */
export function missingCapabilities(solver: Solver, problem: AnyProblem): Capability[] {
  return solver.requires.filter((c) => !problem.capabilities.has(c));
}

/** The skip reason for a capability mismatch, naming what is missing. */
export function skipReason(solver: Solver, problem: AnyProblem): string | null {
  const missing = missingCapabilities(solver, problem);
  if (missing.length === 0) return solver.unavailable ? solver.unavailable(problem) : null;
  return `${solver.name} requires ${missing.join(', ')}, which problem '${problem.family}' does not provide`;
}
