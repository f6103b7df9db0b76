/**
 * `l1bench figures`: paper figures as SVG and PDF (vector), rendered in Node by vega
 * (`view.toSVG()`) from the same Vega-Lite specs as the HTML report, reading results.db alone;
 * the PDF is headless Chromium's print-to-PDF of that SVG (offline, Debian's chromium).
 *
 * Each figure comes at one-column (3.5 in) and two-column (7 in) width, as `<stem>-1col.svg/.pdf`
 * and `<stem>-2col.svg/.pdf`, drawn at print size (1 CSS px = 1/96 in; every font ≥ 11 px ≈
 * 8.25 pt), with a JSON sidecar `<stem>.json` naming the query, the run ids and the commits
 * behind it. Stems:
 * - convergence-<family>-<dataset>-lam<λ/λmax>: relative suboptimality (or gap, or KKT) against
 *   solver time (log) per instance, median over seeds with a 20–80% band;
 * - time-vs-dimension: time to reach relative suboptimality 1e-6 against the number of
 *   parameters, per solver configuration, one line per (family, λ/λ_max) (log–log);
 * - accuracy-vs-sparsity: test accuracy against support size of the final iterates (runs
 *   with a test metric only);
 * - accuracy-vs-genes-<dataset>: test accuracy against the number of selected genes (log), per
 *   method, mean ± std over splits, penalized and refitted (reports/genes.ts);
 * - compression-accuracy-<dataset>: test accuracy against compression ratio per method on each
 *   nn-compression dataset, before and after threshold + fine-tune, dense as a line
 *   (reports/compression.ts);
 * - compression-sweep-<dataset>: the same axes over every threshold τ' ∈ {1e-2, …, 1e-8} of each
 *   trained network (no fine-tuning), each method's front as a line (reports/compression.ts);
 * - l1-landscape: the 1-D loss f(x) = (x − a)²/2 + λ|x| against its spred
 *   reparametrization g(u, w) = (uw − a)²/2 + (λ/2)(u² + w²): along the balanced path
 *   |u| = |w| = √|x|, g equals f (min over uw = x of (λ/2)(u² + w²) is λ|x|, by AM–GM);
 *   along an unbalanced path u = 2w it lies above; right (below at one column), g over the
 *   (u, w) plane with a continuous colour legend.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

import { UserError } from '../problems/errors.ts';
import { COMPLETE, datasetLabel, familyTitle, forSuite, readReportData, TEST_METRIC_NAME, type ReportData, type ReportInstance, type ReportRun } from './data.ts';
import { median } from './metrics.ts';
import { criterionOf, runTimeToTol } from './rank.ts';
import { convergenceSpec, inlineData, VL_SCHEMA as SCHEMA } from './specs.ts';
import { CHART_CONFIG, LOG_AXIS, solverScale } from './style.ts';
import { compressionPoints, compressionSpec, denseAccuracy, loadCompressionRuns, sweepPoints, sweepSpec } from './compression.ts';
import { accuracyGenesSpec, readGeneRuns, summarizeGenes } from './genes.ts';

/** Renders a Vega-Lite spec (datasets inlined) to SVG text. */
export async function toSvg(spec: Record<string, unknown>): Promise<string> {
  const vg = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}


/** Print widths of a paper's column layouts, in CSS px (96 per inch). */
export const WIDTHS = { '1col': 3.5 * 96, '2col': 7 * 96 } as const;
export type Columns = keyof typeof WIDTHS;

/** Smallest font size a figure may use, in CSS px: 8 pt at print size. */
export const MIN_FONT_PX = (8 * 96) / 72;

/** Figure look: the report's, with every font at least 11 px (8.25 pt at print size). */
const FIGURE_CONFIG = {
  ...CHART_CONFIG,
  axis: { ...CHART_CONFIG.axis, labelFontSize: 11, titleFontSize: 11 },
  legend: { ...CHART_CONFIG.legend, labelFontSize: 11, titleFontSize: 11, labelLimit: 200 },
  title: { ...CHART_CONFIG.title, fontSize: 12 },
} as const;

function slug(name: string, max = 40): string {
  return name.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, max).replace(/[-.]+$/g, '') || 'x';
}

/** λ/λ_max (or absolute λ) as a file-name part: lam0.1, lambda0.05. */
function lambdaPart(inst: ReportInstance): string {
  return inst.lambdaRatio !== null ? `lam${Number(inst.lambdaRatio.toPrecision(3))}` : inst.lambda !== null ? `lambda${Number(inst.lambda.toPrecision(3))}` : 'lam-unknown';
}

