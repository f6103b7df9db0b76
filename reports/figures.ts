/**
 * `l1bench figures`: static SVG figures for papers, rendered in Node by vega (`view.toSVG()`)
 * from the same Vega-Lite specs as the HTML report, reading results.db alone.
 *
 * - convergence-<family>-<n>.svg: relative suboptimality (or gap) against solver time per
 *   instance, median over seeds with min–max band;
 * - time-vs-dimension.svg: time to reach relative suboptimality 1e-6 against the number of
 *   parameters, per solver configuration, one line per (family, λ/λ_max) (log–log);
 * - accuracy-vs-sparsity.svg: test metric against support size of the final iterates (runs
 *   with a test metric only);
 * - compression-accuracy-<n>.svg: test accuracy against compression ratio per method on each
 *   nn-compression dataset, before and after threshold + fine-tune, dense as a line
 *   (reports/compression.ts);
 * - l1-landscape.svg: the 1-D loss f(x) = (x − a)²/2 + λ|x| against its spred
 *   reparametrization g(u, w) = (uw − a)²/2 + (λ/2)(u² + w²): along the balanced path
 *   |u| = |w| = √|x|, g equals f (min over uw = x of (λ/2)(u² + w²) is λ|x|, by AM–GM);
 *   along an unbalanced path u = 2w it lies above; right, g over the (u, w) plane.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

import { COMPLETE, readReportData, type ReportData } from './data.ts';
import { median } from './metrics.ts';
import { criterionOf, runTimeToTol } from './rank.ts';
import { CHART_CONFIG, convergenceSpec, inlineData, LOG_AXIS } from './specs.ts';
import { compressionPoints, compressionSpec, loadCompressionRuns } from './compression.ts';

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

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'x';
}

/** Time to 1e-6 against dimension: one point per (instance, label), median over seeds. */
export function timeVsDimensionSpec(data: ReportData, tol = 1e-6): Record<string, unknown> | null {
  const rows: { dim: number; s: string; t: number; family: string; path: string }[] = [];
  for (const inst of data.instances) {
    if (!inst.built || inst.dim === null) continue;
    const crit = criterionOf(inst);
    for (const label of data.labels) {
      const runs = inst.runs.filter((r) => r.label === label && r.status !== 'skipped');
      if (runs.length === 0) continue;
      const t = median(runs.map((r) => runTimeToTol(r, crit, tol)), true);
      if (Number.isFinite(t) && t > 0) rows.push({ dim: inst.dim, s: label, t, family: inst.family, path: `${inst.family} ${inst.lambdaRatio ?? inst.lambda}` });
    }
  }
  if (rows.length === 0) return null;
  return {
    $schema: SCHEMA,
    width: 420,
    height: 320,
    data: { values: rows },
    mark: { type: 'line', point: { filled: true, size: 40 } },
    encoding: {
      x: { field: 'dim', type: 'quantitative', title: 'number of parameters (log)', scale: { type: 'log' }, axis: LOG_AXIS },
      y: { field: 't', type: 'quantitative', title: `time to rel. subopt. ${tol.toExponential(0)} (s)`, scale: { type: 'log' }, axis: LOG_AXIS },
      color: { field: 's', type: 'nominal', title: 'solver', legend: { symbolType: 'stroke' } },
      detail: { field: 'path', type: 'nominal' },
      shape: { field: 'family', type: 'nominal', title: 'problem' },
    },
    config: CHART_CONFIG,
  };
}

/** Test metric against support size of final iterates (complete runs with a test metric). */
export function accuracySparsitySpec(data: ReportData): Record<string, unknown> | null {
  const rows = data.instances
    .flatMap((i) => i.runs)
    .filter((r) => COMPLETE.includes(r.status) && r.testMetric !== null && r.nnz !== null)
    .map((r) => ({ nnz: r.nnz, acc: r.testMetric, s: r.label, family: r.family }));
  if (rows.length === 0) return null;
  return {
    $schema: SCHEMA,
    width: 420,
    height: 280,
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 45, opacity: 0.8 },
    encoding: {
      x: { field: 'nnz', type: 'quantitative', title: 'number of selected parameters (nnz)' },
      y: { field: 'acc', type: 'quantitative', title: 'test metric', scale: { zero: false } },
      color: { field: 's', type: 'nominal', title: 'solver' },
      shape: { field: 'family', type: 'nominal', title: 'problem' },
    },
    config: CHART_CONFIG,
  };
}

