/**
 * dense: the unpenalized network, λ = 0 — Adam on f alone (the reference line of every NN chart):
 *   θ ← θ − lr·m̂/(√v̂ + ε)  with m̂, v̂ the bias-corrected moments of ∇f_B (solvers/tensor/optim.ts),
 * in the shared minibatch loop. The problem's λ is ignored by the method (its objective F is
 * still what the trace records).
 */
import type { AnyProblem, Callback, Params, RunContext, Solver } from '../problems/types.ts';
import type { TensorProblem } from '../problems/tensor/types.ts';
import { TENSOR_ADAM_PARAMS } from './tensor/params.ts';

export const dense: Solver = {
  name: 'dense',
  description: 'the dense network: Adam on f with λ = 0 (reference for NN compression and selection; TensorFlow.js)',
  requires: ['tensor-engine', 'sample-mean'],
  ignoresLambda: true,
  params: { ...TENSOR_ADAM_PARAMS },
  async run(problem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
    const { runMinibatchLoop } = await import('./tensor/loop.ts');
    const { plainRule } = await import('./tensor/plain.ts');
    const p = problem as TensorProblem;
    await runMinibatchLoop(p, plainRule(p, 'adam', params, ctx, 'dense'), params, ctx.seed, callback, ctx.asyncCallback);
  },
};
