/**
 * The compression page and figure (issue 9): test accuracy against compression ratio per method
 * for the nn-compression runs, read from results.db (runs.extras.protocol, written by the
 * harness's protocol step after each run: solvers/tensor/protocol.ts).
 *
 * - A point is one (method configuration, λ) over its seeds: x = mean compression ratio
 *   total/nnz (weights only, at the run's τ; log axis), y = mean final-epoch test accuracy, bars =
 *   mean ± std over seeds; hollow = after training (threshold at τ), filled = after threshold +
 *   fine-tune. The dense network's mean accuracy is the dashed line.
 * - The per-layer table: nonzero fraction of each weight matrix at τ (mean over seeds).
 * - The sparsity table: for each method and sparsity level s ∈ {90, 95, 98, 99}%, the point with
 *   the best mean accuracy among those whose mean sparsity ≥ s (chosen on test accuracy: this
 *   describes the curve, it is not a model-selection protocol), before and after fine-tuning.
 * - A method run at more than one τ (the suite's support threshold) is one curve per τ:
 *   `subgrad-adam τ=1e-2` beside `subgrad-adam τ=1e-4`.
 * - The τ sweep (threshold only, no fine-tuning): every trained network is also thresholded at
 *   τ' ∈ {1e-2, …, 1e-8} (solvers/tensor/protocol.ts). A sweep point is one (method
 *   configuration, λ, τ') over its seeds; a method's sweep front is its sweep points that no
 *   sparser point beats in mean accuracy. The sweep depends on the training only, so a training
 *   recorded at two run τ's counts once per seed (the newest run).
 *
 * Only current runs are used: the newest of each (instance, solver configuration, τ, seed).
 */
import { openReadOnly } from '../harness/store/index.ts';
import { CHART_CONFIG, LOG_AXIS, VL_SCHEMA as SCHEMA } from './specs.ts';
import { seriesColor } from './style.ts';

/** The protocol record of one run (the fields the page reads). */
interface Stage {
  readonly testAccuracy: number | null;
  readonly sparsity: number;
  readonly compression: number | null;
}
interface Protocol {
  readonly finalTestAccuracy: number | null;
  readonly bestSeenTestAccuracy: number | null;
  readonly perStepSeconds: number | null;
  readonly compression: {
    readonly tau: number;
    readonly totalWeights: number;
    readonly sweep: readonly (Stage & { tau: number })[];
    readonly layers: readonly { name: string; size: number; nnz: number }[];
    readonly finetune: { readonly epochs: number; readonly before: Stage; readonly after: Stage | null };
  };
}

export interface CompressionRun {
  readonly id: number;
  readonly dataset: string;
  readonly solver: string;
  readonly label: string;
  readonly lambda: number | null;
  readonly seed: number;
  /** The run's support threshold τ (the fine-tune mask and the headline sparsity). */
  readonly tau: number;
  readonly status: string;
  readonly solverSeconds: number | null;
  readonly protocol: Protocol;
}

/** Current nn-compression runs that carry a protocol record. */
export async function loadCompressionRuns(dbPath: string): Promise<CompressionRun[]> {
  const store = await openReadOnly(dbPath);
  try {
    const rows = await store.db
      .selectFrom('runs')
      .select(['id', 'dataset', 'solver', 'solver_label', 'lambda', 'seed', 'tau', 'status', 'solver_seconds', 'extras', 'instance_hash'])
      .where('family', '=', 'nn-compression')
      .orderBy('id')
      .execute();
    const newest = new Map<string, CompressionRun>();
    for (const r of rows) {
      if (r.extras === null) continue;
      let ex: { protocol?: Protocol };
      try {
        ex = JSON.parse(r.extras) as { protocol?: Protocol };
      } catch {
        continue;
      }
      if (!ex.protocol) continue;
      newest.set(JSON.stringify([r.instance_hash, r.solver_label, r.tau, r.seed]), {
        id: r.id,
        dataset: r.dataset,
        solver: r.solver,
        label: r.solver_label,
        lambda: r.lambda,
        seed: r.seed,
        tau: r.tau,
        status: r.status,
        solverSeconds: r.solver_seconds,
        protocol: ex.protocol,
      });
    }
    return [...newest.values()];
  } finally {
    await store.close();
  }
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: readonly number[]): number => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};