/**
 * The landscape figure for f(x) = (x − a)²/2 + λ|x| and g(u, w) = (uw − a)²/2 + (λ/2)(u² + w²).
 * Left: f, g on the balanced path (x = s·t², u = t, w = s·t) and on u = 2w (x = 2w²·sign).
 * Right: log₁₀(g − min g + 10⁻³) on a grid over [−r, r]², with the balanced diagonals.
 */
export function landscapeSpec(a = 1, lambda = 0.5, r = 1.6, grid = 40): Record<string, unknown> {
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
  return {
    $schema: SCHEMA,
    title: { text: `L1 and its reparametrization: a = ${a}, λ = ${lambda}`, fontSize: 13 },
    hconcat: [
      {
        width: 320,
        height: 260,
        data: { values: curves },
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'x = u·w' },
          y: { field: 'v', type: 'quantitative', title: 'loss', scale: { domain: [0, 2.5] } },
          color: { field: 'c', type: 'nominal', title: null, legend: { orient: 'top', direction: 'vertical', symbolType: 'stroke', labelLimit: 400 }, scale: { range: ['#222222', '#e15759', '#4e79a7'] } },
          strokeDash: { field: 'c', type: 'nominal', title: null, scale: { range: [[1, 0], [6, 4], [1, 0]] } },
        },
      },
      {
        width: 260,
        height: 260,
        layer: [
          {
            data: { values: cells },
            mark: { type: 'rect', strokeWidth: 0.5 },
            encoding: {
              x: { field: 'u0', type: 'quantitative', title: 'u', scale: { domain: [-r, r], nice: false } },
              x2: { field: 'u1' },
              y: { field: 'w0', type: 'quantitative', title: 'w', scale: { domain: [-r, r], nice: false } },
              y2: { field: 'w1' },
              color: { field: 'z', type: 'quantitative', title: 'log₁₀(g − g_min + 10⁻³)', scale: { scheme: 'viridis', reverse: true }, legend: { orient: 'right', gradientLength: 200, titleLimit: 300 } },
              stroke: { field: 'z', type: 'quantitative', title: 'log₁₀(g − g_min + 10⁻³)', scale: { scheme: 'viridis', reverse: true }, legend: { orient: 'right', gradientLength: 200, titleLimit: 300 } },
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
      },
    ],
    resolve: { scale: { color: 'independent', strokeDash: 'independent', stroke: 'independent' } },
    config: CHART_CONFIG,
  };
}

export interface FiguresOptions {
  readonly db: string;
  readonly out: string;
}

export interface FiguresResult {
  readonly files: string[];
  readonly seconds: number;
}

/** Writes every figure into `out`. */
export async function renderFigures(opts: FiguresOptions): Promise<FiguresResult> {
  const start = performance.now();
  const data = await readReportData(opts.db);
  mkdirSync(opts.out, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, spec: Record<string, unknown>): Promise<void> => {
    const path = join(opts.out, name);
    writeFileSync(path, await toSvg(spec));
    files.push(path);
  };
  for (const fam of data.families) {
    let n = 0;
    for (const inst of fam.instances) {
      if (!inst.runs.some((r) => r.trace.k.length > 0)) continue;
      n++;
      const ratio = inst.lambdaRatio === null ? '' : `, λ = ${Number(inst.lambdaRatio.toPrecision(3))}·λmax`;
      const ref = inst.referenceKind === null ? '' : inst.referenceKind === 'certified' ? ' (certified F*)' : ' (F* = best value seen)';
      const payload = convergenceSpec(inst, { interactive: false, nnzPanel: false, xaxis: 'time', width: 400, height: 300, shortTitles: true, title: `${inst.family}: ${inst.dataset}${ratio}${ref}` });
      await write(`convergence-${slug(fam.name)}-${n}.svg`, inlineData(payload));
    }
  }
  const tvd = timeVsDimensionSpec(data);
  if (tvd) await write('time-vs-dimension.svg', tvd);
  const acc = accuracySparsitySpec(data);
  if (acc) await write('accuracy-vs-sparsity.svg', acc);
  const points = compressionPoints(await loadCompressionRuns(opts.db));
  for (const [i, dataset] of [...new Set(points.map((p) => p.dataset))].entries()) {
    const spec = compressionSpec(points.filter((p) => p.dataset === dataset), { width: 420, height: 300, title: `nn-compression: ${dataset}` });
    if (spec) await write(`compression-accuracy-${i + 1}.svg`, spec);
  }
  await write('l1-landscape.svg', landscapeSpec());
  return { files, seconds: (performance.now() - start) / 1000 };
}
