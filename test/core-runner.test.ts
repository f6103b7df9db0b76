/**
 * The harness clock and stopping rule, with small inline solvers (the registry's solvers are
 * tested elsewhere): statuses, trace sampling, evaluation excluded from solver time.
 */
import t from 'tap';
import type { Datafit, Problem, Solver } from '../problems/types.ts';
import { lassoFromArrays } from '../problems/zoo.ts';
import { runSolver, isCheckPoint } from '../harness/runner.ts';
import { Rng } from '../problems/rng.ts';
import { softThreshold } from '../problems/penalties.ts';
import { findSolver } from '../solvers/index.ts';

function randomLasso(n: number, p: number, seed: number, ratio: number): Problem {
  const r = new Rng(seed);
  const X = { n, p, data: Float64Array.from({ length: n * p }, () => r.normal()) };
  const y = Float64Array.from({ length: n }, () => r.normal());
  return lassoFromArrays(X, y, { kind: 'ratio', ratio });
}

/** Plain ISTA written out here, independent of solvers/ista.ts. */
const inlineIsta: Solver = {
  name: 'inline-ista',
  description: 'test',
  requires: [],
  params: {},
  run(problem, _params, callback) {
    if (problem.engine !== 'float64') throw new Error('float64 only');
    const L = problem.datafit.lipschitz!();
    const x = new Float64Array(problem.dim);
    const g = new Float64Array(problem.dim);
    const view = { x: () => x };
    if (!callback(view)) return;
    for (;;) {
      problem.datafit.gradient(x, g);
      for (let i = 0; i < x.length; i++) x[i] = softThreshold((x[i] as number) - (g[i] as number) / L, problem.lambda / L);
      if (!callback(view)) return;
    }
  },
};

const base = { tau: 0, seed: 0, maxIter: 100000 };

t.test('converged: stops at relative gap ≤ tol, with a geometric trace', async (t) => {
  const problem = randomLasso(30, 20, 1, 0.2);
  const out = await runSolver(inlineIsta, problem, {}, { ...base, tol: 1e-9 });
  t.equal(out.status, 'converged');
  t.ok(out.final!.relGap! <= 1e-9);
  const ks = out.trace.map((p) => p.k);
  t.same(ks.slice(0, 6), [0, 1, 2, 3, 4, 5], 'every k ≤ 5 is kept');
  t.equal(ks[ks.length - 1], out.iterations, 'the last iterate is the last point');
  for (let i = 6; i < ks.length - 1; i++) t.ok((ks[i] as number) >= Math.ceil((ks[i - 1] as number) * 1.2) || ks[i] === (ks[i - 1] as number) + 1, `geometric at ${ks[i]}`);
  t.ok(ks.length < 2 + 6 + Math.log(out.iterations + 1) / Math.log(1.2) + 2, 'O(log k) points');
  for (let i = 1; i < out.trace.length; i++) t.ok(out.trace[i]!.time >= out.trace[i - 1]!.time, 'time is monotone');
  // The first check point at which the gap is ≤ tol is where it stopped: one iteration less was not enough.
  t.ok(isCheckPoint(out.iterations));
  const earlier = await runSolver(inlineIsta, problem, {}, { ...base, tol: 1e-9, maxIter: out.iterations - 1 });
  t.equal(earlier.status, 'max_iter');
  t.ok(earlier.final!.relGap! > 1e-9);
});

t.test('max_iter and the reference: subopt is F − F*', async (t) => {
  const problem = randomLasso(30, 20, 2, 0.1);
  const ref = await runSolver(inlineIsta, problem, {}, { ...base, tol: 1e-13 });
  const out = await runSolver(inlineIsta, problem, {}, { ...base, tol: 1e-15, maxIter: 7, reference: ref.final!.objective });
  t.equal(out.status, 'max_iter');
  t.equal(out.iterations, 7);
  for (const p of out.trace) t.equal(p.subopt, p.objective - ref.final!.objective);
  t.ok(out.trace.every((p) => (p.subopt as number) >= -1e-12), 'F ≥ F* up to round-off');
});

t.test('diverged: a blow-up or NaN ends the run with its partial curve', async (t) => {
  const problem = randomLasso(10, 5, 3, 0.1);
  const blowUp: Solver = {
    ...inlineIsta,
    name: 'blow-up',
    run(_p, _q, callback) {
      const x = new Float64Array(5).fill(1);
      while (callback({ x: () => x })) for (let i = 0; i < 5; i++) x[i] = (x[i] as number) * 10;
    },
  };
  const out = await runSolver(blowUp, problem, {}, { ...base, tol: 1e-10 });
  t.equal(out.status, 'diverged');
  t.match(out.reason, /blew up|non-finite/);
  t.ok(out.trace.length >= 3, 'partial curve kept');
  const nan: Solver = {
    ...inlineIsta,
    name: 'nan',
    run(_p, _q, callback) {
      const x = new Float64Array(5);
      let k = 0;
      while (callback({ x: () => x })) if (++k === 4) x[2] = NaN;
    },
  };
  const out2 = await runSolver(nan, problem, {}, { ...base, tol: 1e-10 });
  t.equal(out2.status, 'diverged');
  t.equal(out2.iterations, 4);
  t.match(out2.reason, /non-finite/);
});

