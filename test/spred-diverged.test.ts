/**
 * Failure modes of spred are statuses, not crashes: a learning rate far above the stability limit
 * 2/L_g ends as 'diverged' (NaN or blow-up) with its partial curve kept; minibatches on a datafit
 * without minibatch gradients end as 'error' with a message naming the fix.
 */
import t from 'tap';
import { lassoFromArrays } from '../problems/zoo.ts';
import { Rng } from '../problems/rng.ts';
import type { Problem } from '../problems/types.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { autoLearningRate, spredSgd } from '../solvers/spred-sgd.ts';
import { spredAdam } from '../solvers/spred-adam.ts';

function gaussianLasso(n: number, p: number, seed: number): Problem {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const y = Float64Array.from({ length: n }, () => 3 * rng.normal());
  return lassoFromArrays({ n, p, data }, y, { kind: 'ratio', ratio: 0.1 });
}

const pr = gaussianLasso(30, 60, 4);

t.test('SGD with lr = 50× the automatic step diverges: status diverged, partial trace kept', async (t) => {
  const lr = 50 * autoLearningRate(pr);
  const out = await runSolver(spredSgd, pr, resolveParams(spredSgd, { lr }), { tol: 1e-8, maxIter: 10000, tau: 1e-8, seed: 0 });
  t.equal(out.status, 'diverged', out.reason ?? '');
  t.match(out.reason, /non-finite|blew up/);
  t.ok(out.trace.length >= 2, `partial curve of ${out.trace.length} points kept`);
  t.equal(out.trace[0]?.k, 0);
  t.ok(Number.isFinite(out.trace[0]?.objective), 'the starting point was finite');
  t.ok(out.iterations < 10000, `stopped at iteration ${out.iterations}`);
});

t.test('the automatic step itself converges on the same problem', async (t) => {
  const out = await runSolver(spredSgd, pr, resolveParams(spredSgd, {}), { tol: 1e-5, maxIter: 50000, tau: 1e-8, seed: 0 });
  t.equal(out.status, 'converged', out.reason ?? '');
});

t.test('minibatches without datafit.gradientBatch: status error naming the fix', async (t) => {
  const { gradientBatch: _drop, ...datafit } = pr.datafit;
  const noBatch: Problem = { ...pr, datafit };
  for (const s of [spredSgd, spredAdam]) {
    const out = await runSolver(s, noBatch, resolveParams(s, { batchSize: 8 }), { tol: 1e-8, maxIter: 10, tau: 1e-8, seed: 0 });
    t.equal(out.status, 'error');
    t.match(out.reason, /batchSize=8 needs minibatch gradients, .* use batchSize=0 \(full batch\)/);
    const full = await runSolver(s, noBatch, resolveParams(s, {}), { tol: 1e-8, maxIter: 10, tau: 1e-8, seed: 0 });
    t.equal(full.status, 'max_iter', `${s.name} full batch runs without gradientBatch`);
  }
});
