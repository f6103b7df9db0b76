/**
 * Vega-Lite specifications and their compact data, shared by the HTML report (rendered in the
 * browser by vega-embed) and the static paper figures (rendered to SVG in Node by vega).
 *
 * Chart data travels packed (`Packed`: column names, dictionaries for text columns, rows as
 * arrays, numbers rounded to 4 significant digits) and is expanded to row objects just before
 * drawing ({@link expandPacked}); a spec names its datasets (`data: {name}`) and never embeds
 * text from the data inside an expression, so names from the database cannot inject code.
 */
import type { ReportInstance, ReportRun } from './data.ts';
import { COMPLETE } from './data.ts';
import { aggregateSeeds, LOG_FLOOR, round, thin, type BandPoint, type Series } from './metrics.ts';

/** The Vega-Lite schema every spec names: the major version the report bundles (v6). */
export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
import { CHART_CONFIG, COUNT_AXIS, LOG_AXIS, solverScale, toggledAxis, XLOG_PARAM, type AxisScale, type XScaleToggle } from './style.ts';

/** A dataset in packed form. Columns listed in `dicts` hold indices into their dictionary. */
export interface Packed {
  readonly cols: readonly string[];
  readonly dicts: Readonly<Record<string, readonly string[]>>;
  readonly rows: (number | null)[][];
}

/** A spec and its packed datasets (what one chart container draws). */
export interface ChartPayload {
  readonly spec: Record<string, unknown>;
  readonly data: Readonly<Record<string, Packed>>;
  /** A log/linear toggle of the x axis (time or iterations), drawn by assets/report.js. */
  readonly xscale?: XScaleToggle;
}

/** Expands packed data to row objects (the same code runs in the page, in assets/report.js). */
export function expandPacked(p: Packed): Record<string, unknown>[] {
  return p.rows.map((row) => {
    const o: Record<string, unknown> = {};
    p.cols.forEach((c, j) => {
      const v = row[j] ?? null;
      const d = p.dicts[c];
      o[c] = d && v !== null ? d[v] : v;
    });
    return o;
  });
}

/** A spec with its datasets inlined (for vega-lite's compile in Node). */
export function inlineData(payload: ChartPayload): Record<string, unknown> {
  const datasets: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(payload.data)) datasets[name] = expandPacked(p);
  return { ...payload.spec, datasets };
}

/** Incremental builder of a packed dataset. */
class PackBuilder {
  private readonly dictIndex = new Map<string, Map<string, number>>();
  private readonly dictValues: Record<string, string[]> = {};
  readonly rows: (number | null)[][] = [];
  constructor(readonly cols: readonly string[], dictCols: readonly string[]) {
    for (const c of dictCols) {
      this.dictIndex.set(c, new Map());
      this.dictValues[c] = [];
    }
  }
  /** Index of `value` in column `col`'s dictionary. */
  code(col: string, value: string): number {
    const m = this.dictIndex.get(col) as Map<string, number>;
    let i = m.get(value);
    if (i === undefined) {
      i = m.size;
      m.set(value, i);
      (this.dictValues[col] as string[]).push(value);
    }
    return i;
  }
  /** Adds a row given by column name; text columns are coded, numbers rounded. */
  add(row: Record<string, string | number | null>): void {
    this.rows.push(
      this.cols.map((c) => {
        const v = row[c];
        if (v === undefined || v === null) return null;
        if (typeof v === 'string') return this.code(c, v);
        return Number.isFinite(v) ? round(v) : null;
      }),
    );
  }
  build(): Packed {
    return { cols: this.cols, dicts: this.dictValues, rows: this.rows };
  }
}

export { CHART_CONFIG, LOG_AXIS } from './style.ts';

/** The y metrics of a convergence chart. */
export type CurveMetric = 'subopt' | 'gap' | 'kkt';

/** Axis title of a metric (log scale). */
export function metricTitle(m: CurveMetric, kind: ReportInstance['referenceKind']): string {
  switch (m) {
    case 'subopt':
      return `rel. suboptimality (F − F*)/|F*|, ${kind === 'certified' ? 'certified F*' : 'best-seen F*'} (log)`;
    case 'gap':
      return 'relative duality gap (log)';
    case 'kkt':
      return 'KKT violation (log)';
  }
}

