/**
 * The regression gate: a committed baseline of expected accuracy per (family, dataset, λ/λ_max,
 * solver label), compared with the latest run of each pair in results.db.
 *
 * Per entry the baseline holds the expected status, an accuracy value with a factor (the final
 * relative suboptimality (F − F*)/|F*| when a reference F* was known, else the relative duality
 * gap, else the KKT violation), the final objective with a relative tolerance, and the support
 * size with a tolerance. Only accuracy is compared, never time: a run regresses when
 *   - its status is worse (converged < max_iter = stalled < timeout < diverged < error; skipped must stay skipped),
 *   - its accuracy a exceeds max(a_base · factor, floor)   (a = max(value, 0)),
 *   - its objective F exceeds F_base + rtol · max(|F_base|, 1e-300),
 *   - its support size differs from the baseline's by more than nnz_tol,
 *   - or the pair has no run in the database at all.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Status } from '../../problems/types.ts';
import { STATUSES } from '../../problems/types.ts';
import type { ReadStore, RunRow } from '../store/index.ts';
import { UserError } from '../../problems/errors.ts';
import { provenance } from '../env.ts';

export type Metric = 'rel_subopt' | 'rel_gap' | 'kkt';

export interface BaselineEntry {
  readonly family: string;
  readonly dataset: string;
  readonly lambda_ratio: number;
  readonly solver_label: string;
  readonly status: Status;
  /** Which accuracy measure `value` is (null: none, e.g. skipped or errored runs). */
  readonly metric: Metric | null;
  readonly value: number | null;
  /** The run may be this many times less accurate than `value`… */
  readonly factor: number;
  /** …or up to this absolute level, whichever is larger. */
  readonly floor: number;
  readonly objective: number | null;
  readonly objective_rtol: number;
  readonly nnz: number | null;
  readonly nnz_tol: number;
}

export interface Baseline {
  readonly version: 1;
  readonly created_at: string;
  readonly git_commit: string | null;
  readonly description: string;
  readonly entries: readonly BaselineEntry[];
}

/** Outcome of one pair. */
export interface Comparison {
  readonly pair: string;
  readonly entry: BaselineEntry | null;
  readonly run: RunRow | null;
  readonly verdict: 'ok' | 'regression' | 'improved' | 'new';
  /** What regressed, one phrase each (with by how much). */
  readonly regressions: readonly string[];
  /** What got better, or notes. */
  readonly notes: readonly string[];
}

// stalled (stopped on its own before tol) ranks with max_iter: neither reached tol, and runs
// recorded max_iter before `stalled` existed keep their verdict.
const RANK: Record<Exclude<Status, 'skipped'>, number> = { converged: 0, max_iter: 1, stalled: 1, timeout: 2, diverged: 3, error: 4 };

/** Canonical λ/λ_max for matching (10 significant digits). */
export function ratioKey(r: number): number {
  return Number(r.toPrecision(10));
}

export function pairName(e: { family: string; dataset: string; lambda_ratio: number; solver_label: string }): string {
  return `${e.family}/${e.dataset} λ=${ratioKey(e.lambda_ratio)}·λmax ${e.solver_label}`;
}

const keyOf = (e: { family: string; dataset: string; lambda_ratio: number; solver_label: string }): string =>
  JSON.stringify([e.family, e.dataset, ratioKey(e.lambda_ratio), e.solver_label]);

/** The accuracy measure of a run: rel_subopt when a reference was known, else rel_gap, else kkt. */
export function accuracyOf(run: RunRow): { metric: Metric; value: number } | null {
  if (run.rel_subopt !== null && Number.isFinite(run.rel_subopt)) return { metric: 'rel_subopt', value: run.rel_subopt };
  if (run.rel_gap !== null && Number.isFinite(run.rel_gap)) return { metric: 'rel_gap', value: run.rel_gap };
  if (run.kkt !== null && Number.isFinite(run.kkt)) return { metric: 'kkt', value: run.kkt };
  return null;
}

/** The latest run (highest id) of each pair. */
export async function latestRuns(store: ReadStore): Promise<Map<string, RunRow>> {
  const out = new Map<string, RunRow>();
  for (const r of await store.runs({ current: true })) {
    // superseded runs are history; ad-hoc `solve` runs never stand in for a suite's
    if (r.lambda_ratio === null || r.suite === 'solve') continue;
    out.set(keyOf({ family: r.family, dataset: r.dataset, lambda_ratio: r.lambda_ratio, solver_label: r.solver_label }), r);
  }
  return out;
}