/** One (method configuration, λ) over its seeds. */
export interface CompressionPoint {
  readonly dataset: string;
  readonly solver: string;
  /** The curve the point belongs to: the solver, or for gmp its pruning scope: `gmp (layer)` / `gmp (global)` / `gmp (lamp)`. */
  readonly series: string;
  /** Solver configuration and λ (gmp has no λ). */
  readonly method: string;
  readonly seeds: number;
  /** The runs' support threshold. */
  readonly tau: number;
  readonly stage: 'trained' | 'fine-tuned';
  readonly accuracy: number;
  readonly accuracyStd: number;
  readonly sparsity: number;
  readonly compression: number;
  /** Nonzero fraction per weight matrix (mean over seeds). */
  readonly layers: readonly { name: string; density: number }[];
  readonly perStepMs: number | null;
}

/** τ as it is written in a label: 1e-2, 1e-4, 5e-3. */
export const tauText = (tau: number): string => tau.toExponential().replace(/\.0+e/, 'e').replace('e+', 'e');

function baseSeries(r: CompressionRun): string {
  const scope = r.solver === 'gmp' ? /scope=(\w+)/.exec(r.label)?.[1] : undefined;
  return r.solver === 'gmp' ? `gmp (${scope ?? 'layer'})` : r.solver;
}

function baseMethod(r: CompressionRun): string {
  return r.solver === 'gmp' || r.solver === 'dense' || r.lambda === null ? r.label : `${r.label} λ=${Number(r.lambda.toPrecision(3))}`;
}

/** The base series (per dataset) that have runs at more than one τ: their names carry τ. */
function multiTau(runs: readonly CompressionRun[]): Set<string> {
  const taus = new Map<string, Set<number>>();
  for (const r of runs) {
    const k = JSON.stringify([r.dataset, baseSeries(r)]);
    const s = taus.get(k) ?? new Set<number>();
    s.add(r.tau);
    taus.set(k, s);
  }
  return new Set([...taus].filter(([, s]) => s.size > 1).map(([k]) => k));
}

const usable = (r: CompressionRun): boolean => r.status === 'max_iter' || r.status === 'converged' || r.status === 'timeout';

