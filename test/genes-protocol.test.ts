import t from 'tap';
import { standardizeByTrain, stratifiedSplit } from '../harness/genes/splits.ts';
import { lambdaPath, precisionRecall, runGenePath, selectGenes, splitData } from '../harness/genes/path.ts';
import { linearModel } from '../harness/genes/linear.ts';
import { GENE_PATH_DEFAULTS } from '../harness/genes/types.ts';
import { simulateGenes } from '../problems/datasets/simulate.ts';
import type { JobSpec } from '../harness/job.ts';

t.test('stratified splits: disjoint, covering, class proportions 64/16/20, seeded', async (t) => {
  // 95 of class 0, 33 of class 1 (all-bt's counts)
  const classes = Int32Array.from({ length: 128 }, (_, i) => (i < 95 ? 0 : 1));
  const s = stratifiedSplit(classes, 3);
  const all = [...s.train, ...s.val, ...s.test].sort((a, b) => a - b);
  t.same(all, Array.from({ length: 128 }, (_, i) => i), 'every sample in exactly one split');
  const count = (idx: Int32Array, c: number) => idx.filter((i) => classes[i] === c).length;
  // per class: test round(0.2 n_c), val round(0.16 n_c)
  t.same([count(s.test, 0), count(s.val, 0), count(s.train, 0)], [19, 15, 61]);
  t.same([count(s.test, 1), count(s.val, 1), count(s.train, 1)], [7, 5, 21]);
  t.same(stratifiedSplit(classes, 3), s, 'same r, same split');
  t.notSame(stratifiedSplit(classes, 4).test, s.test, 'another r, another split');
  // a class of 2 keeps a training sample
  const tiny = stratifiedSplit(Int32Array.from([0, 0, 0, 0, 0, 1, 1]), 0, { val: 0.4, test: 0.5 });
  t.ok(tiny.train.some((i) => i >= 5), 'class 1 keeps a training sample');
});

t.test('standardization uses the training rows only', async (t) => {
  const n = 6;
  const X = { n, p: 2, data: Float64Array.from([1, 2, 3, 100, 200, 300, 5, 5, 5, 7, 8, 9]) };
  const train = Int32Array.from([0, 1, 2]);
  const Z = standardizeByTrain(X, train);
  // column 0: μ = 2, σ = √(2/3) over rows 0..2; rows 3..5 use the same μ, σ
  const sd = Math.sqrt(2 / 3);
  t.same(Array.from(Z.data.subarray(0, 6)).map((v) => +v.toFixed(12)), [1, 2, 3, 100, 200, 300].map((v) => +((v - 2) / sd).toFixed(12)));
  // column 1 is constant on the training rows: all zeros
  t.same(Array.from(Z.data.subarray(6, 12)), [0, 0, 0, 0, 0, 0]);
});

t.test('selection: groups with norm > τ; precision and recall; the geometric path', async (t) => {
  const norms = Float64Array.from([0, 1e-3, 1.0000001e-3, 0.5, 2e-4]);
  t.same(Array.from(selectGenes(norms, 1e-3)), [2, 3], 'norm = τ is not selected');
  t.same(Array.from(selectGenes(norms, 0)), [1, 2, 3, 4]);
  t.same(precisionRecall(Int32Array.from([1, 2, 3, 9]), Int32Array.from([2, 3, 4])), { precision: 0.5, recall: 2 / 3 });
  t.same(precisionRecall(new Int32Array(0), Int32Array.from([2])), { precision: null, recall: 0 });
  const path = lambdaPath(2, 5, 0.01);
  t.equal(path.length, 5);
  t.equal(path[0], 2);
  t.ok(Math.abs((path[4] as number) - 0.02) < 1e-15);
  for (let k = 1; k < 5; k++) t.ok(Math.abs((path[k] as number) / (path[k - 1] as number) - 0.01 ** 0.25) < 1e-12, 'constant ratio');
  // from maxRatio·λ_max: λ_k = 2·4·(0.01/4)^{k/4}
  const high = lambdaPath(2, 5, 0.01, 4);
  t.equal(high[0], 8);
  t.ok(Math.abs((high[4] as number) - 0.02) < 1e-15);
  for (let k = 1; k < 5; k++) t.ok(Math.abs((high[k] as number) / (high[k - 1] as number) - (0.01 / 4) ** 0.25) < 1e-12, 'constant ratio from maxRatio');
});

