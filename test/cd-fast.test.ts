/**
 * Least-squares cd, the fast variants (solvers/kernels/cd-quadratic.ts):
 * - gap-safe screening: at an early iterate, every unit the test discards is zero at the optimum
 *   (to 1e-12), and the dual sphere ‖θ − θ*‖ ≤ √(2·gap/n) behind it holds;
 * - `strategy=workingset` reaches the optimum of cyclic cd (relative gap ≤ 1e-10, same objective
 *   and support) on lasso and group lasso, with and without screening;
 * - the lazy-Gram updates (`gram=true`) agree with the residual updates (objectives to 1e-12);
 * - the warm-started working-set path (strong rule at each λ) equals cold solves at every λ;
 * - on a column scaled by 1e6 the working-set solver still certifies a relative gap ≤ 1e-12;
 * - the working-set selection's quickselect equals sorting; the wasm sweep (`lassoCdSweepSpace`)
 *   takes the plain sweep's steps (to round-off).
 */
import t from 'tap';
import type { Dataset } from '../problems/dataset.ts';
import type { IterateView, Problem } from '../problems/types.ts';
import { Rng } from '../problems/rng.ts';
import { groupLassoFamily, lassoFamily, makeProblem } from '../problems/zoo.ts';
import { Certifier } from '../problems/certificate.ts';
import { runSolver, type RunOutcome } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { executePath, geometricRatios } from '../harness/path.ts';
import { cd } from '../solvers/cd.ts';
import { blockLipschitz, gapSafeScreened, kthSmallest, lassoCdSweep, lassoCdSweepSpace } from '../solvers/kernels/cd-quadratic.ts';
import { columnSpace } from '../solvers/kernels/columns.ts';

/** Gaussian design with correlated neighbours (x_j += 0.5·x_{j−1}), y = Xβ + noise, β on `k` spread columns. */
function dataset(n: number, p: number, k: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) data[j * n + i] = rng.normal() + (j > 0 ? 0.5 * (data[(j - 1) * n + i] as number) : 0);
  }
  const y = new Float64Array(n);
  for (let a = 0; a < k; a++) {
    const j = Math.floor((a * p) / k);
    const b = a % 2 ? -1 : 1.5;
    for (let i = 0; i < n; i++) y[i] = (y[i] as number) + b * (data[j * n + i] as number);
  }
  for (let i = 0; i < n; i++) y[i] = (y[i] as number) + 0.5 * rng.normal();
  return { name: `cd-fast-${n}x${p}-${seed}`, X: { n, p, data }, y, featureNames: [], task: 'regression', hash: `cd-fast-${n}x${p}-${seed}`, notes: {} };
}

async function solve(problem: Problem, params: Record<string, string>, tol = 1e-13): Promise<RunOutcome> {
  return runSolver(cd, problem, resolveParams(cd, params), { tol, maxIter: 200000, tau: 0, seed: 0 });
}

/** w after `epochs` cyclic cd epochs from 0 (an early, far-from-optimal iterate). */
function early(problem: Problem, epochs: number): Float64Array {
  let x = new Float64Array(problem.dim);
  let k = 0;
  void cd.run(problem, resolveParams(cd, { strategy: 'cyclic', anderson: '0' }), (v: IterateView) => {
    x = v.x().slice();
    return k++ < epochs;
  }, { seed: 0, maxIter: 1000 });
  return x;
}

/** r = y − Xw. */
function residualOf(problem: Problem, w: Float64Array): Float64Array {
  const { X, y } = problem.datafit.design as NonNullable<Problem['datafit']['design']>;
  const r = Float64Array.from(y);
  for (let j = 0; j < X.p; j++) for (let i = 0; i < X.n; i++) r[i] = (r[i] as number) - (w[j] as number) * (X.data[j * X.n + i] as number);
  return r;
}

