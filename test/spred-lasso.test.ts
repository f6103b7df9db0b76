/**
 * spred solves the lasso F(x) = (1/2n)‖y − Xx‖² + λ‖x‖₁ through the harness (runSolver: the
 * true F and the duality gap are evaluated on x = u ⊙ w): L-BFGS to a relative gap of 1e-9 with
 * the support of an independent FISTA reference (solved to a relative gap of 1e-13), Adam to 1e-6,
 * SGD to 1e-4, all balanced (|u| = |w|) at convergence.
 */
import t from 'tap';
import { proxReference } from './fixtures/prox-reference.ts';
import { lassoFromArrays } from '../problems/zoo.ts';
import { Certifier } from '../problems/certificate.ts';
import { Rng } from '../problems/rng.ts';
import type { Problem } from '../problems/types.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { spredLbfgs } from '../solvers/spred-lbfgs.ts';
import { spredAdam } from '../solvers/spred-adam.ts';
import { spredSgd } from '../solvers/spred-sgd.ts';

function gaussianLasso(n: number, p: number, k: number, seed: number): Problem {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const y = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const col = Math.floor((j * p) / k);
    const b = (rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform());
    for (let i = 0; i < n; i++) y[i] = (y[i] as number) + b * (data[col * n + i] as number);
  }
  for (let i = 0; i < n; i++) y[i] = (y[i] as number) + 0.5 * rng.normal();
  return lassoFromArrays({ n, p, data }, y, { kind: 'ratio', ratio: 0.1 });
}


const supportOf = (x: Float64Array, tau: number): number[] => Array.from(x.keys()).filter((i) => Math.abs(x[i] as number) > tau);

/** max_g |u_g² − ‖w_g‖²| relative to the scale of the factors at x (u² + w² ≥ 2|x|). */
function relImbalance(imb: number, x: Float64Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return imb / (2 * m);
}

const pr = gaussianLasso(50, 100, 5, 11);
const ref = proxReference(pr, 1e-13, 200000).x;
const Fstar = new Certifier(pr, 0).certify(ref).objective;

t.test('spred-lbfgs: relative gap ≤ 1e-9, the reference support at τ, balanced factors', async (t) => {
  t.equal(spredLbfgs.defaultTau, 1e-8);
  const tau = spredLbfgs.defaultTau as number;
  const out = await runSolver(spredLbfgs, pr, resolveParams(spredLbfgs, {}), { tol: 1e-9, maxIter: 5000, tau, seed: 0, reference: Fstar });
  t.equal(out.status, 'converged', out.reason ?? '');
  t.ok((out.final?.relGap as number) <= 1e-9, `relative gap ${out.final?.relGap}`);
  const x = out.x as Float64Array;
  t.same(supportOf(x, tau), supportOf(ref, 0), `support at τ = ${tau} equals the reference support`);
  t.ok(Math.abs(out.final!.objective - Fstar) <= 1e-9 * Fstar, 'F(u ⊙ w) ≈ F*');
  t.ok(relImbalance(out.extras!['imbalance'] as number, x) <= 1e-6, `relative imbalance ${relImbalance(out.extras!['imbalance'] as number, x).toExponential(2)}`);
  t.equal(out.trace[0]?.k, 0, 'the first trace point is the starting iterate');
  // support at several thresholds: the true support is nested inside every one of them
  const nnz = (tau: string): number => out.extras![`nnz@${tau}`] as number;
  t.equal(nnz('1e-8'), supportOf(ref, 0).length, 'nnz@1e-8 = reference support size');
  t.ok(nnz('1e-4') <= nnz('1e-6') && nnz('1e-6') <= nnz('1e-8') && nnz('1e-8') <= nnz('1e-10') && nnz('1e-10') <= nnz('1e-12'), 'nnz is monotone in τ');
  t.ok((out.extras!['gradEvals'] as number) >= out.iterations, 'gradEvals counts line-search evaluations');
});

t.test('spred-adam: relative gap ≤ 1e-6 with default parameters', async (t) => {
  const out = await runSolver(spredAdam, pr, resolveParams(spredAdam, {}), { tol: 1e-6, maxIter: 20000, tau: 1e-8, seed: 1 });
  t.equal(out.status, 'converged', out.reason ?? '');
  t.ok(relImbalance(out.extras!['imbalance'] as number, out.x!) <= 1e-3, 'nearly balanced');
});

t.test('spred-sgd: relative gap ≤ 1e-4 with the automatic step; imbalance → 0 as the gap → 0', async (t) => {
  const params = resolveParams(spredSgd, {});
  const out = await runSolver(spredSgd, pr, params, { tol: 1e-4, maxIter: 20000, tau: 1e-8, seed: 2 });
  t.equal(out.status, 'converged', out.reason ?? '');
  const tight = await runSolver(spredSgd, pr, params, { tol: 1e-9, maxIter: 100000, tau: 1e-8, seed: 2 });
  t.equal(tight.status, 'converged', tight.reason ?? '');
  t.ok(relImbalance(tight.extras!['imbalance'] as number, tight.x!) <= 1e-6, `relative imbalance ${relImbalance(tight.extras!['imbalance'] as number, tight.x!).toExponential(2)}`);
});