t.test('linear baseline: gene norms are |w_j| (binary) and row norms of W (multiclass)', async (t) => {
  const ds = simulateGenes({ n: 60, p: 30, k: 3, mode: 'linear', seed: 2 });
  const d = splitData(ds, 0, GENE_PATH_DEFAULTS);
  const m = linearModel(d);
  const w = new Float64Array(30);
  w[4] = -0.3;
  w[7] = 2e-4;
  const norms = m.geneNorms(w);
  t.equal(norms[4], 0.3);
  t.same(Array.from(selectGenes(norms, 1e-3)), [4]);
  // three classes: W is p×C column-major by class, gene j's group is {j, p + j, 2p + j}
  const mc = { ...d, C: 3, classes: Int32Array.from(d.classes, (c, i) => (i % 3 === 0 ? 2 : c)) };
  const m3 = linearModel(mc);
  const W = new Float64Array(90);
  W[5] = 3;
  W[30 + 5] = 4;
  W[60 + 6] = 1e-4;
  const n3 = m3.geneNorms(W);
  t.equal(n3[5], 5);
  t.equal(n3[6], 1e-4);
  t.same(Array.from(selectGenes(n3, 1e-3)), [5]);
  // no gene selected: the refit predicts the training majority class
  const empty = await m.refit(new Int32Array(0), 0);
  const majority = [...d.split.train].filter((i) => d.classes[i] === 1).length * 2 > d.split.train.length ? 1 : 0;
  const acc = (rows: Int32Array) => [...rows].filter((i) => d.classes[i] === majority).length / rows.length;
  t.same(empty, { val: acc(d.split.val), test: acc(d.split.test) });
});

function cdJob(warm: boolean, direction: 'down' | 'up' = 'down'): JobSpec {
  return {
    problem: { family: 'gene-selection', dataset: 'sim-genes:n=120,p=300,k=5,mode=linear,seed=4', lambda: { kind: 'ratio', ratio: 0.05 }, genes: { count: 6, minRatio: 0.05, warm, direction } },
    solver: 'cd',
    params: {},
    seed: 1,
    tol: 1e-12,
    maxIter: 500,
    timeoutSeconds: 120,
  };
}

t.test('warm-started path = cold starts at every λ on the convex linear baseline', async (t) => {
  const warm = await runGenePath(cdJob(true));
  const cold = await runGenePath(cdJob(false));
  t.equal(warm.run.status, 'converged', String(warm.run.reason));
  t.equal(cold.run.status, 'converged', String(cold.run.reason));
  t.equal(warm.trace.length, 6);
  let warmIt = 0;
  let coldIt = 0;
  warm.trace.forEach((w, k) => {
    const c = cold.trace[k];
    const ew = JSON.parse(w.extras as string);
    const ec = JSON.parse(c?.extras as string);
    t.equal(ew.lambda, ec.lambda, `λ_${k}`);
    // both certified to a relative duality gap ≤ 1e-12, so F agrees to ~1e-12
    const F = w.objective as number;
    t.ok(Math.abs(F - (c?.objective as number)) <= 1e-10 * Math.abs(F), `F at λ_${k}: ${F} vs ${c?.objective}`);
    t.same(ew.selected, ec.selected, `same genes at λ_${k}`);
    t.equal(ew.testAcc, ec.testAcc);
    warmIt += ew.iterations;
    coldIt += ec.iterations;
  });
  t.ok(warmIt <= coldIt, `warm starts need no more Newton steps (${warmIt} vs ${coldIt})`);
  const ex = JSON.parse(warm.run.extras as string);
  t.equal(ex.protocol, 'gene-selection');
  t.same(ex.trueSupport, [0, 60, 120, 180, 240]);
  t.ok(ex.best.index >= 0 && ex.best.names.every((s: string) => /^x\d+$/.test(s)));
});

t.test("direction 'up': the same λ values in reverse order, the same optimum and genes at each (convex baseline)", async (t) => {
  const down = await runGenePath(cdJob(true));
  const up = await runGenePath(cdJob(true, 'up'));
  t.equal(up.run.status, 'converged', String(up.run.reason));
  t.equal(up.trace.length, down.trace.length);
  const K = down.trace.length;
  up.trace.forEach((u, k) => {
    const d = down.trace[K - 1 - k];
    const eu = JSON.parse(u.extras as string);
    const ed = JSON.parse(d?.extras as string);
    t.equal(eu.lambda, ed.lambda, `λ at up index ${k} = λ at down index ${K - 1 - k}`);
    const F = d?.objective as number;
    t.ok(Math.abs((u.objective as number) - F) <= 1e-10 * Math.abs(F), `F: ${u.objective} vs ${F}`);
    t.same(eu.selected, ed.selected, `same genes at λ = ${eu.lambda.toExponential(3)}`);
  });
  t.ok(JSON.parse(up.trace[0]?.extras as string).genes >= JSON.parse(up.trace[K - 1]?.extras as string).genes, 'dense end first');
  t.equal(up.run.lambda_ratio, 1, "the run row's λ is the path's last: λ_max going up");
});