t.test('error: a throwing solver is a status with its message and partial curve', async (t) => {
  const problem = randomLasso(10, 5, 4, 0.1);
  const thrower: Solver = {
    ...inlineIsta,
    name: 'thrower',
    run(_p, _q, callback) {
      const x = new Float64Array(5);
      for (let k = 0; k < 3; k++) callback({ x: () => x });
      throw new Error('boom at 3');
    },
  };
  const out = await runSolver(thrower, problem, {}, { ...base, tol: 1e-300 });
  t.equal(out.status, 'error');
  t.equal(out.reason, 'boom at 3');
  t.equal(out.trace.length, 3);
});

t.test('timeout: the cooperative wall-clock budget', async (t) => {
  const problem = randomLasso(10, 5, 5, 0.1);
  const spinner: Solver = {
    ...inlineIsta,
    name: 'spinner',
    run(_p, _q, callback) {
      const x = new Float64Array(5);
      while (callback({ x: () => x })) {
        const until = Date.now() + 2;
        while (Date.now() < until) {
          /* work */
        }
      }
    },
  };
  const t0 = Date.now();
  const out = await runSolver(spinner, problem, {}, { ...base, tol: 1e-300, timeoutSeconds: 0.3 });
  t.equal(out.status, 'timeout');
  t.ok(Date.now() - t0 < 1000, 'stopped near its budget');
  t.ok(out.trace.length > 0);
});

t.test('the clock excludes evaluation: a slow certificate does not count as solver time', async (t) => {
  const problem = randomLasso(10, 5, 6, 0.1);
  const busy = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      /* spin */
    }
  };
  const slowFit: Datafit = {
    ...problem.datafit,
    gradient(x, out) {
      busy(5);
      return problem.datafit.gradient(x, out);
    },
  };
  const slow: Problem = { ...problem, datafit: slowFit };
  const idle: Solver = {
    ...inlineIsta,
    name: 'idle',
    run(_p, _q, callback) {
      const x = new Float64Array(5);
      while (callback({ x: () => x })) busy(1);
    },
  };
  const out = await runSolver(idle, slow, {}, { ...base, tol: 1e-300, maxIter: 20 });
  t.equal(out.iterations, 20);
  t.ok(out.wallSeconds >= 0.1, `wall ${out.wallSeconds} includes 21 × 5 ms of evaluation`);
  t.ok(out.solverSeconds >= 0.019 && out.solverSeconds < 0.06, `solver ${out.solverSeconds} ≈ 20 × 1 ms`);
});

t.test('a solver that stops on its own short of tol is stalled (not max_iter), with its reason', async (t) => {
  const problem = randomLasso(10, 5, 7, 0.1);
  const quitter: Solver = {
    ...inlineIsta,
    name: 'quitter',
    run(_p, _q, callback) {
      const x = new Float64Array(5);
      callback({ x: () => x });
    },
  };
  const out = await runSolver(quitter, problem, {}, { ...base, tol: 1e-10 });
  t.equal(out.status, 'stalled');
  t.equal(out.iterations, 0, 'far below the budget');
  t.match(out.reason, /^solver stopped on its own at iteration 0 with relative gap .* > tol 1e-10$/);

  // A solver that says why it stopped: its reason is recorded.
  const teller: Solver = {
    ...quitter,
    run(_p, _q, callback) {
      const x = new Float64Array(5);
      callback({ x: () => x });
      return { stopped: 'line search found no decrease' };
    },
  };
  const told = await runSolver(teller, problem, {}, { ...base, tol: 1e-10 });
  t.equal(told.status, 'stalled');
  t.match(told.reason, /^line search found no decrease at iteration 0 with relative gap/);

  // The same solver stopped by the budget first is max_iter, and one that met tol is converged.
  const budget = await runSolver(inlineIsta, problem, {}, { ...base, tol: 1e-300, maxIter: 3 });
  t.equal(budget.status, 'max_iter');
});

t.test('LARS that ends its path short of tol is stalled; spred-lbfgs whose line search fails is stalled', async (t) => {
  // an instance where both end one ulp short of a zero gap (with the cancellation-free lasso dual
  // the computed gap is often exactly 0 at the optimum, which meets any tol: seed 11 did that)
  const problem = randomLasso(30, 10, 12, 0.1);
  // LARS reaches λ exactly: the gap there is round-off, so a tolerance below it cannot be met.
  const lars = await runSolver(findSolver('lars'), problem, {}, { ...base, tol: 1e-300 });
  t.equal(lars.status, 'stalled');
  t.match(lars.reason, /the LARS homotopy reached the target λ \(end of its path\) at iteration \d+ with relative gap/);
  const lbfgs = await runSolver(findSolver('spred-lbfgs'), problem, {}, { ...base, tol: 1e-300, maxIter: 100000, tau: 1e-8 });
  t.equal(lbfgs.status, 'stalled', `spred-lbfgs ended at iteration ${lbfgs.iterations} of 100000`);
  t.ok(lbfgs.iterations < 100000);
  t.match(lbfgs.reason, /spred-lbfgs: the optimizer could not take another step/);
});