const METRIC_LABEL: Record<CurveMetric, string> = { subopt: 'suboptimality', gap: 'duality gap', kkt: 'KKT violation' };

/** Metrics with data on this instance, in order of preference. */
export function availableMetrics(inst: ReportInstance): CurveMetric[] {
  const has = (m: CurveMetric): boolean => inst.runs.some((r) => r.trace[m].some((v) => v !== null));
  return (['subopt', 'gap', 'kkt'] as const).filter(has);
}

function seriesOf(run: ReportRun, axis: 'time' | 'iterations', metric: CurveMetric | 'nnz', log: boolean): Series {
  const xs = axis === 'time' ? run.trace.t : run.trace.k;
  const ys = run.trace[metric];
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    x.push(xs[i] as number);
    y.push(log ? floorLog(v) : v);
  }
  return { x, y };
}

/** Relative quantities ≤ 0 (a run below a best-seen F*) or below machine precision sit on the floor. */
function floorLog(v: number): number {
  return Math.max(v, LOG_FLOOR);
}

/** Statuses of partial curves (drawn dashed). */
const PARTIAL_STATUS_ORDER = ['timeout', 'diverged', 'error'] as const;

const CURVE_METRICS = ['subopt', 'gap', 'kkt', 'nnz'] as const;

/**
 * Data of an instance's convergence chart, one row per (solver label, curve point) with every
 * metric (subopt, gap, kkt, nnz) as columns:
 * - a label with one complete run (converged / max_iter): its trace points (`ax` = 'both': k and t);
 * - a label with several: the median over seeds with a 20–80% band (columns `*Lo`, `*Hi`; only with ≥ 3 seeds),
 *   computed separately against time (`ax` = 'time') and against iterations (`ax` = 'iterations');
 * - runs that ended in timeout / diverged / error: their own points (`st` = status, `r` = run id).
 */
export function convergenceData(inst: ReportInstance, maxPoints = 60): Packed {
  const cols = ['s', 'st', 'ax', 'k', 't', 'r', ...CURVE_METRICS.flatMap((m) => [m, `${m}Lo`, `${m}Hi`])];
  const pb = new PackBuilder(cols, ['s', 'st', 'ax']);
  const labels = [...new Set(inst.runs.map((r) => r.label))];
  const raw = (label: string, st: string, r: ReportRun, id: number | null): void => {
    for (let i = 0; i < r.trace.k.length; i++) {
      const row: Record<string, string | number | null> = { s: label, st, ax: 'both', k: r.trace.k[i] as number, t: r.trace.t[i] as number, r: id };
      for (const m of CURVE_METRICS) {
        const v = r.trace[m][i];
        row[m] = v === null || v === undefined ? null : m === 'nnz' ? v : floorLog(v);
      }
      pb.add(row);
    }
  };
  for (const label of labels) {
    const runs = inst.runs.filter((r) => r.label === label && r.trace.k.length > 0);
    const complete = runs.filter((r) => COMPLETE.includes(r.status));
    if (complete.length === 1) raw(label, 'complete', complete[0] as ReportRun, null);
    else if (complete.length > 1) {
      for (const ax of ['time', 'iterations'] as const) {
        // One grid per axis: the union of the seeds' abscissae, thinned.
        const xs = complete.map((r) => (ax === 'time' ? r.trace.t : r.trace.k));
        const grid = thin([...new Set(xs.flat())].sort((a, b) => a - b), maxPoints);
        const byMetric = CURVE_METRICS.map((m) => {
          const band = aggregateSeeds(complete.map((r) => seriesOf(r, ax, m, m !== 'nnz')), m !== 'nnz', maxPoints, grid);
          return new Map(band.map((p) => [p.x, p]));
        });
        for (const x of grid) {
          const row: Record<string, string | number | null> = { s: label, st: 'complete', ax, k: ax === 'iterations' ? x : null, t: ax === 'time' ? x : null, r: null };
          let any = false;
          CURVE_METRICS.forEach((m, j) => {
            const p = (byMetric[j] as Map<number, BandPoint>).get(x);
            if (!p) return;
            any = true;
            row[m] = p.med;
            if (p.lo !== p.hi) {
              row[`${m}Lo`] = p.lo;
              row[`${m}Hi`] = p.hi;
            }
          });
          if (any) pb.add(row);
        }
      }
    }
    for (const r of runs.filter((r) => !COMPLETE.includes(r.status))) raw(label, r.status, r, r.id);
  }
  return pb.build();
}

