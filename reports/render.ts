/**
 * `l1bench report`: results.db → a static HTML report that opens from disk with no network.
 *
 * Pages (all in one folder): index.html (the benchmark at a glance, provenance), one
 * family-<name>.html per problem family (per instance: convergence curves, support size, run
 * table; every run that did not finish normally with its reason), ranking.html (performance
 * profiles, time to tolerance) and history.html (final accuracy across git commits). Charts are
 * Vega-Lite specs drawn by vega-embed from assets/vega-bundle.js (vega + vega-lite + vega-embed
 * minified builds, shared by every page through a relative <script src>).
 *
 * Escaping: every name from the database reaches HTML through handlebars' {{ }} (HTML-escaped);
 * chart payloads are JSON inside <script type="application/json"> with <, >, & and the line
 * separators written as \u escapes ({@link scriptJson}), so no text can close the script element.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import Handlebars from 'handlebars';

import { STATUSES, type Status } from '../problems/types.ts';
import { NNZ_TAUS } from '../problems/types.ts';
import { COMPLETE, datasetLabel, forSuite, readReportData, stoppedEarly, TEST_METRIC_NAME, type ReportData, type ReportInstance, type ReportRun } from './data.ts';
import { pathsPage } from './paths.ts';
import { openReadOnly } from '../harness/store/index.ts';
import { computeHistory, computeRanking, type Criterion } from './rank.ts';
import { convergenceSpec, historySpec, profileSpec, timeToTolSpec, type ChartPayload } from './specs.ts';
import { solverColor } from './style.ts';
import { compressionContext } from './compression-page.ts';
import { compressionData, loadCompressionRuns, NO_COMPRESSION, type CompressionData } from './compression.ts';
import { genePageContext, readGeneRuns, type GeneRun } from './genes.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** JSON that is safe inside an HTML <script> element (no `<`, `>`, `&`, U+2028/9 left raw). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT_ESCAPES[c] as string);
}

const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Path of an installed package's folder (its exports hide the build files from resolve). */
function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === name) return dir;
    } catch {
      /* keep walking up */
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
}

let vendorCache: string | null = null;