/** File stem of an instance's convergence figure: convergence-<family>-<dataset>-lam<ratio>. */
export function convergenceStem(inst: ReportInstance): string {
  return `convergence-${slug(inst.family)}-${slug(datasetLabel(inst.dataset))}-${lambdaPart(inst)}`;
}

/** Human title of an instance: "Lasso, diabetes, λ = 0.1·λmax". */
export function instanceTitle(inst: ReportInstance): string {
  const lam = inst.lambdaRatio !== null ? `λ = ${Number(inst.lambdaRatio.toPrecision(3))}·λmax` : inst.lambda !== null ? `λ = ${Number(inst.lambda.toPrecision(3))}` : 'λ unknown';
  return `${familyTitle(inst.family)}, ${datasetLabel(inst.dataset)}, ${lam}`;
}

/** Time to 1e-6 against dimension: one point per (instance, label), median over seeds. */
export function timeVsDimensionSpec(data: ReportData, width: number, tol = 1e-6): { spec: Record<string, unknown>; runs: ReportRun[] } | null {
  const rows: { dim: number; s: string; t: number; family: string; path: string }[] = [];
  const used: ReportRun[] = [];
  for (const inst of data.instances) {
    if (!inst.built || inst.dim === null) continue;
    const crit = criterionOf(inst);
    for (const label of data.labels) {
      const runs = inst.runs.filter((r) => r.label === label && r.status !== 'skipped');
      if (runs.length === 0) continue;
      const t = median(runs.map((r) => runTimeToTol(r, crit, tol)), true);
      if (Number.isFinite(t) && t > 0) {
        rows.push({ dim: inst.dim, s: label, t, family: familyTitle(inst.family), path: `${inst.family} ${inst.lambdaRatio ?? inst.lambda}` });
        used.push(...runs);
      }
    }
  }
  if (rows.length === 0) return null;
  const labels = [...new Set(rows.map((r) => r.s))];
  return {
    runs: used,
    spec: {
      $schema: SCHEMA,
      title: { text: `Time to relative suboptimality ${tol.toExponential(0)} against problem size` },
      width,
      height: Math.round(width * 0.62),
      autosize: { type: 'fit', contains: 'padding' },
      data: { values: rows },
      mark: { type: 'line', point: { filled: true, size: 30 } },
      encoding: {
        x: { field: 'dim', type: 'quantitative', title: 'number of parameters (log)', scale: { type: 'log' }, axis: LOG_AXIS },
        y: { field: 't', type: 'quantitative', title: 'solver time (s, log)', scale: { type: 'log' }, axis: LOG_AXIS },
        color: { field: 's', type: 'nominal', title: 'solver', scale: solverScale(labels), legend: { orient: 'bottom', columns: width < 500 ? 2 : 4, symbolType: 'stroke' } },
        detail: { field: 'path', type: 'nominal' },
        shape: { field: 'family', type: 'nominal', title: 'problem', legend: { orient: 'bottom', columns: 2 } },
      },
      config: FIGURE_CONFIG,
    },
  };
}

/** Test accuracy against support size of final iterates (complete runs with a test metric). */
export function accuracySparsitySpec(data: ReportData, width: number): { spec: Record<string, unknown>; runs: ReportRun[] } | null {
  const runs = data.instances.flatMap((i) => i.runs).filter((r) => COMPLETE.includes(r.status) && r.testMetric !== null && r.nnz !== null);
  if (runs.length === 0) return null;
  const rows = runs.map((r) => ({ nnz: r.nnz, acc: r.testMetric, s: r.label, family: familyTitle(r.family) }));
  const labels = [...new Set(rows.map((r) => r.s))];
  return {
    runs,
    spec: {
      $schema: SCHEMA,
      title: { text: `${TEST_METRIC_NAME[0]?.toUpperCase()}${TEST_METRIC_NAME.slice(1)} against the number of selected parameters` },
      width,
      height: Math.round(width * 0.62),
      autosize: { type: 'fit', contains: 'padding' },
      data: { values: rows },
      mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
      encoding: {
        x: { field: 'nnz', type: 'quantitative', title: 'number of selected parameters (nnz)', axis: { format: ',~r' } },
        y: { field: 'acc', type: 'quantitative', title: TEST_METRIC_NAME, scale: { zero: false } },
        color: { field: 's', type: 'nominal', title: 'solver', scale: solverScale(labels), legend: { orient: 'bottom', columns: width < 500 ? 2 : 4 } },
        shape: { field: 'family', type: 'nominal', title: 'problem', legend: { orient: 'bottom' } },
      },
      config: FIGURE_CONFIG,
    },
  };
}

