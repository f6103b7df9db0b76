/**
 * spred-sgd: minimizes g(u, w) = f(u ⊙ w) + (λ/2)(‖u‖² + ‖w‖²) (group variant x_g = u_g·w_g),
 * whose minimum equals that of F(x) = f(x) + λΩ(x), by SGD with heavy-ball momentum
 * (solvers/spred/transform.ts ∘ solvers/optimizers/sgd.ts). The iterate reported to the
 * harness is x = u ⊙ w; it has no exact zeros, so its support is read at a threshold τ.
 *
 * Default step (lr = 0, "auto"), a heuristic for the Float64 engine:
 *     lr = 1 / (L·B + λ),     B = √(2 f(0) / L),
 * L the datafit's Lipschitz constant. g's curvature near a minimum is about L·(u_i² + w_i²) =
 * 2L|x_i| plus λ, and B is the scale ‖x*‖ for which a quadratic of curvature L drops by f(0);
 * the rule is invariant to rescaling X and y, and on Gaussian and standardized designs it sits a
 * factor 2–4 below the step where gradient descent on g stops converging. Without a Lipschitz
 * constant, lr = 1e-3. g's curvature grows with the scale of x, which B only guesses: on
 * unstandardized data (R lars's test design, |x*| ≈ 84) the rule is several times too long and
 * gradient descent diverged at iteration 55. So the automatic step (full batch, no momentum) is
 * safeguarded: a step after which g rose is undone and the rate halved from then on
 * (solvers/optimizers/sgd.ts); where g never rises the iterates are the unguarded ones. A given
 * lr is taken as is: a step that is too large ends as `diverged` (NaN or blow-up), never a throw.
 */
import type { AnyProblem, Callback, Params, Problem, RunContext, Solver } from '../problems/types.ts';
import { FLOAT64_TAU, INIT_PARAMS, runSpredFloat64 } from './spred/transform.ts';
import { SCHEDULES, Sgd, type Schedule } from './optimizers/sgd.ts';

/** The automatic SGD step 1/(L·√(2f(0)/L) + λ) described in the module comment (1e-3 without L). */
export function autoLearningRate(problem: Problem): number {
  const df = problem.datafit;
  if (!df.lipschitz) return 1e-3;
  const L = df.lipschitz();
  const f0 = df.value(new Float64Array(problem.dim));
  const B = L > 0 && f0 > 0 ? Math.sqrt((2 * f0) / L) : 0;
  return 1 / (L * B + problem.lambda);
}

export const spredSgd: Solver = {
  name: 'spred-sgd',
  description: 'spred: (S)GD with momentum on f(u⊙w) + (λ/2)(‖u‖²+‖w‖²) (x = u⊙w; group variant u_g·w_g)',
  requires: ['smooth-gradient'],
  defaultTau: FLOAT64_TAU,
  params: {
    ...INIT_PARAMS,
    lr: { type: 'number', default: 0, min: 0, doc: 'learning rate; 0 = auto: on the Float64 engine 1/(L·√(2f(0)/L) + λ) from the datafit Lipschitz constant L (1e-3 when unknown), halved whenever a full-batch step without momentum raised the objective (that step undone); on TensorFlow.js that engine\'s default' },
    momentum: { type: 'number', default: 0, min: 0, max: 0.999, doc: 'heavy-ball momentum μ (PyTorch form: v ← μv + g, θ ← θ − lr·v)' },
    schedule: {
      type: 'string',
      default: 'constant',
      choices: SCHEDULES,
      doc: 'learning-rate schedule in epochs t: constant; inverse-sqrt lr/√(t+1); step lr·0.5^⌊t/100⌋',
    },
    batchSize: { type: 'integer', default: 0, min: 0, doc: '0 = full batch (one callback per step); > 0 = seeded minibatches of this size (one callback per epoch)' },
  },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    if (problem.engine === 'tfjs') {
      const { runSpredTensor } = await import('./spred/tensor.ts');
      // lr = 0 (auto) has no Lipschitz rule on the tensor engine: leave lr out so that engine's default applies
      const { lr: given, ...rest } = params;
      const tensorParams = typeof given === 'number' && given > 0 ? params : rest;
      return runSpredTensor(problem as Parameters<typeof runSpredTensor>[0], 'sgd', tensorParams, callback, ctx);
    }
    const given = Number(params['lr'] ?? 0);
    const lr = given > 0 ? given : autoLearningRate(problem);
    const opts = {
      lr,
      momentum: Number(params['momentum'] ?? 0),
      schedule: String(params['schedule'] ?? 'constant') as Schedule,
      batchSize: Number(params['batchSize'] ?? 0),
      safeguard: !(given > 0),
    };
    runSpredFloat64(problem, params, callback, ctx, 'spred-sgd', (obj, theta0, rng) => new Sgd(obj, theta0, opts, rng));
  },
};
