/**
 * The report's regularization-path page (paths.html): for each path stored by `solve --path`
 * (runs linked by extras.path.id, harness/path.ts), the coefficients w_j(λ) against λ/λ_max
 * (log axis; the features ever nonzero, at most MAX_LINES of the largest) and the solver time
 * per λ (cumulative from the path's start), with a table of every point's certificate.
 * Static inline SVG: the page opens from disk with no script.
 */
import type { RunRow } from '../harness/store/index.ts';

const MAX_LINES = 40;
const W = 560;
const H = 300;
const M = { l: 64, r: 16, t: 16, b: 40 };

interface PathPoint {
  readonly index: number;
  readonly ratio: number;
  readonly status: string;
  readonly relGap: number | null;
  readonly nnz: number | null;
  readonly seconds: number | null;
  readonly cumulative: number | null;
  readonly coef: { idx: number[]; val: number[] } | null;
}

interface PathGroup {
  readonly id: string;
  readonly title: string;
  readonly mode: string;
  readonly points: PathPoint[];
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

const sci = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : v.toExponential(2));

/** The paths in a set of runs (runs without extras.path are ignored). */
export function collectPaths(runs: readonly RunRow[]): PathGroup[] {
  const groups = new Map<string, PathGroup>();
  for (const r of runs) {
    if (!r.extras) continue;
    let ex: { path?: { id: string; index: number; mode: string; cumulativeSeconds: number | null }; coef?: { idx: number[]; val: number[] } | null };
    try {
      ex = JSON.parse(r.extras) as typeof ex;
    } catch {
      continue;
    }
    // regularization paths only (gene-selection runs keep a λ path of their own shape in extras.path)
    if (r.family === 'gene-selection' || !ex.path || typeof ex.path.id !== 'string' || typeof ex.path.index !== 'number' || typeof ex.path.mode !== 'string') continue;
    let g = groups.get(ex.path.id);
    if (!g) {
      g = { id: ex.path.id, title: `${r.solver_label} on ${r.family} / ${r.dataset}`, mode: ex.path.mode, points: [] };
      groups.set(ex.path.id, g);
    }
    // a rerun replaces the earlier point of the same index
    const at = g.points.findIndex((p) => p.index === ex.path?.index);
    const point: PathPoint = {
      index: ex.path.index,
      ratio: r.lambda_ratio ?? NaN,
      status: r.status,
      relGap: r.rel_gap ?? null,
      nnz: r.nnz ?? null,
      seconds: r.solver_seconds ?? null,
      cumulative: typeof ex.path.cumulativeSeconds === 'number' ? ex.path.cumulativeSeconds : null,
      coef: ex.coef ?? null,
    };
    if (at >= 0) g.points[at] = point;
    else g.points.push(point);
  }
  for (const g of groups.values()) g.points.sort((a, b) => a.index - b.index);
  return [...groups.values()];
}

function plot(title: string, xs: number[], series: { name: string; ys: (number | null)[] }[], ylabel: string, logY = false): string {
  const finite = series.flatMap((s) => s.ys.filter((v): v is number => v !== null && Number.isFinite(v) && (!logY || v > 0)));
  if (finite.length === 0 || xs.length === 0) return '';
  const lx = xs.map((x) => Math.log10(x));
  const x0 = Math.min(...lx);
  const x1 = Math.max(...lx) === x0 ? x0 + 1 : Math.max(...lx);
  const tr = (v: number): number => (logY ? Math.log10(v) : v);
  let y0 = Math.min(...finite.map(tr));
  let y1 = Math.max(...finite.map(tr));
  if (y1 === y0) {
    y0 -= 1;
    y1 += 1;
  }
  const px = (v: number): number => M.l + ((v - x0) / (x1 - x0)) * (W - M.l - M.r);
  const py = (v: number): number => H - M.b - ((tr(v) - y0) / (y1 - y0)) * (H - M.t - M.b);
  const lines = series
    .map((s, i) => {
      const pts = s.ys.map((v, k) => (v === null || !Number.isFinite(v) || (logY && v <= 0) ? null : `${px(lx[k] as number).toFixed(1)},${py(v).toFixed(1)}`)).filter((p) => p !== null);
      const hue = (i * 137.5) % 360;
      return `<polyline fill="none" stroke="hsl(${hue.toFixed(0)},60%,42%)" stroke-width="1.4" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`;
    })
    .join('');
  const ticks = [];
  for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) ticks.push(`<text x="${px(e).toFixed(1)}" y="${H - M.b + 16}" text-anchor="middle" font-size="11">1e${e}</text>`);
  const yt = [y0, (y0 + y1) / 2, y1].map((v) => `<text x="${M.l - 6}" y="${(H - M.b - ((v - y0) / (y1 - y0)) * (H - M.t - M.b) + 4).toFixed(1)}" text-anchor="end" font-size="11">${logY ? `1e${v.toFixed(1)}` : v.toPrecision(3)}</text>`);
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">
<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#999"/>${lines}${ticks.join('')}${yt.join('')}
<text x="${(W + M.l) / 2}" y="${H - 6}" text-anchor="middle" font-size="12">λ / λ_max (log)</text>
<text x="14" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${H / 2})">${esc(ylabel)}</text></svg><figcaption>${esc(title)}</figcaption></figure>`;
}

