/**
 * Closed forms and exact iterates for the lasso F(w) = (1/2n)‖y − Xw‖² + λ‖w‖₁:
 * - orthogonal design XᵀX = n·I: w* = S_λ(Xᵀy/n) for every solver (to 1e-12);
 * - the first ISTA iterate on a 2×2 problem, worked by hand;
 * - warm start: ISTA 5 + 5 iterations equals 10 iterations.
 */
import t from 'tap';
import type { Matrix, Solver } from '../problems/types.ts';
import { Rng } from '../problems/rng.ts';
import { lassoFromArrays } from '../problems/zoo.ts';
import { softThreshold } from '../problems/penalties.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { ista } from '../solvers/ista.ts';
import { fista } from '../solvers/fista.ts';
import { cd } from '../solvers/cd.ts';
import { lars } from '../solvers/lars.ts';

/** n×p with orthogonal columns of squared norm n (Gram–Schmidt on a Gaussian matrix). */
function orthogonalDesign(n: number, p: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  for (let j = 0; j < p; j++) {
    const cj = data.subarray(j * n, (j + 1) * n);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const ck = data.subarray(k * n, (k + 1) * n);
        let d = 0;
        for (let i = 0; i < n; i++) d += (cj[i] as number) * (ck[i] as number);
        for (let i = 0; i < n; i++) cj[i] = (cj[i] as number) - (d / n) * (ck[i] as number);
      }
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += (cj[i] as number) ** 2;
    const scale = Math.sqrt(n / s);
    for (let i = 0; i < n; i++) cj[i] = (cj[i] as number) * scale;
  }
  return { n, p, data };
}

t.test('orthogonal design: w* = S_λ(Xᵀy/n)', async (t) => {
  const n = 40;
  const p = 12;
  const X = orthogonalDesign(n, p, 11);
  const rng = new Rng(12);
  const y = Float64Array.from({ length: n }, () => rng.normal());
  const problem = lassoFromArrays(X, y, { kind: 'ratio', ratio: 0.3 });
  const expected = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (X.data[j * n + i] as number) * (y[i] as number);
    expected[j] = softThreshold(s / n, problem.lambda);
  }
  t.ok(expected.some((v) => v === 0) && expected.some((v) => v !== 0), 'the closed form has zeros and nonzeros');
  for (const s of [ista, fista, cd, lars] as Solver[]) {
    const o = await runSolver(s, problem, resolveParams(s, {}), { tol: 1e-15, maxIter: 200, tau: 0, seed: 0 });
    const x = o.x as Float64Array;
    let err = 0;
    for (let j = 0; j < p; j++) err = Math.max(err, Math.abs((x[j] as number) - (expected[j] as number)));
    t.ok(err <= 1e-12, `${s.name}: max |w − S_λ(Xᵀy/n)| = ${err.toExponential(2)} ≤ 1e-12`);
    for (let j = 0; j < p; j++) if (expected[j] === 0) t.equal(x[j], 0, `${s.name}: w_${j} is exactly 0`);
  }
});

t.test('first ISTA iterate on a 2×2 lasso, by hand', async (t) => {
  // X = [[1, 0], [1, 2]] (rows), columns X₁ = (1, 1), X₂ = (0, 2); y = (1, 3); n = 2.
  const X: Matrix = { n: 2, p: 2, data: Float64Array.from([1, 1, 0, 2]) };
  const y = Float64Array.from([1, 3]);
  // Xᵀy = (4, 6) → λ_max = ‖Xᵀy‖∞/n = 3; take λ = 0.5.
  const problem = lassoFromArrays(X, y, { kind: 'absolute', value: 0.5 });
  t.equal(problem.lambdaMax, 3, 'λ_max = 6/2');
  // XᵀX = [[2, 2], [2, 4]], eigenvalues 3 ± √5 → ‖X‖₂²/n = (3 + √5)/2 ≈ 2.618, and the datafit
  // reports it with the power iteration's 1% safety margin (problems/linalg.ts spectralNormSq)
  const L = problem.datafit.lipschitz?.() as number;
  t.ok(Math.abs(L - (1.01 * (3 + Math.sqrt(5))) / 2) <= 1e-5, `L = ${L} ≈ 1.01·(3 + √5)/2`);
  // x₀ = 0: ∇f(0) = −Xᵀy/n = (−2, −3); x₁ = S_{λ/L}((2, 3)/L) = ((2 − 0.5)/L, (3 − 0.5)/L)
  const one = await runSolver(ista, problem, resolveParams(ista, {}), { tol: 0, maxIter: 1, tau: 0, seed: 0 });
  t.equal(one.iterations, 1);
  const x1 = one.x as Float64Array;
  t.ok(Math.abs((x1[0] as number) - 1.5 / L) <= 1e-15, `x₁[0] = 1.5/L = ${1.5 / L}`);
  t.ok(Math.abs((x1[1] as number) - 2.5 / L) <= 1e-15, `x₁[1] = 2.5/L = ${2.5 / L}`);
  // step multiplier s = 0.5: x₁ = S_{0.5·λ/L}(0.5·(2, 3)/L) = (0.75/L, 1.25/L)
  const half = await runSolver(ista, problem, resolveParams(ista, { step: 0.5 }), { tol: 0, maxIter: 1, tau: 0, seed: 0 });
  const h = half.x as Float64Array;
  t.ok(Math.abs((h[0] as number) - 0.75 / L) <= 1e-15, `step 0.5: x₁[0] = 0.75/L`);
  t.ok(Math.abs((h[1] as number) - 1.25 / L) <= 1e-15, `step 0.5: x₁[1] = 1.25/L`);
});

t.test('ISTA warm start: 5 + 5 iterations = 10 iterations', async (t) => {
  const rng = new Rng(21);
  const n = 15;
  const p = 25;
  const data = Float64Array.from({ length: n * p }, () => rng.normal());
  const y = Float64Array.from({ length: n }, () => rng.normal());
  const problem = lassoFromArrays({ n, p, data }, y, { kind: 'ratio', ratio: 0.1 });
  const params = resolveParams(ista, {});
  const opts = { tol: 0, tau: 0, seed: 0 };
  const first = await runSolver(ista, problem, params, { ...opts, maxIter: 5 });
  const x5 = (first.x as Float64Array).slice();
  const second = await runSolver(ista, problem, params, { ...opts, maxIter: 5, x0: x5 });
  const ten = await runSolver(ista, problem, params, { ...opts, maxIter: 10 });
  t.equal(first.iterations, 5);
  t.equal(second.iterations, 5);
  t.equal(ten.iterations, 10);
  t.same(Array.from(second.x as Float64Array), Array.from(ten.x as Float64Array), 'identical iterates');
  t.ok(x5.some((v, j) => v !== (ten.x as Float64Array)[j]), 'and different from the 5th');
});
