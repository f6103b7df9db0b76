/**
 * LARS–lasso path invariants, with c = Xᵀr/n and r = y − Xw(λ_k) at each breakpoint λ_k:
 * |c_j| = λ_k for every active j (with sign(w_j) = sign(c_j) where w_j ≠ 0), |c_j| ≤ λ_k for every
 * inactive j, λ_k strictly decreasing from λ_max to the target, and drop events handled.
 */
import t, { type Test } from 'tap';
import type { Matrix } from '../problems/types.ts';
import { Rng } from '../problems/rng.ts';
import { matvec, rmatvec } from '../problems/linalg.ts';
import { larsPath, type LarsBreakpoint } from '../solvers/lars.ts';
import { R_LARS_BETA, R_LARS_COLUMNS, R_LARS_Y } from './fixtures/lars-r.ts';

function gaussian(n: number, p: number, seed: number): { X: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.normal();
  return { X: { n, p, data }, y };
}

function lambdaMax(X: Matrix, y: Float64Array): number {
  const c = rmatvec(X, y, new Float64Array(X.p));
  return Math.max(...Array.from(c, (v) => Math.abs(v))) / X.n;
}

/** Largest violation of the path invariants at a breakpoint, relative to λ_max. */
function violations(X: Matrix, y: Float64Array, bp: LarsBreakpoint, lmax: number): { active: number; inactive: number; sign: number } {
  const { n, p } = X;
  const r = matvec(X, bp.w, new Float64Array(n));
  for (let i = 0; i < n; i++) r[i] = (y[i] as number) - (r[i] as number);
  const c = rmatvec(X, r, new Float64Array(p));
  const inA = new Set(bp.active);
  let active = 0;
  let inactive = 0;
  let sign = 0;
  for (let j = 0; j < p; j++) {
    const cj = (c[j] as number) / n;
    if (inA.has(j)) {
      active = Math.max(active, Math.abs(Math.abs(cj) - bp.lambda) / lmax);
      const wj = bp.w[j] as number;
      if (wj !== 0 && Math.sign(wj) !== Math.sign(cj)) sign++;
    } else {
      inactive = Math.max(inactive, (Math.abs(cj) - bp.lambda) / lmax);
      if (bp.w[j] !== 0) sign++;
    }
  }
  return { active, inactive, sign };
}

function checkPath(t: Test, X: Matrix, y: Float64Array, path: LarsBreakpoint[], target: number): void {
  const lmax = lambdaMax(X, y);
  t.ok(Math.abs((path[0] as LarsBreakpoint).lambda - lmax) <= 1e-14 * lmax, 'starts at λ_max');
  t.ok((path[0] as LarsBreakpoint).w.every((v) => v === 0), 'starts at w = 0');
  t.equal((path[path.length - 1] as LarsBreakpoint).lambda, target, 'lands exactly on the target λ');
  let worstA = 0;
  let worstI = 0;
  let signs = 0;
  let decreasing = true;
  path.forEach((bp, k) => {
    const v = violations(X, y, bp, lmax);
    worstA = Math.max(worstA, v.active);
    worstI = Math.max(worstI, v.inactive);
    signs += v.sign;
    if (k > 0 && !(bp.lambda < (path[k - 1] as LarsBreakpoint).lambda)) decreasing = false;
  });
  t.ok(worstA <= 1e-10, `|c_j| = λ_k on the active set (worst ${worstA.toExponential(2)}·λ_max)`);
  t.ok(worstI <= 1e-10, `|c_j| ≤ λ_k off the active set (worst excess ${worstI.toExponential(2)}·λ_max)`);
  t.equal(signs, 0, 'sign(w_j) = sign(c_j) on the active set, w_j = 0 off it');
  t.ok(decreasing, 'λ_k strictly decreasing');
}

t.test('path invariants with a drop event (n < p)', async (t) => {
  // search seeds until the path to 0.01·λ_max contains a drop
  let found: { X: Matrix; y: Float64Array; path: LarsBreakpoint[]; target: number } | null = null;
  for (let seed = 1; seed <= 50 && found === null; seed++) {
    const { X, y } = gaussian(20, 40, seed);
    const target = 0.01 * lambdaMax(X, y);
    const path = larsPath(X, y, target);
    if (path.some((b) => b.event === 'drop')) found = { X, y, path, target };
  }
  t.ok(found !== null, 'a seed with a drop event exists');
  if (found === null) return;
  const { X, y, path, target } = found;
  checkPath(t, X, y, path, target);
  const drops = path.filter((b) => b.event === 'drop');
  for (const d of drops) {
    const j = d.columns[0] as number;
    t.equal(d.w[j], 0, `dropped column ${j} is exactly 0`);
    t.notOk(d.active.includes(j), `dropped column ${j} left the active set`);
  }
  t.ok(path.length > drops.length + 2, 'path has add events too');
});

