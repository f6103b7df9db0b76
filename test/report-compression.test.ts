/**
 * The compression page and figure from a real benchmark: a tiny nn-compression plan (digits, one
 * hidden layer of 8, 2 epochs, fine-tune 1 epoch) runs on the worker pool into SQLite; the
 * aggregation (mean ± std over seeds, compression = total/nnz) is checked against the raw
 * protocol records, a config's solver `families` filter is honoured, a method run at two τ is two
 * curves while its τ' sweep counts each training once, and `report` / `figures` write the
 * compression page and SVGs; the page's charts draw in Debian's headless chromium.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';
import { openReadOnly } from '../harness/store/index.ts';
import { compressionPoints, compressionSpec, loadCompressionRuns, sparsityTable, sweepPoints, sweepSpec, sweepTable, type CompressionPoint } from '../reports/compression.ts';
import { renderReport } from '../reports/render.ts';
import { renderFigures } from '../reports/figures.ts';
import { CHROMIUM_PATH, offlineBrowser, openPage, watch } from '../reports/screenshot.ts';
import { SOLVER_COLORS, solverColor } from '../reports/style.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-compression-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'results.db');
const silent = { start() {}, update() {}, note() {}, stop() {} };
const only = ['nn-compression'];
const config = parseConfig(
  {
    name: 'compression-test',
    tol: 1e-12,
    maxIter: 2,
    timeout: 120,
    seeds: [0, 1],
    problems: [
      { family: 'nn-compression', datasets: ['digits'], lambdas: [1e-3], layers: [8], finetuneEpochs: 1 },
      { family: 'lasso', datasets: ['sim-lasso:n=30,p=20,k=3'], lambdaRatios: [0.3] },
    ],
    solvers: [
      { name: 'dense', families: only, params: { batchSize: 64 } },
      { name: 'gmp', families: only, params: { batchSize: 64, pruneStart: 0, pruneEnd: 0.5 }, grid: { sparsity: [0.5, 0.9] }, seeds: [0] },
      { name: 'gmp', families: only, params: { batchSize: 64, pruneStart: 0, pruneEnd: 0.5, scope: 'lamp' }, seeds: [0] },
      { name: 'prox-adam', families: only, params: { batchSize: 64, lr: 0.01 } },
      { name: 'prox-adam', families: only, params: { batchSize: 64, lr: 0.01 }, tau: 1e-2, seeds: [0] },
      { name: 'cd', seeds: [0] },
    ],
  },
  'compression-test',
);

t.test('a tiny compression plan, aggregated and rendered', async (t) => {
  await runBench({ config, db, workers: 2, progress: silent });
  const store = await openReadOnly(db);
  const rows = await store.db.selectFrom('runs').select(['family', 'solver', 'status', 'seed']).execute();
  await store.close();
  t.equal(rows.filter((r) => r.family === 'lasso').length, 1, "solver blocks naming families: only cd runs on the lasso (no 'skipped' rows of NN methods there)");
  t.equal(rows.filter((r) => r.family === 'nn-compression' && r.solver === 'cd').length, 1, 'cd on the network: one skipped row');
  const runs = await loadCompressionRuns(db);
  t.equal(runs.length, 2 + 2 + 1 + 2 + 1, 'dense ×2 seeds, gmp ×2 sparsities, gmp (lamp), prox-adam ×2 seeds at the default τ and ×1 at τ = 1e-2');
  const points = compressionPoints(runs);
  const trained = points.filter((p) => p.stage === 'trained');
  t.equal(trained.length, 6, 'dense, gmp 0.5, gmp 0.9, gmp (lamp) 0.9, prox-adam λ at two τ');
  // prox-adam at two run τ's: two curves, named by τ; the τ = 1e-2 point is the raw record's, and it equals that run's own sweep entry at τ' = 1e-2
  t.same([...new Set(trained.filter((p) => p.solver === 'prox-adam').map((p) => p.series))].sort(), ['prox-adam τ=1e-2', 'prox-adam τ=1e-6'], 'one series per τ (1e-6: the tensor default)');
  const at2 = trained.find((p) => p.series === 'prox-adam τ=1e-2')!;
  const run2 = runs.find((r) => r.solver === 'prox-adam' && r.tau === 1e-2)!;
  t.equal(at2.seeds, 1);
  t.equal(at2.sparsity, run2.protocol.compression.finetune.before.sparsity);
  t.equal(at2.sparsity, run2.protocol.compression.sweep.find((s) => s.tau === 1e-2)!.sparsity, "thresholding at the run's τ is its sweep entry at τ' = τ");
  // mean ± std over the two dense seeds, from the raw records
  const denseRuns = runs.filter((r) => r.solver === 'dense');
  const accs = denseRuns.map((r) => r.protocol.compression.finetune.before.testAccuracy as number);
  const d = trained.find((p) => p.solver === 'dense')!;
  t.equal(d.seeds, 2);
  t.ok(Math.abs(d.accuracy - (accs[0]! + accs[1]!) / 2) < 1e-12, 'mean accuracy over seeds');
  t.ok(Math.abs(d.accuracyStd - Math.abs(accs[0]! - accs[1]!) / Math.SQRT2) < 1e-12, 'sample std of two values = |a − b|/√2');
  // the label leaves out defaults: gmp[…,sparsity=0.5] and gmp[…] (sparsity 0.9, the default)
  const g9 = trained.find((p) => p.series === 'gmp (layer)' && !p.method.includes('sparsity='))!;
  // gmp zeroes round(0.9·|W|) weights per layer: W1 64×8 → 461 of 512, W2 8×10 → 72 of 80
  t.ok(Math.abs(g9.sparsity - (461 + 72) / 592) < 1e-12, `gmp at 0.9: sparsity ${g9.sparsity} = 533/592`);
  t.ok(Math.abs(g9.compression - 1 / (1 - g9.sparsity)) < 1e-9, 'compression = total/nnz = 1/(1 − sparsity)');
  t.same(g9.layers.map((l) => l.name), ['W1', 'W2']);
  const table = sparsityTable(points);
  const gmpAt90 = table.find((r) => r.method === 'gmp (layer)' && r.level === 0.9)!;
  t.equal(gmpAt90.trained?.method, g9.method, 'at ≥ 90% the table picks the gmp point that reaches it (533/592 ≥ 0.9)');
  t.equal(table.find((r) => r.method === 'gmp (layer)' && r.level === 0.99)!.trained, null, 'no point reaches 99%');
  // LAMP: its own curve and table rows, one threshold over both layers: round(0.9·592) = 533 zeros overall
  const lamp = trained.find((p) => p.series === 'gmp (lamp)')!;
  t.ok(lamp && lamp.method.includes('scope=lamp'), `the LAMP run is its own series (${lamp?.method})`);
  t.ok(Math.abs(lamp.sparsity - 533 / 592) < 1e-12, `gmp (lamp) at 0.9: sparsity ${lamp.sparsity} = 533/592 overall`);
  t.equal(table.find((r) => r.method === 'gmp (lamp)' && r.level === 0.9)?.trained?.method, lamp.method, 'the table has a gmp (lamp) row');
  t.ok((compressionSpec(points)!.data as { values: { method: string }[] }).values.some((v) => v.method === 'gmp (lamp)'), 'and the chart a gmp (lamp) curve');
  // colours: each series its fixed colour (as on every other page), the fine-tuned points filled from the same scale
  const chart = compressionSpec(points)!;
  const layers = chart.layer as { encoding: { color?: { scale: { domain: string[]; range: string[] } }; fill?: { condition: { scale: unknown } } } }[];
  const scale = layers[0]!.encoding.color!.scale;
  const colourOf = (m: string): string | undefined => scale.range[scale.domain.indexOf(m)];
  t.equal(colourOf('prox-adam τ=1e-2'), solverColor('prox-adam τ=1e-2'), 'a series at one of two τ: its own colour');
  t.equal(colourOf('gmp (layer)'), SOLVER_COLORS['gmp'], "gmp's default scope has gmp's colour");
  t.equal(colourOf('gmp (lamp)'), SOLVER_COLORS['gmp (lamp)'], 'LAMP its own');
  t.same(layers.find((l) => l.encoding.fill)!.encoding.fill!.condition.scale, scale, 'fill uses the colour scale');
  const sweepScale = (sweepSpec(sweepPoints(runs), null)!.layer as { encoding: { color: { scale: unknown } } }[])[0]!.encoding.color.scale;
  const { domain: sweepDomain, range: sweepRange } = sweepScale as { domain: string[]; range: string[] };
  t.same(sweepDomain, ['gmp (lamp)', 'gmp (layer)', 'prox-adam'], "the τ' sweep chart's series");
  t.same(sweepRange, [SOLVER_COLORS['gmp (lamp)'], SOLVER_COLORS['gmp'], SOLVER_COLORS['prox-adam']], 'in their fixed colours');
  // the τ' sweep: one point per (configuration, λ, τ') over seeds; a training recorded at two run τ's counts once per seed (the newest run)
  const sweep = sweepPoints(runs);
  const proxSweep = sweep.filter((p) => p.series === 'prox-adam');
  t.equal(proxSweep.length, 7, "prox-adam: one sweep point per τ' (1e-2 … 1e-8), both run τ's in one series");
  t.ok(proxSweep.every((p) => p.seeds === 2), 'seeds 0 and 1, seed 0 once although it has runs at two τ');
  const newest0 = runs.filter((r) => r.solver === 'prox-adam' && r.seed === 0).reduce((a, b) => (a.id > b.id ? a : b));
  const seed1 = runs.find((r) => r.solver === 'prox-adam' && r.seed === 1)!;
  const p3 = proxSweep.find((p) => p.tau === 1e-3)!;
  const raw3 = [newest0, seed1].map((r) => r.protocol.compression.sweep.find((s) => s.tau === 1e-3)!);
  t.ok(Math.abs(p3.accuracy - (raw3[0]!.testAccuracy! + raw3[1]!.testAccuracy!) / 2) < 1e-12, "τ' = 1e-3: mean accuracy of the newest seed-0 run and seed 1");
  t.ok(Math.abs(p3.sparsity - (raw3[0]!.sparsity + raw3[1]!.sparsity) / 2) < 1e-12, "τ' = 1e-3: mean sparsity");
  t.notOk(sweep.some((p) => p.solver === 'dense'), 'dense is the line, not sweep points');
  // the front, against its definition: no point of the same series as sparse and more accurate
  for (const p of sweep) {
    const dominated = sweep.some((q) => q.series === p.series && q.sparsity >= p.sparsity - 1e-9 && q.accuracy > p.accuracy);
    t.equal(p.front, !dominated, `${p.method} τ'=${p.tau}: front ${p.front}`);
  }
  for (const m of new Set(sweep.map((p) => p.series))) {
    const ms = sweep.filter((p) => p.series === m);
    const sparsest = ms.reduce((a, b) => (b.sparsity > a.sparsity || (b.sparsity === a.sparsity && b.accuracy > a.accuracy) ? b : a));
    t.ok(sparsest.front, `${m}: the sparsest point (best accuracy among equals) is on the front`);
  }
  for (const r of sweepTable(sweep)) {
    const best = Math.max(...sweep.filter((p) => p.series === r.method && p.sparsity >= r.level - 1e-9).map((p) => p.accuracy));
    t.equal(r.best === null ? -Infinity : r.best.accuracy, best, `sweep table ${r.method} ≥ ${r.level}: the most accurate point reaching it`);
  }
  t.ok(JSON.stringify(sweepSpec(sweep, null)).includes('"filter":"datum.front"'), 'the sweep chart draws the front as lines');
  const spec = compressionSpec(points)!;
  t.ok(JSON.stringify(spec).includes('"type":"log"'), 'log compression axis');
  const rep = await renderReport({ db, out: join(dir, 'report') });
  t.ok(rep.pages.some((p) => p.endsWith('compression.html')));
  const html = readFileSync(join(dir, 'report', 'compression.html'), 'utf8');
  t.match(html, /Per-layer density/);
  t.match(html, /Every τ': threshold only/, 'the τ sweep section');
  t.match(html, /id="compression-sweep-1"/, 'and its chart');
  t.match(html, /href="compression.html"/, 'linked from the navigation');
  t.match(readFileSync(join(dir, 'report', 'index.html'), 'utf8'), /href="compression.html"/);
  // the page in a real browser: both charts draw, no error or warning
  if (!existsSync(CHROMIUM_PATH)) t.fail(`no chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM)`);
  else {
    const browser = await offlineBrowser();
    try {
      const page = await browser.context.newPage();
      const w = watch(page);
      const warnings: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'warning') warnings.push(m.text());
      });
      await openPage(page, join(dir, 'report', 'compression.html'));
      const state = await page.evaluate(() => ({
        charts: [...document.querySelectorAll('.chart')].map((c) => c.getAttribute('data-chart')),
        drawn: [...document.querySelectorAll('.chart')].filter((c) => c.querySelector('svg.marks, canvas') !== null).length,
        done: document.body.dataset['charts'] ?? null,
        legend: [...document.querySelectorAll('.chart .role-legend-label text')].map((e) => e.textContent ?? ''),
      }));
      t.same(state.charts, ['compression-1', 'compression-sweep-1'], 'the two charts of the dataset');
      t.equal(state.drawn, 2, 'both drew');
      t.equal(state.done, 'done', 'report.js settled every chart');
      t.ok(state.legend.includes('prox-adam τ=1e-2') && state.legend.includes('prox-adam'), `legends: ${state.legend.join(', ')}`);
      t.same(w.errors, [], 'no console or page errors');
      t.same(warnings, [], 'no console warning');
      t.same(w.dialogs, [], 'no dialog');
    } finally {
      await browser.close();
    }
  }
  const fig = await renderFigures({ db, out: join(dir, 'figures'), pdf: false });
  const svg = fig.files.find((f) => /compression-accuracy-[^/]+-2col\.svg$/.test(f));
  t.ok(svg && existsSync(svg) && readFileSync(svg, 'utf8').startsWith('<svg'), 'the same chart as an SVG figure');
  const swSvg = fig.files.find((f) => /compression-sweep-[^/]+-2col\.svg$/.test(f));
  t.ok(swSvg && existsSync(swSvg) && readFileSync(swSvg, 'utf8').startsWith('<svg'), 'the sweep chart as an SVG figure');
});

t.test('a sparsity level counts a point whose mean over seeds rounds just below it (three seeds at exactly 95%)', async (t) => {
  const mean = (0.95 + 0.95 + 0.95) / 3;
  t.ok(mean < 0.95, `the float mean is ${mean}`);
  const point = (sparsity: number, accuracy: number, stage: 'trained' | 'fine-tuned'): CompressionPoint => ({ series: 'gmp (layer)', method: `gmp@${sparsity}`, stage, sparsity, accuracy }) as unknown as CompressionPoint;
  const pts = [point(mean, 0.88, 'trained'), point(0.98, 0.84, 'trained'), point(0.9499, 0.9, 'trained')];
  const row = sparsityTable(pts).find((r) => r.level === 0.95)!;
  t.equal(row.trained?.method, `gmp@${mean}`, 'the 95% point, not the sparser and worse 98% one; 94.99% is not counted');
});
