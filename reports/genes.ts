/**
 * The gene-selection page and figure: results.db (family `gene-selection`, one run per method ×
 * split, one trace row per λ of its path; harness/genes/path.ts) → accuracy against the number of
 * selected genes.
 *
 * - Curve of a method on a dataset: for each λ index k of the path, x = mean over splits of |S_k|,
 *   y = mean over splits of the test accuracy at k (band: ± one standard deviation), penalized
 *   and after "select then refit"; only indices present in every split and with mean |S| ≥ 1
 *   (the axis is logarithmic). The dense network is one point at every gene.
 * - Accuracy at a gene budget G (≤ 10, 50, 200): in each split, among the λ with 1 ≤ |S| ≤ G, the
 *   one with the best validation accuracy (ties: fewer genes), then its test accuracy — λ is
 *   chosen on validation data, never on test data; mean ± std over the splits that have such a λ
 *   (their count is shown when some split has none).
 * - Recall on simulations at ≤ 20 genes: in each split the λ of the path with the largest set
 *   1 ≤ |S| ≤ 20 (ties: the later λ), recall |S ∩ T|/|T| and precision |S ∩ T|/|S| there; mean ± std.
 * - Most often picked genes: the selected set at each run's reported point (best validation
 *   accuracy of the penalized model), counted over splits, with the dataset's feature names.
 */
import { sql } from 'kysely';
import { openReadOnly, type ReadStore } from '../harness/store/index.ts';
import { CHART_CONFIG, LOG_AXIS } from './style.ts';
import { VL_SCHEMA as SCHEMA } from './specs.ts';

const FAMILY = 'gene-selection';

/** One λ of a stored path (the trace row's extras; see PathPoint in harness/genes/path.ts). */
export interface GenePoint {
  readonly k: number;
  readonly genes: number;
  readonly lambdaRatio: number;
  readonly valAcc: number;
  readonly testAcc: number;
  readonly refitValAcc: number;
  readonly refitTestAcc: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly selected: number[] | null;
}

/** One stored path: a method on one split of one dataset. */
export interface GeneRun {
  readonly id: number;
  readonly dataset: string;
  readonly method: string;
  /** Solver registry name (`dense` has no λ path). */
  readonly solver: string;
  readonly split: number;
  readonly status: string;
  readonly reason: string | null;
  readonly seconds: number | null;
  readonly wallSeconds: number | null;
  readonly points: GenePoint[];
  /** Names of the genes selected at the reported point (null when more than the listed maximum). */
  readonly bestNames: string[] | null;
  readonly hasTruth: boolean;
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** The gene-selection runs of the database, the newest of each (dataset, method, split). */
export async function loadGeneRuns(store: ReadStore): Promise<GeneRun[]> {
  const rows = await store.db.selectFrom('runs').selectAll().where('family', '=', FAMILY).orderBy('id').execute();
  if (rows.length === 0) return [];
  const { rows: pts } = await sql<{ run_id: number; k: number; extras: string | null }>`
    select t.run_id, t.k, t.extras from trace t join runs r on r.id = t.run_id where r.family = ${FAMILY} order by t.run_id, t.k`.execute(store.db);
  const byRun = new Map<number, GenePoint[]>();
  for (const p of pts) {
    const e = parseJson<Omit<GenePoint, 'k'>>(p.extras);
    if (!e || typeof e.genes !== 'number') continue;
    const list = byRun.get(p.run_id) ?? [];
    list.push({ ...e, k: p.k });
    byRun.set(p.run_id, list);
  }
  const newest = new Map<string, GeneRun>();
  for (const r of rows) {
    const ex = parseJson<{ best?: { names?: string[] | null } | null; trueSupport?: number[] }>(r.extras) ?? {};
    const run: GeneRun = {
      id: r.id,
      dataset: r.dataset,
      method: r.solver_label,
      solver: r.solver,
      split: r.seed,
      status: r.status,
      reason: r.reason,
      seconds: r.solver_seconds,
      wallSeconds: r.wall_seconds,
      points: byRun.get(r.id) ?? [],
      bestNames: ex.best?.names ?? null,
      hasTruth: Array.isArray(ex.trueSupport),
    };
    newest.set(JSON.stringify([r.dataset, r.solver_label, r.seed]), run);
  }
  return [...newest.values()];
}

/** Opens the database read-only and loads the gene-selection runs. */
export async function readGeneRuns(dbPath: string): Promise<GeneRun[]> {
  const store = await openReadOnly(dbPath);
  try {
    return await loadGeneRuns(store);
  } finally {
    await store.close();
  }
}

/** Mean and (sample) standard deviation; std 0 for one value, NaN for none. */
export function meanStd(xs: readonly number[]): { mean: number; std: number; n: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = xs.reduce((s, v) => s + v, 0) / n;
  const v = n > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v), n };
}