/** Options of {@link convergenceSpec}. */
export interface ConvergenceOptions {
  /** Radio buttons for the axes (HTML report) or fixed choices (figures). */
  readonly interactive: boolean;
  readonly xaxis?: 'time' | 'iterations';
  readonly metric?: CurveMetric;
  /** Draw the support-size panel next to the convergence panel. */
  readonly nnzPanel?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
  /** Scale of the time / iteration axis (default log). */
  readonly xscale?: AxisScale;
  /** A static paper figure: its config, the legend below the plot, the whole figure fitted to `width`. */
  readonly figure?: { readonly config: Record<string, unknown> };
  /** Short axis titles (static figures: vega in Node over-estimates text widths). */
  readonly shortTitles?: boolean;
}

/**
 * Convergence chart of one instance: left, the chosen metric (log scale) against time or
 * iterations (log by default, with a log/linear toggle in the report), median over seeds with a
 * 20–80% band, partial runs dashed; right, support size. Each solver has its {@link solverColor}.
 * Clicking a legend entry isolates a solver (shift-click adds more). On a log x axis the points at
 * x = 0 (the starting point) are left out.
 */
export function convergenceSpec(inst: ReportInstance, opts: ConvergenceOptions): ChartPayload {
  const metrics = availableMetrics(inst);
  const metric = opts.metric && metrics.includes(opts.metric) ? opts.metric : (metrics[0] ?? 'kkt');
  const xaxis = opts.xaxis ?? 'time';
  const xscale = opts.xscale ?? 'log';
  const width = opts.width ?? 430;
  const height = opts.height ?? 250;
  const data = convergenceData(inst);
  const labels = data.dicts['s'] ?? [];
  const partialStatuses = PARTIAL_STATUS_ORDER.filter((s) => (data.dicts['st'] ?? []).includes(s));

  const params: Record<string, unknown>[] = [
    opts.interactive
      ? { name: 'xaxis', value: xaxis, bind: { input: 'radio', options: ['time', 'iterations'], labels: ['solver time', 'iterations'], name: 'x axis ' } }
      : { name: 'xaxis', value: xaxis },
    opts.interactive && metrics.length > 1
      ? { name: 'metric', value: metric, bind: { input: 'radio', options: metrics, labels: metrics.map((m) => METRIC_LABEL[m]), name: 'y axis ' } }
      : { name: 'metric', value: metric },
    { name: XLOG_PARAM, value: xscale === 'log' },
  ];
  const titles = Object.fromEntries(
    (['subopt', 'gap', 'kkt'] as const).map((m) => [m, opts.shortTitles ? { subopt: '(F − F*)/|F*| (log)', gap: 'rel. duality gap (log)', kkt: 'KKT violation (log)' }[m] : metricTitle(m, inst.referenceKind)]),
  );
  const yTitle = `metric == 'subopt' ? ${JSON.stringify(titles['subopt'])} : metric == 'gap' ? ${JSON.stringify(titles['gap'])} : ${JSON.stringify(titles['kkt'])}`;
  const xTitle = "xaxis == 'time' ? 'solver time (s)' : 'iterations'";
  const color = {
    field: 's',
    type: 'nominal',
    title: 'solver',
    scale: solverScale(labels),
    legend: { title: opts.interactive ? 'solver (click to isolate)' : 'solver', symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolOpacity: 1, symbolSize: 260, ...(opts.figure ? { orient: 'bottom', columns: width < 500 ? 2 : 4 } : {}) },
  };
  const x = { field: 'x', type: 'quantitative', title: { signal: xTitle }, scale: { type: xscale }, axis: toggledAxis() };
  const fade = opts.interactive ? { opacity: { condition: { param: 'pick', value: 1 }, value: 0.12 } } : {};
  const dash = {
    strokeDash: {
      field: 'st',
      type: 'nominal',
      title: 'partial run',
      scale: { domain: partialStatuses, range: [[6, 3], [2, 2], [8, 2, 2, 2]].slice(0, partialStatuses.length) },
    },
  };
  const pick = (suffix: string): string => `metric == 'subopt' ? datum.subopt${suffix} : metric == 'gap' ? datum.gap${suffix} : datum.kkt${suffix}`;
  const logY = (title: unknown): Record<string, unknown> => ({
    field: 'y',
    type: 'quantitative',
    title,
    scale: { type: 'log' },
    axis: LOG_AXIS,
  });

  // The band layer only where some label has a band (≥ 3 seeds): an empty layer makes vega warn "Infinite extent".
  const loCols = (['subopt', 'gap', 'kkt'] as const).map((m) => data.cols.indexOf(`${m}Lo`));
  const hasBand = data.rows.some((row) => loCols.some((j) => j >= 0 && row[j] !== null && row[j] !== undefined));
  const convLayers: Record<string, unknown>[] = [
    {
      transform: [{ filter: "datum.st == 'complete' && isValid(datum.lo)" }],
      mark: { type: 'area', opacity: 0.15, interpolate: 'linear' },
      encoding: { x, y: { field: 'lo', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'hi' }, color, ...(opts.interactive ? { opacity: { condition: { param: 'pick', value: 0.15 }, value: 0.02 } } : {}) },
    },
    {
      transform: [{ filter: "datum.st == 'complete'" }],
      mark: { type: 'line', interpolate: 'linear' },
      ...(opts.interactive ? { params: [{ name: 'pick', select: { type: 'point', fields: ['s'] }, bind: 'legend' }] } : {}),
      encoding: { x, y: logY({ signal: yTitle }), color, ...fade, tooltip: [{ field: 's', title: 'solver' }, { field: 'x', title: 'x', format: '.4~g' }, { field: 'y', title: 'median', format: '.3e' }] },
    },
  ];
  if (!hasBand) convLayers.shift();
  if (partialStatuses.length > 0) {
    convLayers.push({
      transform: [{ filter: "datum.st != 'complete'" }],
      mark: { type: 'line', interpolate: 'linear', strokeWidth: 1.4, point: { shape: 'cross', size: 22 } },
      encoding: { x, y: logY({ signal: yTitle }), color, detail: { field: 'r', type: 'nominal' }, ...dash, ...fade },
    });
  }
  const conv = {
    width,
    height,
    transform: [
      { calculate: pick(''), as: 'y' },
      { calculate: pick('Lo'), as: 'lo' },
      { calculate: pick('Hi'), as: 'hi' },
      { filter: 'isValid(datum.y)' },
    ],
    layer: convLayers,
  };
  const nnzLayers: Record<string, unknown>[] = [
    {
      transform: [{ filter: 'isValid(datum.nnz)' }],
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x,
        y: { field: 'nnz', type: 'quantitative', title: 'support size (nnz)', axis: COUNT_AXIS },
        color,
        detail: { field: 'r', type: 'nominal' },
        ...(partialStatuses.length > 0 ? dash : {}),
        ...fade,
      },
    },
  ];
  const nnz = { width: Math.round(width * 0.55), height, layer: nnzLayers };
  const base = [
    { filter: "datum.ax == 'both' || datum.ax == xaxis" },
    { calculate: "xaxis == 'time' ? datum.t : datum.k", as: 'x' },
    { filter: `!${XLOG_PARAM} || datum.x > 0` },
  ];
  const spec: Record<string, unknown> = {
    $schema: VL_SCHEMA,
    ...(opts.title ? { title: { text: opts.title } } : {}),
    params,
    data: { name: 'curves' },
    ...(opts.nnzPanel === false
      ? { ...conv, transform: [...base, ...conv.transform] }
      : { transform: base, hconcat: [conv, nnz], resolve: { scale: { color: 'shared', strokeDash: 'shared' } } }),
    ...(opts.figure ? { autosize: { type: 'fit', contains: 'padding' } } : {}),
    config: opts.figure ? opts.figure.config : CHART_CONFIG,
  };
  return { spec, data: { curves: data }, ...(opts.interactive ? { xscale: { field: 'x', initial: xscale, label: 'x scale ' } } : {}) };
}

