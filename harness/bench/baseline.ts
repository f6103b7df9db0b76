/**
 * The regression gate: one committed baseline per suite (harness/baselines/<suite>.json) of the
 * expected accuracy per (family, dataset, λ/λ_max, solver label), compared with the current
 * runs of that suite in results.db (the newest run of each seed of each pair).
 *
 * An entry holds the expectation over the pair's seeds: the worst status, and the median of the
 * accuracy a = max(measure, 0) (the final relative suboptimality (F − F*)/|F*| when a reference
 * F* was known, else the relative duality gap, else the KKT violation), of the objective and of
 * the support size, each with a tolerance band derived from the seeds' spread:
 *   factor = 10 · max(1, a_max / a_med)      (a below max(a_base · factor, floor) passes),
 *   objective_rtol = max(1e-9, 10 · a_med, 2 · (F_max − F_med)/|F_med|)   (1e-4 without a gap or F*),
 *   nnz_tol = max(the base tolerance, 2 · max_s |nnz_s − nnz_med|).
 * Only accuracy is compared, never time. The current runs of a pair are summarised the same way
 * (median over seeds, worst status), and the pair
 *   - regresses when its status is worse (converged < max_iter = stalled < timeout < diverged < error;
 *     skipped must stay skipped), its accuracy exceeds the band (not compared when baseline and
 *     run both timed out: where a run stops then depends on the machine's speed), its objective exceeds
 *     F_base + rtol · max(|F_base|, 1e-300), or (unless accuracy or status improved) its support
 *     size moved by more than nnz_tol;
 *   - is "improved" when its status is better or its accuracy is `factor` times better, and no
 *     regression holds (a better result is never a regression);
 *   - is "missing" when the database has no run of it: reported, and a failure only under --strict.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Status } from '../../problems/types.ts';
import { STATUSES } from '../../problems/types.ts';
import type { ReadStore, RunRow } from '../store/index.ts';
import { UserError } from '../../problems/errors.ts';
import { provenance } from '../env.ts';
import { median } from '../stats.ts';

export type Metric = 'rel_subopt' | 'rel_gap' | 'kkt';

/** Folder of the committed baselines, one per suite. */
export const BASELINES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'baselines');

/** harness/baselines/<suite>.json. */
export function baselinePath(suite: string): string {
  return join(BASELINES_DIR, `${suite}.json`);
}

export interface BaselineEntry {
  readonly family: string;
  readonly dataset: string;
  readonly lambda_ratio: number;
  readonly solver_label: string;
  /** Worst status over the seeds. */
  readonly status: Status;
  /** Number of seeds the expectation summarises (absent in version-1 files: 1). */
  readonly seeds?: number;
  /** Which accuracy measure `value` is (null: none, e.g. skipped or errored runs). */
  readonly metric: Metric | null;
  /** Median over seeds of max(measure, 0). */
  readonly value: number | null;
  /** The run may be this many times less accurate than `value`… */
  readonly factor: number;
  /** …or up to this absolute level, whichever is larger. */
  readonly floor: number;
  /** Median final objective over seeds. */
  readonly objective: number | null;
  readonly objective_rtol: number;
  /** Median support size over seeds. */
  readonly nnz: number | null;
  readonly nnz_tol: number;
}

export interface Baseline {
  readonly version: 1 | 2;
  /** The suite whose runs it describes (version 2). */
  readonly suite?: string | null;
  readonly created_at: string;
  readonly git_commit: string | null;
  readonly description: string;
  readonly entries: readonly BaselineEntry[];
}

/** The current runs of a pair (one per seed) and their summary. */
export interface PairRuns {
  readonly runs: readonly RunRow[];
  readonly status: Status;
  readonly metric: Metric | null;
  readonly value: number | null;
  readonly objective: number | null;
  readonly nnz: number | null;
  readonly reason: string | null;
}

/** Outcome of one pair. */
export interface Comparison {
  readonly pair: string;
  readonly entry: BaselineEntry | null;
  readonly current: PairRuns | null;
  readonly verdict: 'ok' | 'regression' | 'improved' | 'new' | 'missing';
  /** What regressed, one phrase each (with by how much). */
  readonly regressions: readonly string[];
  /** What got better, or notes. */
  readonly notes: readonly string[];
}

/**
 * Statuses from best to worst. `stalled` (stopped on its own before tol) ranks with max_iter:
 * neither reached tol, and runs recorded max_iter before `stalled` existed keep their verdict.
 */
const RANK: Record<Exclude<Status, 'skipped'>, number> = { converged: 0, max_iter: 1, stalled: 1, timeout: 2, diverged: 3, error: 4 };
function rank(s: Status): number {
  return s === 'skipped' ? -1 : RANK[s];
}

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

