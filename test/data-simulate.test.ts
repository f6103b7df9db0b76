import t from 'tap';
import type { Dataset } from '../problems/dataset.ts';
import {
  simulateCompressiveSensing,
  simulateGroupLasso,
  simulateLasso,
  simulateLogistic,
  simulateMultinomial,
} from '../problems/datasets/simulate.ts';

/** Row-wise X·b (an independent loop order from the generator's). */
function xb(ds: Dataset, b: Float64Array): Float64Array {
  const { n, p, data } = ds.X;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += (data[j * n + i] as number) * (b[j] as number);
    out[i] = s;
  }
  return out;
}
const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
function corr(ds: Dataset, j: number, l: number): number {
  const { n, data } = ds.X;
  let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const a = data[j * n + i] as number, b = data[l * n + i] as number;
    sa += a; sb += b; sab += a * b; saa += a * a; sbb += b * b;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

t.test('deterministic for a seed, different across seeds', async (t) => {
  const gens: ((seed: number) => Dataset)[] = [
    (seed) => simulateLasso({ n: 30, p: 40, k: 5, rho: 0.3, seed }),
    (seed) => simulateLogistic({ n: 30, p: 40, k: 5, seed }),
    (seed) => simulateMultinomial({ n: 30, p: 40, k: 5, classes: 4, seed }),
    (seed) => simulateGroupLasso({ n: 30, p: 40, groupSize: 4, kGroups: 2, seed }),
    (seed) => simulateCompressiveSensing({ n: 10, N: 50, seed }),
  ];
  for (const g of gens) {
    const a = g(7), b = g(7), c = g(8);
    t.equal(a.hash, b.hash, `${a.name}: same seed, same hash`);
    t.same(Array.from(a.X.data), Array.from(b.X.data));
    t.same(Array.from(a.trueCoef ?? []), Array.from(b.trueCoef ?? []));
    t.not(a.hash, c.hash, `${a.name}: different seed, different data`);
    t.equal(a.notes['seed'], 7);
    t.equal(a.notes['generator'], a.name.split(':')[0]);
  }
});

t.test('lasso: k evenly spread nonzeros in ±[1, 2), exact snr, noiseless snr=Infinity', async (t) => {
  const ds = simulateLasso({ n: 80, p: 100, k: 7, rho: 0.5, snr: 4, seed: 1 });
  const beta = ds.trueCoef as Float64Array;
  const supp = Array.from(ds.trueSupport as Int32Array);
  t.equal(supp.length, 7);
  t.same(supp, [...supp].sort((a, b) => a - b), 'sorted');
  const nz = Array.from(beta.keys()).filter((j) => beta[j] !== 0);
  t.same(nz, supp, 'nonzeros of trueCoef = trueSupport');
  for (const j of supp) t.ok(Math.abs(beta[j] as number) >= 1 && Math.abs(beta[j] as number) < 2);
  const gaps = supp.slice(1).map((j, i) => j - (supp[i] as number));
  t.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `evenly spread (gaps ${gaps})`);
  t.ok(beta.some((v) => v < 0) && beta.some((v) => v > 0), 'both signs occur');
  const signal = xb(ds, beta);
  const noise = ds.y.map((v, i) => v - (signal[i] as number));
  t.ok(Math.abs(norm(signal) / norm(noise) - 4) < 1e-10, 'snr = ‖Xβ‖/‖ε‖');
  const clean = simulateLasso({ n: 80, p: 100, k: 7, rho: 0.5, snr: Infinity, seed: 1 });
  t.same(Array.from(clean.X.data), Array.from(ds.X.data), 'snr does not change X');
  const cs = xb(clean, clean.trueCoef as Float64Array);
  let err = 0;
  for (let i = 0; i < 80; i++) err = Math.max(err, Math.abs((clean.y[i] as number) - (cs[i] as number)));
  t.ok(err < 1e-12, 'y = Xβ without noise');
  t.equal(simulateLasso({ n: 5, p: 5, k: 5 }).trueSupport?.length, 5, 'k = p');
});