/** The point a split reports under a budget of G genes (module comment), or null. */
export function pointAtBudget(points: readonly GenePoint[], G: number, refit: boolean): GenePoint | null {
  let best: GenePoint | null = null;
  const val = (p: GenePoint): number => (refit ? p.refitValAcc : p.valAcc);
  for (const p of points) {
    if (p.genes < 1 || p.genes > G || !Number.isFinite(val(p))) continue;
    if (best === null || val(p) > val(best) || (val(p) === val(best) && p.genes < best.genes)) best = p;
  }
  return best;
}

/** The point of the path with the largest set 1 ≤ |S| ≤ G (ties: the later point), or null. */
export function lastWithin(points: readonly GenePoint[], G: number): GenePoint | null {
  // the largest set within the budget (ties: the later point), whichever way the path ran
  let out: GenePoint | null = null;
  for (const p of points) if (p.genes >= 1 && p.genes <= G && (out === null || p.genes >= out.genes)) out = p;
  return out;
}

export const BUDGETS: readonly number[] = [10, 50, 200];
export const RECALL_BUDGET = 20;

export interface Cell {
  readonly mean: number;
  readonly std: number;
  /** Splits that contributed / splits of the method. */
  readonly n: number;
  readonly of: number;
}

export interface MethodSummary {
  readonly method: string;
  readonly splits: number;
  readonly statuses: Record<string, number>;
  readonly dense: boolean;
  /** Per budget: penalized and refitted test accuracy. */
  readonly budgets: { readonly G: number; readonly pen: Cell; readonly refit: Cell }[];
  /** The dense network's (or the last λ's) accuracy with every gene. */
  readonly allGenes: Cell | null;
  readonly recall: Cell | null;
  readonly precision: Cell | null;
  readonly seconds: Cell;
  readonly topGenes: { readonly name: string; readonly count: number }[];
}

export interface DatasetSummary {
  readonly dataset: string;
  readonly methods: MethodSummary[];
  readonly hasTruth: boolean;
  /** Curve rows: method, kind (penalized | refitted), genes, mean, lo, hi. */
  readonly curve: { m: string; kind: string; genes: number; acc: number; lo: number; hi: number }[];
}

function cell(values: readonly number[], of: number): Cell {
  const s = meanStd(values);
  return { mean: s.mean, std: s.std, n: s.n, of };
}

