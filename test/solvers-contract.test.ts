/**
 * Contract of the classical solvers (ista, fista, cd, lars) on small seeded lasso instances,
 * F(w) = (1/2n)‖y − Xw‖² + λ‖w‖₁, run through the harness: each ends 'converged' with relative
 * duality gap ≤ 1e-10, the four objectives agree to 1e-9 relative, supports agree, and for
 * λ ≥ λ_max every solver returns w = 0 at once.
 */
import t from 'tap';
import type { Matrix, Problem, Solver } from '../problems/types.ts';
import { Rng } from '../problems/rng.ts';
import { lassoFromArrays } from '../problems/zoo.ts';
import { runSolver, type RunOutcome } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { ista } from '../solvers/ista.ts';
import { fista } from '../solvers/fista.ts';
import { cd } from '../solvers/cd.ts';
import { lars } from '../solvers/lars.ts';

const SOLVERS: readonly Solver[] = [ista, fista, cd, lars];

/** Gaussian design with AR(1) correlation ρ along the columns, y = Xβ + noise (5 true nonzeros). */
function instance(n: number, p: number, rho: number, seed: number): { X: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    let prev = rng.normal();
    data[i] = prev;
    for (let j = 1; j < p; j++) {
      prev = rho * prev + Math.sqrt(1 - rho * rho) * rng.normal();
      data[j * n + i] = prev;
    }
  }
  const y = new Float64Array(n);
  for (let k = 0; k < 5; k++) {
    const j = rng.int(p);
    const b = 1 + rng.uniform();
    for (let i = 0; i < n; i++) y[i] = (y[i] as number) + b * (data[j * n + i] as number);
  }
  for (let i = 0; i < n; i++) y[i] = (y[i] as number) + 0.5 * rng.normal();
  return { X: { n, p, data }, y };
}

async function solve(solver: Solver, problem: Problem, tol = 1e-10): Promise<RunOutcome> {
  return runSolver(solver, problem, resolveParams(solver, {}), { tol, maxIter: solver.name === 'ista' ? 500000 : 50000, tau: 0, seed: 0 });
}

function supportOf(w: Float64Array): number[] {
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  const s: number[] = [];
  w.forEach((v, j) => {
    if (Math.abs(v) > 1e-7 * m) s.push(j);
  });
  return s;
}

const CASES = [
  { name: 'n<p', n: 30, p: 80, rho: 0, seed: 1 },
  { name: 'n>p', n: 80, p: 20, rho: 0, seed: 2 },
  { name: 'correlated ρ=0.8', n: 40, p: 30, rho: 0.8, seed: 3 },
];

for (const c of CASES) {
  for (const ratio of [0.5, 0.01]) {
    t.test(`${c.name}, λ = ${ratio}·λ_max`, async (t) => {
      const { X, y } = instance(c.n, c.p, c.rho, c.seed);
      const problem = lassoFromArrays(X, y, { kind: 'ratio', ratio });
      const out: RunOutcome[] = [];
      for (const s of SOLVERS) {
        const o = await solve(s, problem);
        t.equal(o.status, 'converged', `${s.name} converged (${o.reason ?? ''})`);
        t.ok(o.final !== null && o.final.relGap !== null && o.final.relGap <= 1e-10, `${s.name} relative gap ${o.final?.relGap} ≤ 1e-10`);
        out.push(o);
      }
      const ref = out[3] as RunOutcome; // LARS: exact path
      const Fref = ref.final?.objective as number;
      const sref = supportOf(ref.x as Float64Array);
      t.ok(sref.length > 0, 'nonempty support');
      out.forEach((o, i) => {
        const name = (SOLVERS[i] as Solver).name;
        const F = o.final?.objective as number;
        t.ok(Math.abs(F - Fref) <= 1e-9 * Math.abs(Fref), `${name} objective ${F} agrees with lars ${Fref}`);
        t.same(supportOf(o.x as Float64Array), sref, `${name} support agrees with lars`);
      });
    });
  }
}

t.test('λ ≥ λ_max: w = 0 and converged at once', async (t) => {
  const { X, y } = instance(20, 30, 0, 4);
  for (const ratio of [1, 2]) {
    const problem = lassoFromArrays(X, y, { kind: 'ratio', ratio });
    for (const s of SOLVERS) {
      const o = await solve(s, problem);
      t.equal(o.status, 'converged', `${s.name} at ${ratio}·λ_max`);
      t.ok(o.iterations <= 1, `${s.name} stops at k = ${o.iterations} ≤ 1`);
      t.ok(o.x !== null && o.x.every((v) => v === 0), `${s.name} returns w = 0`);
    }
  }
});

t.test('zero and duplicate columns', async (t) => {
  const { X, y } = instance(25, 40, 0, 5);
  const data = X.data.slice();
  const n = X.n;
  data.fill(0, 3 * n, 4 * n); // column 3 is zero
  data.copyWithin(7 * n, 11 * n, 12 * n); // column 7 duplicates column 11
  const problem = lassoFromArrays({ n, p: X.p, data }, y, { kind: 'ratio', ratio: 0.05 });
  for (const s of SOLVERS) {
    const o = await solve(s, problem);
    t.equal(o.status, 'converged', `${s.name} converged (${o.reason ?? ''})`);
    t.equal(o.x?.[3], 0, `${s.name} keeps the zero column at 0`);
  }
});

t.test('fista variants: backtracking, function restart, no restart', async (t) => {
  const { X, y } = instance(30, 50, 0.5, 6);
  const problem = lassoFromArrays(X, y, { kind: 'ratio', ratio: 0.05 });
  const ref = await solve(lars, problem);
  const Fref = ref.final?.objective as number;
  const variants: Record<string, string>[] = [{ backtracking: 'true' }, { restart: 'function' }, { restart: 'none' }, { backtracking: 'true', restart: 'function' }];
  for (const given of variants) {
    const o = await runSolver(fista, problem, resolveParams(fista, given), { tol: 1e-10, maxIter: 50000, tau: 0, seed: 0 });
    t.equal(o.status, 'converged', `fista ${JSON.stringify(given)} converged`);
    t.ok(Math.abs((o.final?.objective as number) - Fref) <= 1e-9 * Fref, 'objective agrees with lars');
  }
});