/** Summary over seeds: worst status, median accuracy (of the most common measure), objective, support size. */
export function summarize(runs: readonly RunRow[]): PairRuns {
  const worst = runs.reduce((w, r) => (r.status === 'skipped' ? w : w === null || rank(r.status) > rank(w.status) ? r : w), null as RunRow | null);
  const status: Status = worst?.status ?? 'skipped';
  const accs = runs.map(accuracyOf).filter((a) => a !== null);
  const metric = (['rel_subopt', 'rel_gap', 'kkt'] as const).find((m) => accs.some((a) => a.metric === m)) ?? null;
  const vals = accs.filter((a) => a.metric === metric).map((a) => Math.max(a.value, 0));
  const objs = runs.map((r) => r.objective).filter((v): v is number => v !== null && Number.isFinite(v));
  const nnzs = runs.map((r) => r.nnz).filter((v): v is number => v !== null);
  return {
    runs,
    status,
    metric: vals.length ? metric : null,
    value: vals.length ? median(vals) : null,
    objective: objs.length ? median(objs) : null,
    nnz: nnzs.length ? median(nnzs) : null,
    reason: (worst ?? runs[0])?.reason ?? null,
  };
}

/** Which runs the gate reads: those of one suite (null: every run, whatever its suite). */
export interface GateScope {
  readonly suite: string | null;
}

/** The current runs of each pair: the newest (highest id) current run of each seed, of the suite in scope. */
export async function currentRuns(store: ReadStore, scope: GateScope = { suite: null }): Promise<Map<string, PairRuns>> {
  const newest = new Map<string, Map<number, RunRow>>();
  // Superseded runs (bench --force) are history; ad-hoc `solve` runs never stand in for a suite's.
  const rows = scope.suite === null ? (await store.runs({ current: true })).filter((r) => r.suite !== 'solve') : await store.runs({ suite: scope.suite, current: true });
  for (const r of rows) {
    if (r.lambda_ratio === null) continue;
    const k = keyOf({ family: r.family, dataset: r.dataset, lambda_ratio: r.lambda_ratio, solver_label: r.solver_label });
    let bySeed = newest.get(k);
    if (!bySeed) newest.set(k, (bySeed = new Map()));
    bySeed.set(r.seed, r);
  }
  const out = new Map<string, PairRuns>();
  for (const [k, bySeed] of newest) out.set(k, summarize([...bySeed.values()]));
  return out;
}

/** A baseline entry from a pair's runs over seeds, with a band that absorbs their spread and machine noise but not regressions. */
export function entryFromRuns(runs: readonly RunRow[]): BaselineEntry {
  const first = runs[0];
  if (!first) throw new Error('entryFromRuns needs at least one run');
  const s = summarize(runs);
  const accs = runs.map(accuracyOf).filter((a) => a !== null && a.metric === s.metric).map((a) => Math.max((a as { value: number }).value, 0));
  const floor = s.metric === 'kkt' ? 1e-10 : 1e-12;
  const value = s.value;
  const spread = value !== null && accs.length > 1 ? Math.max(...accs.map((a) => Math.max(a, floor))) / Math.max(value, floor) : 1;
  const objs = runs.map((r) => r.objective).filter((v): v is number => v !== null && Number.isFinite(v));
  const objSpread = s.objective !== null && objs.length > 1 ? (Math.max(...objs) - s.objective) / Math.max(Math.abs(s.objective), 1e-300) : 0;
  const nnzs = runs.map((r) => r.nnz).filter((v): v is number => v !== null);
  const nnzSpread = s.nnz !== null && nnzs.length > 1 ? Math.max(...nnzs.map((n) => Math.abs(n - (s.nnz as number)))) : 0;
  const converged = s.status === 'converged';
  const baseNnzTol = s.nnz === null ? 0 : converged ? Math.max(1, Math.ceil(0.02 * s.nnz)) : Math.max(2, Math.ceil(0.1 * s.nnz));
  return {
    family: first.family,
    dataset: first.dataset,
    lambda_ratio: ratioKey(first.lambda_ratio ?? NaN),
    solver_label: first.solver_label,
    status: s.status,
    seeds: runs.length,
    metric: s.metric,
    value,
    factor: 10 * Math.max(1, spread),
    floor,
    objective: s.objective,
    // the objective may be worse by 10× the pair's own relative inaccuracy (at least 1e-9, and at least twice the seeds' spread); 1e-4 without a gap or reference (non-convex, float32)
    objective_rtol: s.metric !== null && s.metric !== 'kkt' ? Math.max(1e-9, 10 * (value ?? 0), 2 * objSpread) : Math.max(1e-4, 2 * objSpread),
    nnz: s.nnz,
    nnz_tol: Math.max(baseNnzTol, Math.ceil(2 * nnzSpread)),
  };
}