/** A baseline entry from a run, with tolerances chosen to absorb machine noise but not regressions. */
export function entryFromRun(r: RunRow): BaselineEntry {
  const acc = accuracyOf(r);
  const value = acc ? Math.max(acc.value, 0) : null;
  const converged = r.status === 'converged';
  const floor = acc?.metric === 'kkt' ? 1e-10 : 1e-12;
  return {
    family: r.family,
    dataset: r.dataset,
    lambda_ratio: ratioKey(r.lambda_ratio ?? NaN),
    solver_label: r.solver_label,
    status: r.status,
    metric: acc?.metric ?? null,
    value,
    factor: 10,
    floor,
    objective: r.objective ?? null,
    // the objective may be worse by 10× the run's own relative inaccuracy (at least 1e-9); 1e-4 without a gap or reference (non-convex, float32)
    objective_rtol: acc && acc.metric !== 'kkt' ? Math.max(1e-9, 10 * (value ?? 0)) : 1e-4,
    nnz: r.nnz ?? null,
    nnz_tol: r.nnz === null ? 0 : converged ? Math.max(1, Math.ceil(0.02 * r.nnz)) : Math.max(2, Math.ceil(0.1 * r.nnz)),
  };
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v === 0 ? '0' : v.toExponential(2));

/** Compares one baseline entry with its latest run. */
export function compareEntry(entry: BaselineEntry, run: RunRow | null): Comparison {
  const pair = pairName(entry);
  if (run === null) return { pair, entry, run, verdict: 'regression', regressions: ['missing from the db: no run of this pair'], notes: [] };
  const bad: string[] = [];
  const good: string[] = [];
  if (entry.status === 'skipped' || run.status === 'skipped') {
    if (entry.status !== run.status) {
      (run.status === 'skipped' ? bad : good).push(`status ${entry.status} → ${run.status}${run.reason ? ` (${run.reason})` : ''}`);
    }
    return { pair, entry, run, verdict: bad.length ? 'regression' : good.length ? 'improved' : 'ok', regressions: bad, notes: good };
  }
  const re = RANK[entry.status as Exclude<Status, 'skipped'>];
  const ra = RANK[run.status as Exclude<Status, 'skipped'>];
  if (ra > re) bad.push(`status ${entry.status} → ${run.status}${run.reason ? ` (${run.reason})` : ''}`);
  else if (ra < re) good.push(`status ${entry.status} → ${run.status}`);
  const comparable = run.status !== 'error' && run.status !== 'diverged' && entry.status !== 'error' && entry.status !== 'diverged';
  if (comparable && entry.metric !== null && entry.value !== null) {
    const acc = accuracyOf(run);
    if (acc === null || acc.metric !== entry.metric) {
      bad.push(`${entry.metric} missing (run has ${acc ? acc.metric : 'no accuracy measure'}; was the reference optimum lost?)`);
    } else {
      const a = Math.max(acc.value, 0);
      const limit = Math.max(entry.value * entry.factor, entry.floor);
      if (a > limit) {
        const times = entry.value > 0 ? `${(a / entry.value).toPrecision(3)}× the baseline` : `baseline ${fmt(entry.value)}`;
        bad.push(`${entry.metric} ${fmt(a)} > limit ${fmt(limit)} (${times})`);
      } else if (a * entry.factor < entry.value && entry.value > entry.floor) {
        good.push(`${entry.metric} ${fmt(entry.value)} → ${fmt(a)}`);
      }
    }
  }
  if (comparable && entry.objective !== null && run.objective !== null && run.objective !== undefined) {
    const excess = (run.objective - entry.objective) / Math.max(Math.abs(entry.objective), 1e-300);
    if (excess > entry.objective_rtol) bad.push(`objective ${run.objective.toPrecision(12)} > baseline ${entry.objective.toPrecision(12)} by ${fmt(excess)} relative (tolerance ${fmt(entry.objective_rtol)})`);
  } else if (comparable && entry.objective !== null) {
    bad.push('objective missing');
  }
  if (comparable && entry.nnz !== null && run.nnz !== null && run.nnz !== undefined && Math.abs(run.nnz - entry.nnz) > entry.nnz_tol) {
    bad.push(`support size ${entry.nnz} → ${run.nnz} (tolerance ±${entry.nnz_tol})`);
  }
  return { pair, entry, run, verdict: bad.length ? 'regression' : good.length ? 'improved' : 'ok', regressions: bad, notes: good };
}