for (const grouped of [false, true]) {
  t.test(`gap-safe screening (${grouped ? 'group lasso' : 'lasso'}): a screened unit is zero at the optimum`, async (t) => {
    const ds = dataset(50, 120, 6, grouped ? 2 : 1);
    const problem = grouped
      ? makeProblem(groupLassoFamily, ds, { kind: 'ratio', ratio: 0.3 }, { groupSize: 3 })
      : makeProblem(lassoFamily, ds, { kind: 'ratio', ratio: 0.3 });
    const { X } = problem.datafit.design as NonNullable<Problem['datafit']['design']>;
    const n = X.n;
    const units: Int32Array[] = grouped ? [...(problem.penalty.groups ?? [])] : Array.from({ length: X.p }, (_, j) => Int32Array.of(j));
    const w = early(problem, 4);
    // gap from the problem's own certificate (the datafit's dual), dual point θ = s·r/n
    const gap = new Certifier(problem, 0).certify(w).gap as number;
    t.ok(gap > 0, `the early iterate is not optimal (gap ${gap.toExponential(2)})`);
    const r = residualOf(problem, w);
    const c = Array.from({ length: X.p }, (_, j) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (X.data[j * n + i] as number) * (r[i] as number);
      return s / n;
    });
    const norm = (g: Int32Array): number => Math.sqrt(Array.from(g).reduce((acc, j) => acc + (c[j] as number) ** 2, 0));
    const dn = Math.max(...units.map(norm));
    const s = dn > problem.lambda ? problem.lambda / dn : 1;
    const screened = units.filter((g) => gapSafeScreened(s * norm(g), blockLipschitz(X, g), gap, problem.lambda));
    t.ok(screened.length >= units.length / 4, `${screened.length} of ${units.length} units screened`);
    const opt = await solve(problem, { strategy: 'cyclic' }, 1e-14);
    t.equal(opt.status, 'converged');
    const xs = opt.x as Float64Array;
    const worst = Math.max(...screened.map((g) => Math.max(...Array.from(g, (j) => Math.abs(xs[j] as number)))));
    t.ok(worst <= 1e-12, `max |w*_j| over screened units = ${worst}`);
    t.ok(units.some((g) => !screened.includes(g) && Array.from(g).some((j) => xs[j] !== 0)), 'the support is not screened');
    // the sphere: ‖θ − θ*‖ ≤ √(2·gap/n), θ* = r*/n
    const rs = residualOf(problem, xs);
    let d2 = 0;
    for (let i = 0; i < n; i++) d2 += ((s * (r[i] as number)) / n - (rs[i] as number) / n) ** 2;
    t.ok(Math.sqrt(d2) <= Math.sqrt((2 * gap) / n), `‖θ − θ*‖ = ${Math.sqrt(d2).toExponential(3)} ≤ √(2·gap/n) = ${Math.sqrt((2 * gap) / n).toExponential(3)}`);
  });
}

for (const grouped of [false, true]) {
  for (const ratio of [0.3, 0.02]) {
    t.test(`workingset = cyclic cd (${grouped ? 'group lasso' : 'lasso'}, ${ratio}·λ_max)`, async (t) => {
      const ds = dataset(60, 300, 10, 7);
      const problem = grouped
        ? makeProblem(groupLassoFamily, ds, { kind: 'ratio', ratio }, { groupSize: 3 })
        : makeProblem(lassoFamily, ds, { kind: 'ratio', ratio });
      const ref = await solve(problem, { strategy: 'cyclic' });
      t.equal(ref.status, 'converged');
      const F = ref.final?.objective as number;
      const variants: Record<string, string>[] = [{ strategy: 'workingset' }, { strategy: 'workingset', screen: 'false' }, { strategy: 'workingset', anderson: '0', wsStart: '1' }];
      for (const params of variants) {
        const o = await solve(problem, params, 1e-11);
        t.equal(o.status, 'converged', JSON.stringify(params));
        t.ok(Math.abs(o.final?.relGap as number) <= 1e-10, `relative gap ${o.final?.relGap}`);
        t.ok(Math.abs((o.final?.objective as number) - F) <= 1e-10 * F, `F = ${o.final?.objective} vs cyclic ${F}`);
        const x = o.x as Float64Array;
        const xr = ref.x as Float64Array;
        const support = (v: Float64Array): number[] => Array.from(v.keys()).filter((j) => Math.abs(v[j] as number) > 1e-6);
        t.same(support(x), support(xr), 'same support');
      }
    });
  }
}

