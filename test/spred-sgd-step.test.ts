/**
 * spred-sgd's automatic step on unstandardized data: R lars's test design (scikit-learn's
 * test_lasso_lars_vs_R_implementation, |x*| ≈ 82 at 0.01·λ_max). The automatic rate alone makes
 * gradient descent on g diverge (it did at iteration 55); with the safeguard (a step that raised g
 * is undone and the rate halved) spred-sgd reaches cd's optimum. On standardized data, where g
 * never rises, the safeguarded iterates are bit for bit the unguarded ones.
 */
import t from 'tap';
import type { Dataset } from '../problems/dataset.ts';
import { lassoFamily, makeProblem } from '../problems/zoo.ts';
import { resolveDataset } from '../problems/datasets/index.ts';
import { Rng } from '../problems/rng.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { cd } from '../solvers/cd.ts';
import { autoLearningRate, spredSgd } from '../solvers/spred-sgd.ts';
import { SpredObjective, initRandom } from '../solvers/spred/transform.ts';
import { Sgd } from '../solvers/optimizers/sgd.ts';
import { R_LARS_COLUMNS, R_LARS_Y } from './fixtures/lars-r.ts';

const rlars: Dataset = { name: 'r-lars', X: { n: 5, p: 5, data: Float64Array.from(R_LARS_COLUMNS.flat()) }, y: Float64Array.from(R_LARS_Y), featureNames: [], task: 'regression', hash: 'r-lars', notes: {} };

/** g along `steps` full-batch steps at the automatic rate, with or without the safeguard. */
function descend(problem: ReturnType<typeof makeProblem>, steps: number, safeguard: boolean): { theta: Float64Array; values: number[]; halvings: number } {
  const obj = new SpredObjective(problem);
  const opt = new Sgd(obj, initRandom(obj.layout, new Rng(0), 0.5), { lr: autoLearningRate(problem), momentum: 0, schedule: 'constant', batchSize: 0, safeguard }, new Rng(0));
  const values: number[] = [];
  for (let k = 0; k < steps; k++) {
    values.push(obj.value(opt.theta));
    opt.step();
  }
  return { theta: opt.theta, values, halvings: opt.halvings };
}

t.test('R lars data at 0.01·λ_max: the automatic rate alone diverges, the safeguarded one converges to cd’s optimum', async (t) => {
  const problem = makeProblem(lassoFamily, rlars, { kind: 'ratio', ratio: 0.01 });
  const plain = descend(problem, 200, false);
  const last = plain.values[plain.values.length - 1] as number;
  t.ok(!(last < 1e6 * (plain.values[0] as number)), `unguarded: g went from ${(plain.values[0] as number).toPrecision(4)} to ${last.toPrecision(4)} in 200 steps`);
  const ref = await runSolver(cd, problem, resolveParams(cd, {}), { tol: 1e-13, maxIter: 1e6, tau: 0, seed: 0 });
  const Fs = ref.final?.objective as number;
  t.ok(Math.max(...Array.from(ref.x as Float64Array, Math.abs)) > 80, 'an unstandardized optimum (|x*| > 80)');
  const o = await runSolver(spredSgd, problem, resolveParams(spredSgd, {}), { tol: 1e-8, maxIter: 100000, tau: 0, seed: 0 });
  t.equal(o.status, 'converged', `spred-sgd: ${o.status} after ${o.iterations} iterations ${o.reason ?? ''}`);
  const F = o.final?.objective as number;
  t.ok(F - Fs <= 1e-8 * Math.abs(Fs), `F − F* = ${(F - Fs).toExponential(2)} (F* = ${Fs})`);
  const guarded = descend(problem, 2000, true);
  t.ok(guarded.halvings >= 1, `${guarded.halvings} halvings of the rate`);
  const end = guarded.values[guarded.values.length - 1] as number;
  t.ok(end < (guarded.values[0] as number) && Number.isFinite(end), `guarded: g from ${(guarded.values[0] as number).toPrecision(4)} down to ${end.toPrecision(6)} in 2000 steps`);
});

t.test('standardized diabetes: the safeguard never fires and the iterates are the unguarded ones', async (t) => {
  const problem = makeProblem(lassoFamily, resolveDataset('diabetes', { task: 'regression', standardize: true }), { kind: 'ratio', ratio: 0.05 });
  const a = descend(problem, 3000, false);
  const b = descend(problem, 3000, true);
  t.equal(b.halvings, 0);
  t.same(Array.from(b.theta), Array.from(a.theta), 'identical θ after 3000 steps');
});
