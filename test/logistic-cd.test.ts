/**
 * cdGlm (proximal Newton + coordinate descent) on logistic and multinomial problems: duality gap
 * ≤ 1e-10 at its solution, agreement with FISTA, λ ≥ λ_max, separable data, monotone descent,
 * and the 2-class multinomial ↔ binary logistic correspondence:
 *
 *   with labels ±1 ↔ classes {0, 1}, the 2-class loss at W = [W₀, W₁] equals the binary loss at
 *   w = W₁ − W₀. For fixed w, min ‖W₀‖₁ + ‖W₁‖₁ subject to W₁ − W₀ = w is ‖w‖₁ (|a| + |a + w_j| ≥
 *   |w_j|), so the l1 multinomial problem at λ has the binary optimum w* at the SAME λ, with equal
 *   optimal values (the split of w* between W₀ and W₁ is not unique). For row groups,
 *   min_a ‖(a, a + w_j)‖₂ = |w_j|/√2 at a = −w_j/2, so multinomial-group at λ ↔ binary at λ/√2,
 *   with the unique split W₀ = −W₁ = −½w*.
 */
import t from 'tap';
import type { Problem, Solver } from '../problems/types.ts';
import { logisticFamily, makeProblem, multinomialFamily, multinomialGroupFamily } from '../problems/zoo.ts';
import { simulateLogistic, simulateMultinomial } from '../problems/datasets/simulate.ts';
import { runSolver, type RunOutcome } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { cdGlm } from '../solvers/kernels/cd-glm.ts';
import { fista } from '../solvers/fista.ts';
import { groupL1 } from '../problems/penalties.ts';
import { objective } from '../problems/certificate.ts';
import type { Dataset } from '../problems/dataset.ts';

const cdSolver: Solver = { name: 'cd-glm', description: 'test', requires: ['design-matrix'], params: {}, run: cdGlm };
const opts = { tol: 1e-10, maxIter: 500, tau: 0, seed: 0 };

async function solveCd(pb: Problem, params = {}): Promise<RunOutcome> {
  return runSolver(cdSolver, pb, params, opts);
}
async function solveFista(pb: Problem): Promise<RunOutcome> {
  return runSolver(fista, pb, resolveParams(fista, {}), { ...opts, maxIter: 100000 });
}
function relGap(o: RunOutcome): number {
  return o.final?.relGap ?? NaN;
}

t.test('logistic: gap ≤ 1e-10 and agreement with FISTA (n=50, p=20; n=30, p=60)', async (t) => {
  const cases: [Dataset, number][] = [
    [simulateLogistic({ n: 50, p: 20, k: 5, seed: 1 }), 0.1],
    [simulateLogistic({ n: 30, p: 60, k: 5, seed: 2, rho: 0.5 }), 0.05],
  ];
  for (const [ds, ratio] of cases) {
    const pb = makeProblem(logisticFamily, ds, { kind: 'ratio', ratio });
    for (const glmInnerRatio of [0.01, 0.3]) {
      const cd = await solveCd(pb, { glmInnerRatio, glmMaxInner: 100 });
      t.equal(cd.status, 'converged', `${ds.name} glmInnerRatio=${glmInnerRatio}: ${cd.reason ?? ''}`);
      t.ok(relGap(cd) <= 1e-10, `relative gap ${relGap(cd).toExponential(2)}`);
    }
    const cd = await solveCd(pb);
    const fi = await solveFista(pb);
    t.equal(fi.status, 'converged');
    const Fcd = cd.final!.objective;
    const Ffi = fi.final!.objective;
    t.ok(Math.abs(Fcd - Ffi) <= 2e-10 * Math.abs(Fcd), `F(cd) = F(fista) (${Fcd} vs ${Ffi})`);
    t.ok(cd.iterations < 60, `few Newton iterations (${cd.iterations})`);
  }
});

t.test('objective decreases monotonically (line search on the true F)', async (t) => {
  const pb = makeProblem(logisticFamily, simulateLogistic({ n: 40, p: 80, k: 5, seed: 7, rho: 0.7 }), { kind: 'ratio', ratio: 0.02 });
  const values: number[] = [];
  await runSolver(cdSolver, pb, {}, { ...opts, traceRatio: 1.0001, onTrace: (pt) => values.push(pt.objective) });
  let increases = 0;
  for (let k = 1; k < values.length; k++) if ((values[k] as number) > (values[k - 1] as number) * (1 + 1e-15)) increases++;
  t.ok(values.length > 3);
  t.equal(increases, 0, 'F(w_{k+1}) ≤ F(w_k)');
});

t.test('λ ≥ λ_max: w = 0 with zero gap at the start', async (t) => {
  for (const ratio of [1, 3]) {
    const pb = makeProblem(logisticFamily, simulateLogistic({ n: 30, p: 10, k: 3, seed: 3 }), { kind: 'ratio', ratio });
    const out = await solveCd(pb);
    t.equal(out.status, 'converged');
    t.equal(out.iterations, 0);
    t.ok(out.x!.every((v) => v === 0));
    t.equal(out.final!.gap, 0);
  }
  const pm = makeProblem(multinomialGroupFamily, simulateMultinomial({ n: 30, p: 10, k: 3, classes: 3, seed: 3 }), { kind: 'ratio', ratio: 1 });
  const out = await solveCd(pm);
  t.equal(out.status, 'converged');
  t.ok(out.x!.every((v) => v === 0));
  // zero up to the round-off of Σ_c P_ic = 1 in the dual's entropy sums
  t.ok(out.final!.relGap! <= 1e-14, `relative gap ${out.final!.relGap}`);
});

