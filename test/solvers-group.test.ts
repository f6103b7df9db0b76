/**
 * Group lasso F(w) = (1/2n)‖y − Xw‖² + λ Σ_g ‖w_g‖₂: block coordinate descent (cd) and FISTA
 * agree to a relative duality gap ≤ 1e-10, and with groups of size 1 the group lasso is the
 * lasso (same solution from cd on both problems).
 */
import t from 'tap';
import type { Dataset } from '../problems/dataset.ts';
import type { Matrix, Problem, Solver } from '../problems/types.ts';
import { Rng } from '../problems/rng.ts';
import { groupLassoFamily, lassoFamily, makeProblem } from '../problems/zoo.ts';
import { runSolver, type RunOutcome } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { fista } from '../solvers/fista.ts';
import { cd } from '../solvers/cd.ts';

function dataset(n: number, p: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const X: Matrix = { n, p, data };
  const y = new Float64Array(n);
  // signal on columns 0..2 and 6..8, then noise
  for (const j of [0, 1, 2, 6, 7, 8]) for (let i = 0; i < n; i++) y[i] = (y[i] as number) + (data[j * n + i] as number);
  for (let i = 0; i < n; i++) y[i] = (y[i] as number) + 0.3 * rng.normal();
  return { name: `group-test-${seed}`, X, y, featureNames: [], task: 'regression', hash: `group-test-${seed}`, notes: {} };
}

async function solve(solver: Solver, problem: Problem, params: Record<string, string> = {}): Promise<RunOutcome> {
  return runSolver(solver, problem, resolveParams(solver, params), { tol: 1e-11, maxIter: 100000, tau: 0, seed: 0 });
}

for (const [n, p] of [[40, 18], [15, 30]] as const) {
  t.test(`group lasso n=${n} p=${p}, groups of 3: cd (block) = fista`, async (t) => {
    const problem = makeProblem(groupLassoFamily, dataset(n, p, n + p), { kind: 'ratio', ratio: 0.1 }, { groupSize: 3 });
    const runs: RunOutcome[] = [];
    for (const [s, params] of [[cd, {}], [cd, { strategy: 'cyclic' }], [fista, {}]] as const) {
      const o = await solve(s, problem, params);
      t.equal(o.status, 'converged', `${s.name} ${JSON.stringify(params)} converged`);
      t.ok((o.final?.relGap ?? 1) <= 1e-10, `${s.name} relative gap ${o.final?.relGap} ≤ 1e-10`);
      runs.push(o);
    }
    const [a, b, c] = runs as [RunOutcome, RunOutcome, RunOutcome];
    const Fa = a.final?.objective as number;
    for (const o of [b, c]) t.ok(Math.abs((o.final?.objective as number) - Fa) <= 1e-9 * Fa, 'objectives agree');
    // zero groups agree, and some but not all groups are zero
    const zeros = (x: Float64Array): boolean[] => Array.from({ length: p / 3 }, (_, g) => x[3 * g] === 0 && x[3 * g + 1] === 0 && x[3 * g + 2] === 0);
    const za = zeros(a.x as Float64Array);
    t.same(zeros(c.x as Float64Array), za, 'the same groups are zero');
    t.ok(za.some((z) => z) && za.some((z) => !z), 'some groups are zero, some are not');
  });
}

t.test('groups of size 1: group lasso = lasso', async (t) => {
  const ds = dataset(30, 24, 5);
  const lasso = makeProblem(lassoFamily, ds, { kind: 'ratio', ratio: 0.05 });
  const group = makeProblem(groupLassoFamily, ds, { kind: 'absolute', value: lasso.lambda }, { groupSize: 1 });
  t.equal(group.lambdaMax, lasso.lambdaMax, 'same λ_max');
  const a = await solve(cd, lasso);
  const b = await solve(cd, group);
  t.equal(a.status, 'converged');
  t.equal(b.status, 'converged');
  const xa = a.x as Float64Array;
  const xb = b.x as Float64Array;
  let err = 0;
  xa.forEach((v, j) => (err = Math.max(err, Math.abs(v - (xb[j] as number)))));
  t.ok(err <= 1e-9, `max |w_lasso − w_group| = ${err.toExponential(2)}`);
  t.ok(Math.abs((a.final?.objective as number) - (b.final?.objective as number)) <= 1e-12 * (a.final?.objective as number), 'same objective');
});
