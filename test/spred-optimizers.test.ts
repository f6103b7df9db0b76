/**
 * The generic optimizers: the first SGD step and the first two Adam steps of spred on a tiny
 * lasso (p = 2) worked out by hand; the strong Wolfe line search and L-BFGS on Rosenbrock.
 *
 * Tiny problem: X = [[1, 2], [0, 1]] (rows), y = (1, −1), n = 2, λ = 0.5, f(x) = (1/4)‖y − Xx‖².
 * θ₀ = (u; w) = (1, 2; 0.5, −1), so x = u ⊙ w = (0.5, −2), Xx = (−3.5, −2), r = y − Xx = (4.5, 1),
 * ∇f(x) = −Xᵀr/2 = −(4.5, 10)/2 = (−2.25, −5).
 *   ∇_u g = ∇f ⊙ w + λu = (−1.125 + 0.5, 5 + 1)       = (−0.625, 6)
 *   ∇_w g = ∇f ⊙ u + λw = (−2.25 + 0.25, −10 − 0.5)   = (−2, −10.5)
 */
import t from 'tap';
import { quadratic } from '../problems/datafits/quadratic.ts';
import { l1 } from '../problems/penalties.ts';
import { Rng } from '../problems/rng.ts';
import type { Problem } from '../problems/types.ts';
import { SpredObjective } from '../solvers/spred/transform.ts';
import { Sgd, scheduledRate } from '../solvers/optimizers/sgd.ts';
import { Adam } from '../solvers/optimizers/adam.ts';
import { Lbfgs, strongWolfeLineSearch } from '../solvers/optimizers/lbfgs.ts';
import type { SmoothObjective } from '../solvers/optimizers/types.ts';

function tiny(): Problem {
  // column-major: column 0 = (1, 0), column 1 = (2, 1)
  const datafit = quadratic({ n: 2, p: 2, data: Float64Array.from([1, 0, 2, 1]) }, Float64Array.from([1, -1]));
  return {
    family: 'lasso', engine: 'float64', datafit, penalty: l1(), lambda: 0.5, lambdaMax: 1, dim: 2,
    capabilities: new Set(['smooth-gradient', 'float64-engine']),
    meta: { dataset: 'tiny', dataHash: 'tiny', nSamples: 2, nFeatures: 2 }, instanceHash: 'tiny',
  };
}
const theta0 = Float64Array.from([1, 2, 0.5, -1]);
const g1 = [-0.625, 6, -2, -10.5];

function close(t: { ok(pass: boolean, message: string): unknown }, got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  for (let j = 0; j < want.length; j++) {
    const d = Math.abs((got[j] as number) - (want[j] as number));
    t.ok(d <= tol * Math.max(1, Math.abs(want[j] as number)), `${what}[${j}] = ${got[j]} ≈ ${want[j]}`);
  }
}

t.test('the gradient of g at θ₀ is the hand-computed one', async (t) => {
  const obj = new SpredObjective(tiny());
  const grad = new Float64Array(4);
  const v = obj.valueAndGradient(theta0, grad);
  close(t, grad, g1, 1e-15, '∇g');
  // g = (1/4)(4.5² + 1²) + (0.25)(1 + 4 + 0.25 + 1) = 5.3125 + 1.5625
  t.ok(Math.abs(v - 6.875) < 1e-14, `g(θ₀) = ${v} = 6.875`);
});

t.test('first SGD step: θ₁ = θ₀ − lr·∇g(θ₀), with or without momentum (v₀ = 0)', async (t) => {
  for (const momentum of [0, 0.9]) {
    const opt = new Sgd(new SpredObjective(tiny()), theta0, { lr: 0.1, momentum, schedule: 'constant', batchSize: 0 }, new Rng(0));
    opt.step();
    // (1, 2, 0.5, −1) − 0.1·(−0.625, 6, −2, −10.5)
    close(t, opt.theta, [1.0625, 1.4, 0.7, 0.05], 1e-15, `μ=${momentum} θ₁`);
    t.equal(opt.k, 1);
  }
});

