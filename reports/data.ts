/**
 * Queries: results.db → the plain data the report is drawn from (runs grouped into problem
 * families and instances, traces as relative quantities, provenance). Nothing else is read.
 *
 * Relative quantities of a trace point (the report's y axes):
 * - rel. suboptimality  (F(x_k) − F*) / |F*|  from trace.subopt and the run's F*
 *   (runs.reference_objective; when a run has none but the `reference` table has F* for its
 *   instance, F(x_k) − F* is computed from trace.objective with that F*);
 * - rel. duality gap    gap_k / |F(x_k)|       (the harness's rel_gap convention);
 * - KKT violation       kkt_k                  (absolute; every problem has it).
 */
import { describeAdapter, type AdapterInfo } from '../problems/tensor/names.ts';
import { sql } from 'kysely';
import { openReadOnly, type ReadStore, type RunRow } from '../harness/store/index.ts';
import { NNZ_TAUS, nnzKey, type Status } from '../problems/types.ts';

/** Statuses whose curves are complete (the solver ended normally: converged, used its budget, or stopped on its own). */
export const COMPLETE: readonly Status[] = ['converged', 'max_iter', 'stalled'];

/** Human names of the problem families (figure titles). */
const FAMILY_TITLES: Readonly<Record<string, string>> = {
  lasso: 'Lasso',
  'group-lasso': 'Group lasso',
  logistic: 'Sparse logistic regression',
  multinomial: 'Sparse multinomial regression',
  'multinomial-group': 'Group-sparse multinomial regression',
  mlp: 'Sparse MLP',
};

/** "Lasso" for lasso; other names as they are. */
export function familyTitle(family: string): string {
  return FAMILY_TITLES[family] ?? family;
}

/** A dataset as titles show it: a file path by its file name (no "lasso//path/…"), other names as they are. */
export function datasetLabel(dataset: string): string {
  if (!dataset.includes('/') && !dataset.includes('\\')) return dataset;
  const parts = dataset.split(/[\\/]+/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? dataset;
}

/** What `test_metric` is: the accuracy of the final iterate on the held-out test split (NN families). */
export const TEST_METRIC_NAME = 'test accuracy';

/**
 * A max_iter run that ended well short of its budget stopped on its own (a line search that
 * failed, a homotopy that ended): the report names it so instead of "max_iter".
 */
export function stoppedEarly(r: { status: string; iterations: number | null; maxIter: number }): boolean {
  return r.status === 'max_iter' && r.iterations !== null && r.iterations < r.maxIter;
}

/** A run as the report sees it. */
export interface ReportRun {
  readonly id: number;
  readonly family: string;
  readonly dataset: string;
  /** Key of its instance (the instance hash, or a stand-in when the problem was never built). */
  readonly instance: string;
  readonly solver: string;
  readonly label: string;
  readonly params: string;
  readonly seed: number;
  /** Suite the run was recorded under (`solve` for ad-hoc solves; null for runs made before suites were recorded). */
  readonly suite: string | null;
  /** Whether the run is its job key's current run (false: superseded by `bench --force`, kept as history). */
  readonly current: boolean;
  readonly status: Status;
  readonly reason: string | null;
  readonly objective: number | null;
  readonly relSubopt: number | null;
  readonly gap: number | null;
  readonly relGap: number | null;
  readonly kkt: number | null;
  readonly nnz: number | null;
  readonly seconds: number | null;
  readonly iterations: number | null;
  readonly testMetric: number | null;
  readonly tau: number;
  /** Final support size at each τ of NNZ_TAUS (null where not recorded), in that order. */
  readonly nnzAt: (number | null)[];
  /** Iteration budget of the run. */
  readonly maxIter: number;
  readonly engine: string;
  readonly backend: string | null;
  /** The device behind the backend: the WebGPU adapter (from the run's extras), labelled; null if none. */
  readonly device?: string | null;
  readonly commit: string | null;
  readonly dirty: boolean;
  readonly startedAt: string;
  readonly machine: string;
  readonly nodeVersion: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly referenceKind: 'certified' | 'best-seen' | null;
  readonly trace: ReportTrace;
}

/** A run's trace, columnwise (relative quantities; null where unknown). */
export interface ReportTrace {
  readonly k: number[];
  readonly t: number[];
  readonly subopt: (number | null)[];
  readonly gap: (number | null)[];
  readonly kkt: (number | null)[];
  readonly nnz: (number | null)[];
  readonly test: (number | null)[];
}

/** A problem instance: family × data × λ (× penalty structure). */
export interface ReportInstance {
  readonly key: string;
  readonly family: string;
  readonly dataset: string;
  readonly lambda: number | null;
  readonly lambdaRatio: number | null;
  readonly nSamples: number | null;
  readonly nFeatures: number | null;
  readonly dim: number | null;
  /** Whether the problem was built (false: every run failed before it existed). */
  readonly built: boolean;
  /** F* and how it was obtained ('certified' only if every run's F* is certified). */
  readonly reference: number | null;
  readonly referenceKind: 'certified' | 'best-seen' | null;
  /**
   * Current runs: among runs that are their job key's current run, the newest of each
   * (suite, solver label, seed) (by start time, then id) — so an ad-hoc `solve` (suite 'solve')
   * never replaces a suite's run.
   */
  readonly runs: ReportRun[];
  /** Older runs of the same (solver label, seed), e.g. from earlier commits (History page). */
  readonly superseded: ReportRun[];
}

export interface ReportFamily {
  readonly name: string;
  readonly instances: ReportInstance[];
  /** Current runs of its instances. */
  readonly runs: ReportRun[];
}

/** Everything the report draws. */
export interface ReportData {
  readonly dbPath: string;
  /** Every run, superseded ones included. */
  readonly runs: ReportRun[];
  readonly families: ReportFamily[];
  readonly instances: ReportInstance[];
  /** Solver labels in first-seen order. */
  readonly labels: string[];
  readonly datasets: string[];
  /** Suites in the database (null: runs recorded without one), the one drawn by default first. */
  readonly suites: (string | null)[];
  /** The suite these families and instances show (undefined: every run, whatever its suite). */
  readonly suite?: string | null;
  /** Store rows behind `runs`, in the same order (for {@link forSuite}). */
  readonly rows: readonly RunRow[];
  /** Reference optima by instance hash. */
  readonly refByHash: RefMap;
}

function parseVersions(text: string): Record<string, string> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val);
    return out;
  } catch {
    return {};
  }
}