/** Dolan–Moré profiles as data: one step curve per (group, tolerance, solver). */
export interface ProfileRow {
  readonly group: string;
  readonly tol: string;
  readonly solver: string;
  readonly tau: number;
  readonly rho: number;
}

/** Performance-profile chart: step curves ρ_s(τ) on a log τ axis, tolerance and group by radio. */
export function profileSpec(rows: readonly ProfileRow[], tols: readonly string[], groups: readonly string[], labels: readonly string[], tauMax: number, interactive = true): ChartPayload {
  const pb = new PackBuilder(['g', 'tol', 's', 'tau', 'rho'], ['g', 'tol', 's']);
  for (const r of rows) pb.add({ g: r.group, tol: r.tol, s: r.solver, tau: r.tau, rho: r.rho });
  const defaultTol = tols.includes('1e-6') ? '1e-6' : (tols[0] ?? '1e-6');
  const params: Record<string, unknown>[] = [
    interactive ? { name: 'tol', value: defaultTol, bind: { input: 'radio', options: tols, name: 'tolerance (rel. suboptimality ≤) ' } } : { name: 'tol', value: defaultTol },
    interactive && groups.length > 1
      ? { name: 'group', value: groups[0], bind: { input: groups.length > 6 ? 'select' : 'radio', options: groups, name: 'instances ' } }
      : { name: 'group', value: groups[0] ?? 'all' },
  ];
  const spec = {
    $schema: VL_SCHEMA,
    params: interactive ? [...params, { name: 'pick', select: { type: 'point', fields: ['s'] }, bind: 'legend' }] : params,
    data: { name: 'profiles' },
    width: 520,
    height: 300,
    transform: [{ filter: 'datum.tol == tol && datum.g == group' }],
    mark: { type: 'line', interpolate: 'step-after', clip: true },
    encoding: {
      x: { field: 'tau', type: 'quantitative', title: 'τ: time ratio to the fastest solver (log)', scale: { type: 'log', domain: [1, round(tauMax)] }, axis: { format: '~g' } },
      y: { field: 'rho', type: 'quantitative', title: 'fraction of instances solved within τ', scale: { domain: [0, 1] } },
      color: { field: 's', type: 'nominal', title: 'solver', scale: solverScale(labels), legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5 } },
      ...(interactive ? { opacity: { condition: { param: 'pick', value: 1 }, value: 0.12 } } : {}),
      tooltip: [{ field: 's', title: 'solver' }, { field: 'tau', title: 'τ', format: '.3~g' }, { field: 'rho', title: 'ρ', format: '.2f' }],
    },
    config: CHART_CONFIG,
  };
  return { spec, data: { profiles: pb.build() } };
}

