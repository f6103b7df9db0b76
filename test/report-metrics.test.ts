/**
 * The report's numbers, worked out by hand: seed bands, interpolation, time to tolerance,
 * Dolan–Moré profiles, packed chart data, and JSON that cannot close a <script> element.
 */
import t from 'tap';
import { aggregateSeeds, interpolate, median, performanceProfiles, quantileSorted, round, thin, timeToTolerance, TIME_FLOOR } from '../reports/metrics.ts';
import { scriptJson, sci } from '../reports/render.ts';
import { convergenceData, expandPacked } from '../reports/specs.ts';
import type { ReportInstance, ReportRun } from '../reports/data.ts';

t.test('interpolate: linear in x, geometric in log y, held after the end, NaN before the start', async (t) => {
  const s = { x: [0, 10], y: [1, 100] };
  t.equal(interpolate(s, 5, false), 50.5);
  t.ok(Math.abs(interpolate(s, 5, true) - 10) < 1e-12, 'log-linear midpoint of 1 and 100 is 10');
  t.equal(interpolate(s, 20, true), 100, 'a finished run keeps its last value');
  t.ok(Number.isNaN(interpolate({ x: [1, 2], y: [1, 1] }, 0.5, false)), 'not started yet');
});

t.test('aggregateSeeds: median and 20–80% band over ≥ 3 seeds, geometric median for two, ending at the median end', async (t) => {
  const three = [
    { x: [0, 1, 2], y: [1e-2, 1e-2, 1e-2] },
    { x: [0, 1, 2], y: [1e-4, 1e-4, 1e-4] },
    { x: [0, 1, 2], y: [1e-6, 1e-6, 1e-6] },
  ];
  // log10 values −6, −4, −2: the 20% quantile sits at rank 0.4 → −5.2, the 80% at rank 1.6 → −2.8.
  const b3 = aggregateSeeds(three, true);
  t.same(b3.map((p) => p.x), [0, 1, 2]);
  for (const p of b3) {
    t.equal(p.med, 1e-4);
    t.ok(Math.abs(Math.log10(p.lo) + 5.2) < 1e-12, `lo = 10^−5.2 (${p.lo})`);
    t.ok(Math.abs(Math.log10(p.hi) + 2.8) < 1e-12, `hi = 10^−2.8 (${p.hi})`);
  }
  t.equal(quantileSorted([1, 2, 3, 4, 5], 0.2, false), 1.8, 'rank (5 − 1)·0.2 = 0.8 between 1 and 2');
  t.equal(quantileSorted([1, 2, 3, 4, 5], 0.8, false), 4.2);
  // Two seeds: no band (lo = hi = med). A short run holds 0.1 after x = 1; the curve ends at the
  // median end (1 + 3)/2 = 2, where the other is at 0.01: median = √(0.1·0.01).
  const band = aggregateSeeds([{ x: [0, 1], y: [1, 0.1] }, { x: [0, 1, 2, 3], y: [1, 0.1, 0.01, 0.001] }], true);
  const last = band[band.length - 1]!;
  t.equal(last.x, 2, 'ends where the median run ended, not at the longest run');
  t.ok(Math.abs(last.med - Math.sqrt(1e-3)) < 1e-15);
  t.ok(band.every((p) => p.lo === p.med && p.hi === p.med), 'fewer than 3 seeds: no band');
  // The median never jumps up when a seed stops: it is non-increasing for non-increasing seeds.
  const stops = aggregateSeeds([{ x: [0, 1], y: [1, 1e-3] }, { x: [0, 2, 4], y: [1, 1e-2, 1e-4] }, { x: [0, 3, 6], y: [1, 1e-1, 1e-5] }], true);
  t.ok(stops.every((p, i) => i === 0 || p.med <= stops[i - 1]!.med * (1 + 1e-12)), 'monotone median');
  t.equal(stops[stops.length - 1]!.x, 4, 'median of the ends 1, 4, 6');
  t.same(aggregateSeeds([{ x: [0, 5], y: [2, 3] }], false), [{ x: 0, med: 2, lo: 2, hi: 2 }, { x: 5, med: 3, lo: 3, hi: 3 }], 'one seed: its own points');
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([1, Infinity]), Infinity, 'half the seeds unsolved: median unsolved');
  t.same(thin([1, 2, 3, 4, 5], 3), [1, 3, 5]);
});

t.test('timeToTolerance: first trace point at or below tol', async (t) => {
  const times = [0, 1, 2, 3];
  const metric = [1, null, 1e-3, 1e-7];
  t.equal(timeToTolerance(times, metric, 1e-2), 2);
  t.equal(timeToTolerance(times, metric, 1e-7), 3, '≤, not <');
  t.equal(timeToTolerance(times, metric, 1e-9), Infinity);
});

t.test('performanceProfiles: Dolan–Moré on a 4-instance example', async (t) => {
  // Instance 3 unsolved by both; instance 4 only by solver 0.
  const times = [[1, 2], [4, 2], [Infinity, Infinity], [3, Infinity]];
  const { profiles, tauMax } = performanceProfiles(times, 2);
  t.equal(tauMax, 10, 'largest ratio 2 → max(10, 2·2)');
  t.same(profiles[0], [{ tau: 1, rho: 0.5 }, { tau: 2, rho: 0.75 }, { tau: 10, rho: 0.75 }]);
  t.same(profiles[1], [{ tau: 1, rho: 0.25 }, { tau: 2, rho: 0.5 }, { tau: 10, rho: 0.5 }]);
  // Zero times (tolerance met at x₀) are floored, so ratios stay finite.
  const z = performanceProfiles([[0, TIME_FLOOR * 4]], 2, 100).profiles;
  t.same(z[1], [{ tau: 1, rho: 0 }, { tau: 4, rho: 1 }, { tau: 100, rho: 1 }]);
});