t.test('spred-sgd with heavy-ball momentum 0.9 converges faster at the same automatic step', async (t) => {
  const opts = { tol: 1e-6, maxIter: 20000, tau: 1e-8, seed: 3 };
  const plain = await runSolver(spredSgd, pr, resolveParams(spredSgd, {}), opts);
  const mom = await runSolver(spredSgd, pr, resolveParams(spredSgd, { momentum: 0.9 }), opts);
  t.equal(mom.status, 'converged', mom.reason ?? '');
  t.ok(mom.iterations < plain.iterations, `${mom.iterations} < ${plain.iterations} iterations`);
});

t.test('minibatch SGD: batchSize = n reproduces full-batch GD; smaller batches are seeded and make progress', async (t) => {
  const opts = { tol: 1e-14, maxIter: 50, tau: 1e-8, seed: 5 };
  const full = await runSolver(spredSgd, pr, resolveParams(spredSgd, { lr: 0.05 }), opts);
  const all = await runSolver(spredSgd, pr, resolveParams(spredSgd, { lr: 0.05, batchSize: 50 }), opts);
  let d = 0;
  for (let i = 0; i < pr.dim; i++) d = Math.max(d, Math.abs((full.x![i] as number) - (all.x![i] as number)));
  t.ok(d < 1e-12, `one batch of all n samples per epoch = full batch (max difference ${d.toExponential(2)})`);
  // minibatch noise leaves a floor in the (linear) duality gap; the objective gets close to F*
  const mbOpts = { tol: 1e-14, maxIter: 2000, tau: 1e-8, seed: 5, reference: Fstar };
  const a = await runSolver(spredSgd, pr, resolveParams(spredSgd, { lr: 0.01, batchSize: 10 }), mbOpts);
  const b = await runSolver(spredSgd, pr, resolveParams(spredSgd, { lr: 0.01, batchSize: 10 }), mbOpts);
  t.equal(a.status, 'max_iter');
  t.equal(a.iterations, 2000, 'one callback per epoch');
  t.same(a.x, b.x, 'same seed, same minibatches, same iterate');
  const rel = (o: typeof a): number => (o.final!.objective - Fstar) / Fstar;
  t.ok(rel(a) <= 1e-3, `SGD, batches of 10: relative suboptimality ${rel(a).toExponential(2)} ≤ 1e-3 after 2000 epochs`);
  const adam = await runSolver(spredAdam, pr, resolveParams(spredAdam, { lr: 0.001, batchSize: 10 }), mbOpts);
  t.ok(rel(adam) <= 1e-3, `Adam, batches of 10: relative suboptimality ${rel(adam).toExponential(2)} ≤ 1e-3 after 2000 epochs`);
});

t.test('init=balanced from the reference: u₀ ⊙ w₀ = x₀ to round-off (zero entries exactly), already optimal', async (t) => {
  const out = await runSolver(spredLbfgs, pr, resolveParams(spredLbfgs, { init: 'balanced' }), { tol: 1e-12, maxIter: 50, tau: 1e-8, seed: 0, x0: ref });
  const first = out.trace[0]!;
  // √|x|·√|x| equals |x| only to one rounding: compare entrywise to 2 ulps, zeros exactly
  const x0 = out.x as Float64Array;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    if (r === 0) t.equal(x0[i], 0, `entry ${i} stays exactly 0`);
    else worst = Math.max(worst, Math.abs((x0[i] as number) - r) / Math.abs(r));
  }
  t.ok(worst <= 2 * Number.EPSILON, `the reported iterate at k = 0 is x₀ (max relative difference ${worst})`);
  t.ok(Math.abs(first.objective - Fstar) <= 1e-15 * Fstar, 'F(u₀ ⊙ w₀) = F(x₀)');
  // zero entries of x₀ start at u = initScale = 0.5, w = 0: imbalance 0.25 there, 0 elsewhere
  t.ok(Math.abs(first.extras!['imbalance']! - 0.25) <= 1e-12, `imbalance ${first.extras!['imbalance']} = initScale²`);
  t.equal(out.status, 'converged');
  t.equal(out.iterations, 0);
});

t.test('init=balanced without a warm start: status error with the message', async (t) => {
  const out = await runSolver(spredAdam, pr, resolveParams(spredAdam, { init: 'balanced' }), { tol: 1e-6, maxIter: 10, tau: 1e-8, seed: 0 });
  t.equal(out.status, 'error');
  t.match(out.reason, /init=balanced .* pass a warm start or use init=random/);
});