/** A trace row as read: [run_id, k, time, objective, subopt, gap, kkt, nnz, test_metric]. */
type TraceTuple = [number, number, number, number | null, number | null, number | null, number | null, number | null, number | null];

interface TracePoint {
  readonly k: number;
  readonly time: number;
  readonly objective: number | null;
  readonly subopt: number | null;
  readonly gap: number | null;
  readonly kkt: number | null;
  readonly nnz: number | null;
  readonly test_metric: number | null;
}

/**
 * Every trace point, grouped by run and ordered by k. SQLite packs the rows into one JSON text
 * (json_group_array): node-sqlite3 builds one JS object per row, ~25 µs each, which dominated
 * the report's time on large databases; one JSON.parse is ~20× faster. ±Infinity, which JSON
 * cannot carry, comes back as null there, so those rare points are re-read as rows.
 */
async function loadTraces(store: ReadStore): Promise<Map<number, TracePoint[]>> {
  const { rows } = await sql<{ j: string | null }>`
    select json_group_array(json_array(run_id, k, time, objective, subopt, gap, kkt, nnz, test_metric)) as j
    from (select * from trace order by run_id, k)`.execute(store.db);
  const tuples = JSON.parse(rows[0]?.j ?? '[]') as TraceTuple[];
  const out = new Map<number, TracePoint[]>();
  for (const [run_id, k, time, objective, subopt, gap, kkt, nnz, test_metric] of tuples) {
    let list = out.get(run_id);
    if (!list) out.set(run_id, (list = []));
    list.push({ k, time, objective, subopt, gap, kkt, nnz, test_metric });
  }
  const infinite = await store.db
    .selectFrom('trace')
    .select(['run_id', 'k', 'time', 'objective', 'subopt', 'gap', 'kkt', 'nnz', 'test_metric'])
    .where((eb) => eb.or(['time', 'objective', 'subopt', 'gap', 'kkt', 'test_metric'].map((c) => eb(sql.ref(c), 'in', [Infinity, -Infinity]))))
    .execute();
  for (const p of infinite) {
    const list = out.get(p.run_id) ?? [];
    const i = list.findIndex((q) => q.k === p.k);
    if (i >= 0) list[i] = p;
  }
  for (const list of out.values()) list.sort((a, b) => a.k - b.k);
  return out;
}

function instanceKey(r: RunRow): string {
  return r.instance_hash ?? `unbuilt:${JSON.stringify([r.family, r.dataset, r.lambda_ratio ?? r.lambda])}`;
}