t.test('path invariants, n > p down to a small λ', async (t) => {
  const { X, y } = gaussian(60, 15, 99);
  const target = 1e-4 * lambdaMax(X, y);
  const path = larsPath(X, y, target);
  checkPath(t, X, y, path, target);
  const last = path[path.length - 1] as LarsBreakpoint;
  t.equal(last.active.length, 15, 'every column is active near λ = 0');
});

t.test('λ ≥ λ_max gives the single breakpoint w = 0', async (t) => {
  const { X, y } = gaussian(10, 12, 3);
  const path = larsPath(X, y, 2 * lambdaMax(X, y));
  t.equal(path.length, 1);
  t.equal((path[0] as LarsBreakpoint).event, 'start');
  t.ok((path[0] as LarsBreakpoint).w.every((v) => v === 0));
});

t.test('a duplicate column is skipped, not added (singular Gram)', async (t) => {
  const { X, y } = gaussian(15, 10, 7);
  const n = X.n;
  const data = new Float64Array(n * 11);
  data.set(X.data);
  // column 10 duplicates the column with the largest |x_jᵀy|, which enters first
  const c = rmatvec(X, y, new Float64Array(10));
  let jmax = 0;
  c.forEach((v, j) => {
    if (Math.abs(v) > Math.abs(c[jmax] as number)) jmax = j;
  });
  data.copyWithin(10 * n, jmax * n, (jmax + 1) * n);
  const Xd: Matrix = { n, p: 11, data };
  const target = 0.01 * lambdaMax(Xd, y);
  const path = larsPath(Xd, y, target);
  const both = path.some((b) => b.active.includes(10) && b.active.includes(jmax));
  t.notOk(both, 'a column and its duplicate are never both active');
  checkPath(t, Xd, y, path, target);
});

t.test('the path equals R lars’s published path (scikit-learn’s test_lasso_lars_vs_R_implementation data)', async (t) => {
  const X: Matrix = { n: 5, p: 5, data: Float64Array.from(R_LARS_COLUMNS.flat()) };
  const y = Float64Array.from(R_LARS_Y);
  // R's path ends at λ = 0 (least squares, n = p): ours at 1e-16·λ_max
  const path = larsPath(X, y, 1e-16 * lambdaMax(X, y));
  t.equal(path.length, 10, 'ten breakpoints, as R');
  t.same(path.map((b) => b.event), ['start', 'add', 'add', 'add', 'add', 'drop', 'drop', 'add', 'add', 'end']);
  let worst = 0;
  path.forEach((bp, k) => {
    for (let j = 0; j < 5; j++) worst = Math.max(worst, Math.abs((bp.w[j] as number) - (R_LARS_BETA[j]?.[k] as number)));
  });
  // |w| reaches 84 (unstandardized design); R's values carry 15 significant digits
  t.ok(worst <= 1e-11, `max |w_k − R_k| over the 10 breakpoints = ${worst.toExponential(2)}`);
});

t.test('path invariants on a wider design (n = 80, p = 600: most columns are screened out at most steps)', async (t) => {
  const { X, y } = gaussian(80, 600, 5);
  const target = 0.02 * lambdaMax(X, y);
  const path = larsPath(X, y, target);
  t.ok(path.length > 40, `${path.length} breakpoints`);
  checkPath(t, X, y, path, target);
});

t.test('the plain-loop kernels (an X beyond wasm’s 2 GiB) follow the same path as the wasm ones', async (t) => {
  const { X, y } = gaussian(80, 600, 5);
  const target = 0.02 * lambdaMax(X, y);
  const a = larsPath(X, y, target);
  const b = larsPath(X, y, target, true);
  t.equal(b.length, a.length, `${a.length} breakpoints both`);
  t.same(b.map((x) => x.event), a.map((x) => x.event), 'the same events');
  let worst = 0;
  a.forEach((bp, k) => {
    const o = b[k] as LarsBreakpoint;
    worst = Math.max(worst, Math.abs(bp.lambda - o.lambda));
    for (let j = 0; j < X.p; j++) worst = Math.max(worst, Math.abs((bp.w[j] as number) - (o.w[j] as number)));
  });
  t.ok(worst <= 1e-10, `max difference ${worst.toExponential(2)} (λ and w)`);
  checkPath(t, X, y, b, target);
  // and R's path with the plain loops
  const Xr: Matrix = { n: 5, p: 5, data: Float64Array.from(R_LARS_COLUMNS.flat()) };
  const yr = Float64Array.from(R_LARS_Y);
  const pr = larsPath(Xr, yr, 1e-16 * lambdaMax(Xr, yr), true);
  let wr = 0;
  pr.forEach((bp, k) => {
    for (let j = 0; j < 5; j++) wr = Math.max(wr, Math.abs((bp.w[j] as number) - (R_LARS_BETA[j]?.[k] as number)));
  });
  t.ok(pr.length === 10 && wr <= 1e-11, `R's path: max |w_k − R_k| = ${wr.toExponential(2)}`);
});