t.test('Toeplitz design: corr(x_j, x_l) ≈ rho^|j−l|, unit variance', async (t) => {
  const n = 20000;
  for (const rho of [0, 0.5, -0.7]) {
    const ds = simulateLasso({ n, p: 4, k: 1, rho, seed: 3 });
    for (let j = 0; j < 3; j++) t.ok(Math.abs(corr(ds, j, j + 1) - rho) < 0.03, `rho=${rho}: adjacent corr ${corr(ds, j, j + 1)}`);
    t.ok(Math.abs(corr(ds, 0, 2) - rho * rho) < 0.03, `rho=${rho}: lag-2 corr ${corr(ds, 0, 2)}`);
    for (let j = 0; j < 4; j++) {
      const c = ds.X.data.subarray(j * n, (j + 1) * n);
      const v = c.reduce((s, x) => s + x * x, 0) / n;
      t.ok(Math.abs(v - 1) < 0.05, `rho=${rho}: var(x_${j}) = ${v}`);
    }
  }
});

t.test('logistic: ±1 labels, separable = sign(Xβ), otherwise P(y=1) = sigmoid(Xβ)', async (t) => {
  const sep = simulateLogistic({ n: 200, p: 30, k: 4, rho: 0.2, seed: 2, separable: true });
  const eta = xb(sep, sep.trueCoef as Float64Array);
  t.ok(sep.y.every((v, i) => v * (eta[i] as number) >= 0), 'y_i x_iᵀβ ≥ 0');
  t.same(sep.labels, { '-1': -1, '1': 1 });
  const n = 20000;
  const ds = simulateLogistic({ n, p: 10, k: 2, seed: 5 });
  t.ok(ds.y.every((v) => v === 1 || v === -1));
  const e2 = xb(ds, ds.trueCoef as Float64Array);
  // E[y_i] = 2σ(η_i) − 1 ⇒ (1/n) Σ (y_i − (2σ(η_i) − 1)) = O(1/√n)
  let dev = 0;
  for (let i = 0; i < n; i++) dev += (ds.y[i] as number) - (2 / (1 + Math.exp(-(e2[i] as number))) - 1);
  t.ok(Math.abs(dev / n) < 4 / Math.sqrt(n), `calibrated (${dev / n})`);
  const agree = ds.y.filter((v, i) => v * (e2[i] as number) > 0).length / n;
  t.ok(agree > 0.6 && agree < 1, `noisy but informative labels (agreement ${agree})`);
});

t.test('multinomial: k nonzero rows, Gumbel-max draws from softmax(xᵀB)', async (t) => {
  const n = 20000, p = 6, C = 3;
  const ds = simulateMultinomial({ n, p, k: 2, classes: C, seed: 4 });
  const B = ds.trueCoef as Float64Array;
  t.equal(B.length, p * C);
  const rows = Array.from({ length: p }, (_, j) => j).filter((j) => Array.from({ length: C }, (_, c) => B[c * p + j]).some((v) => v !== 0));
  t.same(rows, Array.from(ds.trueSupport as Int32Array));
  t.equal(rows.length, 2);
  t.ok(ds.y.every((v) => Number.isInteger(v) && v >= 0 && v < C));
  const scores = Array.from({ length: C }, (_, c) => xb(ds, B.subarray(c * p, (c + 1) * p)));
  for (let c = 0; c < C; c++) {
    let freq = 0, prob = 0;
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let d = 0; d < C; d++) m = Math.max(m, (scores[d] as Float64Array)[i] as number);
      let z = 0;
      for (let d = 0; d < C; d++) z += Math.exp(((scores[d] as Float64Array)[i] as number) - m);
      prob += Math.exp(((scores[c] as Float64Array)[i] as number) - m) / z;
      if (ds.y[i] === c) freq++;
    }
    t.ok(Math.abs(freq / n - prob / n) < 4 * Math.sqrt(0.25 / n), `class ${c}: frequency ${freq / n} vs mean softmax ${prob / n}`);
  }
});