/** Reads every run, its trace and the reference optima from the store. */
export async function loadReportData(store: ReadStore): Promise<ReportData> {
  const rows = await store.db.selectFrom('runs').selectAll().orderBy('id').execute();
  const refs = await store.db.selectFrom('reference').select(['instance_hash', 'objective', 'certified']).execute();
  const refByHash = new Map(refs.map((r) => [r.instance_hash, r]));
  const traces = await loadTraces(store);
  const runs: ReportRun[] = rows.map((r) => {
    const pts = traces.get(r.id) ?? [];
    // F* of this run: its own, else the instance's stored reference.
    let fStar = r.reference_objective;
    let kind = r.reference_kind;
    const fromTable = fStar === null && r.instance_hash !== null ? refByHash.get(r.instance_hash) : undefined;
    if (fromTable) {
      fStar = fromTable.objective;
      kind = fromTable.certified ? 'certified' : 'best-seen';
    }
    const scale = fStar === null ? null : Math.max(Math.abs(fStar), 1e-300);
    const trace: ReportTrace = { k: [], t: [], subopt: [], gap: [], kkt: [], nnz: [], test: [] };
    for (const p of pts) {
      trace.k.push(p.k);
      trace.t.push(p.time);
      const sub = p.subopt ?? (fromTable && p.objective !== null ? p.objective - fromTable.objective : null);
      trace.subopt.push(sub === null || scale === null ? null : sub / scale);
      trace.gap.push(p.gap === null || p.objective === null ? null : p.gap / Math.max(Math.abs(p.objective), 1e-300));
      trace.kkt.push(p.kkt);
      trace.nnz.push(p.nnz);
      trace.test.push(p.test_metric);
    }
    let relSubopt = r.rel_subopt;
    if (relSubopt === null && fromTable && r.objective !== null && scale !== null) relSubopt = (r.objective - fromTable.objective) / scale;
    return {
      id: r.id,
      family: escapeBidi(r.family),
      dataset: escapeBidi(r.dataset),
      instance: instanceKey(r),
      solver: r.solver,
      label: escapeBidi(r.solver_label),
      params: r.params,
      seed: r.seed,
      suite: r.suite,
      current: r.current === 1,
      status: r.status,
      reason: r.reason === null ? null : escapeBidi(r.reason),
      objective: r.objective,
      relSubopt,
      gap: r.gap,
      relGap: r.rel_gap,
      kkt: r.kkt,
      nnz: r.nnz,
      seconds: r.solver_seconds,
      iterations: r.iterations,
      testMetric: r.test_metric,
      tau: r.tau,
      nnzAt: nnzAtOf(r.extras),
      maxIter: r.max_iter,
      engine: r.engine,
      backend: r.backend,
      device: deviceOf(r.extras),
      commit: r.git_commit,
      dirty: r.git_dirty === 1,
      startedAt: r.started_at,
      machine: r.machine,
      nodeVersion: r.node_version,
      versions: parseVersions(r.versions),
      referenceKind: fStar === null ? null : kind,
      trace,
    };
  });

  return assemble(store.path, rows, runs, refByHash);
}

/** The report's view of one suite's runs (`suite` null: runs recorded without a suite). */
export function forSuite(data: ReportData, suite: string | null): ReportData {
  const keep = data.rows.map((r) => r.suite === suite);
  const out = assemble(data.dbPath, data.rows.filter((_, i) => keep[i]), data.runs.filter((_, i) => keep[i]), data.refByHash);
  return { ...out, suites: data.suites, suite };
}

type RefMap = ReadonlyMap<string, { objective: number; certified: number }>;