/** Aggregates runs into points (module comment). Runs that diverged or errored are left out. */
export function compressionPoints(runs: readonly CompressionRun[]): CompressionPoint[] {
  const multi = multiTau(runs);
  const withTau = (r: CompressionRun, name: string): string => (multi.has(JSON.stringify([r.dataset, baseSeries(r)])) ? `${name} τ=${tauText(r.tau)}` : name);
  const groups = new Map<string, CompressionRun[]>();
  for (const r of runs) {
    if (!usable(r)) continue;
    const key = JSON.stringify([r.dataset, baseMethod(r), r.tau]);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const out: CompressionPoint[] = [];
  for (const g of groups.values()) {
    const first = g[0] as CompressionRun;
    for (const stage of ['trained', 'fine-tuned'] as const) {
      const st = g.map((r) => (stage === 'trained' ? r.protocol.compression.finetune.before : r.protocol.compression.finetune.after));
      if (st.some((s) => s === null || s.testAccuracy === null)) continue;
      const ss = st as Stage[];
      const acc = ss.map((s) => s.testAccuracy as number);
      const sp = ss.map((s) => s.sparsity);
      const nnz = mean(sp.map((s) => 1 - s));
      const layerNames = first.protocol.compression.layers.map((l) => l.name);
      const steps = g.map((r) => r.protocol.perStepSeconds).filter((v): v is number => v !== null);
      out.push({
        dataset: first.dataset,
        solver: first.solver,
        series: withTau(first, baseSeries(first)),
        method: withTau(first, baseMethod(first)),
        seeds: g.length,
        tau: first.tau,
        stage,
        accuracy: mean(acc),
        accuracyStd: std(acc),
        sparsity: mean(sp),
        compression: nnz > 0 ? 1 / nnz : Infinity,
        layers: layerNames.map((name, k) => ({ name, density: mean(g.map((r) => { const l = r.protocol.compression.layers[k]; return l ? l.nnz / l.size : 0; })) })),
        perStepMs: steps.length ? 1000 * mean(steps) : null,
      });
    }
  }
  return out.sort((a, b) => a.series.localeCompare(b.series) || a.compression - b.compression);
}

/** One (method configuration, λ, sweep τ') over its seeds: the trained network thresholded at τ', no fine-tuning. */
export interface SweepPoint {
  readonly dataset: string;
  readonly solver: string;
  /** The solver, or `gmp (layer)` / `gmp (global)` / `gmp (lamp)`; never τ: the sweep does not depend on the run's τ. */
  readonly series: string;
  readonly method: string;
  readonly tau: number;
  readonly seeds: number;
  readonly accuracy: number;
  readonly accuracyStd: number;
  readonly sparsity: number;
  readonly compression: number;
  /** On the method's sweep front: no sweep point of the same series is as sparse and more accurate. */
  readonly front: boolean;
}

/** Aggregates the runs' τ sweeps (module comment); dense is left out (its line is on the chart). */
export function sweepPoints(runs: readonly CompressionRun[]): SweepPoint[] {
  const perSeed = new Map<string, CompressionRun>();
  for (const r of runs) {
    if (!usable(r) || r.solver === 'dense') continue;
    const k = JSON.stringify([r.dataset, baseMethod(r), r.seed]);
    const prev = perSeed.get(k);
    if (!prev || prev.id < r.id) perSeed.set(k, r);
  }
  const groups = new Map<string, { run: CompressionRun; stage: Stage & { tau: number } }[]>();
  for (const r of perSeed.values()) {
    for (const s of r.protocol.compression.sweep) {
      if (s.testAccuracy === null) continue;
      const k = JSON.stringify([r.dataset, baseMethod(r), s.tau]);
      const g = groups.get(k) ?? [];
      g.push({ run: r, stage: s });
      groups.set(k, g);
    }
  }
  const pts: Omit<SweepPoint, 'front'>[] = [];
  for (const g of groups.values()) {
    const first = (g[0] as { run: CompressionRun; stage: Stage & { tau: number } });
    const acc = g.map((e) => e.stage.testAccuracy as number);
    const sp = g.map((e) => e.stage.sparsity);
    const nnz = mean(sp.map((s) => 1 - s));
    pts.push({ dataset: first.run.dataset, solver: first.run.solver, series: baseSeries(first.run), method: baseMethod(first.run), tau: first.stage.tau, seeds: g.length, accuracy: mean(acc), accuracyStd: std(acc), sparsity: mean(sp), compression: nnz > 0 ? 1 / nnz : Infinity });
  }
  return pts
    .map((p) => ({ ...p, front: !pts.some((q) => q !== p && q.dataset === p.dataset && q.series === p.series && q.sparsity >= p.sparsity - LEVEL_SLACK && q.accuracy > p.accuracy) }))
    .sort((a, b) => a.series.localeCompare(b.series) || a.compression - b.compression || a.tau - b.tau);
}

/** Best sweep point per method at each sparsity level (as sparsityTable, over every λ and τ'). */
export function sweepTable(points: readonly SweepPoint[]): { method: string; level: number; best: SweepPoint | null }[] {
  const methods = [...new Set(points.map((p) => p.series))];
  return methods.flatMap((m) =>
    SPARSITY_LEVELS.map((level) => ({
      method: m,
      level,
      best: bestReaching(points.filter((p) => p.series === m), level),
    })),
  );
}

/**
 * The τ-sweep chart of one dataset: every sweep point (small, faint) and each method's sweep
 * front as a line, test accuracy against compression ratio (log), dense as a line.
 */
export function sweepSpec(points: readonly SweepPoint[], denseAccuracy: number | null, opts: { width?: number; height?: number; title?: string } = {}): Record<string, unknown> | null {
  const rows = points.filter((p) => Number.isFinite(p.compression)).map((p) => ({ method: p.series, config: p.method, tau: tauText(p.tau), x: p.compression, acc: p.accuracy, sparsity: p.sparsity, seeds: p.seeds, front: p.front }));
  if (rows.length === 0) return null;
  const x = { field: 'x', type: 'quantitative', title: "compression ratio at τ' (weights: total / nonzero, log)", scale: { type: 'log' }, axis: LOG_AXIS };
  const color = { field: 'method', type: 'nominal', title: 'method', scale: seriesScale(rows), legend: { symbolOpacity: 1 } };
  const tooltip = [{ field: 'config' }, { field: 'tau', title: "τ'" }, { field: 'acc', format: '.4f' }, { field: 'sparsity', format: '.4f' }, { field: 'x', title: 'compression', format: '.1f' }, { field: 'seeds' }];
  const layers: Record<string, unknown>[] = [
    { mark: { type: 'point', size: 18, opacity: 0.35 }, encoding: { x, y: { field: 'acc', type: 'quantitative', title: "test accuracy, thresholded at τ' (mean over seeds)", scale: { zero: false } }, color, tooltip } },
    { transform: [{ filter: 'datum.front' }], mark: { type: 'line', point: { size: 40, filled: true } }, encoding: { x, y: { field: 'acc', type: 'quantitative' }, color, order: { field: 'x', type: 'quantitative' }, tooltip } },
  ];
  if (denseAccuracy !== null) layers.push(...denseLine(denseAccuracy, opts.width ?? 520));
  return { $schema: SCHEMA, ...(opts.title ? { title: opts.title } : {}), width: opts.width ?? 520, height: opts.height ?? 340, data: { values: rows }, layer: layers, config: CHART_CONFIG };
}

/** The colour scale of a chart's series (sorted): each its {@link seriesColor}, so a solver has the colour it has on every other page. */
function seriesScale(rows: readonly { method: string }[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(rows.map((r) => r.method))].sort();
  return { domain, range: domain.map(seriesColor) };
}

/** What the compression page draws: the points at the runs' τ and the τ sweep. */
export interface CompressionData {
  readonly points: readonly CompressionPoint[];
  readonly sweep: readonly SweepPoint[];
}
export const NO_COMPRESSION: CompressionData = { points: [], sweep: [] };
export const compressionData = (runs: readonly CompressionRun[]): CompressionData => ({ points: compressionPoints(runs), sweep: sweepPoints(runs) });

/** The dense network's accuracy as a dashed horizontal line, labelled at the right edge (`width`). */
function denseLine(accuracy: number, width: number): Record<string, unknown>[] {
  return [
    { data: { values: [{ dense: accuracy }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#333' }, encoding: { y: { field: 'dense', type: 'quantitative' } } },
    { data: { values: [{ dense: accuracy, label: `dense ${accuracy.toFixed(4)}` }] }, mark: { type: 'text', align: 'right', dx: -4, dy: -6, color: '#333' }, encoding: { y: { field: 'dense', type: 'quantitative' }, x: { value: width }, text: { field: 'label' } } },
  ];
}

/** The dense network's mean trained accuracy on one dataset's points, or null. */
export function denseAccuracy(points: readonly CompressionPoint[]): number | null {
  const d = points.filter((p) => p.solver === 'dense' && p.stage === 'trained').map((p) => p.accuracy);
  return d.length ? mean(d) : null;
}

/** The accuracy–compression chart (module comment) of one dataset. */
export function compressionSpec(points: readonly CompressionPoint[], opts: { width?: number; height?: number; title?: string } = {}): Record<string, unknown> | null {
  const rows = points
    .filter((p) => p.solver !== 'dense' && Number.isFinite(p.compression))
    .map((p) => ({ method: p.series, config: p.method, stage: p.stage, x: p.compression, acc: p.accuracy, lo: p.accuracy - p.accuracyStd, hi: p.accuracy + p.accuracyStd, sparsity: p.sparsity, seeds: p.seeds }));
  const dense = denseAccuracy(points);
  if (rows.length === 0 && dense === null) return null;
  const x = { field: 'x', type: 'quantitative', title: 'compression ratio (weights: total / nonzero, log)', scale: { type: 'log' }, axis: LOG_AXIS };
  const scale = seriesScale(rows);
  const color = { field: 'method', type: 'nominal', title: 'method', scale };
  const layers: Record<string, unknown>[] = [
    { mark: { type: 'line', opacity: 0.6 }, encoding: { x, y: { field: 'acc', type: 'quantitative' }, color, detail: { field: 'stage' }, strokeDash: { field: 'stage', type: 'nominal', title: 'stage', scale: { domain: ['trained', 'fine-tuned'], range: [[4, 3], [1, 0]] } } } },
    { mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
    {
      mark: { type: 'point', size: 60, strokeWidth: 2 },
      encoding: {
        x,
        y: { field: 'acc', type: 'quantitative', title: 'test accuracy (final epoch; mean ± std over seeds)', scale: { zero: false } },
        color,
        fill: { condition: { test: "datum.stage === 'fine-tuned'", field: 'method', type: 'nominal', scale }, value: 'white' },
        tooltip: [{ field: 'config' }, { field: 'stage' }, { field: 'acc', format: '.4f' }, { field: 'sparsity', format: '.4f' }, { field: 'x', title: 'compression', format: '.1f' }, { field: 'seeds' }],
      },
    },
  ];
  if (dense !== null) layers.push(...denseLine(dense, opts.width ?? 520));
  return {
    $schema: SCHEMA,
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 520,
    height: opts.height ?? 340,
    data: { values: rows },
    layer: layers,
    config: CHART_CONFIG,
  };
}

export const SPARSITY_LEVELS: readonly number[] = [0.9, 0.95, 0.98, 0.99];
/**
 * A point reaches a level when its mean sparsity ≥ level − LEVEL_SLACK: the mean of equal
 * sparsities over seeds rounds below them ((0.95 + 0.95 + 0.95)/3 = 0.9499999999999998).
 */
export const LEVEL_SLACK = 1e-9;

/** The most accurate of `points` whose mean sparsity reaches `level` (LEVEL_SLACK), or null; the first of equals. */
function bestReaching<P extends { readonly sparsity: number; readonly accuracy: number }>(points: readonly P[], level: number): P | null {
  return points.filter((p) => p.sparsity >= level - LEVEL_SLACK).reduce<P | null>((b, p) => (b === null || p.accuracy > b.accuracy ? p : b), null);
}

/** Best point per method at each sparsity level (module comment). */
export function sparsityTable(points: readonly CompressionPoint[]): { method: string; level: number; trained: CompressionPoint | null; fineTuned: CompressionPoint | null }[] {
  const methods = [...new Set(points.map((p) => p.series))].filter((m) => m !== 'dense');
  const out: { method: string; level: number; trained: CompressionPoint | null; fineTuned: CompressionPoint | null }[] = [];
  for (const m of methods) {
    for (const level of SPARSITY_LEVELS) {
      const best = (stage: CompressionPoint['stage']): CompressionPoint | null => bestReaching(points.filter((p) => p.series === m && p.stage === stage), level);
      out.push({ method: m, level, trained: best('trained'), fineTuned: best('fine-tuned') });
    }
  }
  return out;
}