/** One-run form of {@link entryFromRuns}. */
export function entryFromRun(r: RunRow): BaselineEntry {
  return entryFromRuns([r]);
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v === 0 ? '0' : v.toExponential(2));

/** A single run as the summary of its pair. */
function single(run: RunRow): PairRuns {
  return summarize([run]);
}

/** Compares one baseline entry with the current runs of its pair (a RunRow is taken as a single seed). */
export function compareEntry(entry: BaselineEntry, current: PairRuns | RunRow | null): Comparison {
  const pair = pairName(entry);
  if (current === null) return { pair, entry, current: null, verdict: 'missing', regressions: [], notes: ['missing from the db: no run of this pair'] };
  const cur: PairRuns = 'runs' in current ? current : single(current);
  const bad: string[] = [];
  const good: string[] = [];
  const seedNote = cur.runs.length > 1 ? ` (worst of ${cur.runs.length} seeds)` : '';
  if (entry.status === 'skipped' || cur.status === 'skipped') {
    if (entry.status !== cur.status) {
      (cur.status === 'skipped' ? bad : good).push(`status ${entry.status} → ${cur.status}${cur.reason ? ` (${cur.reason})` : ''}`);
    }
    return { pair, entry, current: cur, verdict: bad.length ? 'regression' : good.length ? 'improved' : 'ok', regressions: bad, notes: good };
  }
  const re = rank(entry.status);
  const ra = rank(cur.status);
  if (ra > re) bad.push(`status ${entry.status} → ${cur.status}${seedNote}${cur.reason ? ` (${cur.reason})` : ''}`);
  else if (ra < re) good.push(`status ${entry.status} → ${cur.status}`);
  // A run that timed out stopped at a machine-dependent point: its accuracy measures the machine, not the solver.
  const bothTimedOut = cur.status === 'timeout' && entry.status === 'timeout';
  const comparable = !bothTimedOut && cur.status !== 'error' && cur.status !== 'diverged' && entry.status !== 'error' && entry.status !== 'diverged';
  let accuracyBetter = false;
  if (comparable && entry.metric !== null && entry.value !== null) {
    if (cur.value === null || cur.metric !== entry.metric) {
      bad.push(`${entry.metric} missing (run has ${cur.metric ?? 'no accuracy measure'}; was the reference optimum lost?)`);
    } else {
      const a = cur.value;
      const limit = Math.max(entry.value * entry.factor, entry.floor);
      if (a > limit) {
        const times = entry.value > 0 ? `${(a / entry.value).toPrecision(3)}× the baseline` : `baseline ${fmt(entry.value)}`;
        bad.push(`${entry.metric} ${fmt(a)} > limit ${fmt(limit)} (${times})`);
      } else if (a * entry.factor < entry.value && entry.value > entry.floor) {
        accuracyBetter = true;
        good.push(`${entry.metric} ${fmt(entry.value)} → ${fmt(a)}`);
      }
    }
  }
  if (comparable && entry.objective !== null && cur.objective !== null) {
    const excess = (cur.objective - entry.objective) / Math.max(Math.abs(entry.objective), 1e-300);
    if (excess > entry.objective_rtol) bad.push(`objective ${cur.objective.toPrecision(12)} > baseline ${entry.objective.toPrecision(12)} by ${fmt(excess)} relative (tolerance ${fmt(entry.objective_rtol)})`);
  } else if (comparable && entry.objective !== null) {
    bad.push('objective missing');
  }
  if (comparable && entry.nnz !== null && cur.nnz !== null && Math.abs(cur.nnz - entry.nnz) > entry.nnz_tol) {
    // A support that moved along with a better status or accuracy is part of the improvement.
    (accuracyBetter || ra < re ? good : bad).push(`support size ${entry.nnz} → ${cur.nnz} (tolerance ±${entry.nnz_tol})`);
  }
  return { pair, entry, current: cur, verdict: bad.length ? 'regression' : good.length ? 'improved' : 'ok', regressions: bad, notes: good.length || !bothTimedOut ? good : ['timed out again: accuracy not compared (it depends on the machine speed)'] };
}

/** Compares the whole baseline; db pairs absent from the baseline are reported as `new`. */
export async function compareBaseline(baseline: Baseline, store: ReadStore, scope?: GateScope): Promise<Comparison[]> {
  const current = await currentRuns(store, scope ?? { suite: baseline.suite ?? null });
  const out: Comparison[] = [];
  const seen = new Set<string>();
  for (const e of baseline.entries) {
    const k = keyOf(e);
    seen.add(k);
    out.push(compareEntry(e, current.get(k) ?? null));
  }
  for (const [k, c] of current) {
    if (seen.has(k)) continue;
    const r = c.runs[0] as RunRow;
    out.push({ pair: pairName({ ...r, lambda_ratio: r.lambda_ratio as number }), entry: null, current: c, verdict: 'new', regressions: [], notes: ['not in the baseline'] });
  }
  return out;
}