/**
 * The landscape figure for f(x) = (x − a)²/2 + λ|x| and g(u, w) = (uw − a)²/2 + (λ/2)(u² + w²).
 * Left: f, g on the balanced path (x = s·t², u = t, w = s·t) and on u = 2w (x = 2w²·sign).
 * Right: log₁₀(g − min g + 10⁻³) on a grid over [−r, r]², with the balanced diagonals.
 */
export function landscapeSpec(a = 1, lambda = 0.5, r = 1.6, grid = 60, columns: Columns = '2col'): Record<string, unknown> {
  const f = (x: number): number => 0.5 * (x - a) ** 2 + lambda * Math.abs(x);
  const g = (u: number, w: number): number => 0.5 * (u * w - a) ** 2 + 0.5 * lambda * (u * u + w * w);
  const curves: { x: number; v: number; c: string }[] = [];
  for (let i = 0; i <= 200; i++) {
    const x = -1.5 + (3.5 * i) / 200;
    curves.push({ x, v: f(x), c: 'f(x) = (x − a)²/2 + λ|x|' });
    const t = Math.sqrt(Math.abs(x));
    curves.push({ x, v: g(t, Math.sign(x) * t), c: 'g on the balanced path |u| = |w|' });
    const w = Math.sqrt(Math.abs(x) / 2);
    curves.push({ x, v: g(2 * w, Math.sign(x) * w), c: 'g on the path u = 2w' });
  }
  const cells: { u0: number; u1: number; w0: number; w1: number; z: number }[] = [];
  const h = (2 * r) / grid;
  const at = (i: number): number => -r + (i + 0.5) * h;
  let gmin = Infinity;
  for (let i = 0; i < grid; i++) for (let j = 0; j < grid; j++) gmin = Math.min(gmin, g(at(i), at(j)));
  const r4 = (v: number): number => Number(v.toFixed(4));
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      cells.push({ u0: r4(-r + i * h), u1: r4(-r + (i + 1) * h), w0: r4(-r + j * h), w1: r4(-r + (j + 1) * h), z: Number(Math.log10(g(at(i), at(j)) - gmin + 1e-3).toFixed(3)) });
    }
  }
  const xStar = Math.sign(a) * Math.max(Math.abs(a) - lambda, 0);
  const uStar = Math.sqrt(Math.abs(xStar));
  const one = columns === '1col';
  const curvesWidth = one ? 205 : 270;
  const mapSide = one ? 190 : 220;
  const zTitle = 'log₁₀(g − g_min + 10⁻³)';
  const left = {
    width: curvesWidth,
    height: one ? 200 : 240,
    data: { values: curves },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'x = u·w' },
      y: { field: 'v', type: 'quantitative', title: 'loss', scale: { domain: [0, 2.5] } },
      color: { field: 'c', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical', symbolType: 'stroke', labelLimit: 300 }, scale: { range: ['#222222', '#D55E00', '#0072B2'] } },
      strokeDash: { field: 'c', type: 'nominal', title: null, scale: { range: [[1, 0], [6, 4], [1, 0]] } },
    },
  };
  const right = {
    width: mapSide,
    height: mapSide,
    layer: [
      {
        data: { values: cells },
        // Cells overlap by 2% of a cell, so no hairline gaps show between them.
        transform: [{ calculate: `datum.u1 + ${(0.25 * (2 * r)) / grid}`, as: 'u1' }, { calculate: `datum.w1 + ${(0.25 * (2 * r)) / grid}`, as: 'w1' }],
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'u0', type: 'quantitative', title: 'u', scale: { domain: [-r, r], nice: false }, axis: { grid: false } },
          x2: { field: 'u1' },
          y: { field: 'w0', type: 'quantitative', title: 'w', scale: { domain: [-r, r], nice: false }, axis: { grid: false } },
          y2: { field: 'w1' },
          // One continuous (gradient) legend.
          color: { field: 'z', type: 'quantitative', title: zTitle, scale: { scheme: 'viridis', reverse: true }, legend: { type: 'gradient', orient: 'bottom', direction: 'horizontal', gradientLength: one ? 160 : 180, titleLimit: 300, titleOrient: 'top' } },
        },
      },
      {
        data: { values: [{ u: -r, w: -r, d: 'u = w' }, { u: r, w: r, d: 'u = w' }, { u: -r, w: r, d: 'u = −w' }, { u: r, w: -r, d: 'u = −w' }] },
        mark: { type: 'line', color: 'white', strokeDash: [4, 3], strokeWidth: 1 },
        encoding: { x: { field: 'u', type: 'quantitative' }, y: { field: 'w', type: 'quantitative' }, detail: { field: 'd' } },
      },
      {
        data: { values: xStar === 0 ? [{ u: 0, w: 0 }] : [{ u: uStar, w: Math.sign(xStar) * uStar }, { u: -uStar, w: -Math.sign(xStar) * uStar }] },
        mark: { type: 'point', shape: 'cross', color: 'white', size: 90, strokeWidth: 2 },
        encoding: { x: { field: 'u', type: 'quantitative' }, y: { field: 'w', type: 'quantitative' } },
      },
    ],
  };
  return {
    $schema: SCHEMA,
    title: { text: `L1 and its reparametrization: a = ${a}, λ = ${lambda}` },
    ...(one ? { vconcat: [left, right] } : { hconcat: [left, right] }),
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
    config: FIGURE_CONFIG,
  };
}

