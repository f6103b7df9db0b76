/**
 * Harness overhead: the same solver on the same instance for the same number of iterations,
 * (a) bare — `solver.run` with a no-op callback that only counts iterations — and (b) under the
 * harness (`runSolver`: the clock, the stopping rule, and trace-point certificates computed with
 * the clock stopped). Reports the harness's solver seconds against the bare seconds (what the
 * clock adds to what it measures) and the harness's wall seconds against the bare seconds (what
 * certifying trace points costs in total).
 *
 *   node --import tsx bench/harness-overhead.ts [repeats=5]
 */
import { performance } from 'node:perf_hooks';
import { buildProblem } from '../harness/job.ts';
import { resolveParams } from '../harness/params.ts';
import { runSolver } from '../harness/runner.ts';
import { findSolver } from '../solvers/index.ts';

const repeats = Number(process.argv[2] ?? 5);
const cases = [
  { solver: 'ista', iters: 2000 },
  { solver: 'fista', iters: 2000 },
  { solver: 'cd', iters: 200 },
  { solver: 'spred-adam', iters: 2000 },
];
const problem = await buildProblem({ family: 'lasso', dataset: 'sim-lasso:n=500,p=1000,k=20,rho=0.5', lambda: { kind: 'ratio', ratio: 0.01 } });
// (iteration counts are fixed by the harness run; the bare run repeats exactly that many)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`instance: lasso sim-lasso:n=500,p=1000,k=20,rho=0.5 at λ = 0.01·λ_max; median of ${repeats}`);
console.log('solver       iters  bare s   harness solver s (ratio)  harness wall s (ratio)  trace pts');
for (const c of cases) {
  const solver = findSolver(c.solver);
  const params = resolveParams(solver, {});
  const bare: number[] = [];
  const hs: number[] = [];
  const hw: number[] = [];
  let points = 0;
  let iters = c.iters;
  for (let r = 0; r < repeats; r++) {
    // (b) harness: tol is unreachable, so the run stops at max_iter (or earlier if the gap hits 0 exactly).
    const out = await runSolver(solver, problem, params, { tol: 1e-300, maxIter: c.iters, tau: 0, seed: 0 });
    iters = out.iterations;
    hs.push(out.solverSeconds);
    hw.push(out.wallSeconds);
    points = out.trace.length;
    // (a) bare, for the same number of iterations: callback(x0) is k = 0; stop after k = iters.
    let k = -1;
    const t0 = performance.now();
    await solver.run(problem, params, () => ++k < iters, { seed: 0, maxIter: c.iters });
    bare.push((performance.now() - t0) / 1000);
  }
  const b = median(bare);
  const s = median(hs);
  const w = median(hw);
  console.log(
    `${c.solver.padEnd(12)} ${String(iters).padStart(5)}  ${b.toFixed(3).padStart(6)}   ${s.toFixed(3).padStart(7)} (${(s / b).toFixed(3)})          ${w.toFixed(3).padStart(7)} (${(w / b).toFixed(2)})       ${points}`,
  );
}
