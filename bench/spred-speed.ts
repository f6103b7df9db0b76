/**
 * spred against CD and FISTA on the lasso, side by side in one run:
 *
 *     npx tsx bench/spred-speed.ts [--quick]
 *
 * Instances: Gaussian designs X ∈ R^{n×p} (entries N(0, 1)), y = Xβ + 0.5·ε with 10 nonzeros
 * ±U[1, 2) in β, λ = 0.1·λ_max, F(x) = (1/2n)‖y − Xx‖² + λ‖x‖₁. The reference F* is the lower of
 * an inline FISTA (gradient restart) run to a relative duality gap of 1e-14 and the repository's
 * cd solver run to 1e-14.
 *
 * Each solver runs under a clock kept as the harness keeps it (time inside `solver.run` outside
 * the callback); the callback evaluates F(x) at every iteration with the clock stopped and stops
 * the run at the first iteration with (F − F*)/F* ≤ 1e-6. Printed: solver, iterations (epochs
 * for cd), gradient evaluations (spred: line-search evaluations included), solver seconds to
 * 1e-6, status. One untimed warm-up pass runs every solver first so that JIT compilation is not
 * counted.
 */
import { performance } from 'node:perf_hooks';
import { lassoFromArrays } from '../problems/zoo.ts';
import { Rng } from '../problems/rng.ts';
import type { Callback, Problem, Solver } from '../problems/types.ts';
import { resolveParams } from '../harness/params.ts';
import { runSolver } from '../harness/runner.ts';
import { cd } from '../solvers/cd.ts';
import { fista } from '../solvers/fista.ts';
import { spredSgd } from '../solvers/spred-sgd.ts';
import { spredAdam } from '../solvers/spred-adam.ts';
import { spredLbfgs } from '../solvers/spred-lbfgs.ts';
import { proxReference } from '../test/fixtures/prox-reference.ts';

const TARGET = 1e-6;
const MAX_ITER = 200_000;
const TIMEOUT_S = 120;

function gaussianLasso(n: number, p: number, seed: number): Problem {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const y = new Float64Array(n);
  const k = 10;
  for (let j = 0; j < k; j++) {
    const col = Math.floor((j * p) / k);
    const b = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform());
    for (let i = 0; i < n; i++) y[i] = (y[i] as number) + b * (data[col * n + i] as number);
  }
  for (let i = 0; i < n; i++) y[i] = (y[i] as number) + 0.5 * rng.normal();
  return lassoFromArrays({ n, p, data }, y, { kind: 'ratio', ratio: 0.1 }, `gauss-${n}x${p}`);
}


interface Timing {
  readonly solver: string;
  readonly iterations: number;
  readonly gradEvals: number | null;
  readonly seconds: number;
  readonly status: string;
  readonly relSubopt: number;
}

/** Runs `solver` until (F − F*)/F* ≤ TARGET, timing only solver work. */
async function timeToTarget(solver: Solver, pr: Problem, Fstar: number, maxIter = MAX_ITER): Promise<Timing> {
  const params = resolveParams(solver, {});
  let k = -1;
  let ms = 0;
  let resume = 0;
  let status = 'max_iter';
  let rel = NaN;
  let gradEvals: number | null = null;
  const start = performance.now();
  const callback: Callback = (view) => {
    ms += performance.now() - resume;
    k++;
    const x = view.x();
    const F = pr.datafit.value(x) + pr.lambda * pr.penalty.value(x);
    rel = (F - Fstar) / Fstar;
    const extras = view.extras?.();
    if (extras && typeof extras['gradEvals'] === 'number') gradEvals = extras['gradEvals'];
    let go = true;
    if (!Number.isFinite(F)) [status, go] = ['diverged', false];
    else if (rel <= TARGET) [status, go] = ['reached', false];
    else if (k >= maxIter) [status, go] = ['max_iter', false];
    else if ((performance.now() - start) / 1000 > TIMEOUT_S) [status, go] = ['timeout', false];
    resume = performance.now();
    return go;
  };
  resume = performance.now();
  try {
    await solver.run(pr, params, callback, { seed: 0, maxIter: maxIter });
    if (status === 'max_iter' && k < maxIter) status = 'stopped';
  } catch (e) {
    status = `error: ${(e as Error).message}`;
  }
  ms += performance.now() - resume;
  return { solver: solver.name, iterations: Math.max(k, 0), gradEvals, seconds: ms / 1000, status, relSubopt: rel };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const sizes: [number, number][] = quick ? [[100, 400]] : [[100, 400], [200, 1000]];
  const solvers: Solver[] = [cd, fista, spredLbfgs, spredAdam, spredSgd];

  // warm-up (untimed): every solver a few hundred iterations on a small instance
  const warm = gaussianLasso(50, 100, 99);
  for (const s of solvers) await timeToTarget(s, warm, 0.5 * warm.datafit.value(new Float64Array(warm.dim)), 300);

  for (const [n, p] of sizes) {
    const pr = gaussianLasso(n, p, 0);
    const Ffista = proxReference(pr, 1e-14).objective;
    const cdRef = await runSolver(cd, pr, resolveParams(cd, {}), { tol: 1e-14, maxIter: 100_000, tau: 0, seed: 0 });
    const Fcd = cdRef.final?.objective ?? Infinity;
    const Fstar = Math.min(Ffista, Fcd);
    console.log(`\nlasso ${n}×${p}, λ = 0.1·λ_max = ${pr.lambda.toPrecision(6)}; F* = ${Fstar.toPrecision(15)} (FISTA and cd references differ by ${(Math.abs(Ffista - Fcd) / Fstar).toExponential(1)} relative)`);
    console.log(`time to (F − F*)/F* ≤ ${TARGET}`);
    console.log(['solver'.padEnd(12), 'iterations'.padStart(10), 'grad evals'.padStart(11), 'seconds'.padStart(9), 'rel subopt'.padStart(11), '  status'].join(' '));
    for (const s of solvers) {
      const r = await timeToTarget(s, pr, Fstar);
      console.log([
        r.solver.padEnd(12),
        String(r.iterations).padStart(10),
        (r.gradEvals === null ? '-' : r.gradEvals.toFixed(0)).padStart(11),
        r.seconds.toFixed(4).padStart(9),
        r.relSubopt.toExponential(2).padStart(11),
        `  ${r.status}`,
      ].join(' '));
    }
  }
}

await main();