for (const grouped of [false, true]) {
  t.test(`Gram updates = residual updates (${grouped ? 'group lasso' : 'lasso'}, tall design)`, async (t) => {
    const ds = dataset(400, 30, 5, 3);
    const problem = grouped
      ? makeProblem(groupLassoFamily, ds, { kind: 'ratio', ratio: 0.05 }, { groupSize: 3 })
      : makeProblem(lassoFamily, ds, { kind: 'ratio', ratio: 0.05 });
    for (const strategy of ['active', 'cyclic']) {
      const a = await solve(problem, { strategy, gram: 'false' });
      const b = await solve(problem, { strategy, gram: 'true' });
      t.equal(a.status, 'converged');
      t.equal(b.status, 'converged', `gram ${strategy}`);
      const Fa = a.final?.objective as number;
      const Fb = b.final?.objective as number;
      t.ok(Math.abs(Fa - Fb) <= 1e-12 * Fa, `${strategy}: F ${Fb} (Gram) vs ${Fa} (residual)`);
      t.ok(Math.abs(b.final?.relGap as number) <= 1e-12, `Gram relative gap ${b.final?.relGap}`);
      // the first epoch is the same cd step in exact arithmetic: the iterates agree to round-off
      const first = (gram: string): Float64Array => {
        let x = new Float64Array(problem.dim);
        let k = 0;
        void cd.run(problem, resolveParams(cd, { strategy, gram, anderson: '0' }), (v) => {
          x = v.x().slice();
          return k++ < 1;
        }, { seed: 0, maxIter: 10 });
        return x;
      };
      const x0 = first('false');
      const x1 = first('true');
      const err = Math.max(...Array.from(x0, (v, j) => Math.abs(v - (x1[j] as number))));
      t.ok(err <= 1e-12 * Math.max(...Array.from(x0, Math.abs)), `first epoch: max difference ${err.toExponential(2)}`);
    }
  });
}

t.test('workingset path (strong rule on warm starts) = cold solves at every λ', async (t) => {
  const ratios = geometricRatios(10, 0.02);
  const job = {
    problem: { family: 'lasso', dataset: 'sim-lasso:n=60,p=200,k=8,rho=0.5,seed=3', lambda: { kind: 'ratio' as const, ratio: 1 } },
    solver: 'cd',
    params: { strategy: 'workingset' },
    seed: 0,
    tol: 1e-11,
    maxIter: 100000,
    timeoutSeconds: 120,
  };
  const path = await executePath(job, ratios);
  t.equal(path.length, ratios.length);
  for (const [k, r] of path.entries()) {
    t.equal(r.run.status, 'converged', `λ_${k}: ${r.run.reason}`);
    const cold = await solve(r.problem as Problem, { strategy: 'cyclic' });
    const F = cold.final?.objective as number;
    t.ok(Math.abs((r.run.objective as number) - F) <= 1e-10 * F, `λ_${k}: F = ${r.run.objective} vs cold ${F}`);
  }
});