/** vega, vega-lite and vega-embed minified UMD builds, concatenated (source-map comments dropped). */
export function vendorBundle(): string {
  if (vendorCache !== null) return vendorCache;
  const parts = ['vega', 'vega-lite', 'vega-embed'].map((name) => {
    const js = readFileSync(join(packageDir(name), 'build', `${name}.min.js`), 'utf8');
    return `/* ${name} */\n` + js.replace(/\/\/# sourceMappingURL=\S+\s*$/, '') + '\n;\n';
  });
  vendorCache = parts.join('');
  return vendorCache;
}

// ---------- number formatting (tables) ----------

const DASH = '—';

/** Scientific or fixed notation with ~3 significant digits. */
export function sci(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  const s = a >= 1e-3 && a < 1e4 ? Number(v.toPrecision(3)).toString() : v.toExponential(2);
  return s.replace(/-/g, '−');
}

function full(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
  return v.toPrecision(10).replace(/-/g, '−');
}

function int(v: number | null | undefined): string {
  return v === null || v === undefined ? DASH : String(v);
}

function secs(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
  if (!Number.isFinite(v)) return DASH;
  if (v === 0) return '0';
  return v < 1e-3 ? v.toExponential(1).replace(/-/g, '−') : Number(v.toPrecision(3)).toString();
}

function ratio(inst: { lambdaRatio: number | null }): string {
  return inst.lambdaRatio === null ? '?' : Number(inst.lambdaRatio.toPrecision(3)).toString();
}

function referenceText(inst: ReportInstance): string {
  if (inst.reference === null) return 'none recorded (curves show the duality gap or KKT violation)';
  return `${full(inst.reference)} (${inst.referenceKind === 'certified' ? 'certified by the duality gap' : 'best value seen'})`;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): { name: string; count: number }[] {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return [...m.entries()].map(([name, count]) => ({ name, count }));
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'family';
}

// ---------- templates ----------

type Template = Handlebars.TemplateDelegate;
let templates: { index: Template; family: Template; ranking: Template; history: Template; compression: Template; genes: Template } | null = null;

function loadTemplates(): NonNullable<typeof templates> {
  if (templates) return templates;
  const hb = Handlebars.create();
  const read = (name: string): string => readFileSync(join(HERE, 'templates', `${name}.hbs`), 'utf8');
  hb.registerPartial('layout', read('layout'));
  const opts = { strict: false, noEscape: false } as const;
  templates = {
    index: hb.compile(read('index'), opts),
    family: hb.compile(read('family'), opts),
    ranking: hb.compile(read('ranking'), opts),
    history: hb.compile(read('history'), opts),
    compression: hb.compile(read('compression'), opts),
    genes: hb.compile(read('genes'), opts),
  };
  return templates;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(HERE, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** One output file. */
export interface Page {
  readonly file: string;
  readonly content: string;
}

/** How the pages of one view link to the shared assets and to the other suites' views. */
export interface PageView {
  /** Relative path of the assets folder ('assets/' or '../assets/'). */
  readonly assets: string;
  /** The suite selector: one entry per suite, `href` relative to this view's pages. */
  readonly suites: readonly { name: string; href: string; current: boolean }[];
}

/** A suite's name on the page (runs recorded without one are "ad hoc"). */
export function suiteLabel(suite: string | null): string {
  return suite ?? 'ad hoc (no suite)';
}

/** Status as the tables show it: planned skips are "not applicable"; a max_iter run far short of its budget "stopped". */
function statusText(r: ReportRun): string {
  if (r.status === 'skipped') return 'not applicable';
  if (stoppedEarly(r)) return 'stopped';
  return r.status;
}

const criterionName: Record<Criterion, string> = { subopt: 'rel. subopt', gap: 'rel. gap', kkt: 'KKT' };

/**
 * Builds every page of the report from loaded data (no I/O besides reading the templates and
 * the vega builds). `generatedAt` is printed in the footer.
 */
export function buildPages(
  data: ReportData,
  generatedAt = new Date().toISOString(),
  view: PageView = { assets: 'assets/', suites: [] },
  compression: CompressionData = NO_COMPRESSION,
  geneRuns: readonly GeneRun[] = [],
): Page[] {
  const tpl = loadTemplates();
  const ver = version();
  const families = data.families.map((f, i) => {
    let s = slug(f.name);
    if (data.families.slice(0, i).some((g) => slug(g.name) === s)) s = `${s}-${i}`;
    return { family: f, file: `family-${s}.html` };
  });
  const fileOf = new Map(families.map((f) => [f.family.name, f.file]));
  const anchorOf = new Map<string, string>();
  data.families.forEach((f) => f.instances.forEach((inst, j) => anchorOf.set(inst.key, `i${j + 1}`)));
  const hrefOf = (inst: ReportInstance): string => `${fileOf.get(inst.family) ?? 'index.html'}#${anchorOf.get(inst.key) ?? ''}`;
  const instName = (inst: ReportInstance): string => `${inst.family}: ${datasetLabel(inst.dataset)}, λ = ${ratio(inst)}·λmax`;
  const common = (current: { isIndex?: boolean; isRanking?: boolean; isHistory?: boolean; family?: string }, title: string, hasCharts: boolean) => ({
    title,
    version: ver,
    generatedAt,
    dbPath: data.dbPath,
    hasCharts,
    assets: view.assets,
    suites: view.suites,
    suiteName: data.suite === undefined ? null : suiteLabel(data.suite),
    ...current,
    nav: {
      families: families.map((f) => ({ name: f.family.name, file: f.file, current: f.family.name === current.family })),
      ...(compression.points.length ? { compression: { current: current.family === 'compression' } } : {}),
    },
  });

  const pages: Page[] = [];
  const allRuns = (f: ReportData['families'][number]): ReportRun[] => f.instances.flatMap((i) => [...i.runs, ...i.superseded]);
  const statusCounts = (runs: readonly ReportRun[]): number[] => STATUSES.map((s) => runs.filter((r) => r.status === s).length);

  // ----- index -----
  const commitsSeen = new Map<string, { runs: number; first: string; last: string }>();
  for (const r of data.runs) {
    const key = r.commit === null ? '(no git)' : `${r.commit.slice(0, 12)}${r.dirty ? ' +dirty' : ''}`;
    const c = commitsSeen.get(key);
    if (!c) commitsSeen.set(key, { runs: 1, first: r.startedAt, last: r.startedAt });
    else {
      c.runs++;
      if (r.startedAt < c.first) c.first = r.startedAt;
      if (r.startedAt > c.last) c.last = r.startedAt;
    }
  }
  const versionCounts = new Map<string, Map<string, number>>();
  const bump = (name: string, v: string): void => {
    let m = versionCounts.get(name);
    if (!m) versionCounts.set(name, (m = new Map()));
    m.set(v, (m.get(v) ?? 0) + 1);
  };
  for (const r of data.runs) {
    bump('node', r.nodeVersion);
    for (const [k, v] of Object.entries(r.versions)) bump(k, v);
  }
  const labelsInfo = data.labels.map((label) => {
    const runs = data.runs.filter((r) => r.label === label);
    const first = runs[0] as ReportRun;
    return { label, color: solverColor(label), solver: first.solver, params: first.params, runs: runs.length, counts: statusCounts(runs) };
  });
  pages.push({
    file: 'index.html',
    content: tpl.index({
      ...common({ isIndex: true }, 'Overview', false),
      summary: {
        runs: data.runs.length,
        labels: data.labels.length,
        instances: data.instances.length,
        families: data.families.length,
        datasets: data.datasets.length,
        commits: commitsSeen.size,
        machines: new Set(data.runs.map((r) => r.machine)).size,
      },
      statuses: STATUSES,
      statusTotals: STATUSES.map((s) => ({ status: s, label: s === 'skipped' ? 'not applicable' : s, count: data.runs.filter((r) => r.status === s).length })),
      families: families.map(({ family, file }) => ({
        name: family.name,
        file,
        instances: family.instances.length,
        runs: allRuns(family).length,
        notOk: family.runs.filter((r) => !COMPLETE.includes(r.status) && r.status !== 'skipped').length,
        notApplicable: family.runs.filter((r) => r.status === 'skipped').length,
      })),
      statusTable: families.map(({ family, file }) => ({ name: family.name, file, counts: statusCounts(allRuns(family)), total: allRuns(family).length })),
      instances: data.instances.map((inst) => ({
        family: inst.family,
        dataset: inst.dataset,
        href: hrefOf(inst),
        n: int(inst.nSamples),
        p: int(inst.nFeatures),
        ratio: ratio(inst),
        reference: inst.reference === null ? DASH : `${full(inst.reference)} (${inst.referenceKind === 'certified' ? 'certified' : 'best seen'})`,
        runs: inst.runs.length + inst.superseded.length,
      })),
      solvers: labelsInfo,
      commits: [...commitsSeen.entries()].map(([label, c]) => ({ label, ...c })),
      machines: countBy(data.runs, (r) => r.machine),
      engines: countBy(data.runs, (r) => `${r.engine}\u0000${r.backend ?? DASH}\u0000${r.device ?? DASH}`).map(({ name, count }) => {
        const [engine, backend, device] = name.split('\u0000');
        return { engine, backend, device, count };
      }),
      versions: [...versionCounts.entries()].map(([name, m]) => ({ name, values: [...m.entries()].map(([v, c]) => `${v} (${c})`).join(', ') })),
    }),
  });

  // ----- family pages -----
  let chartNo = 0;
  for (const { family, file } of families) {
    if (family.name === 'gene-selection' && geneRuns.length > 0) {
      // a λ path per run: its own page (reports/genes.ts), not convergence curves
      pages.push({ file, content: tpl.genes({ ...common({ family: family.name }, family.name, true), ...genePageContext(geneRuns, scriptJson) }) });
      continue;
    }
    const instances = family.instances.map((inst) => {
      const hasTrace = inst.runs.some((r) => r.trace.k.length > 0);
      const chartId = hasTrace ? `chart-${++chartNo}` : null;
      const payload: ChartPayload | null = hasTrace ? convergenceSpec(inst, { interactive: true }) : null;
      const runs = [...inst.runs].sort((a, b) => data.labels.indexOf(a.label) - data.labels.indexOf(b.label) || a.seed - b.seed || a.id - b.id);
      return {
        anchor: anchorOf.get(inst.key),
        dataset: inst.dataset,
        ratio: ratio(inst),
        n: int(inst.nSamples),
        p: int(inst.nFeatures),
        dim: int(inst.dim),
        lambda: sci(inst.lambda),
        reference: referenceText(inst),
        shortKey: inst.built ? inst.key.slice(0, 12) : 'not built',
        built: inst.built,
        chartId,
        chartJson: payload ? scriptJson(payload) : '',
        hasTest: inst.runs.some((r) => r.testMetric !== null),
        nnzTaus: NNZ_TAUS.map((t) => sci(t)),
        testMetricName: TEST_METRIC_NAME,
        runs: runs.map((r) => ({
          label: r.label,
          color: solverColor(r.label),
          seed: r.seed,
          status: r.status,
          statusText: statusText(r),
          reason: r.reason ?? '',
          objective: full(r.objective),
          relSubopt: sci(r.relSubopt),
          gap: sci(r.gap),
          kkt: sci(r.kkt),
          tau: r.tau === 0 ? '0' : sci(r.tau),
          nnz: int(r.nnz),
          nnzAt: r.nnzAt.map(int),
          seconds: secs(r.seconds),
          iterations: r.iterations === null ? DASH : `${r.iterations} / ${r.maxIter}`,
          testMetric: r.testMetric === null ? DASH : r.testMetric.toFixed(4),
        })),
      };
    });
    const notApplicable = family.instances.flatMap((inst) =>
      inst.runs
        .filter((r) => r.status === 'skipped')
        .map((r) => ({ anchor: anchorOf.get(inst.key), dataset: inst.dataset, ratio: ratio(inst), label: r.label, seed: r.seed, reason: r.reason ?? '(no reason recorded)' })),
    );
    const stopped = family.instances.flatMap((inst) =>
      inst.runs
        .filter((r) => stoppedEarly(r) || r.status === 'stalled')
        .map((r) => ({ anchor: anchorOf.get(inst.key), dataset: inst.dataset, ratio: ratio(inst), label: r.label, seed: r.seed, iterations: `${int(r.iterations)} / ${r.maxIter}`, reason: r.reason ?? '(no reason recorded)' })),
    );
    const notFinished = family.instances.flatMap((inst) =>
      inst.runs
        .filter((r) => !COMPLETE.includes(r.status) && r.status !== 'skipped')
        .map((r) => ({
          anchor: anchorOf.get(inst.key),
          dataset: inst.dataset,
          ratio: ratio(inst),
          label: r.label,
          seed: r.seed,
          status: r.status,
          reason: r.reason ?? '(no reason recorded)',
          iterations: int(r.iterations),
          curve: r.trace.k.length > 0 ? `${r.trace.k.length} points, dashed` : 'none',
        })),
    );
    pages.push({
      file,
      content: tpl.family({
        ...common({ family: family.name }, family.name, instances.some((i) => i.chartId !== null)),
        family: {
          name: family.name,
          instanceCount: family.instances.length,
          runCount: family.runs.length,
          superseded: family.instances.reduce((n, i) => n + i.superseded.length, 0),
          statusLine: STATUSES.map((s, i) => ({ status: s, count: statusCounts(family.runs)[i] })).filter((x) => (x.count ?? 0) > 0),
        },
        instances,
        notFinished,
        notApplicable,
        stopped,
      }),
    });
  }

  // ----- ranking -----
  const ranking = computeRanking(data);
  const defaultTol = ranking.tables.find((t) => t.label === '1e-6') ?? ranking.tables[0];
  pages.push({
    file: 'ranking.html',
    content: tpl.ranking({
      ...common({ isRanking: true }, 'Ranking', true),
      instanceCount: ranking.tables[0]?.rows.length ?? 0,
      profileJson: scriptJson(profileSpec(ranking.profiles, ranking.tolLabels, ranking.groups, ranking.labels, ranking.tauMax)),
      barsJson: scriptJson(
        timeToTolSpec(
          ranking.tables.flatMap((t) =>
            t.rows.flatMap((row) =>
              row.times.flatMap((x, j) => (x !== null && Number.isFinite(x) ? [{ tol: t.label, instance: instName(row.instance), solver: ranking.labels[j] as string, seconds: x }] : [])),
            ),
          ),
          ranking.tolLabels,
          (ranking.tables[0]?.rows ?? []).map((r) => instName(r.instance)),
          ranking.labels,
        ),
      ),
      labels: ranking.labels,
      tables: ranking.tables.map((t) => ({
        label: t.label,
        open: t === defaultTol,
        rows: t.rows.map((row) => {
          const finite = row.times.filter((x): x is number => x !== null && Number.isFinite(x));
          const best = finite.length ? Math.min(...finite) : NaN;
          return {
            name: instName(row.instance),
            href: hrefOf(row.instance),
            criterion: criterionName[row.criterion],
            cells: row.times.map((x, s) => ({
              text: x === null ? (row.skipped[s] ? 'n/a' : '') : Number.isFinite(x) ? secs(x) : DASH,
              na: x === null && row.skipped[s] === true,
              best: x !== null && x === best,
              partial: x !== null && (row.reached[s] ?? 0) < (row.seeds[s] ?? 0) && (row.reached[s] ?? 0) > 0 ? `${row.reached[s]}/${row.seeds[s]}` : '',
            })),
          };
        }),
      })),
    }),
  });

  // ----- history -----
  const history = computeHistory(data);
  const histCharts = data.families
    .map((f) => {
      const points = history.points.filter((p) => p.family === f.name);
      if (points.length === 0) return null;
      const labels = data.labels.filter((l) => points.some((p) => p.solver === l));
      return { family: f.name, id: `history-${slug(f.name)}-${++chartNo}`, json: scriptJson(historySpec(points, history.commits.map((c) => c.label), labels, 'final accuracy: rel. subopt (or rel. gap), log')) };
    })
    .filter((c) => c !== null);
  pages.push({
    file: 'history.html',
    content: tpl.history({
      ...common({ isHistory: true }, 'History', histCharts.length > 0),
      single: history.commits.length <= 1,
      charts: histCharts,
      commits: history.commits.map((c) => ({ label: c.label, first: c.first })),
      rows: history.rows.map((r) => ({
        instance: instName(r.instance),
        href: hrefOf(r.instance),
        label: r.label,
        criterion: r.criterion,
        values: r.values.map((v, i) => {
          const prev = r.values.slice(0, i).filter((x): x is number => x !== null).pop();
          // Flag a result 10× worse than the previous commit's (and above 1e-10, where noise rules).
          return { text: sci(v), worse: v !== null && prev !== undefined && v > 10 * prev && v > 1e-10 };
        }),
      })),
    }),
  });
  // ----- compression (nn-compression runs with a protocol record) -----
  if (compression.points.length) pages.push({ file: 'compression.html', content: tpl.compression({ ...common({ family: 'compression' }, 'Compression', true), ...compressionContext(compression.points, compression.sweep) }) });
  return pages;
}

/** Folder of a suite's pages: the first suite (drawn by default) at the top, the others in suite-<name>/. */
function suiteFolder(suites: readonly (string | null)[], suite: string | null): string {
  if (suite === suites[0]) return '';
  const i = suites.indexOf(suite);
  return `suite-${suite === null ? 'ad-hoc' : slug(suite)}${suites.slice(1, i).some((o) => o !== null && slug(o) === slug(suite ?? '')) ? `-${i}` : ''}/`;
}

/**
 * Every page of the report: with one suite (or none), one set of pages over every run; with
 * several, one set per suite, the default one (the `default` suite, else that of the newest run)
 * with the compression page,
 * at the top and each other in suite-<name>/, linked by a suite selector. Runs of one suite never
 * replace another's current runs.
 */
export function suitePages(data: ReportData, generatedAt = new Date().toISOString(), compression: CompressionData = NO_COMPRESSION, geneRuns: readonly GeneRun[] = []): Page[] {
  if (data.suites.length <= 1) return buildPages(data, generatedAt, undefined, compression, geneRuns);
  const folders = data.suites.map((s) => suiteFolder(data.suites, s));
  return data.suites.flatMap((suite, i) => {
    const here = folders[i] as string;
    const up = here === '' ? '' : '../';
    const view: PageView = {
      assets: `${up}assets/`,
      suites: data.suites.map((other, j) => ({ name: suiteLabel(other), href: `${up}${folders[j] as string}index.html`, current: i === j })),
    };
    // The compression page (its runs are read apart, across suites) sits with the default view.
    return buildPages(forSuite(data, suite), generatedAt, view, i === 0 ? compression : NO_COMPRESSION, i === 0 ? geneRuns : []).map((p) => ({ file: `${here}${p.file}`, content: p.content }));
  });
}

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** results.db path. */
  readonly db: string;
  /** Output folder (created). */
  readonly out: string;
}

/** What {@link renderReport} wrote. */
export interface ReportResult {
  /** Paths of the HTML pages written. */
  readonly pages: string[];
  /** Total bytes of the HTML pages (the shared assets excluded). */
  readonly bytes: number;
  readonly runs: number;
  readonly seconds: number;
}

/** Reads results.db (read-only) and writes the report into `out`. */
export async function renderReport(opts: ReportOptions): Promise<ReportResult> {
  const start = performance.now();
  const data = await readReportData(opts.db);
  const pages = suitePages(data, undefined, compressionData(await loadCompressionRuns(opts.db)), data.families.some((f) => f.name === 'gene-selection') ? await readGeneRuns(opts.db) : []);
  // regularization paths (solve --path): their own page, linked from the overview
  const ro = await openReadOnly(opts.db);
  let paths: string | null;
  try {
    paths = pathsPage(await ro.runs({}), new Date().toISOString());
  } finally {
    await ro.close();
  }
  if (paths !== null) {
    pages.forEach((p, i) => (pages[i] = { ...p, content: p.content.replace('<a href="ranking.html"', '<a href="paths.html">Paths</a>\n    <a href="ranking.html"') }));
    pages.push({ file: 'paths.html', content: paths });
  }
  mkdirSync(join(opts.out, 'assets'), { recursive: true });
  writeFileSync(join(opts.out, 'assets', 'vega-bundle.js'), vendorBundle());
  writeFileSync(join(opts.out, 'assets', 'report.js'), readFileSync(join(HERE, 'assets', 'report.js')));
  writeFileSync(join(opts.out, 'assets', 'report.css'), readFileSync(join(HERE, 'assets', 'report.css')));
  let bytes = 0;
  const written: string[] = [];
  for (const p of pages) {
    const path = join(opts.out, p.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, p.content);
    bytes += Buffer.byteLength(p.content);
    written.push(path);
  }
  return { pages: written, bytes, runs: data.runs.length, seconds: (performance.now() - start) / 1000 };
}

/** Status names, for callers that summarise. */
export type { Status };