t.test('separable data at λ = 0.001·λ_max: finite, converged', async (t) => {
  const ds = simulateLogistic({ n: 50, p: 20, k: 5, seed: 3, separable: true });
  const pb = makeProblem(logisticFamily, ds, { kind: 'ratio', ratio: 0.001 });
  const out = await solveCd(pb);
  t.equal(out.status, 'converged', out.reason ?? '');
  t.ok(out.x!.every((v) => Number.isFinite(v)));
  t.ok(relGap(out) <= 1e-10, `relative gap ${relGap(out).toExponential(2)}`);
  // separable and small λ: the fit is nearly perfect, margins are large
  t.ok(out.final!.objective < 0.05 * Math.log(2), `F* = ${out.final!.objective}`);
});

t.test('multinomial (l1 and row-group l1): gap ≤ 1e-10, agreement with FISTA', async (t) => {
  const ds = simulateMultinomial({ n: 60, p: 15, k: 4, classes: 4, seed: 1 });
  for (const family of [multinomialFamily, multinomialGroupFamily]) {
    for (const ratio of [0.3, 0.02]) {
      const pb = makeProblem(family, ds, { kind: 'ratio', ratio });
      const cd = await solveCd(pb);
      t.equal(cd.status, 'converged', `${family.name} λ=${ratio}·λ_max: ${cd.reason ?? ''}`);
      t.ok(relGap(cd) <= 1e-10, `relative gap ${relGap(cd).toExponential(2)}`);
      const fi = await solveFista(pb);
      const Fcd = cd.final!.objective;
      const Ffi = fi.final!.objective;
      t.ok(Math.abs(Fcd - Ffi) <= 2e-10 * Math.abs(Fcd), `F(cd) = F(fista) (${Fcd} vs ${Ffi})`);
    }
  }
});

t.test('2-class multinomial ↔ binary logistic: l1 at the same λ, row groups at √2·λ', async (t) => {
  const bin = simulateLogistic({ n: 50, p: 12, k: 4, seed: 11 });
  // classes: −1 → 0, +1 → 1
  const multi: Dataset = { ...bin, y: bin.y.map((v) => (v > 0 ? 1 : 0)), task: 'multiclass', labels: { '-1': 0, '1': 1 } };
  const p = bin.X.p;
  const pbBin = makeProblem(logisticFamily, bin, { kind: 'ratio', ratio: 0.1 });
  const lam = pbBin.lambda;
  const pbMul = makeProblem(multinomialFamily, multi, { kind: 'absolute', value: lam });
  t.ok(Math.abs(pbMul.lambdaMax - pbBin.lambdaMax) <= 1e-15 * pbBin.lambdaMax, 'same λ_max');
  const ob = await solveCd(pbBin);
  const om = await solveCd(pbMul);
  t.equal(ob.status, 'converged');
  t.equal(om.status, 'converged');
  const wb = ob.x!;
  const W = om.x!;
  const Fb = objective(pbBin, wb);
  const Fm = objective(pbMul, W);
  t.ok(Math.abs(Fb - Fm) <= 1e-10 * Fb, `equal optimal values (${Fb} vs ${Fm})`);
  let diff = 0;
  let scale = 0;
  for (let j = 0; j < p; j++) {
    diff = Math.max(diff, Math.abs((W[p + j] as number) - (W[j] as number) - (wb[j] as number)));
    scale = Math.max(scale, Math.abs(wb[j] as number));
  }
  t.ok(diff <= 1e-5 * scale, `W₁ − W₀ = w* (max diff ${diff.toExponential(2)})`);

  const groups = Array.from({ length: p }, (_, j) => Int32Array.of(j, p + j));
  const pbGrp = { ...makeProblem(multinomialGroupFamily, multi, { kind: 'absolute', value: Math.SQRT2 * lam }), penalty: groupL1(groups) };
  const og = await solveCd(pbGrp);
  t.equal(og.status, 'converged');
  const Wg = og.x!;
  t.ok(Math.abs(objective(pbGrp, Wg) - Fb) <= 1e-10 * Fb, 'group: equal optimal values at √2·λ');
  let dg = 0;
  let sym = 0;
  for (let j = 0; j < p; j++) {
    dg = Math.max(dg, Math.abs((Wg[p + j] as number) - (Wg[j] as number) - (wb[j] as number)));
    sym = Math.max(sym, Math.abs((Wg[p + j] as number) + (Wg[j] as number)));
  }
  t.ok(dg <= 1e-5 * scale, `group: W₁ − W₀ = w* (${dg.toExponential(2)})`);
  t.ok(sym <= 1e-5 * scale, `group: W₀ = −W₁ (${sym.toExponential(2)})`);
});

t.test('unsupported combinations are errors that name what is wrong', async (t) => {
  const pb = makeProblem(logisticFamily, simulateLogistic({ n: 20, p: 4, k: 2, seed: 1 }), { kind: 'ratio', ratio: 0.5 });
  const grp = { ...pb, penalty: groupL1([Int32Array.of(0, 1), Int32Array.of(2, 3)]) };
  const out = await solveCd(grp);
  t.equal(out.status, 'error');
  t.equal(out.reason, 'cd does not support the group-l1 penalty with the logistic datafit');
  const ds = simulateMultinomial({ n: 20, p: 4, k: 2, classes: 2, seed: 1 });
  const pm = makeProblem(multinomialFamily, ds, { kind: 'ratio', ratio: 0.5 });
  const cols = { ...pm, penalty: groupL1([Int32Array.of(0, 1, 2, 3), Int32Array.of(4, 5, 6, 7)]) };
  const o2 = await solveCd(cols);
  t.equal(o2.status, 'error');
  t.match(o2.reason, /^cd does not support group-l1 on the multinomial datafit unless the groups are the rows/);
});