/** Groups runs (and their rows, in the same order) into instances and families. */
function assemble(dbPath: string, rows: readonly RunRow[], runs: readonly ReportRun[], refByHash: RefMap): ReportData {
  const byInstance = new Map<string, { rows: RunRow[]; runs: ReportRun[] }>();
  rows.forEach((r, i) => {
    const key = instanceKey(r);
    let g = byInstance.get(key);
    if (!g) byInstance.set(key, (g = { rows: [], runs: [] }));
    g.rows.push(r);
    g.runs.push(runs[i] as ReportRun);
  });
  const instances: ReportInstance[] = [];
  for (const [key, g] of byInstance) {
    const first = g.rows.find((r) => r.instance_hash !== null) ?? (g.rows[0] as RunRow);
    const kinds = g.runs.map((r) => r.referenceKind).filter((k) => k !== null);
    const refRow = first.instance_hash !== null ? refByHash.get(first.instance_hash) : undefined;
    const withRef = g.rows.find((r) => r.reference_objective !== null);
    // Newest current run per (suite, label, seed): later start wins, then the larger id; a run
    // superseded by `bench --force` (runs.current = 0) is history.
    const newest = new Map<string, ReportRun>();
    for (const r of g.runs) {
      if (!r.current) continue;
      const key = JSON.stringify([r.suite, r.label, r.seed]);
      const cur = newest.get(key);
      if (!cur || r.startedAt > cur.startedAt || (r.startedAt === cur.startedAt && r.id > cur.id)) newest.set(key, r);
    }
    const current = new Set(newest.values());
    instances.push({
      key,
      family: escapeBidi(first.family),
      dataset: escapeBidi(first.dataset),
      lambda: first.lambda,
      lambdaRatio: first.lambda_ratio,
      nSamples: first.n_samples,
      nFeatures: first.n_features,
      dim: first.dim,
      built: first.instance_hash !== null,
      reference: withRef?.reference_objective ?? refRow?.objective ?? null,
      referenceKind: kinds.length === 0 ? null : kinds.every((k) => k === 'certified') ? 'certified' : 'best-seen',
      runs: g.runs.filter((r) => current.has(r)),
      superseded: g.runs.filter((r) => !current.has(r)),
    });
  }
  // Instances: by family, then dataset, then λ ratio (descending: the easy end of a path first).
  instances.sort(
    (a, b) =>
      cmp(a.family, b.family) || cmp(a.dataset, b.dataset) || (b.lambdaRatio ?? b.lambda ?? 0) - (a.lambdaRatio ?? a.lambda ?? 0) || cmp(a.key, b.key),
  );
  const families: ReportFamily[] = [];
  for (const inst of instances) {
    let fam = families.find((f) => f.name === inst.family);
    if (!fam) families.push((fam = { name: inst.family, instances: [], runs: [] }));
    fam.instances.push(inst);
    fam.runs.push(...inst.runs);
  }
  const labels = [...new Set(runs.map((r) => r.label))];
  const datasets = [...new Set(runs.map((r) => r.dataset))].sort(cmp); // already escaped (escapeBidi)
  return { dbPath, runs: [...runs], families, instances, labels, datasets, suites: suitesOf(rows), rows, refByHash };
}

/** Suites of the rows: 'default' first if present, else the suite of the newest run that has one; then by name (null last). */
function suitesOf(rows: readonly RunRow[]): (string | null)[] {
  const names = [...new Set(rows.map((r) => r.suite))];
  // Ad-hoc runs (no suite, or `solve`) are shown by default only when there is nothing else.
  const planned = rows.filter((r) => r.suite !== null && r.suite !== 'solve');
  const newest = (planned.length ? planned : rows).reduce((n, r) => (n === null || r.started_at > n.started_at || (r.started_at === n.started_at && r.id > n.id) ? r : n), null as RunRow | null);
  const first = names.includes('default') ? 'default' : (newest?.suite ?? null);
  const rest = names.filter((n) => n !== first).sort((a, b) => (a === null ? 1 : b === null ? -1 : cmp(a, b)));
  return names.length === 0 ? [] : [first, ...rest];
}

/** Support sizes at NNZ_TAUS from a run's extras JSON. */
function nnzAtOf(extras: string | null): (number | null)[] {
  let o: Record<string, unknown> = {};
  try {
    const v = extras === null ? null : (JSON.parse(extras) as unknown);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) o = v as Record<string, unknown>;
  } catch {
    /* no extras */
  }
  return NNZ_TAUS.map((t) => {
    const n = o[nnzKey(t)];
    return typeof n === 'number' ? n : null;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Opens results.db read-only, loads everything a report or figure needs, and closes it. */
export async function readReportData(dbPath: string): Promise<ReportData> {
  const store = await openReadOnly(dbPath);
  try {
    return await loadReportData(store);
  } finally {
    await store.close();
  }
}

/**
 * The WebGPU adapter recorded in a run's extras, as one line ("GPU: nvidia / …" or
 * "software adapter (not a GPU): mesa / …"), or null when the run recorded none.
 */
export function deviceOf(extras: string | null | undefined): string | null {
  if (!extras) return null;
  try {
    const a = (JSON.parse(extras) as { adapter?: Partial<AdapterInfo> }).adapter;
    if (!a || typeof a !== 'object') return null;
    return describeAdapter({ vendor: String(a.vendor ?? ''), architecture: String(a.architecture ?? ''), description: String(a.description ?? ''), isFallbackAdapter: a.isFallbackAdapter === true });
  } catch {
    return null;
  }
}

/**
 * Data-derived names (paths, labels, reasons) with bidirectional-control and other invisible
 * format characters written as visible `\uXXXX` escapes, so that a name cannot display as
 * something else (a U+202E RIGHT-TO-LEFT OVERRIDE makes `d4/\u202Egnp.csv` look like `d4/vsc.png`).
 * Escaped: U+061C, U+200E–200F, U+202A–202E, U+2066–2069 (bidi controls) and U+200B–200D, U+2060,
 * U+FEFF (zero-width characters).
 */
export function escapeBidi(s: string): string {
  return s.replace(BIDI, (c) => `\\u${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`);
}

const BIDI = /[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;