t.test('second SGD step with heavy-ball momentum: v₂ = μ·∇g(θ₀) + ∇g(θ₁)', async (t) => {
  // θ₁ = (1.0625, 1.4; 0.7, 0.05): x = (0.74375, 0.07), Xx = (0.88375, 0.07), r = (0.11625, −1.07),
  // ∇f = −(0.11625, 2·0.11625 − 1.07)/2 = (−0.058125, 0.41875)
  // ∇_u = (−0.058125·0.7 + 0.53125, 0.41875·0.05 + 0.7) = (0.4905625, 0.7209375)
  // ∇_w = (−0.058125·1.0625 + 0.35, 0.41875·1.4 + 0.025) = (0.288242187…, 0.611250)
  const gB = [0.4905625, 0.7209375, 0.35 - 0.058125 * 1.0625, 0.41875 * 1.4 + 0.025];
  const opt = new Sgd(new SpredObjective(tiny()), theta0, { lr: 0.1, momentum: 0.9, schedule: 'constant', batchSize: 0 }, new Rng(0));
  opt.step();
  opt.step();
  const th1 = [1.0625, 1.4, 0.7, 0.05];
  close(t, opt.theta, th1.map((v, j) => v - 0.1 * (0.9 * (g1[j] as number) + (gB[j] as number))), 1e-14, 'θ₂');
});

t.test('first two Adam steps (Kingma & Ba, bias-corrected; the L2 term inside the moments)', async (t) => {
  const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const opt = new Adam(new SpredObjective(tiny()), theta0, { lr, beta1: b1, beta2: b2, eps, batchSize: 0 }, new Rng(0));
  opt.step();
  // step 1: m̂ = g, v̂ = g², so θ₁ = θ₀ − lr·g/(|g| + ε) ≈ θ₀ − 0.1·sign(g) = (1.1, 1.9; 0.6, −0.9)
  const th1 = [1.1, 1.9, 0.6, -0.9];
  close(t, opt.theta, th1, 1e-8, 'Adam θ₁ ≈ θ₀ − 0.1·sign(g)');
  close(t, opt.theta, th1.map((_, j) => (theta0[j] as number) - (lr * (g1[j] as number)) / (Math.abs(g1[j] as number) + eps)), 1e-15, 'Adam θ₁ exactly');
  // ∇g(θ₁): x = (0.66, −1.71), Xx = (−2.76, −1.71), r = (3.76, 0.71), Xᵀr = (3.76, 8.23), ∇f = (−1.88, −4.115)
  //   ∇_u = (−1.88·0.6 + 0.55, −4.115·(−0.9) + 0.95) = (−0.578, 4.6535)
  //   ∇_w = (−1.88·1.1 + 0.3, −4.115·1.9 − 0.45)    = (−1.768, −8.2685)
  const g2 = [-0.578, 4.6535, -1.768, -8.2685];
  opt.step();
  const want = th1.map((_, j) => {
    const a = g1[j] as number;
    const b = g2[j] as number;
    const m = b1 * (1 - b1) * a + (1 - b1) * b;
    const v = b2 * (1 - b2) * a * a + (1 - b2) * b * b;
    const mh = m / (1 - b1 * b1);
    const vh = v / (1 - b2 * b2);
    // exact θ₁ (with ε) then the second update
    const t1 = (theta0[j] as number) - (lr * a) / (Math.abs(a) + eps);
    return t1 - (lr * mh) / (Math.sqrt(vh) + eps);
  });
  // g₂ was derived at the rounded θ₁; the true θ₁ differs by ~lr·ε/|g| ≈ 1e-9, hence 1e-10
  close(t, opt.theta, want, 1e-10, 'Adam θ₂');
  t.equal(opt.updates, 2);
});

t.test('learning-rate schedules', async (t) => {
  t.equal(scheduledRate(0.2, 'constant', 57), 0.2);
  t.equal(scheduledRate(0.2, 'inverse-sqrt', 3), 0.1);
  t.equal(scheduledRate(0.2, 'step', 99), 0.2);
  t.equal(scheduledRate(0.2, 'step', 100), 0.1);
  t.equal(scheduledRate(0.2, 'step', 250), 0.05);
});