/** Compares the whole baseline; db pairs absent from the baseline are reported as `new`. */
export async function compareBaseline(baseline: Baseline, store: ReadStore): Promise<Comparison[]> {
  const latest = await latestRuns(store);
  const out: Comparison[] = [];
  const seen = new Set<string>();
  for (const e of baseline.entries) {
    const k = keyOf(e);
    seen.add(k);
    out.push(compareEntry(e, latest.get(k) ?? null));
  }
  for (const [k, r] of latest) {
    if (seen.has(k)) continue;
    out.push({ pair: pairName({ ...r, lambda_ratio: r.lambda_ratio as number }), entry: null, run: r, verdict: 'new', regressions: [], notes: ['not in the baseline'] });
  }
  return out;
}

/** A baseline from the latest run of every pair in the database. */
export async function baselineFromDb(store: ReadStore, description: string): Promise<Baseline> {
  const latest = [...(await latestRuns(store)).values()];
  if (latest.length === 0) throw new UserError(`${store.path} holds no runs; run \`l1bench bench\` first, then check --update`);
  const entries = latest.map(entryFromRun).sort((a, b) => pairName(a).localeCompare(pairName(b)));
  return { version: 1, created_at: new Date().toISOString(), git_commit: provenance().gitCommit, description, entries };
}

export function writeBaseline(path: string, b: Baseline): void {
  try {
    writeFileSync(path, JSON.stringify(b, null, 1) + '\n');
  } catch (e) {
    throw new UserError(`cannot write baseline ${path} (${(e as Error).message}); pass a writable --baseline path`);
  }
}

/** Reads and validates a baseline file (UserError naming the entry and field). */
export function readBaseline(path: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code ? `cannot read baseline ${path} (${code}); check the path or create one with --update` : `baseline ${basename(path)} is not valid JSON: ${(e as Error).message}`);
  }
  const fail = (where: string, msg: string): never => {
    throw new UserError(`baseline ${basename(path)}: ${where} ${msg}`);
  };
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { entries?: unknown }).entries)) fail('(top level)', 'must be an object with an "entries" array');
  const b = json as { version?: unknown; entries: unknown[] };
  if (b.version !== 1) fail('version', `must be 1, got ${JSON.stringify(b.version)}`);
  b.entries.forEach((e, i) => {
    const at = `entries[${i}]`;
    if (typeof e !== 'object' || e === null) fail(at, 'must be an object');
    const o = e as Record<string, unknown>;
    for (const k of ['family', 'dataset', 'solver_label'] as const) if (typeof o[k] !== 'string') fail(`${at}.${k}`, 'must be a string');
    if (typeof o['lambda_ratio'] !== 'number') fail(`${at}.lambda_ratio`, 'must be a number');
    if (!STATUSES.includes(o['status'] as Status)) fail(`${at}.status`, `must be one of ${STATUSES.join(', ')}`);
    for (const k of ['factor', 'floor', 'objective_rtol', 'nnz_tol'] as const) {
      if (typeof o[k] !== 'number' || !((o[k] as number) >= 0)) fail(`${at}.${k}`, 'must be a number ≥ 0');
    }
    for (const k of ['value', 'objective', 'nnz'] as const) if (o[k] !== null && typeof o[k] !== 'number') fail(`${at}.${k}`, 'must be a number or null');
    if (o['metric'] !== null && !['rel_subopt', 'rel_gap', 'kkt'].includes(o['metric'] as string)) fail(`${at}.metric`, 'must be rel_subopt, rel_gap, kkt or null');
  });
  return json as Baseline;
}

/** The comparison as a text table plus the regression lines. */
export function formatComparisons(cs: readonly Comparison[]): string {
  const rows = cs.map((c) => {
    const e = c.entry;
    const r = c.run;
    const acc = r ? accuracyOf(r) : null;
    return [
      c.verdict === 'regression' ? 'REGRESSION' : c.verdict,
      c.pair,
      `${e?.status ?? '—'} → ${r?.status ?? 'missing'}`,
      e?.metric ? `${e.metric} ${fmt(e.value)} → ${acc ? fmt(Math.max(acc.value, 0)) : '—'}` : '—',
      `${e?.nnz ?? '—'} → ${r?.nnz ?? '—'}`,
    ];
  });
  const header = ['verdict', 'pair', 'status', 'accuracy (baseline → now)', 'nnz'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const regressions = cs.filter((c) => c.verdict === 'regression');
  if (regressions.length) {
    out.push('', `${regressions.length} regression(s):`);
    for (const c of regressions) out.push(`  ${c.pair}: ${c.regressions.join('; ')}`);
  }
  const improved = cs.filter((c) => c.verdict === 'improved');
  if (improved.length) {
    out.push('', `${improved.length} improvement(s) (consider \`check --update\`):`);
    for (const c of improved) out.push(`  ${c.pair}: ${c.notes.join('; ')}`);
  }
  return out.join('\n') + '\n';
}
