/**
 * Parameter declarations shared by the tensor methods (no TensorFlow.js import: the solver
 * registry reads these without loading the engine).
 */
import type { ParamSpec } from '../../problems/types.ts';

/** Adam's parameters and the minibatch size (defaults: ADAM_DEFAULTS in optim.ts, batch 128). */
export const TENSOR_ADAM_PARAMS: Readonly<Record<string, ParamSpec>> = {
  lr: { type: 'number', default: 1e-3, min: 0, doc: 'Adam step size lr' },
  beta1: { type: 'number', default: 0.9, min: 0, max: 0.999999, doc: 'decay β₁ of the first moment' },
  beta2: { type: 'number', default: 0.999, min: 0, max: 0.999999999, doc: 'decay β₂ of the second moment' },
  eps: { type: 'number', default: 1e-8, min: 0, doc: 'ε in lr·m̂/(√v̂ + ε)' },
  batchSize: { type: 'integer', default: 128, min: 0, doc: 'minibatch size (seeded shuffle per epoch, one callback per epoch); 0 = full batch' },
};
