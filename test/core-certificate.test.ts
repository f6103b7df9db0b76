/**
 * The KKT violation reads entries with |x_i| ≤ τ as zeros: an iterate that is optimal up to
 * tiny nonzero entries (spred never reaches exact zeros) certifies, with τ, as the exact optimum
 * does; with τ = 0 the same iterate shows a violation of about λ on its inactive entries.
 */
import t from 'tap';
import { Certifier } from '../problems/certificate.ts';
import { lassoFromArrays, makeProblem, groupLassoFamily } from '../problems/zoo.ts';
import { simulateGroupLasso } from '../problems/datasets/simulate.ts';
import { runSolver } from '../harness/runner.ts';
import { cd } from '../solvers/cd.ts';
import { spredLbfgs } from '../solvers/spred-lbfgs.ts';
import { resolveParams } from '../harness/params.ts';
import { Rng } from '../problems/rng.ts';

t.test('lasso: τ-thresholded KKT of a perturbed optimum', async (t) => {
  const r = new Rng(5);
  const n = 40;
  const p = 60;
  const X = { n, p, data: Float64Array.from({ length: n * p }, () => r.normal()) };
  const y = Float64Array.from({ length: n }, () => r.normal());
  const pr = lassoFromArrays(X, y, { kind: 'ratio', ratio: 0.3 });
  const out = await runSolver(cd, pr, resolveParams(cd, {}), { tol: 1e-14, maxIter: 10000, tau: 0, seed: 0 });
  const xs = out.x as Float64Array;
  const exact = new Certifier(pr, 0).certify(xs);
  t.ok(exact.kkt <= 1e-10 * pr.lambda, `exact optimum: KKT ${exact.kkt}`);
  // put ±1e-12 on every zero entry
  const noisy = xs.map((v, i) => (v === 0 ? (i % 2 ? 1e-12 : -1e-12) : v));
  const zeros = xs.filter((v) => v === 0).length;
  t.ok(zeros > 0);
  const without = new Certifier(pr, 0).certify(noisy);
  const withTau = new Certifier(pr, 1e-9).certify(noisy);
  t.ok(without.kkt > 0.1 * pr.lambda, `τ = 0: violation ${without.kkt} is of the order of λ = ${pr.lambda}`);
  t.ok(withTau.kkt <= 1e-9 * pr.lambda, `τ = 1e-9: violation ${withTau.kkt}`);
  t.equal(withTau.nnz, exact.nnz, 'same support');
  // a genuinely wrong entry above τ is still caught
  const wrong = noisy.slice();
  const j = xs.findIndex((v) => v === 0);
  wrong[j] = 1e-3;
  t.ok(new Certifier(pr, 1e-9).certify(wrong).kkt > 0.1 * pr.lambda, 'an entry above τ is judged by its sign');
});

t.test('spred-lbfgs ends with a small τ-KKT on lasso and group lasso', async (t) => {
  const r = new Rng(6);
  const X = { n: 50, p: 100, data: Float64Array.from({ length: 5000 }, () => r.normal()) };
  const y = Float64Array.from({ length: 50 }, () => r.normal());
  const lasso = lassoFromArrays(X, y, { kind: 'ratio', ratio: 0.2 });
  const ds = simulateGroupLasso({ n: 60, p: 60, groupSize: 3, kGroups: 3, seed: 2 });
  const group = makeProblem(groupLassoFamily, ds, { kind: 'ratio', ratio: 0.2 }, { groupSize: 3 });
  for (const pr of [lasso, group]) {
    const out = await runSolver(spredLbfgs, pr, resolveParams(spredLbfgs, {}), { tol: 1e-9, maxIter: 5000, tau: 1e-8, seed: 0 });
    t.equal(out.status, 'converged', pr.family);
    t.ok(out.final!.kkt <= 1e-3 * pr.lambda, `${pr.family}: KKT ${out.final!.kkt} vs λ = ${pr.lambda}`);
  }
});
