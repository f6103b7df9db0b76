import t from 'tap';
import { loadGeneSource, loadGeneTask, resolveDataset } from '../problems/datasets/index.ts';
import { simulateGenes } from '../problems/datasets/simulate.ts';
import type { Dataset } from '../problems/dataset.ts';

function counts(ds: Dataset): Record<string, number> {
  const out: Record<string, number> = {};
  const name = Object.fromEntries(Object.entries(ds.labels ?? {}).map(([k, v]) => [String(v), k]));
  for (const v of ds.y) {
    const k = name[String(v)] ?? String(v);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

t.test('committed microarrays: shapes and content hashes of the decompressed int16 matrices', async (t) => {
  const all = loadGeneSource('all');
  t.equal(all.n, 128);
  t.equal(all.p, 12625);
  t.equal(all.probes.length, 12625);
  t.equal(all.probes[0], '1000_at');
  t.equal(all.contentHash, '6554cef7f415e7d8f042918cc967092f4410b02f2f4bd89c9f162cf4641c87e6');
  const bl = loadGeneSource('bladderbatch');
  t.equal(bl.n, 57);
  t.equal(bl.p, 22283);
  t.equal(bl.probes[0], '1007_s_at');
  t.equal(bl.contentHash, 'a3429c5e480325c31ccdca66af65c903fbad56de29985aedd9e75e3dc6a4c498');
  // Values read in R from the packages (exprs(ALL)[1, 1], exprs(ALL)[12625, 128],
  // exprs(bladderEset)[1, 1], [22283, 57]), within the 0.005 quantization.
  t.ok(Math.abs((all.X[0] as number) - 7.597323) <= 0.005);
  t.ok(Math.abs((all.X[12624 * 128 + 127] as number) - 3.842535) <= 0.005);
  t.ok(Math.abs((bl.X[0] as number) - 10.11517) <= 0.005);
  t.ok(Math.abs((bl.X[22282 * 57 + 56] as number) - 3.575816) <= 0.005);
  t.equal(all.samples[127]?.['sample'], 'LAL4');
  t.equal(bl.samples[56]?.['sample'], 'GSM71077.CEL');
});

t.test('gene tasks: samples, class counts and label codes', async (t) => {
  const bt = loadGeneTask('all-bt');
  t.same([bt.X.n, bt.X.p, bt.task], [128, 12625, 'binary']);
  t.same(counts(bt), { B: 95, T: 33 });
  t.same(bt.labels, { B: -1, T: 1 });
  t.equal(bt.featureNames[0], '1000_at');
  const bcr = loadGeneTask('all-bcrabl');
  t.same([bcr.X.n, bcr.X.p], [79, 12625]);
  t.same(counts(bcr), { 'BCR/ABL': 37, NEG: 42 });
  const mol = loadGeneTask('all-mol');
  t.same([mol.X.n, mol.task], [121, 'multiclass']);
  t.same(counts(mol), { 'ALL1/AF4': 10, 'BCR/ABL': 37, NEG: 74 });
  const bl = resolveDataset('bladderbatch', { task: 'binary' });
  t.same([bl.X.n, bl.X.p], [57, 22283]);
  t.same(counts(bl), { cancer: 40, 'normal-or-biopsy': 17 });
  t.throws(() => resolveDataset('all-mol', { task: 'binary' }), /multiclass targets, not binary/);
});

t.test('all-bt: the T-cell marker CD3D (probe 38319_at) separates the classes as in R', async (t) => {
  const ds = loadGeneTask('all-bt');
  const j = ds.featureNames.indexOf('38319_at');
  t.ok(j >= 0);
  let sb = 0, nb = 0, st = 0, nt = 0;
  for (let i = 0; i < ds.X.n; i++) {
    const v = ds.X.data[j * ds.X.n + i] as number;
    if ((ds.y[i] as number) > 0) (st += v), nt++;
    else (sb += v), nb++;
  }
  // R: mean(exprs(ALL)["38319_at", B]) = 4.841, T: 9.496
  t.ok(Math.abs(sb / nb - 4.841) < 0.005, `B mean ${sb / nb}`);
  t.ok(Math.abs(st / nt - 9.496) < 0.005, `T mean ${st / nt}`);
});

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}

t.test('sim-genes: correlated blocks, the informative genes recorded, spec parsing', async (t) => {
  const ds = resolveDataset('sim-genes:n=3000,p=40,k=4,rho=0.6,mode=linear,block=10,scale=1,seed=3', { task: 'binary' });
  t.same(Array.from(ds.trueSupport ?? []), [0, 10, 20, 30]);
  t.equal(ds.name, 'sim-genes:n=3000,p=40,k=4,rho=0.6,mode=linear,block=10,scale=1,seed=3');
  const col = (j: number) => ds.X.data.subarray(j * 3000, (j + 1) * 3000);
  t.ok(Math.abs(corr(col(1), col(2)) - 0.6) < 0.05, 'same block: ρ');
  t.ok(Math.abs(corr(col(9), col(10))) < 0.06, 'across blocks: 0');
  // linear mode: trueCoef nonzero exactly on the support, and y follows σ(Xβ): the Bayes rule
  // sign(Xβ) agrees with y on ~E[max(σ, 1 − σ)] of the samples, far above chance
  const beta = ds.trueCoef as Float64Array;
  t.same(Array.from(beta.keys()).filter((j) => beta[j] !== 0), [0, 10, 20, 30]);
  let agree = 0;
  let expected = 0;
  for (let i = 0; i < 3000; i++) {
    let eta = 0;
    for (let j = 0; j < 40; j++) eta += (beta[j] as number) * (ds.X.data[j * 3000 + i] as number);
    if (Math.sign(eta) === ds.y[i]) agree++;
    const s = 1 / (1 + Math.exp(-eta));
    expected += Math.max(s, 1 - s);
  }
  t.ok(Math.abs(agree - expected) < 4 * Math.sqrt(3000 * 0.25), `agreement ${agree} vs expected ${expected.toFixed(0)}`);
  t.throws(() => resolveDataset('sim-genes:mode=quadratic', { task: 'binary' }), /mode='quadratic' must be one of linear, nonlinear/);
  t.throws(() => resolveDataset('sim-genes:p=20,block=10,k=3', { task: 'binary' }), /k=3 must be an integer in 1 … 2/);
});

t.test('sim-genes nonlinear: half the genes are invisible to a linear model, visible through |x|', async (t) => {
  const ds = simulateGenes({ n: 20000, p: 70, k: 6, rho: 0.3, mode: 'nonlinear', block: 10, seed: 1 });
  t.same(Array.from(ds.trueSupport ?? []), [0, 10, 20, 30, 40, 50]);
  t.equal(ds.trueCoef, undefined);
  const n = 20000;
  const col = (j: number) => ds.X.data.subarray(j * n, (j + 1) * n);
  const abs = (j: number) => Float64Array.from(col(j), Math.abs);
  // linear genes a_l (0, 10, 20): linearly correlated with y
  for (const j of [0, 10, 20]) t.ok(Math.abs(corr(col(j), ds.y)) > 0.1, `gene ${j} linear corr ${corr(col(j), ds.y).toFixed(3)}`);
  // symmetric genes b_l (30, 40, 50): no linear correlation (|r| within 4 standard errors of 0) …
  for (const j of [30, 40, 50]) t.ok(Math.abs(corr(col(j), ds.y)) < 4 / Math.sqrt(n), `gene ${j} linear corr ${corr(col(j), ds.y).toFixed(4)}`);
  // … but a clear one through |x|, while a null gene has none
  for (const j of [30, 40, 50]) t.ok(Math.abs(corr(abs(j), ds.y)) > 0.1, `gene ${j} |x| corr ${corr(abs(j), ds.y).toFixed(3)}`);
  t.ok(Math.abs(corr(abs(65), ds.y)) < 4 / Math.sqrt(n), "null gene 65 (a block without informative genes)");
  t.match(String(ds.notes['eta']), /\(\|x30\|-0\.798\)\*\(1\+1\[x0>0\]\)/);
});
