/**
 * spred on every Float64 problem family through the harness: lasso, group-lasso, logistic,
 * multinomial, multinomial-group. The solvers see only the Datafit interface; the harness
 * evaluates the true F and the duality gap at x = u ⊙ w. L-BFGS must certify a relative gap of
 * 1e-8 on each; the group transform must reach the objective an independent proximal-gradient
 * solve finds (1e-8 relative).
 */
import t from 'tap';
import { proxReference } from './fixtures/prox-reference.ts';
import { groupLassoFamily, logisticFamily, lassoFamily, makeProblem, multinomialFamily, multinomialGroupFamily, type ProblemFamily } from '../problems/zoo.ts';
import { simulateGroupLasso, simulateLasso, simulateLogistic, simulateMultinomial } from '../problems/datasets/simulate.ts';
import { standardize } from '../problems/datasets/standardize.ts';
import type { Dataset } from '../problems/dataset.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { spredLbfgs } from '../solvers/spred-lbfgs.ts';
import { spredAdam } from '../solvers/spred-adam.ts';
import { spredSgd } from '../solvers/spred-sgd.ts';

const cases: [ProblemFamily, Dataset, { groupSize?: number }][] = [
  [lassoFamily, simulateLasso({ n: 40, p: 60, k: 4, seed: 1 }), {}],
  [groupLassoFamily, simulateGroupLasso({ n: 40, p: 60, groupSize: 3, kGroups: 3, seed: 2 }), { groupSize: 3 }],
  [logisticFamily, standardize(simulateLogistic({ n: 60, p: 30, k: 4, seed: 3 })), {}],
  [multinomialFamily, standardize(simulateMultinomial({ n: 60, p: 15, k: 4, classes: 3, seed: 4 })), {}],
  [multinomialGroupFamily, standardize(simulateMultinomial({ n: 60, p: 15, k: 4, classes: 3, seed: 5 })), {}],
];


for (const [family, ds, opts] of cases) {
  t.test(`${family.name}: spred-lbfgs certifies a relative gap ≤ 1e-8; spred-adam and spred-sgd make progress`, async (t) => {
    const pr = makeProblem(family, ds, { kind: 'ratio', ratio: 0.2 }, opts);
    const Fstar = proxReference(pr, 1e-13).objective;
    const out = await runSolver(spredLbfgs, pr, resolveParams(spredLbfgs, {}), { tol: 1e-8, maxIter: 3000, tau: 1e-8, seed: 0, reference: Fstar });
    t.equal(out.status, 'converged', out.reason ?? '');
    const rel = (out.final!.objective - Fstar) / Fstar;
    t.ok(Math.abs(rel) <= 1e-8, `F(u ⊙ w) agrees with the proximal-gradient optimum: relative difference ${rel.toExponential(2)}`);
    const imb = out.extras!['imbalance'] as number;
    t.ok(imb <= 1e-5, `balanced at convergence (imbalance ${imb.toExponential(2)})`);
    for (const s of [spredAdam, spredSgd]) {
      const o = await runSolver(s, pr, resolveParams(s, {}), { tol: 1e-4, maxIter: 20000, tau: 1e-8, seed: 0 });
      t.equal(o.status, 'converged', `${s.name}: ${o.reason ?? `converged in ${o.iterations}`}`);
    }
  });
}