t.test('scriptJson: no text can close the script element, and it parses back', async (t) => {
  const evil = { name: '</script><script>alert(1)</script>', amp: 'a & b', ls: 'x\u2028y\u2029z' };
  const s = scriptJson(evil);
  t.notMatch(s, /[<>&\u2028\u2029]/);
  t.same(JSON.parse(s), evil);
});

t.test('sci formats for tables', async (t) => {
  t.equal(sci(null), '—');
  t.equal(sci(0), '0');
  t.equal(sci(0.012345), '0.0123');
  t.equal(sci(-1.5e-7), '−1.50e−7');
  t.equal(round(123456, 4), 123500);
});

function run(id: number, label: string, seed: number, status: ReportRun['status'], k: number[], subopt: number[]): ReportRun {
  return {
    id, family: 'lasso', dataset: 'd', instance: 'h', solver: label, label, params: '{}', seed, status, reason: null, objective: 1, relSubopt: null,
    gap: null, relGap: null, kkt: null, nnz: null, seconds: null, iterations: null, testMetric: null, tau: 0, nnzAt: [null, null, null], maxIter: 100, suite: null, current: true, engine: 'float64', backend: null,
    commit: null, dirty: false, startedAt: '', machine: '', nodeVersion: '', versions: {}, referenceKind: 'certified',
    trace: { k, t: k.map((v) => v / 1000), subopt, gap: k.map(() => null), kkt: subopt.map((v) => 2 * v), nnz: k.map(() => 3), test: k.map(() => null) },
  };
}

t.test('convergenceData: one seed keeps its points; several get a band; partial runs stay per run', async (t) => {
  const inst: ReportInstance = {
    key: 'h', family: 'lasso', dataset: 'd', lambda: 1, lambdaRatio: 0.1, nSamples: 1, nFeatures: 1, dim: 1, built: true, reference: 1, referenceKind: 'certified',
    runs: [
      run(1, 'a', 0, 'converged', [0, 1, 2], [1, 0.123456, 1e-20]),
      run(2, 'b', 0, 'max_iter', [0, 1], [1, 1e-2]),
      run(3, 'b', 1, 'max_iter', [0, 1], [1, 1e-4]),
      run(5, 'b', 2, 'max_iter', [0, 1], [1, 1e-6]),
      run(6, 'e', 0, 'max_iter', [0, 1], [1, 1e-2]),
      run(7, 'e', 1, 'max_iter', [0, 1], [1, 1e-4]),
      run(4, 'c', 0, 'diverged', [0, 1], [1, 1e5]),
    ],
    superseded: [],
  };
  const rows = expandPacked(convergenceData(inst));
  const a = rows.filter((r) => r['s'] === 'a');
  t.same(a.map((r) => [r['ax'], r['k'], r['subopt'], r['kkt']]), [['both', 0, 1, 2], ['both', 1, 0.1235, 0.2469], ['both', 2, 1e-16, 1e-16]], 'rounded to 4 digits, floored at 1e-16');
  const bIter = rows.filter((r) => r['s'] === 'b' && r['ax'] === 'iterations');
  t.same(bIter.map((r) => [r['k'], r['subopt'], r['suboptLo'], r['suboptHi']]), [[0, 1, null, null], [1, 1e-4, 6.31e-6, 0.001585]], 'median and 20–80% band (10^−5.2, 10^−2.8) over 3 seeds');
  t.equal(rows.filter((r) => r['s'] === 'b' && r['ax'] === 'time').length, 2, 'the band is also computed against time');
  const eIter = rows.filter((r) => r['s'] === 'e' && r['ax'] === 'iterations');
  t.same(eIter.map((r) => [r['k'], r['subopt'], r['suboptLo'], r['suboptHi']]), [[0, 1, null, null], [1, 1e-3, null, null]], 'two seeds: geometric median, no band');
  const c = rows.filter((r) => r['s'] === 'c');
  t.same(c.map((r) => [r['st'], r['r'], r['subopt']]), [['diverged', 4, 1], ['diverged', 4, 1e5]]);
});

t.test('solver colours: a pure function of the name; fixed for registered solvers, never taken by others', async (t) => {
  const { solverColor, SOLVER_COLORS, VARIANT_PALETTE, fnv1a } = await import('../reports/style.ts');
  const { SOLVERS } = await import('../solvers/index.ts');
  for (const s of SOLVERS) t.ok(SOLVER_COLORS[s.name] !== undefined, `${s.name} has a fixed colour`);
  t.equal(new Set(Object.values(SOLVER_COLORS)).size, Object.keys(SOLVER_COLORS).length, 'fixed colours are distinct');
  t.notOk(VARIANT_PALETTE.some((c) => Object.values(SOLVER_COLORS).includes(c)), 'hashed names never get a fixed colour');
  t.equal(fnv1a(''), 0x811c9dc5, 'FNV-1a offset basis');
  t.equal(fnv1a('a'), 0xe40c292c, 'FNV-1a of "a" (published test vector)');
  t.equal(solverColor('spred-adam[lr=0.001]'), solverColor('spred-adam[lr=0.001]'));
  t.equal(solverColor('spred-adam[lr=0.001]'), VARIANT_PALETTE[fnv1a('spred-adam[lr=0.001]') % VARIANT_PALETTE.length]);
});