t.test('workingset on a column scaled by 1e6 reaches a relative gap ≤ 1e-12 (KKT-side rounding at its fixed point)', async (t) => {
  // one ulp of w_3 moves c_3 = x_3ᵀr/n by l_3·ulp(w_3) ≈ 1e-10: the CD fixed point can leave
  // |c_3| a hair above λ, and the rescaled dual point then holds the gap near 1e-9
  const rng = new Rng(9);
  const n = 60;
  const p = 20;
  const data = Float64Array.from({ length: n * p }, () => rng.normal());
  const beta = Float64Array.from({ length: p }, (_, j) => (j % 4 === 0 ? rng.normal() : 0));
  beta[3] = 1e-6;
  for (let i = 0; i < n; i++) data[3 * n + i] = (data[3 * n + i] as number) * 1e6;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < p; j++) z += (data[j * n + i] as number) * (beta[j] as number);
    y[i] = z + 0.1 * rng.normal();
  }
  let m = 0;
  for (let j = 0; j < p; j++) {
    if (j === 3) continue;
    let s = 0;
    for (let i = 0; i < n; i++) s += (data[j * n + i] as number) * (y[i] as number);
    m = Math.max(m, Math.abs(s) / n);
  }
  const ds: Dataset = { name: 'scaled', X: { n, p, data }, y, featureNames: [], task: 'regression', hash: 'scaled', notes: {} };
  const problem = makeProblem(lassoFamily, ds, { kind: 'absolute', value: 0.05 * m });
  const ws = await solve(problem, { strategy: 'workingset' }, 1e-12);
  t.equal(ws.status, 'converged', `workingset: ${ws.reason}`);
  const ref = await solve(problem, { strategy: 'cyclic' }, 1e-12);
  const F = ref.final?.objective as number;
  t.ok(Math.abs((ws.final?.objective as number) - F) <= 1e-12 * F, `F = ${ws.final?.objective} vs cyclic ${F}`);
});

t.test('kthSmallest equals the k-th entry of the sorted array (ties, repeats, any k)', async (t) => {
  const rng = new Rng(3);
  let bad = 0;
  for (let trial = 0; trial < 300; trial++) {
    const m = 1 + Math.floor(rng.uniform() * 60);
    const a = Float64Array.from({ length: m + 5 }, () => (trial % 3 === 0 ? Math.floor(rng.uniform() * 4) : rng.normal()));
    const sorted = a.subarray(0, m).slice().sort();
    const k = Math.floor(rng.uniform() * m);
    const b = a.slice();
    if (kthSmallest(b, m, k) !== sorted[k]) bad++;
    if (b.subarray(m).some((v, i) => v !== a[m + i])) bad++; // only a[0..m−1] is reordered
  }
  t.equal(bad, 0, 'all 300 cases');
});

t.test('the column-space sweep (wasm kernels, and their plain-loop fallback) takes the plain sweep\'s steps: same w to round-off over 20 epochs', async (t) => {
  const ds = dataset(37, 60, 6, 4);
  const { n, p, data } = ds.X;
  const l = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (data[j * n + i] as number) ** 2;
    l[j] = s / n;
  }
  const lambda = 0.05;
  for (const forceJs of [false, true]) {
    const sp = columnSpace(ds.X, 8 * (n + 1) + 4 * p + 64, forceJs);
    t.equal(sp.kind, forceJs ? 'js' : 'wasm-simd');
    const order = sp.i32(p);
    for (let j = 0; j < p; j++) order[j] = (j * 7) % p;
    const r1 = Float64Array.from(ds.y);
    const r2 = sp.f64(n);
    r2.set(ds.y);
    const step = sp.f64(1);
    const w1 = new Float64Array(p);
    const w2 = new Float64Array(p);
    let worst = 0;
    let changes = 0;
    for (let e = 0; e < 20; e++) {
      const c1 = lassoCdSweep(ds.X, w1, r1, l, lambda, order, p);
      const c2 = lassoCdSweepSpace(sp, n, w2, r2, l, lambda, order, p, step);
      if (Math.abs(c1 - c2) > 1e-6 * c1) changes++;
      for (let j = 0; j < p; j++) worst = Math.max(worst, Math.abs((w1[j] as number) - (w2[j] as number)) / 1e-10);
    }
    sp.release();
    t.ok(worst <= 1, `worst |Δw| ${(worst * 1e-10).toExponential(2)} ≤ 1e-10 after 20 epochs`);
    t.equal(changes, 0, 'every epoch reports the same largest change (to 1e-6)');
    t.ok(w1.some((v) => v !== 0), 'the sweeps moved w');
  }
});
