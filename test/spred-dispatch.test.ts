/**
 * The spred solver objects dispatch on the problem's engine: a TensorFlow.js problem goes to
 * runSpredTensor (float32), a Float64 problem to the Float64 transform. On the same lasso both
 * engines reach the same optimum up to float32 precision. lr = 0 (SGD "auto") is a Float64 rule:
 * on the tensor engine it must fall back to that engine's default, not fail.
 */
import t from 'tap';
import { lassoFromArrays } from '../problems/zoo.ts';
import { Rng } from '../problems/rng.ts';
import { makeTensorLasso } from '../problems/tensor/linear.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { spredLbfgs } from '../solvers/spred-lbfgs.ts';
import { spredSgd } from '../solvers/spred-sgd.ts';
import { spredAdam } from '../solvers/spred-adam.ts';

const n = 20;
const p = 8;
const rng = new Rng(3);
const data = Float64Array.from({ length: n * p }, () => rng.normal());
const y = Float64Array.from({ length: n }, (_, i) => 2 * (data[i] as number) - (data[3 * n + i] as number) + 0.3 * rng.normal());
const f64 = lassoFromArrays({ n, p, data }, y, { kind: 'ratio', ratio: 0.2 });

t.test('spred-lbfgs on both engines: same optimum (float32 precision)', async (t) => {
  const tfp = await makeTensorLasso({ n, p, data }, y, f64.lambda, { backend: 'cpu' });
  t.equal(tfp.engine, 'tfjs');
  const a = await runSolver(spredLbfgs, f64, resolveParams(spredLbfgs, {}), { tol: 1e-10, maxIter: 500, tau: 1e-8, seed: 0 });
  const b = await runSolver(spredLbfgs, tfp, resolveParams(spredLbfgs, {}), { tol: 1e-6, maxIter: 300, tau: 1e-4, seed: 0 });
  t.equal(a.status, 'converged', a.reason ?? '');
  t.not(b.status, 'error', b.reason ?? '');
  const Fa = a.final!.objective;
  const Fb = b.final!.objective;
  t.ok(Math.abs(Fb - Fa) <= 1e-5 * Fa, `F64 ${Fa} vs tfjs ${Fb}`);
});

t.test('spred-sgd with lr = 0 (auto) and spred-adam run on the tensor engine', async (t) => {
  const tfp = await makeTensorLasso({ n, p, data }, y, f64.lambda, { backend: 'cpu' });
  for (const s of [spredSgd, spredAdam]) {
    const out = await runSolver(s, tfp, resolveParams(s, {}), { tol: 0, maxIter: 20, tau: 1e-4, seed: 0 });
    t.equal(out.status, 'max_iter', `${s.name}: ${out.reason ?? ''}`);
    const first = out.trace[0]!.objective;
    const last = out.trace[out.trace.length - 1]!.objective;
    t.ok(last < first, `${s.name}: F decreased from ${first} to ${last}`);
  }
});