/** One point of the history chart. */
export interface HistoryPoint {
  readonly family: string;
  readonly instance: string;
  readonly solver: string;
  /** Commit label (short sha) and its order. */
  readonly commit: string;
  readonly order: number;
  readonly value: number;
}

/** Final accuracy against commits: one line per (instance, solver), log y. */
export function historySpec(points: readonly HistoryPoint[], commits: readonly string[], labels: readonly string[], yTitle: string): ChartPayload {
  const pb = new PackBuilder(['i', 's', 'c', 'o', 'y'], ['i', 's', 'c']);
  for (const p of points) pb.add({ i: p.instance, s: p.solver, c: p.commit, o: p.order, y: Math.max(p.value, LOG_FLOOR) });
  const spec = {
    $schema: VL_SCHEMA,
    data: { name: 'history' },
    width: Math.max(220, Math.min(700, 90 * commits.length)),
    height: 220,
    mark: { type: 'line', point: { size: 30, filled: true } },
    params: [{ name: 'pick', select: { type: 'point', fields: ['s'] }, bind: 'legend' }],
    encoding: {
      x: { field: 'c', type: 'ordinal', title: 'git commit (oldest first)', sort: commits, axis: { labelAngle: 0 } },
      y: { field: 'y', type: 'quantitative', title: yTitle, scale: { type: 'log' }, axis: LOG_AXIS },
      color: { field: 's', type: 'nominal', title: 'solver', scale: solverScale(labels) },
      detail: { field: 'i', type: 'nominal' },
      opacity: { condition: { param: 'pick', value: 1 }, value: 0.12 },
      tooltip: [{ field: 'i', title: 'instance' }, { field: 's', title: 'solver' }, { field: 'c', title: 'commit' }, { field: 'y', title: 'accuracy', format: '.3e' }],
    },
    config: CHART_CONFIG,
  };
  return { spec, data: { history: pb.build() } };
}