/** What a figure is made of (written as its JSON sidecar). */
export interface FigureSidecar {
  readonly figure: string;
  readonly title: string;
  readonly files: readonly string[];
  /** How the runs were selected from the database. */
  readonly query: Readonly<Record<string, unknown>>;
  readonly run_ids: readonly number[];
  readonly commits: readonly string[];
  readonly solvers: readonly string[];
}

export interface FiguresOptions {
  readonly db: string;
  readonly out: string;
  /** Only figures whose stem starts with this (e.g. `convergence`, `convergence-lasso-diabetes`, `l1-landscape`). */
  readonly only?: string;
  /** The suite whose runs are drawn (default: the report's default suite). */
  readonly suite?: string;
  /** Write PDFs too (default true; needs Chromium). */
  readonly pdf?: boolean;
}

export interface FiguresResult {
  readonly files: string[];
  readonly suite: string | null;
  readonly seconds: number;
}

/** An SVG from vega with its size in inches (1 CSS px = 1/96 in), so it prints at its drawn size. */
function atPrintSize(svg: string): { svg: string; width: number; height: number } {
  const m = /^<svg([^>]*)>/.exec(svg);
  const head = m?.[1] ?? '';
  const w = Number(/\swidth="([\d.]+)"/.exec(head)?.[1] ?? NaN);
  const h = Number(/\sheight="([\d.]+)"/.exec(head)?.[1] ?? NaN);
  if (!Number.isFinite(w) || !Number.isFinite(h)) return { svg, width: w, height: h };
  const inch = (v: number): string => `${Number((v / 96).toFixed(4))}in`;
  const fixed = head.replace(/\swidth="[\d.]+"/, ` width="${inch(w)}"`).replace(/\sheight="[\d.]+"/, ` height="${inch(h)}"`);
  return { svg: svg.replace(head, fixed.includes('viewBox') ? fixed : `${fixed} viewBox="0 0 ${w} ${h}"`), width: w, height: h };
}