/** The HTML of paths.html, or null when the database holds no path. */
export function pathsPage(runs: readonly RunRow[], generatedAt: string): string | null {
  const paths = collectPaths(runs);
  if (paths.length === 0) return null;
  const sections = paths.map((g) => {
    const xs = g.points.map((p) => p.ratio);
    // features ever nonzero, the MAX_LINES with the largest |w_j| anywhere on the path
    const peak = new Map<number, number>();
    for (const p of g.points) p.coef?.idx.forEach((j, q) => peak.set(j, Math.max(peak.get(j) ?? 0, Math.abs(p.coef?.val[q] ?? 0))));
    const feats = [...peak.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_LINES).map(([j]) => j);
    const coefSeries = feats.map((j) => ({
      name: `w_${j}`,
      ys: g.points.map((p) => {
        if (!p.coef) return null;
        const q = p.coef.idx.indexOf(j);
        return q < 0 ? 0 : (p.coef.val[q] as number);
      }),
    }));
    const timeSeries = [
      { name: 'cumulative solver seconds', ys: g.points.map((p) => p.cumulative) },
      { name: 'seconds of this λ', ys: g.points.map((p) => p.seconds) },
    ];
    const rows = g.points
      .map((p) => `<tr class="row-${esc(p.status)}"><td class="num">${p.index + 1}</td><td class="num">${sci(p.ratio)}</td><td><span class="badge status-${esc(p.status)}">${esc(p.status)}</span></td><td class="num">${sci(p.relGap)}</td><td class="num">${p.nnz ?? '—'}</td><td class="num">${p.seconds === null ? '—' : p.seconds.toFixed(4)}</td><td class="num">${p.cumulative === null ? '—' : p.cumulative.toFixed(4)}</td></tr>`)
      .join('\n');
    return `<section class="instance" id="path-${esc(g.id)}"><h2>${esc(g.title)} <span class="sub">${g.points.length} λ, ${esc(g.mode)}, path <code>${esc(g.id)}</code></span></h2>
${plot(`coefficients along the path (${feats.length} of ${peak.size} features ever nonzero)`, xs, coefSeries, 'w_j')}
${plot('solver time per λ (log)', xs, timeSeries, 'seconds', true)}
<table class="grid runs"><thead><tr><th class="num">k</th><th class="num">λ / λ<sub>max</sub></th><th>status</th><th class="num">rel. gap</th><th class="num">nnz</th><th class="num">time (s)</th><th class="num">cumulative (s)</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Regularization paths · l1bench report</title><link rel="stylesheet" href="assets/report.css"></head>
<body><header class="top"><a class="brand" href="index.html">l1bench</a><nav><a href="index.html">Overview</a><a href="paths.html" aria-current="page">Paths</a></nav></header>
<main><h1>Regularization paths</h1>
<p class="lede">${paths.length} path(s) from <code>l1bench solve --path</code>: one run per λ, each certified on its own (warm-start: each λ starts from the previous solution; native: the solver's own path function, its time counted from the path's start).</p>
${sections.join('\n')}
</main><footer>Generated ${esc(generatedAt)}.</footer></body></html>
`;
}
