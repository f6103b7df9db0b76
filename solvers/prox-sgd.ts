/**
 * prox-sgd: stochastic proximal gradient, optionally with heavy-ball momentum (PyTorch form),
 *   b ← μb + ∇f_B(x)  (b = ∇f_B when μ = 0),   x ← prox_{η_t λΩ}(x − η_t b),
 * η_t = lr by schedule in the epoch t (constant | inverse-sqrt lr/√(t+1) | step). The prox is
 * soft-thresholding S_{η_tλ}(z) = sign(z)max(|z| − η_tλ, 0) for L1 and block soft-thresholding
 * z_G·max(1 − η_tλ/‖z_G‖₂, 0) for groups. Exact zeros.
 *
 * Runs on both engines: on the tensor engine in the shared minibatch loop; on the Float64
 * engine with the problem's own datafit gradient (gradientBatch for minibatches) and penalty prox,
 * one callback per epoch (per step when full batch). With a decaying step (inverse-sqrt) it
 * converges on a convex problem to the minimizer of F (test: the cd optimum of a lasso).
 * lr = 0 on the Float64 engine means 1/L (the datafit's Lipschitz constant; full-batch prox-sgd
 * with a constant 1/L step is ISTA).
 */
import type { AnyProblem, Callback, Params, Problem, RunContext, Solver } from '../problems/types.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { Rng } from '../problems/rng.ts';
import { UserError } from '../problems/errors.ts';
import { EpochBatches } from './optimizers/types.ts';
import { scheduledRate, SCHEDULES, type Schedule } from './optimizers/sgd.ts';
import { dataOrderSeed } from './tensor/seed.ts';

export const proxSgd: Solver = {
  name: 'prox-sgd',
  description: 'stochastic proximal gradient: x ← prox_{ηλΩ}(x − η(∇f_B + momentum)), soft / block soft-thresholding (both engines)',
  requires: ['smooth-gradient', 'sample-mean', 'prox'],
  params: {
    lr: { type: 'number', default: 0, min: 0, doc: 'step η; 0 = auto: 1/L on the Float64 engine (L the datafit Lipschitz constant), 0.01 on TensorFlow.js' },
    momentum: { type: 'number', default: 0, min: 0, max: 0.999, doc: 'heavy-ball momentum μ (PyTorch form: b ← μb + g, x ← prox(x − ηb))' },
    schedule: { type: 'string', default: 'constant', choices: SCHEDULES, doc: 'step schedule in epochs t: constant; inverse-sqrt lr/√(t+1); step lr·0.5^⌊t/100⌋' },
    batchSize: { type: 'integer', default: 0, min: 0, doc: '0 = full batch (one callback per step); > 0 = seeded minibatches (one callback per epoch)' },
  },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    if (problem.engine === 'tfjs') {
      const { runMinibatchLoop } = await import('./tensor/loop.ts');
      const { plainRule, proxTensor } = await import('./tensor/plain.ts');
      const p = problem as TensorProblem;
      const given = Number(params['lr'] ?? 0);
      const tp = { ...params, lr: given > 0 ? given : 0.01 };
      const rule = plainRule(p, 'sgd', tp, ctx, 'prox-sgd', {
        // x ← prox_{ηλΩ}(z), η = this step's rate
        post: (i, z, eta) => {
          const info = p.params[i];
          return info && info.penalty !== 'none' ? proxTensor(info, z, (eta() as number) * p.lambda) : z;
        },
      });
      await runMinibatchLoop(p, rule, tp, ctx.seed, callback, ctx.asyncCallback);
      return;
    }
    runFloat64(problem, params, callback, ctx);
  },
};

function runFloat64(problem: Problem, params: Params, callback: Callback, ctx: RunContext): void {
  const df = problem.datafit;
  const dim = problem.dim;
  const given = Number(params['lr'] ?? 0);
  if (!(given > 0) && !df.lipschitz) throw new UserError('prox-sgd: lr = 0 (auto) needs a Lipschitz constant, which this datafit has none of; give lr > 0');
  const lr = given > 0 ? given : 1 / (df.lipschitz as () => number)();
  const mu = Number(params['momentum'] ?? 0);
  const schedule = String(params['schedule'] ?? 'constant') as Schedule;
  const batchSize = Math.floor(Number(params['batchSize'] ?? 0));
  const minibatch = batchSize > 0 && batchSize < df.nSamples;
  if (minibatch && !df.gradientBatch) throw new UserError(`prox-sgd: batchSize=${batchSize} needs minibatch gradients, which this datafit has none of; use batchSize=0`);
  const x = ctx.x0 ? Float64Array.from(ctx.x0) : new Float64Array(dim);
  const g = new Float64Array(dim);
  const b = new Float64Array(dim);
  const batches = minibatch ? new EpochBatches(df.nSamples, batchSize, new Rng(dataOrderSeed(ctx.seed))) : null;
  const view = { x: () => x };
  const step = (eta: number): void => {
    // b ← μb + g;  x ← prox_{ηλΩ}(x − ηb)
    for (let i = 0; i < dim; i++) {
      const bi = mu > 0 ? mu * (b[i] as number) + (g[i] as number) : (g[i] as number);
      b[i] = bi;
      x[i] = (x[i] as number) - eta * bi;
    }
    problem.penalty.prox(x, eta * problem.lambda, x);
  };
  let epoch = 0;
  while (callback(view)) {
    const eta = scheduledRate(lr, schedule, epoch);
    if (batches === null) {
      df.gradient(x, g);
      step(eta);
    } else {
      const gb = df.gradientBatch as NonNullable<typeof df.gradientBatch>;
      for (const idx of batches.shuffle()) {
        gb.call(df, x, idx, g);
        step(eta);
      }
    }
    epoch++;
  }
}