/** Writes every figure into `out` (SVG, PDF, JSON sidecar). */
export async function renderFigures(opts: FiguresOptions): Promise<FiguresResult> {
  const start = performance.now();
  const all = await readReportData(opts.db);
  if (opts.suite !== undefined && !all.suites.includes(opts.suite)) {
    throw new UserError(`suite '${opts.suite}' has no runs in ${opts.db}; choose one of: ${all.suites.map((s) => s ?? '(none)').join(', ') || '(no runs)'}`);
  }
  const suite = opts.suite ?? all.suites[0] ?? null;
  const data = all.suites.length > 1 || opts.suite !== undefined ? forSuite(all, suite) : all;
  mkdirSync(opts.out, { recursive: true });
  const files: string[] = [];
  const pending: { path: string; svgPath: string; svg: string; width: number; height: number }[] = [];
  const wanted = (stem: string): boolean => opts.only === undefined || stem === opts.only || stem.startsWith(`${opts.only}-`) || stem.startsWith(opts.only);
  const stems = new Set<string>();
  const figure = async (stem0: string, title: string, make: (width: number, columns: Columns) => Record<string, unknown> | null, runs: readonly ReportRun[], query: Record<string, unknown>): Promise<void> => {
    let stem = stem0;
    for (let i = 2; stems.has(stem); i++) stem = `${stem0}-${i}`;
    stems.add(stem);
    if (!wanted(stem)) return;
    const written: string[] = [];
    for (const columns of ['1col', '2col'] as const) {
      const spec = make(WIDTHS[columns], columns);
      if (spec === null) return;
      const out = atPrintSize(await toSvg(spec));
      const path = join(opts.out, `${stem}-${columns}.svg`);
      writeFileSync(path, out.svg);
      written.push(path);
      if (opts.pdf !== false) pending.push({ path: join(opts.out, `${stem}-${columns}.pdf`), svgPath: path, ...out });
    }
    const sidecar: FigureSidecar = {
      figure: stem,
      title,
      files: [...written, ...(opts.pdf !== false ? written.map((f) => f.replace(/\.svg$/, '.pdf')) : [])].map((f) => f.slice(opts.out.length).replace(/^[\\/]/, '')),
      query: { db: opts.db, suite, ...query, runs: 'current runs: the newest run of each (instance, solver configuration, seed)' },
      run_ids: [...new Set(runs.map((r) => r.id))].sort((x, y) => x - y),
      commits: [...new Set(runs.map((r) => (r.commit === null ? '(no git)' : `${r.commit}${r.dirty ? '+dirty' : ''}`)))].sort(),
      solvers: [...new Set(runs.map((r) => r.label))],
    };
    const side = join(opts.out, `${stem}.json`);
    writeFileSync(side, JSON.stringify(sidecar, null, 1) + '\n');
    files.push(...written, side);
  };
  for (const inst of data.instances) {
    if (!inst.runs.some((r) => r.trace.k.length > 0)) continue;
    if (inst.family === 'gene-selection') continue; // a λ path: the accuracy-vs-genes figure below
    const title = instanceTitle(inst);
    await figure(
      convergenceStem(inst),
      title,
      (width) =>
        inlineData(
          convergenceSpec(inst, { interactive: false, nnzPanel: false, xaxis: 'time', xscale: 'log', width, height: Math.round(width * (width < 500 ? 0.85 : 0.6)), shortTitles: true, title, figure: { config: FIGURE_CONFIG } }),
        ),
      inst.runs,
      { family: inst.family, dataset: inst.dataset, lambda_ratio: inst.lambdaRatio, lambda: inst.lambda, instance: inst.key },
    );
  }
  const tvd = timeVsDimensionSpec(data, WIDTHS['2col']);
  if (tvd) await figure('time-vs-dimension', 'Time to relative suboptimality 1e-6 against problem size', (w) => timeVsDimensionSpec(data, w)?.spec ?? null, tvd.runs, { tolerance: 1e-6 });
  const acc = accuracySparsitySpec(data, WIDTHS['2col']);
  if (acc) await figure('accuracy-vs-sparsity', `${TEST_METRIC_NAME} against support size`, (w) => accuracySparsitySpec(data, w)?.spec ?? null, acc.runs, { statuses: COMPLETE });
  const compressionRuns = await loadCompressionRuns(opts.db);
  const points = compressionPoints(compressionRuns);
  const sweep = sweepPoints(compressionRuns);
  for (const dataset of [...new Set(points.map((p) => p.dataset))]) {
    const title = `Compression: ${datasetLabel(dataset)}`;
    const runs = data.instances.filter((i) => i.family === 'nn-compression' && i.dataset === dataset).flatMap((i) => i.runs);
    await figure(
      `compression-accuracy-${slug(datasetLabel(dataset))}`,
      title,
      (width) => compressionSpec(points.filter((p) => p.dataset === dataset), { width, height: Math.round(width * 0.6), title }),
      runs,
      { family: 'nn-compression', dataset, runs_read: 'reports/compression.ts: nn-compression runs with a protocol record' },
    );
    const sw = sweep.filter((p) => p.dataset === dataset);
    if (sw.length > 0) {
      const swTitle = `Compression at every threshold: ${datasetLabel(dataset)}`;
      await figure(
        `compression-sweep-${slug(datasetLabel(dataset))}`,
        swTitle,
        (width) => sweepSpec(sw, denseAccuracy(points.filter((p) => p.dataset === dataset)), { width, height: Math.round(width * 0.6), title: swTitle }),
        runs,
        { family: 'nn-compression', dataset, runs_read: "reports/compression.ts: the τ' sweep of nn-compression runs (threshold only, no fine-tuning)" },
      );
    }
  }
  if (data.families.some((f) => f.name === 'gene-selection')) {
    // accuracy against the number of selected genes, one figure per dataset (reports/genes.ts)
    for (const ds of summarizeGenes(await readGeneRuns(opts.db))) {
      if (ds.curve.length === 0) continue;
      const title = `Gene selection: ${ds.dataset}`;
      const runs = data.instances.filter((i) => i.family === 'gene-selection' && i.dataset === ds.dataset).flatMap((i) => i.runs);
      await figure(`accuracy-vs-genes-${slug(ds.dataset)}`, title, (width) => accuracyGenesSpec(ds, { width: Math.round(width / 2.4), height: Math.round(width * 0.35), title }), runs, { family: 'gene-selection', dataset: ds.dataset, runs_read: 'reports/genes.ts: gene-selection paths' });
    }
  }
  await figure('l1-landscape', 'L1 and its reparametrization', (_w, columns) => landscapeSpec(1, 0.5, 1.6, 60, columns), [], { closed_form: 'f(x) = (x − a)²/2 + λ|x|, g(u, w) = (uw − a)²/2 + (λ/2)(u² + w²), a = 1, λ = 0.5' });
  if (opts.only !== undefined && files.length === 0) {
    throw new UserError(`--only ${opts.only} matches no figure; figures here: ${[...stems].join(', ')}`);
  }
  if (pending.length > 0) {
    await printPdfs(pending);
    for (const p of pending) files.push(p.path);
  }
  return { files: files.sort(), suite, seconds: (performance.now() - start) / 1000 };
}