/** A baseline from the current runs of every pair of a suite (null: of every run). */
export async function baselineFromDb(store: ReadStore, description: string, suite: string | null = null): Promise<Baseline> {
  const current = [...(await currentRuns(store, { suite })).values()];
  if (current.length === 0) {
    throw new UserError(`${store.path} holds no runs${suite === null ? '' : ` of suite ${suite}`}; run \`l1bench bench${suite === null ? '' : ` --suite ${suite}`}\` first, then check --update`);
  }
  const entries = current.map((c) => entryFromRuns(c.runs)).sort((a, b) => pairName(a).localeCompare(pairName(b)));
  return { version: 2, suite, created_at: new Date().toISOString(), git_commit: provenance().gitCommit, description, entries };
}

export function writeBaseline(path: string, b: Baseline): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
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
    if (code === 'ENOENT' && !existsSync(path)) throw new UserError(`no baseline at ${path}; create it with \`l1bench check --update\` after a bench run, or pass --baseline FILE`);
    throw new UserError(code ? `cannot read baseline ${path} (${code}); check the path or create one with --update` : `baseline ${basename(path)} is not valid JSON: ${(e as Error).message}`);
  }
  const fail = (where: string, msg: string): never => {
    throw new UserError(`baseline ${basename(path)}: ${where} ${msg}`);
  };
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { entries?: unknown }).entries)) fail('(top level)', 'must be an object with an "entries" array');
  const b = json as { version?: unknown; suite?: unknown; entries: unknown[] };
  if (b.version !== 1 && b.version !== 2) fail('version', `must be 1 or 2, got ${JSON.stringify(b.version)}`);
  if (b.suite !== undefined && b.suite !== null && typeof b.suite !== 'string') fail('suite', 'must be a suite name or null');
  b.entries.forEach((e, i) => {
    const at = `entries[${i}]`;
    if (typeof e !== 'object' || e === null) fail(at, 'must be an object');
    const o = e as Record<string, unknown>;
    for (const k of ['family', 'dataset', 'solver_label'] as const) if (typeof o[k] !== 'string') fail(`${at}.${k}`, 'must be a string');
    if (typeof o['lambda_ratio'] !== 'number') fail(`${at}.lambda_ratio`, 'must be a number');
    if (typeof o['status'] !== 'string' || !(STATUSES as readonly string[]).includes(o['status'])) fail(`${at}.status`, `must be one of ${STATUSES.join(', ')}`);
    for (const k of ['factor', 'floor', 'objective_rtol', 'nnz_tol'] as const) {
      if (typeof o[k] !== 'number' || !((o[k] as number) >= 0)) fail(`${at}.${k}`, 'must be a number ≥ 0');
    }
    if (o['seeds'] !== undefined && (typeof o['seeds'] !== 'number' || !Number.isInteger(o['seeds']) || o['seeds'] < 1)) fail(`${at}.seeds`, 'must be a positive integer');
    for (const k of ['value', 'objective', 'nnz'] as const) if (o[k] !== null && typeof o[k] !== 'number') fail(`${at}.${k}`, 'must be a number or null');
    if (o['metric'] !== null && !['rel_subopt', 'rel_gap', 'kkt'].includes(o['metric'] as string)) fail(`${at}.metric`, 'must be rel_subopt, rel_gap, kkt or null');
  });
  return json as Baseline;
}

/** The comparison as a text table plus the regression, missing and improvement lines. */
export function formatComparisons(cs: readonly Comparison[], strict = false): string {
  const rows = cs.map((c) => {
    const e = c.entry;
    const r = c.current;
    return [
      c.verdict === 'regression' ? 'REGRESSION' : c.verdict === 'missing' && strict ? 'MISSING' : c.verdict,
      c.pair,
      `${e?.status ?? '—'} → ${r?.status ?? 'missing'}`,
      e?.metric ? `${e.metric} ${fmt(e.value)} → ${r && r.metric === e.metric ? fmt(r.value) : '—'}` : '—',
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
  const missing = cs.filter((c) => c.verdict === 'missing');
  if (missing.length) {
    out.push('', `${missing.length} baseline pair(s) missing from the db${strict ? ' (a failure under --strict)' : ' (not a failure; --strict makes it one)'}:`);
    for (const c of missing) out.push(`  ${c.pair}`);
  }
  const improved = cs.filter((c) => c.verdict === 'improved');
  if (improved.length) {
    out.push('', `${improved.length} improvement(s) (consider \`check --update\`):`);
    for (const c of improved) out.push(`  ${c.pair}: ${c.notes.join('; ')}`);
  }
  return out.join('\n') + '\n';
}
