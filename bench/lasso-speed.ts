/**
 * Lasso speed benchmark of the classical solvers: F(w) = (1/2n)‖y − Xw‖² + λ‖w‖₁ on a seeded
 * simulated Gaussian design (problems/datasets/simulate.ts), λ = ratio·λ_max, every solver run
 * through the harness clock (runSolver) to a relative duality gap ≤ tol.
 *
 *   npx tsx bench/lasso-speed.ts [--n 500] [--p 5000] [--k 50] [--rho 0] [--snr 10] [--seed 0]
 *                                [--ratio 0.05] [--tol 1e-8] [--solvers cd,lars,fista,ista]
 *
 * Each solver gets a freshly built problem, so setup costs (e.g. the power iteration behind
 * L = ‖X‖₂²/n that ista/fista ask the datafit for) count in its solver seconds; the L setup is
 * also timed on its own and printed.
 */
import { performance } from 'node:perf_hooks';
import type { Solver } from '../problems/types.ts';
import { simulateLasso } from '../problems/datasets/simulate.ts';
import { lassoFamily, makeProblem } from '../problems/zoo.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { ista } from '../solvers/ista.ts';
import { fista } from '../solvers/fista.ts';
import { cd } from '../solvers/cd.ts';
import { lars } from '../solvers/lars.ts';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} expects a number, got '${process.argv[i + 1] ?? ''}'`);
  return v;
}

const n = flag('n', 500);
const p = flag('p', 5000);
const k = flag('k', 50);
const rho = flag('rho', 0);
const snr = flag('snr', 10);
const seed = flag('seed', 0);
const ratio = flag('ratio', 0.05);
const tol = flag('tol', 1e-8);
const si = process.argv.indexOf('--solvers');
const names = si >= 0 ? (process.argv[si + 1] ?? '').split(',') : ['cd', 'lars', 'fista', 'ista'];
const ALL: Record<string, { solver: Solver; params?: Record<string, string>; maxIter: number; timeout: number }> = {
  cd: { solver: cd, maxIter: 100000, timeout: 120 },
  'cd-cyclic': { solver: cd, params: { strategy: 'cyclic', anderson: '0' }, maxIter: 100000, timeout: 120 },
  lars: { solver: lars, maxIter: 100000, timeout: 120 },
  fista: { solver: fista, maxIter: 20000, timeout: 120 },
  ista: { solver: ista, maxIter: 2000, timeout: 60 },
};

const ds = simulateLasso({ n, p, k, rho, snr, seed });
const build = () => makeProblem(lassoFamily, ds, { kind: 'ratio', ratio });
const probe = build();
const t0 = performance.now();
const L = probe.datafit.lipschitz?.() ?? NaN;
const lSeconds = (performance.now() - t0) / 1000;
console.log(`lasso ${ds.name}: n=${n} p=${p}, λ = ${ratio}·λ_max = ${probe.lambda.toExponential(4)}, tol ${tol}`);
console.log(`L = ‖X‖₂²/n = ${L.toFixed(4)} (Lanczos ${lSeconds.toFixed(3)} s, included in ista/fista solver seconds)\n`);

const rows: string[][] = [['solver', 'status', 'iterations', 'solver s', 'rel. gap', 'nnz', 'objective', 'wall s']];
for (const name of names) {
  const entry = ALL[name];
  if (!entry) throw new Error(`unknown solver '${name}'; choose from ${Object.keys(ALL).join(', ')}`);
  const problem = build();
  const o = await runSolver(entry.solver, problem, resolveParams(entry.solver, entry.params ?? {}), {
    tol,
    maxIter: entry.maxIter,
    timeoutSeconds: entry.timeout,
    tau: 0,
    seed: 0,
  });
  rows.push([
    name,
    o.status,
    String(o.iterations),
    o.solverSeconds.toFixed(3),
    o.final?.relGap?.toExponential(2) ?? '-',
    String(o.final?.nnz ?? '-'),
    o.final?.objective.toPrecision(12) ?? '-',
    o.wallSeconds.toFixed(2),
  ]);
}
const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
for (const r of rows) console.log(r.map((v, c) => v.padEnd(widths[c] as number)).join('  '));