t.test('group lasso: whole groups active, exact snr, p must be a multiple of groupSize', async (t) => {
  const ds = simulateGroupLasso({ n: 60, p: 40, groupSize: 5, kGroups: 3, rho: 0.4, snr: 2, seed: 9 });
  const beta = ds.trueCoef as Float64Array;
  const supp = Array.from(ds.trueSupport as Int32Array);
  t.equal(supp.length, 15);
  const groups = new Set(supp.map((j) => Math.floor(j / 5)));
  t.equal(groups.size, 3, 'three groups');
  for (const g of groups) for (let l = 0; l < 5; l++) t.not(beta[g * 5 + l], 0, `group ${g} fully active`);
  t.equal(beta.filter((v) => v !== 0).length, 15);
  t.equal(ds.notes['groupSize'], 5);
  const signal = xb(ds, beta);
  const noise = ds.y.map((v, i) => v - (signal[i] as number));
  t.ok(Math.abs(norm(signal) / norm(noise) - 2) < 1e-10);
  t.throws(() => simulateGroupLasso({ n: 10, p: 42, groupSize: 5, kGroups: 1 }), {
    name: 'UserError',
    message: 'sim-group: p=42 is not a multiple of groupSize=5; choose p = groupSize × number of groups',
  });
  t.throws(() => simulateGroupLasso({ n: 10, p: 40, groupSize: 5, kGroups: 9 }), { message: /kGroups=9 must be an integer in 1 … 8/ });
});

t.test('compressive sensing: A ~ N(0, 1/N), round(sparsity·N) nonzeros, noise level', async (t) => {
  const n = 200, N = 2000;
  const ds = simulateCompressiveSensing({ n, N, sparsity: 0.05, noise: 0.1, seed: 1 });
  t.equal(ds.X.n, n);
  t.equal(ds.X.p, N);
  const v = ds.X.data.reduce((s, a) => s + a * a, 0) / (n * N);
  t.ok(Math.abs(v * N - 1) < 0.02, `entry variance × N = ${v * N}`);
  const x = ds.trueCoef as Float64Array;
  t.equal(x.filter((a) => a !== 0).length, 100);
  t.equal(ds.trueSupport?.length, 100);
  const ax = xb(ds, x);
  const r = ds.y.map((yi, i) => yi - (ax[i] as number));
  const sd = Math.sqrt(r.reduce((s, a) => s + a * a, 0) / n);
  t.ok(Math.abs(sd - 0.1) < 0.02, `noise sd ${sd}`);
  const clean = simulateCompressiveSensing({ n: 5, N: 20, noise: 0, seed: 2 });
  t.equal(clean.trueSupport?.length, 2, 'default sparsity 0.1');
});

t.test('bad parameters are UserErrors naming the key', async (t) => {
  t.throws(() => simulateLasso({ n: 10, p: 5, k: 6 }), { name: 'UserError', message: 'sim-lasso: k=6 must be an integer in 1 … 5' });
  t.throws(() => simulateLasso({ n: 10, p: 5, k: 2, rho: 1 }), { message: /sim-lasso: rho=1 must be in \(−1, 1\)/ });
  t.throws(() => simulateLasso({ n: 0, p: 5, k: 2 }), { message: /sim-lasso: n=0 must be an integer ≥ 1/ });
  t.throws(() => simulateLasso({ n: 10, p: 5, k: 2, snr: 0 }), { message: /snr=0 must be > 0/ });
  t.throws(() => simulateMultinomial({ n: 10, p: 5, k: 2, classes: 1 }), { message: /classes=1 must be an integer ≥ 2/ });
  t.throws(() => simulateCompressiveSensing({ n: 10, N: 5, sparsity: 0 }), { message: /sparsity=0 must be in \(0, 1\]/ });
});
