import t from 'tap';
import { loadBuiltin } from '../problems/datasets/builtin.ts';
import type { Dataset } from '../problems/dataset.ts';

function counts(y: Float64Array): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of y) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
const col = (ds: Dataset, j: number) => ds.X.data.subarray(j * ds.X.n, (j + 1) * ds.X.n);
const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;

t.test('diabetes: 442×10, sklearn scaling (mean 0, column sum of squares 1), known values', async (t) => {
  const ds = loadBuiltin('diabetes');
  t.equal(ds.X.n, 442);
  t.equal(ds.X.p, 10);
  t.equal(ds.task, 'regression');
  t.same(ds.featureNames, ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']);
  for (let j = 0; j < 10; j++) {
    const c = col(ds, j);
    t.ok(Math.abs(mean(c)) < 1e-15, `column ${j} mean ≈ 0`);
    const ss = c.reduce((s, v) => s + v * v, 0);
    t.ok(Math.abs(ss - 1) < 1e-12, `column ${j} sum of squares = 1 (${ss})`);
  }
  // First row of sklearn's load_diabetes().data, as printed in scikit-learn's documentation.
  const row0 = [0.03807591, 0.05068012, 0.06169621, 0.02187239, -0.0442235, -0.03482076, -0.04340085, -0.00259226, 0.01990749, -0.01764613];
  for (let j = 0; j < 10; j++) t.ok(Math.abs((ds.X.data[j * 442] as number) - (row0[j] as number)) < 1e-8, `X[0, ${j}]`);
  t.equal(ds.y[0], 151);
  // Known target summary: mean 152.133…, range 25 … 346.
  t.ok(Math.abs(mean(ds.y) - 152.13348416289594) < 1e-9);
  t.equal(Math.min(...ds.y), 25);
  t.equal(Math.max(...ds.y), 346);
  t.equal(ds.name, 'diabetes');
  t.match(ds.notes, { source: 'builtin:diabetes', standardized: false });
});

t.test('breast-cancer: 569×30, 212 malignant (−1) / 357 benign (+1)', async (t) => {
  const ds = loadBuiltin('breast-cancer');
  t.equal(ds.X.n, 569);
  t.equal(ds.X.p, 30);
  t.equal(ds.task, 'binary');
  t.same(ds.labels, { '0': -1, '1': 1 });
  const c = counts(ds.y);
  t.equal(c.get(-1), 212);
  t.equal(c.get(1), 357);
  t.equal(c.size, 2);
  t.equal(ds.featureNames[0], 'mean radius');
  t.equal(ds.featureNames[29], 'worst fractal dimension');
  // UCI WDBC record 1 (ID 842302, malignant): radius 17.99, texture 10.38, worst area 2019.
  t.equal(ds.X.data[0], 17.99);
  t.equal(ds.X.data[569], 10.38);
  t.equal(ds.X.data[23 * 569], 2019);
  t.equal(ds.y[0], -1);
});

t.test('wine: 178×13, classes 59 / 71 / 48', async (t) => {
  const ds = loadBuiltin('wine');
  t.equal(ds.X.n, 178);
  t.equal(ds.X.p, 13);
  t.equal(ds.task, 'multiclass');
  const c = counts(ds.y);
  t.same([c.get(0), c.get(1), c.get(2)], [59, 71, 48]);
  t.equal(c.size, 3);
  t.equal(ds.featureNames[12], 'proline');
});

t.test('digits: 1797×64, 10 classes, integer pixels 0 … 16', async (t) => {
  const ds = loadBuiltin('digits');
  t.equal(ds.X.n, 1797);
  t.equal(ds.X.p, 64);
  const c = counts(ds.y);
  t.equal(c.size, 10);
  // Class sizes of the UCI optdigits test set.
  t.same(
    Array.from({ length: 10 }, (_, d) => c.get(d)),
    [178, 182, 177, 183, 181, 182, 181, 179, 174, 180],
  );
  t.ok(ds.X.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 16));
  t.equal(ds.featureNames[0], 'pixel_0_0');
  t.equal(ds.featureNames[63], 'pixel_7_7');
});

t.test('standardize option and unknown name', async (t) => {
  const raw = loadBuiltin('wine');
  const ds = loadBuiltin('wine', { standardize: true });
  t.equal(ds.notes['standardized'], true);
  t.not(ds.hash, raw.hash);
  t.same(Array.from(ds.y), Array.from(raw.y));
  for (let j = 0; j < 13; j++) t.ok(Math.abs(mean(col(ds, j))) < 1e-12);
  t.throws(() => loadBuiltin('iris'), { name: 'UserError', message: /unknown builtin dataset 'iris'; choose one of: diabetes, breast-cancer, wine, digits/ });
});
