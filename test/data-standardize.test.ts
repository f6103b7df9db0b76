import t from 'tap';
import { createHash } from 'node:crypto';
import type { Dataset } from '../problems/dataset.ts';
import { hashDataset } from '../problems/datasets/hash.ts';
import { standardize } from '../problems/datasets/standardize.ts';
import { Rng } from '../problems/rng.ts';

function make(n: number, p: number, data: number[] | Float64Array, y?: number[]): Dataset {
  const X = { n, p, data: Float64Array.from(data) };
  const yy = Float64Array.from(y ?? Array.from({ length: n }, (_, i) => i));
  return { name: 't', X, y: yy, featureNames: [], task: 'regression', hash: hashDataset(X, yy), notes: { source: 't' } };
}

t.test('closed form on a tiny matrix; constant column stays 0', async (t) => {
  // column 0 = [1, 2, 3]: μ = 2, σ = sqrt(2/3) → ∓sqrt(3/2), 0; column 1 constant 5 → 0.
  const ds = standardize(make(3, 2, [1, 2, 3, 5, 5, 5]));
  const r = Math.sqrt(1.5);
  const got = Array.from(ds.X.data);
  const want = [-r, 0, r, 0, 0, 0];
  for (let e = 0; e < 6; e++) t.ok(Math.abs((got[e] as number) - (want[e] as number)) < 1e-15, `entry ${e}`);
  t.equal(ds.X.data[3], 0);
  t.equal(ds.notes['standardized'], true);
  t.equal(ds.notes['constantColumns'], 1);
  t.equal(ds.notes['source'], 't', 'keeps the other notes');
});

t.test('random data: zero means, unit population variances, invariance to affine column maps', async (t) => {
  const rng = new Rng(3);
  const n = 57, p = 6;
  const data = new Float64Array(n * p);
  for (let e = 0; e < data.length; e++) data[e] = 3 * rng.normal() + 10;
  const orig = make(n, p, data);
  const before = Float64Array.from(orig.X.data);
  const ds = standardize(orig);
  t.same(Array.from(orig.X.data), Array.from(before), 'input not mutated');
  for (let j = 0; j < p; j++) {
    const c = ds.X.data.subarray(j * n, (j + 1) * n);
    const mu = c.reduce((s, v) => s + v, 0) / n;
    const v = c.reduce((s, x) => s + (x - mu) ** 2, 0) / n;
    t.ok(Math.abs(mu) < 1e-14, `mean ${j}`);
    t.ok(Math.abs(v - 1) < 1e-12, `variance ${j}`);
  }
  // standardize(a_j·X_j + b_j) = sign(a_j)·standardize(X_j)
  const scaled = Float64Array.from(data);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) scaled[j * n + i] = (j + 0.5) * (data[j * n + i] as number) - 7 * j;
  const ds2 = standardize(make(n, p, scaled));
  let err = 0;
  for (let e = 0; e < n * p; e++) err = Math.max(err, Math.abs((ds2.X.data[e] as number) - (ds.X.data[e] as number)));
  t.ok(err < 1e-12, `affine invariance (max diff ${err})`);
  const ybar = Array.from(orig.y).reduce((a, b) => a + b, 0) / n;
  t.same(Array.from(ds.y), Array.from(orig.y, (v) => v - ybar), 'regression targets are centred (the intercept)');
  t.equal(ds.hash, hashDataset(ds.X, ds.y), 'hash recomputed');
  t.not(ds.hash, orig.hash);
});

t.test('hashDataset = sha256 of [n, p, X.data, y] as Float64 bytes', async (t) => {
  const X = { n: 2, p: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6.5]) };
  const y = Float64Array.from([-1, 1]);
  // Independent encoding: DataView little-endian writes.
  const vals = [2, 3, 1, 2, 3, 4, 5, 6.5, -1, 1];
  const view = new DataView(new ArrayBuffer(vals.length * 8));
  vals.forEach((v, i) => view.setFloat64(i * 8, v, true));
  const want = createHash('sha256').update(new Uint8Array(view.buffer)).digest('hex');
  t.equal(hashDataset(X, y), want);
  t.equal(hashDataset(X, y).length, 64);
  t.not(hashDataset({ n: 3, p: 2, data: X.data }, Float64Array.from([-1, 1, 0])), hashDataset(X, Float64Array.from([-1, 1, 0])), 'shape is hashed');
  const y2 = Float64Array.from([-1, 1 + Number.EPSILON]);
  t.not(hashDataset(X, y2), hashDataset(X, y), 'one ulp changes the hash');
  // subarray views hash their own bytes only
  const big = Float64Array.from([9, 1, 2, 3, 4, 5, 6.5, 9]);
  t.equal(hashDataset({ n: 2, p: 3, data: big.subarray(1, 7) }, y), want);
});
