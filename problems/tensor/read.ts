/**
 * Reading tensors back to the host, for every backend. The webgpu backend has no synchronous
 * reads in Node (`dataSync` / `arraySync` fail: "OffscreenCanvas is not defined"), so the tensor
 * engine reads only with `await t.data()`, at trace points and at the end of a run, never inside
 * a training step. Also the bridge from a solver's device iterate to the harness's callback.
 */
import * as tf from '@tensorflow/tfjs';
import type { AsyncCallback, AsyncIterateView, Callback, RunContext } from '../types.ts';

/** The float32 values of one tensor (awaited read; the caller keeps ownership of `t`). */
export async function readValues(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/** The value of a scalar tensor (awaited read). */
export async function readScalar(t: tf.Tensor): Promise<number> {
  return (await t.data())[0] as number;
}

/**
 * Reads `tensors` into `out` (Float64), tensor i at `offsets[i]`. The reads are issued together
 * and awaited once, so a device backend can overlap the copies.
 */
export async function readInto(tensors: readonly tf.Tensor[], offsets: readonly number[], out: Float64Array): Promise<Float64Array> {
  const values = await Promise.all(tensors.map((t) => t.data()));
  values.forEach((v, i) => out.set(v as Float32Array, offsets[i] as number));
  return out;
}

/**
 * The callback a tensor solver reports through: the harness's own `ctx.asyncCallback` (it stops
 * the clock before reading the iterate, so the device→host copy is not solver time), or, when a
 * solver is called directly without one (tests, scripts), an adapter that reads the iterate
 * with `await` and hands the synchronous `callback` a view over the copies.
 */
export function asyncCallbackOf(callback: Callback, ctx: RunContext): AsyncCallback {
  if (ctx.asyncCallback) return ctx.asyncCallback;
  return async (view: AsyncIterateView): Promise<boolean> => {
    const x = await view.x();
    const extras = view.extras ? await view.extras() : undefined;
    return callback(extras === undefined ? { x: () => x } : { x: () => x, extras: () => extras });
  };
}

/**
 * Waits until the device has finished the work queued so far. Backends that compute in the
 * calling thread (wasm, cpu, tensorflow) have nothing queued; on webgpu, reading one entry
 * computed from the first of `source()` (built inside tf.tidy) waits for every command
 * submitted before it (the queue is in order).
 */
export async function syncDevice(source: () => readonly tf.Tensor[]): Promise<void> {
  if (tf.getBackend() !== 'webgpu') return;
  const one = tf.tidy(() => {
    const t = source()[0];
    return t === undefined || t.size === 0 ? tf.zeros([1]) : tf.slice(tf.reshape(t, [-1]), [0], [1]);
  });
  try {
    await one.data();
  } finally {
    one.dispose();
  }
}
