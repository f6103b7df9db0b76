/**
 * The lasso on the tensor engine (float32), for checking the tfjs engine against the Float64 one:
 *
 *     F(w) = f(w) + λ‖w‖₁,    f(w) = (1/2n)‖y − Xw‖²,    λ_max = ‖Xᵀy‖∞ / n,
 *
 * the same scaling as the Float64 `lasso` family. One parameter tensor w of shape [p, 1]
 * (flat layout: w), penalized elementwise; the default initialization is w = 0.
 * Gradient by hand with an explicit Xᵀ (a batch carries it): ∇f = Xᵀ(Xw − y)/b.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { Matrix } from '../types.ts';
import { UserError } from '../errors.ts';
import { initDevice, type BackendChoice } from './backend.ts';
import { assembleTensorProblem, layoutParams } from './base.ts';
import type { TensorBatch, TensorProblem } from './types.ts';

/**
 * Builds the tensor lasso from a column-major design (as `lassoFromArrays`), targets y and an
 * absolute λ.
 */
export async function makeTensorLasso(X: Matrix, y: Float64Array, lambda: number, opts: { backend?: BackendChoice; name?: string } = {}): Promise<TensorProblem> {
  const { n, p, data } = X;
  if (y.length !== n) throw new UserError(`tensor lasso: y has length ${y.length}, X has n = ${n} rows`);
  if (data.length !== n * p) throw new UserError(`tensor lasso: X.data has ${data.length} values, expected n·p = ${n * p}`);
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new UserError(`tensor lasso: λ must be positive and finite, got ${lambda}`);
  const device = await initDevice(opts.backend ?? 'wasm');

  // row-major X (float32) for batches
  const Xr = new Float32Array(n * p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) Xr[i * p + j] = data[j * n + i] as number;
  const y32 = Float32Array.from(y);

  const makeBatch = (idx: Int32Array): TensorBatch => {
    const b = idx.length;
    const xb = new Float32Array(b * p);
    const xt = new Float32Array(p * b);
    const yb = new Float32Array(b);
    for (let r = 0; r < b; r++) {
      const i = idx[r] as number;
      xb.set(Xr.subarray(i * p, (i + 1) * p), r * p);
      // Xᵀ[j, r] = X[i, j]
      for (let j = 0; j < p; j++) xt[j * b + r] = Xr[i * p + j] as number;
      yb[r] = y32[i] as number;
    }
    return { size: b, tensors: [tf.tensor2d(xb, [b, p]), tf.tensor2d(xt, [p, b]), tf.tensor2d(yb, [b, 1])] };
  };
  const fullBatch = makeBatch(Int32Array.from({ length: n }, (_, i) => i));

  // λ_max = ‖Xᵀy‖∞ / n (Float64)
  let lambdaMax = 0;
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (data[j * n + i] as number) * (y[i] as number);
    lambdaMax = Math.max(lambdaMax, Math.abs(s) / n);
  }
  const dataHash = createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength))
    .digest('hex');
  const instanceHash = createHash('sha256').update(JSON.stringify({ family: 'lasso', engine: 'tfjs', data: dataHash, lambda: lambda.toString() })).digest('hex');

  return assembleTensorProblem(
    {
      family: 'lasso',
      backend: device.backend,
      adapter: device.adapter,
      params: layoutParams([{ name: 'w', shape: [p, 1], penalty: 'l1', role: 'weight', initStd: 1 }]),
      nSamples: n,
      loss: lassoLoss,
      makeBatch,
      fullBatch,
      initialParams: () => new Float64Array(p),
      capabilities: ['smooth-gradient', 'sample-mean', 'prox', 'tensor-engine'],
      owned: [],
    },
    lambda,
    lambdaMax,
    { dataset: opts.name ?? 'arrays', dataHash, nSamples: n, nFeatures: p, notes: {} },
    instanceHash,
  );
}

/** (1/2b)‖y_B − X_B w‖² with ∇ = X_Bᵀ(X_B w − y_B)/b, batch [X (b×p), Xᵀ (p×b), y (b×1)]. */
export function lassoLoss(params: readonly tf.Tensor[], batch: TensorBatch): tf.Scalar {
  const [X, XT, Y] = batch.tensors as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const b = batch.size;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const w = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const r = tf.sub(tf.matMul(X, w), Y);
    save([r]);
    return {
      value: tf.div(tf.sum(tf.square(r)), 2 * b) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.matMul(XT, saved[0] as tf.Tensor2D), tf.div(dy, b)),
    };
  });
  return f(params[0] as tf.Tensor) as tf.Scalar;
}