/** One bar of the time-to-tolerance chart: median solver time over seeds of a (tolerance, instance, solver). */
export interface TimeToTolRow {
  readonly tol: string;
  readonly instance: string;
  readonly solver: string;
  readonly seconds: number;
}

/**
 * Bar chart of the median time to tolerance per solver on one instance (instance and tolerance
 * chosen by the reader), log time axis by default (log/linear toggle), solvers that never reached
 * the tolerance or do not apply have no bar. Each solver has its {@link solverColor}.
 */
export function timeToTolSpec(rows: readonly TimeToTolRow[], tols: readonly string[], instances: readonly string[], labels: readonly string[], interactive = true): ChartPayload {
  const pb = new PackBuilder(['tol', 'i', 's', 'x'], ['tol', 'i', 's']);
  for (const r of rows) pb.add({ tol: r.tol, i: r.instance, s: r.solver, x: r.seconds });
  const defaultTol = tols.includes('1e-6') ? '1e-6' : (tols[0] ?? '1e-6');
  const params: Record<string, unknown>[] = [
    interactive ? { name: 'bartol', value: defaultTol, bind: { input: 'radio', options: tols, name: 'tolerance ' } } : { name: 'bartol', value: defaultTol },
    interactive && instances.length > 1 ? { name: 'inst', value: instances[0], bind: { input: 'select', options: instances, name: 'instance ' } } : { name: 'inst', value: instances[0] ?? '' },
    { name: XLOG_PARAM, value: true },
  ];
  const spec = {
    $schema: VL_SCHEMA,
    params,
    data: { name: 'ttt' },
    width: 460,
    height: { step: 16 },
    transform: [
      { filter: `datum.tol == bartol && datum.i == inst && (!${XLOG_PARAM} || datum.x > 0)` },
      // Bars start at 0 on a linear axis and at a third of the shortest time on a log one.
      { joinaggregate: [{ op: 'min', field: 'x', as: 'xmin' }] },
      { calculate: `${XLOG_PARAM} ? datum.xmin / 3 : 0`, as: 'x0' },
    ],
    mark: { type: 'bar' },
    encoding: {
      y: { field: 's', type: 'nominal', title: null, sort: labels, axis: { labelLimit: 220 } },
      x: { field: 'x', type: 'quantitative', title: 'median solver time to tolerance (s)', scale: { type: 'log' }, axis: toggledAxis() },
      x2: { field: 'x0' },
      color: { field: 's', type: 'nominal', title: 'solver', scale: solverScale(labels), legend: null },
      tooltip: [{ field: 's', title: 'solver' }, { field: 'x', title: 'seconds', format: '.3~g' }],
    },
    config: CHART_CONFIG,
  };
  return { spec, data: { ttt: pb.build() }, ...(interactive ? { xscale: { field: 'x', initial: 'log' as const, label: 'time axis ' } } : {}) };
}