/** Aggregates runs into per-dataset summaries (module comment). */
export function summarizeGenes(runs: readonly GeneRun[]): DatasetSummary[] {
  const datasets = [...new Set(runs.map((r) => r.dataset))].sort();
  return datasets.map((dataset) => {
    const here = runs.filter((r) => r.dataset === dataset);
    const methods = [...new Set(here.map((r) => r.method))];
    const curve: DatasetSummary['curve'] = [];
    const summaries = methods.map((method): MethodSummary => {
      const rs = here.filter((r) => r.method === method).sort((a, b) => a.split - b.split);
      const dense = rs.every((r) => r.solver === 'dense');
      const statuses: Record<string, number> = {};
      for (const r of rs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const ok = rs.filter((r) => r.points.length > 0);
      const budgets = BUDGETS.map((G) => {
        const pen = ok.map((r) => pointAtBudget(r.points, G, false)).filter((p): p is GenePoint => p !== null).map((p) => p.testAcc);
        const ref = ok.map((r) => pointAtBudget(r.points, G, true)).filter((p): p is GenePoint => p !== null).map((p) => p.refitTestAcc);
        return { G, pen: cell(pen, rs.length), refit: cell(ref, rs.length) };
      });
      const lastPts = ok.map((r) => r.points[r.points.length - 1] as GenePoint);
      const allGenes = dense ? cell(lastPts.map((p) => p.testAcc), rs.length) : null;
      const truth = !dense && rs.some((r) => r.hasTruth);
      const within = truth ? ok.map((r) => lastWithin(r.points, RECALL_BUDGET)) : [];
      const recall = truth ? cell(within.map((p) => (p === null ? 0 : (p.recall ?? 0))), rs.length) : null;
      const precision = truth ? cell(within.filter((p): p is GenePoint => p !== null && p.precision !== null).map((p) => p.precision as number), rs.length) : null;
      const counts = new Map<string, number>();
      for (const r of rs) for (const name of r.bestNames ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
      const topGenes = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([name, count]) => ({ name, count }));
      // curve by λ index over the splits that have it
      if (ok.length > 0) {
        const K = Math.min(...ok.map((r) => r.points.length));
        for (let k = 0; k < K; k++) {
          const pts = ok.map((r) => r.points[k] as GenePoint);
          const g = meanStd(pts.map((p) => p.genes)).mean;
          if (!(g >= 1)) continue;
          for (const [kind, acc] of [['penalized', (p: GenePoint) => p.testAcc], ['refitted', (p: GenePoint) => p.refitTestAcc]] as const) {
            if (dense && kind === 'refitted') continue;
            const s = meanStd(pts.map(acc));
            curve.push({ m: method, kind, genes: g, acc: s.mean, lo: s.mean - s.std, hi: s.mean + s.std });
          }
        }
      }
      return {
        method,
        splits: rs.length,
        statuses,
        dense,
        budgets,
        allGenes,
        recall,
        precision,
        seconds: cell(rs.map((r) => r.seconds ?? NaN).filter(Number.isFinite), rs.length),
        topGenes,
      };
    });
    return { dataset, methods: summaries, hasTruth: here.some((r) => r.hasTruth), curve };
  });
}

/** Vega-Lite spec: test accuracy against number of selected genes (log), per method, mean ± std over splits. */
export function accuracyGenesSpec(ds: DatasetSummary, opts: { width?: number; height?: number; title?: string } = {}): Record<string, unknown> {
  const enc = {
    x: { field: 'genes', type: 'quantitative', title: 'selected genes (mean over splits, log)', scale: { type: 'log' }, axis: LOG_AXIS },
    color: { field: 'm', type: 'nominal', title: 'method' },
  };
  return {
    $schema: SCHEMA,
    ...(opts.title ? { title: opts.title } : {}),
    data: { values: ds.curve },
    facet: { column: { field: 'kind', type: 'nominal', title: null, sort: ['penalized', 'refitted'] } },
    spec: {
      width: opts.width ?? 300,
      height: opts.height ?? 240,
      layer: [
        { mark: { type: 'area', opacity: 0.15 }, encoding: { ...enc, y: { field: 'lo', type: 'quantitative', title: 'test accuracy (mean ± std over splits)', scale: { domain: [0, 1] } }, y2: { field: 'hi' } } },
        { mark: { type: 'line', point: { filled: true, size: 30 } }, encoding: { ...enc, y: { field: 'acc', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { y: 'shared' } },
    config: CHART_CONFIG,
  };
}

const DASH = '—';

/** "0.973 ± 0.012" (with "(n/of)" when some split had no point), or a dash. */
export function cellText(c: Cell | null, digits = 3): string {
  if (c === null || c.n === 0 || !Number.isFinite(c.mean)) return DASH;
  const base = `${c.mean.toFixed(digits)} ± ${c.std.toFixed(digits)}`;
  return c.n < c.of ? `${base} (${c.n}/${c.of})` : base;
}

/** The template context of the gene-selection page (reports/templates/genes.hbs). */
export function genePageContext(runs: readonly GeneRun[], chartJson: (spec: Record<string, unknown>) => string): Record<string, unknown> {
  const summaries = summarizeGenes(runs);
  const secs = (c: Cell): string => (c.n === 0 ? DASH : Number(c.mean.toPrecision(3)).toString());
  return {
    runCount: runs.length,
    budgets: BUDGETS,
    recallBudget: RECALL_BUDGET,
    datasets: summaries.map((ds, i) => ({
      anchor: `g${i + 1}`,
      dataset: ds.dataset,
      hasTruth: ds.hasTruth,
      chartId: ds.curve.length > 0 ? `genes-chart-${i + 1}` : null,
      chartJson: ds.curve.length > 0 ? chartJson({ spec: accuracyGenesSpec(ds), data: {} }) : '',
      methods: ds.methods.map((m) => ({
        method: m.method,
        splits: m.splits,
        statuses: Object.entries(m.statuses).map(([status, count]) => ({ status, count })),
        cells: m.budgets.flatMap((b) => (m.dense ? [DASH, DASH] : [cellText(b.pen), cellText(b.refit)])),
        allGenes: cellText(m.allGenes),
        recall: cellText(m.recall, 2),
        precision: cellText(m.precision, 2),
        seconds: secs(m.seconds),
        topGenes: m.topGenes,
      })),
      notOk: runs
        .filter((r) => r.dataset === ds.dataset && r.status !== 'converged' && r.status !== 'max_iter')
        .map((r) => ({ method: r.method, split: r.split, status: r.status, reason: r.reason ?? '(no reason recorded)' })),
    })),
  };
}
