/**
 * Recall of the informative genes on a simulation with known genes, per method, along the
 * protocol's λ path (harness/genes/path.ts), on the protocol's stratified splits 0 … R−1:
 *
 *     npx tsx bench/genes-recall.ts [--dataset sim-genes:n=200,p=2000,k=10,mode=nonlinear]
 *         [--splits 3] [--methods cd,spred-adam,spred-sgd,prox-sgd,prox-adam] [--count 12]
 *         [--min-ratio 0.02] [--max-ratio 1] [--epochs 100] [--refit-epochs 200] [--hidden 32] [--heads both]
 *         [--decay 0] [--direction down|up] [--oracle]
 *
 * For each method and split, the recall |S ∩ T|/|T| and precision |S ∩ T|/|S| at the λ of the
 * path with the largest set 1 ≤ |S| ≤ 20, and the test accuracy (penalized and refitted) at
 * ≤ 10 genes (the λ with the best validation accuracy among 1 ≤ |S| ≤ 10): the report's rules
 * (reports/genes.ts); the path's (|S|, hits) pairs; then mean ± std over splits. Datasets
 * without known genes (all-bt, …) print recall 0. Method parameters are those of the full study
 * (harness/suites/genes.json), so this script measures what the study would report.
 * `--oracle`: the refitted test accuracy of the network and of the linear baseline on the true
 * genes T (what the best possible selection would give), per split.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Params } from '../problems/types.ts';
import { loadGeneDataset, runGenePath, splitData, type PathPoint } from '../harness/genes/path.ts';
import { GENE_PATH_DEFAULTS, type GenePathSpec, type Heads } from '../harness/genes/types.ts';
import { linearModel } from '../harness/genes/linear.ts';
import { pointAtBudget, type GenePoint } from '../reports/genes.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : dflt;
}
const dataset = arg('dataset', 'sim-genes:n=200,p=2000,k=10,mode=nonlinear');
const splits = Number(arg('splits', '3'));
const methods = arg('methods', 'cd,spred-adam,spred-sgd,prox-sgd,prox-adam').split(',');
const BUDGET = 20;

interface SuiteSolver {
  readonly name: string;
  readonly params?: Params;
  readonly maxIter?: number;
}
const suite = JSON.parse(readFileSync(fileURLToPath(new URL('../harness/suites/genes.json', import.meta.url)), 'utf8')) as { solvers: SuiteSolver[] };
const path: Partial<GenePathSpec> = {
  count: Number(arg('count', '12')),
  minRatio: Number(arg('min-ratio', '0.02')),
  maxRatio: Number(arg('max-ratio', '1')),
  ...(process.argv.includes('--direction') ? { direction: arg('direction', 'down') as 'down' | 'up' } : {}),
  hidden: Number(arg('hidden', '32')),
  heads: arg('heads', 'both') as Heads,
  refitEpochs: Number(arg('refit-epochs', '200')),
  ...(process.argv.includes('--decay') ? { decay: Number(arg('decay', '0')) } : {}),
};
const epochs = Number(arg('epochs', '100'));
const truthSize = loadGeneDataset(dataset).trueSupport?.length ?? 0;

const meanStd = (a: readonly number[], d = 3): string => {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, a.length - 1));
  return `${m.toFixed(d)} ± ${sd.toFixed(d)}`;
};

console.log(`recall on ${dataset}, splits 0…${splits - 1}, path ${JSON.stringify(path)}, ${epochs} epochs per λ`);
if (process.argv.includes('--oracle')) {
  const { networkModel } = await import('../harness/genes/network.ts');
  const ds = loadGeneDataset(dataset);
  for (let r = 0; r < splits; r++) {
    const d = splitData(ds, r, GENE_PATH_DEFAULTS);
    const truth = d.trueSupport as Int32Array;
    const net = await networkModel(d, { ...GENE_PATH_DEFAULTS, ...path }, { seed: r, backend: 'wasm' });
    const a = await net.refit(truth, r);
    net.dispose();
    const b = await linearModel(d).refit(truth, r);
    console.log(`  oracle split ${r}: network on T test ${a.test.toFixed(3)} (val ${a.val.toFixed(3)}), linear on T test ${b.test.toFixed(3)}`);
  }
}
for (const method of methods) {
  const entry = suite.solvers.find((s) => s.name === method);
  const recalls: number[] = [];
  const precisions: number[] = [];
  const atTen: { pen: number[]; refit: number[] } = { pen: [], refit: [] };
  for (let r = 0; r < splits; r++) {
    const t0 = Date.now();
    const res = await runGenePath({
      problem: { family: 'gene-selection', dataset, lambda: { kind: 'ratio', ratio: path.minRatio as number }, genes: path, backend: 'wasm' },
      solver: method,
      params: entry?.params ?? {},
      seed: r,
      tol: 1e-8,
      maxIter: entry?.maxIter ?? epochs,
      timeoutSeconds: 3600,
    });
    const pts = res.trace.map((t) => JSON.parse(t.extras as string) as PathPoint);
    const within = pts.filter((p) => p.genes >= 1 && p.genes <= BUDGET);
    // the largest set within the budget (reports/genes.ts lastWithin)
    const at = within.reduce<PathPoint | undefined>((b, q) => (b === undefined || q.genes >= b.genes ? q : b), undefined);
    recalls.push(at?.recall ?? 0);
    if (at && at.precision !== null) precisions.push(at.precision);
    // test accuracy at ≤ 10 genes: the λ with the best validation accuracy among 1 ≤ |S| ≤ 10 (reports/genes.ts)
    const gp = pts.map((q, i): GenePoint => ({ ...q, k: i }));
    const pen = pointAtBudget(gp, 10, false);
    const ref = pointAtBudget(gp, 10, true);
    if (pen) atTen.pen.push(pen.testAcc);
    if (ref) atTen.refit.push(ref.refitTestAcc);
    const k = (q: PathPoint) => Math.round((q.recall ?? 0) * truthSize);
    console.log(
      `  ${method.padEnd(11)} split ${r}: ${res.run.status}, recall@≤${BUDGET} ${(at?.recall ?? 0).toFixed(2)} (|S| = ${at?.genes ?? 0}), test acc @≤10 ${pen ? pen.testAcc.toFixed(3) : '—'} (refit ${ref ? `${ref.refitTestAcc.toFixed(3)}, |S| = ${ref.genes}` : '—'}), path |S|:hits ${pts.map((p) => `${p.genes}:${k(p)}`).join(' ')}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const acc = (a: number[]): string => (a.length ? `${meanStd(a)} (${a.length} of ${splits} splits)` : '—');
  console.log(`${method}: recall@≤${BUDGET} ${meanStd(recalls)}, precision ${precisions.length ? meanStd(precisions) : '—'}; test acc @≤10 genes ${acc(atTen.pen)}, refitted ${acc(atTen.refit)}`);
}
