import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../harness/bench/config.ts';
import { expandPlan } from '../harness/bench/plan.ts';
import { runBench } from '../harness/bench/run.ts';
import { openReadOnly } from '../harness/store/index.ts';
import { renderReport } from '../reports/render.ts';
import { renderFigures } from '../reports/figures.ts';
import { loadGeneRuns, pointAtBudget, summarizeGenes, type GenePoint } from '../reports/genes.ts';
import { splitData, selectGenes, loadGeneDataset } from '../harness/genes/path.ts';
import { networkModel } from '../harness/genes/network.ts';
import { GENE_PATH_DEFAULTS } from '../harness/genes/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-genes-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const silent = { start() {}, update() {}, note() {}, stop() {} };
const DATA = 'sim-genes:n=60,p=40,k=4,block=4,seed=5';

const config = parseConfig(
  {
    name: 'genes-test',
    maxIter: 8,
    timeout: 120,
    seeds: [0, 1],
    problems: [{ family: 'gene-selection', datasets: [DATA], path: { count: 3, minRatio: 0.2, refitEpochs: 5, hidden: 4 }, methods: ['cd', 'spred-adam', 'dense'] }],
    solvers: [{ name: 'cd', maxIter: 50 }, { name: 'spred-adam', params: { lr: 0.01 } }, { name: 'dense', params: { lr: 0.01, batchSize: 0 } }, { name: 'ista' }],
  },
  'genes-test',
);

t.test('config: a gene block plans one path per (method, split), only its methods', async (t) => {
  const plan = expandPlan(config);
  t.equal(plan.jobs.length, 6, '3 methods × 2 splits (ista is not among the methods)');
  t.ok(plan.jobs.every((j) => j.job.problem.family === 'gene-selection' && j.job.problem.genes?.count === 3));
  t.throws(() => parseConfig({ name: 'x', problems: [{ family: 'gene-selection', datasets: [DATA], lambdaRatios: [0.1] }], solvers: [{ name: 'cd' }] }, 'x'), /lambdaRatios/);
  t.throws(() => parseConfig({ name: 'x', problems: [{ family: 'gene-selection', datasets: [DATA], path: { heads: 'three' } }], solvers: [{ name: 'cd' }] }, 'x'), /path\.heads/);
  t.throws(() => parseConfig({ name: 'x', problems: [{ family: 'gene-selection', datasets: [DATA], methods: ['nope'] }], solvers: [{ name: 'cd' }] }, 'x'), /methods\[0\]/);
  t.throws(() => parseConfig({ name: 'x', problems: [{ family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.1], path: {} }], solvers: [{ name: 'cd' }] }, 'x'), /path/);
});

t.test('bench → results.db → gene page and figure', async (t) => {
  const db = join(dir, 'results.db');
  const res = await runBench({ config, db, workers: 2, progress: silent });
  t.equal(res.records.length, 6);
  t.ok(res.records.every((r) => r.status === 'converged' || r.status === 'max_iter'), JSON.stringify(res.records.map((r) => [r.title, r.status, r.reason])));
  t.equal(res.bestSeen, 0, 'no best-seen reference for a path');
  const store = await openReadOnly(db);
  const runs = await loadGeneRuns(store);
  const rows = await store.runs({ family: 'gene-selection' });
  await store.close();
  t.equal(runs.length, 6);
  // one trace row per λ; the dense network one point with every gene
  for (const r of runs) {
    if (r.solver === 'dense') {
      t.equal(r.points.length, 1);
      t.equal(r.points[0]?.genes, 40);
    } else {
      t.equal(r.points.length, 3, `${r.method} split ${r.split}`);
      t.ok(r.points.every((p) => p.recall !== null && p.recall >= 0 && p.recall <= 1));
    }
  }
  // every method of a split shares the split's instance
  const bySplit = new Map<number, Set<string | null>>();
  for (const r of rows) bySplit.set(r.seed, (bySplit.get(r.seed) ?? new Set()).add(r.instance_hash));
  t.same([...bySplit.values()].map((s) => s.size), [1, 1]);
  const [summary] = summarizeGenes(runs);
  t.equal(summary?.dataset, 'sim-genes:n=60,p=40,k=4,rho=0.5,mode=nonlinear,block=4,scale=1,seed=5', 'the canonical spec');
  t.ok(summary?.hasTruth);
  t.same(summary?.methods.map((m) => m.method).sort(), ['cd', 'dense[batchSize=0,lr=0.01]', 'spred-adam'].sort());

  const out = join(dir, 'report');
  await renderReport({ db, out });
  const page = readFileSync(join(out, 'family-gene-selection.html'), 'utf8');
  t.match(page, /Genes picked most often/);
  t.match(page, /recall ≤ 20/);
  t.match(page, /genes-chart-1/);
  const fig = await renderFigures({ db, out: join(dir, 'figures'), pdf: false });
  const svg = fig.files.find((f) => f.includes('accuracy-vs-genes-') && f.endsWith('.svg'));
  t.ok(svg, 'accuracy-vs-genes figure written');
  t.match(readFileSync(svg as string, 'utf8'), /selected genes/);
});

t.test('budget point: best validation accuracy among 1 … G genes, ties to fewer genes', async (t) => {
  const pt = (k: number, genes: number, valAcc: number, testAcc: number): GenePoint => ({ k, genes, lambdaRatio: 1, valAcc, testAcc, refitValAcc: valAcc, refitTestAcc: testAcc, precision: null, recall: null, selected: null });
  const path = [pt(0, 0, 0.9, 0.9), pt(1, 3, 0.8, 0.7), pt(2, 8, 0.85, 0.6), pt(3, 9, 0.85, 0.99), pt(4, 30, 0.95, 1)];
  t.equal(pointAtBudget(path, 10, false)?.k, 2, 'no empty set; 8 genes beats 9 at equal validation accuracy, whatever the test accuracy');
  t.equal(pointAtBudget(path, 50, true)?.k, 4);
  t.equal(pointAtBudget(path, 2, false), null);
});

t.test('network: gene j is row j of the first layer across both heads', async (t) => {
  const d = splitData(loadGeneDataset(DATA), 0, GENE_PATH_DEFAULTS);
  const m = await networkModel(d, { ...GENE_PATH_DEFAULTS, heads: 'both', hidden: 3 }, { seed: 0, backend: 'wasm' });
  try {
    // W1 ∈ R^{40×(2 + 3)} row-major at offset 0
    const x = new Float64Array(m.dim);
    x[3 * 5 + 0] = 3; // linear-head column of gene 3
    x[3 * 5 + 4] = 4; // MLP column of gene 3
    x[7 * 5 + 2] = 1e-3; // gene 7 at exactly τ
    const norms = m.geneNorms(x);
    t.equal(norms[3], 5);
    t.equal(norms[7], 1e-3);
    t.same(Array.from(selectGenes(norms, 1e-3)), [3]);
  } finally {
    m.dispose();
  }
});