/** Rosenbrock in dimension 2k: Σ (1 − a_i)² + 100(b_i − a_i²)². */
function rosenbrock(dim: number): SmoothObjective & { evals: number } {
  return {
    dim,
    evals: 0,
    valueAndGradient(x, out) {
      this.evals++;
      let f = 0;
      for (let i = 0; i < dim; i += 2) {
        const a = x[i] as number;
        const b = x[i + 1] as number;
        const q = b - a * a;
        f += (1 - a) ** 2 + 100 * q * q;
        out[i] = -2 * (1 - a) - 400 * a * q;
        out[i + 1] = 200 * q;
      }
      return f;
    },
  };
}

t.test('strong Wolfe line search on Rosenbrock: both conditions hold at the returned step', async (t) => {
  const obj = rosenbrock(2);
  const starts = [[-1.2, 1], [0, 0], [2, 2], [-0.5, 3], [1.5, -1]];
  for (const c2 of [0.9, 0.1]) {
    for (const s of starts) {
      for (const [dirName, scale] of [['−∇f', 1], ['−10³∇f', 1e3], ['−10⁻³∇f', 1e-3]] as const) {
        const x = Float64Array.from(s);
        const g = new Float64Array(2);
        const f0 = obj.valueAndGradient(x, g);
        const d = Float64Array.from(g, (v) => -scale * v);
        const xo = new Float64Array(2);
        const go = new Float64Array(2);
        const res = strongWolfeLineSearch(obj, x, f0, g, d, 1, xo, go, { c1: 1e-4, c2 });
        const dphi0 = (g[0] as number) * (d[0] as number) + (g[1] as number) * (d[1] as number);
        // recompute at the returned α independently of the buffers
        const xa = Float64Array.from(x, (v, i) => v + res.alpha * (d[i] as number));
        const ga = new Float64Array(2);
        const fa = obj.valueAndGradient(xa, ga);
        const dphi = (ga[0] as number) * (d[0] as number) + (ga[1] as number) * (d[1] as number);
        const where = `start (${s}), d = ${dirName}, c2 = ${c2}`;
        t.ok(res.ok && !res.approximate, `${where}: search succeeded by the strong Wolfe test`);
        t.ok(fa <= f0 + 1e-4 * res.alpha * dphi0, `${where}: sufficient decrease`);
        t.ok(Math.abs(dphi) <= c2 * Math.abs(dphi0), `${where}: curvature |φ'(α)| = ${Math.abs(dphi).toExponential(2)} ≤ ${c2}·${Math.abs(dphi0).toExponential(2)}`);
        t.ok(Math.abs(res.value - fa) <= 1e-12 * Math.max(1, fa) && xo[0] === xa[0] && xo[1] === xa[1], `${where}: returned point is θ + αd`);
      }
    }
  }
});

t.test('the line search shrinks on non-finite trial values instead of failing', async (t) => {
  // φ(θ) = θ² for |θ| < 1, NaN beyond: from θ = −0.9 along d = +10, α = 1 lands in the NaN region
  const obj: SmoothObjective = {
    dim: 1,
    valueAndGradient(x, out) {
      const v = x[0] as number;
      out[0] = Math.abs(v) < 1 ? 2 * v : NaN;
      return Math.abs(v) < 1 ? v * v : NaN;
    },
  };
  const g = Float64Array.from([-1.8]);
  const res = strongWolfeLineSearch(obj, Float64Array.from([-0.9]), 0.81, g, Float64Array.from([10]), 1, new Float64Array(1), new Float64Array(1));
  t.ok(res.ok && res.alpha < 0.19 && res.alpha > 0, `α = ${res.alpha} inside the finite region`);
});

t.test('L-BFGS minimizes Rosenbrock (dim 2 and 20) to 1e-10', async (t) => {
  for (const dim of [2, 20]) {
    const obj = rosenbrock(dim);
    const x0 = Float64Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const opt = new Lbfgs(obj, x0, { memory: 10 });
    let k = 0;
    while (k < 500 && opt.f > 1e-20 && opt.step()) k++;
    let err = 0;
    for (const v of opt.theta) err = Math.max(err, Math.abs(v - 1));
    t.ok(err < 1e-10, `dim ${dim}: ‖x − 1‖∞ = ${err.toExponential(2)} after ${k} iterations (${opt.evaluations} evaluations)`);
    t.ok(k < 200, `dim ${dim}: ${k} iterations`);
  }
});