/** Prints each SVG to a one-page PDF of its own size in headless Chromium (offline; vector). */
async function printPdfs(items: readonly { path: string; svgPath: string; svg: string; width: number; height: number }[]): Promise<void> {
  const { existsSync } = await import('node:fs');
  const { CHROMIUM_PATH, offlineBrowser } = await import('./screenshot.ts');
  if (!existsSync(CHROMIUM_PATH)) {
    throw new UserError(`PDF figures need Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM), or pass --no-pdf for SVG only`);
  }
  const browser = await offlineBrowser();
  try {
    const page = await browser.context.newPage();
    for (const it of items) {
      // vega in Node estimates text widths (no canvas) and over-sizes some figures: the browser
      // measures the drawn content, and the SVG is cropped to it (4 px margin) before printing.
      await page.setContent(`<!doctype html><html><body style="margin:0">${it.svg}</body></html>`, { waitUntil: 'load' });
      const box = await page.evaluate(() => {
        // The drawn marks only: vega's group backgrounds are sized from its own text estimates.
        let x1 = 0;
        let y1 = 0;
        for (const e of document.querySelectorAll('svg g text, svg g path:not(.background), svg g line, svg g rect')) {
          const b = e.getBoundingClientRect();
          if (b.width === 0 && b.height === 0) continue;
          x1 = Math.max(x1, b.right);
          y1 = Math.max(y1, b.bottom);
        }
        return x1 > 0 && y1 > 0 ? { x: 0, y: 0, w: x1, h: y1 } : null;
      });
      let svg = it.svg;
      let width = it.width;
      let height = it.height;
      if (box !== null && box.w > 0 && box.h > 0 && (box.x + box.w < width - 8 || box.y + box.h < height - 8)) {
        width = Math.min(width, Math.ceil(box.x + box.w + 4));
        height = Math.min(height, Math.ceil(box.y + box.h + 4));
        svg = svg
          .replace(/^(<svg[^>]*?)\swidth="[^"]*"/, `$1 width="${Number((width / 96).toFixed(4))}in"`)
          .replace(/^(<svg[^>]*?)\sheight="[^"]*"/, `$1 height="${Number((height / 96).toFixed(4))}in"`)
          .replace(/^(<svg[^>]*?)\sviewBox="[^"]*"/, `$1 viewBox="0 0 ${width} ${height}"`)
          .replace(/<rect width="[\d.]+" height="[\d.]+" fill="white"\/>/, `<rect width="${width}" height="${height}" fill="white"/>`);
        writeFileSync(it.svgPath, svg);
      }
      const w = `${(width / 96).toFixed(4)}in`;
      const h = `${(height / 96).toFixed(4)}in`;
      await page.setContent(`<!doctype html><html><head><style>@page { size: ${w} ${h}; margin: 0 } html, body { margin: 0; padding: 0 } svg { display: block }</style></head><body>${svg}</body></html>`, { waitUntil: 'load' });
      await page.pdf({ path: it.path, width: w, height: h, printBackground: true, margin: { top: '0', right: '0', bottom: '0', left: '0' }, pageRanges: '1' });
    }
  } finally {
    await browser.close();
  }
}
