/**
 * Groups for the group-L1 penalty Ω(x) = Σ_g ‖x_g‖₂.
 *
 * Decision: groups must partition the columns. A column in two groups (overlap), an index out
 * of range, an empty group, or a column left in no group is rejected with a clear error
 * (unpenalized columns would change λ_max and the dual; the plain lasso covers that need).
 */
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';

/** Contiguous groups of size K over p columns: {0..K−1}, {K..2K−1}, … (p must be a multiple of K). */
export function contiguousGroups(p: number, size: number): Int32Array[] {
  if (!Number.isInteger(size) || size < 1) throw new UserError(`--group-size must be a positive integer, got ${size}`);
  if (p % size !== 0) throw new UserError(`--group-size ${size} does not divide the ${p} features; pick a divisor of ${p} or pass --groups FILE`);
  const groups: Int32Array[] = [];
  for (let s = 0; s < p; s += size) groups.push(Int32Array.from({ length: size }, (_, i) => s + i));
  return groups;
}

/** Validates groups given as arrays of 0-based column indices against p columns. */
export function validateGroups(raw: unknown, p: number, source: string): Int32Array[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new UserError(`${source}: groups must be a non-empty JSON array of arrays of 0-based column indices, e.g. [[0,1],[2,3]]`);
  }
  const owner = new Int32Array(p).fill(-1);
  const groups: Int32Array[] = [];
  raw.forEach((g, gi) => {
    if (!Array.isArray(g) || g.length === 0) throw new UserError(`${source}: group ${gi} must be a non-empty array of column indices`);
    const out = new Int32Array(g.length);
    g.forEach((v, k) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new UserError(`${source}: group ${gi} has a non-integer index ${JSON.stringify(v)}; use 0-based integers`);
      if (v < 0 || v >= p) throw new UserError(`${source}: group ${gi} has index ${v}, out of range 0..${p - 1} for ${p} features`);
      const prev = owner[v] as number;
      if (prev !== -1) throw new UserError(`${source}: column ${v} is in group ${prev} and group ${gi}; groups must not overlap`);
      owner[v] = gi;
      out[k] = v;
    });
    groups.push(out);
  });
  const missing: number[] = [];
  for (let j = 0; j < p && missing.length < 5; j++) if (owner[j] === -1) missing.push(j);
  if (missing.length > 0) {
    throw new UserError(`${source}: column(s) ${missing.join(', ')}${missing.length === 5 ? ', …' : ''} are in no group; every column must be in exactly one group (put a column alone in its own group)`);
  }
  return groups;
}

/** Reads a groups JSON file (array of arrays of 0-based column indices). */
export function readGroupsFile(path: string, p: number): Int32Array[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read groups file ${path}; pass --groups with an existing JSON file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`groups file ${path} is not valid JSON (${(e as Error).message}); expected e.g. [[0,1],[2,3]]`);
  }
  return validateGroups(raw, p, `groups file ${path}`);
}
